// ReplicaSet → Pods, as upstream's ReplicaSet controller: as many active pods
// as spec.replicas, made from the template (named `<set>-<5 random>`) or
// deleted least useful first; orphans its selector matches are adopted and
// pods it no longer matches released (controller-ref.ts). Its status counts
// them: replicas, fullyLabeledReplicas, readyReplicas, availableReplicas
// (Ready for minReadySeconds), which the Deployment controller rolls by.

import type { Pod, ReplicaSet } from '../api/types.js';
import { matchesLabelSelector } from '../api/labels.js';
import { isActive, isPodReady, msUntilAvailable } from '../api/pod-helpers.js';
import type { Client } from '../client/client.js';
import { isApiError } from '../errors.js';
import { Controller } from './controller.js';
import { claimPods, controllerRefTo, podOwnerHandlers, type PodOwner } from './controller-ref.js';
import type { EventRecorder } from './events.js';
import { keyOf, splitKey, type InformerSource, type Lister } from './informers.js';
import { createOwnedPod, deleteOwnedPod, msUntilNextAvailable, OwnedPods, podChangeMatters, sameStatus } from './workload-pods.js';
import { randomSuffix } from './template-hash.js';

const ownerOf = (rs: ReplicaSet): PodOwner => ({ obj: rs, apiVersion: 'apps/v1', kind: 'ReplicaSet', plural: 'replicasets' });

/** upstream's controller.kubernetes.io/pod-deletion-cost: a pod of lower cost goes first */
export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
const deletionCost = (p: Pod) => Number(p.metadata.annotations?.[POD_DELETION_COST] ?? 0) || 0;
const restarts = (p: Pod) => Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));

/**
 * The order pods go in when a set shrinks, least useful first, as upstream's
 * ActivePodsWithRanks: not yet on a node, then by phase (Pending, Unknown,
 * Running), not Ready, lower pod-deletion-cost, on a node with more of the
 * set's pods (`doubledUp`: the set's pods per node), Ready for less time,
 * more restarts, then the newest.
 */
export function deletionOrder(pods: readonly Pod[]): Pod[] {
  const perNode = new Map<string, number>();
  for (const p of pods) if (p.spec.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  const doubledUp = (p: Pod) => (p.spec.nodeName ? perNode.get(p.spec.nodeName) ?? 0 : 0);
  return [...pods].sort((a, b) => Number(!!a.spec.nodeName) - Number(!!b.spec.nodeName)
    || (PHASE_RANK[a.status?.phase ?? 'Pending'] ?? 0) - (PHASE_RANK[b.status?.phase ?? 'Pending'] ?? 0)
    || Number(isPodReady(a)) - Number(isPodReady(b))
    || deletionCost(a) - deletionCost(b)
    || doubledUp(b) - doubledUp(a)
    || readySince(b).localeCompare(readySince(a))
    || restarts(b) - restarts(a)
    || (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''));
}

function readySince(p: Pod): string {
  return p.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime ?? '';
}

/** Pure: how many pods to make, or which to delete, for the set's active pods. */
export function planReplicas(rs: ReplicaSet, active: Pod[]): { create: number; remove: Pod[] } {
  const diff = active.length - (rs.spec.replicas ?? 1);
  if (diff < 0) return { create: -diff, remove: [] };
  return { create: 0, remove: deletionOrder(active).slice(0, diff) };
}

/** Pure: upstream's calculateStatus (observedGeneration, counts; zeros left out as the API writes them). */
export function replicaSetStatus(rs: ReplicaSet, active: Pod[], nowMs: number): NonNullable<ReplicaSet['status']> {
  const templateLabels = rs.spec.template.metadata?.labels ?? {};
  const fullyLabeled = active.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length;
  const ready = active.filter(isPodReady).length;
  const available = active.filter((p) => msUntilAvailable(p, rs.spec.minReadySeconds ?? 0, nowMs) === 0).length;
  const counts = { replicas: active.length, fullyLabeledReplicas: fullyLabeled, readyReplicas: ready, availableReplicas: available };
  return {
    ...Object.fromEntries(Object.entries(counts).filter(([k, n]) => n !== 0 || k === 'replicas')),
    ...(rs.metadata.generation !== undefined ? { observedGeneration: rs.metadata.generation } : {}),
    ...(rs.status?.conditions ? { conditions: rs.status.conditions } : {}),
  };
}

export class ReplicaSetController extends Controller {
  private readonly sets: Lister<ReplicaSet>;
  private readonly owned: OwnedPods;

  constructor(informers: InformerSource, private readonly client: Client, private readonly events: EventRecorder) {
    super('replicaset-controller', 2);
    const sets = informers.informer<ReplicaSet>('replicasets');
    const pods = informers.informer<Pod>('pods');
    this.sets = sets;
    this.owned = new OwnedPods(pods);
    sets.addHandlers({ add: (s) => this.enqueue(keyOf(s)), update: (_o, s) => this.enqueue(keyOf(s)) });
    pods.addHandlers(podOwnerHandlers('ReplicaSet', sets, (key) => this.enqueue(key), podChangeMatters));
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const rs = this.sets.get(namespace, name);
    if (!rs || rs.metadata.deletionTimestamp) return; // the garbage collector removes its pods
    const candidates = this.owned.candidates(rs);
    const owned = await claimPods(this.client, ownerOf(rs), candidates, (p) => matchesLabelSelector(rs.spec.selector, p.metadata.labels));
    let active = owned.filter(isActive);
    const plan = planReplicas(rs, active);
    const created: Pod[] = [];
    for (let i = 0; i < plan.create; i++) created.push(await this.createPod(rs));
    for (const pod of plan.remove) await this.deletePod(rs, pod);
    const removed = new Set(plan.remove.map((p) => p.metadata.uid));
    active = [...active.filter((p) => !removed.has(p.metadata.uid)), ...created];
    const nowMs = Date.now();
    const status = replicaSetStatus(rs, active, nowMs);
    // a Ready pod becomes available minReadySeconds later: look again then
    const wait = msUntilNextAvailable(rs, active, nowMs);
    if (wait !== undefined) this.enqueueAfter(key, wait);
    if (sameStatus(rs.status, status)) return;
    try {
      await this.client.update<ReplicaSet>({ ...rs, status }, { subresource: 'status' });
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }

  private async createPod(rs: ReplicaSet): Promise<Pod> {
    const t = rs.spec.template;
    const name = `${rs.metadata.name}-${randomSuffix()}`;
    const pod: Pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        // named here, as the API server would from generateName (upstream sets only that), so the event can say it
        name, generateName: `${rs.metadata.name}-`, namespace: rs.metadata.namespace,
        labels: { ...(t.metadata?.labels ?? {}) },
        ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
        ownerReferences: [controllerRefTo(ownerOf(rs))],
      },
      // not copied: every Client copies (LocalClient) or serializes (HttpClient) what it creates
      spec: t.spec,
    };
    return createOwnedPod(this.client, this.events, rs, pod);
  }

  private deletePod(rs: ReplicaSet, pod: Pod): Promise<void> {
    return deleteOwnedPod(this.client, this.events, rs, pod);
  }
}
