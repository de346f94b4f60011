// Two rounds of 10 concurrent requests to one host from one VU. k6 keeps
// batchPerHost idle connections per host between rounds (6 unless set), so
// the server sees 10 + (10 - kept) connections.
import http from 'k6/http';

export const options = __ENV.BATCH_PER_HOST ? { batchPerHost: Number(__ENV.BATCH_PER_HOST) } : {};

export default async function () {
  for (let round = 0; round < 2; round++) {
    const all = [];
    for (let i = 0; i < 10; i++) all.push(http.asyncRequest('GET', `${__ENV.BASE}/slowish`));
    await Promise.all(all);
  }
}
