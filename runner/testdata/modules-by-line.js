// What `require` of each module name does on the k6 line the runner acts as
// (shared/k6-reference/README.md, "`require` of module names, line by line"):
// each name is tried in a try/catch at init and its outcome logged: ok, an
// object without members (k6 >= 1.5 for a name it lacks), or the error.
var names = ['k6/experimental/websockets', 'k6/websockets', 'k6/timers', 'k6/experimental/timers', 'k6/experimental/redis', 'k6/x/redis', 'k6/secrets'];
var outcome = {};
for (var i = 0; i < names.length; i++) {
  try {
    var m = require(names[i]);
    outcome[names[i]] = Object.keys(m).length > 0 ? 'ok' : 'object without members';
  } catch (e) {
    outcome[names[i]] = 'throws ' + (typeof e === 'string' ? e : e.name + ': ' + e.message);
  }
}
console.log('modules ' + JSON.stringify(outcome));
console.log('global setTimeout: ' + typeof setTimeout);
exports.default = function () {};
