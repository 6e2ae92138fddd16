// PodDisruptionBudget → status, as kube-controller-manager's disruption
// controller (pkg/controller/disruption) computes it: of the pods its
// selector matches in its namespace, how many are expected, how many must
// stay healthy, how many are healthy (Ready and not being deleted), and so
// how many may be disrupted now, with the DisruptionAllowed condition.
//
// An integer minAvailable counts the matching pods themselves; a percentage,
// and maxUnavailable either way, count the scale of the pods' controllers
// (a Deployment for its ReplicaSets' pods, a ReplicaSet, a StatefulSet):
// four pods of a Deployment of two replicas still expect two.
//
// What podnet does not do with the number: nothing evicts pods (there is no
// eviction API and no drain), so status.disruptedPods stays empty and the
// budget only reports. The pure core (planDisruption) decides; the
// controller reads the caches and writes the status.

import type {
  Deployment, KubeObject, LabelSelector, OwnerReference, Pod, PodDisruptionBudget, PodDisruptionBudgetStatus, ReplicaSet, StatefulSet,
} from '../api/types.js';
import { matchesLabelSelector } from '../api/labels.js';
import { isPodReady, nowRFC3339, setCondition } from '../api/pod-helpers.js';
import { groupOfApiVersion, resourceForGroupKind } from '../api/resources.js';
import { realClock, type Clock } from '../client/clock.js';
import type { Client } from '../client/client.js';
import { Controller } from './controller.js';
import { controllerRefOf } from './controller-ref.js';
import { recordPlanned, type EventRecorder, type PlannedEvent } from './events.js';
import { keyOf, splitKey, type InformerSource, type Lister, type SharedInformer } from './informers.js';
import { podChangeMatters, resolveIntOrPercent, sameStatus } from './workload-pods.js';

/** policy.DisruptionAllowedCondition and its reasons */
export const DISRUPTION_ALLOWED = 'DisruptionAllowed';
export const SUFFICIENT_PODS = 'SufficientPods';
export const INSUFFICIENT_PODS = 'InsufficientPods';
export const SYNC_FAILED = 'SyncFailed';

/** The controller whose scale a pod counts against: its uid (each is counted once) and its spec.replicas. */
export interface ControllerScale { uid: string; replicas: number }

/**
 * The scale of a pod's controller, as upstream's finders look for it;
 * undefined when the controller is gone (or its name now belongs to another
 * object). Throws, in upstream's words, for a kind without a scale.
 */
export type ScaleFinder = (ref: OwnerReference, namespace: string) => ControllerScale | undefined;


export interface DisruptionPlan {
  status: PodDisruptionBudgetStatus;
  events: PlannedEvent[];
  /** the sync failed: the status is the fail-safe one (no disruption allowed) and the key is tried again */
  error?: string;
}

export interface ExpectedPods {
  expectedCount: number;
  desiredHealthy: number;
  /** names of matching pods without a controller, when a scale was needed */
  unmanagedPods: string[];
}

/** getExpectedScale: the sum of the scales of the pods' controllers, each counted once. */
function expectedScale(pods: readonly Pod[], findScale: ScaleFinder): { scale: number; unmanaged: string[] } {
  const scales = new Map<string, number>();
  const unmanaged: string[] = [];
  for (const pod of pods) {
    const ref = controllerRefOf(pod);
    if (!ref) { unmanaged.push(pod.metadata.name ?? ''); continue; }
    if (scales.has(ref.uid)) continue;
    const found = findScale(ref, pod.metadata.namespace ?? '');
    if (!found) throw new Error(`found no controllers for pod "${pod.metadata.name}"`);
    scales.set(found.uid, found.replicas);
  }
  let scale = 0;
  for (const replicas of scales.values()) scale += replicas;
  return { scale, unmanaged };
}

/**
 * getExpectedPodCount: maxUnavailable and a percentage minAvailable take the
 * controllers' scale (percentages rounded up); an integer minAvailable the
 * matching pods. A budget with neither expects nothing.
 */
function expectedPodCount(pdb: PodDisruptionBudget, pods: readonly Pod[], findScale: ScaleFinder): ExpectedPods {
  const { minAvailable, maxUnavailable } = pdb.spec ?? {};
  if (maxUnavailable !== undefined && maxUnavailable !== null) {
    const { scale, unmanaged } = expectedScale(pods, findScale);
    const desired = scale - resolveIntOrPercent(maxUnavailable, scale, true, '0');
    return { expectedCount: scale, desiredHealthy: Math.max(0, desired), unmanagedPods: unmanaged };
  }
  if (typeof minAvailable === 'number') return { expectedCount: pods.length, desiredHealthy: minAvailable, unmanagedPods: [] };
  if (typeof minAvailable === 'string') {
    const { scale, unmanaged } = expectedScale(pods, findScale);
    return { expectedCount: scale, desiredHealthy: resolveIntOrPercent(minAvailable, scale, true, '0'), unmanagedPods: unmanaged };
  }
  return { expectedCount: 0, desiredHealthy: 0, unmanagedPods: [] };
}

/** countHealthyPods: Ready and not being deleted (podnet has no evictions to discount). */
function countHealthyPods(pods: readonly Pod[]): number {
  return pods.filter((p) => !p.metadata.deletionTimestamp && isPodReady(p)).length;
}

/**
 * A label selector as its generated protobuf String() prints it, which the
 * UnmanagedPods Event shows: `&LabelSelector{MatchLabels:map[string]string{app: web,},MatchExpressions:[]LabelSelectorRequirement{},}`.
 */
export function selectorProtoString(sel: LabelSelector | undefined): string {
  if (!sel) return '<nil>';
  const labels = Object.keys(sel.matchLabels ?? {}).sort().map((k) => `${k}: ${sel.matchLabels![k]},`).join('');
  const exprs = (sel.matchExpressions ?? []).map((e) => `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(' ')}],},`).join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}

/**
 * failSafe: when the counts cannot be had, no disruption is allowed, and the
 * condition says why; the rest of the status stays as it was.
 */
function failSafeStatus(pdb: PodDisruptionBudget, error: string, now: string): PodDisruptionBudgetStatus {
  const old = pdb.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  const condition = { type: DISRUPTION_ALLOWED, status: 'False' as const, observedGeneration: old.observedGeneration, reason: SYNC_FAILED, message: error };
  return { ...old, disruptionsAllowed: 0, conditions: setCondition(old.conditions, condition, now) };
}

/**
 * trySync and updatePdbStatus as one pure step: the status the budget should
 * have now and the Events to record. `pods` are the pods its selector
 * matches in its namespace, whatever their phase.
 */
export function planDisruption(pdb: PodDisruptionBudget, pods: readonly Pod[], findScale: ScaleFinder, now: Date): DisruptionPlan {
  const stamp = nowRFC3339(now);
  const events: PlannedEvent[] = [];
  if (pods.length === 0) events.push({ type: 'Normal', reason: 'NoPods', message: 'No matching pods found' });
  let counts: ExpectedPods;
  try {
    counts = expectedPodCount(pdb, pods, findScale);
  } catch (e) {
    const error = (e as Error).message;
    events.push({ type: 'Warning', reason: 'CalculateExpectedPodCountFailed', message: `Failed to calculate the number of expected pods: ${error}` });
    return { status: failSafeStatus(pdb, error, stamp), events, error };
  }
  if (counts.unmanagedPods.length > 0) {
    events.push({
      type: 'Warning', reason: 'UnmanagedPods',
      message: `Pods selected by this PodDisruptionBudget (selector: ${selectorProtoString(pdb.spec?.selector)}) were found to be unmanaged. `
        + 'As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. '
        + 'To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.',
    });
  }
  const currentHealthy = countHealthyPods(pods);
  // a budget that expects no pods allows nothing: its first pods may come before its next sync
  const margin = currentHealthy - counts.desiredHealthy;
  const disruptionsAllowed = counts.expectedCount <= 0 || margin <= 0 ? 0 : margin;
  const observedGeneration = pdb.metadata.generation;
  const condition = disruptionsAllowed > 0
    ? { type: DISRUPTION_ALLOWED, status: 'True' as const, observedGeneration, reason: SUFFICIENT_PODS, message: '' }
    : { type: DISRUPTION_ALLOWED, status: 'False' as const, observedGeneration, reason: INSUFFICIENT_PODS, message: '' };
  return {
    status: {
      ...(observedGeneration !== undefined ? { observedGeneration } : {}),
      disruptionsAllowed, currentHealthy, desiredHealthy: counts.desiredHealthy, expectedPods: counts.expectedCount,
      conditions: setCondition(pdb.status?.conditions, condition, stamp),
    },
    events,
  };
}

/** verifyGroupKind: the kind, in one of the groups upstream accepts for it. */
function refers(ref: OwnerReference, kind: string, groups: readonly string[]): boolean {
  return ref.kind === kind && groups.includes(groupOfApiVersion(ref.apiVersion));
}

const APPS_GROUPS = ['apps', 'extensions'];

/** The object `ref` names, while that name still belongs to it (the same uid), as upstream's finders check. */
function referred<T extends KubeObject>(lister: Lister<T>, namespace: string, ref: OwnerReference): T | undefined {
  const obj = lister.get(namespace, ref.name);
  return obj && obj.metadata.uid === ref.uid ? obj : undefined;
}

/** its uid and spec.replicas (1 when unset, the API default) */
const controllerScaleOf = (obj: KubeObject & { spec: { replicas?: number } }): ControllerScale => ({ uid: obj.metadata.uid!, replicas: obj.spec.replicas ?? 1 });

/** the controllers whose scale a budget may count, as the finders read them */
interface ScaleSources { replicaSets: Lister<ReplicaSet>; deployments: Lister<Deployment>; statefulSets: Lister<StatefulSet> }

export class DisruptionController extends Controller {
  private readonly pdbs: SharedInformer<PodDisruptionBudget>;
  private readonly pods: Lister<Pod>;
  private readonly sources: ScaleSources;

  constructor(informers: InformerSource, private readonly client: Client, private readonly events: EventRecorder, private readonly clock: Clock = realClock) {
    super('disruption-controller', 1);
    this.pdbs = informers.informer<PodDisruptionBudget>('poddisruptionbudgets');
    const pods = informers.informer<Pod>('pods');
    this.pods = pods;
    this.sources = {
      replicaSets: informers.informer<ReplicaSet>('replicasets'),
      deployments: informers.informer<Deployment>('deployments'),
      statefulSets: informers.informer<StatefulSet>('statefulsets'),
    };
    const look = (pdb: PodDisruptionBudget) => this.enqueue(keyOf(pdb));
    this.pdbs.addHandlers({ add: look, update: (_o, pdb) => look(pdb), delete: look });
    pods.addHandlers({
      add: (p) => this.enqueueBudgetsOf(p),
      update: (old, cur) => { if (!podChangeMatters(old, cur)) return; this.enqueueBudgetsOf(old); this.enqueueBudgetsOf(cur); },
      delete: (p) => this.enqueueBudgetsOf(p),
    });
  }

  /**
   * Every budget of the pod's namespace that selects it. (Upstream queues
   * only the first and warns that the pod has several; each of them counts
   * the pod, so here each is looked at again.)
   */
  private enqueueBudgetsOf(pod: Pod): void {
    for (const pdb of this.pdbs.list(pod.metadata.namespace)) {
      if (matchesLabelSelector(pdb.spec?.selector, pod.metadata.labels)) this.enqueue(keyOf(pdb));
    }
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const pdb = this.pdbs.get(namespace, name);
    if (!pdb) return;
    const pods = this.pods.list(namespace).filter((p) => matchesLabelSelector(pdb.spec?.selector, p.metadata.labels));
    const plan = planDisruption(pdb, pods, (ref, ns) => this.findScale(ref, ns), new Date(this.clock.now()));
    recordPlanned(this.events, pdb, plan.events);
    // written with the cached resourceVersion: a stale cache gets a Conflict, and the queue tries again
    if (!sameStatus(pdb.status, plan.status)) await this.client.update<PodDisruptionBudget>({ ...pdb, status: plan.status }, { subresource: 'status' });
    if (plan.error) throw new Error(plan.error);
  }

  /**
   * The finders in upstream's order: a ReplicaSet's Deployment, a ReplicaSet
   * of its own, a StatefulSet, then the scale subresource of any other kind,
   * which in podnet no other served kind has. A ReplicaSet whose Deployment
   * is gone counts with its own scale, as upstream's scale lookup finds it.
   */
  private findScale(ref: OwnerReference, namespace: string): ControllerScale | undefined {
    if (refers(ref, 'ReplicaSet', APPS_GROUPS)) {
      const rs = referred(this.sources.replicaSets, namespace, ref);
      if (!rs) return undefined;
      const owner = controllerRefOf(rs);
      const d = owner && refers(owner, 'Deployment', APPS_GROUPS) ? referred(this.sources.deployments, namespace, owner) : undefined;
      return controllerScaleOf(d ?? rs);
    }
    if (refers(ref, 'StatefulSet', ['apps'])) {
      const sts = referred(this.sources.statefulSets, namespace, ref);
      return sts && controllerScaleOf(sts);
    }
    const info = resourceForGroupKind(groupOfApiVersion(ref.apiVersion), ref.kind);
    if (!info) throw new Error(`no matches for kind "${ref.kind}" in version "${ref.apiVersion}"`);
    if (!info.hasScale) throw new Error(`${info.group ? `${info.plural}.${info.group}` : info.plural} does not implement the scale subresource`);
    return undefined;
  }
}
