// A watch answer read straight off the Unix socket: one GET, the response
// head parsed once, then the body's framing (chunked, Content-Length or
// close-delimited: RFC 9112 §6.3, §7.1) and its newline-delimited JSON lines
// cut from the socket's Buffers. Every watching process (node agents, cluster
// DNS, ingress controller, LB agent) receives each Service and EndpointSlice
// of a burst this way; node:http's machinery for a long-lived chunked answer
// (llhttp callbacks, an IncomingMessage stream, a StringDecoder, string
// concatenation per chunk) cost them about as much CPU and garbage per event
// as the JSON.parse itself (docs/bench-controlplane.md (a8)).
//
// A line is decoded from its own bytes (one string per line, made when the
// line is complete), so a multi-byte UTF-8 character split between two reads
// or two chunks is never cut.

import net from 'node:net';
import { parseResponseHead, type ResponseHead } from './unix-http-pool.js';

const HEADER_END = Buffer.from('\r\n\r\n');
/** No more than this much of a status line and headers (node's default --max-http-header-size is 16 KiB). */
const MAX_HEADER_BYTES = 16 * 1024;
/** a chunk-size line with its extensions (RFC 9112 §7.1.1); ours are a few hex digits */
const MAX_CHUNK_SIZE_LINE = 1024;
/** one trailer field line after the last chunk (RFC 9112 §7.1.2); they are skipped */
const MAX_TRAILER_BYTES = 16 * 1024;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Cuts a byte stream into LF-terminated lines, each decoded as UTF-8 once it
 * is complete. `line` returns false to stop (nothing more is delivered).
 */
export class LineSplitter {
  private partial: Buffer[] = [];
  private partialBytes = 0;

  constructor(private readonly line: (text: string) => boolean) {}

  /** Feeds bytes [start, end) of buf; false when `line` asked to stop. */
  push(buf: Buffer, start: number, end: number): boolean {
    let at = start;
    while (at < end) {
      const nl = buf.indexOf(LF, at);
      if (nl < 0 || nl >= end) {
        // the start of a line that the next read completes (a view: no copy until then)
        this.partial.push(buf.subarray(at, end));
        this.partialBytes += end - at;
        return true;
      }
      let text: string;
      if (this.partialBytes === 0) {
        text = buf.toString('utf8', at, nl);
      } else {
        this.partial.push(buf.subarray(at, nl));
        text = Buffer.concat(this.partial, this.partialBytes + nl - at).toString('utf8');
        this.partial = [];
        this.partialBytes = 0;
      }
      at = nl + 1;
      if (!this.line(text)) return false;
    }
    return true;
  }

  /** bytes of an unfinished last line */
  get pendingBytes(): number { return this.partialBytes; }
}

const enum Chunked { Size, Data, DataEnd, Trailer, Done }

/**
 * The body of one HTTP/1.1 response as it arrives: hands the payload bytes to
 * `data` in place (no copies) and says when the body is complete.
 */
export class BodyDecoder {
  private state = Chunked.Size;
  /** chunked: bytes left in the current chunk; Content-Length: bytes left in the body */
  private left: number;
  /** the chunk-size line or trailer section read so far */
  private text = '';
  /** CR LF bytes still expected after a chunk's data */
  private crlfLeft = 0;

  constructor(readonly head: ResponseHead) {
    this.left = head.contentLength ?? 0;
  }

  /** No Content-Length and not chunked: the body ends when the connection does (RFC 9112 §6.3 item 8). */
  get closeDelimited(): boolean { return !this.head.chunked && this.head.contentLength === undefined; }

  /**
   * Feeds bytes [start, buf.length) of buf. Returns 'done' once the body is
   * complete (bytes after it are ignored), 'stopped' when `data` returned
   * false, else 'more'. Throws on malformed chunked framing.
   */
  push(buf: Buffer, start: number, data: (buf: Buffer, start: number, end: number) => boolean): 'more' | 'done' | 'stopped' {
    const end = buf.length;
    if (!this.head.chunked) {
      if (this.closeDelimited) return start < end && !data(buf, start, end) ? 'stopped' : 'more';
      const n = Math.min(this.left, end - start);
      if (n > 0 && !data(buf, start, start + n)) return 'stopped';
      this.left -= n;
      return this.left === 0 ? 'done' : 'more';
    }
    let at = start;
    while (at < end) {
      switch (this.state) {
        case Chunked.Size: {
          const nl = buf.indexOf(LF, at);
          const stop = nl < 0 ? end : nl;
          this.text += buf.toString('latin1', at, stop);
          if (this.text.length > MAX_CHUNK_SIZE_LINE) throw new Error('malformed chunked body: chunk-size line too long');
          if (nl < 0) return 'more';
          at = nl + 1;
          const size = chunkSize(this.text);
          this.text = '';
          if (size === 0) {
            this.state = Chunked.Trailer;
          } else {
            this.left = size;
            this.state = Chunked.Data;
          }
          break;
        }
        case Chunked.Data: {
          const n = Math.min(this.left, end - at);
          if (!data(buf, at, at + n)) return 'stopped';
          at += n;
          this.left -= n;
          if (this.left === 0) {
            this.state = Chunked.DataEnd;
            this.crlfLeft = 2;
          }
          break;
        }
        case Chunked.DataEnd: {
          const want = this.crlfLeft === 2 ? CR : LF;
          if (buf[at] !== want) throw new Error('malformed chunked body: no CRLF after chunk data');
          at++;
          if (--this.crlfLeft === 0) this.state = Chunked.Size;
          break;
        }
        case Chunked.Trailer: {
          // trailer fields are skipped, one line at a time; an empty line ends the section
          const nl = buf.indexOf(LF, at);
          const stop = nl < 0 ? end : nl;
          this.text += buf.toString('latin1', at, stop);
          if (this.text.length > MAX_TRAILER_BYTES) throw new Error('malformed chunked body: trailer section too long');
          if (nl < 0) return 'more';
          at = nl + 1;
          const empty = this.text === '' || this.text === '\r';
          this.text = '';
          if (empty) {
            this.state = Chunked.Done;
            return 'done';
          }
          break;
        }
        case Chunked.Done:
          return 'done';
      }
    }
    return this.state === Chunked.Done ? 'done' : 'more';
  }
}

/** The size of a chunk-size line: hex digits, optional `;extensions`, CR LF (RFC 9112 §7.1, §7.1.1). */
function chunkSize(line: string): number {
  const semi = line.indexOf(';');
  const hex = (semi < 0 ? line : line.slice(0, semi)).trim();
  if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw new Error(`malformed chunked body: chunk size ${JSON.stringify(hex.slice(0, 20))}`);
  return parseInt(hex, 16);
}

export interface LineStreamHandlers {
  /** a complete line of a 2xx answer's body; false stops reading (the connection is closed) */
  line(text: string): boolean;
  /** the whole body of an answer with status ≥ 300 */
  failed(status: number, body: string): void;
  /** the body ended as framed (the last chunk, Content-Length reached, or the close of a close-delimited body) */
  end(): void;
  /** the connection closed before the body's end */
  closed(): void;
  /** the connection failed or the answer was malformed */
  error(e: Error): void;
}

export interface GetLinesOptions {
  /**
   * During a burst (a read within `burstGapMs` of the one before), stop
   * reading for this long after each read, so that the next read takes
   * everything the server wrote meanwhile: one wake-up for many events
   * instead of one per event. 0 = read as data comes.
   */
  coalesceMs?: number;
  burstGapMs?: number;
}

/**
 * GETs `path` over the Unix socket and hands its body's lines to `h`.
 * Exactly one of failed/end/closed/error is called, and none after `destroy()`.
 */
export function getLines(socketPath: string, path: string, h: LineStreamHandlers, options: GetLinesOptions = {}): { destroy(): void } {
  const coalesceMs = options.coalesceMs ?? 0;
  const burstGapMs = options.burstGapMs ?? coalesceMs * 5;
  let lastRead = -Infinity;
  let resumeTimer: NodeJS.Timeout | undefined;
  const socket = net.createConnection({ path: socketPath });
  let settled = false;
  const settle = (then: () => void) => {
    if (settled) return;
    settled = true;
    if (resumeTimer) clearTimeout(resumeTimer);
    socket.destroy();
    then();
  };
  let head: Buffer | undefined = Buffer.alloc(0);
  let body: BodyDecoder | undefined;
  let ok = false;
  const errorBody: Buffer[] = [];
  const splitter = new LineSplitter((text) => !settled && h.line(text));
  const keep = (buf: Buffer, start: number, end: number) => { errorBody.push(buf.subarray(start, end)); return true; };
  const toLines = (buf: Buffer, start: number, end: number) => splitter.push(buf, start, end);
  const finished = () => {
    if (ok) settle(() => h.end());
    else settle(() => h.failed(body!.head.status, Buffer.concat(errorBody).toString('utf8')));
  };

  socket.on('data', (chunk: Buffer) => {
    if (settled) return;
    let start = 0;
    if (!body) {
      head = head!.length === 0 ? chunk : Buffer.concat([head!, chunk]);
      const headEnd = head.indexOf(HEADER_END);
      if (headEnd < 0) {
        if (head.length > MAX_HEADER_BYTES) settle(() => h.error(new Error('malformed HTTP answer: response head too large')));
        return;
      }
      try {
        body = new BodyDecoder(parseResponseHead(head.toString('latin1', 0, headEnd)));
      } catch (e) {
        settle(() => h.error(e as Error));
        return;
      }
      ok = body.head.status < 300;
      chunk = head;
      start = headEnd + HEADER_END.length;
      head = undefined;
    }
    let r: 'more' | 'done' | 'stopped';
    try {
      r = body.push(chunk, start, ok ? toLines : keep);
    } catch (e) {
      settle(() => h.error(e as Error));
      return;
    }
    if (r === 'stopped') settle(() => {});
    else if (r === 'done') finished();
    else if (coalesceMs > 0) {
      const now = performance.now();
      const burst = now - lastRead < burstGapMs;
      lastRead = now;
      if (burst) {
        // the kernel keeps what arrives meanwhile in the socket's buffer (a writer
        // that fills it waits, as for any slow reader); 'end' and errors wait too
        socket.pause();
        resumeTimer = setTimeout(() => { resumeTimer = undefined; if (!settled) socket.resume(); }, coalesceMs);
      }
    }
  });
  socket.on('end', () => {
    if (settled) return;
    if (body?.closeDelimited) finished();
    else settle(() => h.closed());
  });
  socket.on('close', () => settle(() => h.closed()));
  socket.on('error', (e) => settle(() => h.error(e)));
  // Connection: close, as node:http sends for a request without an Agent: one answer per connection.
  socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\nConnection: close\r\n\r\n`, 'latin1');
  return { destroy: () => settle(() => {}) };
}
