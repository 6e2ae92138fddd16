// A finished Job that sets spec.ttlSecondsAfterFinished is deleted that many
// seconds after it finished (its Complete or Failed condition's
// lastTransitionTime), with its pods: upstream's TTL-after-finished
// controller (pkg/controller/ttlafterfinished). The deletion cascades in the
// Foreground, as upstream asks for it, so the Job is gone only once the
// garbage collector has taken its pods; the uid precondition keeps a Job
// made again under the name.

import type { Job } from '../api/types.js';
import type { Client } from '../client/client.js';
import { isApiError } from '../errors.js';
import { Controller } from './controller.js';
import { keyOf, splitKey, type InformerSource, type Lister } from './informers.js';
import { finishedCondition } from './job-plan.js';

/**
 * Pure: ms until the Job may be deleted (0 or less: now), or undefined when
 * it is not to be: no TTL, not finished, or already being deleted.
 */
export function msUntilExpired(job: Job, nowMs: number): number | undefined {
  const ttl = job.spec.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null || job.metadata.deletionTimestamp) return undefined;
  const finished = finishedCondition(job);
  if (!finished) return undefined;
  const at = Date.parse(finished.lastTransitionTime ?? '');
  if (Number.isNaN(at)) return undefined;
  return at + ttl * 1000 - nowMs;
}

export class TTLAfterFinishedController extends Controller {
  private readonly jobs: Lister<Job>;

  constructor(informers: InformerSource, private readonly client: Client) {
    super('ttl-after-finished-controller', 1);
    const jobs = informers.informer<Job>('jobs');
    this.jobs = jobs;
    const look = (j: Job) => { if (msUntilExpired(j, Date.now()) !== undefined) this.enqueue(keyOf(j)); };
    jobs.addHandlers({ add: look, update: (_o, j) => look(j) });
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const cached = this.jobs.get(namespace, name);
    if (!cached || !this.expired(key, cached)) return;
    // the TTL may have changed since the cache saw it: look again at the Job as it is now
    let fresh: Job;
    try { fresh = await this.client.get<Job>('jobs', namespace, name); } catch (err) {
      if (isApiError(err, 'NotFound')) return;
      throw err;
    }
    if (!this.expired(key, fresh)) return;
    try {
      await this.client.delete('jobs', namespace, name, { propagationPolicy: 'Foreground', preconditions: { uid: fresh.metadata.uid! } });
    } catch (err) {
      if (!isApiError(err, 'NotFound') && !isApiError(err, 'Conflict')) throw err;
    }
  }

  /** Whether the Job's time is up; if it is to come, the key is looked at again then. */
  private expired(key: string, job: Job): boolean {
    const left = msUntilExpired(job, Date.now());
    if (left === undefined) return false;
    if (left > 0) { this.enqueueAfter(key, left); return false; }
    return true;
  }
}
