// The k6 side of the bench's conductor (bench/conductor.ts): the bench process
// says which phase the run is in, and the VUs report what they have done, over
// plain HTTP on 127.0.0.1. One poller per VU, however many users it drives.
import http from 'k6/http';
import { sleepMs } from '../../lib/flow/time';

export type Phase = 'wait' | 'connect' | 'drain' | 'close';
const ORDER: Phase[] = ['wait', 'connect', 'drain', 'close'];

export class Conductor {
  private phase: Phase = 'wait';
  private polling: Promise<void> | undefined;

  constructor(private readonly url: string, private readonly pollMs = 100, private readonly deadline = Date.now() + 20 * 60_000) {}

  /** Adds to the bench's counters, e.g. { loggedIn: 50 }. */
  async report(counts: Record<string, number>): Promise<void> {
    const q = Object.keys(counts).map((k) => `${encodeURIComponent(k)}=${counts[k]}`).join('&');
    await http.asyncRequest('POST', `${this.url}/report?${q}`, null, { timeout: '10s' });
  }

  /** Resolves once the bench has reached `phase` (or a later one), or at the deadline. */
  async reach(phase: Phase): Promise<Phase> {
    while (ORDER.indexOf(this.phase) < ORDER.indexOf(phase) && Date.now() < this.deadline) {
      this.polling ??= this.poll().finally(() => { this.polling = undefined; });
      await this.polling;
    }
    return this.phase;
  }

  private async poll(): Promise<void> {
    const res = await http.asyncRequest('GET', `${this.url}/phase`, null, { timeout: '10s' });
    const body = typeof res.body === 'string' ? res.body.trim() : '';
    if (res.status === 200 && (ORDER as string[]).includes(body)) this.phase = body as Phase;
    if (ORDER.indexOf(this.phase) < ORDER.length - 1) await sleepMs(this.pollMs);
  }
}
