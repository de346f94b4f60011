// Which module names this k6 line serves (shared/k6-reference/README.md,
// "Modules by k6 version"): each require is tried and its outcome logged.
// CommonJS, as the suite's bundles are; k6/x/redis is left out (a missing
// extension cannot be caught on v2.2.0, see missing-extension.js).
var names = ['k6/timers', 'k6/experimental/timers', 'k6/websockets', 'k6/experimental/websockets', 'k6/experimental/redis', 'k6/secrets'];
var outcome = {};
for (var i = 0; i < names.length; i++) {
  try {
    require(names[i]);
    outcome[names[i]] = 'ok';
  } catch (e) {
    outcome[names[i]] = 'error: ' + (typeof e === 'string' ? e : e.message);
  }
}
console.log('modules ' + JSON.stringify(outcome));
console.log('global setTimeout: ' + typeof setTimeout);
exports.default = function () {};
