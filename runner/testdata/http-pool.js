// A VU's pool of idle HTTP connections (k6-reference, "At scale on real k6"):
// ROUNDS rounds of WIDTH concurrent requests to one host. k6 keeps
// batchPerHost idle connections per host (6 unless set) and batch in all
// (20 unless set); a connection freed while the pool is full is closed, so
// the next round dials again. The server counts its connections.
import http from 'k6/http';

export const options = {
  ...(__ENV.BATCH_PER_HOST ? { batchPerHost: Number(__ENV.BATCH_PER_HOST) } : {}),
  ...(__ENV.BATCH ? { batch: Number(__ENV.BATCH) } : {}),
};

export default async function () {
  for (let round = 0; round < Number(__ENV.ROUNDS); round++) {
    const all = [];
    for (let i = 0; i < Number(__ENV.WIDTH); i++) all.push(http.asyncRequest('GET', `${__ENV.BASE}/pool`));
    await Promise.all(all);
  }
}
