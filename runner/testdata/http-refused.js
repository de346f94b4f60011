// k6's own text for a refused connection (lib/netext/httpext error codes):
// res.error is k6's short message, error_code 1212, status 0.
import http from 'k6/http';
import { check } from 'k6';
export const options = { thresholds: { checks: ['rate==1'] } };
export default async function () {
  const res = await http.asyncRequest('GET', 'http://127.0.0.1:1/');
  console.log(`refused: ${JSON.stringify({ status: res.status, error: res.error, error_code: res.error_code })}`);
  check(res, {
    'status 0': (r) => r.status === 0,
    'error_code 1212': (r) => r.error_code === 1212,
    'k6 error text': (r) => r.error === 'dial: connection refused',
  });
}
