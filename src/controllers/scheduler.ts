// Binds pending pods to Ready nodes: honours nodeName, nodeSelector, node
// affinity and taints (node-fit.ts), spreads evenly (preferred affinity and
// PreferNoSchedule taints first, then fewest siblings (spreadGroupOf), then
// fewest bound pods, then the name), and leaves what cannot be placed Pending with PodScheduled=False and
// an event that says why, worded like kube-scheduler's.

import type { Node, PersistentVolumeClaim, Pod, StorageClass } from '../api/types.js';
import { getCondition, isActive, isTerminal, nowRFC3339, setCondition } from '../api/pod-helpers.js';
import type { Client } from '../client/client.js';
import { isApiError } from '../errors.js';
import { deepEqual } from '../store/deep-equal.js';
import { Controller } from './controller.js';
import { controllerRefOf } from './controller-ref.js';
import { POD_TEMPLATE_HASH } from './workload-pods.js';
import { describeTaint, hostPortsConflict, hostPortsOf, matchesNodeSelection, NOT_READY_TAINT, preference, toleratesTaint, UNSCHEDULABLE_TAINT, untoleratedTaint, type HostPortUse } from './node-fit.js';
import type { EventRecorder } from './events.js';
import { indexLookup, keyOf, splitKey, type IndexLookup, type InformerSource, type Lister } from './informers.js';
import { claimNamesOfPod, claimsBlockScheduling, waitsForFirstConsumer } from './persistent-volume.js';

/** active pods by the node they are bound to: spreading counts them per node */
const NODE_INDEX = 'active-on-node';

/** bound active pods by their spread group (spreadGroupOf): the siblings a new pod spreads from */
const BOUND_GROUP_INDEX = 'scheduler-bound-spread-group';

/**
 * The pods a pod spreads from, as kube-scheduler's default topology
 * spreading counts them (helper.DefaultSelector): those its controller's
 * selector matches. A ReplicaSet's selector carries the pod-template-hash,
 * so during a rollout the new pods spread among themselves, not around the
 * old ones (counted with them, both new pods of a 2-replica rollout went to
 * the node with fewer old pods). So the group is the controller and, where
 * the pod has one, its template hash (a pod made for a Deployment itself by
 * an earlier podnet carries both). A StatefulSet's selector has no
 * controller-revision-hash: its pods stay one group across revisions.
 * Undefined: no controller.
 */
export function spreadGroupOf(pod: Pod): string | undefined {
  const owner = controllerRefOf(pod)?.uid;
  if (!owner) return undefined;
  const hash = pod.metadata.labels?.[POD_TEMPLATE_HASH];
  return hash ? `${owner}/${hash}` : owner;
}

export type ScheduleResult = { node: string } | { reason: string };

export function isNodeReady(node: Node): boolean {
  return getCondition(node.status?.conditions, 'Ready')?.status === 'True';
}

/**
 * Pure: where this pod should go, given the nodes, how many pods each has and
 * how many of this pod's siblings (pods of its spread group) each has.
 * Siblings spread first, as kube-scheduler's default topology spreading over
 * hostnames does, so the replicas of one Deployment land on different nodes
 * however the other pods are spread; then the fewest pods; then the name.
 */
export function choose(pod: Pod, nodes: Node[], podsPerNode: Map<string, number>, siblingsPerNode: Map<string, number> = new Map(),
  hostPortsUsed: ReadonlyMap<string, HostPortUse[]> = new Map()): ScheduleResult {
  const wanted = hostPortsOf(pod);
  const portsTaken: string[] = [];
  const notReady: string[] = [];
  const unschedulable: string[] = [];
  const mismatched: string[] = [];
  const tainted = new Map<string, number>();
  const fit: Node[] = [];
  for (const n of nodes) {
    const name = n.metadata.name!;
    // both are taints upstream (the node lifecycle controller's, NodeUnschedulable's): a pod may tolerate them
    if (!isNodeReady(n) && !toleratesTaint(pod, NOT_READY_TAINT)) { notReady.push(name); continue; }
    if (n.spec?.unschedulable && !toleratesTaint(pod, UNSCHEDULABLE_TAINT)) { unschedulable.push(name); continue; }
    // kube-scheduler's filter order: TaintToleration before NodeAffinity; a node counts once, for the first that fails
    const taint = untoleratedTaint(pod, n);
    if (taint) { const t = describeTaint(taint); tainted.set(t, (tainted.get(t) ?? 0) + 1); continue; }
    if (!matchesNodeSelection(pod, n)) { mismatched.push(name); continue; }
    if (wanted.length > 0 && hostPortsConflict(wanted, hostPortsUsed.get(name) ?? [])) { portsTaken.push(name); continue; }
    fit.push(n);
  }
  if (nodes.length === 0) return { reason: 'no nodes available to schedule pods' };
  if (fit.length === 0) {
    const parts: string[] = [];
    if (mismatched.length) parts.push(`${mismatched.length} node(s) didn't match Pod's node affinity/selector`);
    if (portsTaken.length) parts.push(`${portsTaken.length} node(s) didn't have free ports for the requested pod ports`);
    if (notReady.length) parts.push(`${notReady.length} node(s) had untolerated taint {node.kubernetes.io/not-ready: }`);
    if (unschedulable.length) parts.push(`${unschedulable.length} node(s) were unschedulable`);
    for (const [taint, count] of tainted) parts.push(`${count} node(s) had untolerated taint ${taint}`);
    // kube-scheduler sorts the reasons as strings
    parts.sort();
    return { reason: fitError(parts.join(', '), nodes.length) };
  }
  const by = (m: Map<string, number>, n: Node) => m.get(n.metadata.name!) ?? 0;
  const preferred = new Map(fit.map((n) => [n, preference(pod, n)]));
  fit.sort((a, b) => preferred.get(b)!.affinity - preferred.get(a)!.affinity || preferred.get(a)!.intolerable - preferred.get(b)!.intolerable
    || by(siblingsPerNode, a) - by(siblingsPerNode, b) || by(podsPerNode, a) - by(podsPerNode, b) || a.metadata.name!.localeCompare(b.metadata.name!));
  return { node: fit[0]!.metadata.name! };
}

/**
 * kube-scheduler's FitError: why no node fits (per node counts from the
 * filters, or a PreFilter's one reason, as VolumeBinding's), then what
 * preemption found: nothing it could evict helps against these reasons.
 */
export function fitError(reasons: string, nodes: number): string {
  const available = `0/${nodes} nodes are available`;
  return `${available}: ${reasons}. preemption: ${available}: ${nodes} Preemption is not helpful for scheduling.`;
}

/**
 * Whether a pod update can change where (or whether) the pod is placed, as
 * kube-scheduler's isPodUpdated decides for a pod that waits as
 * unschedulable: its status does not count (the scheduler's own
 * PodScheduled=False write would otherwise cost every unschedulable pod a
 * second sync ending in "still no node"). The store moves
 * metadata.generation with every spec change; activity covers deletion and
 * terminal phases.
 */
export function schedulingInputChanged(old: Pod, cur: Pod): boolean {
  return old.metadata.generation !== cur.metadata.generation
    || isActive(old) !== isActive(cur)
    || spreadGroupOf(old) !== spreadGroupOf(cur);
}

/**
 * Whether a node update may place a pod that waits as unschedulable, as
 * kube-scheduler requeues them on a Node update: its readiness, its
 * `spec.unschedulable` (cordon, uncordon), its taints or its labels (a
 * nodeSelector or node affinity may match now). The kubelet's heartbeats, which change none of them, do not.
 */
export function nodeSchedulingChanged(old: Node, cur: Node): boolean {
  return isNodeReady(old) !== isNodeReady(cur)
    || Boolean(old.spec?.unschedulable) !== Boolean(cur.spec?.unschedulable)
    || !deepEqual(old.spec?.taints ?? [], cur.spec?.taints ?? [])
    || !deepEqual(old.metadata.labels ?? {}, cur.metadata.labels ?? {});
}

export class Scheduler extends Controller {
  private readonly pods: Lister<Pod>;
  private readonly nodes: Lister<Node>;
  private readonly claims: Lister<PersistentVolumeClaim>;
  private readonly classes: Lister<StorageClass>;
  private readonly podsOnNode: IndexLookup<Pod>;
  private readonly boundPodsByGroup: IndexLookup<Pod>;
  /** bindings made but not yet seen in the cache, so a burst still spreads */
  private readonly assumed = new Map<string, string>();

  constructor(informers: InformerSource, private readonly client: Client, private readonly events: EventRecorder) {
    super('default-scheduler', 1);
    const pods = informers.informer<Pod>('pods');
    const nodes = informers.informer<Node>('nodes');
    this.pods = pods;
    this.nodes = nodes;
    this.podsOnNode = indexLookup(pods, NODE_INDEX, (p) => (p.spec.nodeName && isActive(p) ? [p.spec.nodeName] : []));
    this.boundPodsByGroup = indexLookup(pods, BOUND_GROUP_INDEX, (p) => {
      const group = spreadGroupOf(p);
      return group && p.spec.nodeName && isActive(p) ? [group] : [];
    });
    const retryPending = () => { for (const p of this.pods.list()) if (!p.spec.nodeName && isActive(p)) this.enqueue(keyOf(p)); };
    const consider = (p: Pod) => { if (!p.spec.nodeName && isActive(p)) this.enqueue(keyOf(p)); else this.assumed.delete(keyOf(p)); };
    // a bound pod that stops holding its host ports (gone, or finished) may let a pending pod that wants them in
    const freesHostPorts = (p: Pod) => !!p.spec.nodeName && hostPortsOf(p).length > 0;
    pods.addHandlers({
      add: consider,
      update: (o, p) => {
        if (p.spec.nodeName || schedulingInputChanged(o, p)) consider(p);
        // a pod holds its ports until it has finished (or is gone, below), terminating or not
        if (!isTerminal(o) && isTerminal(p) && freesHostPorts(p)) retryPending();
      },
      // a pod gone may free a ReadWriteOncePod claim or host ports a pending pod waits for
      delete: (p) => { this.assumed.delete(keyOf(p)); if (claimNamesOfPod(p).length > 0 || freesHostPorts(p)) retryPending(); },
    });
    // A new node, or one that became Ready, was uncordoned or relabelled, may place pods that waited.
    nodes.addHandlers({ add: retryPending, update: (o, n) => { if (nodeSchedulingChanged(o, n)) retryPending(); } });
    // a claim made or bound may be what a pending pod waits for (kube-scheduler requeues on PVC events)
    const claims = informers.informer<PersistentVolumeClaim>('persistentvolumeclaims');
    this.claims = claims;
    this.classes = informers.informer<StorageClass>('storageclasses');
    claims.addHandlers({ add: retryPending, update: (o, c) => { if (o.status?.phase !== c.status?.phase || o.spec.volumeName !== c.spec.volumeName) retryPending(); } });
  }

  /** The host ports each node's pods take (bound, and bindings sent but not seen yet), when `pod` asks for any. */
  private hostPortsUsed(pod: Pod): Map<string, HostPortUse[]> {
    const used = new Map<string, HostPortUse[]>();
    if (hostPortsOf(pod).length === 0) return used;
    const take = (p: Pod, node: string) => { const ports = hostPortsOf(p); if (ports.length > 0) used.set(node, [...used.get(node) ?? [], ...ports]); };
    // a terminating pod holds its ports until it is gone, as upstream's NodePorts filter counts it
    for (const p of this.pods.list()) if (p.spec.nodeName && !isTerminal(p) && p.metadata.uid !== pod.metadata.uid) take(p, p.spec.nodeName);
    for (const [k, node] of this.assumed) {
      const [ns, n] = splitKey(k);
      const p = this.pods.get(ns, n);
      if (p && !p.spec.nodeName && isActive(p) && p.metadata.uid !== pod.metadata.uid) take(p, node);
    }
    return used;
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const pod = this.pods.get(namespace, name);
    if (!pod || pod.spec.nodeName || !isActive(pod) || this.assumed.has(key)) return;
    const nodes = this.nodes.list();
    const counts = new Map<string, number>();
    for (const n of nodes) counts.set(n.metadata.name!, this.podsOnNode.count(n.metadata.name!));
    const group = spreadGroupOf(pod);
    const siblings = new Map<string, number>();
    const add = (m: Map<string, number>, node: string) => m.set(node, (m.get(node) ?? 0) + 1);
    if (group) for (const p of this.boundPodsByGroup.get(group)) add(siblings, p.spec.nodeName!);
    // bindings the cache has not shown yet count where they were sent
    for (const [k, node] of this.assumed) {
      const [ns, n] = splitKey(k);
      const p = this.pods.get(ns, n);
      if (!p || p.spec.nodeName || !isActive(p)) continue;
      add(counts, node);
      if (group && spreadGroupOf(p) === group) add(siblings, node);
    }
    const waitingFor = claimsBlockScheduling(pod, this.claims, {
      waitsForConsumer: (c) => waitsForFirstConsumer(c, this.classes),
      users: (c) => this.pods.list(c.metadata.namespace).filter((p) => claimNamesOfPod(p).includes(c.metadata.name!)),
    });
    const result = waitingFor ? { reason: fitError(waitingFor, nodes.length) } : choose(pod, nodes, counts, siblings, this.hostPortsUsed(pod));
    const now = nowRFC3339();
    if ('reason' in result) {
      const cond = getCondition(pod.status?.conditions, 'PodScheduled');
      if (cond?.status === 'False' && cond.message === result.reason) return;
      this.events.warning(pod, 'FailedScheduling', result.reason);
      await this.client.update<Pod>({ ...pod, status: { ...pod.status, phase: 'Pending', conditions: setCondition(pod.status?.conditions, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: result.reason }, now) } }, { subresource: 'status' });
      return;
    }
    try {
      this.assumed.set(key, result.node);
      const bound = await this.client.update<Pod>({ ...pod, spec: { ...pod.spec, nodeName: result.node } });
      await this.client.update<Pod>({ ...bound, status: { ...bound.status, phase: bound.status?.phase ?? 'Pending', conditions: setCondition(bound.status?.conditions, { type: 'PodScheduled', status: 'True' }, now) } }, { subresource: 'status' });
      this.events.normal(pod, 'Scheduled', `Successfully assigned ${namespace}/${name} to ${result.node}`);
    } catch (err) {
      this.assumed.delete(key);
      if (isApiError(err, 'NotFound')) return;
      throw err;
    }
  }
}
