// StatefulSet → Pods name-S … name-(S+N-1), S = spec.ordinals.start, each
// with a stable hostname and subdomain (= serviceName) so the headless
// Service gives it a DNS name. OrderedReady creates in order and waits for
// each pod to be Running and available (Ready for minReadySeconds); scale-down
// and rolling update go from the highest ordinal down. Which template a new
// pod gets, and where the current revision's template is kept, is in
// statefulset-revision.ts.
//
// Claims (upstream's stateful_pod_control): before a pod is made, each of
// its volumeClaimTemplates becomes the PersistentVolumeClaim
// `<template>-<set>-<ordinal>` if it is not there yet, which the
// PersistentVolume controller binds; the pod waits while a claim of its is
// being deleted. spec.persistentVolumeClaimRetentionPolicy is kept as owner
// references on the claims, for the garbage collector: whenDeleted=Delete
// makes the set an owner of every claim, whenScaled=Delete makes a condemned
// pod (ordinal outside [start, start + replicas)) the owner of its claims
// before it is deleted, so they go once it is gone; a claim of a condemned
// ordinal whose pod is already gone is deleted. The owners are set on every
// sync, so a policy changed later applies to the claims already made.

import type { OwnerReference, PersistentVolumeClaim, Pod, PodTemplateSpec, StatefulSet, Volume } from '../api/types.js';
import { isActive, isPodReady, isTerminating, msUntilAvailable } from '../api/pod-helpers.js';
import { matchesLabelSelector } from '../api/labels.js';
import type { Client } from '../client/client.js';
import { deepEqual } from '../store/deep-equal.js';
import { isApiError } from '../errors.js';
import { Controller } from './controller.js';
import { claimPods, controllerRefTo, podOwnerHandlers, type PodOwner } from './controller-ref.js';
import { msUntilNextAvailable, OwnedPods, sameStatus } from './workload-pods.js';
import type { EventRecorder } from './events.js';
import { keyOf, splitKey, type InformerSource, type Lister } from './informers.js';
import {
  CURRENT_TEMPLATE_ANNOTATION, annotationToStore, createsFromCurrentRevision, currentRevisionOf, startOrdinal,
  storedTemplate, updateRevisionOf,
} from './statefulset-revision.js';

export { startOrdinal } from './statefulset-revision.js';
export { msUntilNextAvailable } from './workload-pods.js';
export const REVISION_LABEL = 'controller-revision-hash';
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';

const ownerOf = (set: StatefulSet): PodOwner => ({ obj: set, apiVersion: 'apps/v1', kind: 'StatefulSet', plural: 'statefulsets' });

export type ClaimRetention = 'Retain' | 'Delete';

/** spec.persistentVolumeClaimRetentionPolicy; anything but Delete (the default included) retains, as upstream defaults both to Retain. */
export function claimRetention(set: StatefulSet): { whenDeleted: ClaimRetention; whenScaled: ClaimRetention } {
  const policy = set.spec.persistentVolumeClaimRetentionPolicy;
  return { whenDeleted: policy?.whenDeleted === 'Delete' ? 'Delete' : 'Retain', whenScaled: policy?.whenScaled === 'Delete' ? 'Delete' : 'Retain' };
}

/** The names of the claims the pod of `ordinal` mounts, one per volumeClaimTemplate: `<template>-<set>-<ordinal>`. */
export function claimNamesOf(set: StatefulSet, ordinal: number): string[] {
  return claimTemplateNames(set).map((t) => `${t}-${set.metadata.name}-${ordinal}`);
}

function claimTemplateNames(set: StatefulSet): string[] {
  return (set.spec.volumeClaimTemplates ?? []).map((c) => c.metadata?.name).filter((n): n is string => !!n);
}

/** [start, start + replicas) holds the ordinals the set wants; any other is condemned (upstream's isCondemned). */
function wantsOrdinal(set: StatefulSet, ordinal: number): boolean {
  const start = startOrdinal(set);
  return ordinal >= start && ordinal < start + (set.spec.replicas ?? 1);
}

/**
 * Pure: a claim of the set's template `template` for `ordinal`, as upstream's
 * getPersistentVolumeClaims: the template's metadata and spec, its name
 * `<template>-<set>-<ordinal>`, and the set's selector labels on top.
 */
export function claimFor(set: StatefulSet, template: NonNullable<StatefulSet['spec']['volumeClaimTemplates']>[number], ordinal: number): PersistentVolumeClaim {
  const meta = template.metadata ?? {};
  const labels = { ...(meta.labels as Record<string, string> | undefined ?? {}), ...(set.spec.selector?.matchLabels ?? {}) };
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: {
      name: `${meta.name}-${set.metadata.name}-${ordinal}`, namespace: set.metadata.namespace,
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations as Record<string, string> } } : {}),
    },
    spec: { ...(template.spec ?? {}) },
  };
}

/**
 * Pure: the owner references a claim of `ordinal` should have (upstream's
 * updateClaimOwnerRefForSetAndPod): the set's for whenDeleted=Delete, the
 * pod's for whenScaled=Delete while the ordinal is condemned; references to
 * anything else (a user's) are kept.
 */
export function claimOwners(set: StatefulSet, claim: PersistentVolumeClaim, ordinal: number, pod: Pod | undefined): OwnerReference[] {
  const policy = claimRetention(set);
  const others = (claim.metadata.ownerReferences ?? []).filter((r) => r.uid !== set.metadata.uid && !(r.kind === 'Pod' && r.apiVersion === 'v1'));
  const owners = [...others];
  // another controller owns the claim (upstream's hasUnexpectedController): take our references off, add none
  if (others.some((r) => r.controller)) return owners;
  if (policy.whenDeleted === 'Delete') owners.push(controllerRefTo(ownerOf(set)));
  if (policy.whenScaled === 'Delete' && !wantsOrdinal(set, ordinal) && pod) owners.push({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name!, uid: pod.metadata.uid! });
  return owners;
}

export function ordinalOf(set: StatefulSet, pod: Pod): number {
  const prefix = `${set.metadata.name}-`;
  const name = pod.metadata.name ?? '';
  if (!name.startsWith(prefix)) return -1;
  const n = Number(name.slice(prefix.length));
  return Number.isInteger(n) && n >= 0 ? n : -1;
}

/**
 * Whether the set wants this pod (upstream's selector match and isMemberOf):
 * its selector matches and the pod is named `<set>-<ordinal>`. An orphan it
 * wants is adopted, whatever its ordinal: one beyond replicas is then
 * condemned like any other.
 */
export function isMemberOf(set: StatefulSet, pod: Pod): boolean {
  return ordinalOf(set, pod) >= 0 && matchesLabelSelector(set.spec.selector, pod.metadata.labels);
}

export type StatefulStep = { action: 'create'; ordinal: number } | { action: 'delete'; pod: Pod } | { action: 'wait' } | { action: 'none' };

/** Upstream's isRunningAndAvailable: Running, not being deleted, Ready for minReadySeconds. */
function runningAndAvailable(set: StatefulSet, pod: Pod | undefined, nowMs: number): boolean {
  return !!pod && isActive(pod) && pod.status?.phase === 'Running' && msUntilAvailable(pod, set.spec.minReadySeconds ?? 0, nowMs) === 0;
}

/**
 * Pure: the next steps, given every pod the set owns (terminating ones
 * included), the update revision and the time (minReadySeconds). Replicas
 * are the ordinals [start, start + replicas); any other is condemned.
 */
export function planStatefulSet(set: StatefulSet, pods: Pod[], revision: string, nowMs = Date.now()): StatefulStep[] {
  const replicas = set.spec.replicas ?? 1;
  const start = startOrdinal(set);
  const end = start + replicas;
  const parallel = set.spec.podManagementPolicy === 'Parallel';
  const byOrdinal = new Map<number, Pod>();
  for (const p of pods) { const o = ordinalOf(set, p); if (o >= 0) byOrdinal.set(o, p); }
  const healthy = (p: Pod | undefined) => runningAndAvailable(set, p, nowMs);
  const steps: StatefulStep[] = [];

  for (let i = start; i < end; i++) {
    const pod = byOrdinal.get(i);
    if (!pod) {
      steps.push({ action: 'create', ordinal: i });
      if (!parallel) return steps;
      continue;
    }
    if (isTerminating(pod)) { if (!parallel) return [{ action: 'wait' }]; continue; }
    if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') {
      steps.push({ action: 'delete', pod });
      if (!parallel) return steps;
      continue;
    }
    // processReplica: pod N+1 only once pod N is running and available
    if (!parallel && !healthy(pod)) return [{ action: 'wait' }];
  }

  const condemned = [...byOrdinal.entries()].filter(([o]) => o < start || o >= end).sort((a, b) => b[0] - a[0]);
  for (const [, pod] of condemned) {
    if (isTerminating(pod)) { if (!parallel) return [{ action: 'wait' }]; continue; }
    steps.push({ action: 'delete', pod });
    if (!parallel) return steps;
  }
  if (steps.length) return steps;

  // Rolling update (upstream's updateStatefulSet): from the highest ordinal
  // down to start + partition, delete the first pod of another revision; stop
  // at a pod of the update revision that is not healthy yet.
  if (set.spec.updateStrategy?.type === 'OnDelete') return [{ action: 'none' }];
  const partition = set.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
  for (let i = end - 1; i >= start + partition; i--) {
    const pod = byOrdinal.get(i);
    if (!pod) return [{ action: 'wait' }]; // Parallel: being created
    if (pod.metadata.labels?.[REVISION_LABEL] !== revision && !isTerminating(pod)) return [{ action: 'delete', pod }];
    if (!healthy(pod)) return [{ action: 'wait' }];
  }
  return [{ action: 'none' }];
}

export type StatefulSetStatus = NonNullable<StatefulSet['status']>;

/**
 * Pure: upstream's status. currentRevision stays at the revision the pods ran
 * before the template changed until a RollingUpdate has made every pod
 * updated and ready (completeRollingUpdate); with OnDelete it never moves by
 * itself, as upstream. currentReplicas counts pods of currentRevision.
 */
export function statefulSetStatus(set: StatefulSet, pods: Pod[], nowMs = Date.now()): StatefulSetStatus {
  const updateRevision = updateRevisionOf(set);
  let currentRevision = currentRevisionOf(set);
  const active = pods.filter(isActive);
  const ready = active.filter((p) => p.status?.phase === 'Running' && isPodReady(p));
  const of = (rev: string) => active.filter((p) => p.metadata.labels?.[REVISION_LABEL] === rev).length;
  const updated = of(updateRevision);
  let current = of(currentRevision);
  if (set.spec.updateStrategy?.type !== 'OnDelete' && updated === active.length && ready.length === active.length) {
    currentRevision = updateRevision;
    current = updated;
  }
  return {
    observedGeneration: set.metadata.generation,
    replicas: active.length,
    readyReplicas: ready.length,
    currentReplicas: current,
    updatedReplicas: updated,
    availableReplicas: ready.filter((p) => msUntilAvailable(p, set.spec.minReadySeconds ?? 0, nowMs) === 0).length,
    currentRevision,
    updateRevision,
  };
}

export class StatefulSetController extends Controller {
  private readonly sets: Lister<StatefulSet>;
  private readonly owned: OwnedPods;
  private readonly claims: Lister<PersistentVolumeClaim>;

  constructor(informers: InformerSource, private readonly client: Client, private readonly events: EventRecorder) {
    super('statefulset-controller', 2);
    const sets = informers.informer<StatefulSet>('statefulsets');
    const pods = informers.informer<Pod>('pods');
    const claims = informers.informer<PersistentVolumeClaim>('persistentvolumeclaims');
    this.sets = sets;
    this.owned = new OwnedPods(pods);
    this.claims = claims;
    sets.addHandlers({ add: (s) => this.enqueue(keyOf(s)), update: (_o, s) => this.enqueue(keyOf(s)) });
    pods.addHandlers(podOwnerHandlers('StatefulSet', sets, (key) => this.enqueue(key)));
    // a pod waits for a claim of its that was being deleted: look again once it is gone
    claims.addHandlers({
      delete: (c) => { for (const set of this.sets.list(c.metadata.namespace)) if (claimTemplateNames(set).some((t) => c.metadata.name!.startsWith(`${t}-${set.metadata.name}-`))) this.enqueue(keyOf(set)); },
    });
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    let set = this.sets.get(namespace, name);
    if (!set || set.metadata.deletionTimestamp) return;
    // upstream's getPodsForStatefulSet: adopt matching orphans, release pods that no longer match
    // owned by uid (only its own namespace's: as the namespace scan did) and the namespace's orphans
    const candidates = this.owned.candidates(set);
    const pods = await claimPods(this.client, ownerOf(set), candidates, (p) => isMemberOf(set!, p));
    await this.keepClaimOwners(set, pods);
    // a pod waiting for its node whose claim went (upstream's processReplica: createMissingPersistentVolumeClaims)
    for (const p of pods) {
      const ordinal = ordinalOf(set, p);
      if (ordinal < 0 || !wantsOrdinal(set, ordinal) || p.status?.phase !== 'Pending' || isTerminating(p)) continue;
      if (claimNamesOf(set, ordinal).some((c) => !this.claims.get(set!.metadata.namespace, c))) await this.ensureClaims(set, ordinal);
    }
    const nowMs = Date.now();
    const updateRevision = updateRevisionOf(set);
    for (const step of planStatefulSet(set, pods, updateRevision, nowMs)) {
      if (step.action === 'create') await this.createPod(set, step.ordinal);
      else if (step.action === 'delete') await this.deletePod(set, step.pod);
    }
    const status = statefulSetStatus(set, pods, nowMs);
    // keep the current revision's template before the next template change needs it
    const stored = annotationToStore(set, status.currentRevision!);
    if (stored !== undefined) {
      set = await this.client.update<StatefulSet>({ ...set, metadata: { ...set.metadata, annotations: { ...set.metadata.annotations, [CURRENT_TEMPLATE_ANNOTATION]: stored } } });
    }
    if (!sameStatus(set.status, status)) await this.client.update<StatefulSet>({ ...set, status }, { subresource: 'status' });
    // a Ready pod becomes available minReadySeconds later: look again then
    const wait = msUntilNextAvailable(set, pods, nowMs);
    if (wait !== undefined) this.enqueueAfter(keyOf(set), wait);
  }

  /**
   * The retention policy as owner references on the set's claims (before a
   * condemned pod is deleted, so its claims go once it is gone); a claim of a
   * condemned ordinal with no pod left, under whenScaled=Delete, is deleted.
   */
  private async keepClaimOwners(set: StatefulSet, pods: Pod[]): Promise<void> {
    const templates = claimTemplateNames(set);
    if (templates.length === 0) return;
    const byOrdinal = new Map(pods.map((p) => [ordinalOf(set, p), p]));
    for (const claim of this.claims.list(set.metadata.namespace)) {
      const ordinal = claimOrdinal(set, templates, claim);
      if (ordinal === undefined || claim.metadata.deletionTimestamp) continue;
      const pod = byOrdinal.get(ordinal);
      if (!pod && !wantsOrdinal(set, ordinal) && claimRetention(set).whenScaled === 'Delete') {
        await this.deleteClaim(claim);
        continue;
      }
      const owners = claimOwners(set, claim, ordinal, pod);
      if (deepEqual(owners, claim.metadata.ownerReferences ?? [])) continue;
      const { ownerReferences: _old, ...metadata } = claim.metadata;
      await this.client.update<PersistentVolumeClaim>({ ...claim, metadata: { ...metadata, ...ownersFor(owners) } });
    }
  }

  private async deleteClaim(claim: PersistentVolumeClaim): Promise<void> {
    try {
      await this.client.delete('persistentvolumeclaims', claim.metadata.namespace, claim.metadata.name!, { preconditions: { uid: claim.metadata.uid! } });
    } catch (err) {
      if (!isApiError(err, 'NotFound') && !isApiError(err, 'Conflict')) throw err;
    }
  }

  /**
   * Upstream's createPersistentVolumeClaims: each claim the pod of `ordinal`
   * mounts, made if missing; false while one is being deleted (the pod would
   * find it gone), with upstream's event.
   */
  private async ensureClaims(set: StatefulSet, ordinal: number): Promise<boolean> {
    for (const template of set.spec.volumeClaimTemplates ?? []) {
      if (!template.metadata?.name) continue;
      const wanted = claimFor(set, template, ordinal);
      const existing = this.claims.get(set.metadata.namespace, wanted.metadata.name!);
      if (existing?.metadata.deletionTimestamp) {
        this.events.warning(set, 'FailedCreate', `create Pod ${set.metadata.name}-${ordinal} in StatefulSet ${set.metadata.name} failed error: pvc ${wanted.metadata.name} is being deleted`);
        return false;
      }
      if (existing) continue;
      const claim = { ...wanted, metadata: { ...wanted.metadata, ...ownersFor(claimOwners(set, wanted, ordinal, undefined)) } };
      try {
        await this.client.create(claim);
        this.events.normal(set, 'SuccessfulCreate', `create Claim ${claim.metadata.name} Pod ${set.metadata.name}-${ordinal} in StatefulSet ${set.metadata.name} success`);
      } catch (err) {
        if (isApiError(err, 'AlreadyExists')) continue; // our cache is behind
        this.events.warning(set, 'FailedCreate', `create Claim ${claim.metadata.name} for Pod ${set.metadata.name}-${ordinal} in StatefulSet ${set.metadata.name} failed error: ${(err as Error).message}`);
        throw err;
      }
    }
    return true;
  }

  /**
   * Upstream's newVersionedStatefulSetPod: below the partition the current
   * revision's template, if the annotation still holds it; else spec.template.
   */
  private async createPod(set: StatefulSet, ordinal: number): Promise<void> {
    if (!(await this.ensureClaims(set, ordinal))) return;
    const currentRevision = currentRevisionOf(set);
    const old = createsFromCurrentRevision(set, ordinal) ? storedTemplate(set, currentRevision) : undefined;
    const t: PodTemplateSpec = old ?? set.spec.template;
    const revision = old ? currentRevision : updateRevisionOf(set);
    const name = `${set.metadata.name}-${ordinal}`;
    const pod: Pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        name, namespace: set.metadata.namespace,
        labels: { ...(t.metadata?.labels ?? {}), [REVISION_LABEL]: revision, [POD_NAME_LABEL]: name, 'apps.kubernetes.io/pod-index': String(ordinal) },
        ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
        ownerReferences: [controllerRefTo(ownerOf(set))],
      },
      // a shallow spread: every Client copies (LocalClient) or serializes (HttpClient) what it creates
      spec: { ...t.spec, hostname: name, ...(set.spec.serviceName ? { subdomain: set.spec.serviceName } : {}), ...claimVolumes(set, t, ordinal) },
    };
    try {
      await this.client.create(pod);
      this.events.normal(set, 'SuccessfulCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} successful`);
    } catch (err) {
      if (isApiError(err, 'AlreadyExists')) return; // our cache is behind; the next sync sees it
      this.events.warning(set, 'FailedCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} failed error: ${(err as Error).message}`);
      throw err;
    }
  }

  private async deletePod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.client.delete('pods', pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid! } });
      this.events.normal(set, 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }
}

/**
 * Upstream's updateStorage: each volumeClaimTemplate becomes the pod's volume
 * of that name, bound to the claim `<template>-<set>-<ordinal>` (replacing a
 * template volume of the same name).
 */
function claimVolumes(set: StatefulSet, t: PodTemplateSpec, ordinal: number): { volumes?: Volume[] } {
  const templates = claimTemplateNames(set);
  if (templates.length === 0) return {};
  const claimed = new Set(templates);
  const claimNames = claimNamesOf(set, ordinal);
  return {
    volumes: [
      ...(t.spec.volumes ?? []).filter((v) => !claimed.has(v.name)),
      ...templates.map((c, i) => ({ name: c, persistentVolumeClaim: { claimName: claimNames[i]! } })),
    ],
  };
}

/** The ordinal a claim of the set's templates is for (`<template>-<set>-<ordinal>`), or undefined. */
function claimOrdinal(set: StatefulSet, templates: string[], claim: PersistentVolumeClaim): number | undefined {
  for (const t of templates) {
    const prefix = `${t}-${set.metadata.name}-`;
    const rest = claim.metadata.name!.startsWith(prefix) ? claim.metadata.name!.slice(prefix.length) : '';
    if (/^(0|[1-9]\d*)$/.test(rest)) return Number(rest);
  }
  return undefined;
}

function ownersFor(owners: OwnerReference[]): { ownerReferences?: OwnerReference[] } {
  return owners.length > 0 ? { ownerReferences: owners } : {};
}
