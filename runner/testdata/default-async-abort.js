// k6-reference, "Exit codes of setup() failures": exec.test.abort() after an
// await in an async default function exits 108.
import exec from 'k6/execution';
export const options = { vus: 1, iterations: 3 };
export default async function () {
  await Promise.resolve();
  exec.test.abort('why');
}
