// Who this run is, for its summary and the verdict of a split run: the k6
// running it, this instance's execution segment, and the parameters that may
// be written down (nothing secret; the Redis URL without its password).
import exec from 'k6/execution';
import type { RunConfig } from '../config';
import { detectedLine } from '../k6/modules';
import { redactRedisUrl } from '../redis/probe';

/** The k6 running this: tools/k6.sh passes it (QUEUE_K6_VERSION); a plain k6 run knows its module set. */
export function k6Version(env: Record<string, string | undefined>): string {
  return env.QUEUE_K6_VERSION || `k6 ${detectedLine} (module set)`;
}

/** This instance's execution segment, when k6 tells (exec.test.options), else null. */
export function executionSegment(): string | null {
  try {
    const o = (exec.test as unknown as { options?: { executionSegment?: unknown } }).options;
    const seg = o === undefined ? undefined : o.executionSegment;
    if (seg === undefined || seg === null || seg === '' || seg === '0:1') return null;
    return String(seg);
  } catch {
    return null;
  }
}

/** The run's parameters that may be written down. */
export function publicParams(cfg: RunConfig, probesOn: boolean): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(cfg)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (v === undefined) out[k] = null;
  }
  out.redisUrl = cfg.redisUrl === '' ? '' : redactRedisUrl(cfg.redisUrl);
  out.probes = probesOn;
  return out;
}
