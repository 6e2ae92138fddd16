// The Job controller's pure core (job.ts applies what it decides): planJob,
// upstream's syncJob up to the counting (the finish, the pods to make and to
// delete, the back-off); trackFinishedPods and settleUncounted, the two
// halves of the counting around the removal of the tracking finalizers; and
// jobPod, the pod the Job makes.

import type { Condition, Container, Job, JobStatus, Pod } from '../api/types.js';
import { getCondition, isActive, isPodReady, isTerminal, nowRFC3339 } from '../api/pod-helpers.js';
import { controllerRefTo, type PodOwner } from './controller-ref.js';
import type { PlannedEvent } from './events.js';
import { completionIndexOf, formatIndexes, JOB_COMPLETION_INDEX, parseIndexes } from './job-indexes.js';
import { deletionOrder } from './replicaset.js';

/** keeps a Job's pod until the controller has counted it (batch.JobTrackingFinalizer) */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** the environment variable an Indexed Job's containers read their index from */
const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
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

// ---- small facts ----

function conditionTrue(job: Job, type: string): boolean {
  return getCondition(job.status?.conditions, type)?.status === 'True';
}

/** The Job's Complete or Failed condition, when it is True: nothing more happens to the Job. */
export function finishedCondition(job: Job): Condition | undefined {
  return ['Complete', 'Failed'].map((type) => getCondition(job.status?.conditions, type)).find((c) => c?.status === 'True');
}

/** Complete or Failed (util.IsJobFinished). */
export function isJobFinished(job: Job): boolean {
  return finishedCondition(job) !== undefined;
}

const isIndexed = (job: Job) => job.spec.completionMode === 'Indexed';
const isSuspended = (job: Job) => job.spec.suspend === true;
export const hasTrackingFinalizer = (pod: Pod) => pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;

/** spec.podReplacementPolicy Failed (or a podFailurePolicy): a terminating pod is replaced only once it has failed. */
function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec.podReplacementPolicy === 'Failed' || job.spec.podFailurePolicy !== undefined;
}

/** A pod that counts as failed: phase Failed, or being deleted before it succeeded (isPodFailed). */
function isPodFailed(pod: Pod, job: Job): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!pod.metadata.deletionTimestamp && pod.status?.phase !== 'Succeeded';
}

/** Whether an Indexed Job counts this pod: an index below completions (a NonIndexed Job counts every pod). */
function hasValidIndex(job: Job, pod: Pod): boolean {
  if (!isIndexed(job)) return true;
  const ix = completionIndexOf(pod);
  return ix !== undefined && ix < (job.spec.completions ?? 0);
}

// ---- back-off ----

export interface BackoffRecord { failuresAfterLastSuccess: number; lastFailureMs?: number }

/** When a pod finished: its containers' last finishedAt, else Ready=False's transition, else its deletion, else its creation (getFinishedTime). */
function podFinishedMs(pod: Pod): number {
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
  events: PlannedEvent[];
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
export function tidyStatus(s: JobStatus): JobStatus {
  const { active, succeeded, failed, completedIndexes, ...rest } = s;
  return {
    ...rest,
    ...(active ? { active } : {}), ...(succeeded ? { succeeded } : {}), ...(failed ? { failed } : {}),
    ...(completedIndexes ? { completedIndexes } : {}),
  };
}

// ---- the pods it makes ----

export const jobOwner = (job: Job): PodOwner => ({ obj: job, apiVersion: 'batch/v1', kind: 'Job', plural: 'jobs' });

/** What a Job's pods' names begin with: `<job>-`, an Indexed Job's `<job>-<index>-` (the pod's generateName). */
export function jobPodNamePrefix(job: Job, index: number | undefined): string {
  return index !== undefined ? `${job.metadata.name}-${index}-` : `${job.metadata.name}-`;
}

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
      name, generateName: jobPodNamePrefix(job, index), namespace: job.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}), ...indexed },
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      finalizers: [...(t.metadata?.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER), JOB_TRACKING_FINALIZER],
      ownerReferences: [controllerRefTo(jobOwner(job))],
    },
    spec: {
      ...t.spec,
      containers: t.spec.containers.map(withIndexEnv),
      ...(t.spec.initContainers ? { initContainers: t.spec.initContainers.map(withIndexEnv) } : {}),
      ...(index !== undefined ? { hostname: `${job.metadata.name}-${index}` } : {}),
    },
  };
}
