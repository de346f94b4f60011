// k6/secrets (shared/k6-reference/README.md, "Secrets, inspect and archive"):
// read in setup() and in VU code; every value read is redacted in the logs.
import secrets from 'k6/secrets';
import { check } from 'k6';
export const options = { thresholds: { checks: ['rate==1'] } };
export async function setup() {
  try {
    const v = await secrets.get('QUEUE_TEST_SECRET');
    console.log(`setup read ${v}`);
    return { length: v.length };
  } catch (e) {
    console.log(`setup get failed: ${e.message}`);
    return { length: -1 };
  }
}
export default async function (data) {
  if (data.length < 0) {
    check(data, { 'setup saw no secret source': (d) => d.length === -1 });
    return;
  }
  const v = await secrets.get('QUEUE_TEST_SECRET');
  const named = await secrets.source('main').get('OTHER_SECRET');
  let missing = '';
  try {
    await secrets.get('NOT_IN_THE_FILE');
  } catch (e) {
    missing = e.message;
  }
  console.log(`vu read ${v} and ${named}`);
  check(null, {
    'the same value in setup and VU code': () => v.length === data.length,
    'a named source': () => named.length > 0,
    'a missing name rejects': () => missing === 'no value',
    'secrets are not in __ENV': () => __ENV.QUEUE_TEST_SECRET === undefined && __ENV.OTHER_SECRET === undefined,
  });
  throw new Error(`an exception quoting ${v}`);
}
