// Records Events the way client-go's recorder does: one Event object per
// (object, reason, message), its count bumped when it repeats.
//
// Events are best effort and written at low priority. Upstream, a recorder
// only queues an Event; client-go's EventBroadcaster writes it later from its
// own goroutine, behind a spam filter and the client's rate limit, so a burst
// of Events never delays a controller's own writes (and Events may lag by
// seconds when the API server is busy). Here the daemon's controllers write
// into the same one-threaded process as the API server: a 2,000-object apply
// makes 2,000 Events, and writing each one at once competed with the pods,
// statuses and EndpointSlices the apply is waiting for. So a recorder given
// an `activity` gauge (the daemon's: its store's writes other than Events,
// so that its several recorders do not take each other's writes for load)
// holds Events until the store has taken no other write for QUIET_MS, and
// then writes them a chunk per event-loop turn while it stays quiet. Bounds:
// an Event waits at most MAX_DELAY_MS (then it is written whatever the load),
// and at most MAX_QUEUED distinct Events wait (when full, the oldest are
// written at once, a chunk per turn until it is below the bound again;
// nothing is dropped, unlike client-go's broadcaster, which drops Events
// when its queue of 1,000 is full).
// Timestamps are taken when the Event is recorded, and an Event that repeats
// while it waits only bumps the waiting entry's count. A recorder without a
// gauge (the node agents': over HTTP they cannot see the daemon's load)
// writes each Event as soon as the previous one is written.

import type { Event, KubeObject, ObjectReference } from '../api/types.js';
import { nowRFC3339 } from '../api/pod-helpers.js';
import type { Client } from '../client/client.js';
import { backgroundClock, type Clock } from '../client/clock.js';

export interface EventRecorder {
  normal(obj: KubeObject, reason: string, message: string): void;
  warning(obj: KubeObject, reason: string, message: string): void;
}

/** An Event a pure plan asks for; the controller records it (recordPlanned). */
export interface PlannedEvent { type: 'Normal' | 'Warning'; reason: string; message: string }

export function recordPlanned(events: EventRecorder, obj: KubeObject, planned: readonly PlannedEvent[]): void {
  for (const e of planned) {
    if (e.type === 'Normal') events.normal(obj, e.reason, e.message); else events.warning(obj, e.reason, e.message);
  }
}

const MAX_REMEMBERED = 4096;
const NS_PER_MS = 1_000_000n;
/**
 * How long the store must stand still before waiting Events are written.
 * At 20 ms, 800-900 of a 2,000-object apply's 2,000 Events went out in the
 * short gaps between the CLI's batches (the in-process bench), a chunk of
 * 100 holding the main thread while requests queued; at 100 ms none is
 * written until the burst is over, and a `describe` a moment after a
 * command still finds them (docs/bench-controlplane.md (a14)).
 */
export const QUIET_MS = 100;
/** an Event waits no longer than this, however busy the daemon is */
export const MAX_DELAY_MS = 5_000;
/** distinct Events waiting at most; beyond it the oldest are written at once */
export const MAX_QUEUED = 5_000;
/** Events written per event-loop turn while draining (one store commit group each) */
export const DRAIN_CHUNK = 100;

/** a random sub-millisecond start, so two processes naming an Event in the same ms differ */
const PROCESS_OFFSET_NS = BigInt(Math.floor(Math.random() * 1_000_000));
let lastStamp = 0n;
/**
 * Upstream names an Event `<object>.<UnixNano in hex>`; milliseconds are all
 * JavaScript has, so the nanoseconds count up within one to keep names unique
 * in this process (a restarted daemon starts at a later time). Cheaper than
 * 8 random bytes per Event (a getrandom call each).
 */
function eventSuffix(nowMs: number): string {
  const now = BigInt(nowMs) * NS_PER_MS + PROCESS_OFFSET_NS;
  lastStamp = now > lastStamp ? now : lastStamp + 1n;
  return lastStamp.toString(16);
}

/** Time and timers, injectable so tests run without waiting. */
export interface RecorderClock extends Clock {
  /** runs fn in a later event-loop turn (after pending I/O) */
  setImmediate(fn: () => void): void;
}

/** unref'd timers: waiting Events never keep a process alive (close() writes them) */
const recorderClock: RecorderClock = { ...backgroundClock, setImmediate: (fn) => { setImmediate(fn); } };

export interface RecorderOptions {
  /** source.host of the Events (a kubelet's node name) */
  host?: string;
  /**
   * A number that moves whenever the process the Events are written to takes
   * a write other than an Event (the daemon's store's). Given, Events wait
   * for a quiet moment; absent, each is written at once.
   */
  activity?: () => number;
  clock?: RecorderClock;
}

interface Pending {
  key: string;
  involvedObject: ObjectReference;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  /** clock.now() when first recorded: MAX_DELAY_MS counts from here */
  since: number;
}

export class ApiEventRecorder implements EventRecorder {
  private readonly seen = new Map<string, Event>();
  /** waiting Events by key, oldest first (a Map keeps insertion order) */
  private readonly queue = new Map<string, Pending>();
  private readonly host: string | undefined;
  private readonly activity: (() => number) | undefined;
  private readonly clock: RecorderClock;
  private timer: unknown;
  private lastActivity = 0;
  private writing = false;
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly client: Client, private readonly component: string, options: RecorderOptions = {}) {
    this.host = options.host;
    this.activity = options.activity;
    this.clock = options.clock ?? recorderClock;
  }

  normal(obj: KubeObject, reason: string, message: string): void { this.record(obj, 'Normal', reason, message); }
  warning(obj: KubeObject, reason: string, message: string): void { this.record(obj, 'Warning', reason, message); }

  /** Events waiting to be written (tests, and whoever wants to know the backlog). */
  get waiting(): number { return this.queue.size; }

  /** Events are best effort: they never fail or block the caller's sync. */
  private record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const key = `${obj.metadata.uid}|${type}|${reason}|${message}`;
    const now = this.clock.now();
    const stamp = nowRFC3339(new Date(now));
    const queued = this.queue.get(key);
    if (queued) {
      queued.count++;
      queued.lastTimestamp = stamp;
      return;
    }
    this.queue.set(key, {
      key, type, reason, message, count: 1, firstTimestamp: stamp, lastTimestamp: stamp, since: now,
      involvedObject: {
        apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name,
        ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
        ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
      },
    });
    this.schedule();
  }

  /** Writes what waits and stops the timer; resolves once it is written. Later Events are written at once. */
  close(): Promise<void> {
    this.closed = true;
    if (this.queue.size === 0 && !this.writing) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.cancelTimer();
    if (!this.writing) void this.drain(true);
    return done;
  }

  private schedule(): void {
    if (this.writing) return; // the running drain takes what comes
    if (!this.activity || this.closed) { void this.drain(true); return; }
    if (this.queue.size >= MAX_QUEUED) { this.cancelTimer(); void this.drain(false); return; }
    if (this.timer !== undefined) return;
    this.lastActivity = this.activity();
    this.timer = this.clock.setTimeout(() => this.tick(), QUIET_MS);
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One look at the gauge every QUIET_MS while Events wait. */
  private tick(): void {
    this.timer = undefined;
    if (this.queue.size === 0 || this.writing) return;
    const now = this.activity!();
    const quiet = now === this.lastActivity;
    this.lastActivity = now;
    if (quiet || this.mustWrite()) { void this.drain(false); return; }
    this.timer = this.clock.setTimeout(() => this.tick(), QUIET_MS);
  }

  /** the oldest waiting Event is overdue, or the queue is full */
  private mustWrite(): boolean {
    if (this.queue.size >= MAX_QUEUED) return true;
    const oldest = this.queue.values().next().value as Pending | undefined;
    return oldest !== undefined && this.clock.now() - oldest.since >= MAX_DELAY_MS;
  }

  /**
   * Writes the queue a chunk per turn. Without a gauge (or when forced) until
   * it is empty; otherwise while the store stays quiet between chunks (only
   * this recorder wrote) or something must be written, then back to ticking.
   */
  private async drain(all: boolean): Promise<void> {
    this.writing = true;
    try {
      for (;;) {
        let n = 0;
        for (const p of this.queue.values()) {
          if (n++ >= DRAIN_CHUNK) break;
          this.queue.delete(p.key);
          try { await this.write(p); } catch { /* best effort: the Event is lost, as upstream's would be */ }
        }
        if (this.queue.size === 0) break;
        const mine = this.activity?.();
        await new Promise<void>((resolve) => this.clock.setImmediate(resolve));
        if (all || this.idleWaiters.length > 0) continue;
        if (this.activity?.() !== mine && !this.mustWrite()) break;
      }
    } finally {
      this.writing = false;
    }
    if (this.queue.size > 0) { this.schedule(); return; }
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private async write(p: Pending): Promise<void> {
    const prev = this.seen.get(p.key);
    if (prev) {
      try {
        const updated = await this.client.patch<Event>('events', namespaceOf(p), prev.metadata.name!, { count: (prev.count ?? 1) + p.count, lastTimestamp: p.lastTimestamp });
        this.seen.set(p.key, updated);
        return;
      } catch { this.seen.delete(p.key); }
    }
    const event: Event = {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name: `${p.involvedObject.name ?? ''}.${eventSuffix(this.clock.now())}`, namespace: namespaceOf(p) },
      involvedObject: p.involvedObject,
      reason: p.reason, message: p.message, type: p.type, count: p.count, firstTimestamp: p.firstTimestamp, lastTimestamp: p.lastTimestamp,
      source: { component: this.component, ...(this.host ? { host: this.host } : {}) },
      reportingComponent: this.component,
    };
    const created = await this.client.create(event);
    if (this.seen.size >= MAX_REMEMBERED) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(p.key, created);
  }
}

/** An Event lives in its object's namespace; a cluster-scoped object's Events in default, as upstream. */
function namespaceOf(p: Pending): string { return p.involvedObject.namespace ?? 'default'; }

/** For unit tests: remembers events instead of writing them. */
export class FakeEventRecorder implements EventRecorder {
  readonly events: { type: string; reason: string; message: string; object: string }[] = [];
  normal(obj: KubeObject, reason: string, message: string): void { this.events.push({ type: 'Normal', reason, message, object: `${obj.kind}/${obj.metadata.name}` }); }
  warning(obj: KubeObject, reason: string, message: string): void { this.events.push({ type: 'Warning', reason, message, object: `${obj.kind}/${obj.metadata.name}` }); }
}
