// What the legacy build emits: CommonJS requiring the old module names.
var timers = require('k6/experimental/timers');
var metrics = require('k6/metrics');
var c = new metrics.Counter('legacy_ticks');
exports.options = { iterations: 2, thresholds: { legacy_ticks: ['count==2'] } };
exports.default = function () {
  return new Promise(function (resolve) { timers.setTimeout(function () { c.add(1); resolve(); }, 5); });
};
