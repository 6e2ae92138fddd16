// StatefulSet → Pods name-S … name-(S+N-1), S = spec.ordinals.start, each
// with a stable hostname and subdomain (= serviceName) so the headless
// Service gives it a DNS name. OrderedReady creates in order and waits for
// each pod to be Running and available (Ready for minReadySeconds); scale-down
// and rolling update go from the highest ordinal down. Which template a new
// pod gets, and where the current revision's template is kept, is in
// statefulset-revision.ts.

import type { Pod, PodTemplateSpec, StatefulSet, Volume } from '../api/types.js';
import { isActive, isControlledBy, isPodReady, isTerminating, msUntilAvailable } from '../api/pod-helpers.js';
import type { Client } from '../client/client.js';
import { isApiError } from '../errors.js';
import { Controller } from './controller.js';
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

export function ordinalOf(set: StatefulSet, pod: Pod): number {
  const prefix = `${set.metadata.name}-`;
  const name = pod.metadata.name ?? '';
  if (!name.startsWith(prefix)) return -1;
  const n = Number(name.slice(prefix.length));
  return Number.isInteger(n) && n >= 0 ? n : -1;
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

  constructor(informers: InformerSource, private readonly client: Client, private readonly events: EventRecorder) {
    super('statefulset-controller', 2);
    const sets = informers.informer<StatefulSet>('statefulsets');
    const pods = informers.informer<Pod>('pods');
    this.sets = sets;
    this.pods = pods;
    sets.addHandlers({ add: (s) => this.enqueue(keyOf(s)), update: (_o, s) => this.enqueue(keyOf(s)) });
    const byOwner = (p: Pod) => {
      const owner = p.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'StatefulSet');
      if (owner) this.enqueue(`${p.metadata.namespace}/${owner.name}`);
    };
    pods.addHandlers({ add: byOwner, update: (_o, p) => byOwner(p), delete: byOwner });
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    let set = this.sets.get(namespace, name);
    if (!set || set.metadata.deletionTimestamp) return;
    const pods = this.pods.list(namespace).filter((p) => isControlledBy(p, set!.metadata.uid));
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
  const claims = (set.spec.volumeClaimTemplates ?? []).map((c) => c.metadata?.name).filter((n): n is string => !!n);
  if (claims.length === 0) return {};
  const claimed = new Set(claims);
  return {
    volumes: [
      ...(t.spec.volumes ?? []).filter((v) => !claimed.has(v.name)),
      ...claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: `${c}-${set.metadata.name}-${ordinal}` } })),
    ],
  };
}
