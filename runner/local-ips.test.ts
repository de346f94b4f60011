import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalIpPool, LocalIpsError } from './local-ips.ts';

test('--local-ips: addresses, ranges and CIDRs, handed out in VU order and around again', () => {
  const p = LocalIpPool.parse('127.0.1.1, 127.0.2.254-127.0.3.1,127.0.4.8/30');
  assert.equal(p.size, 1 + 4 + 2);
  assert.deepEqual(Array.from({ length: 8 }, (_, i) => p.forVu(i + 1)), [
    '127.0.1.1', '127.0.2.254', '127.0.2.255', '127.0.3.0', '127.0.3.1', '127.0.4.9', '127.0.4.10', '127.0.1.1',
  ]);
  assert.equal(p.forVu(0), '127.0.1.1', 'setup and teardown: the first address');
  // As k6: a CIDR of more than 2 addresses leaves out its network and broadcast addresses; /31 and /32 keep all.
  const c24 = LocalIpPool.parse('10.1.2.3/24');
  assert.deepEqual([c24.size, c24.address(0), c24.address(253)], [254, '10.1.2.1', '10.1.2.254']);
  const c31 = LocalIpPool.parse('10.1.2.3/31');
  assert.deepEqual([c31.size, c31.address(0), c31.address(1)], [2, '10.1.2.2', '10.1.2.3']);
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
