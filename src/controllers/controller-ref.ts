// Which pods a workload controller owns, decided as upstream's
// ControllerRefManager decides it (pkg/controller/controller_ref_manager.go,
// ClaimPods). A pod is owned when its controller reference names the owner's
// uid and the owner still wants it (its selector and the controller's own
// test match). An orphan the owner wants is adopted: a controller reference
// is patched onto it. A pod the owner has but no longer wants is released:
// its reference is patched away. So `delete --cascade=orphan` followed by a
// new object of the same selector hands the running pods to the new object
// instead of leaving them beside the ones it makes.

import type { KubeObject, LabelSelector, OwnerReference, Pod } from '../api/types.js';
import { matchesLabelSelector } from '../api/labels.js';
import type { Client } from '../client/client.js';
import { isApiError, PodnetError } from '../errors.js';
import { deepEqual } from '../store/deep-equal.js';
import type { Handlers, Lister } from './informers.js';

/** orphans (pods, a Deployment's ReplicaSets) by namespace: the adoption candidates, so a sync need not scan every object of its namespace */
export const ORPHANS_BY_NAMESPACE = 'orphans-by-namespace';

export function orphanNamespace(obj: KubeObject): string[] {
  return controllerRefOf(obj) ? [] : [obj.metadata.namespace ?? ''];
}

export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller);
}

/** A workload that owns pods: the object and how an ownerReference and the API name its kind. */
export interface PodOwner {
  obj: KubeObject;
  apiVersion: string;
  kind: string;
  /** the REST plural, for the fresh read before the first adoption */
  plural: string;
}

/** The controller reference an owner puts on the pods it makes or adopts. */
export function controllerRefTo(owner: PodOwner): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.obj.metadata.name!, uid: owner.obj.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

export type ClaimStep = 'keep' | 'adopt' | 'release' | 'ignore';

/**
 * Pure: what an owner does with one pod (upstream's claimObject). `wanted`
 * is asked only where it decides something. An owner being deleted changes
 * nothing (neither adopts nor releases) but keeps what it has; a pod being
 * deleted is never adopted; another controller's pod is never touched.
 */
export function claimStep(owner: KubeObject, pod: KubeObject, wanted: () => boolean): ClaimStep {
  const ref = controllerRefOf(pod);
  const ownerDeleting = !!owner.metadata.deletionTimestamp;
  if (ref) {
    if (ref.uid !== owner.metadata.uid) return 'ignore';
    if (wanted()) return 'keep';
    return ownerDeleting ? 'ignore' : 'release';
  }
  if (ownerDeleting || pod.metadata.deletionTimestamp || pod.metadata.namespace !== owner.metadata.namespace) return 'ignore';
  return wanted() ? 'adopt' : 'ignore';
}

/**
 * The pods `owner` owns after adopting and releasing among `candidates` (its
 * own pods and the orphans of its namespace; others are ignored). Adopted
 * pods are returned as the API wrote them. Before the first adoption the
 * owner is read from the API, not the cache, and nothing is adopted if it is
 * gone, replaced or being deleted: a set deleted with --cascade=orphan must
 * not take back the pods the garbage collector has just freed (upstream's
 * RecheckDeletionTimestamp). A failed patch is thrown after the others are
 * tried, so the sync is retried, as upstream's aggregate error does.
 */
export function claimPods(client: Client, owner: PodOwner, candidates: Pod[], wanted: (pod: Pod) => boolean): Promise<Pod[]> {
  return claimObjects(client, owner, 'pods', candidates, wanted);
}

/** claimPods for any kind of dependent (a Deployment claims its ReplicaSets so), `plural` being the dependents'. */
export async function claimObjects<T extends KubeObject>(client: Client, owner: PodOwner, plural: string, candidates: T[], wanted: (obj: T) => boolean): Promise<T[]> {
  const owned: T[] = [];
  const errors: unknown[] = [];
  let adoptable: Promise<void> | undefined;
  for (const pod of candidates) {
    const step = claimStep(owner.obj, pod, () => wanted(pod));
    if (step === 'keep') owned.push(pod);
    if (step === 'adopt') {
      try {
        adoptable ??= recheckOwner(client, owner);
        await adoptable;
        owned.push(await adopt(client, owner, plural, pod));
      } catch (err) {
        if (!isApiError(err, 'NotFound')) errors.push(err);
      }
    }
    if (step === 'release') {
      try { await release(client, owner, plural, pod); } catch (err) { errors.push(err); }
    }
  }
  if (errors.length > 0) throw errors[0];
  return owned;
}

async function recheckOwner(client: Client, owner: PodOwner): Promise<void> {
  const m = owner.obj.metadata;
  const what = `${owner.kind} ${m.namespace}/${m.name}`;
  let fresh: KubeObject | undefined;
  try { fresh = await client.get(owner.plural, m.namespace, m.name!); } catch (err) { if (!isApiError(err, 'NotFound')) throw err; }
  if (!fresh || fresh.metadata.uid !== m.uid) throw new PodnetError('EADOPT', `can't adopt pods: the ${what} (uid ${m.uid}) is gone`);
  if (fresh.metadata.deletionTimestamp) throw new PodnetError('EADOPT', `can't adopt pods: the ${what} is being deleted since ${fresh.metadata.deletionTimestamp}`);
}

/**
 * A strategic merge patch adds the reference beside any other owner's; the
 * pod's uid in it is a precondition, so a pod deleted and made again under
 * the name is not taken by mistake.
 */
function adopt<T extends KubeObject>(client: Client, owner: PodOwner, plural: string, obj: T): Promise<T> {
  const m = obj.metadata;
  return client.patch<T>(plural, m.namespace, m.name!, { metadata: { ownerReferences: [controllerRefTo(owner)], uid: m.uid } }, { patchType: 'strategic' });
}

/** Gone, or replaced by another pod of that name (the uid precondition fails): nothing left to release. */
async function release(client: Client, owner: PodOwner, plural: string, obj: KubeObject): Promise<void> {
  const m = obj.metadata;
  try {
    await client.patch(plural, m.namespace, m.name!, { metadata: { ownerReferences: [{ $patch: 'delete', uid: owner.obj.metadata.uid }], uid: m.uid } }, { patchType: 'strategic' });
  } catch (err) {
    if (!isApiError(err, 'NotFound') && !isApiError(err, 'Conflict')) throw err;
  }
}

/**
 * Pod handlers that queue the owners a pod change concerns (upstream's
 * addPod, updatePod, deletePod): its controller of `kind`, the one it had
 * before when that changed (to make a replacement), and, for an orphan that
 * is new or whose labels or owner changed, every owner in its namespace whose
 * selector matches it (to adopt it). `matters` filters updates of owned pods.
 */
export function podOwnerHandlers(
  kind: string, owners: Lister<KubeObject & { spec: { selector?: LabelSelector } }>, enqueue: (key: string) => void,
  matters: (old: Pod, cur: Pod) => boolean = () => true,
): Handlers<Pod> {
  const toOwner = (p: Pod, ref: OwnerReference | undefined) => { if (ref?.kind === kind) enqueue(`${p.metadata.namespace}/${ref.name}`); };
  const toAdopters = (p: Pod) => {
    for (const o of owners.list(p.metadata.namespace)) if (matchesLabelSelector(o.spec.selector, p.metadata.labels)) enqueue(`${p.metadata.namespace}/${o.metadata.name}`);
  };
  return {
    add: (p) => { const ref = controllerRefOf(p); if (ref) toOwner(p, ref); else toAdopters(p); },
    update: (old, cur) => {
      const oldRef = controllerRefOf(old);
      const ref = controllerRefOf(cur);
      const ownerChanged = oldRef?.uid !== ref?.uid;
      if (ownerChanged) toOwner(old, oldRef);
      if (ref) { if (ownerChanged || matters(old, cur)) toOwner(cur, ref); return; }
      if (ownerChanged || !deepEqual(old.metadata.labels ?? {}, cur.metadata.labels ?? {})) toAdopters(cur);
    },
    delete: (p) => toOwner(p, controllerRefOf(p)),
  };
}
