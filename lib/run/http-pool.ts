// k6's `batch` and `batchPerHost` options for a scenario. Besides bounding
// http.batch(), they size each VU's pool of idle HTTP connections: k6 builds a
// VU's transport with MaxIdleConnsPerHost = batchPerHost (default 6) and
// MaxIdleConns = batch (default 20), and a connection whose response comes
// back while that pool is full is closed; the next request dials again
// (k6-reference, "At scale on real k6": 503 dials for 800 requests, 16 at a
// time, with the defaults; 16 with --batch-per-host=16 --batch=32).
//
// How many calls a VU of this suite has in flight is not HTTP_CONCURRENCY:
// logins and leaves are bounded by it, but each arriving user's check is not
// (a burst must reach the room as one), so under load a VU has
// HTTP_CONCURRENCY + the checks still waiting for their answer. What bounds
// it is the users of the VU: each user makes one call at a time. So the pool
// holds USERS_PER_VU connections per host: a VU then never closes a
// connection it will need again, and dials as many as it ever had in flight
// at once, instead of one more for each call beyond the pool at every peak
// (measured on the runner, 1,000 users over 2 VUs, HTTP_CONCURRENCY=8: 404
// dials with a pool of 16, 34 with an unbounded one). A larger pool opens
// nothing: it only keeps what was dialled. `batch` covers two hosts (the API
// and the Socket.IO origin may differ). Both options exist with these names
// on every k6 line from 0.46 to 2.x; k6's `--batch-per-host` and `--batch`
// flags still win over them.

/** k6's own defaults (batchPerHost 6, batch 20): the pool is never made smaller than them. */
export const K6_DEFAULT_BATCH_PER_HOST = 6;
export const K6_DEFAULT_BATCH = 20;

export function httpPoolOptions(usersPerVu: number): { batch: number; batchPerHost: number } {
  const batchPerHost = Math.max(K6_DEFAULT_BATCH_PER_HOST, usersPerVu);
  return { batchPerHost, batch: Math.max(K6_DEFAULT_BATCH, 2 * batchPerHost) };
}
