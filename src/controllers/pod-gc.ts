// Pods bound to a Node that does not exist (a mistyped spec.nodeName, a Node
// object deleted): no node agent will ever run them or finish their deletion,
// so they would stay Pending, or Terminating forever once deleted. As
// upstream's PodGC (gcOrphaned), a pod whose node is still missing after a
// quarantine is marked Failed with a DisruptionTarget condition and deleted
// with grace period 0. The quarantine keeps a Node that is being registered
// (or an informer that lags) from costing anyone their pods.

import type { Node, Pod } from '../api/types.js';
import { isTerminal, nowRFC3339, setCondition } from '../api/pod-helpers.js';
import type { Client } from '../client/client.js';
import { isApiError } from '../errors.js';
import type { InformerSource, Lister } from './informers.js';
import { runEvery } from './periodic.js';

/** upstream's quarantineTime */
export const ORPHAN_QUARANTINE_MS = 40_000;
/** upstream's gcCheckPeriod */
const CHECK_EVERY_MS = 20_000;

export class PodGarbageCollector {
  private readonly nodes: Lister<Node>;
  private readonly pods: Lister<Pod>;
  /** node name → when a pod bound to it was first seen without the Node */
  private readonly missingSince = new Map<string, number>();
  private stopTimer: (() => void) | undefined;

  constructor(informers: InformerSource, private readonly client: Client, private readonly quarantineMs = ORPHAN_QUARANTINE_MS) {
    this.nodes = informers.informer<Node>('nodes');
    this.pods = informers.informer<Pod>('pods');
  }

  run(): void { this.stopTimer = runEvery(CHECK_EVERY_MS, 'pod-gc', () => this.check()); }

  stop(): void { this.stopTimer?.(); }

  /** One pass; returns the pods it deleted (namespace/name). */
  async check(now = Date.now()): Promise<string[]> {
    const existing = new Set(this.nodes.list().map((n) => n.metadata.name));
    const missing = new Set<string>();
    for (const pod of this.pods.list()) {
      const node = pod.spec.nodeName;
      if (node && !existing.has(node)) missing.add(node);
    }
    for (const node of [...this.missingSince.keys()]) if (!missing.has(node)) this.missingSince.delete(node);
    for (const node of missing) if (!this.missingSince.has(node)) this.missingSince.set(node, now);
    const gone = new Set([...this.missingSince].filter(([, since]) => now - since >= this.quarantineMs).map(([node]) => node));
    const deleted: string[] = [];
    for (const pod of this.pods.list()) {
      if (!gone.has(pod.spec.nodeName ?? '')) continue;
      try {
        await this.markFailedAndDelete(pod, now);
        deleted.push(`${pod.metadata.namespace}/${pod.metadata.name}`);
      } catch (err) {
        // gone already, or changed under us (the next pass sees it again): on to the next pod
        if (!isApiError(err, 'NotFound') && !isApiError(err, 'Conflict')) throw err;
      }
    }
    return deleted;
  }

  private async markFailedAndDelete(pod: Pod, now: number): Promise<void> {
    if (!isTerminal(pod)) {
      const stamp = nowRFC3339(new Date(now));
      const conditions = setCondition(pod.status?.conditions, {
        type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists',
      }, stamp);
      // unconditional (no resourceVersion): whatever else changed, the pod fails
      const { resourceVersion: _rv, ...metadata } = pod.metadata;
      await this.client.update<Pod>({ ...pod, metadata, status: { ...pod.status, phase: 'Failed', conditions } }, { subresource: 'status' });
    }
    await this.client.delete('pods', pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid! } });
  }
}
