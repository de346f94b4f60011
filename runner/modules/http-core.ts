// One HTTP request over node:http(s), with k6's error texts and codes.
// Used directly by http.asyncRequest and, bundled into a worker, by the
// synchronous http.request family. Must stay free of runner imports.
import http from 'node:http';
import https from 'node:https';

export interface RawRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array | null;
  timeoutMs: number;
  maxRedirects: number;
  responseType: 'text' | 'binary' | 'none';
  /** The VU's source address (--local-ips); unset: the system picks one. */
  localAddress?: string;
}

export interface RawResponse {
  status: number;
  statusText: string;
  proto: string;
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array | null;
  error: string;
  errorCode: number;
  /** Go's full error text for the log; empty when the request did not fail. */
  detail?: string;
  durationMs: number;
  waitingMs: number;
  bytesSent: number;
  bytesReceived: number;
}

/** Go-style canonical header names, as k6 reports them: content-type → Content-Type. */
export function canonicalHeader(name: string): string {
  return name
    .split('-')
    .map((p) => (p === '' ? p : p[0]!.toUpperCase() + p.slice(1).toLowerCase()))
    .join('-');
}

interface NetError extends Error {
  code?: string;
  address?: string;
  port?: number;
}

/**
 * k6's `error` and `error_code` for a transport failure (lib/netext/httpext
 * error codes): k6 replaces Go's dial error by a short text of its own, so a
 * refused connection reads `dial: connection refused` in `res.error`
 * (shared/k6-reference/README.md: on real k6, testdata/http.js's check
 * expecting Go's full text fails). `detail` is Go's full error, which k6
 * prints in its "Request Failed" warning.
 */
export function mapError(err: NetError, url: URL, method: string, timedOut: boolean): { error: string; errorCode: number; detail: string } {
  const verb = `${method[0] ?? ''}${method.slice(1).toLowerCase()} ${JSON.stringify(url.href)}`;
  if (timedOut) return { error: 'request timeout', errorCode: 1050, detail: `${verb}: request timeout` };
  const host = err.address !== undefined ? `${err.address.includes(':') ? `[${err.address}]` : err.address}:${err.port ?? url.port}` : url.host;
  const go = (text: string): string => `${verb}: ${text}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return { error: 'dial: connection refused', errorCode: 1212, detail: go(`dial tcp ${host}: connect: connection refused`) };
    case 'ETIMEDOUT':
    case 'ECONNABORTED':
      return { error: 'dial: i/o timeout', errorCode: 1211, detail: go(`dial tcp ${host}: i/o timeout`) };
    case 'ECONNRESET':
      return { error: 'read: connection reset by peer', errorCode: 1220, detail: go(`read tcp ${host}: read: connection reset by peer`) };
    case 'EPIPE':
      return { error: 'write: broken pipe', errorCode: 1201, detail: go(`write tcp ${host}: write: broken pipe`) };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { error: 'lookup: no such host', errorCode: 1101, detail: go(`dial tcp: lookup ${url.hostname}: no such host`) };
    case 'EHOSTUNREACH':
      return { error: 'dial: unknown errno 113 error with msg `no route to host`', errorCode: 1213, detail: go(`dial tcp ${host}: connect: no route to host`) };
    case 'ENETUNREACH':
      return { error: 'dial: unknown errno 101 error with msg `network is unreachable`', errorCode: 1213, detail: go(`dial tcp ${host}: connect: network is unreachable`) };
    default:
      return { error: go(err.message), errorCode: 1000, detail: go(err.message) };
  }
}

function failed(req: RawRequest, started: number, e: { error: string; errorCode: number; detail?: string }, sent = 0): RawResponse {
  return {
    status: 0,
    statusText: '',
    proto: '',
    url: req.url,
    headers: {},
    body: null,
    ...e,
    durationMs: performance.now() - started,
    waitingMs: 0,
    bytesSent: sent,
    bytesReceived: 0,
  };
}

export function performRequest(req: RawRequest, agents: { http?: http.Agent; https?: https.Agent }, signal?: AbortSignal): Promise<RawResponse> {
  const started = performance.now();
  return new Promise<RawResponse>((resolve) => {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      resolve(failed(req, started, { error: `parse ${JSON.stringify(req.url)}: invalid URL`, errorCode: 1020 }));
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      resolve(failed(req, started, { error: `unsupported protocol scheme "${url.protocol.replace(':', '')}"`, errorCode: 1000 }));
      return;
    }
    const lib = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { 'User-Agent': 'k6/0.48.0 (https://k6.io/) queue-k6-node-runner', ...req.headers };
    const body = req.body === null ? null : typeof req.body === 'string' ? Buffer.from(req.body) : Buffer.from(req.body);
    if (body !== null && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) headers['Content-Length'] = String(body.length);
    let timedOut = false;
    let done = false;
    let sentAtStart = 0;
    let readAtStart = 0;
    let socket: import('node:net').Socket | null = null;
    let firstByte = 0;
    const finish = (r: RawResponse): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const cr = lib.request(
      url,
      { method: req.method, headers, agent: url.protocol === 'https:' ? agents.https : agents.http, ...(req.localAddress !== undefined ? { localAddress: req.localAddress } : {}) },
      (res) => {
        firstByte = performance.now();
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err: NetError) => finish(failed(req, started, mapError(err, url, req.method, timedOut))));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const location = res.headers.location;
          const sock = socket;
          const bytesSent = sock === null ? 0 : Math.max(0, sock.bytesWritten - sentAtStart);
          const bytesReceived = sock === null ? 0 : Math.max(0, sock.bytesRead - readAtStart);
          if (status >= 300 && status < 400 && location !== undefined && req.maxRedirects > 0) {
            const next = new URL(location, url).href;
            const toGet = status === 303 || ((status === 301 || status === 302) && req.method === 'POST');
            clearTimeout(timer);
            done = true;
            const remaining = req.timeoutMs - (performance.now() - started);
            performRequest({ ...req, url: next, method: toGet ? 'GET' : req.method, body: toGet ? null : req.body, maxRedirects: req.maxRedirects - 1, timeoutMs: Math.max(1, remaining) }, agents, signal).then((r) =>
              resolve({ ...r, bytesSent: r.bytesSent + bytesSent, bytesReceived: r.bytesReceived + bytesReceived, durationMs: performance.now() - started }),
            );
            return;
          }
          const hs: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) hs[canonicalHeader(k)] = Array.isArray(v) ? v.join(', ') : v;
          const raw = Buffer.concat(chunks);
          const now = performance.now();
          finish({
            status,
            statusText: `${status} ${res.statusMessage ?? ''}`.trim(),
            proto: `HTTP/${res.httpVersion}`,
            url: url.href,
            headers: hs,
            body: req.responseType === 'none' ? null : req.responseType === 'binary' ? new Uint8Array(raw) : raw.toString('utf8'),
            error: '',
            errorCode: 0,
            durationMs: now - started,
            waitingMs: firstByte - started,
            bytesSent,
            bytesReceived,
          });
        });
      },
    );
    cr.on('socket', (s) => {
      socket = s;
      sentAtStart = s.bytesWritten;
      readAtStart = s.bytesRead;
    });
    cr.on('error', (err: NetError) => finish(failed(req, started, mapError(err, url, req.method, timedOut))));
    const timer = setTimeout(() => {
      timedOut = true;
      cr.destroy(new Error('request timeout'));
    }, req.timeoutMs);
    signal?.addEventListener('abort', () => cr.destroy(new Error('aborted')), { once: true });
    if (body !== null) cr.end(body);
    else cr.end();
  });
}
