// The CronJob controller's decisions as rows at fixed times (planCronJob:
// the due run, catching up, startingDeadlineSeconds, suspend, the
// concurrency policies, status.active, the history limits), then the
// controller on an in-memory registry with a fake clock.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from '../../../src/api/types.js';
import { CronJobController } from '../../../src/controllers/cronjob.js';
import { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION, cronJobJobName, planCronJob } from '../../../src/controllers/cronjob-plan.js';
import { FakeEventRecorder } from '../../../src/controllers/events.js';
import { eventually } from '../../support/cli.js';
import { FakeClock } from '../../support/fake-clock.js';
import { NOW } from '../store/registry-fixture.js';
import { startController } from './controller-harness.js';

const stops: (() => void)[] = [];
after(() => { for (const stop of stops) stop(); });

const CREATED = Date.parse('2026-01-01T00:00:30Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const minute = (n: number) => Date.parse('2026-01-01T00:00:00Z') + n * 60_000;

function cronJob(spec: Partial<CronJob['spec']> = {}, status: CronJob['status'] = {}): CronJob {
  return {
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'backup', namespace: 'default', uid: 'uid-cj', creationTimestamp: iso(CREATED) },
    spec: {
      schedule: '*/5 * * * *', concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1,
      jobTemplate: {
        metadata: { labels: { app: 'backup' }, annotations: { team: 'ops' } },
        spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'podnet/echo' }] } } },
      },
      ...spec,
    },
    status,
  };
}

function job(name: string, state: 'running' | 'Complete' | 'Failed', startMinute = 0, completedMinute?: number): Job {
  const conditions = state === 'running' ? [] : [{ type: state, status: 'True' }];
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'backup', uid: 'uid-cj', controller: true }] },
    spec: { template: { spec: { containers: [] } } },
    status: { startTime: iso(minute(startMinute)), ...(completedMinute !== undefined ? { completionTime: iso(minute(completedMinute)) } : {}), conditions },
  } as Job;
}
const ref = (name: string) => ({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'default', name, uid: `uid-${name}` });
const reasons = (plan: ReturnType<typeof planCronJob>) => plan.events.map((e) => e.reason);

test('the Job name is the CronJob name and the scheduled minute since the epoch', () => {
  assert.equal(cronJobJobName(cronJob(), minute(5)), `backup-${minute(5) / 60_000}`);
});

test('before the first scheduled time nothing is created; the requeue lands just after it', () => {
  const plan = planCronJob(cronJob(), [], minute(3));
  assert.equal(plan.create, undefined);
  assert.equal(plan.requeueAfterMs, 2 * 60_000 + 100);
});

test('at the scheduled time a Job is made from the template, owned, stamped; lastScheduleTime moves', () => {
  const plan = planCronJob(cronJob(), [], minute(5) + 2_000);
  const created = plan.create!;
  assert.equal(created.metadata.name, cronJobJobName(cronJob(), minute(5)));
  assert.deepEqual(created.metadata.labels, { app: 'backup' });
  assert.deepEqual(created.metadata.annotations, { team: 'ops', [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: '2026-01-01T00:05:00Z' });
  assert.deepEqual(created.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'backup', uid: 'uid-cj', controller: true, blockOwnerDeletion: true }]);
  assert.equal(created.spec.template.spec.restartPolicy, 'OnFailure');
  assert.equal(plan.status.lastScheduleTime, iso(minute(5)));
  assert.equal(plan.requeueAfterMs, 5 * 60_000 - 2_000 + 100);
});

test('the annotation is written in the CronJob\'s time zone', () => {
  const plan = planCronJob(cronJob({ timeZone: 'Europe/Paris', schedule: '0 * * * *' }), [], minute(60));
  assert.equal(plan.create?.metadata.annotations?.[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION], '2026-01-01T02:00:00+01:00');
});

test('a run already started (lastScheduleTime, or its Job listed) is not started again', () => {
  assert.equal(planCronJob(cronJob({}, { lastScheduleTime: iso(minute(5)) }), [], minute(6)).create, undefined);
  const name = cronJobJobName(cronJob(), minute(5));
  assert.equal(planCronJob(cronJob(), [job(name, 'Complete', 5, 6)], minute(6)).create, undefined);
});

test('catching up after a long stop: only the most recent missed run is started', () => {
  const plan = planCronJob(cronJob({}, { lastScheduleTime: iso(minute(5)) }), [], minute(62));
  assert.equal(plan.status.lastScheduleTime, iso(minute(60)));
  assert.equal(plan.events.length, 0);
});

test('more than 100 missed start times: a Warning, and still the most recent run only', () => {
  const plan = planCronJob(cronJob({ schedule: '* * * * *' }), [], minute(24 * 60) + 30_000);
  assert.deepEqual(reasons(plan), ['TooManyMissedTimes']);
  assert.equal(plan.events[0]!.type, 'Warning');
  assert.equal(plan.status.lastScheduleTime, iso(minute(24 * 60)));
});

test('startingDeadlineSeconds: a run missed by more is skipped, one within it starts', () => {
  const late = planCronJob(cronJob({ startingDeadlineSeconds: 60 }, { lastScheduleTime: iso(minute(5)) }), [], minute(12));
  assert.equal(late.create, undefined);
  assert.equal(late.requeueAfterMs, 3 * 60_000 + 100);
  const inTime = planCronJob(cronJob({ startingDeadlineSeconds: 180 }, { lastScheduleTime: iso(minute(5)) }), [], minute(12));
  assert.equal(inTime.status.lastScheduleTime, iso(minute(10)));
  // with no deadline, no bound after many missed: the missed warnings are not MissSchedule
  assert.ok(!reasons(planCronJob(cronJob({}, { lastScheduleTime: iso(minute(5)) }), [], minute(12))).includes('MissSchedule'));
});

test('suspended: nothing is created and no requeue is asked', () => {
  const plan = planCronJob(cronJob({ suspend: true }), [], minute(5));
  assert.equal(plan.create, undefined);
  assert.equal(plan.requeueAfterMs, undefined);
});

test('Forbid: a run while one is active is skipped with JobAlreadyActive', () => {
  const plan = planCronJob(cronJob({ concurrencyPolicy: 'Forbid' }, { active: [ref('backup-1')] }), [job('backup-1', 'running')], minute(5));
  assert.equal(plan.create, undefined);
  assert.deepEqual(reasons(plan), ['JobAlreadyActive']);
  assert.deepEqual(plan.status.active, [ref('backup-1')]);
});

test('Replace: the active Job is deleted first, then the new one created', () => {
  const plan = planCronJob(cronJob({ concurrencyPolicy: 'Replace' }, { active: [ref('backup-1')] }), [job('backup-1', 'running')], minute(5));
  assert.deepEqual(plan.replace, [ref('backup-1')]);
  assert.ok(plan.create);
  assert.equal(plan.status.active, undefined);
});

test('Allow: runs overlap', () => {
  const plan = planCronJob(cronJob({}, { active: [ref('backup-1')] }), [job('backup-1', 'running')], minute(5));
  assert.deepEqual(plan.replace, []);
  assert.ok(plan.create);
  assert.deepEqual(plan.status.active, [ref('backup-1')]);
});

test('status.active: a finished Job leaves it (SawCompletedJob), a gone one too (MissingJob), an unlisted running one joins (UnexpectedJob)', () => {
  const cj = cronJob({}, { active: [ref('done'), ref('gone')], lastScheduleTime: iso(minute(0)) });
  const plan = planCronJob(cj, [job('done', 'Complete', 0, 2), job('stray', 'running')], minute(3));
  assert.deepEqual(reasons(plan), ['SawCompletedJob', 'MissingJob', 'UnexpectedJob']);
  assert.equal(plan.events[0]!.message, 'Saw completed job: done, condition: Complete');
  assert.deepEqual(plan.status.active?.map((r) => r.name), ['stray']);
  assert.equal(plan.status.lastSuccessfulTime, iso(minute(2)));
});

test('history limits: the oldest finished Jobs beyond each limit are deleted', () => {
  const jobs = [
    job('s1', 'Complete', 1, 2), job('s2', 'Complete', 2, 3), job('s3', 'Complete', 3, 4), job('s4', 'Complete', 0, 1),
    job('f1', 'Failed', 1), job('f2', 'Failed', 2), job('r', 'running'),
  ];
  const plan = planCronJob(cronJob({ successfulJobsHistoryLimit: 2 }, { lastScheduleTime: iso(minute(0)) }), jobs, minute(4));
  assert.deepEqual(plan.cleanup.map((j) => j.metadata.name), ['s4', 's1', 'f1']);
  const keepAll = planCronJob(cronJob({ successfulJobsHistoryLimit: undefined, failedJobsHistoryLimit: undefined }), jobs, minute(4));
  assert.deepEqual(keepAll.cleanup, []);
});

test('the controller creates the due Job, records it, and writes status.active and lastScheduleTime', async () => {
  // the registry stamps every object with NOW (23:59:01): the first five-minute mark is 59 s later
  const clock = new FakeClock(NOW.getTime());
  const events = new FakeEventRecorder();
  const client = await startController(stops, (informers, c) => new CronJobController(informers, c, events, clock));
  const { metadata: _m, ...rest } = cronJob({ concurrencyPolicy: 'Forbid' });
  const created = await client.create({ ...rest, metadata: { name: 'backup', namespace: 'default' } } as CronJob);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal((await client.list<Job>('jobs', 'default')).items.length, 0, 'nothing is due at creation');
  const due = Date.parse('2026-11-27T00:00:00Z');
  clock.t = due + 1_000;
  await client.update<CronJob>({ ...created, metadata: { ...created.metadata, labels: { poke: '1' } } });
  await eventually('the Job created', async () => (await client.list<Job>('jobs', 'default')).items.length === 1, 5_000, 10);
  const [made] = (await client.list<Job>('jobs', 'default')).items;
  assert.equal(made!.metadata.name, `backup-${due / 60_000}`);
  await eventually('status written', async () => {
    const cj = await client.get<CronJob>('cronjobs', 'default', 'backup');
    return cj.status?.active?.[0]?.name === made!.metadata.name && cj.status?.lastScheduleTime === iso(due);
  }, 5_000, 10);
  assert.deepEqual(events.events.map((e) => e.reason), ['SuccessfulCreate']);
  assert.equal(events.events[0]!.message, `Created job ${made!.metadata.name}`);
});
