// The CronJob controller's pure core, as upstream's cronjob controller v2
// (pkg/controller/cronjob) decides: which of its Jobs are still active, when
// the last one succeeded, whether a run is due now (the latest scheduled time
// since the last run, or since creation, not older than
// startingDeadlineSeconds), what the concurrency policy makes of it, the Job
// to create, the finished Jobs beyond the history limits, and when to look
// again. cronjob.ts applies the plan.
//
// Catching up as upstream does: however many runs were missed (a daemon
// stopped for a day), only the most recent is started, and only when it is
// within startingDeadlineSeconds.

import { formatInZone, nextScheduleTimeIn, parseCronSchedule, CronScheduleError } from '../api/cron-schedule.js';
import { nowRFC3339 } from '../api/pod-helpers.js';
import type { CronJob, CronJobStatus, Job, ObjectReference } from '../api/types.js';
import { controllerRefTo } from './controller-ref.js';
import type { PlannedEvent } from './events.js';
import { finishedCondition } from './job-plan.js';

/** the annotation a CronJob's Job carries: the time it was scheduled for, in the CronJob's zone */
export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** more missed start times than this are told as a Warning (upstream's bound) */
const MAX_MISSED_START_TIMES = 100;
/** a requeue lands this long after the scheduled time, so the time has surely come (upstream's nextScheduleDelta) */
const NEXT_SCHEDULE_DELTA_MS = 100;
const MINUTE_MS = 60_000;

export interface CronJobPlan {
  /** the status to write (the same object's content when nothing changed) */
  status: CronJobStatus;
  /** active Jobs to delete first (concurrencyPolicy Replace) */
  replace: ObjectReference[];
  create?: Job;
  /** finished Jobs beyond the history limits, oldest first */
  cleanup: Job[];
  events: PlannedEvent[];
  /** when to sync again; undefined: only when something changes (suspended, deleted, unparseable) */
  requeueAfterMs?: number;
}

const parseTime = (t: string | undefined) => (t ? Date.parse(t) : undefined);

/** upstream's getJobName: the CronJob's name and the scheduled time in minutes since the epoch */
export function cronJobJobName(cronJob: CronJob, scheduledMs: number): string {
  return `${cronJob.metadata.name}-${Math.floor(scheduledMs / MINUTE_MS)}`;
}

function jobRef(job: Job): ObjectReference {
  return {
    kind: 'Job', namespace: job.metadata.namespace, name: job.metadata.name!, uid: job.metadata.uid!,
    apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion,
  };
}

/** getJobFromTemplate2: the template's labels, annotations and spec, owned by the CronJob, stamped with its scheduled time. */
function jobForSchedule(cronJob: CronJob, scheduledMs: number): Job {
  const template = cronJob.spec.jobTemplate;
  const annotations = { ...template.metadata?.annotations, [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: formatInZone(scheduledMs, cronJob.spec.timeZone) };
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: {
      name: cronJobJobName(cronJob, scheduledMs), namespace: cronJob.metadata.namespace,
      labels: { ...template.metadata?.labels }, annotations,
      ownerReferences: [controllerRefTo({ obj: cronJob, apiVersion: 'batch/v1', kind: 'CronJob', plural: 'cronjobs' })],
    },
    spec: structuredClone(template.spec),
  };
}

/**
 * mostRecentScheduleTime: the latest time the schedule fired after the last
 * run (or the creation) and at or before now, no earlier than
 * startingDeadlineSeconds ago; and how many were missed on the way.
 */
function mostRecentScheduleTime(cronJob: CronJob, nowMs: number, next: (afterMs: number) => number | undefined): { at?: number; missed: number } {
  let earliest = parseTime(cronJob.status?.lastScheduleTime) ?? parseTime(cronJob.metadata.creationTimestamp) ?? nowMs;
  const deadline = cronJob.spec.startingDeadlineSeconds;
  if (deadline !== undefined) earliest = Math.max(earliest, nowMs - deadline * 1000);
  let at: number | undefined;
  let missed = 0;
  for (let t = next(earliest); t !== undefined && t <= nowMs; t = next(t)) {
    at = t;
    // past the bound the count only feeds the warning: jump to the last time before now
    if (++missed > MAX_MISSED_START_TIMES) {
      const last = lastFireAtOrBefore(t, nowMs, next);
      return { at: last, missed };
    }
  }
  return { at, missed };
}

/**
 * The last fire time in [from, now] without walking every one since from: a
 * window ending now doubles until a fire falls in it (the half before held
 * none, so the walk through it is short).
 */
function lastFireAtOrBefore(from: number, nowMs: number, next: (afterMs: number) => number | undefined): number {
  for (let window = MINUTE_MS; ; window *= 2) {
    const start = Math.max(from, nowMs - window);
    let last: number | undefined;
    for (let t = next(start); t !== undefined && t <= nowMs; t = next(t)) last = t;
    if (last !== undefined) return last;
    if (start === from) return from;
  }
}

/** The Jobs' start order for the history limits (byJobStartTime): earliest start first, those never started last, then by name. */
function byStartTime(a: Job, b: Job): number {
  const sa = parseTime(a.status?.startTime);
  const sb = parseTime(b.status?.startTime);
  if (sa !== sb) {
    if (sa === undefined) return 1;
    if (sb === undefined) return -1;
    return sa - sb;
  }
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
}

/** cleanupFinishedJobs: the oldest finished Jobs beyond each limit. */
function jobsBeyondHistory(cronJob: CronJob, jobs: readonly Job[]): Job[] {
  const { successfulJobsHistoryLimit: keepSucceeded, failedJobsHistoryLimit: keepFailed } = cronJob.spec;
  const oldest = (type: string, keep: number | undefined) => {
    if (keep === undefined) return [];
    const finished = jobs.filter((j) => finishedCondition(j)?.type === type && !j.metadata.deletionTimestamp).sort(byStartTime);
    return finished.slice(0, Math.max(0, finished.length - keep));
  };
  return [...oldest('Complete', keepSucceeded), ...oldest('Failed', keepFailed)];
}

/**
 * The status as the Jobs tell it: finished ones leave status.active (each told
 * once, SawCompletedJob), gone ones too (MissingJob), running ones the
 * controller did not list are added (UnexpectedJob); lastSuccessfulTime is
 * the latest completion seen.
 */
function reconcileActive(cronJob: CronJob, jobs: readonly Job[], events: PlannedEvent[]): CronJobStatus {
  const status: CronJobStatus = { ...cronJob.status };
  const byUid = new Map(jobs.map((j) => [j.metadata.uid!, j]));
  const active: ObjectReference[] = [];
  for (const ref of cronJob.status?.active ?? []) {
    const job = byUid.get(ref.uid ?? '');
    if (!job) {
      events.push({ type: 'Normal', reason: 'MissingJob', message: `Active job went missing: ${ref.name}` });
      continue;
    }
    const finished = finishedCondition(job);
    if (finished) events.push({ type: 'Normal', reason: 'SawCompletedJob', message: `Saw completed job: ${job.metadata.name}, condition: ${finished.type}` });
    else active.push(ref);
  }
  const listed = new Set(active.map((r) => r.uid));
  for (const job of jobs) {
    const finished = finishedCondition(job);
    if (finished?.type === 'Complete') {
      const completed = parseTime(job.status?.completionTime);
      if (completed !== undefined && completed > (parseTime(status.lastSuccessfulTime) ?? -Infinity)) status.lastSuccessfulTime = nowRFC3339(new Date(completed));
    }
    if (!finished && !listed.has(job.metadata.uid) && !job.metadata.deletionTimestamp) {
      events.push({ type: 'Warning', reason: 'UnexpectedJob', message: `Saw a job that the controller did not create or forgot: ${job.metadata.name}` });
      active.push(jobRef(job));
    }
  }
  if (active.length > 0) status.active = active; else delete status.active;
  return status;
}

/** Pure: what one sync of the CronJob does, given the Jobs it controls and the time. */
export function planCronJob(cronJob: CronJob, jobs: readonly Job[], nowMs: number): CronJobPlan {
  const events: PlannedEvent[] = [];
  const status = reconcileActive(cronJob, jobs, events);
  const plan: CronJobPlan = { status, replace: [], cleanup: jobsBeyondHistory(cronJob, jobs), events };
  if (cronJob.metadata.deletionTimestamp || cronJob.spec.suspend) return plan;
  let schedule;
  try {
    schedule = parseCronSchedule(cronJob.spec.schedule);
  } catch (e) {
    if (!(e instanceof CronScheduleError)) throw e;
    events.push({ type: 'Warning', reason: 'UnparseableSchedule', message: `unparseable schedule: ${JSON.stringify(cronJob.spec.schedule)} : ${e.message}` });
    return plan;
  }
  const next = (afterMs: number) => nextScheduleTimeIn(schedule, afterMs, cronJob.spec.timeZone);
  const following = next(nowMs);
  plan.requeueAfterMs = following === undefined ? undefined : following - nowMs + NEXT_SCHEDULE_DELTA_MS;
  const { at, missed } = mostRecentScheduleTime(cronJob, nowMs, next);
  if (missed > MAX_MISSED_START_TIMES) {
    events.push({ type: 'Warning', reason: 'TooManyMissedTimes', message: 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew' });
  }
  if (at === undefined) return plan;
  const deadline = cronJob.spec.startingDeadlineSeconds;
  if (deadline !== undefined && at + deadline * 1000 < nowMs) {
    events.push({ type: 'Warning', reason: 'MissSchedule', message: `Missed scheduled time to start a job: ${new Date(at).toUTCString().replace('GMT', '+0000')}` });
    return plan;
  }
  const name = cronJobJobName(cronJob, at);
  // this run was started already: the status says so, or its Job is there (a sync whose status write failed made it)
  if (parseTime(status.lastScheduleTime) === at) return plan;
  if (status.active?.some((r) => r.name === name) || jobs.some((j) => j.metadata.name === name)) {
    status.lastScheduleTime = nowRFC3339(new Date(at));
    return plan;
  }
  const running = status.active ?? [];
  if (cronJob.spec.concurrencyPolicy === 'Forbid' && running.length > 0) {
    events.push({ type: 'Normal', reason: 'JobAlreadyActive', message: 'Not starting job because prior execution is running and concurrency policy is Forbid' });
    return plan;
  }
  if (cronJob.spec.concurrencyPolicy === 'Replace') {
    plan.replace = running;
    delete status.active;
  }
  plan.create = jobForSchedule(cronJob, at);
  status.lastScheduleTime = nowRFC3339(new Date(at));
  return plan;
}

/** The plan's status plus the Job just created (it is active from now on). */
export function withCreated(status: CronJobStatus, job: Job): CronJobStatus {
  return { ...status, active: [...(status.active ?? []), jobRef(job)] };
}
