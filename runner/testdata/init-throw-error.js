// The same check throwing an Error subclass: k6 prints its name, message and stack on every line.
class ConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ConfigError';
  }
}
function users() {
  throw new ConfigError('invalid USERS; reason: expected an integer from 1 to 1000000, got "abc"');
}
users();
export default function () {}
