export default function () {
  console.log('env', __ENV.GREETING, __ENV.N, __ENV.FROM_PROCESS, `frozen=${Object.isFrozen(__ENV)}`);
}
