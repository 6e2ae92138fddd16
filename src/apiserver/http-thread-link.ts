// The main thread's end of the HTTP thread (http-thread.ts): starts it, turns
// its requests into ApiRequest/ApiResponse pairs for the handlers, and sends
// their answers back, batched per event-loop turn.

import { Worker } from 'node:worker_threads';
import type { ApiRequest, ApiResponse } from './http-util.js';
import type { FromHttpThread, HttpThreadData, ToHttpThread } from './http-thread-protocol.js';

export type RequestHandler = (req: ApiRequest, res: ApiResponse) => void;

export class HttpThread {
  private readonly exchanges = new Map<number, RemoteResponse>();
  private outbox: ToHttpThread[] = [];
  private stopping = false;

  private constructor(private readonly worker: Worker, private readonly onRequest: RequestHandler) {}

  /** Resolves once the socket is bound and its mode set. onFailure: the thread died (not by stop()). */
  static start(data: HttpThreadData, onRequest: RequestHandler, onFailure: (err: Error) => void): Promise<HttpThread> {
    const worker = new Worker(new URL('./http-thread.js', import.meta.url), { workerData: data });
    const link = new HttpThread(worker, onRequest);
    return new Promise((resolve, reject) => {
      let listening = false;
      worker.on('message', (batch: FromHttpThread[]) => {
        for (const m of batch) {
          if (m.kind === 'listening') { listening = true; resolve(link); continue; }
          if (m.kind === 'listen-failed') { link.stopping = true; void worker.terminate(); reject(new Error(m.message)); continue; }
          link.receive(m);
        }
      });
      worker.on('error', (e) => { if (!listening) reject(e); else if (!link.stopping) onFailure(e); });
      worker.on('exit', (code) => {
        if (!listening) reject(new Error(`the API server's HTTP thread exited (${code}) before it listened`));
        else if (!link.stopping) onFailure(new Error(`the API server's HTTP thread exited (${code})`));
      });
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.worker.terminate();
    for (const r of [...this.exchanges.values()]) r.closed();
    this.exchanges.clear();
  }

  /** @internal RemoteResponse's way out */
  send(m: ToHttpThread): void {
    if (this.stopping) return;
    if (this.outbox.length === 0) setImmediate(this.flush);
    this.outbox.push(m);
  }

  /** @internal an exchange that ended on this side */
  forget(id: number): void {
    this.exchanges.delete(id);
  }

  private readonly flush = (): void => {
    const batch = this.outbox;
    this.outbox = [];
    if (!this.stopping && batch.length > 0) this.worker.postMessage(batch);
  };

  private receive(m: FromHttpThread): void {
    if (m.kind === 'request') {
      const res = new RemoteResponse(this, m.id);
      this.exchanges.set(m.id, res);
      this.onRequest({ method: m.method, url: m.url, contentType: m.contentType, body: m.body }, res);
    } else if (m.kind === 'closed') {
      const res = this.exchanges.get(m.id);
      this.exchanges.delete(m.id);
      res?.closed();
    }
  }
}

/** An answer written on the main thread and framed by the HTTP thread. */
class RemoteResponse implements ApiResponse {
  statusCode = 200;
  headersSent = false;
  private headers: Record<string, string | number> = {};
  private ended = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(private readonly link: HttpThread, private readonly id: number) {}

  writeHead(code: number, headers: Record<string, string | number>): this {
    this.statusCode = code;
    this.headers = headers;
    return this;
  }

  flushHeaders(): void {
    if (this.headersSent || this.ended) return;
    this.headersSent = true;
    this.link.send({ kind: 'head', id: this.id, code: this.statusCode, headers: this.headers });
  }

  write(chunk: string): void {
    if (this.ended) return;
    this.flushHeaders();
    this.link.send({ kind: 'chunk', id: this.id, body: chunk });
  }

  end(body?: string): this {
    if (this.ended) return this;
    this.ended = true;
    this.link.forget(this.id);
    if (this.headersSent) {
      this.link.send({ kind: 'end', id: this.id, body });
    } else {
      this.headersSent = true;
      this.link.send({ kind: 'answer', id: this.id, code: this.statusCode, headers: this.headers, body: body ?? '' });
    }
    return this;
  }

  destroy(): this {
    if (this.ended) return this;
    this.ended = true;
    this.link.forget(this.id);
    this.link.send({ kind: 'destroy', id: this.id });
    this.fireClose();
    return this;
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  /** the client went away (or the HTTP thread stopped) */
  closed(): void {
    this.ended = true;
    this.fireClose();
  }

  private fireClose(): void {
    const listeners = this.closeListeners.splice(0);
    for (const l of listeners) l();
  }
}
