// An extension the binary lacks (shared/k6-reference/README.md, "`require`
// of module names, line by line"): before k6 1.5 the require throws and the
// catch runs; from 1.5 it returns an object without members, and VU
// initialisation then fails (exit 107) whatever the script caught.
try {
  var faker = require('k6/x/faker');
  console.log('returned: an object with ' + Object.keys(faker).length + ' members');
} catch (e) {
  console.log('caught: ' + e.message);
}
exports.default = function () {};
