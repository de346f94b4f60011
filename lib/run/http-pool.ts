// k6's `batch` and `batchPerHost` options for a scenario. Besides bounding
// http.batch(), they size each VU's pool of idle HTTP connections: k6 builds a
// VU's transport with MaxIdleConnsPerHost = batchPerHost (default 6) and
// MaxIdleConns = batch (default 20), and a connection whose response comes
// back while that pool is full is closed; the next request dials again
// (k6-reference, "At scale on real k6": 503 dials for 800 requests, 16 at a
// time, with the defaults; 16 with --batch-per-host=16 --batch=32). A VU of
// this suite keeps HTTP_CONCURRENCY logins and leaves in flight, plus the
// checks of its arriving users, which are not bounded: so the pool holds
// twice HTTP_CONCURRENCY per host, and twice that in all (the API and the
// Socket.IO origin may be two hosts). Then a VU dials about as many
// connections as it ever has in flight, once, instead of one per request
// beyond six, and the room's HTTP port does not fill with TIME_WAIT sockets.
// Both options exist with these names on every k6 line from 0.46 to 2.x;
// `--batch-per-host` and `--batch` on k6's command line still win over them.

/** k6's own defaults (batchPerHost 6, batch 20): the pool is never made smaller than them. */
export const K6_DEFAULT_BATCH_PER_HOST = 6;
export const K6_DEFAULT_BATCH = 20;

export function httpPoolOptions(httpConcurrency: number): { batch: number; batchPerHost: number } {
  const batchPerHost = Math.max(K6_DEFAULT_BATCH_PER_HOST, 2 * httpConcurrency);
  return { batchPerHost, batch: Math.max(K6_DEFAULT_BATCH, 2 * batchPerHost) };
}
