// Prints a loopback port P such that P .. P+extra are all free now, for a room of
// several processes (target-ctl listens on P and on P+1+i for process i).
// Usage: node tools/free-port.mjs [extra]   (extra: how many ports above P, default 0)
import { createServer } from 'node:net';

const extra = Number(process.argv[2] ?? 0);
if (!Number.isInteger(extra) || extra < 0 || extra > 64) {
  console.error(`free-port: expected a count of ports from 0 to 64, got "${process.argv[2]}"`);
  process.exit(2);
}

function listen(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(null));
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}

const close = (servers) => Promise.all(servers.map((s) => new Promise((r) => s.close(r))));

for (let attempt = 0; attempt < 50; attempt++) {
  const first = await listen(0);
  if (first === null) continue;
  const base = first.address().port;
  const held = [first];
  let ok = base + extra <= 65535;
  for (let i = 1; ok && i <= extra; i++) {
    const s = await listen(base + i);
    if (s === null) ok = false;
    else held.push(s);
  }
  await close(held);
  if (ok) {
    console.log(base);
    process.exit(0);
  }
}
console.error(`free-port: found no ${extra + 1} consecutive free ports on 127.0.0.1 in 50 tries`);
process.exit(1);
