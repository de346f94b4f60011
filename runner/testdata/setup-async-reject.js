// k6-reference, "Exit codes of setup() failures": an async setup() whose
// promise rejects after an await exits 255 on every line 0.46-2.2.
export async function setup() {
  await Promise.resolve();
  throw new Error('x');
}
export default function () {}
