// The messages between the API server's HTTP thread (http-thread.ts) and its
// main thread (http-thread-link.ts). Each side sends one flat array per
// event-loop turn: a tag, then that record's fields, then the next record.
// Why flat: a message between threads costs the receiver ~20 µs on this box
// whatever it holds, a record in a batch ~5 µs, and half of that again when
// the records are objects rather than strings and numbers in one array
// (structured clone walks every object's keys).

export type Batch = (string | number | Record<string, string | number> | null)[];

/** HTTP thread → main thread */
export const FROM_THREAD = {
  /** the socket is bound: no fields */
  listening: 'L',
  /** it could not be: message */
  listenFailed: 'F',
  /** the server broke after it listened: message */
  failed: 'X',
  /** a request read whole: id, method, url, contentType, accept (only when it asks for `as=`…), body */
  request: 'Q',
  /** the client closed the connection before its answer ended (watches end this way): id */
  closed: 'C',
  /** a request to switch protocols (kubectl exec's WebSocket): id, method, url, upgrade, offered subprotocols */
  upgrade: 'U',
  /** an exec's command started (its pid, the leader of its own process group) or ended (0): id, pid */
  execPid: 'P',
} as const;

/** main thread → HTTP thread */
export const TO_THREAD = {
  /** the whole answer at once: id, code, contentType, body (the thread adds Content-Length) */
  answer: 'A',
  /** the head of a streamed answer (a watch): id, code, headers */
  head: 'H',
  /** id, body */
  chunk: 'W',
  /** the end of a streamed answer: id, body or null */
  end: 'E',
  /** drop the connection (an error after the head went out): id */
  destroy: 'D',
  /** accept an upgrade and run a command on its WebSocket: id, argv (JSON), env (JSON), stdin (0/1), tty (0/1), command (JSON) */
  exec: 'S',
} as const;

export interface HttpThreadData {
  socketPath: string;
  socketMode: number;
  keepAliveTimeoutMs: number;
  /** a streamed answer whose unsent backlog passes this is cut off (a watcher that stopped reading) */
  maxBacklogBytes: number;
}

/**
 * Collects records and posts them as one array at the end of the turn
 * (setImmediate), so that every request or answer of a turn shares one message.
 */
export class Outbox {
  private batch: Batch = [];

  constructor(private readonly post: (batch: Batch) => void) {}

  add(...record: Batch): void {
    if (this.batch.length === 0) setImmediate(this.flush);
    for (const field of record) this.batch.push(field);
  }

  /** drops what is queued (the other side is gone) */
  clear(): void {
    this.batch = [];
  }

  private readonly flush = (): void => {
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    this.post(batch);
  };
}
