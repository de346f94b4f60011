// A parameter check that fails at init by throwing its message as a string (what the suite's bundles do).
function users() {
  throw 'invalid USERS; reason: expected an integer from 1 to 1000000, got "abc"';
}
users();
export default function () {}
