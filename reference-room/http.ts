// A tiny JSON HTTP layer over node:http: a route table with `:param` segments,
// a size-limited JSON body reader, and one error type carrying the status.
import type { IncomingMessage, ServerResponse } from 'node:http';

export const MAX_BODY_BYTES = 64 * 1024;

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface RequestContext {
  req: IncomingMessage;
  params: Record<string, string>;
  /** reads and parses the JSON body (an empty body reads as {}) */
  body(): Promise<Record<string, unknown>>;
}

export type Handler = (ctx: RequestContext) => Promise<{ status: number; body: unknown }>;

interface Route {
  method: string;
  segments: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | null {
    const parts = path.split('/').filter(Boolean);
    for (const route of this.routes) {
      if (route.method !== method || route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      const ok = route.segments.every((seg, i) => {
        const part = parts[i]!;
        if (seg.startsWith(':')) {
          try {
            params[seg.slice(1)] = decodeURIComponent(part);
          } catch {
            params[seg.slice(1)] = part;
          }
          return true;
        }
        return seg === part;
      });
      if (ok) return { handler: route.handler, params };
    }
    return null;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** Reads at most MAX_BODY_BYTES; 413 beyond, 400 on malformed JSON or a non-object. */
export function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      req.resume();
      return reject(new HttpError(413, `request body too large: limit ${MAX_BODY_BYTES} bytes, got ${declared}`));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        done = true;
        reject(new HttpError(413, `request body too large: limit ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (err) => {
      if (!done) {
        done = true;
        reject(new HttpError(400, `cannot read request body: ${err.message}`));
      }
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') return resolve({});
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return reject(new HttpError(400, 'malformed JSON body'));
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return reject(new HttpError(400, 'request body must be a JSON object'));
      }
      resolve(value as Record<string, unknown>);
    });
  });
}
