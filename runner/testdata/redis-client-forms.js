// The two forms of the Redis Client constructor (shared/k6-reference/README.md,
// "Client on k6 0.46"): a URL (0.48 on) and the options object of 0.46-0.47.
// The client connects lazily, so nothing needs to listen on the port.
var redis = require('k6/experimental/redis');
function attempt(label, arg) {
  try {
    new redis.Client(arg);
    console.log(label + ': made');
  } catch (e) {
    console.log(label + ': ' + e.name + ': ' + e.message);
  }
}
attempt('url', 'redis://127.0.0.1:1');
attempt('addrs', { addrs: ['127.0.0.1:1'], password: 'x', db: 1 });
exports.default = function () {};
