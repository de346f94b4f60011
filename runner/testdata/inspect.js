// For `inspect`: the init code sees only the -e variables.
if (!__ENV.USER_PASSWORD) throw new Error('USER_PASSWORD is required');
export const options = {
  scenarios: { users: { executor: 'per-vu-iterations', vus: Number(__ENV.VUS || 1), iterations: 1 } },
  thresholds: { checks: ['rate==1'], 'queue_x{kind:a}': [{ threshold: 'count==0', abortOnFail: true }] },
  tags: { from_process: __ENV.FROM_PROCESS || 'absent' },
  setupTimeout: '30s',
};
export default function () {}
