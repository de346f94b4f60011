// Runs inside a worker thread: performs requests for the synchronous
// http.request family while the VU's thread blocks in Atomics.wait.
import http from 'node:http';
import https from 'node:https';
import { parentPort, type MessagePort } from 'node:worker_threads';
import { performRequest, type RawRequest } from './http-core.ts';

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
let reply: MessagePort | null = null;
let flag: Int32Array | null = null;

parentPort!.on('message', (msg: { init?: { port: MessagePort; flag: SharedArrayBuffer }; req?: RawRequest; id?: number }) => {
  if (msg.init !== undefined) {
    reply = msg.init.port;
    flag = new Int32Array(msg.init.flag);
    return;
  }
  if (msg.req === undefined) return;
  performRequest(msg.req, agents).then((res) => {
    reply!.postMessage({ id: msg.id, res });
    Atomics.store(flag!, 0, 1);
    Atomics.notify(flag!, 0);
  });
});
