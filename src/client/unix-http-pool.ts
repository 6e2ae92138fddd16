// A lean HTTP/1.1 client for many small requests over one Unix socket path:
// a pool of keep-alive connections, several requests in flight on each
// (pipelining, RFC 9112 §9.3.2), the requests of one tick written at once,
// each response read by its Content-Length (or chunked, or until close: RFC
// 9112 §6.3). `podnet apply` sends ~2,000 requests; node:http's per-request
// machinery (Agent bookkeeping, header objects, OutgoingMessage, the llhttp
// parser and IncomingMessage streams) cost its CLI about as much CPU as the
// requests' JSON, and one request per connection meant one write, one wake-up
// of the API server and one of the CLI per request: pipelined, a burst of
// answers leaves the server in one write. Watches and streaming answers stay
// on node:http.
//
// Pipelining POSTs is safe here because nothing is sent twice unless the
// server cannot have read it (it closed a connection it had answered in full
// before the request went out); a request behind an answer that closes the
// connection fails instead of going again.

import { readSync } from 'node:fs';
import net from 'node:net';
import { parseWarningHeader } from './warnings.js';

export interface PoolResponse { status: number; body: string; warnings?: string[] }

export interface UnixHttpPoolOptions {
  socketPath: string;
  maxConnections: number;
  /** requests in flight on one connection at most (1: no pipelining) */
  pipelineDepth: number;
  timeoutMs: number;
}

interface Pending {
  head: string;
  body: Buffer | undefined;
  label: string;
  /** sent on a kept-alive connection before any byte of an answer came back: may go again if it closes unanswered */
  retryable: boolean;
  /** went again once already: never again */
  retried: boolean;
  resolve(r: PoolResponse): void;
  reject(e: Error): void;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
/** No more than this much of a status line and headers (node's default --max-http-header-size is 16 KiB). */
const MAX_HEADER_BYTES = 16 * 1024;

/** What a response's head says about it (RFC 9112 §4, §6). */
export interface ResponseHead {
  status: number;
  contentLength: number | undefined;
  chunked: boolean;
  close: boolean;
  /** the Warning headers' values, as sent */
  warning?: string[];
}

export function parseResponseHead(head: string): ResponseHead {
  const lines = head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0] ?? '');
  if (!m) throw new Error(`malformed HTTP status line: ${JSON.stringify((lines[0] ?? '').slice(0, 100))}`);
  const out: ResponseHead = { status: Number(m[1]), contentLength: undefined, chunked: false, close: lines[0]!.startsWith('HTTP/1.0') };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name === 'warning') {
      (out.warning ??= []).push(line.slice(colon + 1).trim());
      continue;
    }
    const value = line.slice(colon + 1).trim().toLowerCase();
    if (name === 'content-length') {
      if (!/^\d+$/.test(value)) throw new Error(`malformed Content-Length: ${value}`);
      out.contentLength = Number(value);
    } else if (name === 'transfer-encoding') {
      out.chunked = value.split(',').map((s) => s.trim()).includes('chunked');
    } else if (name === 'connection') {
      out.close = value.split(',').map((s) => s.trim()).includes('close');
    }
  }
  return out;
}

/**
 * A complete chunked message at the start of `buf` (RFC 9112 §7.1; trailers
 * are skipped): its body and the bytes it took; undefined while incomplete.
 */
export function readChunked(buf: Buffer): { body: Buffer; length: number } | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = buf.indexOf(CRLF, at);
    if (eol < 0) return undefined;
    const size = parseInt(buf.subarray(at, eol).toString('latin1').split(';')[0]!.trim(), 16);
    if (!Number.isFinite(size)) throw new Error('malformed chunk size');
    at = eol + 2;
    if (size === 0) {
      // trailer fields, then an empty line
      for (;;) {
        const end = buf.indexOf(CRLF, at);
        if (end < 0) return undefined;
        if (end === at) return { body: Buffer.concat(parts), length: end + 2 };
        at = end + 2;
      }
    }
    if (buf.length < at + size + 2) return undefined;
    parts.push(buf.subarray(at, at + size));
    at += size + 2;
  }
}

/**
 * One keep-alive connection carrying up to `pipelineDepth` requests at a
 * time (RFC 9112 §9.3.2): answers come back in request order, so the oldest
 * request in flight owns the next bytes. Requests issued in one tick leave in
 * one write.
 */
class Connection {
  private readonly socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private head: ResponseHead | undefined;
  private bodyStart = 0;
  private readonly inflight: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private corked = false;
  /** what the server sent before a write failed has been read */
  private drained = false;
  /** a byte arrived since the connection was last idle (nothing in flight) */
  private gotBytes = false;
  served = 0;
  closed = false;

  constructor(private readonly pool: UnixHttpPool, socketPath: string) {
    this.socket = net.connect(socketPath);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (e) => this.fail(e));
    this.socket.on('close', () => this.fail(new Error('connection closed before the response was complete')));
  }

  get load(): number { return this.inflight.length; }

  send(p: Pending): void {
    this.socket.ref();
    // Sent on a kept-alive connection while nothing came back since it went idle: if the
    // server closes it unanswered, it closed an idle connection and never read the request.
    p.retryable = !p.retried && this.served > 0 && !this.gotBytes;
    if (this.inflight.length === 0) this.armTimer();
    this.inflight.push(p);
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => { this.corked = false; this.socket.uncork(); });
    }
    // corked until the next tick: head and body leave in one write without a copy
    this.socket.write(p.head, 'latin1', this.onWriteError);
    if (p.body) this.socket.write(p.body, this.onWriteError);
  }

  /**
   * A write fails (EPIPE) when the server has gone, and node then closes the
   * socket at once, dropping answers the server wrote before it went that
   * were not read yet (the write can run before this socket's turn to read:
   * another connection's answer sent it). Those requests were applied, so
   * their answers are read here first, in the write's callback, which node
   * calls before it destroys the socket.
   */
  private readonly onWriteError = (err: Error | null | undefined): void => {
    if (!err || this.drained) return;
    this.drained = true;
    const fd = (this.socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (fd === undefined || fd < 0) return;
    const chunk = Buffer.allocUnsafe(64 * 1024);
    for (;;) {
      let n: number;
      try { n = readSync(fd, chunk); } catch { return; } // EAGAIN: nothing more; ECONNRESET: after the last byte
      if (n === 0 || this.closed) return;
      this.onData(Buffer.from(chunk.subarray(0, n)));
    }
  };

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  /** An idle connection does not keep the process alive. */
  unref(): void { this.socket.unref(); }

  /** The timeout runs for the oldest request in flight and restarts with each answer. */
  private armTimer(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const p = this.inflight[0];
      if (p) this.fail(new Error(`${p.label} timed out after ${this.pool.options.timeoutMs}ms`), true);
    }, this.pool.options.timeoutMs);
  }

  private onData(chunk: Buffer): void {
    this.gotBytes = true;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    try {
      while (!this.closed && this.tryComplete(false));
    } catch (e) {
      this.fail(e as Error, true);
    }
  }

  /** Resolves the oldest request when its response is complete (`ended`: the server closed the connection). */
  private tryComplete(ended: boolean): boolean {
    const p = this.inflight[0];
    if (!p) {
      if (this.buf.length > 0) throw new Error('data without a request');
      return false;
    }
    if (!this.head) {
      const end = this.buf.indexOf(HEADER_END);
      if (end < 0) {
        if (this.buf.length > MAX_HEADER_BYTES) throw new Error('response headers too large');
        return false;
      }
      this.head = parseResponseHead(this.buf.subarray(0, end).toString('latin1'));
      this.bodyStart = end + HEADER_END.length;
    }
    const rest = this.buf.subarray(this.bodyStart);
    let body: Buffer | undefined;
    let used = rest.length;
    if (this.head.chunked) {
      const chunked = readChunked(rest);
      if (chunked) ({ body, length: used } = chunked);
    } else if (this.head.contentLength !== undefined) {
      if (rest.length >= this.head.contentLength) {
        body = rest.subarray(0, this.head.contentLength);
        used = this.head.contentLength;
      }
    } else if (ended) {
      body = rest; // delimited by the close (RFC 9112 §6.3 item 8)
    }
    if (!body) return false;
    const { status, close, warning } = this.head;
    const keep = !close && (this.head.chunked || this.head.contentLength !== undefined);
    this.inflight.shift();
    this.head = undefined;
    this.buf = rest.subarray(used);
    this.served++;
    if (this.inflight.length > 0) this.armTimer();
    else { clearTimeout(this.timer); this.gotBytes = false; }
    p.resolve({ status, body: body.toString('utf8'), ...(warning ? { warnings: parseWarningHeader(warning) } : {}) });
    if (!keep) {
      // The server ends the connection here; requests sent behind this one may have been
      // read and acted on without an answer, so they fail rather than go again.
      this.fail(new Error('the server closed the connection before answering'), true, true);
      return false;
    }
    if (this.inflight.length === 0 && this.buf.length > 0) throw new Error('data without a request');
    this.pool.released(this, true);
    return true;
  }

  /** Fails what is in flight with `e`; the requests behind the oldest (all of them with `nameAll`) get their own name in front. */
  private fail(e: Error, destroy = false, nameAll = false): void {
    if (this.closed && this.inflight.length === 0) return;
    if (!destroy && this.head && !this.head.chunked && this.head.contentLength === undefined) {
      // a close-delimited body ends here
      try { this.tryComplete(true); } catch (err) { e = err as Error; }
    }
    const unanswered = !this.gotBytes;
    clearTimeout(this.timer);
    this.head = undefined;
    const pending = this.inflight.splice(0);
    this.destroy();
    this.pool.released(this, false);
    pending.forEach((p, i) => {
      // A kept-alive connection the server closed while idle: the requests never
      // reached it (no byte came back), send them once more (as node:http's Agent callers do).
      if (p.retryable && unanswered && !destroy) {
        p.retried = true;
        this.pool.enqueue(p, true);
      } else {
        p.reject(i === 0 && !nameAll ? e : new Error(`${p.label}: no answer, it may have been applied (${e.message})`));
      }
    });
  }
}

export class UnixHttpPool {
  private readonly connections: Connection[] = [];
  private readonly queue: Pending[] = [];

  constructor(readonly options: UnixHttpPoolOptions) {}

  request(method: string, path: string, body: string | undefined, contentType: string): Promise<PoolResponse> {
    let head = `${method} ${path} HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n`;
    const bytes = body === undefined ? undefined : Buffer.from(body, 'utf8');
    if (bytes) head += `Content-Type: ${contentType}\r\nContent-Length: ${bytes.length}\r\n`;
    head += '\r\n';
    return new Promise((resolve, reject) => {
      this.enqueue({ head, body: bytes, label: `${method} ${path}`, retryable: false, retried: false, resolve, reject }, false);
    });
  }

  /** Closes the idle connections (busy ones answer what they carry, then stop holding the process); queued requests fail. */
  close(): void {
    for (const c of [...this.connections]) {
      if (c.load > 0) continue;
      c.destroy();
      this.connections.splice(this.connections.indexOf(c), 1);
    }
    for (const p of this.queue.splice(0)) p.reject(new Error(`${p.label}: client closed`));
  }

  /**
   * Sends on the least loaded connection; opens another while every open one
   * has a request in flight and the limit allows. `fresh`: a request going
   * again, on a new connection or first in the queue.
   * Queues the request when every connection is full.
   */
  enqueue(p: Pending, fresh: boolean): void {
    const c = this.connectionFor(fresh);
    if (c) c.send(p);
    else if (fresh) this.queue.unshift(p);
    else this.queue.push(p);
  }

  /** A connection answered a request (keep: it can take more) or closed. */
  released(c: Connection, keep: boolean): void {
    if (!keep) {
      const i = this.connections.indexOf(c);
      if (i >= 0) this.connections.splice(i, 1);
    }
    while (this.queue.length > 0) {
      const next = this.connectionFor(false);
      if (!next) break;
      next.send(this.queue.shift()!);
    }
    if (keep && c.load === 0) c.unref();
  }

  private connectionFor(fresh: boolean): Connection | undefined {
    let best: Connection | undefined;
    if (!fresh) for (const c of this.connections) if (!best || c.load < best.load) best = c;
    if ((!best || best.load > 0) && this.connections.length < this.options.maxConnections) {
      const c = new Connection(this, this.options.socketPath);
      this.connections.push(c);
      return c;
    }
    return best && best.load < this.options.pipelineDepth ? best : undefined;
  }
}
