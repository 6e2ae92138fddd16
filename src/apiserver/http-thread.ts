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
import type net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { WebSocketServer } from 'ws';
import { readBody, sendError } from './http-util.js';
import { chooseExecProtocol, runExec } from './exec-stream.js';
import { FROM_THREAD, Outbox, TO_THREAD, type Batch, type HttpThreadData } from './http-thread-protocol.js';

const data = workerData as HttpThreadData;
const port = parentPort!;
const outbox = new Outbox((batch) => port.postMessage(batch));

interface Exchange { res: http.ServerResponse; socket: net.Socket }
/** answers not ended yet, by request id */
const open = new Map<number, Exchange>();
/**
 * The ids open on each connection. A pipelined request's answer gets the
 * socket only once the answers before it ended: if the client hangs up
 * first, that answer emits no 'close', the connection does.
 */
const idsBySocket = new WeakMap<net.Socket, Set<number>>();
let nextId = 1;

/** the exchange, no longer open */
function finish(id: number): Exchange | undefined {
  const x = open.get(id);
  if (!x) return undefined;
  open.delete(id);
  idsBySocket.get(x.socket)?.delete(id);
  return x;
}

/** the client went away before the answer ended (a watch, usually): the main thread stops it */
function lost(id: number): void {
  if (finish(id)) outbox.add(FROM_THREAD.closed, id);
}

/** The Accept header when it asks for another representation than the object itself (a Table), else '': most requests carry nothing. */
function representationOf(accept: string | undefined): string {
  return accept !== undefined && accept.includes('as=') ? accept : '';
}

const server = http.createServer((req, res) => {
  const id = nextId++;
  const socket = req.socket;
  let ids = idsBySocket.get(socket);
  if (!ids) {
    const mine = new Set<number>();
    ids = mine;
    idsBySocket.set(socket, mine);
    socket.once('close', () => { for (const open of [...mine]) lost(open); });
  }
  ids.add(id);
  open.set(id, { res, socket });
  res.on('close', () => { if (!res.writableFinished) lost(id); });
  readBody(req).then(
    (body) => outbox.add(FROM_THREAD.request, id, req.method ?? 'GET', req.url ?? '/', req.headers['content-type'] ?? '', representationOf(req.headers.accept), body),
    (e: unknown) => {
      finish(id);
      if (res.destroyed) return;
      // a body cut short: the connection cannot carry another request
      res.shouldKeepAlive = false;
      sendError(res, e);
    },
  );
});
// Protocol switches (kubectl exec's WebSocket): the main thread decides what
// runs, or answers an error; the connection stays here meanwhile.
interface Upgrade { req: http.IncomingMessage; socket: net.Socket; head: Buffer }
const upgrades = new Map<number, Upgrade>();
const webSockets = new WebSocketServer({ noServer: true, handleProtocols: (offered) => chooseExecProtocol(offered) });
server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
  const id = nextId++;
  upgrades.set(id, { req, socket, head });
  socket.on('error', () => socket.destroy());
  socket.once('close', () => upgrades.delete(id));
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  if (upgrade === 'websocket' || upgrade.startsWith('spdy/')) {
    outbox.add(FROM_THREAD.upgrade, id, req.method ?? 'GET', req.url ?? '/', upgrade, String(req.headers['sec-websocket-protocol'] ?? ''));
    return;
  }
  // Any other upgrade (h2c) is one a client may not insist on: answered as the
  // plain request it also is, on the raw connection, which then closes. (Without
  // an 'upgrade' listener node would do the same; with one it cannot.)
  outbox.add(FROM_THREAD.request, id, req.method ?? 'GET', req.url ?? '/', req.headers['content-type'] ?? '', representationOf(req.headers.accept), head.toString('utf8'));
});

/** A plain HTTP answer on the raw connection of an upgrade (refused, or not taken), which then closes. */
function answerOnRawSocket(u: Upgrade, code: number, contentType: string, body: string): void {
  u.socket.end(`HTTP/1.1 ${code} ${http.STATUS_CODES[code] ?? ''}\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

server.keepAliveTimeout = data.keepAliveTimeoutMs;
server.headersTimeout = data.keepAliveTimeoutMs + 1000;
server.requestTimeout = 0; // watches are long-lived

port.on('message', (batch: Batch) => {
  let i = 0;
  while (i < batch.length) {
    const tag = batch[i++];
    const id = batch[i++] as number;
    const x = open.get(id); // undefined: the client is gone, the record is skipped
    const res = x?.res;
    switch (tag) {
      case TO_THREAD.answer: {
        const code = batch[i++] as number;
        const contentType = batch[i++] as string;
        const body = batch[i++] as string;
        if (!res) {
          // no exchange: an upgrade's answer (refused, or not taken), or a client that is gone
          const upgrade = upgrades.get(id);
          if (upgrade) {
            upgrades.delete(id);
            answerOnRawSocket(upgrade, code, contentType, body);
          }
          break;
        }
        finish(id);
        res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
        break;
      }
      case TO_THREAD.head: {
        const code = batch[i++] as number;
        const headers = batch[i++] as Record<string, string | number>;
        if (!res) break;
        try {
          res.writeHead(code, headers);
        } catch {
          // a header node refuses (a character it cannot send): this answer is lost, not the thread
          finish(id);
          x.socket.destroy();
          break;
        }
        res.flushHeaders();
        break;
      }
      case TO_THREAD.chunk: {
        const body = batch[i++] as string;
        if (!res) break;
        res.write(body);
        // the connection goes, whether the answer has the socket yet or waits
        // behind another; the main thread hears of it through 'close'
        if (res.writableLength > data.maxBacklogBytes) x.socket.destroy();
        break;
      }
      case TO_THREAD.end: {
        const body = batch[i++] as string | null;
        if (!res) break;
        finish(id);
        res.end(body ?? undefined);
        break;
      }
      case TO_THREAD.exec: {
        const argv = JSON.parse(batch[i++] as string) as string[];
        const env = JSON.parse(batch[i++] as string) as Record<string, string>;
        const stdin = batch[i++] === 1;
        const tty = batch[i++] === 1;
        const command = JSON.parse(batch[i++] as string) as string[];
        const u = upgrades.get(id);
        if (!u) break; // the client went away while the main thread decided
        upgrades.delete(id);
        webSockets.handleUpgrade(u.req, u.socket, u.head, (ws) => runExec(ws, { argv, env, stdin, tty, command }, (pid) => outbox.add(FROM_THREAD.execPid, id, pid)));
        break;
      }
      case TO_THREAD.destroy:
        if (!x) break;
        finish(id);
        x.socket.destroy();
        break;
      default:
        throw new Error(`http thread: unknown record ${String(tag)}`);
    }
  }
});

let listening = false;
// before listening: the socket could not be bound; after: the server broke (an accept error)
server.on('error', (e) => port.postMessage([listening ? FROM_THREAD.failed : FROM_THREAD.listenFailed, e.message] satisfies Batch));
server.listen(data.socketPath, () => {
  listening = true;
  // umask-independent: tightened right after bind, before anyone is told the socket exists
  fs.chmodSync(data.socketPath, data.socketMode);
  port.postMessage([FROM_THREAD.listening] satisfies Batch);
});
