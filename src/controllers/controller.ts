// The shape every controller has: watch → keyed queue → idempotent sync(key).
// A sync that throws is retried with back-off; not-found means deleted.

import { WorkQueue } from '../client/work-queue.js';
import { isApiError } from '../errors.js';

const debug = process.env.PODNET_DEBUG?.split(',').some((c) => c === 'controllers' || c === '*');

export abstract class Controller {
  protected readonly queue: WorkQueue<string>;

  constructor(readonly name: string, private readonly workers = 1) {
    this.queue = new WorkQueue<string>({ name, log: (m) => process.stderr.write(`${m}\n`) });
  }

  protected abstract sync(key: string): Promise<void>;

  enqueue(key: string): void { this.queue.add(key); }

  /** Looks at key again after ms (a time-based change no watch reports, e.g. minReadySeconds passing). */
  protected enqueueAfter(key: string, ms: number): void { this.queue.addAfter(key, ms); }

  run(): void {
    // The queue retries a failed key with back-off and drops it after its
    // maxRetries; a Conflict only means our cache was behind, so stay quiet.
    void this.queue.run(async (key: string) => {
      try {
        await this.sync(key);
      } catch (err) {
        if (debug || !isApiError(err, 'Conflict')) process.stderr.write(`[${this.name}] sync ${key}: ${(err as Error).message}\n`);
        throw err;
      }
    }, this.workers);
  }

  stop(): void { this.queue.shutdown(); }
}
