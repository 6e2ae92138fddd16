// What the workload controllers (ReplicaSet, Deployment, StatefulSet,
// DaemonSet, Job) share about the objects they own: the controller-uid index,
// the pods a sync claims from, which pod changes
// can change a sync's outcome, when to look again for minReadySeconds,
// intOrPercent fields, status comparison, and making and deleting a pod with
// the events upstream's pod control records on its owner.

import { deepEqual } from '../store/deep-equal.js';
import type { KubeObject, Pod } from '../api/types.js';
import { isActive, isPodReady, msUntilAvailable } from '../api/pod-helpers.js';
import type { Client } from '../client/client.js';
import { isApiError } from '../errors.js';
import { controllerRefOf, orphanNamespace, ORPHANS_BY_NAMESPACE } from './controller-ref.js';
import type { EventRecorder } from './events.js';
import { indexLookup, type IndexLookup, type SharedInformer } from './informers.js';

/** the label a Deployment puts on its ReplicaSets' selectors, templates and so pods */
export const POD_TEMPLATE_HASH = 'pod-template-hash';
/** objects by the uid of their controlling owner */
export const CONTROLLER_UID_INDEX = 'controller-uid';

export function controllerUid(obj: KubeObject): string[] {
  const ref = controllerRefOf(obj);
  return ref ? [ref.uid] : [];
}

/**
 * The pods a workload controller syncs against, from the pod informer's
 * indexes: those an owner controls (by uid, in its namespace: an
 * ownerReference never crosses one) and, with them, the orphans of its
 * namespace its selector may adopt: the candidates claimPods sorts out.
 */
export class OwnedPods {
  private readonly byOwner: IndexLookup<Pod>;
  private readonly orphans: IndexLookup<Pod>;

  constructor(pods: SharedInformer<Pod>) {
    this.byOwner = indexLookup(pods, CONTROLLER_UID_INDEX, controllerUid);
    this.orphans = indexLookup(pods, ORPHANS_BY_NAMESPACE, orphanNamespace);
  }

  /** the pods this owner controls */
  of(owner: KubeObject): Pod[] {
    return this.byOwner.get(owner.metadata.uid!).filter((p) => p.metadata.namespace === owner.metadata.namespace);
  }

  /** what claimPods looks at for this owner: its pods and its namespace's orphans */
  candidates(owner: KubeObject): Pod[] {
    return [...this.of(owner), ...this.orphans.get(owner.metadata.namespace ?? '')];
  }
}

/** ms until the next Ready pod becomes available (the owner's minReadySeconds), or undefined: sync again then. */
export function msUntilNextAvailable(owner: { spec: { minReadySeconds?: number } }, pods: readonly Pod[], nowMs: number): number | undefined {
  const minReady = owner.spec.minReadySeconds ?? 0;
  if (minReady <= 0) return undefined;
  const waits = pods.filter(isActive).map((p) => msUntilAvailable(p, minReady, nowMs)).filter((ms) => ms > 0);
  return waits.length ? Math.min(...waits) : undefined;
}

/** maxSurge / maxUnavailable: a number, or a percentage of `total` rounded up or down */
export function resolveIntOrPercent(value: number | string | undefined, total: number, roundUp: boolean, fallback: string): number {
  const v = value ?? fallback;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return Number(v) || 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * Whether a pod update can change what its owner's sync does: the sync
 * reads a pod's labels (selector, adoption), controller, activity, readiness
 * and binding. Most pod updates are other status writes (container states,
 * probe times) that would each cost a sync ending in "nothing to do".
 * Upstream's ReplicaSet controller queues on every update; the outcome is
 * the same, as the sync reads only these fields.
 */
export function podChangeMatters(old: Pod, cur: Pod): boolean {
  return !deepEqual(old.metadata.labels ?? {}, cur.metadata.labels ?? {})
    || controllerUid(old)[0] !== controllerUid(cur)[0]
    || isActive(old) !== isActive(cur)
    || isPodReady(old) !== isPodReady(cur)
    || old.spec.nodeName !== cur.spec.nodeName;
}

/** keys sameStatus ignores: a status that differs only in them is not written again */
const STATUS_TIME_KEYS = new Set(['lastTransitionTime', 'lastUpdateTime']);

/**
 * Ignores condition timestamps so an unchanged status is not rewritten.
 * Compares as JSON would see the values (undefined = absent), without
 * serializing both sides: it runs on every sync of every workload.
 */
/** Oldest first by creationTimestamp, the name breaking ties (a sort comparator for any object). */
export function byCreation(a: KubeObject, b: KubeObject): number {
  return (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

export function sameStatus(a: unknown, b: unknown): boolean {
  return deepEqual(a, b, STATUS_TIME_KEYS);
}

/** Creates an owner's pod (named already): SuccessfulCreate, or FailedCreate and the error thrown, as upstream's RealPodControl. */
export async function createOwnedPod(client: Client, events: EventRecorder, owner: KubeObject, pod: Pod): Promise<Pod> {
  try {
    const created = await client.create(pod);
    events.normal(owner, 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
    return created;
  } catch (err) {
    events.warning(owner, 'FailedCreate', `Error creating: ${(err as Error).message}`);
    throw err;
  }
}

/** Deletes an owner's pod, this very pod (its uid a precondition): SuccessfulDelete; one already gone is no error. */
export async function deleteOwnedPod(client: Client, events: EventRecorder, owner: KubeObject, pod: Pod): Promise<void> {
  try {
    await client.delete('pods', pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid! } });
    events.normal(owner, 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
  } catch (err) {
    if (!isApiError(err, 'NotFound')) throw err;
  }
}
