import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpPoolOptions } from './http-pool.ts';

test("a VU's pool holds one connection per user of the VU per host, never less than k6's defaults (6 per host, 20 in all)", () => {
  assert.deepEqual(httpPoolOptions(1), { batchPerHost: 6, batch: 20 });
  assert.deepEqual(httpPoolOptions(16), { batchPerHost: 16, batch: 32 });
  assert.deepEqual(httpPoolOptions(500), { batchPerHost: 500, batch: 1000 });
  for (let u = 1; u <= 5000; u++) {
    const o = httpPoolOptions(u);
    assert.ok(o.batchPerHost >= u && o.batch >= 2 * u && Number.isInteger(o.batch) && Number.isInteger(o.batchPerHost), String(u));
  }
});
