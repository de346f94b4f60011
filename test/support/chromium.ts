// A minimal headless-Chromium driver over the DevTools protocol, on the pipe
// transport (--remote-debugging-pipe: requests on fd 3, replies on fd 4, each
// message JSON ended by a NUL byte). No npm package and no browser download:
// it runs Debian's /usr/bin/chromium. Enough for the report tests: open a
// file, evaluate an expression, take a screenshot.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`;
}

interface Pending {
  resolve: (v: Record<string, unknown>) => void;
  reject: (e: Error) => void;
  method: string;
}

type Listener = (params: Record<string, unknown>, sessionId: string | undefined) => void;

export class Chromium {
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private listeners = new Map<string, Set<Listener>>();
  private buffer = '';
  private closed = false;
  private stderrTail = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly toBrowser: Writable,
    private readonly profileDir: string,
  ) {}

  static async launch(opts: { width?: number; height?: number } = {}): Promise<Chromium> {
    const profileDir = mkdtempSync(join(tmpdir(), 'queue-k6-chromium-'));
    const args = [
      '--headless=new',
      '--remote-debugging-pipe',
      // Tests run as root in containers, where Chromium's sandbox cannot start.
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-extensions',
      '--disable-background-networking',
      '--hide-scrollbars',
      '--mute-audio',
      `--user-data-dir=${profileDir}`,
      `--window-size=${opts.width ?? 1280},${opts.height ?? 800}`,
      'about:blank',
    ];
    const child = spawn(CHROMIUM_PATH, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    const toBrowser = child.stdio[3] as Writable;
    const fromBrowser = child.stdio[4] as Readable;
    const browser = new Chromium(child, toBrowser, profileDir);
    (child.stdio[2] as Readable).on('data', (d: Buffer) => {
      browser.stderrTail = (browser.stderrTail + d.toString()).slice(-2000);
    });
    fromBrowser.on('data', (d: Buffer) => browser.onData(d.toString('utf8')));
    child.on('exit', () => browser.failAll(new Error(`chromium exited\n${browser.stderrTail}`)));
    child.on('error', (err) => browser.failAll(err));
    await browser.send('Browser.getVersion');
    return browser;
  }

  private onData(text: string): void {
    this.buffer += text;
    for (let end = this.buffer.indexOf('\0'); end >= 0; end = this.buffer.indexOf('\0')) {
      const raw = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 1);
      const msg = JSON.parse(raw) as { id?: number; method?: string; params?: Record<string, unknown>; result?: Record<string, unknown>; error?: { message: string }; sessionId?: string };
      if (msg.id !== undefined) {
        const p = this.pending.get(msg.id);
        if (p === undefined) continue;
        this.pending.delete(msg.id);
        if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
        else p.resolve(msg.result ?? {});
      } else if (msg.method !== undefined) {
        for (const l of this.listeners.get(msg.method) ?? []) l(msg.params ?? {}, msg.sessionId);
      }
    }
  }

  private failAll(err: Error): void {
    this.closed = true;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    if (this.closed) return Promise.reject(new Error(`chromium is closed (${method})`));
    const id = this.nextId++;
    const msg: Record<string, unknown> = { id, method, params };
    if (sessionId !== undefined) msg.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.toBrowser.write(JSON.stringify(msg) + '\0');
    });
  }

  /** Resolves on the next `method` event (of `sessionId`, when given). */
  once(method: string, sessionId?: string, timeoutMs = 15_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      let set = this.listeners.get(method);
      if (set === undefined) this.listeners.set(method, (set = new Set()));
      const timer = setTimeout(() => {
        set!.delete(l);
        reject(new Error(`no ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      const l: Listener = (params, sid) => {
        if (sessionId !== undefined && sid !== sessionId) return;
        clearTimeout(timer);
        set!.delete(l);
        resolve(params);
      };
      set.add(l);
    });
  }

  on(method: string, l: Listener): void {
    let set = this.listeners.get(method);
    if (set === undefined) this.listeners.set(method, (set = new Set()));
    set.add(l);
  }

  /** A new tab showing `url`, loaded (the load event fired). */
  async open(url: string, viewport: { width: number; height: number }): Promise<Page> {
    const { targetId } = (await this.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await this.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    const page = new Page(this, sessionId);
    await this.send('Page.enable', {}, sessionId);
    await this.send('Network.enable', {}, sessionId);
    this.on('Network.requestWillBeSent', (params, sid) => {
      if (sid !== sessionId) return;
      const u = (params.request as { url?: string } | undefined)?.url ?? '';
      page.requests.push(u);
    });
    await this.send('Emulation.setDeviceMetricsOverride', { width: viewport.width, height: viewport.height, deviceScaleFactor: 1, mobile: false }, sessionId);
    const loaded = this.once('Page.loadEventFired', sessionId);
    await this.send('Page.navigate', { url }, sessionId);
    await loaded;
    return page;
  }

  async close(): Promise<void> {
    if (!this.closed) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      try {
        await Promise.race([this.send('Browser.close'), new Promise((r) => setTimeout(r, 3000))]);
      } catch {
        // already gone
      }
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.profileDir, { recursive: true, force: true });
  }
}

export class Page {
  /** Every URL the page requested (the report must need nothing beyond its own file). */
  readonly requests: string[] = [];

  constructor(
    private readonly browser: Chromium,
    private readonly sessionId: string,
  ) {}

  /** The value of a JavaScript expression in the page (JSON-serialisable results only). */
  async evaluate<T>(expression: string): Promise<T> {
    const r = (await this.browser.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, this.sessionId)) as {
      result: { value?: unknown };
      exceptionDetails?: { text?: string; exception?: { description?: string } };
    };
    if (r.exceptionDetails) throw new Error(`evaluate failed: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  /** A PNG of the whole page (or of `clip`, in CSS pixels). */
  async screenshot(clip?: { x: number; y: number; width: number; height: number }): Promise<Buffer> {
    const size = clip ?? (await this.evaluate<{ x: number; y: number; width: number; height: number }>(
      '({ x: 0, y: 0, width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight })',
    ));
    const r = (await this.browser.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true, clip: { ...size, scale: 1 } }, this.sessionId)) as { data: string };
    return Buffer.from(r.data, 'base64');
  }
}
