// The shape every controller has: watch → keyed queue → idempotent sync(key).
// A sync that throws is retried with back-off; not-found means deleted.

import { WorkQueue } from '../client/work-queue.js';
import { isApiError } from '../errors.js';

const debug = process.env.PODNET_DEBUG?.split(',').some((c) => c === 'controllers' || c === '*');

export abstract class Controller {
  protected readonly queue = new WorkQueue<string>();

  constructor(readonly name: string, private readonly workers = 1) {}

  protected abstract sync(key: string): Promise<void>;

  enqueue(key: string): void { this.queue.add(key); }

  run(): void {
    void this.queue.run(async (key: string) => {
      try {
        await this.sync(key);
        this.queue.forget(key);
      } catch (err) {
        // A Conflict only means our cache was behind: retry soon, quietly.
        if (debug || !isApiError(err, 'Conflict')) process.stderr.write(`[${this.name}] sync ${key}: ${(err as Error).message}\n`);
        this.queue.addRateLimited(key);
      }
    }, this.workers);
  }

  stop(): void { this.queue.shutdown(); }
}
