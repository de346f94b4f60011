// What queue-k6's bundles did on k6 1.5 (shared/k6-reference/README.md,
// "Plain k6 run"): k6/websockets, which 1.5 lacks, came back as an object
// without members, and the script's own check threw in init (exit 107).
var ws = require('k6/websockets');
if (ws.WebSocket === undefined) throw new Error('k6/websockets has no WebSocket: this k6 module does not look like the one queue-k6 was written for');
exports.default = function () {};
