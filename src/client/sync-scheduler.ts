// Coalesces change notifications into syncs, so churn cannot cause a sync
// storm (kube-proxy's BoundedFrequencyRunner plays this part upstream). Used
// by the ingress controller (an NGINX reload forks a new worker generation and
// costs hundreds of milliseconds, docs/ingress.md) and the node's service
// proxy (an nft transaction per Service change during a 2,000-object apply).
//  - a trigger schedules one sync `debounceMs` later, and never sooner than
//    `minIntervalMs` after the previous sync started (≤ 1 sync per interval);
//  - triggers while a sync is pending are absorbed by it (bounded latency: the
//    first trigger fixes the time, later ones do not push it back);
//  - a trigger during a running sync schedules one more sync after it;
//  - the interval stretches to `busyFactor` × the last sync's duration when
//    syncs are slow (1,000 Ingresses: a reload costs over a second of CPU), so
//    reloads never take more than 1/(busyFactor+1) of the time;
//  - with `burst`, a sync that finds at least `burst.triggers` changes since
//    the previous one started (a 2,000-object apply, not a pod turning Ready)
//    waits until `burst.factor` × the previous sync's duration, at most
//    `burst.maxGapMs`, has passed since then: a burst is synced in fewer,
//    bigger steps while a lone change still goes after the usual gap;
//  - a failed sync is retried with exponential back-off (capped);
//  - a sync that reports IDLE_SYNC (it found nothing to change, e.g. the
//    ingress controller's NGINX conf came out the same) does not count: the
//    interval runs from the last sync that did work. Otherwise a no-op sync
//    (say, on an endpoint change no Ingress uses) delays the next real one by
//    up to minIntervalMs — right after `podnet up`, the first Ingress waited
//    behind the controller's own endpoints becoming ready.
// The clock and timers are injected so tests drive it without waiting.

import { realClock, type Clock } from './clock.js';

/** what a sync returns when it changed nothing, so that it does not hold back the next one */
export const IDLE_SYNC = 'idle';

/** the clock a SyncScheduler reads and sets its timers with */
export type SchedulerClock = Clock;

export interface SchedulerOptions {
  debounceMs: number;
  minIntervalMs: number;
  /** the gap between sync starts is at least this × the previous sync's duration (default 2) */
  busyFactor?: number;
  /** a longer gap while changes come in bursts (see the header) */
  burst?: { triggers: number; factor: number; maxGapMs: number };
  retryBaseMs?: number;
  retryMaxMs?: number;
  clock?: SchedulerClock;
  log?: (msg: string) => void;
  /** names the syncs in log lines (default "sync") */
  name?: string;
}

export class SyncScheduler {
  private timer: unknown;
  private dueAt: number | undefined;
  private running = false;
  private again = false;
  private lastStart = -Infinity;
  private lastDuration = 0;
  /** triggers since the last sync started */
  private triggers = 0;
  private failures = 0;
  private stopped = false;
  private readonly clock: SchedulerClock;
  /** settles when the current sync (if any) ends; for orderly shutdown */
  private current: Promise<void> = Promise.resolve();

  constructor(private readonly sync: () => Promise<void | typeof IDLE_SYNC>, private readonly options: SchedulerOptions) {
    this.clock = options.clock ?? realClock;
  }

  get pending(): boolean { return this.dueAt !== undefined; }

  trigger(): void {
    if (this.stopped) return;
    this.triggers++;
    if (this.running) { this.again = true; return; }
    const burst = this.options.burst;
    // a pending sync moves only when this trigger makes the changes a burst
    if (this.dueAt !== undefined && !(burst && this.triggers === burst.triggers)) return;
    const now = this.clock.now();
    if (this.dueAt !== undefined) {
      const later = this.lastStart + this.gap();
      if (later <= this.dueAt) return;
      this.clock.clearTimeout(this.timer);
      this.schedule(later - now);
      return;
    }
    this.schedule(Math.max(now + this.options.debounceMs, this.lastStart + this.gap()) - now);
  }

  /** From the last sync's start to the next: longer after a slow sync, longer still during a burst. */
  private gap(): number {
    const gap = Math.max(this.options.minIntervalMs, (this.options.busyFactor ?? 2) * this.lastDuration);
    const burst = this.options.burst;
    if (!burst || this.triggers < burst.triggers) return gap;
    return Math.max(gap, Math.min(burst.factor * this.lastDuration, burst.maxGapMs));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.dueAt = undefined;
    await this.current;
  }

  private schedule(delayMs: number): void {
    const ms = Math.max(0, delayMs);
    this.dueAt = this.clock.now() + ms;
    this.timer = this.clock.setTimeout(() => { this.current = this.fire(); }, ms);
  }

  private async fire(): Promise<void> {
    this.timer = undefined;
    this.dueAt = undefined;
    if (this.stopped) return;
    this.triggers = 0;
    this.running = true;
    this.again = false;
    const previous = { start: this.lastStart, duration: this.lastDuration };
    this.lastStart = this.clock.now();
    let failed = false;
    let idle = false;
    try {
      idle = (await this.sync()) === IDLE_SYNC;
      this.failures = 0;
    } catch (e) {
      failed = true;
      this.failures++;
      this.options.log?.(`${this.options.name ?? 'sync'} failed (attempt ${this.failures}): ${(e as Error).message}`);
    } finally {
      this.running = false;
      this.lastDuration = this.clock.now() - this.lastStart;
      if (idle) { this.lastStart = previous.start; this.lastDuration = previous.duration; }
    }
    if (this.stopped) return;
    if (failed) {
      const base = this.options.retryBaseMs ?? 500;
      this.schedule(Math.min(base * 2 ** (this.failures - 1), this.options.retryMaxMs ?? 30_000));
    } else if (this.again) {
      this.trigger();
    }
  }
}
