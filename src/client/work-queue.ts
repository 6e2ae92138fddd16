// A keyed work queue with client-go's workqueue semantics, for controllers
// (watch → queue → idempotent sync(key)):
// - a key added while it is waiting is processed once (deduplication);
// - a key added while it is being processed is processed again afterwards,
//   never by two workers at once;
// - addAfter delays a key (the earliest pending time wins);
// - addRateLimited delays by base·2^failures (capped); forget resets it.
// run() does the bookkeeping: success → forget, failure → retry with back-off
// until maxRetries, then log and drop.

const DEFAULT_BASE_DELAY_MS = 5;
const DEFAULT_MAX_DELAY_MS = 60_000;
const DEFAULT_MAX_RETRIES = 15;

export interface WorkQueueOptions {
  name?: string;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** failures of one key before run() drops it */
  maxRetries?: number;
  log?: (msg: string) => void;
}

export class WorkQueue<K = string> {
  private readonly queue: K[] = [];
  private head = 0;
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly waiting = new Map<K, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<K, number>();
  private readonly waiters: ((key: K | undefined) => void)[] = [];
  private shuttingDown = false;
  private readonly baseDelay: number;
  private readonly maxDelay: number;
  private readonly maxRetries: number;
  private readonly log: (msg: string) => void;

  constructor(readonly options: WorkQueueOptions = {}) {
    this.baseDelay = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    this.maxDelay = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    this.log = options.log ?? ((m) => console.error(m));
  }

  /** keys waiting to be processed (not counting delayed or in-flight ones) */
  get length(): number { return this.queue.length - this.head; }
  get isShuttingDown(): boolean { return this.shuttingDown; }

  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // re-queued by done()
    this.push(key);
  }

  addAfter(key: K, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + ms;
    const existing = this.waiting.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      this.add(key);
    }, ms);
    this.waiting.set(key, { at, timer });
  }

  /** Re-queues after base·2^failures ms (capped at maxDelayMs). */
  addRateLimited(key: K): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.addAfter(key, Math.min(this.baseDelay * 2 ** n, this.maxDelay));
  }

  forget(key: K): void { this.failures.delete(key); }
  numRequeues(key: K): number { return this.failures.get(key) ?? 0; }

  /** Next key to process (undefined once shut down). Pair with done(key). */
  async get(): Promise<K | undefined> {
    if (this.length > 0) return this.take();
    if (this.shuttingDown) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
  }

  /**
   * Processes keys with `concurrency` workers until shutdown(); resolves when
   * every worker has finished its current key.
   */
  async run(worker: (key: K) => Promise<void>, concurrency = 1): Promise<void> {
    const loop = async () => {
      for (;;) {
        const key = await this.get();
        if (key === undefined) return;
        try {
          await worker(key);
          this.forget(key);
        } catch (e) {
          const n = this.numRequeues(key);
          if (n < this.maxRetries) {
            this.addRateLimited(key);
          } else {
            this.log(`${this.options.name ?? 'work-queue'}: dropping ${String(key)} after ${n + 1} failures: ${(e as Error).message}`);
            this.forget(key);
          }
        } finally {
          this.done(key);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, loop));
  }

  shutdown(): void {
    this.shuttingDown = true;
    for (const w of this.waiting.values()) clearTimeout(w.timer);
    this.waiting.clear();
    this.queue.length = 0;
    this.head = 0;
    this.dirty.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  private push(key: K): void {
    const w = this.waiters.shift();
    if (w) {
      this.dirty.delete(key);
      this.processing.add(key);
      w(key);
      return;
    }
    this.queue.push(key);
  }

  private take(): K {
    const key = this.queue[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }
}
