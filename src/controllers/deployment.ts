// Deployment → ReplicaSets, as upstream's deployment controller
// (pkg/controller/deployment): the Deployment owns one ReplicaSet per pod
// template it has had, `<deployment>-<pod-template-hash>`, whose selector,
// labels and template carry the hash; the ReplicaSet controller
// (replicaset.ts) makes the pods. A rollout only changes ReplicaSets'
// spec.replicas, by upstream's arithmetic (rolling.go): the new one grows
// while all of them stay within replicas + maxSurge (rounded up), old ones
// shrink, unhealthy pods first, while the available pods stay above
// replicas - maxUnavailable (rounded down), counting the new set's
// unavailable pods as never becoming available. Recreate empties the old sets
// and waits for their pods to be gone before the new one grows. A paused
// Deployment, or one whose replicas changed mid-rollout, is scaled instead:
// each active set in proportion to its size (deployment-scale.ts). Each set
// carries its revision (the history `kubectl rollout history/undo` reads),
// the replicas it was scaled for and the maximum then; old empty sets beyond
// revisionHistoryLimit are deleted. Orphan ReplicaSets the selector matches
// are adopted (controller-ref.ts); pods an earlier podnet made for the
// Deployment itself are handed to the ReplicaSet of their template.

import type { Deployment, Pod, PodTemplateSpec, ReplicaSet } from '../api/types.js';
import { matchesLabelSelector } from '../api/labels.js';
import { isActive, isTerminal, nowRFC3339, setCondition } from '../api/pod-helpers.js';
import type { Client } from '../client/client.js';
import { deepEqual } from '../store/deep-equal.js';
import { isApiError } from '../errors.js';
import { Controller } from './controller.js';
import { claimObjects, controllerRefOf, controllerRefTo, orphanNamespace, ORPHANS_BY_NAMESPACE, type PodOwner } from './controller-ref.js';
import { progressingCondition, type NewSetEvent } from './deployment-progress.js';
import { proportionalSizes } from './deployment-scale.js';
import type { EventRecorder } from './events.js';
import { indexLookup, keyOf, splitKey, type IndexLookup, type InformerSource, type Lister } from './informers.js';
import { templateHash } from './template-hash.js';
import { byCreation, CONTROLLER_UID_INDEX, controllerUid, POD_TEMPLATE_HASH, resolveIntOrPercent, sameStatus } from './workload-pods.js';

export { POD_TEMPLATE_HASH, resolveIntOrPercent, sameStatus } from './workload-pods.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
/** the Deployment's annotations its sets do not take (upstream's annotationsToSkip) */
const NOT_COPIED = new Set(['kubectl.kubernetes.io/last-applied-configuration', REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION]);

/** upstream's copyDeploymentAnnotationsToReplicaSet: kubernetes.io/change-cause and the user's other annotations, onto the new set */
export function copiedAnnotations(deploy: Deployment): Record<string, string> {
  return Object.fromEntries(Object.entries(deploy.metadata.annotations ?? {}).filter(([k]) => !NOT_COPIED.has(k)));
}
/** on a pod an earlier podnet made for a Deployment itself, orphaned to be handed to a ReplicaSet: that Deployment's uid */
const HANDED_OVER = 'podnet.io/handed-over-by-deployment';
const HANDOVER_INDEX = 'handed-over-by-deployment';
const HANDOVER_RECHECK_MS = 50;

const ownerOf = (deploy: Deployment): PodOwner => ({ obj: deploy, apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' });

const replicasOf = (rs: ReplicaSet) => rs.spec.replicas ?? 0;
const sum = (sets: readonly ReplicaSet[], f: (rs: ReplicaSet) => number) => sets.reduce((n, rs) => n + f(rs), 0);
const revisionOf = (rs: ReplicaSet) => Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? 0) || 0;

/** upstream MaxSurge: 0 for Recreate (when both resolve to 0, maxUnavailableOf takes the 1 instead) */
export function maxSurgeOf(deploy: Deployment): number {
  if (deploy.spec.strategy?.type === 'Recreate') return 0;
  return resolveIntOrPercent(deploy.spec.strategy?.rollingUpdate?.maxSurge, deploy.spec.replicas ?? 1, true, '25%');
}

/** upstream MaxUnavailable: 0 for Recreate; never more than replicas; 1 when both it and maxSurge resolve to 0 */
export function maxUnavailableOf(deploy: Deployment): number {
  if (deploy.spec.strategy?.type === 'Recreate') return 0;
  const replicas = deploy.spec.replicas ?? 1;
  const surge = resolveIntOrPercent(deploy.spec.strategy?.rollingUpdate?.maxSurge, replicas, true, '25%');
  let unavailable = resolveIntOrPercent(deploy.spec.strategy?.rollingUpdate?.maxUnavailable, replicas, false, '25%');
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return Math.min(unavailable, replicas);
}

/** A step of a rollout or scale: a set's new spec.replicas. */
export interface ScaleStep { rs: ReplicaSet; replicas: number }

/**
 * Pure: upstream's NewRSNewReplicas for a rolling update: the new set grows
 * by what keeps all sets within replicas + maxSurge, up to replicas.
 */
export function newReplicasForRolling(deploy: Deployment, all: readonly ReplicaSet[], newReplicas: number): number {
  const replicas = deploy.spec.replicas ?? 1;
  const current = sum(all, replicasOf);
  const maxTotal = replicas + maxSurgeOf(deploy);
  if (current >= maxTotal) return newReplicas;
  return newReplicas + Math.min(maxTotal - current, replicas - newReplicas);
}

/**
 * Pure: upstream's reconcileOldReplicaSets. How far old sets may shrink now:
 * every pod of every set counted, less what must stay available, less the
 * new set's pods that are not available (as if they never would be). First
 * the old sets' unavailable pods (cleanupUnhealthyReplicas), oldest set
 * first, then available ones while the available pods stay above
 * replicas - maxUnavailable (scaleDownOldReplicaSetsForRollingUpdate).
 */
export function scaleDownOld(deploy: Deployment, oldSets: readonly ReplicaSet[], newRS: ReplicaSet | undefined): ScaleStep[] {
  const old = [...oldSets].sort(byCreation);
  if (sum(old, replicasOf) === 0) return [];
  const all = newRS ? [...old, newRS] : old;
  const minAvailable = (deploy.spec.replicas ?? 1) - maxUnavailableOf(deploy);
  const newUnavailable = newRS ? replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0) : 0;
  const maxScaledDown = sum(all, replicasOf) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];
  const target = new Map(old.map((rs) => [rs, replicasOf(rs)]));
  let cleaned = 0;
  for (const rs of old) {
    if (cleaned >= maxScaledDown) break;
    const unhealthy = replicasOf(rs) - (rs.status?.availableReplicas ?? 0);
    if (replicasOf(rs) === 0 || unhealthy <= 0) continue;
    const down = Math.min(maxScaledDown - cleaned, unhealthy);
    target.set(rs, replicasOf(rs) - down);
    cleaned += down;
  }
  // what is available now, across every set (those just cleaned of unavailable pods lose none)
  const available = sum(all, (rs) => rs.status?.availableReplicas ?? 0);
  let toScaleDown = available - minAvailable;
  for (const rs of old) {
    if (toScaleDown <= 0) break;
    const size = target.get(rs)!;
    if (size === 0) continue;
    const down = Math.min(size, toScaleDown);
    target.set(rs, size - down);
    toScaleDown -= down;
  }
  return old.filter((rs) => target.get(rs) !== replicasOf(rs)).map((rs) => ({ rs, replicas: target.get(rs)! }));
}

/**
 * Pure: upstream's isScalingEvent: an active set scaled for another
 * spec.replicas than the Deployment's now (its desired-replicas annotation).
 */
export function isScalingEvent(deploy: Deployment, sets: readonly ReplicaSet[]): boolean {
  return sets.some((rs) => {
    if (replicasOf(rs) === 0) return false;
    const desired = rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION];
    return desired !== undefined && Number(desired) !== (deploy.spec.replicas ?? 1);
  });
}

/**
 * Pure: upstream's scale (sync.go): one active set (or none: the new one, or
 * the newest) takes replicas; a saturated new set sends the old ones to 0;
 * otherwise, rolling, what reaching replicas + maxSurge adds or removes is
 * shared out in proportion to the sets' sizes.
 */
export function planScale(deploy: Deployment, newRS: ReplicaSet | undefined, oldSets: readonly ReplicaSet[]): ScaleStep[] {
  const replicas = deploy.spec.replicas ?? 1;
  const all = newRS ? [newRS, ...oldSets] : [...oldSets];
  const active = all.filter((rs) => replicasOf(rs) > 0);
  const only = active.length === 1 ? active[0] : active.length === 0 ? newRS ?? [...oldSets].sort(byCreation).at(-1) : undefined;
  if (only) return replicasOf(only) === replicas && scaledFor(only) === replicas ? [] : [{ rs: only, replicas }];
  if (newRS && replicasOf(newRS) === replicas && (newRS.status?.availableReplicas ?? 0) >= replicas) {
    return oldSets.filter((rs) => replicasOf(rs) > 0).map((rs) => ({ rs, replicas: 0 }));
  }
  if (deploy.spec.strategy?.type === 'Recreate') return active.filter((rs) => scaledFor(rs) !== replicas).map((rs) => ({ rs, replicas: replicasOf(rs) }));
  const sizes = proportionalSizes(active.map((rs) => ({ hash: rs.metadata.name!, size: replicasOf(rs), created: rs.metadata.creationTimestamp ?? '' })), replicas, maxSurgeOf(deploy));
  // every active set is scaled, its size kept or not, as upstream's scale(): a set left as it was
  // must still be annotated with the new replicas, or the scaling event would never end
  return active.filter((rs) => sizes.get(rs.metadata.name!) !== replicasOf(rs) || scaledFor(rs) !== replicas).map((rs) => ({ rs, replicas: sizes.get(rs.metadata.name!)! }));
}

/** the replicas a set was last scaled for (its desired-replicas annotation) */
const scaledFor = (rs: ReplicaSet) => Number(rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION] ?? NaN);

/** Pure: the old sets revisionHistoryLimit lets go (empty ones, oldest revision first). */
export function historyToDelete(deploy: Deployment, oldSets: readonly ReplicaSet[]): ReplicaSet[] {
  const limit = deploy.spec.revisionHistoryLimit ?? 10;
  const empty = oldSets.filter((rs) => replicasOf(rs) === 0 && (rs.status?.replicas ?? 0) === 0 && !rs.metadata.deletionTimestamp);
  if (empty.length <= limit) return [];
  return [...empty].sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b)).slice(0, empty.length - limit);
}

/**
 * A template as upstream compares them (EqualIgnoreHash, a semantic deep
 * equality of the decoded structs): without the hash label, and with nulls
 * and empty objects and lists left out, as Go's decoding and omitempty drop
 * them. `kubectl rollout undo` sends the old set's template with
 * `creationTimestamp: null` and `resources: {}`: it is still that set's.
 */
export function comparableTemplate(t: PodTemplateSpec): unknown {
  const { [POD_TEMPLATE_HASH]: _hash, ...labels } = t.metadata?.labels ?? {};
  return pruneEmpty({ ...t, metadata: { ...(t.metadata ?? {}), labels } });
}

function pruneEmpty(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(pruneEmpty);
    return items.length === 0 ? undefined : items;
  }
  if (v === null) return undefined;
  if (typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const kept = pruneEmpty(x);
    if (kept !== undefined) out[k] = kept;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/**
 * upstream's FindNewReplicaSet: the oldest set whose template is the
 * Deployment's, the hash aside. The set carrying the template's own hash is
 * looked at first: the one it nearly always is, so a sync compares one
 * template instead of every set's (the rest only after a rollback).
 */
export function findNewSet(deploy: Deployment, sets: readonly ReplicaSet[], hash: string): ReplicaSet | undefined {
  const wanted = comparableTemplate(deploy.spec.template);
  const same = (rs: ReplicaSet) => deepEqual(comparableTemplate(rs.spec.template), wanted);
  const hashed = sets.find((rs) => rs.metadata.labels?.[POD_TEMPLATE_HASH] === hash);
  if (hashed && same(hashed)) return hashed;
  return [...sets].sort(byCreation).find((rs) => rs !== hashed && same(rs));
}

/** The pod template of a set the Deployment makes: its own with the hash label. */
function hashedTemplate(t: PodTemplateSpec, hash: string): PodTemplateSpec {
  return { ...t, metadata: { ...(t.metadata ?? {}), labels: { ...(t.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } } };
}

/** an old pod's template, for the set its generation gets (pods an earlier podnet made for the Deployment itself) */
function templateOfPod(pod: Pod): PodTemplateSpec {
  const { nodeName: _bound, ...spec } = pod.spec;
  return { metadata: { labels: { ...(pod.metadata.labels ?? {}) }, ...(pod.metadata.annotations ? { annotations: { ...pod.metadata.annotations } } : {}) }, spec };
}

export class DeploymentController extends Controller {
  private readonly deployments: Lister<Deployment>;
  private readonly sets: Lister<ReplicaSet>;
  private readonly setsByOwner: IndexLookup<ReplicaSet>;
  private readonly orphanSets: IndexLookup<ReplicaSet>;
  private readonly podsByOwner: IndexLookup<Pod>;
  /** orphans handed over by a Deployment, by its uid (handOverOwnPods) */
  private readonly handedOver: IndexLookup<Pod>;
  /** the template hash per Deployment uid, for the generation it was computed at (the template is in spec) */
  private readonly hashes = new Map<string, { generation: number | undefined; collisions: number | undefined; hash: string }>();

  constructor(informers: InformerSource, private readonly client: Client, private readonly events: EventRecorder) {
    super('deployment-controller', 2);
    const deployments = informers.informer<Deployment>('deployments');
    const sets = informers.informer<ReplicaSet>('replicasets');
    const pods = informers.informer<Pod>('pods');
    this.deployments = deployments;
    this.sets = sets;
    this.setsByOwner = indexLookup(sets, CONTROLLER_UID_INDEX, controllerUid);
    this.orphanSets = indexLookup(sets, ORPHANS_BY_NAMESPACE, orphanNamespace);
    this.podsByOwner = indexLookup(pods, CONTROLLER_UID_INDEX, controllerUid);
    this.handedOver = indexLookup(pods, HANDOVER_INDEX, (p) => {
      const by = p.metadata.annotations?.[HANDED_OVER];
      return by && !controllerRefOf(p) ? [by] : [];
    });
    deployments.addHandlers({
      add: (d) => this.enqueue(keyOf(d)),
      update: (_o, d) => this.enqueue(keyOf(d)),
      delete: (d) => { this.hashes.delete(d.metadata.uid!); },
    });
    const toOwner = (rs: ReplicaSet) => {
      const ref = controllerRefOf(rs);
      if (ref?.kind === 'Deployment') { this.enqueue(`${rs.metadata.namespace}/${ref.name}`); return; }
      if (!ref) for (const d of this.deployments.list(rs.metadata.namespace)) if (matchesLabelSelector(d.spec.selector, rs.metadata.labels)) this.enqueue(keyOf(d));
    };
    sets.addHandlers({ add: toOwner, update: (o, rs) => { toOwner(rs); if (controllerRefOf(o)?.uid !== controllerRefOf(rs)?.uid) toOwner(o); }, delete: toOwner });
    // Recreate waits for the old sets' pods to be gone; pods an earlier podnet made for the Deployment are handed over
    const podGone = (p: Pod) => {
      const ref = controllerRefOf(p);
      if (ref?.kind === 'Deployment') this.enqueue(`${p.metadata.namespace}/${ref.name}`);
      if (ref?.kind !== 'ReplicaSet') return;
      const owner = this.sets.list(p.metadata.namespace!).find((rs) => rs.metadata.uid === ref.uid);
      const deploy = owner && controllerRefOf(owner);
      if (deploy?.kind === 'Deployment') this.enqueue(`${p.metadata.namespace}/${deploy.name}`);
    };
    pods.addHandlers({ add: (p) => { if (controllerRefOf(p)?.kind === 'Deployment') podGone(p); }, update: (o, p) => { if (isTerminal(o) !== isTerminal(p)) podGone(p); }, delete: podGone });
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    let deploy = this.deployments.get(namespace, name);
    if (!deploy || deploy.metadata.deletionTimestamp) return; // the garbage collector removes its sets
    // upstream's getReplicaSetsForDeployment: adopt matching orphans, release sets that no longer match
    const candidates = [...this.setsByOwner.get(deploy.metadata.uid!), ...this.orphanSets.get(namespace ?? '')];
    let sets = await claimObjects(this.client, ownerOf(deploy), 'replicasets', candidates, (rs) => matchesLabelSelector(deploy!.spec.selector, rs.metadata.labels));
    const handover = await this.handOverOwnPods(deploy, sets);
    if (handover.waiting) return;
    sets = handover.sets;
    const hash = this.hashOf(deploy);
    let newRS = findNewSet(deploy, sets, hash);
    let oldSets = sets.filter((rs) => rs !== newRS);

    // as upstream's syncDeployment: paused or a scaling event is a scale alone
    const scaling = deploy.spec.paused || isScalingEvent(deploy, sets);
    const recreate = deploy.spec.strategy?.type === 'Recreate';
    let newSet: NewSetEvent | undefined = newRS ? { made: false, name: newRS.metadata.name! } : undefined;
    if (!scaling && !newRS && !(recreate && this.oldPodsRunning(oldSets))) {
      // Recreate makes the new set only once the old pods are gone
      if (!recreate || sum(oldSets, replicasOf) === 0) {
        const made = await this.createNewSet(deploy, hash, oldSets, recreate ? (deploy.spec.replicas ?? 1) : newReplicasForRolling(deploy, oldSets, 0));
        newRS = made.rs;
        newSet = { made: made.made, name: newRS.metadata.name! };
      }
    }
    if (newRS) newRS = await this.syncRevision(deploy, newRS, oldSets);
    if (newRS?.metadata.annotations?.[REVISION_ANNOTATION] && deploy.metadata.annotations?.[REVISION_ANNOTATION] !== newRS.metadata.annotations[REVISION_ANNOTATION]) {
      deploy = await this.client.update<Deployment>({ ...deploy, metadata: { ...deploy.metadata, annotations: { ...(deploy.metadata.annotations ?? {}), [REVISION_ANNOTATION]: newRS.metadata.annotations[REVISION_ANNOTATION] } } });
    }

    let steps: ScaleStep[];
    if (scaling) steps = planScale(deploy, newRS, oldSets);
    else if (recreate) steps = this.planRecreate(deploy, newRS, oldSets);
    else steps = this.planRolling(deploy, newRS, oldSets);
    const scaled = new Map<string, ReplicaSet>();
    for (const s of steps) scaled.set(s.rs.metadata.uid!, await this.scaleSet(deploy, s.rs, s.replicas));
    const fresh = (rs: ReplicaSet) => scaled.get(rs.metadata.uid!) ?? rs;
    newRS = newRS && fresh(newRS);
    oldSets = oldSets.map(fresh);

    const complete = !!newRS && this.isComplete(deploy, newRS, oldSets);
    if (complete || deploy.spec.paused) for (const rs of historyToDelete(deploy, oldSets)) await this.deleteSet(rs);
    await this.updateStatus(deploy, newRS, oldSets, complete, newSet);
  }

  /** rolling.go's rolloutRolling: grow the new set first; if it did not grow, shrink old ones */
  private planRolling(deploy: Deployment, newRS: ReplicaSet | undefined, oldSets: ReplicaSet[]): ScaleStep[] {
    const replicas = deploy.spec.replicas ?? 1;
    if (newRS) {
      if (replicasOf(newRS) > replicas) return [{ rs: newRS, replicas }];
      if (replicasOf(newRS) < replicas) {
        const grown = newReplicasForRolling(deploy, [newRS, ...oldSets], replicasOf(newRS));
        if (grown !== replicasOf(newRS)) return [{ rs: newRS, replicas: grown }];
      }
    }
    return scaleDownOld(deploy, oldSets, newRS);
  }

  /** recreate.go: the old sets to 0 first; the new one to replicas once their pods are gone */
  private planRecreate(deploy: Deployment, newRS: ReplicaSet | undefined, oldSets: ReplicaSet[]): ScaleStep[] {
    const shrink = oldSets.filter((rs) => replicasOf(rs) > 0).map((rs) => ({ rs, replicas: 0 }));
    if (shrink.length > 0) return shrink;
    if (!newRS || this.oldPodsRunning(oldSets)) return [];
    const replicas = deploy.spec.replicas ?? 1;
    return replicasOf(newRS) === replicas ? [] : [{ rs: newRS, replicas }];
  }

  /** upstream's oldPodsRunning: a pod of an old set not yet finished (terminating ones included) */
  private oldPodsRunning(oldSets: ReplicaSet[]): boolean {
    return oldSets.some((rs) => (rs.status?.replicas ?? 0) > 0 || this.podsByOwner.get(rs.metadata.uid!).some((p) => !isTerminal(p)));
  }

  /** upstream's DeploymentComplete: every replica updated and available, nothing else left */
  private isComplete(deploy: Deployment, newRS: ReplicaSet, oldSets: ReplicaSet[]): boolean {
    const replicas = deploy.spec.replicas ?? 1;
    return replicasOf(newRS) === replicas && (newRS.status?.replicas ?? 0) === replicas && (newRS.status?.availableReplicas ?? 0) === replicas
      && sum(oldSets, (rs) => rs.status?.replicas ?? 0) === 0;
  }

  private hashOf(deploy: Deployment): string {
    const uid = deploy.metadata.uid!;
    const collisions = deploy.status?.collisionCount;
    const cached = this.hashes.get(uid);
    if (cached && deploy.metadata.generation !== undefined && cached.generation === deploy.metadata.generation && cached.collisions === collisions) return cached.hash;
    const hash = templateHash(deploy.spec.template, collisions);
    this.hashes.set(uid, { generation: deploy.metadata.generation, collisions, hash });
    return hash;
  }

  private setAnnotations(deploy: Deployment, revision?: number): Record<string, string> {
    const replicas = deploy.spec.replicas ?? 1;
    return {
      [DESIRED_REPLICAS_ANNOTATION]: String(replicas),
      [MAX_REPLICAS_ANNOTATION]: String(replicas + maxSurgeOf(deploy)),
      ...(revision !== undefined ? { [REVISION_ANNOTATION]: String(revision) } : {}),
    };
  }

  /** upstream's getNewReplicaSet with createIfNotExisted: `<deployment>-<hash>`, the next revision */
  private async createNewSet(deploy: Deployment, hash: string, oldSets: ReplicaSet[], replicas: number, template: PodTemplateSpec = deploy.spec.template): Promise<{ rs: ReplicaSet; made: boolean }> {
    const revision = Math.max(0, ...oldSets.map(revisionOf)) + 1;
    const hashed = hashedTemplate(template, hash);
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: {
        name: `${deploy.metadata.name}-${hash}`, namespace: deploy.metadata.namespace,
        labels: { ...(hashed.metadata?.labels ?? {}) },
        annotations: { ...copiedAnnotations(deploy), ...this.setAnnotations(deploy, revision) },
        ownerReferences: [controllerRefTo(ownerOf(deploy))],
      },
      spec: {
        replicas,
        ...(deploy.spec.minReadySeconds ? { minReadySeconds: deploy.spec.minReadySeconds } : {}),
        selector: { ...deploy.spec.selector, matchLabels: { ...(deploy.spec.selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash } },
        template: hashed,
      },
    };
    try {
      const created = await this.client.create(rs);
      this.events.normal(deploy, 'ScalingReplicaSet', `Scaled up replica set ${rs.metadata.name} to ${replicas}`);
      return { rs: created, made: true };
    } catch (err) {
      if (!isApiError(err, 'AlreadyExists')) throw err;
    }
    // made by a sync whose cache had not shown it yet, or another's: upstream's
    // getNewReplicaSet takes it only if it is ours with this template; a set of
    // another owner under the name bumps collisionCount, which the hash takes in
    const existing = await this.client.get<ReplicaSet>('replicasets', rs.metadata.namespace, rs.metadata.name!);
    if (controllerRefOf(existing)?.uid === deploy.metadata.uid && deepEqual(comparableTemplate(existing.spec.template), comparableTemplate(template))) return { rs: existing, made: false };
    const collisionCount = (deploy.status?.collisionCount ?? 0) + 1;
    await this.client.update<Deployment>({ ...deploy, status: { ...deploy.status, collisionCount } }, { subresource: 'status' });
    throw new Error(`replica set ${rs.metadata.name} already exists and is not this Deployment's (collisionCount now ${collisionCount})`);
  }

  /**
   * The new set's revision follows every old one (a rollback makes an old set
   * new again: it gets the next revision, as upstream), and its
   * minReadySeconds follows the Deployment's.
   */
  private async syncRevision(deploy: Deployment, newRS: ReplicaSet, oldSets: ReplicaSet[]): Promise<ReplicaSet> {
    const maxOld = Math.max(0, ...oldSets.map(revisionOf));
    const revision = revisionOf(newRS) > maxOld ? revisionOf(newRS) : maxOld + 1;
    const minReady = deploy.spec.minReadySeconds ?? 0;
    const annotations: Record<string, string> = { ...(newRS.metadata.annotations ?? {}), ...copiedAnnotations(deploy), [REVISION_ANNOTATION]: String(revision) };
    // an old set made new again (a rollback) keeps the revisions it had, as upstream's revision-history
    if (revisionOf(newRS) > 0 && revisionOf(newRS) !== revision) {
      const history = newRS.metadata.annotations?.[REVISION_HISTORY_ANNOTATION];
      annotations[REVISION_HISTORY_ANNOTATION] = history ? `${history},${revisionOf(newRS)}` : String(revisionOf(newRS));
    }
    if (deepEqual(annotations, newRS.metadata.annotations ?? {}) && (newRS.spec.minReadySeconds ?? 0) === minReady) return newRS;
    const { minReadySeconds: _old, ...spec } = newRS.spec;
    return this.client.update<ReplicaSet>({
      ...newRS,
      metadata: { ...newRS.metadata, annotations },
      spec: { ...spec, ...(minReady ? { minReadySeconds: minReady } : {}) },
    });
  }

  private async scaleSet(deploy: Deployment, rs: ReplicaSet, replicas: number): Promise<ReplicaSet> {
    const from = replicasOf(rs);
    const updated = await this.client.update<ReplicaSet>({
      ...rs,
      metadata: { ...rs.metadata, annotations: { ...(rs.metadata.annotations ?? {}), ...this.setAnnotations(deploy) } },
      spec: { ...rs.spec, replicas },
    });
    if (from !== replicas) this.events.normal(deploy, 'ScalingReplicaSet', `Scaled ${replicas > from ? 'up' : 'down'} replica set ${rs.metadata.name} to ${replicas} from ${from}`);
    return updated;
  }

  private async deleteSet(rs: ReplicaSet): Promise<void> {
    try {
      await this.client.delete('replicasets', rs.metadata.namespace, rs.metadata.name!, { preconditions: { uid: rs.metadata.uid! } });
    } catch (err) {
      if (!isApiError(err, 'NotFound') && !isApiError(err, 'Conflict')) throw err;
    }
  }

  /**
   * Pods an earlier podnet made for the Deployment itself (it owned its pods
   * then) go to ReplicaSets of their templates, neither lost nor made again:
   * first they are orphaned, marked as the Deployment's (HANDED_OVER); once
   * the shared cache shows them so, each template gets a set sized to them,
   * which the ReplicaSet controller, reading the same cache, adopts them into.
   * Made the other way round (a set first), the set's controller would see
   * no pod of its own yet and make new ones beside them. True while the
   * first step waits to be seen: the sync stops there.
   */
  private async handOverOwnPods(deploy: Deployment, sets: ReplicaSet[]): Promise<{ waiting: boolean; sets: ReplicaSet[] }> {
    const uid = deploy.metadata.uid!;
    const own = this.podsByOwner.get(uid).filter((p) => controllerRefOf(p)?.uid === uid && isActive(p));
    for (const p of own) {
      try {
        await this.client.patch('pods', p.metadata.namespace, p.metadata.name!, {
          metadata: { ownerReferences: [{ $patch: 'delete', uid }], annotations: { [HANDED_OVER]: uid }, uid: p.metadata.uid },
        }, { patchType: 'strategic' });
      } catch (err) {
        if (!isApiError(err, 'NotFound') && !isApiError(err, 'Conflict')) throw err;
      }
    }
    if (own.length > 0) { this.enqueueAfter(keyOf(deploy), HANDOVER_RECHECK_MS); return { waiting: true, sets }; }
    const byHash = new Map<string, Pod[]>();
    for (const p of this.handedOver.get(uid)) {
      const h = p.metadata.labels?.[POD_TEMPLATE_HASH];
      if (h && isActive(p) && !sets.some((rs) => rs.metadata.labels?.[POD_TEMPLATE_HASH] === h)) byHash.set(h, [...(byHash.get(h) ?? []), p]);
    }
    const result = [...sets];
    const current = this.hashOf(deploy);
    for (const [h, pods] of byHash) {
      const template = h === current ? deploy.spec.template : templateOfPod(pods[0]!);
      const { [POD_TEMPLATE_HASH]: _h, ...labels } = template.metadata?.labels ?? {};
      result.push((await this.createNewSet(deploy, h, result, pods.length, { ...template, metadata: { ...template.metadata, labels } })).rs);
    }
    return { waiting: false, sets: result };
  }

  private async updateStatus(deploy: Deployment, newRS: ReplicaSet | undefined, oldSets: ReplicaSet[], complete: boolean, newSet?: NewSetEvent): Promise<void> {
    const all = newRS ? [newRS, ...oldSets] : oldSets;
    const replicas = deploy.spec.replicas ?? 1;
    const availableReplicas = sum(all, (rs) => rs.status?.availableReplicas ?? 0);
    const now = nowRFC3339();
    const nowMs = Date.now();
    const available = availableReplicas >= replicas - maxUnavailableOf(deploy);
    let conditions = setCondition(deploy.status?.conditions, {
      type: 'Available', status: available ? 'True' : 'False',
      reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
      message: available ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
      lastUpdateTime: now,
    }, now);
    const counts = {
      replicas: sum(all, (rs) => rs.status?.replicas ?? 0),
      updatedReplicas: newRS?.status?.replicas ?? 0,
      readyReplicas: sum(all, (rs) => rs.status?.readyReplicas ?? 0),
      availableReplicas,
    };
    const rollingOut = oldSets.some((rs) => replicasOf(rs) > 0 || (rs.status?.replicas ?? 0) > 0);
    const progress = progressingCondition(deploy, counts, complete, rollingOut, nowMs, now, newRS?.metadata.name, newSet);
    if (progress.recheckInMs !== undefined) this.enqueueAfter(keyOf(deploy), progress.recheckInMs);
    conditions = setCondition(conditions, progress.condition, now);
    // DeploymentStatus's counts are omitempty: a zero is left out, as a real API server writes it
    const status = {
      observedGeneration: deploy.metadata.generation,
      ...withoutZeros({ ...counts, unavailableReplicas: Math.max(0, sum(all, replicasOf) - availableReplicas) }),
      conditions,
    };
    if (sameStatus(deploy.status, status)) return;
    await this.client.update<Deployment>({ ...deploy, status }, { subresource: 'status' });
  }
}

function withoutZeros(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));
}
