// The pod half of the node agent: watches the pods bound to this node and
// keeps one PodWorker per pod; at start it re-adopts pods that survived an
// agent restart and cleans up after those that were deleted meanwhile.

import { readdirSync } from 'node:fs';
import type { Pod } from '../api/types.js';
import { PodWorker, type AgentContext } from './pod-worker.js';

export class Kubelet {
  private readonly workers = new Map<string, PodWorker>();

  constructor(private readonly ctx: AgentContext) {}

  /** Before the first sync: adopt what survived, clean what the API no longer has. */
  async adopt(current: Pod[]): Promise<void> {
    const byUid = new Map(current.map((p) => [p.metadata.uid!, p]));
    let dirs: string[] = [];
    try { dirs = readdirSync(this.ctx.podsDir); } catch { /* first start */ }
    for (const uid of dirs) {
      const state = PodWorker.loadState(this.ctx.podsDir, uid);
      if (!state || state.node !== this.ctx.nodeName) continue;
      const pod = byUid.get(uid);
      if (pod && !pod.metadata.deletionTimestamp) {
        const worker = new PodWorker(this.ctx, pod, state);
        worker.adoptContainers();
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
      worker = new PodWorker(this.ctx, pod);
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
}
