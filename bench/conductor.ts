// The bench's conductor: a tiny HTTP server on 127.0.0.1 that tells the load
// generators which phase the run is in (GET /phase) and adds up what they
// report (POST /report?loggedIn=50&...). The k6 side is bench/k6/conductor.ts.
import { createServer, type Server } from 'node:http';

export type Phase = 'wait' | 'connect' | 'drain' | 'close';

export class Conductor {
  phase: Phase = 'wait';
  readonly counts: Record<string, number> = { loggedIn: 0, connected: 0, checked: 0, queued: 0, ownAdmissions: 0, left: 0, errors: 0, protocolErrors: 0, disconnects: 0 };

  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<Conductor> {
    let self: Conductor | undefined;
    const server = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method === 'GET' && u.pathname === '/phase') {
        res.end(self!.phase);
      } else if (req.method === 'POST' && u.pathname === '/report') {
        for (const [k, v] of u.searchParams) {
          const x = Number(v);
          if (Number.isFinite(x)) self!.counts[k] = (self!.counts[k] ?? 0) + x;
        }
        res.end('ok');
      } else {
        res.statusCode = 404;
        res.end();
      }
      req.resume();
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('conductor: no port');
    self = new Conductor(server, `http://127.0.0.1:${addr.port}`);
    return self;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((res) => this.server.close(() => res()));
  }
}
