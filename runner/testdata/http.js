import http from 'k6/http';
import { check } from 'k6';
export const options = { thresholds: { checks: ['rate==1'] } };
export function setup() {
  const res = http.get(`${__ENV.BASE}/hello`);
  check(res, { 'setup: sync get 200': (r) => r.status === 200 && r.body === 'hello' });
  return { token: res.json === undefined ? '' : 't-1' };
}
export default async function (data) {
  const res = await http.asyncRequest('POST', `${__ENV.BASE}/echo`, JSON.stringify({ a: { b: [1, 2] } }), {
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${data.token}` },
    tags: { name: 'echo' },
  });
  check(res, {
    'async: 200': (r) => r.status === 200,
    'async: json selector': (r) => r.json('a.b.1') === 2,
    'async: header seen': (r) => r.headers['X-Auth'] === 'Bearer t-1',
    'async: timings': (r) => r.timings.duration > 0 && r.error_code === 0,
  });
  const refused = await http.asyncRequest('GET', 'http://127.0.0.1:1/');
  check(refused, {
    'refused: status 0': (r) => r.status === 0,
    'refused: error_code 1212': (r) => r.error_code === 1212,
    'refused: error text': (r) => r.error === 'dial tcp 127.0.0.1:1: connect: connection refused',
  });
  const slow = await http.asyncRequest('GET', `${__ENV.BASE}/slow`, null, { timeout: '100ms' });
  check(slow, { 'timeout: request timeout': (r) => r.status === 0 && r.error === 'request timeout' && r.error_code === 1050 });
  const missing = await http.asyncRequest('GET', `${__ENV.BASE}/missing`);
  check(missing, { '404 status': (r) => r.status === 404 });
}
export function handleSummary(data) { return { stdout: JSON.stringify(data) }; }
