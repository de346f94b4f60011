// k6/http: asyncRequest (on the VU's event loop) and the synchronous
// request/get/post/... family (through a worker thread), with k6's Response
// shape and the http_reqs / http_req_duration / http_req_failed metrics.
import http from 'node:http';
import https from 'node:https';
import { parseDuration } from '../duration.ts';
import { unsupported } from '../errors.ts';
import { log } from '../log.ts';
import type { VU } from '../vu.ts';
import { spreadOf } from '../spread.ts';
import { performRequest, type RawRequest, type RawResponse } from './http-core.ts';
import { requestSync } from './http-sync.ts';

interface Params {
  headers?: Record<string, unknown>;
  timeout?: string | number;
  tags?: Record<string, unknown>;
  responseType?: string;
  redirects?: number;
  responseCallback?: unknown;
}

class ExpectedStatuses {
  constructor(readonly ranges: { min: number; max: number }[]) {}
  has(status: number): boolean {
    return this.ranges.some((r) => status >= r.min && status <= r.max);
  }
}

/** A gjson-like path: "a.b.0.c" or "a[0].c". */
function select(value: unknown, selector: string): unknown {
  let cur: unknown = value;
  for (const part of selector.replace(/\[(\d+)\]/g, '.$1').split('.').filter((p) => p !== '')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export class Response {
  status: number;
  status_text: string;
  proto: string;
  url: string;
  headers: Record<string, string>;
  body: string | ArrayBuffer | null;
  error: string;
  error_code: number;
  timings: Record<string, number>;
  cookies: Record<string, unknown> = {};
  request: { method: string; url: string; headers: Record<string, string[]>; body: string };

  constructor(raw: RawResponse, req: RawRequest) {
    this.status = raw.status;
    this.status_text = raw.statusText;
    this.proto = raw.proto;
    this.url = raw.url;
    this.headers = raw.headers;
    this.body = raw.body instanceof Uint8Array ? raw.body.slice().buffer : raw.body;
    this.error = raw.error;
    this.error_code = raw.errorCode;
    const waiting = raw.waitingMs;
    this.timings = {
      duration: raw.durationMs,
      blocked: 0,
      connecting: 0,
      tls_handshaking: 0,
      sending: 0,
      waiting,
      receiving: Math.max(0, raw.durationMs - waiting),
    };
    const headers: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = [v];
    this.request = { method: req.method, url: req.url, headers, body: typeof req.body === 'string' ? req.body : '' };
  }

  json(selector?: unknown): unknown {
    if (typeof this.body !== 'string') throw new Error('the body is null so we can\'t transform it to JSON - this likely was because of a request error getting the response');
    const parsed: unknown = JSON.parse(this.body);
    return selector === undefined ? parsed : select(parsed, String(selector));
  }

  html(): never {
    throw unsupported('Response.html()');
  }
  submitForm(): never {
    throw unsupported('Response.submitForm()');
  }
  clickLink(): never {
    throw unsupported('Response.clickLink()');
  }
}

function encodeBody(body: unknown, headers: Record<string, string>): string | Uint8Array | null {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body === 'object') {
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    return new URLSearchParams(Object.entries(body as Record<string, unknown>).map(([k, v]): [string, string] => [k, String(v)])).toString();
  }
  return String(body);
}

/** k6's defaults for the options that size its transport's idle pool. */
const DEFAULT_BATCH_PER_HOST = 6;
const DEFAULT_BATCH = 20;

/**
 * A VU's HTTP and HTTPS agents, as k6's per-VU Go transport: MaxIdleConnsPerHost
 * = batchPerHost (6 by default) and MaxIdleConns = batch (20 by default), both
 * read from k6's internal/js/runner.go and recorded (k6-reference, "At scale on
 * real k6": one VU, 50 rounds of 16 concurrent requests to one host, made 503
 * connections with the defaults and 16 with --batch-per-host=16 --batch=32).
 * A connection whose response is read while the pool is full is closed, and
 * the next request dials again. Node's agent keeps maxFreeSockets per host; the
 * limit over all hosts is kept here.
 */
export function vuAgents(batchPerHost: number, batch: number): { http: http.Agent; https: https.Agent } {
  const limits = { keepAlive: true, maxFreeSockets: batchPerHost };
  const idle = (a: http.Agent): number => Object.values(a.freeSockets).reduce((n, list) => n + (list?.length ?? 0), 0);
  // Node asks keepSocketAlive only once the per-host limit allows keeping the socket.
  const pool: { http?: http.Agent; https?: https.Agent } = {};
  const keep = (agent: http.Agent, socket: import('node:net').Socket): boolean => {
    if (idle(pool.http!) + idle(pool.https!) >= batch) return false;
    return (http.Agent.prototype.keepSocketAlive.call(agent, socket) as unknown) !== false; // Node's returns true (typed void)
  };
  class VuHttpAgent extends http.Agent {
    override keepSocketAlive(socket: import('node:net').Socket): boolean {
      return keep(this, socket);
    }
  }
  class VuHttpsAgent extends https.Agent {
    override keepSocketAlive(socket: import('node:net').Socket): boolean {
      return keep(this, socket);
    }
  }
  pool.http = new VuHttpAgent(limits);
  pool.https = new VuHttpsAgent(limits);
  return pool as { http: http.Agent; https: https.Agent };
}

function positiveInt(v: unknown, dflt: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : dflt;
}

export function createHttpModule(vu: VU): Record<string, unknown> {
  let defaultCallback: ExpectedStatuses | null = new ExpectedStatuses([{ min: 200, max: 399 }]);
  // QUEUE_RUNNER_SPREAD (../spread.ts): null when off, and asyncRequest goes straight to the network.
  const spread = spreadOf(vu);
  let agents: { http: http.Agent; https: https.Agent } | null = null;
  const agentsOf = () => {
    if (agents === null) {
      // As k6's per-VU Go transport (vuAgents): a VU keeps batchPerHost idle connections
      // per host and batch in all, not one per concurrent request it ever made.
      const a = vuAgents(positiveInt(vu.rt.options.batchPerHost, DEFAULT_BATCH_PER_HOST), positiveInt(vu.rt.options.batch, DEFAULT_BATCH));
      agents = a;
      vu.rt.closers.add(() => {
        a.http.destroy();
        a.https.destroy();
      });
    }
    return agents;
  };

  function prepare(method: unknown, url: unknown, body: unknown, params: unknown): { req: RawRequest; p: Params } {
    if (typeof method !== 'string' || method === '') throw new TypeError('http request: the method must be a non-empty string');
    const p: Params = (typeof params === 'object' && params !== null ? params : {}) as Params;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(p.headers ?? {})) headers[k] = String(v);
    const timeoutMs = p.timeout === undefined ? 60_000 : parseDuration(p.timeout, 'the http request timeout');
    const responseType = p.responseType ?? 'text';
    if (responseType !== 'text' && responseType !== 'binary' && responseType !== 'none') throw new Error(`invalid responseType '${responseType}': expected text, binary or none`);
    const m = method.toUpperCase();
    return {
      req: { method: m, url: String(url), headers, body: encodeBody(body, headers), timeoutMs, maxRedirects: p.redirects ?? 10, responseType, ...(vu.localAddress !== undefined ? { localAddress: vu.localAddress } : {}) },
      p,
    };
  }

  function finish(raw: RawResponse, req: RawRequest, p: Params): Response {
    const res = new Response(raw, req);
    const cb = p.responseCallback !== undefined ? p.responseCallback : defaultCallback;
    const expected = cb instanceof ExpectedStatuses ? cb.has(raw.status) : true;
    const userTags = p.tags ?? {};
    const tags: Record<string, unknown> = {
      method: req.method,
      url: req.url,
      name: userTags.name !== undefined ? String(userTags.name) : req.url,
      status: String(raw.status),
      proto: raw.proto,
      expected_response: String(expected),
      ...userTags,
    };
    if (raw.errorCode !== 0) {
      tags.error_code = String(raw.errorCode);
      tags.error = raw.error;
      log('warn', 'Request Failed', { error: raw.detail ?? `${req.method[0]}${req.method.slice(1).toLowerCase()} ${JSON.stringify(req.url)}: ${raw.error}` });
    }
    vu.bytesSent += raw.bytesSent;
    vu.bytesReceived += raw.bytesReceived;
    if (vu.phase !== 'init') {
      vu.emit('http_reqs', 1, tags);
      vu.emit('http_req_duration', raw.durationMs, tags);
      vu.emit('http_req_failed', expected ? 0 : 1, tags);
    }
    return res;
  }

  function asyncRequest(method: unknown, url: unknown, body?: unknown, params?: unknown): Promise<Response> {
    try {
      const { req, p } = prepare(method, url, body, params);
      const ac = new AbortController();
      const sent = spread === null ? performRequest(req, agentsOf(), ac.signal) : spread.request(() => performRequest(req, agentsOf(), ac.signal), ac.signal);
      return vu.loop.track(sent, () => ac.abort()).then((raw) => finish(raw, req, p));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  // Not spread: a synchronous request blocks its VU (here, every VU), so nothing
  // of the VU can interleave with it; a delay would only add time.
  function request(method: unknown, url: unknown, body?: unknown, params?: unknown): Response {
    if (vu.phase === 'init') throw new Error('making http requests in the init context is not supported');
    const { req, p } = prepare(method, url, body, params);
    return finish(requestSync(req), req, p);
  }

  const api = {
    asyncRequest,
    request,
    get: (url: unknown, params?: unknown) => request('GET', url, null, params),
    head: (url: unknown, params?: unknown) => request('HEAD', url, null, params),
    post: (url: unknown, body?: unknown, params?: unknown) => request('POST', url, body, params),
    put: (url: unknown, body?: unknown, params?: unknown) => request('PUT', url, body, params),
    patch: (url: unknown, body?: unknown, params?: unknown) => request('PATCH', url, body, params),
    del: (url: unknown, body?: unknown, params?: unknown) => request('DELETE', url, body, params),
    options: (url: unknown, body?: unknown, params?: unknown) => request('OPTIONS', url, body, params),
    expectedStatuses: (...args: unknown[]) =>
      new ExpectedStatuses(
        args.map((a) => (typeof a === 'number' ? { min: a, max: a } : { min: Number((a as { min: number }).min), max: Number((a as { max: number }).max) })),
      ),
    setResponseCallback: (cb: unknown) => {
      if (cb !== null && !(cb instanceof ExpectedStatuses)) throw new Error('setResponseCallback: only http.expectedStatuses(...) or null are supported');
      defaultCallback = cb;
    },
    batch: () => {
      throw unsupported('http.batch()', 'use Promise.all over http.asyncRequest');
    },
    file: () => {
      throw unsupported('http.file()');
    },
    cookieJar: () => {
      throw unsupported('http.cookieJar()');
    },
    url: () => {
      throw unsupported('http.url``');
    },
    TLS_1_2: 'tls1.2',
    TLS_1_3: 'tls1.3',
    OCSP_STATUS_GOOD: 'good',
  };
  return { __esModule: true, default: api, ...api };
}
