// Target health as a cloud load balancer keeps it: every check runs on its own
// interval, and a target changes state only after a run of equal results
// (AWS NLB: HealthyThresholdCount / UnhealthyThresholdCount). The state
// machine is pure (nextHealth); the scheduler takes its probe and its clock
// from the caller, so tests drive it with fakes.
//
// Numbers (docs/cloud.md): interval 1 s, timeout 0.9 s, unhealthy after 2
// failures, healthy after 2 successes. A new target ("initial", not in
// service) is checked at once and admitted by its first success, so a new
// Service or node takes traffic as soon as it answers; it is reported
// unhealthy after the usual 2 failures, and stays admitted by one success
// until it has been in service once (the 2-success threshold guards against
// flapping, and a target that never served cannot flap). For its first
// NEW_TARGET_WINDOW_MS such a target is checked every NEW_TARGET_INTERVAL_MS:
// a new LoadBalancer Service whose pods are still starting (with
// externalTrafficPolicy: Local the check fails until a local pod is ready)
// then takes traffic ≤ 0.1 s after its node's rules know its first ready pod,
// not up to 2 s (`podnet up` waits for it: the outside path works when up returns).
// A node that starts failing right after a good check is out after the next
// two checks: ≤ 2 s when it refuses connections, ≤ 2.9 s when it stops
// answering (timeout), plus one nft transaction (~10 ms) — inside the 5 s
// the issue asks for. It returns after two good checks (≤ 2 s).

import { realClock, type Clock } from '../client/clock.js';
import type { ProbeTarget } from './lb-model.js';

export const HEALTH_INTERVAL_MS = 1_000;
export const HEALTH_TIMEOUT_MS = 900;
export const HEALTHY_THRESHOLD = 2;
export const UNHEALTHY_THRESHOLD = 2;
/** how often a target that has never been in service is checked while it is new */
export const NEW_TARGET_INTERVAL_MS = 100;
/** how long a target counts as new (then it is checked every interval like the others) */
export const NEW_TARGET_WINDOW_MS = 10_000;

export type HealthState = 'initial' | 'healthy' | 'unhealthy';

export interface HealthRecord {
  state: HealthState;
  /** consecutive results of the kind that would change the state */
  streak: number;
  /** what the last check said: "ok", "ECONNREFUSED", "HTTP 503", "timeout after 900 ms" */
  detail: string;
  /** clock time of the last state change */
  since: number;
  /** it has been healthy (in service) at least once */
  served: boolean;
}

export interface Thresholds { healthy: number; unhealthy: number }

export const DEFAULT_THRESHOLDS: Thresholds = { healthy: HEALTHY_THRESHOLD, unhealthy: UNHEALTHY_THRESHOLD };

export function initialRecord(now: number): HealthRecord {
  return { state: 'initial', streak: 0, detail: 'not checked yet', since: now, served: false };
}

/** One check result applied to a record (pure). */
export function nextHealth(rec: HealthRecord, ok: boolean, detail: string, now: number, t: Thresholds = DEFAULT_THRESHOLDS): HealthRecord {
  const to = (state: HealthState): HealthRecord => ({ state, streak: 0, detail, since: now, served: rec.served || state === 'healthy' });
  switch (rec.state) {
    case 'initial': {
      // Not in service yet either way: one success admits it, failures need the full run.
      if (ok) return to('healthy');
      const streak = rec.streak + 1;
      return streak >= t.unhealthy ? to('unhealthy') : { ...rec, streak, detail };
    }
    case 'healthy': {
      if (ok) return { ...rec, streak: 0, detail };
      const streak = rec.streak + 1;
      return streak >= t.unhealthy ? to('unhealthy') : { ...rec, streak, detail };
    }
    case 'unhealthy': {
      if (!ok) return { ...rec, streak: 0, detail };
      const streak = rec.streak + 1;
      return streak >= t.healthy || !rec.served ? to('healthy') : { ...rec, streak, detail };
    }
  }
}

export interface ProbeResult { ok: boolean; detail: string }
export type Prober = (target: ProbeTarget, timeoutMs: number) => Promise<ProbeResult>;

export { realClock, type Clock } from '../client/clock.js';

export interface Transition { target: ProbeTarget; from: HealthState; to: HealthState; detail: string }

export interface HealthCheckerOptions {
  probe: Prober;
  onTransition: (t: Transition) => void;
  clock?: Clock;
  intervalMs?: number;
  timeoutMs?: number;
  thresholds?: Thresholds;
  newTargetWindowMs?: number;
}

interface Running { target: ProbeTarget; record: HealthRecord; added: number; timer?: unknown; stopped: boolean; firstResult: Promise<void>; resolveFirst: () => void }

export class HealthChecker {
  private readonly running = new Map<string, Running>();
  private readonly clock: Clock;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly thresholds: Thresholds;
  private readonly newTargetWindowMs: number;

  constructor(private readonly options: HealthCheckerOptions) {
    this.clock = options.clock ?? realClock;
    this.intervalMs = options.intervalMs ?? HEALTH_INTERVAL_MS;
    this.timeoutMs = options.timeoutMs ?? HEALTH_TIMEOUT_MS;
    this.thresholds = options.thresholds ?? DEFAULT_THRESHOLDS;
    this.newTargetWindowMs = options.newTargetWindowMs ?? NEW_TARGET_WINDOW_MS;
  }

  /** Starts checks for new targets (the first one at once) and stops those no longer wanted; returns how many are new. */
  setTargets(targets: readonly ProbeTarget[]): number {
    const wanted = new Map(targets.map((t) => [t.id, t]));
    for (const [id, r] of this.running) {
      if (wanted.has(id)) continue;
      r.stopped = true;
      r.resolveFirst();
      if (r.timer !== undefined) this.clock.clearTimeout(r.timer);
      this.running.delete(id);
    }
    let added = 0;
    for (const [id, target] of wanted) {
      if (this.running.has(id)) continue;
      added++;
      let resolveFirst!: () => void;
      const firstResult = new Promise<void>((resolve) => { resolveFirst = resolve; });
      const r: Running = { target, record: initialRecord(this.clock.now()), added: this.clock.now(), stopped: false, firstResult, resolveFirst };
      this.running.set(id, r);
      void this.check(r);
    }
    return added;
  }

  isHealthy(id: string): boolean { return this.running.get(id)?.record.state === 'healthy'; }
  record(id: string): HealthRecord | undefined { return this.running.get(id)?.record; }
  get size(): number { return this.running.size; }

  /** Resolves once every current target has had its first result (a restarted agent waits for it). */
  async settled(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.firstResult));
  }

  stop(): void {
    for (const r of this.running.values()) r.resolveFirst();
    this.setTargets([]);
  }

  private async check(r: Running): Promise<void> {
    const started = this.clock.now();
    let result: ProbeResult;
    try {
      result = await this.options.probe(r.target, this.timeoutMs);
    } catch (err) {
      result = { ok: false, detail: (err as Error).message };
    }
    if (r.stopped) return;
    r.resolveFirst();
    const before = r.record.state;
    r.record = nextHealth(r.record, result.ok, result.detail, this.clock.now(), this.thresholds);
    if (r.record.state !== before) this.options.onTransition({ target: r.target, from: before, to: r.record.state, detail: result.detail });
    // Checks start one interval apart, however long each took (never overlapping).
    const young = !r.record.served && this.clock.now() - r.added < this.newTargetWindowMs;
    const interval = young ? Math.min(NEW_TARGET_INTERVAL_MS, this.intervalMs) : this.intervalMs;
    const wait = Math.max(0, interval - (this.clock.now() - started));
    r.timer = this.clock.setTimeout(() => { r.timer = undefined; void this.check(r); }, wait);
  }
}
