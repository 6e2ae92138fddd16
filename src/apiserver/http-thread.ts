// The API server's HTTP/1.1 on its own thread (a worker thread of the
// daemon): it accepts connections on the Unix socket, parses requests, reads
// their bodies, and writes the answers the main thread composes. The registry,
// the store and every decision stay on the main thread; this one only frames
// bytes. Why: node:http costs ~100 µs of CPU per request here, and in a
// 2,000-object apply the daemon's main thread was the bottleneck (busy the
// whole window) while the machine's second core had time to spare. The
// main thread now pays ~5 µs per request for the batched messages instead.
//
// Imports stay small: this module graph is loaded again by the worker.

import fs from 'node:fs';
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { readBody, sendError } from './http-util.js';
import type { FromHttpThread, HttpThreadData, ToHttpThread } from './http-thread-protocol.js';

const data = workerData as HttpThreadData;
const port = parentPort!;

interface Exchange { req: http.IncomingMessage; res: http.ServerResponse; streaming: boolean }
const open = new Map<number, Exchange>();
let nextId = 1;

let outbox: FromHttpThread[] = [];
function post(m: FromHttpThread): void {
  if (outbox.length === 0) setImmediate(flushOutbox);
  outbox.push(m);
}
function flushOutbox(): void {
  const batch = outbox;
  outbox = [];
  port.postMessage(batch);
}

const server = http.createServer((req, res) => {
  const id = nextId++;
  const exchange: Exchange = { req, res, streaming: false };
  open.set(id, exchange);
  // 'close' before the answer ended: the client went away (a watch, usually)
  res.on('close', () => {
    if (open.delete(id) && !res.writableFinished) post({ kind: 'closed', id });
  });
  readBody(req).then(
    (body) => post({ kind: 'request', id, method: req.method ?? 'GET', url: req.url ?? '/', contentType: req.headers['content-type'] ?? '', body }),
    (e: unknown) => {
      open.delete(id);
      if (res.destroyed) return;
      // a body cut short: the connection cannot carry another request
      res.shouldKeepAlive = false;
      sendError(res, e);
    },
  );
});
server.keepAliveTimeout = data.keepAliveTimeoutMs;
server.headersTimeout = data.keepAliveTimeoutMs + 1000;
server.requestTimeout = 0; // watches are long-lived

port.on('message', (batch: ToHttpThread[]) => {
  for (const m of batch) deliver(m);
});

function deliver(m: ToHttpThread): void {
  const x = open.get(m.id);
  if (!x) return; // the client is gone
  const res = x.res;
  switch (m.kind) {
    case 'answer':
      open.delete(m.id);
      res.writeHead(m.code, m.headers);
      res.end(m.body);
      return;
    case 'head':
      x.streaming = true;
      res.writeHead(m.code, m.headers);
      res.flushHeaders();
      return;
    case 'chunk':
      res.write(m.body);
      if (res.writableLength > data.maxBacklogBytes) {
        // the main thread hears of it through 'close' and stops the watch
        res.destroy();
      }
      return;
    case 'end':
      open.delete(m.id);
      res.end(m.body);
      return;
    case 'destroy':
      open.delete(m.id);
      res.destroy();
      return;
  }
}

server.once('error', (e) => port.postMessage([{ kind: 'listen-failed', message: e.message }] satisfies FromHttpThread[]));
server.listen(data.socketPath, () => {
  // umask-independent: tightened right after bind, before anyone is told the socket exists
  fs.chmodSync(data.socketPath, data.socketMode);
  port.postMessage([{ kind: 'listening' }] satisfies FromHttpThread[]);
});
