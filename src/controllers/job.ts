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
// The pure core (planJob, trackFinishedPods, settleUncounted, in
// job-plan.ts) decides; the controller here applies its decisions.

import type { Job, JobStatus, Pod } from '../api/types.js';
import { matchesLabelSelector } from '../api/labels.js';
import { isControlledBy } from '../api/pod-helpers.js';
import type { Client } from '../client/client.js';
import { isApiError } from '../errors.js';
import { Controller } from './controller.js';
import { claimPods, controllerRefOf, podOwnerHandlers } from './controller-ref.js';
import { recordPlanned, type EventRecorder } from './events.js';
import { keyOf, splitKey, type InformerSource, type Lister } from './informers.js';
import {
  hasTrackingFinalizer, isJobFinished, JOB_POD_FAILURE_BACKOFF, JOB_TRACKING_FINALIZER, jobOwner, jobPod, jobPodNamePrefix, planJob,
  settleUncounted, tidyStatus, trackFinishedPods, type BackoffRecord, type JobPlan,
} from './job-plan.js';
import { randomSuffix } from './template-hash.js';
import { createOwnedPod, deleteOwnedPod, OwnedPods, sameStatus } from './workload-pods.js';

/** spec.managedBy of the Jobs this controller syncs (and of those that name none) */
const JOB_CONTROLLER_NAME = 'kubernetes.io/job-controller';
/** the spec fields podnet stores but does not act on: a Job that sets one is told so once */
const UNIMPLEMENTED = ['podFailurePolicy', 'successPolicy', 'backoffLimitPerIndex', 'maxFailedIndexes'] as const;

/** queue keys of pods whose Job is gone: their tracking finalizer must still come off */
const ORPHAN_POD_PREFIX = 'pod:';

export class JobController extends Controller {
  private readonly jobs: Lister<Job>;
  private readonly pods: Lister<Pod>;
  private readonly owned: OwnedPods;
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
    this.owned = new OwnedPods(pods);
    jobs.addHandlers({
      add: (j) => this.enqueue(keyOf(j)),
      update: (_o, j) => this.enqueue(keyOf(j)),
      delete: (j) => {
        this.forget(keyOf(j));
        this.warned.delete(j.metadata.uid!);
        // its pods keep their finalizer until it comes off here
        for (const p of this.owned.of(j)) if (hasTrackingFinalizer(p)) this.enqueue(ORPHAN_POD_PREFIX + keyOf(p));
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
      await this.releaseAll(this.owned.of(job).filter(hasTrackingFinalizer));
      return;
    }
    const candidates = this.owned.candidates(job);
    const claimed = await claimPods(this.client, jobOwner(job), candidates, (p) => matchesLabelSelector(job.spec.selector, p.metadata.labels));
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
    recordPlanned(this.events, job, plan.events);
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
    const uncounted = tidyStatus(tracking.status);
    let current = job;
    if (!sameStatus(job.status, uncounted) && tracking.release.length > 0) current = await this.writeStatus(key, current, uncounted);
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
    await createOwnedPod(this.client, this.events, job, jobPod(job, index, `${jobPodNamePrefix(job, index)}${randomSuffix()}`));
  }

  /** `uncounted`: the finalizer comes off first, so the pod is not counted as failed (a suspend, too many pods). */
  private async deletePod(job: Job, pod: Pod, uncounted: boolean): Promise<void> {
    if (uncounted && hasTrackingFinalizer(pod)) await this.removeFinalizer(pod);
    await deleteOwnedPod(this.client, this.events, job, pod);
  }
}
