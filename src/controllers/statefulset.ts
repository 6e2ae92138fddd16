// StatefulSet → Pods name-S … name-(S+N-1), S = spec.ordinals.start, each
// with a stable hostname and subdomain (= serviceName) so the headless
// Service gives it a DNS name. OrderedReady creates in order and waits for
// each pod to be Running and available (Ready for minReadySeconds); scale-down
// and rolling update go from the highest ordinal down. Which template a new
// pod gets, and where the current revision's template is kept, is in
// statefulset-revision.ts.
//
// Claims and spec.persistentVolumeClaimRetentionPolicy: podnet has no
// PersistentVolumeClaim objects, only a directory per claim on the node
// (pod-volumes.ts), so the controller itself hands a claim back
// (`releaseClaim`) where upstream would make the claim a dependent of the pod
// or the set and let the garbage collector delete it. It does so only once
// no pod of that name is left in the API, since a pod still there (even
// terminating) may have the directory mounted. whenScaled=Delete releases the
// claims of an ordinal the set condemns (outside [start, start + replicas))
// once its pod is gone; a scale-up that brings the ordinal back first keeps
// them, and a pod that is only deleted and recreated keeps them.
// whenDeleted=Delete releases, after the set is deleted, the claims of every
// ordinal the controller saw a pod for and of every ordinal the set last
// wanted, each once its pod is gone. What the controller saw is kept in
// memory only: a set deleted or scaled down while the daemon was not running
// keeps its claims, as Retain would.

import type { Pod, PodTemplateSpec, StatefulSet, Volume } from '../api/types.js';
import { isActive, isControlledBy, isPodReady, isTerminating, msUntilAvailable } from '../api/pod-helpers.js';
import { matchesLabelSelector } from '../api/labels.js';
import { isDNS1123Subdomain } from '../api/validation/names.js';
import type { Client } from '../client/client.js';
import { isApiError } from '../errors.js';
import { Controller } from './controller.js';
import { claimPods, podOwnerHandlers } from './controller-ref.js';
import { sameStatus } from './deployment.js';
import type { EventRecorder } from './events.js';
import { keyOf, splitKey, type InformerSource, type Lister } from './informers.js';
import {
  CURRENT_TEMPLATE_ANNOTATION, annotationToStore, createsFromCurrentRevision, currentRevisionOf, startOrdinal,
  storedTemplate, updateRevisionOf,
} from './statefulset-revision.js';

export { startOrdinal } from './statefulset-revision.js';
export const REVISION_LABEL = 'controller-revision-hash';
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';

/** Gives a claim's storage back; called only once no pod that could mount it is left. */
export type ReleaseClaim = (namespace: string, claimName: string) => void;

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
 * Pure: of the ordinals seen for a live set, those whose claims
 * whenScaled=Delete gives back now: condemned, and no pod of that name left
 * (ascending, so the order of releases is fixed).
 */
export function scaledDownOrdinals(set: StatefulSet, seen: Iterable<number>, podExists: (name: string) => boolean): number[] {
  if (claimRetention(set).whenScaled !== 'Delete') return [];
  return [...seen].filter((o) => !wantsOrdinal(set, o) && !podExists(`${set.metadata.name}-${o}`)).sort((a, b) => a - b);
}

/**
 * Pure: the claims whenDeleted=Delete gives back for a set being deleted, per
 * pod name: every ordinal seen and every ordinal the set wanted last (a pod
 * it was about to create may already exist without the controller having
 * seen it). Empty for Retain or a set without claim templates.
 */
export function claimsOfDeletedSet(set: StatefulSet, seen: Iterable<number>): Map<string, string[]> {
  const claims = new Map<string, string[]>();
  if (claimRetention(set).whenDeleted !== 'Delete' || claimTemplateNames(set).length === 0) return claims;
  const start = startOrdinal(set);
  const ordinals = new Set(seen);
  for (let o = start; o < start + (set.spec.replicas ?? 1); o++) ordinals.add(o);
  for (const o of [...ordinals].sort((a, b) => a - b)) claims.set(`${set.metadata.name}-${o}`, claimNamesOf(set, o));
  return claims;
}

/**
 * Pure: what to do with a deleted set's pending claims, given the pod of that
 * name now (if any) and the set now under the same name (if recreated).
 * Gone: release. A pod of the new set: the claims are in use again, forget
 * them. Any other pod (the old set's, terminating or orphaned): wait.
 */
export function deletedSetClaimStep(pod: Pod | undefined, liveSet: StatefulSet | undefined): 'release' | 'forget' | 'wait' {
  if (!pod) return 'release';
  return liveSet && isControlledBy(pod, liveSet.metadata.uid) ? 'forget' : 'wait';
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

/** ms until the next Ready pod becomes available (minReadySeconds), or undefined: sync again then. */
export function msUntilNextAvailable(set: StatefulSet, pods: Pod[], nowMs: number): number | undefined {
  const minReady = set.spec.minReadySeconds ?? 0;
  if (minReady <= 0) return undefined;
  const waits = pods.filter(isActive).map((p) => msUntilAvailable(p, minReady, nowMs)).filter((ms) => ms > 0);
  return waits.length ? Math.min(...waits) : undefined;
}

export class StatefulSetController extends Controller {
  private readonly sets: Lister<StatefulSet>;
  private readonly pods: Lister<Pod>;
  /** per set key: its uid and the ordinals it had a pod for, the claims a retention policy may give back (in memory only) */
  private readonly seen = new Map<string, { uid: string; ordinals: Set<number> }>();
  /** per deleted set's key (whenDeleted=Delete): per pod name, the claims to give back once that pod is gone */
  private readonly deletedSetClaims = new Map<string, Map<string, string[]>>();

  /** `releaseClaim`: absent, every claim is retained whatever the policy */
  constructor(informers: InformerSource, private readonly client: Client, private readonly events: EventRecorder, private readonly releaseClaim?: ReleaseClaim) {
    super('statefulset-controller', 2);
    const sets = informers.informer<StatefulSet>('statefulsets');
    const pods = informers.informer<Pod>('pods');
    this.sets = sets;
    this.pods = pods;
    sets.addHandlers({ add: (s) => this.enqueue(keyOf(s)), update: (_o, s) => this.enqueue(keyOf(s)), delete: (s) => this.setDeleted(s) });
    pods.addHandlers(podOwnerHandlers('StatefulSet', sets, (key) => this.enqueue(key)));
    // a deleted set's pod may have lost its owner reference (orphan cascade): find its pending claims by name
    const byPendingClaims = (p: Pod) => {
      for (const [key, claims] of this.deletedSetClaims) if (key.startsWith(`${p.metadata.namespace}/`) && claims.has(p.metadata.name!)) this.enqueue(key);
    };
    pods.addHandlers({ delete: byPendingClaims });
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    let set = this.sets.get(namespace, name);
    this.releaseDeletedSetClaims(key, namespace!, set);
    if (!set || set.metadata.deletionTimestamp) return;
    // upstream's getPodsForStatefulSet: adopt matching orphans, release pods that no longer match
    const owner = { obj: set, apiVersion: 'apps/v1', kind: 'StatefulSet', plural: 'statefulsets' };
    const pods = await claimPods(this.client, owner, this.pods.list(namespace), (p) => isMemberOf(set!, p));
    const seen = this.seenOrdinals(set);
    for (const p of pods) { const o = ordinalOf(set, p); if (o >= 0) seen.add(o); }
    for (const o of scaledDownOrdinals(set, seen, (podName) => !!this.pods.get(namespace, podName))) {
      // the cache can be behind a pod this controller just made (scaled up and down again at once): ask the API
      if (await this.podExists(namespace!, `${set.metadata.name}-${o}`)) continue;
      this.release(namespace!, claimNamesOf(set, o));
      seen.delete(o);
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

  private async podExists(namespace: string, name: string): Promise<boolean> {
    try { await this.client.get('pods', namespace, name); return true; } catch (err) { if (isApiError(err, 'NotFound')) return false; throw err; }
  }

  /** The ordinals seen for this set; a set recreated under the same name starts afresh. */
  private seenOrdinals(set: StatefulSet): Set<number> {
    const key = keyOf(set);
    const entry = this.seen.get(key);
    if (entry && entry.uid === set.metadata.uid) return entry.ordinals;
    const ordinals = new Set<number>();
    this.seen.set(key, { uid: set.metadata.uid!, ordinals });
    return ordinals;
  }

  /**
   * The set is gone from the API: with whenDeleted=Delete, remember its
   * claims until the garbage collector has removed its pods (added to what a
   * set deleted just before under the same name still waits for).
   */
  private setDeleted(set: StatefulSet): void {
    const key = keyOf(set);
    const entry = this.seen.get(key);
    this.seen.delete(key);
    if (!this.releaseClaim) return;
    const claims = claimsOfDeletedSet(set, entry && entry.uid === set.metadata.uid ? entry.ordinals : []);
    if (claims.size === 0) return;
    this.deletedSetClaims.set(key, new Map([...(this.deletedSetClaims.get(key) ?? []), ...claims]));
    this.enqueue(key);
  }

  private releaseDeletedSetClaims(key: string, namespace: string, liveSet: StatefulSet | undefined): void {
    const pending = this.deletedSetClaims.get(key);
    if (!pending) return;
    for (const [podName, claims] of pending) {
      const step = deletedSetClaimStep(this.pods.get(namespace, podName), liveSet);
      if (step === 'wait') continue;
      if (step === 'release') this.release(namespace, claims);
      pending.delete(podName);
    }
    if (pending.size === 0) this.deletedSetClaims.delete(key);
  }

  /** A name no pod could have mounted (pod-volumes.ts refuses it) is never a path to remove. */
  private release(namespace: string, claimNames: string[]): void {
    for (const claim of claimNames) if (isDNS1123Subdomain(claim).length === 0) this.releaseClaim?.(namespace, claim);
  }

  /**
   * Upstream's newVersionedStatefulSetPod: below the partition the current
   * revision's template, if the annotation still holds it; else spec.template.
   */
  private async createPod(set: StatefulSet, ordinal: number): Promise<void> {
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
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata.name!, uid: set.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      // a shallow spread: every Client copies (LocalClient) or serializes (HttpClient) what it creates
      spec: { ...t.spec, hostname: name, ...(set.spec.serviceName ? { subdomain: set.spec.serviceName } : {}), ...claimVolumes(set, t, ordinal) },
    };
    try {
      await this.client.create(pod);
      this.seenOrdinals(set).add(ordinal); // even if it is deleted before a sync lists it
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
 * template volume of the same name). podnet has no PVC objects: the node
 * agent gives the claim a directory that outlives the pod (pod-volumes.ts).
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
