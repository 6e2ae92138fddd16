// CronJob → Jobs, as kube-controller-manager's CronJob controller (v2) runs
// them: each sync reads the CronJob's Jobs, lets planCronJob
// (cronjob-plan.ts) decide, then deletes the Jobs a Replace policy displaces,
// creates the due Job, writes the status, removes the finished Jobs beyond the
// history limits and looks again at the next scheduled time. A Job's change
// (it finished, it was deleted) wakes its CronJob at once.

import type { CronJob, CronJobStatus, Job, ObjectReference } from '../api/types.js';
import type { Client } from '../client/client.js';
import { realClock, type Clock } from '../client/clock.js';
import { isApiError } from '../errors.js';
import { Controller } from './controller.js';
import { controllerRefOf } from './controller-ref.js';
import { recordPlanned, type EventRecorder } from './events.js';
import { planCronJob, withCreated } from './cronjob-plan.js';
import { indexLookup, keyOf, splitKey, type IndexLookup, type InformerSource, type Lister } from './informers.js';
import { CONTROLLER_UID_INDEX, controllerUid, sameStatus } from './workload-pods.js';

/** the longest requeue asked of the queue: timers beyond 2^31 ms fire at once, and a day-long wait re-checks a yearly schedule cheaply */
const MAX_REQUEUE_MS = 24 * 60 * 60_000;

export class CronJobController extends Controller {
  private readonly cronJobs: Lister<CronJob>;
  private readonly jobsByOwner: IndexLookup<Job>;

  constructor(informers: InformerSource, private readonly client: Client, private readonly events: EventRecorder, private readonly clock: Clock = realClock) {
    super('cronjob-controller');
    const cronJobs = informers.informer<CronJob>('cronjobs');
    const jobs = informers.informer<Job>('jobs');
    this.cronJobs = cronJobs;
    this.jobsByOwner = indexLookup(jobs, CONTROLLER_UID_INDEX, controllerUid);
    cronJobs.addHandlers({
      add: (cj) => this.enqueue(keyOf(cj)),
      update: (_o, cj) => this.enqueue(keyOf(cj)),
    });
    const wakeOwner = (job: Job) => {
      const ref = controllerRefOf(job);
      if (ref?.kind === 'CronJob') this.enqueue(`${job.metadata.namespace}/${ref.name}`);
    };
    jobs.addHandlers({ add: wakeOwner, update: (_o, j) => wakeOwner(j), delete: wakeOwner });
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const cronJob = this.cronJobs.get(namespace, name);
    if (!cronJob) return;
    const jobs = await this.jobsOf(cronJob);
    const now = this.clock.now();
    const plan = planCronJob(cronJob, jobs, now);
    recordPlanned(this.events, cronJob, plan.events);
    let status = plan.status;
    for (const ref of plan.replace) await this.deleteJob(cronJob, ref);
    if (plan.create) status = await this.createJob(cronJob, plan.create, status);
    if (!sameStatus(cronJob.status ?? {}, status)) await this.client.update<CronJob>({ ...cronJob, status }, { subresource: 'status' });
    for (const job of plan.cleanup) await this.deleteJob(cronJob, job.metadata);
    if (plan.requeueAfterMs !== undefined) this.enqueueAfter(key, Math.min(plan.requeueAfterMs, MAX_REQUEUE_MS));
  }

  /**
   * The Jobs it controls, from the cache; an active one the cache does not
   * have yet (just created) is read from the API server before it is taken for gone.
   */
  private async jobsOf(cronJob: CronJob): Promise<Job[]> {
    const jobs = this.jobsByOwner.get(cronJob.metadata.uid!).filter((j) => j.metadata.namespace === cronJob.metadata.namespace);
    const known = new Set(jobs.map((j) => j.metadata.uid));
    for (const ref of cronJob.status?.active ?? []) {
      if (known.has(ref.uid)) continue;
      try {
        const job = await this.client.get<Job>('jobs', cronJob.metadata.namespace, ref.name!);
        if (job.metadata.uid === ref.uid) jobs.push(job);
      } catch (err) {
        if (!isApiError(err, 'NotFound')) throw err;
      }
    }
    return jobs;
  }

  /** Creates the due Job; one of that name already there (an earlier sync's) is taken as created. */
  private async createJob(cronJob: CronJob, job: Job, status: CronJobStatus): Promise<CronJobStatus> {
    try {
      const created = await this.client.create<Job>(job);
      this.events.normal(cronJob, 'SuccessfulCreate', `Created job ${created.metadata.name}`);
      return withCreated(status, created);
    } catch (err) {
      if (isApiError(err, 'AlreadyExists')) return status;
      this.events.warning(cronJob, 'FailedCreate', `Error creating job: ${(err as Error).message}`);
      throw err;
    }
  }

  /** Deletes a Job and its pods behind it (background); one already gone is fine. */
  private async deleteJob(cronJob: CronJob, ref: Pick<ObjectReference, 'name' | 'uid'>): Promise<void> {
    try {
      await this.client.delete('jobs', cronJob.metadata.namespace, ref.name!, { propagationPolicy: 'Background', preconditions: { uid: ref.uid! } });
      this.events.normal(cronJob, 'SuccessfulDelete', `Deleted job ${ref.name}`);
    } catch (err) {
      if (!isApiError(err, 'NotFound') && !isApiError(err, 'Conflict')) {
        this.events.warning(cronJob, 'FailedDelete', `Deleted job: ${(err as Error).message}`);
        throw err;
      }
    }
  }
}
