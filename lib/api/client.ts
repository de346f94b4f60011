// The waiting room's HTTP API (see shared/spec/queue-contract.md), typed, over
// k6's http.asyncRequest. Errors name the call, the URL and the status; they
// never carry a password or a token.
import http, { type RefinedResponse, type ResponseType } from 'k6/http';
import { setTimeout } from 'k6/timers';

export interface User { id: string; userId?: string; email: string; name: string; role: string }
export interface Session { token: string; user: User }
export interface EventInfo { [key: string]: unknown }
export type CheckAnswer =
  | { queued: false; currentUsers: number; threshold: number; eventInfo?: EventInfo }
  | { queued: true; position: number; estimatedWait: number; threshold: number; currentUsers: number; eventInfo?: EventInfo };
export type StatusAnswer =
  | { status: 'queued'; queued: true; position: number; estimatedWait: number; queueSize: number; currentUsers: number }
  | { status: 'active'; queued: false; currentUsers: number }
  | { status: 'not_in_queue'; queued: false; currentUsers: number };

export type ApiErrorKind = 'unreachable' | 'timeout' | 'unauthorized' | 'forbidden' | 'conflict' | 'bad_request' | 'server' | 'unexpected';

export class ApiError extends Error {
  constructor(
    readonly op: string,
    readonly kind: ApiErrorKind,
    readonly url: string,
    readonly status: number,
    detail: string,
  ) {
    super(`${op} ${url} failed: ${status === 0 ? '' : `HTTP ${status} `}${detail}`);
    this.name = 'ApiError';
  }
}

// k6's transport error codes (k6 docs, "Error codes").
const TIMEOUT_CODES = new Set([1050, 1211]);

function kindOf(status: number, errorCode: number): ApiErrorKind {
  if (status === 0) return TIMEOUT_CODES.has(errorCode) ? 'timeout' : 'unreachable';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 409) return 'conflict';
  if (status >= 400 && status < 500) return 'bad_request';
  if (status >= 500) return 'server';
  return 'unexpected';
}

function serverMessage(body: unknown): string {
  if (typeof body !== 'string' || body === '') return '';
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
    const m = parsed.error ?? parsed.message;
    if (typeof m === 'string') return m.slice(0, 200);
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.slice(0, 200);
}

export function errorFrom(op: string, url: string, res: { status: number; error: string; error_code: number; body: unknown }): ApiError {
  const kind = kindOf(res.status, res.error_code);
  let detail: string;
  if (kind === 'unreachable') detail = `cannot reach the waiting room (${res.error}); is the target running and API_URL right?`;
  else if (kind === 'timeout') detail = `no answer in time (${res.error})`;
  else detail = serverMessage(res.body) || 'no error message';
  return new ApiError(op, kind, url, res.status, detail);
}

function parse<T>(op: string, url: string, res: RefinedResponse<ResponseType | undefined>): T {
  try {
    return JSON.parse(res.body as string) as T;
  } catch {
    throw new ApiError(op, 'unexpected', url, res.status, 'the answer is not JSON');
  }
}

export interface ApiOptions {
  timeoutMs?: number;
  /**
   * True while the run's own disruption may have the room down (the restart
   * scenario, or DISRUPT in another): then every call rides out a transient
   * failure, retrying every DISRUPTION_RETRY_MS for as long as this says so,
   * as a user clicks again while the site restarts.
   */
  duringDisruption?: () => boolean;
}

const IDEMPOTENT = new Set(['status', 'leave']);
const RETRY_DELAYS_MS = [0, 1000, 3000];
const DISRUPTION_RETRY_MS = 500;

function isTransient(res: { status: number; error_code: number }): boolean {
  return res.status === 503 || (res.status === 0 && kindOf(0, res.error_code) === 'unreachable');
}

function pause(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}

export class QueueApi {
  private readonly timeout: string;
  private readonly duringDisruption: () => boolean;

  constructor(readonly baseUrl: string, opts: ApiOptions = {}) {
    this.timeout = `${opts.timeoutMs ?? 60_000}ms`;
    this.duringDisruption = opts.duringDisruption ?? (() => false);
  }

  /** `ok`: the answers to parse; `expected`: answers that are not failures for k6's http_req_failed either. */
  private async call<T>(op: string, method: string, path: string, body: unknown, token: string | undefined, ok: number[], expected: number[] = ok): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;
    const send = () => http.asyncRequest(method, url, body === undefined ? null : JSON.stringify(body), {
      headers,
      timeout: this.timeout,
      tags: { name: `${method} ${path.replace(/[0-9a-f-]{36}/gi, ':eventId')}`, op },
      responseCallback: http.expectedStatuses(...expected),
    });
    let res = await send();
    // Calls that change nothing when repeated (status, leave) ride out a transient
    // failure: a pooled connection the server just closed (reset, EOF), or a 503
    // from a waiting room whose store is briefly unavailable. A leave that is lost
    // keeps a slot taken and would starve the queue for the rest of the run.
    // While the run restarts the room on purpose, every call does (check and the
    // logins are idempotent in the contract: a repeated check answers the same place).
    for (let attempt = 0; isTransient(res); attempt++) {
      if (this.duringDisruption()) await pause(DISRUPTION_RETRY_MS);
      else if (IDEMPOTENT.has(op) && attempt < RETRY_DELAYS_MS.length) await pause(RETRY_DELAYS_MS[attempt]);
      else break;
      res = await send();
    }
    if (!ok.includes(res.status)) throw errorFrom(op, url, res);
    return parse<T>(op, url, res);
  }

  /** Register the account; 409 (it exists) means log in instead. */
  async registerOrLogin(email: string, password: string, name: string): Promise<Session> {
    try {
      return await this.call<Session>('register', 'POST', '/api/auth/register', { email, password, name }, undefined, [200, 201], [200, 201, 409]);
    } catch (err) {
      if (!(err instanceof ApiError) || err.kind !== 'conflict') throw err;
    }
    return this.login(email, password);
  }

  async login(email: string, password: string): Promise<Session> {
    try {
      return await this.call<Session>('login', 'POST', '/api/auth/login', { email, password }, undefined, [200]);
    } catch (err) {
      if (err instanceof ApiError && err.kind === 'unauthorized') {
        throw new ApiError('login', 'unauthorized', err.url, 401, `login refused for ${email}: the account exists with another password (check USER_PASSWORD, or use another USER_PREFIX)`);
      }
      throw err;
    }
  }

  check(token: string, eventId: string): Promise<CheckAnswer> {
    return this.call<CheckAnswer>('check', 'POST', `/api/queue/check/${eventId}`, {}, token, [200, 201]);
  }

  status(token: string, eventId: string): Promise<StatusAnswer> {
    return this.call<StatusAnswer>('status', 'GET', `/api/queue/status/${eventId}`, undefined, token, [200]);
  }

  async leave(token: string, eventId: string): Promise<void> {
    await this.call<unknown>('leave', 'POST', `/api/queue/leave/${eventId}`, {}, token, [200, 201, 204]);
  }
}

/**
 * Synchronous register-or-login for setup(), where k6 runs plain functions: the
 * preflight that fails fast when the target is down or the password is wrong.
 */
export function preflightLogin(baseUrl: string, email: string, password: string, timeoutMs: number): Session {
  const params = { headers: { 'Content-Type': 'application/json' }, timeout: `${timeoutMs}ms`, tags: { name: 'preflight' }, responseCallback: http.expectedStatuses(200, 201, 409) };
  const regUrl = `${baseUrl}/api/auth/register`;
  const reg = http.request('POST', regUrl, JSON.stringify({ email, password, name: email.split('@')[0] }), params);
  if (reg.status === 200 || reg.status === 201) return JSON.parse(reg.body as string) as Session;
  if (reg.status !== 409) throw errorFrom('register', regUrl, reg);
  const loginUrl = `${baseUrl}/api/auth/login`;
  const res = http.request('POST', loginUrl, JSON.stringify({ email, password }), { ...params, responseCallback: http.expectedStatuses(200) });
  if (res.status === 401) {
    throw new ApiError('login', 'unauthorized', loginUrl, 401, `login refused for ${email}: the account exists with another password (check USER_PASSWORD, or use another USER_PREFIX)`);
  }
  if (res.status !== 200) throw errorFrom('login', loginUrl, res);
  return JSON.parse(res.body as string) as Session;
}
