// At most N tasks at once; the rest wait in arrival order. An exclusive task
// takes all N slots: it starts once the tasks before it are done and keeps
// every later one waiting until it ends.

export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  async runExclusive<T>(task: () => Promise<T>): Promise<T> {
    // Every slot is asked for at once, synchronously: free ones are taken,
    // the rest queued back to back, so nothing that arrives later gets in
    // between, and a second exclusive task queues wholly behind this one
    // (two taking slots by turns could each hold some and wait forever).
    await Promise.all(Array.from({ length: this.limit }, () => this.acquire()));
    try {
      return await task();
    } finally {
      for (let i = 0; i < this.limit; i++) this.release();
    }
  }

  /** A released slot passes straight to the first waiter, so no newcomer can take it in between. */
  private async acquire(): Promise<void> {
    if (this.active < this.limit) { this.active++; return; }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next(); else this.active--;
  }
}
