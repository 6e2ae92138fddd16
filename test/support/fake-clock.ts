// A clock that tests move by hand (src/client/clock.ts's Clock): timers fire
// in time order as advance() passes them, and settle() lets what each one
// started run before the next fires. Schedulers, health checks and recorders
// are driven with it instead of waiting.

import type { Clock } from '../../src/client/clock.js';

/** event-loop turns settle() lets pass: enough for a few awaits in a row */
const SETTLE_TURNS = 20;

/** Lets the promise chains started so far run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < SETTLE_TURNS; i++) await new Promise<void>((r) => setImmediate(r));
}

export class FakeClock implements Clock {
  t: number;
  private seq = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];

  constructor(start = 0) { this.t = start; }

  now(): number { return this.t; }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void { this.timers = this.timers.filter((x) => x.id !== handle); }
  get pendingTimers(): number { return this.timers.length; }

  /** What runs between timers; a subclass with its own event-loop turns overrides it. */
  async settle(): Promise<void> { await settle(); }

  /** Moves time to now+ms, firing due timers in time order (then creation order), settling after each. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await this.settle();
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const due = this.timers[0];
      if (!due || due.at > end) break;
      this.timers.shift();
      this.t = due.at;
      due.fn();
      await this.settle();
    }
    this.t = end;
    await this.settle();
  }
}
