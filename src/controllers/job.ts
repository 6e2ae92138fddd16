// Job → Pods, as upstream's Job controller (pkg/controller/job): up to
// spec.parallelism pods at once until spec.completions have succeeded (with
// completions unset: until any one has, and the others are done). A failed
// pod is replaced after a back-off (JOB_POD_FAILURE_BACKOFF); more failed
// pods than spec.backoffLimit (restartPolicy Never), or as many container
// restarts (OnFailure: the kubelet restarts in place), fail the Job, as does
// spec.activeDeadlineSeconds; its active pods are then deleted. spec.suspend
// deletes the active pods and holds the Job. Indexed Jobs give each pod its
// completion index (annotation, label, JOB_COMPLETION_INDEX, hostname
// `<job>-<index>`) and list the indexes that succeeded in
// status.completedIndexes ("0-2,4").
//
// Counting as upstream does it: every pod carries the job-tracking
// finalizer, so a finished pod cannot vanish before it is counted. A sync
// first writes the finished pods' uids into status.uncountedTerminatedPods,
// then takes their finalizers off, then moves them into succeeded/failed.
// The Job's end is told in two steps, as upstream since 1.31: an interim
// condition (SuccessCriteriaMet or FailureTarget) as soon as it is decided,
// then Complete or Failed once no pod is left terminating or uncounted.
// Finished pods stay (Completed), as upstream; ttl-after-finished.ts removes
// a finished Job that asks for it, and its pods with it.
//
// The pure core (planJob, trackFinishedPods, settleUncounted) decides; the
// controller applies its decisions.

import type { Condition, Container, Job, JobStatus, Pod } from '../api/types.js';
import { matchesLabelSelector } from '../api/labels.js';
import { getCondition, isActive, isControlledBy, isPodReady, isTerminal, nowRFC3339 } from '../api/pod-helpers.js';
import type { Client } from '../client/client.js';
import { isApiError } from '../errors.js';
import { Controller } from './controller.js';
import { claimPods, controllerRefOf, controllerRefTo, orphanNamespace, ORPHANS_BY_NAMESPACE, podOwnerHandlers, type PodOwner } from './controller-ref.js';
import type { EventRecorder } from './events.js';
import { indexLookup, keyOf, splitKey, type IndexLookup, type InformerSource, type Lister } from './informers.js';
import { deletionOrder } from './replicaset.js';
import { randomSuffix } from './template-hash.js';
import { CONTROLLER_UID_INDEX, controllerUid, sameStatus } from './workload-pods.js';

/** keeps a Job's pod until the controller has counted it (batch.JobTrackingFinalizer) */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** an Indexed Job's pod's index: annotation and label (batch.JobCompletionIndexAnnotation) */
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
/** the environment variable an Indexed Job's containers read their index from */
export const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
/** spec.managedBy of the Jobs this controller syncs (and of those that name none) */
export const JOB_CONTROLLER_NAME = 'kubernetes.io/job-controller';
/**
 * The wait before a failed pod is replaced, upstream's numbers
 * (DefaultJobPodFailureBackOff, MaxJobPodFailureBackOff): 10 s after the
 * first failure since the last success, doubling with each further one, at
 * most 6 minutes. One constant, so that tests and docs name the same numbers.
 */
export const JOB_POD_FAILURE_BACKOFF = { initialMs: 10_000, maxMs: 360_000 } as const;
/** upstream's syncJobBatchPeriod: the shortest delay of a sync put off for a back-off */
const MIN_REQUEUE_MS = 1_000;

const SUCCESS = { reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
const BACKOFF_LIMIT_EXCEEDED = { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
const DEADLINE_EXCEEDED = { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
/** the spec fields podnet stores but does not act on: a Job that sets one is told so once */
const UNIMPLEMENTED = ['podFailurePolicy', 'successPolicy', 'backoffLimitPerIndex', 'maxFailedIndexes'] as const;

const ownerOf = (job: Job): PodOwner => ({ obj: job, apiVersion: 'batch/v1', kind: 'Job', plural: 'jobs' });

// ---- small facts ----

export function conditionTrue(job: Job, type: string): boolean {
  return getCondition(job.status?.conditions, type)?.status === 'True';
}

/** Complete or Failed: nothing more happens to the Job (util.IsJobFinished). */
export function isJobFinished(job: Job): boolean {
  return conditionTrue(job, 'Complete') || conditionTrue(job, 'Failed');
}

const isIndexed = (job: Job) => job.spec.completionMode === 'Indexed';
const isSuspended = (job: Job) => job.spec.suspend === true;
const hasTrackingFinalizer = (pod: Pod) => pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;

/** spec.podReplacementPolicy Failed (or a podFailurePolicy): a terminating pod is replaced only once it has failed. */
function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec.podReplacementPolicy === 'Failed' || job.spec.podFailurePolicy !== undefined;
}

/** A pod that counts as failed: phase Failed, or being deleted before it succeeded (isPodFailed). */
export function isPodFailed(pod: Pod, job: Job): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!pod.metadata.deletionTimestamp && pod.status?.phase !== 'Succeeded';
}

/** An Indexed Job's pod's index, or undefined when it has none that parses. */
export function completionIndexOf(pod: Pod): number | undefined {
  const text = pod.metadata.annotations?.[JOB_COMPLETION_INDEX];
  return text !== undefined && /^(0|[1-9]\d*)$/.test(text) ? Number(text) : undefined;
}

/** Whether an Indexed Job counts this pod: an index below completions (a NonIndexed Job counts every pod). */
function hasValidIndex(job: Job, pod: Pod): boolean {
  if (!isIndexed(job)) return true;
  const ix = completionIndexOf(pod);
  return ix !== undefined && ix < (job.spec.completions ?? 0);
}

// ---- indexes ----

/** Indexes as status.completedIndexes writes them: sorted, runs of three or more as ranges... and of two too ("0-1"), as upstream's String(). */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : `${sorted[i]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** status.completedIndexes read back; what does not parse, or lies at or beyond `completions`, is dropped (parseIndexesFromString). */
export function parseIndexes(text: string | undefined, completions: number): number[] {
  const out = new Set<number>();
  for (const part of (text ?? '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const from = Number(m[1]);
    const to = Math.min(Number(m[2] ?? m[1]), completions - 1);
    for (let i = from; i <= to; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

// ---- back-off ----

export interface BackoffRecord { failuresAfterLastSuccess: number; lastFailureMs?: number }

/** When a pod finished: its containers' last finishedAt, else Ready=False's transition, else its deletion, else its creation (getFinishedTime). */
export function podFinishedMs(pod: Pod): number {
  const statuses = pod.status?.containerStatuses ?? [];
  const finished = statuses.map((c) => Date.parse(c.state?.terminated?.finishedAt ?? ''));
  if (statuses.length > 0 && finished.every((t) => !Number.isNaN(t))) return Math.max(...finished);
  const ready = getCondition(pod.status?.conditions, 'Ready');
  const readyFalse = ready?.status === 'False' ? Date.parse(ready.lastTransitionTime ?? '') : NaN;
  if (!Number.isNaN(readyFalse)) return readyFalse;
  const deleted = Date.parse(pod.metadata.deletionTimestamp ?? '');
  if (!Number.isNaN(deleted)) return deleted - (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  return Date.parse(pod.metadata.creationTimestamp ?? '') || 0;
}

/** The back-off after this sync's newly finished pods (newBackoffRecord): a success resets it, unless failures came after it. */
export function nextBackoffRecord(prev: BackoffRecord | undefined, newSucceeded: readonly Pod[], newFailed: readonly Pod[]): BackoffRecord {
  const record: BackoffRecord = { ...(prev ?? { failuresAfterLastSuccess: 0 }) };
  const failedAt = newFailed.map(podFinishedMs).sort((a, b) => a - b);
  if (newSucceeded.length === 0) {
    if (failedAt.length === 0) return record;
    return { failuresAfterLastSuccess: record.failuresAfterLastSuccess + failedAt.length, lastFailureMs: failedAt.at(-1)! };
  }
  const lastSuccess = Math.max(...newSucceeded.map(podFinishedMs));
  const after = failedAt.filter((t) => t > lastSuccess);
  return after.length === 0 ? { failuresAfterLastSuccess: 0 } : { failuresAfterLastSuccess: after.length, lastFailureMs: after.at(-1)! };
}

/** ms left before a replacement may be made: initialMs·2^(failures-1), capped at maxMs, counted from the last failure. */
export function backoffRemainingMs(record: BackoffRecord | undefined, nowMs: number, backoff: { initialMs: number; maxMs: number } = JOB_POD_FAILURE_BACKOFF): number {
  if (!record || record.failuresAfterLastSuccess === 0 || record.lastFailureMs === undefined) return 0;
  let wait = backoff.initialMs;
  for (let i = 1; i < record.failuresAfterLastSuccess && wait < backoff.maxMs; i++) wait = Math.min(wait * 2, backoff.maxMs);
  return Math.max(0, wait - (nowMs - record.lastFailureMs));
}

// ---- the plan ----

/** OnFailure: the containers' restarts in pods still running or pending reach the backoffLimit (more than 0 for a limit of 0). */
export function pastBackoffLimitOnFailure(job: Job, pods: readonly Pod[]): boolean {
  if (job.spec.template.spec.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const c of [...(p.status.initContainerStatuses ?? []), ...(p.status.containerStatuses ?? [])]) restarts += c.restartCount ?? 0;
  }
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

export interface Finish { type: 'SuccessCriteriaMet' | 'FailureTarget'; reason: string; message: string }

export interface JobPlanOptions {
  nowMs: number;
  /** the back-off record of the Job before this sync (kept in memory, as upstream's) */
  backoff?: BackoffRecord;
  /** pods whose finalizer the controller removed and whose update the cache has not shown yet */
  released?: ReadonlySet<string>;
  backoffDurations?: { initialMs: number; maxMs: number };
}

export interface JobPlan {
  /** the Job's status before finished pods are counted: what the sync writes first */
  status: JobStatus;
  finish?: Finish;
  /** pods to create: an index each for an Indexed Job */
  create: (number | undefined)[];
  /** active pods deleted because the Job has finished: their finalizer stays, so they are counted as failed */
  deleteFinishing: Pod[];
  /** active pods deleted by a suspend or for too many: their finalizer comes off first, they are not counted */
  deleteUncounted: Pod[];
  backoff: BackoffRecord;
  /** look at the Job again after this long (back-off, activeDeadlineSeconds) */
  requeueAfterMs?: number;
  events: { type: 'Normal' | 'Warning'; reason: string; message: string }[];
}

function condition(type: string, status: 'True' | 'False', reason: string, message: string, now: string): Condition {
  return { type, status, lastProbeTime: now, lastTransitionTime: now, reason, message };
}

/** ensureJobConditionStatus: a condition set or changed; "False" is never added where there was none. Returns undefined when nothing changes. */
function ensureCondition(list: Condition[], next: Condition): Condition[] | undefined {
  const i = list.findIndex((c) => c.type === next.type);
  if (i < 0) return next.status === 'False' ? undefined : [...list, next];
  const cur = list[i]!;
  if (cur.status === next.status && cur.reason === next.reason && cur.message === next.message) return undefined;
  return list.map((c, j) => (j === i ? next : c));
}

/** activePodsForRemoval: an Indexed Job's pods of a repeated or invalid index first, then the least useful. */
function podsForRemoval(job: Job, active: readonly Pod[], atLeast: number): Pod[] {
  const rm: Pod[] = [];
  let left = [...active];
  if (isIndexed(job)) {
    const byIndex = new Map<number, Pod[]>();
    left = [];
    for (const p of active) {
      const ix = completionIndexOf(p);
      if (ix === undefined || !hasValidIndex(job, p)) { rm.push(p); continue; }
      byIndex.set(ix, [...(byIndex.get(ix) ?? []), p]);
    }
    for (const group of byIndex.values()) {
      const ordered = deletionOrder(group);
      rm.push(...ordered.slice(0, -1));
      left.push(ordered.at(-1)!);
    }
  }
  if (rm.length < atLeast) rm.push(...deletionOrder(left).slice(0, atLeast - rm.length));
  return rm;
}

/** firstPendingIndexes: the lowest indexes neither succeeded nor held by an active pod. */
function pendingIndexes(job: Job, succeeded: ReadonlySet<number>, active: readonly Pod[], count: number): number[] {
  const held = new Set(active.map(completionIndexOf).filter((ix): ix is number => ix !== undefined));
  const out: number[] = [];
  for (let ix = 0; ix < (job.spec.completions ?? 0) && out.length < count; ix++) if (!succeeded.has(ix) && !held.has(ix)) out.push(ix);
  return out;
}

/**
 * Pure: upstream's syncJob up to the counting of finished pods. `pods` are
 * the Job's own (claimed). The finish is decided in upstream's order: an
 * interim condition already there, the backoff limit, the active deadline;
 * else the pods are managed (suspend, too many, too few after the
 * back-off) and success decided once no pod is active.
 */
export function planJob(job: Job, pods: readonly Pod[], opts: JobPlanOptions): JobPlan {
  const now = nowRFC3339(new Date(opts.nowMs));
  const status = job.status ?? {};
  const released = opts.released ?? new Set<string>();
  const uncounted = { succeeded: new Set(status.uncountedTerminatedPods?.succeeded ?? []), failed: new Set(status.uncountedTerminatedPods?.failed ?? []) };
  const tracked = (p: Pod) => hasTrackingFinalizer(p) && !released.has(p.metadata.uid!) && hasValidIndex(job, p);
  let active = pods.filter(isActive);
  let ready = active.filter(isPodReady).length;
  let terminating = pods.filter((p) => p.metadata.deletionTimestamp && !isTerminal(p)).length;
  const newSucceeded = pods.filter((p) => tracked(p) && !uncounted.succeeded.has(p.metadata.uid!) && p.status?.phase === 'Succeeded');
  const newFailed = pods.filter((p) => tracked(p) && !uncounted.failed.has(p.metadata.uid!) && isPodFailed(p, job));
  let succeeded = (status.succeeded ?? 0) + newSucceeded.length + uncounted.succeeded.size;
  const failed = (status.failed ?? 0) + newFailed.length + uncounted.failed.size;
  let startTime = status.startTime ?? (isSuspended(job) ? undefined : now);
  const backoff = nextBackoffRecord(opts.backoff, newSucceeded, newFailed);
  const plan: JobPlan = { status: {}, create: [], deleteFinishing: [], deleteUncounted: [], backoff, events: [] };

  let finish: Finish | undefined = conditionTrue(job, 'SuccessCriteriaMet') ? { type: 'SuccessCriteriaMet', ...SUCCESS } : undefined;
  const target = getCondition(status.conditions, 'FailureTarget');
  if (!finish && target?.status === 'True') finish = { type: 'FailureTarget', reason: target.reason ?? '', message: target.message ?? '' };
  if (!finish) {
    const deadline = job.spec.activeDeadlineSeconds;
    const activeFor = startTime && !isSuspended(job) ? opts.nowMs - Date.parse(startTime) : undefined;
    if (failed > (job.spec.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, pods)) finish = { type: 'FailureTarget', ...BACKOFF_LIMIT_EXCEEDED };
    else if (deadline !== undefined && activeFor !== undefined && activeFor >= deadline * 1000) finish = { type: 'FailureTarget', ...DEADLINE_EXCEEDED };
    else if (deadline !== undefined && activeFor !== undefined) plan.requeueAfterMs = deadline * 1000 - activeFor;
  }
  const succeededIndexes = new Set(isIndexed(job) ? parseIndexes(status.completedIndexes, job.spec.completions ?? 0) : []);
  if (isIndexed(job)) {
    for (const p of pods) if (p.status?.phase === 'Succeeded' && tracked(p)) succeededIndexes.add(completionIndexOf(p)!);
    succeeded = succeededIndexes.size;
  }

  let conditions = status.conditions ?? [];
  if (finish) {
    // the Job is done: its active pods go, and are counted as failed once gone
    plan.deleteFinishing = active;
    ready = 0;
    terminating += active.length;
    active = [];
  } else {
    let activeCount = active.length;
    if (!job.metadata.deletionTimestamp) {
      active = managePods(job, active, succeeded, succeededIndexes, plan, opts.nowMs, opts.backoffDurations);
      ready = active.filter(isPodReady).length;
      // the pods asked for count as active from now, as upstream counts them
      activeCount = active.length + plan.create.length;
    }
    const completions = job.spec.completions;
    const complete = activeCount === 0 && (completions === undefined ? succeeded > 0 : succeeded >= completions);
    if (complete) {
      finish = { type: 'SuccessCriteriaMet', ...SUCCESS };
    } else if (!job.metadata.deletionTimestamp) {
      const suspended = isSuspended(job);
      const changed = ensureCondition(conditions, suspended ? condition('Suspended', 'True', 'JobSuspended', 'Job suspended', now) : condition('Suspended', 'False', 'JobResumed', 'Job resumed', now));
      if (changed) {
        conditions = changed;
        plan.events.push({ type: 'Normal', reason: suspended ? 'Suspended' : 'Resumed', message: suspended ? 'Job suspended' : 'Job resumed' });
        // a resumed Job's active deadline counts from now
        if (!suspended) startTime = now;
      }
    }
  }
  if (finish && !getCondition(conditions, finish.type)) conditions = [...conditions, condition(finish.type, 'True', finish.reason, finish.message, now)];
  if (finish) plan.finish = finish;
  plan.status = {
    ...status,
    ...(conditions.length > 0 ? { conditions } : {}),
    ...(startTime ? { startTime } : {}),
    active: finish ? 0 : active.length + plan.create.length, ready, terminating,
    ...(isIndexed(job) ? { completedIndexes: formatIndexes(succeededIndexes), succeeded: succeededIndexes.size } : {}),
  };
  return plan;
}

/** manageJob: deletes the active pods of a suspended Job or beyond what is wanted; else plans what is missing, once the back-off allows. Returns the active pods it keeps. */
function managePods(job: Job, active: Pod[], succeeded: number, succeededIndexes: ReadonlySet<number>, plan: JobPlan, nowMs: number, durations?: { initialMs: number; maxMs: number }): Pod[] {
  if (isSuspended(job)) {
    plan.deleteUncounted = active;
    return [];
  }
  const parallelism = job.spec.parallelism ?? 1;
  const completions = job.spec.completions;
  const want = completions === undefined ? (succeeded > 0 ? active.length : parallelism) : Math.max(0, Math.min(completions - succeeded, parallelism));
  const remove = podsForRemoval(job, active, Math.max(0, active.length - want));
  if (remove.length > 0) {
    plan.deleteUncounted = remove;
    const gone = new Set(remove);
    return active.filter((p) => !gone.has(p));
  }
  const missing = want - active.length;
  if (missing <= 0) return active;
  const wait = backoffRemainingMs(plan.backoff, nowMs, durations);
  if (wait > 0) {
    plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? Infinity, Math.max(wait, MIN_REQUEUE_MS));
    return active;
  }
  plan.create = isIndexed(job) ? pendingIndexes(job, succeededIndexes, active, missing) : Array.from({ length: missing }, () => undefined);
  return active;
}

// ---- counting ----

export interface Tracking {
  /** pods whose tracking finalizer comes off now */
  release: Pod[];
  /** status with the newly finished pods' uids in uncountedTerminatedPods */
  status: JobStatus;
}

/**
 * Pure: upstream's trackJobStatusAndRemoveFinalizers up to the finalizer
 * removal. A pod's finalizer comes off when it succeeded or failed, or the
 * Job is being deleted or has finished; a failed Job counts all it releases
 * but the succeeded ones as failed. An Indexed Job's successes are counted
 * by index (planJob), not by uid.
 */
export function trackFinishedPods(job: Job, pods: readonly Pod[], plan: JobPlan, released: ReadonlySet<string> = new Set()): Tracking {
  const status = plan.status;
  const succeeded = new Set(status.uncountedTerminatedPods?.succeeded ?? []);
  const failed = new Set(status.uncountedTerminatedPods?.failed ?? []);
  const failing = plan.finish?.type === 'FailureTarget';
  const finishing = new Set(plan.deleteFinishing);
  const release: Pod[] = [];
  for (const p of pods) {
    const uid = p.metadata.uid!;
    if (!hasTrackingFinalizer(p) || released.has(uid)) continue;
    const podFailed = isPodFailed(p, job) || finishing.has(p);
    if (!job.metadata.deletionTimestamp && !plan.finish && p.status?.phase !== 'Succeeded' && !podFailed) continue;
    release.push(p);
    if (!hasValidIndex(job, p)) continue;
    if (p.status?.phase === 'Succeeded' && !failed.has(uid)) {
      if (!isIndexed(job)) succeeded.add(uid);
    } else if (podFailed || failing) {
      failed.add(uid);
    }
  }
  return { release, status: { ...status, uncountedTerminatedPods: uncountedOf(succeeded, failed) } };
}

function uncountedOf(succeeded: Iterable<string>, failed: Iterable<string>): NonNullable<JobStatus['uncountedTerminatedPods']> {
  const s = [...succeeded];
  const f = [...failed];
  return { ...(s.length > 0 ? { succeeded: s } : {}), ...(f.length > 0 ? { failed: f } : {}) };
}

/**
 * Pure: cleanUncountedPodsWithoutFinalizers, then enactJobFinished. The
 * uncounted pods whose finalizer is gone (`held` no longer has them) move
 * into the counters; when none is left uncounted and none terminating, the
 * interim condition is followed by the terminal one (Complete with its
 * completionTime, or Failed). Returns the status and whether it finished.
 */
export function settleUncounted(status: JobStatus, held: ReadonlySet<string>, finish: Finish | undefined, nowMs: number): { status: JobStatus; finished: boolean } {
  const uncounted = status.uncountedTerminatedPods ?? {};
  const stillS = (uncounted.succeeded ?? []).filter((u) => held.has(u));
  const stillF = (uncounted.failed ?? []).filter((u) => held.has(u));
  const succeeded = (status.succeeded ?? 0) + (uncounted.succeeded?.length ?? 0) - stillS.length;
  const failed = (status.failed ?? 0) + (uncounted.failed?.length ?? 0) - stillF.length;
  const next: JobStatus = { ...status, uncountedTerminatedPods: uncountedOf(stillS, stillF) };
  delete next.succeeded;
  delete next.failed;
  if (succeeded > 0) next.succeeded = succeeded;
  if (failed > 0) next.failed = failed;
  const finished = !!finish && stillS.length === 0 && stillF.length === 0 && (status.terminating ?? 0) === 0;
  if (finished) {
    const now = nowRFC3339(new Date(nowMs));
    const type = finish.type === 'SuccessCriteriaMet' ? 'Complete' : 'Failed';
    next.conditions = ensureCondition(next.conditions ?? [], condition(type, 'True', finish.reason, finish.message, now)) ?? next.conditions;
    if (type === 'Complete') next.completionTime = now;
  }
  return { status: next, finished };
}

/** The status as upstream writes it: zero counters left out, but active omitted only when 0, ready and terminating always there. */
function tidyStatus(s: JobStatus): JobStatus {
  const { active, succeeded, failed, completedIndexes, ...rest } = s;
  return {
    ...rest,
    ...(active ? { active } : {}), ...(succeeded ? { succeeded } : {}), ...(failed ? { failed } : {}),
    ...(completedIndexes ? { completedIndexes } : {}),
  };
}

// ---- the pods it makes ----

/**
 * A pod of the Job: the template's labels, annotations and finalizers plus
 * the tracking finalizer; an Indexed Job's pod also its index (annotation,
 * label, JOB_COMPLETION_INDEX in every container, hostname `<job>-<index>`).
 */
export function jobPod(job: Job, index: number | undefined, name: string): Pod {
  const t = job.spec.template;
  const indexed: Record<string, string> = index !== undefined ? { [JOB_COMPLETION_INDEX]: String(index) } : {};
  const withIndexEnv = (c: Container): Container => (index === undefined || c.env?.some((e) => e.name === JOB_COMPLETION_INDEX_ENV) ? c
    : { ...c, env: [...(c.env ?? []), { name: JOB_COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } } }] });
  const annotations = { ...(t.metadata?.annotations ?? {}), ...indexed };
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, generateName: index !== undefined ? `${job.metadata.name}-${index}-` : `${job.metadata.name}-`, namespace: job.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}), ...indexed },
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      finalizers: [...(t.metadata?.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER), JOB_TRACKING_FINALIZER],
      ownerReferences: [controllerRefTo(ownerOf(job))],
    },
    spec: {
      ...t.spec,
      containers: t.spec.containers.map(withIndexEnv),
      ...(t.spec.initContainers ? { initContainers: t.spec.initContainers.map(withIndexEnv) } : {}),
      ...(index !== undefined ? { hostname: `${job.metadata.name}-${index}` } : {}),
    },
  };
}

// ---- the controller ----

/** queue keys of pods whose Job is gone: their tracking finalizer must still come off */
const ORPHAN_POD_PREFIX = 'pod:';

export class JobController extends Controller {
  private readonly jobs: Lister<Job>;
  private readonly pods: Lister<Pod>;
  private readonly podsByOwner: IndexLookup<Pod>;
  private readonly orphans: IndexLookup<Pod>;
  /** per Job key, upstream's in-memory back-off record */
  private readonly backoffs = new Map<string, BackoffRecord>();
  /** per Job key, the status this controller last wrote, for a sync that runs before the cache has it */
  private readonly written = new Map<string, Job>();
  /** pods whose finalizer this controller removed, until the cache shows it gone (upstream's finalizer expectations) */
  private readonly released = new Set<string>();
  /** Jobs told that podnet ignores some of their spec */
  private readonly warned = new Set<string>();

  constructor(informers: InformerSource, private readonly client: Client, private readonly events: EventRecorder,
    private readonly backoffDurations: { initialMs: number; maxMs: number } = JOB_POD_FAILURE_BACKOFF) {
    super('job-controller', 2);
    const jobs = informers.informer<Job>('jobs');
    const pods = informers.informer<Pod>('pods');
    this.jobs = jobs;
    this.pods = pods;
    this.podsByOwner = indexLookup(pods, CONTROLLER_UID_INDEX, controllerUid);
    this.orphans = indexLookup(pods, ORPHANS_BY_NAMESPACE, orphanNamespace);
    jobs.addHandlers({
      add: (j) => this.enqueue(keyOf(j)),
      update: (_o, j) => this.enqueue(keyOf(j)),
      delete: (j) => {
        this.forget(keyOf(j));
        this.warned.delete(j.metadata.uid!);
        // its pods keep their finalizer until it comes off here
        for (const p of this.podsByOwner.get(j.metadata.uid!)) if (hasTrackingFinalizer(p)) this.enqueue(ORPHAN_POD_PREFIX + keyOf(p));
      },
    });
    const owners = podOwnerHandlers('Job', jobs, (key) => this.enqueue(key));
    pods.addHandlers({
      add: (p) => { owners.add!(p); this.watchFinalizer(p); },
      update: (o, p) => { owners.update!(o, p); this.watchFinalizer(p); },
      delete: (p) => { owners.delete!(p); this.released.delete(p.metadata.uid!); },
    });
  }

  /** Forgets a finalizer removal the cache now shows; queues a pod whose finalizer nobody else will take off. */
  private watchFinalizer(pod: Pod): void {
    if (!hasTrackingFinalizer(pod)) { this.released.delete(pod.metadata.uid!); return; }
    const ref = controllerRefOf(pod);
    const job = ref?.kind === 'Job' ? this.jobs.get(pod.metadata.namespace, ref.name) : undefined;
    if (!job || job.metadata.uid !== ref?.uid) this.enqueue(ORPHAN_POD_PREFIX + keyOf(pod));
  }

  private forget(key: string): void {
    this.backoffs.delete(key);
    this.written.delete(key);
  }

  protected async sync(key: string): Promise<void> {
    if (key.startsWith(ORPHAN_POD_PREFIX)) return this.syncOrphanPod(key.slice(ORPHAN_POD_PREFIX.length));
    const [namespace, name] = splitKey(key);
    const cached = this.jobs.get(namespace, name);
    if (!cached) { this.forget(key); return; }
    // the status this controller wrote last, while the cache is behind it
    const mine = this.written.get(key);
    const job = mine && mine.metadata.uid === cached.metadata.uid && Number(mine.metadata.resourceVersion) > Number(cached.metadata.resourceVersion) ? mine : cached;
    const managedBy = job.spec.managedBy;
    if (managedBy !== undefined && managedBy !== JOB_CONTROLLER_NAME) return;
    this.warnUnimplemented(job);
    if (isJobFinished(job)) {
      // a finished Job's pods were all counted: a finalizer left is taken off (upstream's cleanupPodFinalizers); it adopts nothing more
      this.forget(key);
      await this.releaseAll(this.podsByOwner.get(job.metadata.uid!).filter((p) => p.metadata.namespace === namespace && hasTrackingFinalizer(p)));
      return;
    }
    const candidates = [...this.podsByOwner.get(job.metadata.uid!).filter((p) => p.metadata.namespace === namespace), ...this.orphans.get(namespace ?? '')];
    const claimed = await claimPods(this.client, ownerOf(job), candidates, (p) => matchesLabelSelector(job.spec.selector, p.metadata.labels));
    // a pod adopted just now gets the tracking finalizer upstream's adoption patch adds, so it is counted when it ends
    const owned = new Set(candidates.filter((p) => isControlledBy(p, job.metadata.uid)).map((p) => p.metadata.uid!));
    const pods = await Promise.all(claimed.map((p) => (owned.has(p.metadata.uid!) || hasTrackingFinalizer(p) || p.metadata.deletionTimestamp ? p : this.addFinalizer(p))));
    const nowMs = Date.now();
    const plan = planJob(job, pods, { nowMs, backoff: this.backoffs.get(key), released: this.released, backoffDurations: this.backoffDurations });
    // a pod that could not be made or deleted does not stop the counting (upstream's manageJobErr): the error is raised after it
    let manageError: unknown;
    const attempt = async (fn: () => Promise<void>) => { try { await fn(); } catch (err) { manageError ??= err; return false; } return true; };
    for (const pod of plan.deleteUncounted) await attempt(() => this.deletePod(job, pod, true));
    for (const pod of plan.deleteFinishing) await attempt(() => this.deletePod(job, pod, false));
    let notCreated = 0;
    for (const index of plan.create) if (!(await attempt(() => this.createPod(job, index)))) notCreated += 1;
    if (notCreated > 0) plan.status = { ...plan.status, active: Math.max(0, (plan.status.active ?? 0) - notCreated) };
    for (const e of plan.events) {
      if (e.type === 'Normal') this.events.normal(job, e.reason, e.message); else this.events.warning(job, e.reason, e.message);
    }
    await this.count(key, job, pods, plan, nowMs);
    this.backoffs.set(key, plan.backoff);
    if (manageError) throw manageError;
    if (plan.requeueAfterMs !== undefined) this.enqueueAfter(key, plan.requeueAfterMs);
  }

  /** The tracking finalizer on a pod this Job adopted (a pod made before it, or orphaned by another Job's deletion). */
  private async addFinalizer(pod: Pod): Promise<Pod> {
    const m = pod.metadata;
    try {
      return await this.client.patch<Pod>('pods', m.namespace, m.name!, { metadata: { finalizers: [...(m.finalizers ?? []), JOB_TRACKING_FINALIZER], uid: m.uid, resourceVersion: m.resourceVersion } }, { patchType: 'merge' });
    } catch (err) {
      // gone or changed: the next sync sees it as it is now
      if (isApiError(err, 'NotFound') || isApiError(err, 'Conflict')) return pod;
      throw err;
    }
  }

  /**
   * Counts the finished pods in two status writes around the removal of
   * their finalizers, as upstream's flushUncountedAndRemoveFinalizers: a
   * pod's uid is written as uncounted before its finalizer goes, so it is
   * counted once even if this sync is cut short.
   */
  private async count(key: string, job: Job, pods: readonly Pod[], plan: JobPlan, nowMs: number): Promise<void> {
    const tracking = trackFinishedPods(job, pods, plan, this.released);
    let current = job;
    if (!sameStatus(job.status, tidyStatus(tracking.status)) && tracking.release.length > 0) current = await this.writeStatus(key, current, tidyStatus(tracking.status));
    const held = new Set(pods.filter((p) => hasTrackingFinalizer(p) && !this.released.has(p.metadata.uid!)).map((p) => p.metadata.uid!));
    let failure: unknown;
    for (const pod of tracking.release) {
      try { await this.removeFinalizer(pod); held.delete(pod.metadata.uid!); } catch (err) { failure ??= err; }
    }
    const settled = settleUncounted(tracking.status, held, plan.finish, nowMs);
    const status = tidyStatus(settled.status);
    if (!sameStatus(current.status, status)) current = await this.writeStatus(key, current, status);
    if (settled.finished && !isJobFinished(job)) {
      if (plan.finish!.type === 'SuccessCriteriaMet') this.events.normal(job, 'Completed', 'Job completed');
      else this.events.warning(job, plan.finish!.reason, plan.finish!.message);
    }
    if (failure) throw failure;
  }

  private async writeStatus(key: string, job: Job, status: JobStatus): Promise<Job> {
    const written = await this.client.update<Job>({ ...job, status }, { subresource: 'status' });
    this.written.set(key, written);
    return written;
  }

  /** A finalizer removal the cache has not shown yet is remembered, so the pod is not counted twice. Gone or replaced: nothing to remove. */
  private async removeFinalizer(pod: Pod): Promise<void> {
    const m = pod.metadata;
    // remembered before the patch: its watch event can arrive before the patch's answer, and must find it there to clear it
    this.released.add(m.uid!);
    try {
      await this.client.patch('pods', m.namespace, m.name!, { metadata: { '$deleteFromPrimitiveList/finalizers': [JOB_TRACKING_FINALIZER], uid: m.uid } }, { patchType: 'strategic' });
    } catch (err) {
      if (!isApiError(err, 'NotFound') && !isApiError(err, 'Conflict')) { this.released.delete(m.uid!); throw err; }
    }
  }

  private async releaseAll(pods: readonly Pod[]): Promise<void> {
    for (const p of pods) if (!this.released.has(p.metadata.uid!)) await this.removeFinalizer(p);
  }

  /** A pod whose Job is gone (or no longer its controller): its tracking finalizer comes off (upstream's syncOrphanPod). */
  private async syncOrphanPod(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const pod = this.pods.get(namespace, name);
    if (!pod || !hasTrackingFinalizer(pod) || this.released.has(pod.metadata.uid!)) return;
    const ref = controllerRefOf(pod);
    const job = ref?.kind === 'Job' ? this.jobs.get(namespace, ref.name) : undefined;
    if (job && job.metadata.uid === ref?.uid && !isJobFinished(job)) return; // its Job counts it
    await this.removeFinalizer(pod);
  }

  private warnUnimplemented(job: Job): void {
    const set = UNIMPLEMENTED.filter((k) => job.spec[k] !== undefined && job.spec[k] !== null);
    if (set.length === 0 || this.warned.has(job.metadata.uid!)) return;
    this.warned.add(job.metadata.uid!);
    this.events.warning(job, 'UnsupportedJobSpec', `podnet's job controller does not implement ${set.map((k) => `spec.${k}`).join(', ')}: the Job runs as if they were not set`);
  }

  private async createPod(job: Job, index: number | undefined): Promise<void> {
    // named here, as the API server would from generateName (upstream sets only that), so the event can say it
    const prefix = index !== undefined ? `${job.metadata.name}-${index}-` : `${job.metadata.name}-`;
    const pod = jobPod(job, index, `${prefix}${randomSuffix()}`);
    try {
      await this.client.create(pod);
      this.events.normal(job, 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
    } catch (err) {
      this.events.warning(job, 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  /** `uncounted`: the finalizer comes off first, so the pod is not counted as failed (a suspend, too many pods). */
  private async deletePod(job: Job, pod: Pod, uncounted: boolean): Promise<void> {
    if (uncounted && hasTrackingFinalizer(pod)) await this.removeFinalizer(pod);
    try {
      await this.client.delete('pods', pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid! } });
      this.events.normal(job, 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }
}
