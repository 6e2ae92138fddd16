// Deployment → Pods. podnet has no ReplicaSet kind, so the Deployment owns its
// Pods directly and tells template generations apart by the pod-template-hash
// label, exactly the label upstream's ReplicaSets put on theirs. Rolling update
// follows upstream's arithmetic: maxSurge rounds up, maxUnavailable rounds down,
// and old pods go, unavailable ones first, only while replicas - maxUnavailable
// pods stay available even if every old one left were available. A paused
// Deployment, or one whose replicas change mid-rollout, is scaled instead of
// rolled, as upstream's syncDeployment: each template group in proportion to
// its size (deployment-scale.ts), an old group's new pods copied from its own.
// Pods are claimed as upstream claims ReplicaSets (controller-ref.ts): an
// orphan with a pod-template-hash that the selector matches is adopted, as
// the ReplicaSet it came from would be, and is then a pod of its template's
// group, an old one rolled like any other.

import { deepEqual } from '../store/deep-equal.js';
import type { Deployment, Pod, PodTemplateSpec } from '../api/types.js';
import { matchesLabelSelector } from '../api/labels.js';
import { isActive, isPodAvailable, isPodReady, isTerminal, isTerminating, msUntilAvailable, nowRFC3339, setCondition } from '../api/pod-helpers.js';
import type { Client } from '../client/client.js';
import { isApiError } from '../errors.js';
import { Controller } from './controller.js';
import { claimPods, controllerRefTo, orphanNamespace, ORPHANS_BY_NAMESPACE, podOwnerHandlers, type PodOwner } from './controller-ref.js';
import { progressingCondition } from './deployment-progress.js';
import { scaleGroups } from './deployment-scale.js';
import type { EventRecorder } from './events.js';
import { indexLookup, keyOf, splitKey, type IndexLookup, type InformerSource, type Lister } from './informers.js';
import { randomSuffix, templateHash } from './template-hash.js';

export const POD_TEMPLATE_HASH = 'pod-template-hash';
/** pods by the uid of their controlling owner */
export const CONTROLLER_UID_INDEX = 'controller-uid';

export function controllerUid(obj: { metadata: { ownerReferences?: { uid: string; controller?: boolean }[] } }): string[] {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller);
  return ref ? [ref.uid] : [];
}

export function resolveIntOrPercent(value: number | string | undefined, total: number, roundUp: boolean, fallback: string): number {
  const v = value ?? fallback;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return Number(v) || 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * Whether the Deployment wants this pod (upstream: its selector matches the
 * ReplicaSet, whose own selector, and so the pod, carries a
 * pod-template-hash). A pod without the label belongs to no template group,
 * so a bare pod that only shares the labels is never adopted.
 */
export function wantsPod(deploy: Deployment, pod: Pod): boolean {
  return !!pod.metadata.labels?.[POD_TEMPLATE_HASH] && matchesLabelSelector(deploy.spec.selector, pod.metadata.labels);
}

const ownerOf = (deploy: Deployment): PodOwner => ({ obj: deploy, apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' });

/** the order pods of one template go in: the least useful first */
function byDeletionPreference(a: Pod, b: Pod): number {
  return Number(isPodReady(a)) - Number(isPodReady(b)) || // not-ready first
    Number(!!a.spec.nodeName) - Number(!!b.spec.nodeName) || // unscheduled first
    (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''); // newest first
}

export interface RolloutPlan {
  create: number;
  /** pods to delete, in order */
  remove: Pod[];
}

/**
 * Pure: given the Deployment and its active pods, what to do now. Called again
 * after every pod change, so each step only needs to be safe, not complete.
 * oldTerminating: old-template pods already being deleted that still run
 * (Recreate starts no new pod while any does, as upstream's oldPodsRunning).
 */
export function planRollout(deploy: Deployment, pods: Pod[], hash: string, now = Date.now(), oldTerminating = 0): RolloutPlan {
  const replicas = deploy.spec.replicas ?? 1;
  const available = (p: Pod) => isPodAvailable(p, deploy.spec.minReadySeconds ?? 0, now);
  const current = pods.filter((p) => p.metadata.labels?.[POD_TEMPLATE_HASH] === hash);
  const old = pods.filter((p) => p.metadata.labels?.[POD_TEMPLATE_HASH] !== hash);

  if (deploy.spec.strategy?.type === 'Recreate') {
    if (old.length > 0) return { create: 0, remove: [...old].sort(byDeletionPreference) };
    if (oldTerminating > 0) return { create: 0, remove: [] };
    if (current.length > replicas) return { create: 0, remove: [...current].sort(byDeletionPreference).slice(0, current.length - replicas) };
    return { create: replicas - current.length, remove: [] };
  }

  const surge = resolveIntOrPercent(deploy.spec.strategy?.rollingUpdate?.maxSurge, replicas, true, '25%');
  let unavailable = resolveIntOrPercent(deploy.spec.strategy?.rollingUpdate?.maxUnavailable, replicas, false, '25%');
  if (surge === 0 && unavailable === 0) unavailable = 1;

  if (old.length === 0) {
    if (current.length < replicas) return { create: replicas - current.length, remove: [] };
    return { create: 0, remove: [...current].sort(byDeletionPreference).slice(0, current.length - replicas) };
  }

  const remove: Pod[] = [];
  const maxTotal = replicas + surge;
  const create = Math.max(0, Math.min(replicas - current.length, maxTotal - pods.length));
  const excessNew = current.length > replicas ? [...current].sort(byDeletionPreference).slice(0, current.length - replicas) : [];
  remove.push(...excessNew);
  const keptNew = current.filter((p) => !excessNew.includes(p));

  // Upstream's reconcileOldReplicaSets. An old pod that is not available now
  // may be again in a second (a readiness probe that failed once, or any pod
  // after a daemon restart, as the node agents report not ready until the
  // first probe passes), so the budget counts every old pod as if it were
  // available and every new one that is not (those created now included) as
  // if it never would be: maxScaledDown = allPods - minAvailable - newUnavailable.
  // With maxUnavailable 0 and no new pod available yet that is 0: nothing goes.
  // As upstream, availability is Ready for minReadySeconds.
  const minAvailable = replicas - unavailable;
  const allPods = old.length + keptNew.length + create;
  const newUnavailable = keptNew.filter((p) => !available(p)).length + create;
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return { create, remove };

  // Unavailable old pods first (cleanupUnhealthyReplicas): they serve nothing,
  // but only as many as the budget allows.
  const oldSorted = [...old].sort(byDeletionPreference);
  const unavailableOld = oldSorted.filter((p) => !available(p));
  const cleanedUp = unavailableOld.slice(0, maxScaledDown);
  remove.push(...cleanedUp);
  // Then available ones while the available pods stay above minAvailable
  // (scaleDownOldReplicaSetsForRollingUpdate). This never exceeds what is left
  // of the budget: it is only positive once every unavailable old pod has gone.
  const availableOld = oldSorted.filter(available);
  let canRemove = keptNew.filter(available).length + availableOld.length - minAvailable;
  for (const p of availableOld) {
    if (canRemove <= 0) break;
    remove.push(p);
    canRemove--;
  }
  return { create, remove };
}

/** what one sync does: pods to create per template group, pods to delete */
export interface ScalePlan {
  /** from: a pod of an older group to copy, as its template is no longer the Deployment's */
  create: { hash: string; count: number; from?: Pod }[];
  remove: Pod[];
}

const hashOfPod = (p: Pod) => p.metadata.labels?.[POD_TEMPLATE_HASH] ?? '';

/**
 * Pure: upstream's scale step (sync.go, DeploymentController.sync), for a
 * paused Deployment or a scaling event: every group of pods (one template
 * hash) is sized to the new spec.replicas, in proportion mid-rollout
 * (deployment-scale.ts); no rollout progresses, so no group of the current
 * template is started and no group's template changes.
 */
export function planScale(deploy: Deployment, pods: Pod[], hash: string, now = Date.now()): ScalePlan {
  // Created paused: upstream makes no ReplicaSet (getAllReplicaSetsAndSyncRevision
  // without createIfNotExisted), so no pod starts until it is resumed. One that
  // ran before and lost its pods is still scaled, as its ReplicaSet would be.
  if (deploy.spec.paused && pods.length === 0 && deploy.status?.observedGeneration === undefined) return { create: [], remove: [] };
  const replicas = deploy.spec.replicas ?? 1;
  const recreate = deploy.spec.strategy?.type === 'Recreate';
  const groups = new Map<string, Pod[]>();
  for (const p of pods) groups.set(hashOfPod(p), [...(groups.get(hashOfPod(p)) ?? []), p]);
  const current = groups.get(hash) ?? [];
  const minReadySeconds = deploy.spec.minReadySeconds ?? 0;
  const oldest = (ps: Pod[]) => ps.map((p) => p.metadata.creationTimestamp ?? '').sort()[0] ?? '';
  const targets = scaleGroups([...groups].map(([h, ps]) => ({ hash: h, size: ps.length, created: oldest(ps) })), {
    replicas,
    maxSurge: recreate ? 0 : resolveIntOrPercent(deploy.spec.strategy?.rollingUpdate?.maxSurge, replicas, true, '25%'),
    rollingUpdate: !recreate,
    currentHash: hash,
    currentSaturated: current.length > 0 && current.length === replicas && current.every((p) => isPodAvailable(p, minReadySeconds, now)),
  });
  const plan: ScalePlan = { create: [], remove: [] };
  for (const [h, size] of targets) {
    const members = groups.get(h) ?? [];
    if (size > members.length) plan.create.push({ hash: h, count: size - members.length, ...(h !== hash ? { from: members[0] } : {}) });
    else if (size < members.length) plan.remove.push(...[...members].sort(byDeletionPreference).slice(0, members.length - size));
  }
  return plan;
}

/**
 * Whether spec.replicas changed mid-rollout (upstream isScalingEvent), so the
 * groups are first scaled in proportion (planScale) and the rollout goes on
 * from there at the next sync. Upstream compares spec.replicas with the
 * deployment.kubernetes.io/desired-replicas annotation of each ReplicaSet.
 * podnet has no ReplicaSet and will not rewrite pods to annotate them, and
 * an in-memory record would be lost on restart; what survives is the
 * Deployment's own status: observedGeneration says the spec changed since the
 * last sync, and then the pods scaled for the old spec add up to something
 * other than replicas + maxSurge. A rollout step, which leaves the pods short
 * of that between syncs, never passes: it changes no spec. Left out, as a rollout: a new template
 * (the current group has no pod yet: its pods are what the rollout makes) and
 * a single group (planRollout sizes it as the scale would). A spec change
 * other than replicas (maxSurge, resuming) that finds the pods short of
 * replicas + maxSurge is scaled too, where upstream would only roll on.
 */
export function isScalingEvent(deploy: Deployment, pods: Pod[], hash: string): boolean {
  if (deploy.spec.strategy?.type === 'Recreate') return false;
  if (deploy.metadata.generation === undefined || deploy.metadata.generation === deploy.status?.observedGeneration) return false;
  const hashes = new Set(pods.map(hashOfPod));
  if (hashes.size < 2 || !hashes.has(hash)) return false;
  const replicas = deploy.spec.replicas ?? 1;
  const allowed = replicas > 0 ? replicas + resolveIntOrPercent(deploy.spec.strategy?.rollingUpdate?.maxSurge, replicas, true, '25%') : 0;
  return pods.length !== allowed;
}

/** an old group's pod as the template for more of its kind: what the Deployment's template was */
function templateOf(pod: Pod): PodTemplateSpec {
  const { nodeName: _bound, ...spec } = pod.spec;
  return {
    metadata: { labels: { ...(pod.metadata.labels ?? {}) }, ...(pod.metadata.annotations ? { annotations: { ...pod.metadata.annotations } } : {}) },
    spec,
  };
}

/**
 * Whether a pod update can change what its Deployment's sync does: the sync
 * reads a pod's controller, labels (the template hash, and the selector that
 * keeps it owned), activity (deletion, terminal phase), readiness and
 * binding (claimPods, planRollout, updateStatus). Most pod updates
 * are other status writes (the scheduler's PodScheduled=False, container
 * states, probe times) that would each cost a sync ending in "nothing to do".
 * Upstream's ReplicaSet controller queues on every update; the outcome is the
 * same, as the sync reads only these fields.
 */
export function podChangeMatters(old: Pod, cur: Pod): boolean {
  return !deepEqual(old.metadata.labels ?? {}, cur.metadata.labels ?? {})
    || controllerUid(old)[0] !== controllerUid(cur)[0]
    || isActive(old) !== isActive(cur)
    || isPodReady(old) !== isPodReady(cur)
    || old.spec.nodeName !== cur.spec.nodeName;
}

export class DeploymentController extends Controller {
  private readonly deployments: Lister<Deployment>;
  private readonly podsByOwner: IndexLookup<Pod>;
  private readonly orphans: IndexLookup<Pod>;
  /** the template hash per Deployment uid, for the generation it was computed at (the template is in spec) */
  private readonly hashes = new Map<string, { generation: number | undefined; hash: string }>();

  constructor(informers: InformerSource, private readonly client: Client, private readonly events: EventRecorder) {
    super('deployment-controller', 2);
    const deployments = informers.informer<Deployment>('deployments');
    const pods = informers.informer<Pod>('pods');
    this.deployments = deployments;
    this.podsByOwner = indexLookup(pods, CONTROLLER_UID_INDEX, controllerUid);
    this.orphans = indexLookup(pods, ORPHANS_BY_NAMESPACE, orphanNamespace);
    deployments.addHandlers({
      add: (d) => this.enqueue(keyOf(d)),
      update: (_o, d) => this.enqueue(keyOf(d)),
      delete: (d) => { this.hashes.delete(d.metadata.uid!); },
    });
    pods.addHandlers(podOwnerHandlers('Deployment', deployments, (key) => this.enqueue(key), podChangeMatters));
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const deploy = this.deployments.get(namespace, name);
    if (!deploy || deploy.metadata.deletionTimestamp) return; // the garbage collector removes its pods
    // upstream's getReplicaSetsForDeployment: adopt matching orphans, release pods that no longer match
    const candidates = [...this.podsByOwner.get(deploy.metadata.uid!), ...this.orphans.get(namespace ?? '')];
    const owned = await claimPods(this.client, ownerOf(deploy), candidates, (p) => wantsPod(deploy, p));
    let active = owned.filter(isActive);
    const hash = this.hashOf(deploy);
    // As upstream syncDeployment: a paused Deployment is still scaled, and a
    // scaling event is a scale alone; otherwise the rollout
    let plan: ScalePlan;
    if (deploy.spec.paused || isScalingEvent(deploy, active, hash)) {
      plan = planScale(deploy, active, hash);
    } else {
      const oldTerminating = owned.filter((p) => isTerminating(p) && !isTerminal(p) && p.metadata.labels?.[POD_TEMPLATE_HASH] !== hash).length;
      const rollout = planRollout(deploy, active, hash, Date.now(), oldTerminating);
      plan = { create: rollout.create > 0 ? [{ hash, count: rollout.create }] : [], remove: rollout.remove };
    }
    const created: Pod[] = [];
    for (const { hash: h, count, from } of plan.create) {
      const template = from ? templateOf(from) : deploy.spec.template;
      for (let i = 0; i < count; i++) created.push(await this.createPod(deploy, h, template));
    }
    for (const pod of plan.remove) await this.deletePod(deploy, pod);
    // the status counts what this sync did, so the pods' own events find it
    // current instead of writing it a second time
    const removed = new Set(plan.remove.map((p) => p.metadata.uid));
    active = [...active.filter((p) => !removed.has(p.metadata.uid)), ...created];
    // a pod of an older template, terminating ones included: a rollout is under way
    const rollingOut = owned.some((p) => p.metadata.labels?.[POD_TEMPLATE_HASH] !== hash);
    await this.updateStatus(deploy, active, hash, rollingOut);
  }

  private hashOf(deploy: Deployment): string {
    const uid = deploy.metadata.uid!;
    const cached = this.hashes.get(uid);
    if (cached && deploy.metadata.generation !== undefined && cached.generation === deploy.metadata.generation) return cached.hash;
    const hash = templateHash(deploy.spec.template);
    this.hashes.set(uid, { generation: deploy.metadata.generation, hash });
    return hash;
  }

  private async createPod(deploy: Deployment, hash: string, t: PodTemplateSpec): Promise<Pod> {
    const name = `${deploy.metadata.name}-${hash}-${randomSuffix()}`;
    const pod: Pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        name, namespace: deploy.metadata.namespace,
        labels: { ...(t.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash },
        ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
        ownerReferences: [controllerRefTo(ownerOf(deploy))],
      },
      // not copied: every Client copies (LocalClient) or serializes (HttpClient) what it creates
      spec: t.spec,
    };
    try {
      const created = await this.client.create(pod);
      this.events.normal(deploy, 'SuccessfulCreate', `Created pod: ${name}`);
      return created;
    } catch (err) {
      this.events.warning(deploy, 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  private async deletePod(deploy: Deployment, pod: Pod): Promise<void> {
    try {
      await this.client.delete('pods', pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid! } });
      this.events.normal(deploy, 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }

  private async updateStatus(deploy: Deployment, pods: Pod[], hash: string, rollingOut: boolean): Promise<void> {
    const replicas = deploy.spec.replicas ?? 1;
    const updated = pods.filter((p) => p.metadata.labels?.[POD_TEMPLATE_HASH] === hash);
    const ready = pods.filter(isPodReady).length;
    const minReadySeconds = deploy.spec.minReadySeconds ?? 0;
    const nowMs = Date.now();
    // each pod once: available (0), Ready but not for minReadySeconds yet (> 0), not Ready (< 0)
    const untilAvailable = new Map(pods.map((p) => [p, msUntilAvailable(p, minReadySeconds, nowMs)]));
    const isAvailable = (p: Pod) => untilAvailable.get(p) === 0;
    const availableReplicas = pods.filter(isAvailable).length;
    // a Ready pod becomes available minReadySeconds later: look again then
    let soonest = Infinity;
    for (const ms of untilAvailable.values()) if (ms > 0 && ms < soonest) soonest = ms;
    if (soonest < Infinity) this.enqueueAfter(keyOf(deploy), soonest);
    // upstream MaxUnavailable: 0 for Recreate, whose pods are all replaced at once
    const unavailableAllowed = deploy.spec.strategy?.type === 'Recreate' ? 0 : resolveIntOrPercent(deploy.spec.strategy?.rollingUpdate?.maxUnavailable, replicas, false, '25%');
    const now = nowRFC3339();
    const available = availableReplicas >= replicas - unavailableAllowed;
    const complete = updated.length === replicas && pods.length === replicas && updated.filter(isAvailable).length === replicas;
    let conditions = setCondition(deploy.status?.conditions, {
      type: 'Available', status: available ? 'True' : 'False',
      reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
      message: available ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
      lastUpdateTime: now,
    }, now);
    const counts = { replicas: pods.length, updatedReplicas: updated.length, readyReplicas: ready, availableReplicas };
    const progress = progressingCondition(deploy, counts, complete, rollingOut, nowMs, now);
    if (progress.recheckInMs !== undefined) this.enqueueAfter(keyOf(deploy), progress.recheckInMs);
    conditions = setCondition(conditions, progress.condition, now);
    // DeploymentStatus's counts are omitempty: a zero is left out, as a real API server writes it
    const status = {
      observedGeneration: deploy.metadata.generation,
      ...withoutZeros({ ...counts, unavailableReplicas: Math.max(0, replicas - availableReplicas) }),
      conditions,
    };
    if (sameStatus(deploy.status, status)) return;
    await this.client.update<Deployment>({ ...deploy, status }, { subresource: 'status' });
  }
}

function withoutZeros(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));
}

/** keys sameStatus ignores: a status that differs only in them is not written again */
const STATUS_TIME_KEYS = new Set(['lastTransitionTime', 'lastUpdateTime']);

/**
 * Ignores condition timestamps so an unchanged Deployment is not rewritten.
 * Compares as JSON would see the values (undefined = absent), without
 * serializing both sides: it runs on every sync of every Deployment.
 */
export function sameStatus(a: unknown, b: unknown): boolean {
  return deepEqual(a, b, STATUS_TIME_KEYS);
}
