// Marks a Node whose agent stopped heartbeating as Ready=Unknown (upstream's
// "Kubelet stopped posting node status."), and its pods not Ready so Services
// stop sending them traffic, as the node lifecycle controller does.

import type { Node, Pod } from '../api/types.js';
import { getCondition, nowRFC3339, setCondition } from '../api/pod-helpers.js';
import type { Client } from '../client/client.js';
import type { EventRecorder } from './events.js';
import type { InformerSource, Lister } from './informers.js';
import { runEvery } from './periodic.js';

/** The agent heartbeats every 2 s; a node silent for this long is Unknown. */
export const NODE_GRACE_MS = 10_000;
/** the reason of the Ready condition of a pod whose node stopped reporting */
export const NODE_NOT_READY = 'NodeNotReady';
const CHECK_EVERY_MS = 2_000;

export function isHeartbeatStale(node: Node, now: number, graceMs = NODE_GRACE_MS): boolean {
  const ready = getCondition(node.status?.conditions, 'Ready');
  if (!ready || ready.status === 'Unknown') return false;
  const beat = Date.parse(ready.lastHeartbeatTime ?? ready.lastTransitionTime ?? '');
  return Number.isFinite(beat) && now - beat > graceMs;
}

export class NodeLifecycleController {
  private readonly nodes: Lister<Node>;
  private readonly pods: Lister<Pod>;
  private stopTimer: (() => void) | undefined;

  constructor(informers: InformerSource, private readonly client: Client, private readonly events: EventRecorder) {
    this.nodes = informers.informer<Node>('nodes');
    this.pods = informers.informer<Pod>('pods');
  }

  run(): void { this.stopTimer = runEvery(CHECK_EVERY_MS, 'node-lifecycle', () => this.check()); }

  stop(): void { this.stopTimer?.(); }

  async check(now = Date.now()): Promise<void> {
    for (const node of this.nodes.list()) {
      if (!isHeartbeatStale(node, now)) continue;
      const stamp = nowRFC3339(new Date(now));
      const conditions = setCondition(node.status?.conditions, {
        type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.',
        lastHeartbeatTime: getCondition(node.status?.conditions, 'Ready')?.lastHeartbeatTime ?? stamp,
      }, stamp);
      await this.client.update<Node>({ ...node, status: { ...node.status, conditions } }, { subresource: 'status' });
      this.events.normal(node, 'NodeNotReady', `Node ${node.metadata.name} status is now: NodeNotReady`);
      for (const pod of this.pods.list().filter((p) => p.spec.nodeName === node.metadata.name)) {
        const podConditions = setCondition(setCondition(pod.status?.conditions, { type: 'Ready', status: 'False', reason: NODE_NOT_READY }, stamp), { type: 'ContainersReady', status: 'False', reason: NODE_NOT_READY }, stamp);
        await this.client.update<Pod>({ ...pod, status: { ...pod.status, conditions: podConditions } }, { subresource: 'status' }).catch(() => undefined);
      }
    }
  }
}
