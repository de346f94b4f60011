// Synchronous HTTP for setup() and plain k6 scripts: the request runs in a
// worker thread (the bundled http-worker.ts) and this thread blocks on a
// SharedArrayBuffer until the reply is posted.
import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { RawRequest, RawResponse } from './http-core.ts';

let worker: Worker | null = null;
let port: MessagePort | null = null;
let flag: Int32Array | null = null;
let nextId = 1;

function start(): void {
  const entry = fileURLToPath(new URL('./http-worker.ts', import.meta.url));
  const out = buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false, logLevel: 'silent' });
  const code = out.outputFiles[0]!.text;
  worker = new Worker(code, { eval: true, execArgv: [] });
  worker.unref();
  const channel = new MessageChannel();
  port = channel.port1;
  const sab = new SharedArrayBuffer(4);
  flag = new Int32Array(sab);
  worker.postMessage({ init: { port: channel.port2, flag: sab } }, [channel.port2]);
}

export function requestSync(req: RawRequest): RawResponse {
  if (worker === null) start();
  Atomics.store(flag!, 0, 0);
  const started = performance.now();
  const id = nextId++;
  worker!.postMessage({ req, id });
  const deadline = started + req.timeoutMs * (req.maxRedirects + 1) + 5000;
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0) break;
    Atomics.wait(flag!, 0, 0, left);
    Atomics.store(flag!, 0, 0);
    let msg = receiveMessageOnPort(port!);
    while (msg !== undefined) {
      const m = msg.message as { id: number; res: RawResponse };
      if (m.id === id) return m.res;
      msg = receiveMessageOnPort(port!); // a late reply to a request that already timed out
    }
  }
  return {
    status: 0, statusText: '', proto: '', url: req.url, headers: {}, body: null, error: 'request timeout', errorCode: 1050,
    durationMs: performance.now() - started, waitingMs: 0, bytesSent: 0, bytesReceived: 0,
  };
}

export async function stopSyncHttp(): Promise<void> {
  const w = worker;
  worker = null;
  port?.close();
  port = null;
  if (w !== null) await w.terminate();
}
