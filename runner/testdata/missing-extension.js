// An extension the binary lacks: the catch runs, then VU initialisation fails
// (shared/k6-reference/README.md, "Modules by k6 version": exit 107).
try {
  require('k6/x/faker');
} catch (e) {
  console.log('caught: ' + e.message);
}
exports.default = function () {};
