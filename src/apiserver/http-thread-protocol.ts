// The messages between the API server's HTTP thread (http-thread.ts) and its
// main thread (http-thread-link.ts). Both sides send arrays of these, one
// array per event-loop turn: a message between threads costs ~20 µs of the
// receiving thread's CPU on this box, a record in a batch of many ~5 µs.

/** HTTP thread → main thread */
export type FromHttpThread =
  /** the socket is bound (or could not be) */
  | { kind: 'listening' }
  | { kind: 'listen-failed'; message: string }
  /** a request whose body has been read whole */
  | { kind: 'request'; id: number; method: string; url: string; contentType: string; body: string }
  /** the client closed the connection before its answer ended (watches end this way) */
  | { kind: 'closed'; id: number };

/** main thread → HTTP thread */
export type ToHttpThread =
  /** the whole answer at once */
  | { kind: 'answer'; id: number; code: number; headers: Record<string, string | number>; body: string }
  /** a streamed answer (watch): its head, then chunks, then the end */
  | { kind: 'head'; id: number; code: number; headers: Record<string, string | number> }
  | { kind: 'chunk'; id: number; body: string }
  | { kind: 'end'; id: number; body?: string }
  /** drop the connection (an error after the head went out) */
  | { kind: 'destroy'; id: number };

export interface HttpThreadData {
  socketPath: string;
  socketMode: number;
  keepAliveTimeoutMs: number;
  /** a streamed answer whose unsent backlog passes this is cut off (a watcher that stopped reading) */
  maxBacklogBytes: number;
}
