// StatefulSet → Pods name-0 … name-(N-1), each with a stable hostname and
// subdomain (= serviceName) so the headless Service gives it a DNS name.
// OrderedReady creates in order and waits for each pod to be Running and
// Ready; scale-down and rolling update go from the highest ordinal down.

import type { Pod, StatefulSet } from '../api/types.js';
import { isActive, isControlledBy, isPodReady, isTerminating } from '../api/pod-helpers.js';
import type { Client } from '../client/client.js';
import { isApiError } from '../errors.js';
import { Controller } from './controller.js';
import { sameStatus } from './deployment.js';
import type { EventRecorder } from './events.js';
import { keyOf, splitKey, type InformerSource, type Lister } from './informers.js';
import { templateHash } from './template-hash.js';

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

/** Pure: the next steps, given every pod the set owns (terminating ones included). */
export function planStatefulSet(set: StatefulSet, pods: Pod[], revision: string): StatefulStep[] {
  const replicas = set.spec.replicas ?? 1;
  const parallel = set.spec.podManagementPolicy === 'Parallel';
  const byOrdinal = new Map<number, Pod>();
  for (const p of pods) { const o = ordinalOf(set, p); if (o >= 0) byOrdinal.set(o, p); }
  const healthy = (p: Pod | undefined) => !!p && isActive(p) && p.status?.phase === 'Running' && isPodReady(p);
  const steps: StatefulStep[] = [];

  for (let i = 0; i < replicas; i++) {
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
    if (!parallel && !healthy(pod)) return [{ action: 'wait' }];
  }

  const extra = [...byOrdinal.entries()].filter(([o]) => o >= replicas).sort((a, b) => b[0] - a[0]);
  for (const [, pod] of extra) {
    if (isTerminating(pod)) { if (!parallel) return [{ action: 'wait' }]; continue; }
    steps.push({ action: 'delete', pod });
    if (!parallel) return steps;
  }
  if (steps.length) return steps;

  // Rolling update: replace the highest-ordinal pod of an older revision once all others are healthy.
  if (set.spec.updateStrategy?.type === 'OnDelete') return [{ action: 'none' }];
  const partition = set.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
  for (let i = replicas - 1; i >= partition; i--) {
    const pod = byOrdinal.get(i)!;
    if (pod.metadata.labels?.[REVISION_LABEL] !== revision) {
      const othersHealthy = [...byOrdinal.entries()].every(([o, p]) => o === i || o >= replicas || healthy(p));
      return othersHealthy ? [{ action: 'delete', pod }] : [{ action: 'wait' }];
    }
  }
  return [{ action: 'none' }];
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
    const set = this.sets.get(namespace, name);
    if (!set || set.metadata.deletionTimestamp) return;
    const pods = this.pods.list(namespace).filter((p) => isControlledBy(p, set.metadata.uid));
    const revision = `${set.metadata.name}-${templateHash(set.spec.template)}`;
    for (const step of planStatefulSet(set, pods, revision)) {
      if (step.action === 'create') await this.createPod(set, step.ordinal, revision);
      else if (step.action === 'delete') await this.deletePod(set, step.pod);
    }
    await this.updateStatus(set, pods, revision);
  }

  private async createPod(set: StatefulSet, ordinal: number, revision: string): Promise<void> {
    const t = set.spec.template;
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
      spec: { ...t.spec, hostname: name, ...(set.spec.serviceName ? { subdomain: set.spec.serviceName } : {}) },
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

  private async updateStatus(set: StatefulSet, pods: Pod[], revision: string): Promise<void> {
    const active = pods.filter(isActive);
    const ready = active.filter(isPodReady).length;
    const updated = active.filter((p) => p.metadata.labels?.[REVISION_LABEL] === revision).length;
    const status = {
      observedGeneration: set.metadata.generation,
      replicas: active.length,
      readyReplicas: ready,
      currentReplicas: updated,
      updatedReplicas: updated,
      availableReplicas: ready,
      currentRevision: revision,
      updateRevision: revision,
    };
    if (sameStatus(set.status, status)) return;
    await this.client.update<StatefulSet>({ ...set, status }, { subresource: 'status' });
  }
}
