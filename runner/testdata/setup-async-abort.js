// k6-reference, "Exit codes of setup() failures": exec.test.abort() after an
// await in an async setup() exits 108.
import exec from 'k6/execution';
export async function setup() {
  await Promise.resolve();
  exec.test.abort('why');
}
export default function () {}
