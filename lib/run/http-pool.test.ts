import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpPoolOptions } from './http-pool.ts';

test("the pool holds twice HTTP_CONCURRENCY per host, never less than k6's defaults (6 per host, 20 in all)", () => {
  assert.deepEqual(httpPoolOptions(1), { batchPerHost: 6, batch: 20 });
  assert.deepEqual(httpPoolOptions(8), { batchPerHost: 16, batch: 32 });
  assert.deepEqual(httpPoolOptions(16), { batchPerHost: 32, batch: 64 });
  for (let c = 1; c <= 1000; c++) {
    const o = httpPoolOptions(c);
    assert.ok(o.batchPerHost >= c && o.batch >= o.batchPerHost && Number.isInteger(o.batch) && Number.isInteger(o.batchPerHost), String(c));
  }
});
