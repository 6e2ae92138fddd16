// The main thread's end of the HTTP thread (http-thread.ts): starts it, turns
// its requests into ApiRequest/ApiResponse pairs for the handlers, and sends
// their answers back, batched per event-loop turn.

import { Worker } from 'node:worker_threads';
import { notServed } from './registry.js';
import type { ApiRequest, ApiResponse } from './http-util.js';
import { FROM_THREAD, Outbox, TO_THREAD, type Batch, type HttpThreadData } from './http-thread-protocol.js';

export type RequestHandler = (req: ApiRequest, res: ApiResponse) => void;

/** A request to switch protocols, as the HTTP thread holds it until it is answered. */
export interface UpgradeRequest { method: string; url: string; /** the Upgrade header, lower case */ upgrade: string; /** Sec-WebSocket-Protocol, as sent */ protocols: string }
/** What the main thread answers an upgrade with: run a command on it, or refuse it with a plain HTTP answer. */
export interface UpgradeReply {
  exec(spec: { argv: string[]; env: Record<string, string>; stdin: boolean; tty: boolean; command: string[] }): void;
  refuse(code: number, body: string): void;
}
export type UpgradeHandler = (req: UpgradeRequest, reply: UpgradeReply) => void;

export class HttpThread {
  private readonly exchanges = new Map<number, RemoteResponse>();
  /** the process group of each exec's command still running, by upgrade id: stop() kills them */
  private readonly execGroups = new Map<number, number>();
  /** @internal RemoteResponse's way out */
  readonly outbox: Outbox;
  private stopping = false;

  private constructor(private readonly worker: Worker, private readonly onRequest: RequestHandler, private readonly onUpgrade?: UpgradeHandler) {
    this.outbox = new Outbox((batch) => { if (!this.stopping) this.worker.postMessage(batch); });
  }

  /** Resolves once the socket is bound and its mode set. onFailure: the thread died (not by stop()). */
  static start(data: HttpThreadData, onRequest: RequestHandler, onFailure: (err: Error) => void, onUpgrade?: UpgradeHandler): Promise<HttpThread> {
    const worker = new Worker(new URL('./http-thread.js', import.meta.url), { workerData: data });
    const link = new HttpThread(worker, onRequest, onUpgrade);
    return new Promise((resolve, reject) => {
      let listening = false;
      const fail = (err: Error) => {
        if (!listening) { reject(err); return; }
        if (link.stopping) return;
        // once: the thread's error is followed by its exit
        link.stopping = true;
        link.closeAll();
        onFailure(err);
      };
      worker.on('message', (batch: Batch) => {
        const tag = batch[0];
        if (tag === FROM_THREAD.listening) { listening = true; resolve(link); return; }
        if (tag === FROM_THREAD.listenFailed || tag === FROM_THREAD.failed) {
          fail(new Error(String(batch[1])));
          void worker.terminate();
          return;
        }
        link.receive(batch);
      });
      worker.on('error', (e) => fail(e));
      worker.on('exit', (code) => fail(new Error(`the API server's HTTP thread exited (${code})${listening ? '' : ' before it listened'}`)));
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.outbox.clear();
    // the thread's streams end with it, not the commands they run: those go here
    for (const pid of this.execGroups.values()) { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }
    this.execGroups.clear();
    await this.worker.terminate();
    this.closeAll();
  }

  /** every open exchange ends as if its client had gone (the watches stop) */
  private closeAll(): void {
    const all = [...this.exchanges.values()];
    this.exchanges.clear();
    for (const r of all) r.closed();
  }

  /** @internal an exchange that ended on this side */
  forget(id: number): void {
    this.exchanges.delete(id);
  }

  private receive(batch: Batch): void {
    let i = 0;
    while (i < batch.length) {
      const tag = batch[i++];
      const id = batch[i++] as number;
      if (tag === FROM_THREAD.request) {
        const method = batch[i++] as string;
        const url = batch[i++] as string;
        const contentType = batch[i++] as string;
        const accept = batch[i++] as string;
        const body = batch[i++] as string;
        const res = new RemoteResponse(this, id);
        this.exchanges.set(id, res);
        this.onRequest({ method, url, contentType, accept, body }, res);
      } else if (tag === FROM_THREAD.upgrade) {
        const req: UpgradeRequest = { method: batch[i++] as string, url: batch[i++] as string, upgrade: batch[i++] as string, protocols: batch[i++] as string };
        let answered = false;
        const once = (f: () => void) => { if (!answered) { answered = true; f(); } };
        const reply: UpgradeReply = {
          exec: (s) => once(() => this.outbox.add(TO_THREAD.exec, id, JSON.stringify(s.argv), JSON.stringify(s.env), s.stdin ? 1 : 0, s.tty ? 1 : 0, JSON.stringify(s.command))),
          refuse: (code, body) => once(() => this.outbox.add(TO_THREAD.answer, id, code, 'application/json', body)),
        };
        if (this.onUpgrade) this.onUpgrade(req, reply);
        else reply.refuse(404, JSON.stringify(notServed().status));
      } else if (tag === FROM_THREAD.execPid) {
        const pid = batch[i++] as number;
        if (pid) this.execGroups.set(id, pid); else this.execGroups.delete(id);
      } else if (tag === FROM_THREAD.closed) {
        const res = this.exchanges.get(id);
        this.exchanges.delete(id);
        res?.closed();
      } else {
        throw new Error(`http thread link: unknown record ${String(tag)}`);
      }
    }
  }
}

/** Headers that an answer record carries: a Content-Type, and the Content-Length the thread recomputes. */
function isPlainAnswer(headers: Record<string, string | number>): boolean {
  let n = 0;
  for (const k in headers) {
    if (k !== 'Content-Type' && k !== 'Content-Length') return false;
    n++;
  }
  return n > 0 && headers['Content-Type'] !== undefined;
}

/** An answer written on the main thread and framed by the HTTP thread. */
class RemoteResponse implements ApiResponse {
  statusCode = 200;
  headersSent = false;
  private headers: Record<string, string | number> = {};
  private ended = false;
  /** the client went away (or this side dropped it): a listener added later runs at once */
  private gone = false;
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
    this.link.outbox.add(TO_THREAD.head, this.id, this.statusCode, this.headers);
  }

  write(chunk: string): void {
    if (this.ended) return;
    this.flushHeaders();
    this.link.outbox.add(TO_THREAD.chunk, this.id, chunk);
  }

  end(body?: string): this {
    if (this.ended) return this;
    if (!this.headersSent && isPlainAnswer(this.headers)) {
      // the common case, one record: the thread sets Content-Length itself
      this.headersSent = true;
      this.link.outbox.add(TO_THREAD.answer, this.id, this.statusCode, String(this.headers['Content-Type']), body ?? '');
    } else {
      this.flushHeaders();
      this.link.outbox.add(TO_THREAD.end, this.id, body ?? null);
    }
    this.ended = true;
    this.link.forget(this.id);
    return this;
  }

  destroy(): this {
    if (this.ended) return this;
    this.ended = true;
    this.link.forget(this.id);
    this.link.outbox.add(TO_THREAD.destroy, this.id);
    this.fireClose();
    return this;
  }

  onClose(listener: () => void): void {
    if (this.gone) listener();
    else this.closeListeners.push(listener);
  }

  /** the client went away (or the HTTP thread stopped) */
  closed(): void {
    this.ended = true;
    this.fireClose();
  }

  private fireClose(): void {
    this.gone = true;
    const listeners = this.closeListeners.splice(0);
    for (const l of listeners) l();
  }
}
