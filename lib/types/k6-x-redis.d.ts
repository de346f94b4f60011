// xk6-redis (k6/x/redis; built into k6 up to 1.8 as k6/experimental/redis).
// The build routes `import ... from 'k6/x/redis'` to lib/k6/redis.ts, which
// serves whichever of the two this k6 has. Only what the suite uses is
// declared: the probes speak raw commands because the extension has no ZSET
// or SCARD methods.
declare module 'k6/x/redis' {
  export interface RedisClientOptions {
    socket: { host: string; port: number };
    password?: string;
    database?: number;
  }
  export class Client {
    constructor(urlOrOptions: string | RedisClientOptions);
    sendCommand(command: string, ...args: Array<string | number>): Promise<unknown>;
  }
}
