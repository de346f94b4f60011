// One VU, N concurrent http.asyncRequests (GET BASE/r?i=<i>, issued in i
// order), as a check-race VU sends its users' checks, after a warm-up round
// the server does not log. The server (spread.test.ts) logs what arrives and
// what it answers; the script prints the order in which it was handed the
// answers (`delivered [...]`).
import http from 'k6/http';
import { check } from 'k6';

const N = Number(__ENV.N || 200);
const WARM = 20;
export const options = { thresholds: { checks: ['rate==1'], http_reqs: [`count==${N + WARM}`] } };

export default async function () {
  await Promise.all(Array.from({ length: WARM }, () => http.asyncRequest('GET', `${__ENV.BASE}/w`)));
  const delivered = [];
  const all = [];
  for (let i = 0; i < N; i++) {
    all.push(http.asyncRequest('GET', `${__ENV.BASE}/r?i=${i}`).then((r) => {
      delivered.push(i);
      return r.status === 200 && r.body === `ok ${i}`;
    }));
  }
  const answers = await Promise.all(all);
  check(answers, { 'every answer 200 with its own body': (a) => a.every((ok) => ok) });
  console.log(`delivered ${JSON.stringify(delivered)}`);
}

export function handleSummary(data) { return { stdout: JSON.stringify(data) }; }
