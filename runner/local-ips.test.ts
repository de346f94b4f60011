import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalIpPool, LocalIpsError } from './local-ips.ts';

test('--local-ips: addresses, ranges and CIDRs, handed out in VU order and around again', () => {
  const p = LocalIpPool.parse('127.0.1.1, 127.0.2.254-127.0.3.1,127.0.4.8/30');
  assert.equal(p.size, 1 + 4 + 4);
  assert.deepEqual(Array.from({ length: 10 }, (_, i) => p.forVu(i + 1)), [
    '127.0.1.1', '127.0.2.254', '127.0.2.255', '127.0.3.0', '127.0.3.1', '127.0.4.8', '127.0.4.9', '127.0.4.10', '127.0.4.11', '127.0.1.1',
  ]);
  assert.equal(p.forVu(0), '127.0.1.1', 'setup and teardown: the first address');
  assert.equal(LocalIpPool.parse('10.1.2.3/24').address(0), '10.1.2.0', 'a CIDR starts at its network address');
});

test('--local-ips: a bad value says what is wrong and what is expected', () => {
  for (const [spec, why] of [
    ['', /expected addresses, ranges A-B or CIDRs A\/N/],
    ['127.0.0.1,', /expected addresses/],
    ['127.0.0.300', /"127\.0\.0\.300" is not an IPv4 address/],
    ['127.0.0.9-127.0.0.1', /the range "127\.0\.0\.9-127\.0\.0\.1" ends before it starts/],
    ['127.0.0.0/4', /the prefix length of "127\.0\.0\.0\/4" must be 8 to 32/],
    ['::1', /takes IPv4 addresses only/],
  ] as const) {
    assert.throws(() => LocalIpPool.parse(spec), (e: unknown) => e instanceof LocalIpsError && why.test(e.message), spec);
  }
});
