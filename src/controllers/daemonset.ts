// DaemonSet → one pod per node that fits, as kube-controller-manager's
// DaemonSet controller keeps it (pkg/controller/daemon). A sync first
// "manages": a node that should run the pod and has none gets one, made for
// that node (daemonset-placement.ts); a node that no longer fits loses its
// pods; a node with more than one keeps the oldest; a failed pod is deleted
// so the next sync replaces it. Only when that changed nothing does it roll
// (upstream waits for its expectations the same way): RollingUpdate deletes
// old-template pods while fewer than maxUnavailable nodes are unavailable
// (the manage step of a later sync makes their replacements, so it goes node
// by node, each new pod available for minReadySeconds before the next), or
// with maxSurge makes the new pod beside the old one and deletes the old once
// the new is available; OnDelete replaces only the pods someone deleted.
//
// podnet has no ControllerRevisions: the controller-revision-hash label is
// the template's hash (template-hash.ts), and pod-template-generation the
// set's deprecated.daemonset.template.generation (strategies.ts). A pod is
// up to date when either matches, as upstream's IsPodUpdated says.

import type { DaemonSet, Node, Pod } from '../api/types.js';
import { matchesLabelSelector } from '../api/labels.js';
import { isPodReady, msUntilAvailable } from '../api/pod-helpers.js';
import type { Client } from '../client/client.js';
import { isApiError } from '../errors.js';
import { templateGenerationOf } from '../api/template-generation.js';
import { Controller } from './controller.js';
import { claimPods, controllerRefTo, podOwnerHandlers, type PodOwner } from './controller-ref.js';
import { affinityForNode, nodeFit, targetNodeOf, withDaemonTolerations } from './daemonset-placement.js';
import type { EventRecorder } from './events.js';
import { keyOf, splitKey, type InformerSource, type Lister } from './informers.js';
import { nodeSchedulingChanged } from './scheduler.js';
import { REVISION_LABEL } from './statefulset.js';
import { randomSuffix, templateHash } from './template-hash.js';
import {
  byCreation, createOwnedPod, deleteOwnedPod, msUntilNextAvailable, OwnedPods, podChangeMatters, resolveIntOrPercent, sameStatus,
} from './workload-pods.js';

export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

const ownerOf = (ds: DaemonSet): PodOwner => ({ obj: ds, apiVersion: 'apps/v1', kind: 'DaemonSet', plural: 'daemonsets' });

/** The controller-revision-hash of the set's current template (status.collisionCount moves it aside, as upstream's). */
export function daemonSetHash(ds: DaemonSet): string {
  return templateHash(ds.spec.template, ds.status?.collisionCount);
}

/** Upstream's IsPodUpdated: the pod carries the current hash or the current template generation. */
export function isPodUpdated(ds: DaemonSet, pod: Pod, hash = daemonSetHash(ds)): boolean {
  const labels = pod.metadata.labels ?? {};
  return labels[REVISION_LABEL] === hash || labels[TEMPLATE_GENERATION_LABEL] === String(templateGenerationOf(ds));
}

export interface DaemonSetPlan {
  /** nodes to make a pod for */
  create: string[];
  /** pods to delete */
  remove: Pod[];
  /** the failed pods among remove (upstream warns about each) */
  failed: Pod[];
}

/** Oldest first (upstream's podByCreationTimestampAndPhase), the name breaking ties. */
function byAge(pods: readonly Pod[]): Pod[] {
  return [...pods].sort(byCreation);
}

function podsByNode(pods: readonly Pod[], keep: (p: Pod) => boolean): Map<string, Pod[]> {
  const m = new Map<string, Pod[]>();
  for (const p of pods) {
    const node = targetNodeOf(p);
    if (!node || !keep(p)) continue;
    const onNode = m.get(node);
    if (onNode) onNode.push(p); else m.set(node, [p]);
  }
  return m;
}

const sortedNodes = (nodes: readonly Node[]) => [...nodes].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
const deleting = (p: Pod) => !!p.metadata.deletionTimestamp;
const available = (ds: DaemonSet, p: Pod, nowMs: number) => msUntilAvailable(p, ds.spec.minReadySeconds ?? 0, nowMs) === 0;

/** maxSurge and maxUnavailable as numbers of nodes (percentages of the desired ones, rounded up); both 0 would stall, so unavailable is then 1, as upstream. */
function rollingBounds(ds: DaemonSet, desired: number): { maxSurge: number; maxUnavailable: number } {
  const ru = ds.spec.updateStrategy?.rollingUpdate;
  const maxSurge = resolveIntOrPercent(ru?.maxSurge, desired, true, '0');
  const maxUnavailable = resolveIntOrPercent(ru?.maxUnavailable, desired, true, '1');
  return { maxSurge, maxUnavailable: maxSurge === 0 && maxUnavailable === 0 ? 1 : maxUnavailable };
}

/**
 * Pure: upstream's manage step, then (only when it has nothing to do) the
 * rolling update, for every pod the set owns (terminating ones included),
 * the cluster's nodes and the time (minReadySeconds).
 */
export function planDaemonSet(ds: DaemonSet, nodes: readonly Node[], pods: readonly Pod[], nowMs: number): DaemonSetPlan {
  const plan: DaemonSetPlan = { create: [], remove: [], failed: [] };
  const hash = daemonSetHash(ds);
  const byNode = podsByNode(pods, () => true);
  const fits = sortedNodes(nodes).map((node) => ({ name: node.metadata.name!, fit: nodeFit(ds.spec.template.spec, node) }));
  const bounds = rollingBounds(ds, fits.filter((n) => n.fit.shouldRun).length);
  const surge = ds.spec.updateStrategy?.type !== 'OnDelete' && bounds.maxSurge > 0;
  for (const { name, fit } of fits) {
    const onNode = byNode.get(name) ?? [];
    const live = onNode.filter((p) => !deleting(p));
    // a node whose only pod is still terminating waits for it (a hostPort is free only then)
    if (fit.shouldRun && onNode.length === 0) { plan.create.push(name); continue; }
    if (!fit.shouldContinueRunning) { plan.remove.push(...live); continue; }
    const failed = live.filter((p) => p.status?.phase === 'Failed');
    plan.failed.push(...failed);
    plan.remove.push(...failed);
    // the oldest stays; while surging, the oldest of each revision
    const kept = new Set<boolean>();
    for (const p of byAge(live.filter((x) => x.status?.phase !== 'Failed'))) {
      const kind = surge ? isPodUpdated(ds, p, hash) : true;
      if (kept.has(kind)) plan.remove.push(p); else kept.add(kind);
    }
  }
  if (plan.create.length > 0 || plan.remove.length > 0 || ds.spec.updateStrategy?.type === 'OnDelete') return plan;
  return surge ? planSurge(ds, fits, byNode, bounds.maxSurge, nowMs, hash) : planUnavailable(ds, fits, byNode, bounds.maxUnavailable, nowMs, hash);
}

type NodeFits = { name: string; fit: { shouldRun: boolean } }[];

/** Upstream's findUpdatedPodsOnNode: at most one new and one old live pod, else undefined (the manage step cleans up). */
function splitByRevision(ds: DaemonSet, pods: readonly Pod[], hash: string): { newPod?: Pod; oldPod?: Pod } | undefined {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const p of pods) {
    if (deleting(p)) continue;
    if (isPodUpdated(ds, p, hash)) { if (newPod) return undefined; newPod = p; } else { if (oldPod) return undefined; oldPod = p; }
  }
  return { newPod, oldPod };
}

/**
 * maxSurge 0: old pods are deleted while fewer than maxUnavailable nodes are
 * unavailable (a node without a pod, with a new one not yet available, or in
 * between counts); an old pod that is unavailable anyway goes at once.
 */
function planUnavailable(ds: DaemonSet, fits: NodeFits, byNode: Map<string, Pod[]>, maxUnavailable: number, nowMs: number, hash: string): DaemonSetPlan {
  let unavailable = 0;
  const replace: Pod[] = [];
  const candidates: Pod[] = [];
  for (const { name } of fits) {
    const onNode = byNode.get(name);
    if (!onNode) continue;
    const split = splitByRevision(ds, onNode, hash);
    if (!split || !!split.newPod === !!split.oldPod) { unavailable++; continue; }
    if (split.newPod) { if (!available(ds, split.newPod, nowMs)) unavailable++; continue; }
    if (!available(ds, split.oldPod!, nowMs)) replace.push(split.oldPod!);
    else candidates.push(split.oldPod!);
  }
  const room = Math.max(0, Math.min(maxUnavailable - unavailable, candidates.length));
  return { create: [], remove: [...replace, ...candidates.slice(0, room)], failed: [] };
}

/** maxSurge: the new pod is made beside the old on up to maxSurge nodes at once, and the old deleted once the new is available. */
function planSurge(ds: DaemonSet, fits: NodeFits, byNode: Map<string, Pod[]>, maxSurge: number, nowMs: number, hash: string): DaemonSetPlan {
  let surging = 0;
  const remove: Pod[] = [];
  const replaceNow: string[] = [];
  const candidates: string[] = [];
  for (const { name, fit } of fits) {
    const onNode = byNode.get(name);
    if (!onNode || !fit.shouldRun) continue;
    const split = splitByRevision(ds, onNode, hash);
    if (!split) { surging++; continue; }
    const { newPod, oldPod } = split;
    if (!oldPod) continue;
    if (!newPod) { if (!available(ds, oldPod, nowMs)) replaceNow.push(name); else candidates.push(name); continue; }
    if (available(ds, newPod, nowMs)) remove.push(oldPod); else surging++;
  }
  const room = Math.max(0, Math.min(maxSurge - surging, candidates.length));
  return { create: [...replaceNow, ...candidates.slice(0, room)], remove, failed: [] };
}

/**
 * Pure: upstream's updateDaemonSetStatus. Per node that should run the pod:
 * scheduled when it has one (a deleted pod that has finished no longer
 * counts), and the oldest decides ready, available and up to date; a node
 * that should not run it but has one is misscheduled. The four counts
 * without omitempty are always written, the others only when not 0.
 */
export function daemonSetStatus(ds: DaemonSet, nodes: readonly Node[], pods: readonly Pod[], nowMs: number): NonNullable<DaemonSet['status']> {
  const hash = daemonSetHash(ds);
  const byNode = podsByNode(pods, (p) => !(deleting(p) && (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed')));
  let desired = 0, current = 0, misscheduled = 0, ready = 0, avail = 0, updated = 0;
  for (const node of nodes) {
    const onNode = byNode.get(node.metadata.name!) ?? [];
    if (!nodeFit(ds.spec.template.spec, node).shouldRun) { if (onNode.length > 0) misscheduled++; continue; }
    desired++;
    if (onNode.length === 0) continue;
    current++;
    const oldest = byAge(onNode)[0]!;
    if (isPodReady(oldest)) { ready++; if (available(ds, oldest, nowMs)) avail++; }
    if (isPodUpdated(ds, oldest, hash)) updated++;
  }
  const optional = { updatedNumberScheduled: updated, numberAvailable: avail, numberUnavailable: desired - avail };
  return {
    currentNumberScheduled: current, numberMisscheduled: misscheduled, desiredNumberScheduled: desired, numberReady: ready,
    ...(ds.metadata.generation !== undefined ? { observedGeneration: ds.metadata.generation } : {}),
    ...Object.fromEntries(Object.entries(optional).filter(([, n]) => n > 0)),
    ...(ds.status?.collisionCount !== undefined ? { collisionCount: ds.status.collisionCount } : {}),
    ...(ds.status?.conditions ? { conditions: ds.status.conditions } : {}),
  };
}

/** Pure: the pod the set makes for `node`: its template, the daemon tolerations, the node affinity naming the node, and the revision labels. */
export function daemonPodFor(ds: DaemonSet, node: string, name: string): Pod {
  const t = ds.spec.template;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, generateName: `${ds.metadata.name}-`, namespace: ds.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}), [REVISION_LABEL]: daemonSetHash(ds), [TEMPLATE_GENERATION_LABEL]: String(templateGenerationOf(ds)) },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ownerReferences: [controllerRefTo(ownerOf(ds))],
    },
    spec: { ...t.spec, tolerations: withDaemonTolerations(t.spec), affinity: affinityForNode(t.spec, node) },
  };
}

export class DaemonSetController extends Controller {
  private readonly sets: Lister<DaemonSet>;
  private readonly nodes: Lister<Node>;
  private readonly owned: OwnedPods;

  constructor(informers: InformerSource, private readonly client: Client, private readonly events: EventRecorder, private readonly now: () => number = Date.now) {
    super('daemonset-controller', 2);
    const sets = informers.informer<DaemonSet>('daemonsets');
    const pods = informers.informer<Pod>('pods');
    const nodes = informers.informer<Node>('nodes');
    this.sets = sets;
    this.nodes = nodes;
    this.owned = new OwnedPods(pods);
    sets.addHandlers({ add: (s) => this.enqueue(keyOf(s)), update: (_o, s) => this.enqueue(keyOf(s)) });
    pods.addHandlers(podOwnerHandlers('DaemonSet', sets, (key) => this.enqueue(key), podChangeMatters));
    // a node that comes, goes, becomes Ready or changes its taints, labels or cordon may change where every set runs
    const all = () => { for (const s of this.sets.list()) this.enqueue(keyOf(s)); };
    nodes.addHandlers({ add: all, update: (o, n) => { if (nodeSchedulingChanged(o, n)) all(); }, delete: all });
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const ds = this.sets.get(namespace, name);
    if (!ds || ds.metadata.deletionTimestamp) return; // the garbage collector removes its pods
    const candidates = this.owned.candidates(ds);
    const owned = await claimPods(this.client, ownerOf(ds), candidates, (p) => matchesLabelSelector(ds.spec.selector, p.metadata.labels));
    const nodes = this.nodes.list();
    const plan = planDaemonSet(ds, nodes, owned, this.now());
    for (const pod of plan.failed) this.events.warning(ds, 'FailedDaemonPod', `Found failed daemon pod ${pod.metadata.namespace}/${pod.metadata.name} on node ${targetNodeOf(pod)}, will try to kill it`);
    const created: Pod[] = [];
    for (const node of plan.create) created.push(await this.createPod(ds, node));
    for (const pod of plan.remove) await deleteOwnedPod(this.client, this.events, ds, pod);
    const removed = new Set(plan.remove.map((p) => p.metadata.uid));
    const pods = [...owned.filter((p) => !removed.has(p.metadata.uid)), ...created];
    const nowMs = this.now();
    const wait = msUntilNextAvailable(ds, pods, nowMs);
    if (wait !== undefined) this.enqueueAfter(key, wait);
    const status = daemonSetStatus(ds, nodes, pods, nowMs);
    if (sameStatus(ds.status, status)) return;
    try {
      await this.client.update<DaemonSet>({ ...ds, status }, { subresource: 'status' });
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }

  private createPod(ds: DaemonSet, node: string): Promise<Pod> {
    return createOwnedPod(this.client, this.events, ds, daemonPodFor(ds, node, `${ds.metadata.name}-${randomSuffix()}`));
  }
}
