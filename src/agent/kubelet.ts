// The pod half of the node agent: watches the pods bound to this node and
// keeps one PodWorker per pod; at start it re-adopts pods that survived an
// agent restart and cleans up after those that were deleted meanwhile. Then,
// and every HOUSEKEEPING_MS, it retries the teardowns that failed and runs
// CNI GC, so an address leaked by a crash or a failed DEL comes back.

import { readdirSync } from 'node:fs';
import type { Pod } from '../api/types.js';
import { PodWorker, type AgentContext } from './pod-worker.js';
import { cniGc } from './sandbox.js';

/** GC costs a readdir of the pods, a CNI call and one `ip` listing the bridge's ports */
const HOUSEKEEPING_MS = 60_000;
/** after a failed teardown (CNI DEL waits up to 60 s on a busy IPAM lock), try again this soon */
const TEARDOWN_RETRY_MS = 10_000;
/** every podnet pod has one attachment, eth0 (sandbox.ts: cniAdd) */
const POD_IFNAME = 'eth0';

export class Kubelet {
  private readonly workers = new Map<string, PodWorker>();
  private readonly ctx: AgentContext;
  /** set once adopt() is over and the handlers run: housekeeping before would take adopted pods for orphans */
  private housekeepingStarted = false;
  private housekeeping: Promise<void> | undefined;
  private housekeepingTimer: NodeJS.Timeout | undefined;

  constructor(ctx: AgentContext) {
    this.ctx = { ...ctx, teardownFailed: () => this.scheduleHousekeeping(TEARDOWN_RETRY_MS) };
  }

  /** Before the first sync: adopt what survived, clean what the API no longer has. */
  async adopt(current: Pod[]): Promise<void> {
    const byUid = new Map(current.map((p) => [p.metadata.uid!, p]));
    for (const uid of this.podDirs()) {
      const state = PodWorker.loadState(this.ctx.podsDir, uid);
      if (!state || state.node !== this.ctx.nodeName) continue;
      const pod = byUid.get(uid);
      if (pod && !pod.metadata.deletionTimestamp) {
        const worker = new PodWorker(this.ctx, pod, state);
        // a pod that ended is not run again: its directory (logs) stays until it is deleted
        if (state.terminal || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') worker.adoptTerminal();
        else worker.adoptContainers();
        this.workers.set(uid, worker);
      } else {
        await PodWorker.cleanupOrphan(this.ctx, state);
      }
    }
  }

  sync(pod: Pod): void {
    if (pod.spec.nodeName !== this.ctx.nodeName) return;
    const uid = pod.metadata.uid!;
    let worker = this.workers.get(uid);
    if (!worker) {
      if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') {
        if (!pod.metadata.deletionTimestamp) return;
      }
      // A state.json without a worker is a teardown waiting for its retry:
      // the new worker starts from it, so it cannot forget the netns and IP.
      worker = new PodWorker(this.ctx, pod, PodWorker.loadState(this.ctx.podsDir, uid));
      this.workers.set(uid, worker);
    }
    void worker.update(pod).then(() => { if (worker!.done) this.workers.delete(uid); });
  }

  /**
   * Workers whose pod is no longer in `current`: a pod deleted while adopt()
   * awaited orphan cleanups sent its DELETED event before any handler was
   * there to hear it. Call after the handlers are attached.
   */
  removeMissing(current: readonly Pod[]): void {
    const present = new Set(current.map((p) => p.metadata.uid!));
    for (const [uid, worker] of this.workers) if (!present.has(uid)) this.remove(worker.pod);
  }

  remove(pod: Pod): void {
    const uid = pod.metadata.uid!;
    const worker = this.workers.get(uid);
    if (!worker) return;
    void worker.removed().then(() => this.workers.delete(uid));
  }

  podCount(): number { return this.workers.size; }

  /** A ConfigMap or Secret was added, changed or deleted: the pods of its namespace that read it follow. */
  configChanged(kind: 'configMap' | 'secret', namespace: string, name: string): void {
    for (const worker of this.workers.values()) if (worker.pod.metadata.namespace === namespace) worker.configChanged(kind, name);
  }

  /**
   * Call once adopt() is done and the handlers are attached: housekeeps now
   * and every HOUSEKEEPING_MS. A node without pod directories (a new node in
   * `up`, where a GC call would compete for the CPU with the way to Ready)
   * waits for the first period.
   */
  startHousekeeping(): Promise<void> {
    this.housekeepingStarted = true;
    if (this.podDirs().length === 0) { this.scheduleHousekeeping(HOUSEKEEPING_MS); return Promise.resolve(); }
    return this.housekeep();
  }

  stopHousekeeping(): void {
    this.housekeepingStarted = false;
    clearTimeout(this.housekeepingTimer);
  }

  /**
   * Retries failed teardowns, then runs CNI GC; one run at a time (a call
   * during a run gets that run). Failures are logged and retried next time.
   */
  housekeep(): Promise<void> {
    if (!this.housekeepingStarted) return Promise.resolve();
    this.housekeeping ??= this.retryTeardowns().then(() => this.collectGarbage())
      .catch((e) => { process.stderr.write(`[agent ${this.ctx.nodeName}] housekeeping: ${(e as Error).message}\n`); })
      .finally(() => { this.housekeeping = undefined; this.scheduleHousekeeping(HOUSEKEEPING_MS); });
    return this.housekeeping;
  }

  private scheduleHousekeeping(ms: number): void {
    if (!this.housekeepingStarted) return;
    clearTimeout(this.housekeepingTimer);
    this.housekeepingTimer = setTimeout(() => { void this.housekeep(); }, ms);
    this.housekeepingTimer.unref();
  }

  /**
   * A pod directory no worker owns is a teardown that failed
   * (PodWorker.terminate kept it): try it again. So is a finished pod's
   * sandbox that is still there (its teardown failed when it ended).
   */
  private async retryTeardowns(): Promise<void> {
    for (const worker of [...this.workers.values()]) await worker.retryFinishedTeardown();
    for (const uid of this.podDirs()) {
      if (this.workers.has(uid)) continue;
      const state = PodWorker.loadState(this.ctx.podsDir, uid);
      if (!state || state.node !== this.ctx.nodeName || this.workers.has(uid)) continue;
      await PodWorker.cleanupOrphan(this.ctx, state);
    }
  }

  /**
   * CNI GC with every attachment this node still has as the valid list.
   *
   * Why a pod being created can never be collected: its worker is in
   * `workers` (sync adds it before its first update runs) and its state.json
   * names its container ID before CNI ADD is called (ensureSandbox persists
   * the netns first), and every ADD runs inside a sandbox slot. The list is
   * built and GC runs while this holds *all* the slots, so no ADD is in
   * flight: every address already allocated belongs to a worker or a
   * state.json read below, and any ADD that follows starts after GC is done.
   * An ADD still running from a previous agent (killed -9) is for a pod
   * whose state.json was written before it, so that pod is on the list too
   * (adopted) or was torn down by adopt() with CNI DEL; an address such an
   * ADD takes after that DEL is collected by the next run.
   * A pod whose teardown failed keeps its state.json, so GC leaves its
   * address to the teardown retry (which releases it with DEL).
   */
  private async collectGarbage(): Promise<void> {
    const config = this.ctx.cniConfig();
    if (!config) return;
    await this.ctx.sandboxSlots.runExclusive(async () => {
      const valid = new Set([...this.workers.values()].map((w) => w.containerId));
      for (const uid of this.podDirs()) {
        const state = PodWorker.loadState(this.ctx.podsDir, uid);
        if (state?.node === this.ctx.nodeName) valid.add(state.containerId);
      }
      await cniGc(config, this.ctx.cniPath, [...valid].sort().map((containerID) => ({ containerID, ifname: POD_IFNAME })));
    });
  }

  private podDirs(): string[] {
    try { return readdirSync(this.ctx.podsDir); } catch { return []; /* first start */ }
  }
}
