// xk6-redis replies as recorded on k6 v2.2.0 (shared/k6-reference/README.md,
// "xk6-redis replies"): numbers for integer replies, strings for bulk
// replies, a nil reply REJECTS with the string 'redis: nil', an error reply
// rejects with its text as a string, an unreachable server with an object.
import redis from 'k6/x/redis';
import { check } from 'k6';
export const options = { thresholds: { checks: ['rate==1'] } };
const client = new redis.Client(__ENV.REDIS_URL);

/** { value } when the promise resolves, { reason } when it rejects. */
async function settle(p) {
  try {
    return { value: await p };
  } catch (reason) {
    return { reason };
  }
}

export default async function () {
  await client.sendCommand('DEL', 'k', 'z', 's', 'nope');
  const set = await client.set('k', 'v');
  const got = await client.sendCommand('GET', 'k');
  await client.sendCommand('ZADD', 'z', '1700000000000', 'u1', '1700000000001.5', 'u2');
  await client.sadd('s', 'x', 'y');
  const r = {
    getMissing: await settle(client.sendCommand('GET', 'nope')),
    getHelperMissing: await settle(client.get('nope')),
    zcard: await settle(client.sendCommand('ZCARD', 'z')),
    zcardMissing: await settle(client.sendCommand('ZCARD', 'nope')),
    scard: await settle(client.sendCommand('SCARD', 's')),
    zrank: await settle(client.sendCommand('ZRANK', 'z', 'u2')),
    zrankNonMember: await settle(client.sendCommand('ZRANK', 'z', 'gone')),
    zscore: await settle(client.sendCommand('ZSCORE', 'z', 'u2')),
    zscoreNonMember: await settle(client.sendCommand('ZSCORE', 'z', 'gone')),
    sismemberCmd: await settle(client.sendCommand('SISMEMBER', 's', 'x')),
    sismemberCmdNo: await settle(client.sendCommand('SISMEMBER', 's', 'zz')),
    sismember: await settle(client.sismember('s', 'x')),
    sismemberNo: await settle(client.sismember('s', 'zz')),
    zrangeHead: await settle(client.sendCommand('ZRANGE', 'z', 0, 0, 'WITHSCORES')),
    zrangeEmpty: await settle(client.sendCommand('ZRANGE', 'nope', 0, 0, 'WITHSCORES')),
    wrongType: await settle(client.sendCommand('SCARD', 'z')),
    unknownCommand: await settle(client.sendCommand('NOSUCHCOMMAND', 'x')),
  };
  check(r, {
    'SET resolves OK, GET a string': () => set === 'OK' && got === 'v',
    'GET missing rejects with the string redis: nil': (x) => x.getMissing.reason === 'redis: nil',
    'get() of a missing key rejects with the string redis: nil': (x) => x.getHelperMissing.reason === 'redis: nil',
    'ZCARD is a number, 0 for a missing key': (x) => x.zcard.value === 2 && x.zcardMissing.value === 0,
    'SCARD is a number': (x) => x.scard.value === 2,
    'ZRANK is a 0-based number': (x) => x.zrank.value === 1,
    'ZRANK of a non-member rejects with redis: nil': (x) => x.zrankNonMember.reason === 'redis: nil',
    'ZSCORE is a string': (x) => x.zscore.value === '1700000000001.5',
    'ZSCORE of a non-member rejects with redis: nil': (x) => x.zscoreNonMember.reason === 'redis: nil',
    'SISMEMBER is 1 or 0': (x) => x.sismemberCmd.value === 1 && x.sismemberCmdNo.value === 0,
    'sismember() is true or false': (x) => x.sismember.value === true && x.sismemberNo.value === false,
    'ZRANGE WITHSCORES is a flat array of strings, [] when empty': (x) =>
      JSON.stringify(x.zrangeHead.value) === '["u1","1700000000000"]' && JSON.stringify(x.zrangeEmpty.value) === '[]',
    'WRONGTYPE rejects with the reply text as a string': (x) => typeof x.wrongType.reason === 'string' && x.wrongType.reason.startsWith('WRONGTYPE '),
    'unknown command rejects with the reply text as a string': (x) => typeof x.unknownCommand.reason === 'string' && x.unknownCommand.reason.startsWith('ERR unknown command'),
  });

  // A client made at run time, in VU code (the suite creates its client lazily).
  const late = new redis.Client({ socket: { host: '127.0.0.1', port: Number(__ENV.REDIS_PORT) } });
  const pong = await settle(late.sendCommand('PING'));
  check(pong, { 'a client created in VU code works': (x) => x.value === 'PONG' });

  const dead = new redis.Client(`redis://127.0.0.1:${__ENV.DEAD_PORT}`);
  const down = await settle(dead.sendCommand('PING'));
  check(down, {
    'unreachable rejects with an object whose message is the dial error': (x) =>
      typeof x.reason === 'object' && x.reason !== null && x.reason.message === `dial tcp 127.0.0.1:${__ENV.DEAD_PORT}: connect: connection refused`,
  });
}
export function handleSummary(data) { return { stdout: JSON.stringify(data) }; }
