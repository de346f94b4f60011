// k6's --local-ips (env K6_LOCAL_IPS): the source addresses a run's VUs make
// their requests from, handed out to VUs in order (VU 1 the first address, VU 2
// the next, around again after the last; setup and teardown the first). k6
// takes IP ranges and CIDRs, comma-separated: "127.0.1.1-127.0.1.20,127.0.2.0/28"
// (a CIDR of more than 2 addresses without its first and last, as in k6).
// The addresses must exist on the machine: on Linux every address of
// 127.0.0.0/8 is the loopback's. The runner takes IPv4 only (the suite runs on
// loopback); k6 takes IPv6 too.
//
// Why it matters here: Linux gives each connect() an ephemeral port that is
// free for that source address, destination address and port, trying ports of
// one parity first. Past half the range (14,116 sockets towards one
// destination from one address) every further connect() searches the whole
// half first and costs milliseconds of kernel CPU. A different source address
// per VU keeps each search short (docs/scale.md, "The limits").

export class LocalIpsError extends Error {}

interface Range { first: number; count: number }

function parseIPv4(text: string, spec: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (m === null || m.slice(1).some((o) => Number(o) > 255)) {
    const v6 = text.includes(':') ? ' (the Node runner takes IPv4 addresses only)' : '';
    throw new LocalIpsError(`invalid --local-ips ${JSON.stringify(spec)}: ${JSON.stringify(text.trim())} is not an IPv4 address${v6}; expected addresses, ranges A-B or CIDRs A/N, comma-separated, e.g. 127.0.1.1-127.0.1.20`);
  }
  return ((Number(m[1]) << 24) >>> 0) + (Number(m[2]) << 16) + (Number(m[3]) << 8) + Number(m[4]);
}

function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export class LocalIpPool {
  private constructor(private readonly ranges: Range[], readonly size: number, readonly spec: string) {}

  /** Parses k6's --local-ips value; throws LocalIpsError saying what is wrong and what is expected. */
  static parse(spec: string): LocalIpPool {
    const ranges: Range[] = [];
    const parts = spec.split(',').map((p) => p.trim());
    if (spec.trim() === '' || parts.some((p) => p === '')) {
      throw new LocalIpsError(`invalid --local-ips ${JSON.stringify(spec)}: expected addresses, ranges A-B or CIDRs A/N, comma-separated, e.g. 127.0.1.1-127.0.1.20`);
    }
    for (const part of parts) {
      const slash = part.indexOf('/');
      const dash = part.indexOf('-');
      if (slash !== -1) {
        const bits = part.slice(slash + 1).trim();
        if (!/^\d{1,2}$/.test(bits) || Number(bits) > 32 || Number(bits) < 8) {
          throw new LocalIpsError(`invalid --local-ips ${JSON.stringify(spec)}: the prefix length of ${JSON.stringify(part)} must be 8 to 32`);
        }
        const size = 2 ** (32 - Number(bits));
        const base = parseIPv4(part.slice(0, slash), spec);
        // As k6: a CIDR of more than 2 addresses leaves out its network and broadcast addresses.
        ranges.push(size > 2 ? { first: base - (base % size) + 1, count: size - 2 } : { first: base - (base % size), count: size });
      } else if (dash !== -1) {
        const first = parseIPv4(part.slice(0, dash), spec);
        const last = parseIPv4(part.slice(dash + 1), spec);
        if (last < first) throw new LocalIpsError(`invalid --local-ips ${JSON.stringify(spec)}: the range ${JSON.stringify(part)} ends before it starts`);
        ranges.push({ first, count: last - first + 1 });
      } else {
        ranges.push({ first: parseIPv4(part, spec), count: 1 });
      }
    }
    return new LocalIpPool(ranges, ranges.reduce((n, r) => n + r.count, 0), spec);
  }

  /** The i-th address of the pool (0-based), around again after the last. */
  address(i: number): string {
    let k = ((i % this.size) + this.size) % this.size;
    for (const r of this.ranges) {
      if (k < r.count) return formatIPv4(r.first + k);
      k -= r.count;
    }
    throw new Error('unreachable: the index is reduced modulo the pool size');
  }

  /** VU `id`'s source address: VU 1 the first; VU 0 (setup, teardown, handleSummary) the first too. */
  forVu(id: number): string {
    return this.address(Math.max(0, id - 1));
  }
}
