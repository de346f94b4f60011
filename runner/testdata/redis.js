import redis from 'k6/x/redis';
import { check } from 'k6';
export const options = { thresholds: { checks: ['rate==1'] } };
const client = new redis.Client(__ENV.REDIS_URL);
const dead = new redis.Client({ socket: { host: '127.0.0.1', port: Number(__ENV.DEAD_PORT) } });
export default async function () {
  await client.sendCommand('DEL', 'k', 'z', 's');
  const set = await client.set('k', 'v');
  const got = await client.sendCommand('GET', 'k');
  const nil = await client.sendCommand('GET', 'nope');
  await client.sendCommand('ZADD', 'z', 1, 'a', 2, 'b');
  const z = await client.sendCommand('ZRANGE', 'z', 0, -1, 'WITHSCORES');
  const added = await client.sadd('s', 'x', 'y');
  const member = await client.sismember('s', 'x');
  let replyError = '';
  try { await client.sendCommand('INCR', 'k'); } catch (e) { replyError = e.message; }
  check(null, {
    'set OK': () => set === 'OK',
    'bulk string': () => got === 'v',
    'nil is null': () => nil === null,
    'array of strings': () => JSON.stringify(z) === '["a","1","b","2"]',
    'integer': () => added === 2,
    'sismember boolean': () => member === true,
    'error reply rejects with the message': () => /not an integer/.test(replyError),
  });
  const started = Date.now();
  let deadError = '';
  try { await dead.sendCommand('PING'); } catch (e) { deadError = e.message; }
  const took = Date.now() - started;
  console.log(`dead: ${deadError} after ${took}ms`);
  check(null, { 'unreachable rejects quickly': () => deadError.includes(`127.0.0.1:${__ENV.DEAD_PORT}`) && took < 2500 });
}
export function handleSummary(data) { return { stdout: JSON.stringify(data) }; }
