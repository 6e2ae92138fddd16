// A lean HTTP/1.1 client for many small requests over one Unix socket path:
// a pool of keep-alive connections, one request in flight on each, the
// request written as one string, the response read by its Content-Length
// (or chunked, or until close: RFC 9112 §6.3). `podnet apply` sends ~2,000
// requests; node:http's per-request machinery (Agent bookkeeping, header
// objects, OutgoingMessage, the llhttp parser and IncomingMessage streams)
// cost its CLI about as much CPU as the requests' JSON. Watches and
// streaming answers stay on node:http.

import net from 'node:net';

export interface PoolResponse { status: number; body: string }

export interface UnixHttpPoolOptions {
  socketPath: string;
  maxConnections: number;
  timeoutMs: number;
}

interface Pending {
  head: string;
  body: Buffer | undefined;
  label: string;
  /** sent once on a connection that had served a request before: may be sent again if it closes unanswered */
  retryable: boolean;
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
 * The body of a chunked message when `buf` holds all of it (RFC 9112 §7.1;
 * trailers are skipped), else undefined.
 */
export function decodeChunked(buf: Buffer): Buffer | undefined {
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
        if (end === at) return Buffer.concat(parts);
        at = end + 2;
      }
    }
    if (buf.length < at + size + 2) return undefined;
    parts.push(buf.subarray(at, at + size));
    at += size + 2;
  }
}

/** One keep-alive connection: one request at a time. */
class Connection {
  private readonly socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private head: ResponseHead | undefined;
  private bodyStart = 0;
  private current: Pending | undefined;
  private timer: NodeJS.Timeout | undefined;
  private gotBytes = false;
  served = 0;
  closed = false;

  constructor(private readonly pool: UnixHttpPool, socketPath: string) {
    this.socket = net.connect(socketPath);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (e) => this.fail(e));
    this.socket.on('close', () => this.fail(new Error('connection closed before the response was complete')));
  }

  send(p: Pending): void {
    this.socket.ref();
    this.current = p;
    p.retryable = this.served > 0;
    this.gotBytes = false;
    this.timer = setTimeout(() => this.fail(new Error(`${p.label} timed out after ${this.pool.options.timeoutMs}ms`), true), this.pool.options.timeoutMs);
    if (p.body) this.socket.write(Buffer.concat([Buffer.from(p.head, 'latin1'), p.body]));
    else this.socket.write(p.head, 'latin1');
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  /** An idle connection does not keep the process alive. */
  unref(): void { this.socket.unref(); }

  private onData(chunk: Buffer): void {
    this.gotBytes = true;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    try {
      this.tryComplete(false);
    } catch (e) {
      this.fail(e as Error, true);
    }
  }

  /** Resolves the current request when its response is complete (`ended`: the server closed the connection). */
  private tryComplete(ended: boolean): boolean {
    if (!this.current) {
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
      body = decodeChunked(rest);
    } else if (this.head.contentLength !== undefined) {
      if (rest.length >= this.head.contentLength) {
        body = rest.subarray(0, this.head.contentLength);
        used = this.head.contentLength;
      }
    } else if (ended) {
      body = rest; // delimited by the close (RFC 9112 §6.3 item 8)
    }
    if (!body) return false;
    const p = this.current;
    const { status, close } = this.head;
    const keep = !close && (this.head.chunked || this.head.contentLength !== undefined) && used === rest.length;
    this.finishRequest();
    this.buf = Buffer.alloc(0);
    this.served++;
    p.resolve({ status, body: body.toString('utf8') });
    if (!keep) this.destroy();
    this.pool.released(this, keep);
    return true;
  }

  private finishRequest(): void {
    clearTimeout(this.timer);
    this.current = undefined;
    this.head = undefined;
  }

  private fail(e: Error, destroy = false): void {
    if (this.closed && !this.current) return;
    const p = this.current;
    if (p && !destroy && this.head && !this.head.chunked && this.head.contentLength === undefined) {
      // a close-delimited body ends here
      try { if (this.tryComplete(true)) return; } catch (err) { e = err as Error; }
    }
    const unanswered = !this.gotBytes;
    this.finishRequest();
    this.destroy();
    this.pool.released(this, false);
    if (!p) return;
    // A kept-alive connection the server closed while idle: the request never
    // reached it (no byte came back), send it once more (as node:http's Agent callers do).
    if (p.retryable && unanswered && !destroy) {
      p.retryable = false;
      this.pool.enqueue(p, true);
      return;
    }
    p.reject(e);
  }
}

export class UnixHttpPool {
  private readonly idle: Connection[] = [];
  private readonly queue: Pending[] = [];
  private open = 0;

  constructor(readonly options: UnixHttpPoolOptions) {}

  request(method: string, path: string, body: string | undefined, contentType: string): Promise<PoolResponse> {
    let head = `${method} ${path} HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n`;
    const bytes = body === undefined ? undefined : Buffer.from(body, 'utf8');
    if (bytes) head += `Content-Type: ${contentType}\r\nContent-Length: ${bytes.length}\r\n`;
    head += '\r\n';
    return new Promise((resolve, reject) => {
      this.enqueue({ head, body: bytes, label: `${method} ${path}`, retryable: false, resolve, reject }, false);
    });
  }

  /** Closes every connection; requests still waiting fail. */
  close(): void {
    for (const c of [...this.idle]) c.destroy();
    this.idle.length = 0;
    for (const p of this.queue.splice(0)) p.reject(new Error(`${p.label}: client closed`));
  }

  /** @internal */
  enqueue(p: Pending, fresh: boolean): void {
    const idle = fresh ? undefined : this.idle.pop();
    if (idle) { idle.send(p); return; }
    if (this.open < this.options.maxConnections) {
      this.open++;
      new Connection(this, this.options.socketPath).send(p);
      return;
    }
    if (fresh) this.queue.unshift(p); else this.queue.push(p);
  }

  /** @internal a connection finished a request (keep: it can take another) or closed */
  released(c: Connection, keep: boolean): void {
    if (!keep) {
      const i = this.idle.indexOf(c);
      if (i >= 0) this.idle.splice(i, 1);
      if (!c.closed) return;
      this.open--;
      const next = this.queue.shift();
      if (next) this.enqueue(next, false);
      return;
    }
    const next = this.queue.shift();
    if (next) {
      c.send(next);
    } else {
      c.unref();
      this.idle.push(c);
    }
  }
}
