// --local-ips applies to k6/x/redis (k6-reference, "At scale on real k6"):
// xk6-redis dials Redis with the VU's dialer, so CLIENT INFO shows the VU's
// source address. A Redis in protected mode refuses that client: the command
// rejects with an Error `write: broken pipe`. The check's name records what
// each VU saw.
import redis from 'k6/x/redis';
import { check } from 'k6';
import exec from 'k6/execution';

export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 1 } } };
const client = new redis.Client(__ENV.REDIS_URL);

export default async function () {
  let seen;
  try {
    const info = String(await client.sendCommand('CLIENT', 'INFO'));
    seen = `from ${/\baddr=([\d.]+):\d+/.exec(info)?.[1] ?? info}`;
  } catch (e) {
    seen = `rejected: ${typeof e === 'string' ? `string ${e}` : `Error ${e.message}`}`;
  }
  check(null, { [`vu ${exec.vu.idInInstance}: ${seen}`]: () => true });
}
export function handleSummary(data) { return { stdout: JSON.stringify(data) }; }
