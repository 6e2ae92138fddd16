// The Job controller's decisions as rows (planJob, the counting of finished
// pods, the back-off, the indexes), then the controller and the
// TTL-after-finished controller on an in-memory registry, where the test
// plays the kubelet by writing the pods' phases.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job, Pod } from '../../../src/api/types.js';
import type { LocalClient } from '../../../src/client/local-client.js';
import { FakeEventRecorder } from '../../../src/controllers/events.js';
import { GarbageCollector } from '../../../src/controllers/garbage-collector.js';
import { JobController } from '../../../src/controllers/job.js';
import { completionIndexOf, formatIndexes, JOB_COMPLETION_INDEX, parseIndexes } from '../../../src/controllers/job-indexes.js';
import {
  backoffRemainingMs, JOB_POD_FAILURE_BACKOFF, JOB_TRACKING_FINALIZER, jobPod, nextBackoffRecord, pastBackoffLimitOnFailure, planJob,
  settleUncounted, trackFinishedPods,
} from '../../../src/controllers/job-plan.js';
import { msUntilExpired, TTLAfterFinishedController } from '../../../src/controllers/ttl-after-finished.js';
import { eventually } from '../../support/cli.js';
import { startController } from './controller-harness.js';

const stops: (() => void)[] = [];
after(() => { for (const stop of stops) stop(); });

const NOW = Date.parse('2026-01-01T00:10:00Z');
const at = (s: number) => new Date(NOW + s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function job(spec: Partial<Job['spec']> = {}, status: Job['status'] = {}): Job {
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', namespace: 'default', uid: 'uid-pi' },
    spec: {
      completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', selector: { matchLabels: { 'job-name': 'pi' } },
      template: { metadata: { labels: { 'job-name': 'pi' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'podnet/echo' }] } },
      ...spec,
    },
    status,
  };
}

type Phase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';
function pod(name: string, phase: Phase, opts: { index?: number; finishedAt?: string; deleting?: boolean; restarts?: number; tracked?: boolean; ready?: boolean } = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: 'default', uid: `uid-${name}`, labels: { 'job-name': 'pi' }, creationTimestamp: at(-60),
      ...(opts.tracked === false ? {} : { finalizers: [JOB_TRACKING_FINALIZER] }),
      ...(opts.index !== undefined ? { annotations: { [JOB_COMPLETION_INDEX]: String(opts.index) } } : {}),
      ...(opts.deleting ? { deletionTimestamp: at(0), deletionGracePeriodSeconds: 30 } : {}),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'uid-pi', controller: true }],
    },
    spec: { nodeName: 'n1', containers: [{ name: 'c' }] },
    status: {
      phase,
      conditions: [{ type: 'Ready', status: opts.ready ? 'True' : 'False' }],
      containerStatuses: [{
        name: 'c', image: 'podnet/echo', imageID: '', ready: !!opts.ready, restartCount: opts.restarts ?? 0,
        state: phase === 'Succeeded' || phase === 'Failed' ? { terminated: { exitCode: phase === 'Failed' ? 1 : 0, finishedAt: opts.finishedAt ?? at(-5) } } : { running: { startedAt: at(-30) } },
        lastState: {},
      }],
    },
  };
}

const plan = (j: Job, pods: Pod[], extra: Partial<Parameters<typeof planJob>[2]> = {}) => planJob(j, pods, { nowMs: NOW, ...extra });

test('indexes: written as sorted ranges, read back within completions', () => {
  assert.equal(formatIndexes([4, 0, 2, 1, 2]), '0-2,4');
  assert.equal(formatIndexes([3, 5, 6]), '3,5-6');
  assert.equal(formatIndexes([]), '');
  assert.deepEqual(parseIndexes('0-2,4,7-9', 8), [0, 1, 2, 4, 7]);
  assert.deepEqual(parseIndexes('', 3), []);
  assert.equal(completionIndexOf(pod('a', 'Running', { index: 2 })), 2);
  assert.equal(completionIndexOf({ ...pod('b', 'Running'), metadata: { annotations: { [JOB_COMPLETION_INDEX]: '02' } } } as Pod), undefined);
});

test('back-off: 10 s after a failure since the last success, doubling with each further one, never more than 6 minutes', () => {
  assert.deepEqual(JOB_POD_FAILURE_BACKOFF, { initialMs: 10_000, maxMs: 360_000 });
  const rows: [number, number, number][] = [
    // failures after the last success, s since the last failure, ms still to wait
    [0, 0, 0], [1, 0, 10_000], [1, 4, 6_000], [1, 10, 0], [2, 0, 20_000], [3, 5, 35_000], [6, 0, 320_000], [7, 0, 360_000], [20, 60, 300_000],
  ];
  for (const [failures, since, want] of rows) {
    assert.equal(backoffRemainingMs({ failuresAfterLastSuccess: failures, lastFailureMs: NOW - since * 1000 }, NOW), want, `${failures} failures, ${since}s ago`);
  }
  // the record: failures add up; a success resets it unless failures came after it
  const failed = nextBackoffRecord(undefined, [], [pod('a', 'Failed', { finishedAt: at(-20) }), pod('b', 'Failed', { finishedAt: at(-10) })]);
  assert.deepEqual(failed, { failuresAfterLastSuccess: 2, lastFailureMs: NOW - 10_000 });
  assert.deepEqual(nextBackoffRecord(failed, [pod('c', 'Succeeded', { finishedAt: at(-5) })], []), { failuresAfterLastSuccess: 0 });
  assert.deepEqual(nextBackoffRecord(failed, [pod('c', 'Succeeded', { finishedAt: at(-15) })], [pod('d', 'Failed', { finishedAt: at(-3) })]), { failuresAfterLastSuccess: 1, lastFailureMs: NOW - 3_000 });
});

test('planJob: pods up to parallelism while completions remain, and never more than remain', () => {
  assert.equal(plan(job({ completions: 5, parallelism: 2 }), []).create.length, 2);
  assert.equal(plan(job({ completions: 5, parallelism: 2 }), [pod('a', 'Running')]).create.length, 1);
  assert.equal(plan(job({ completions: 3, parallelism: 5 }, { succeeded: 2 }), []).create.length, 1);
  // completions unset: parallelism pods until one succeeds, then only those running finish
  assert.equal(plan(job({ completions: undefined, parallelism: 3 }), []).create.length, 3);
  const anyOne = plan(job({ completions: undefined, parallelism: 3 }), [pod('a', 'Succeeded'), pod('b', 'Running')]);
  assert.deepEqual([anyOne.create.length, anyOne.finish], [0, undefined]);
  // too many (parallelism lowered): the least useful go, uncounted
  assert.deepEqual(plan(job({ completions: 5, parallelism: 1 }), [pod('a', 'Running', { ready: true }), pod('b', 'Pending')]).deleteUncounted.map((p) => p.metadata.name), ['b']);
});

test('planJob: a success decided once no pod is active; the interim condition first, in upstream\'s words', () => {
  const p = plan(job(), [pod('a', 'Succeeded')]);
  assert.deepEqual(p.finish, { type: 'SuccessCriteriaMet', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' });
  assert.deepEqual(p.status.conditions?.map((c) => [c.type, c.status, c.reason]), [['SuccessCriteriaMet', 'True', 'CompletionsReached']]);
  assert.equal(p.status.startTime, at(0));
  assert.deepEqual([p.create.length, p.status.active], [0, 0]);
});

test('planJob: failed pods beyond backoffLimit fail the Job and delete the active ones; below it, a replacement waits out the back-off', () => {
  const j = job({ backoffLimit: 1, parallelism: 2, completions: 4 });
  const over = plan(j, [pod('a', 'Failed', { finishedAt: at(-30) }), pod('b', 'Failed', { finishedAt: at(-1) }), pod('c', 'Running')]);
  assert.deepEqual(over.finish, { type: 'FailureTarget', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
  assert.deepEqual(over.deleteFinishing.map((p) => p.metadata.name), ['c']);
  assert.equal(over.create.length, 0);
  const under = plan(job({ backoffLimit: 1 }), [pod('a', 'Failed', { finishedAt: at(-4) })]);
  assert.deepEqual([under.finish, under.create.length, under.requeueAfterMs], [undefined, 0, 6_000]);
  // its back-off over: the replacement is made
  assert.equal(plan(job({ backoffLimit: 1 }), [pod('a', 'Failed', { finishedAt: at(-11) })]).create.length, 1);
  // a pod already counted (no finalizer) is in status.failed, not counted again
  assert.equal(plan(job({ backoffLimit: 1 }, { failed: 1 }), [pod('a', 'Failed', { tracked: false, finishedAt: at(-11) })]).finish, undefined);
});

test('planJob: OnFailure counts the containers\' restarts of running pods against backoffLimit', () => {
  const onFailure = (limit: number) => job({ backoffLimit: limit, template: { metadata: { labels: { 'job-name': 'pi' } }, spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c' }] } } });
  assert.equal(pastBackoffLimitOnFailure(onFailure(2), [pod('a', 'Running', { restarts: 1 })]), false);
  assert.equal(pastBackoffLimitOnFailure(onFailure(2), [pod('a', 'Running', { restarts: 2 })]), true);
  assert.equal(pastBackoffLimitOnFailure(onFailure(0), [pod('a', 'Running', { restarts: 1 })]), true);
  // a finished pod's restarts no longer count; nor do Never's
  assert.equal(pastBackoffLimitOnFailure(onFailure(2), [pod('a', 'Succeeded', { restarts: 5 })]), false);
  assert.equal(pastBackoffLimitOnFailure(job({ backoffLimit: 0 }), [pod('a', 'Running', { restarts: 5 })]), false);
  assert.equal(plan(onFailure(2), [pod('a', 'Running', { restarts: 2 })]).finish?.reason, 'BackoffLimitExceeded');
});

test('planJob: activeDeadlineSeconds passed fails the Job (DeadlineExceeded); before, the Job is looked at again when it passes', () => {
  const started = { startTime: at(-20) };
  const late = plan(job({ activeDeadlineSeconds: 10 }, started), [pod('a', 'Running')]);
  assert.deepEqual([late.finish?.reason, late.finish?.message], ['DeadlineExceeded', 'Job was active longer than specified deadline']);
  assert.deepEqual(late.deleteFinishing.map((p) => p.metadata.name), ['a']);
  assert.equal(late.status.terminating, 1);
  assert.equal(plan(job({ activeDeadlineSeconds: 30 }, started), [pod('a', 'Running')]).requeueAfterMs, 10_000);
});

test('planJob: suspend deletes the active pods uncounted and says Suspended; resuming says so and restarts the deadline\'s clock', () => {
  const suspended = plan(job({ suspend: true }), [pod('a', 'Running')]);
  assert.deepEqual(suspended.deleteUncounted.map((p) => p.metadata.name), ['a']);
  assert.deepEqual(suspended.status.conditions?.map((c) => [c.type, c.status, c.reason, c.message]), [['Suspended', 'True', 'JobSuspended', 'Job suspended']]);
  assert.deepEqual(suspended.events, [{ type: 'Normal', reason: 'Suspended', message: 'Job suspended' }]);
  assert.equal(suspended.status.startTime, undefined);
  const resumed = plan(job({ suspend: false }, { startTime: at(-100), conditions: suspended.status.conditions! }), []);
  assert.deepEqual(resumed.status.conditions?.map((c) => [c.type, c.status, c.reason]), [['Suspended', 'False', 'JobResumed']]);
  assert.deepEqual(resumed.events.map((e) => e.reason), ['Resumed']);
  assert.equal(resumed.status.startTime, at(0));
  assert.equal(resumed.create.length, 1);
});

test('planJob, Indexed: the lowest pending indexes, each once; succeeded indexes counted and listed', () => {
  const indexed = job({ completionMode: 'Indexed', completions: 3, parallelism: 2 });
  assert.deepEqual(plan(indexed, []).create, [0, 1]);
  const p = plan(indexed, [pod('a', 'Succeeded', { index: 0 }), pod('b', 'Running', { index: 1 })]);
  assert.deepEqual([p.create, p.status.completedIndexes, p.status.succeeded], [[2], '0', 1]);
  // two pods of one index: one goes
  assert.equal(plan(indexed, [pod('a', 'Running', { index: 1, ready: true }), pod('b', 'Running', { index: 1 })]).deleteUncounted[0]!.metadata.name, 'b');
  const done = plan(indexed, [0, 1, 2].map((i) => pod(`p${i}`, 'Succeeded', { index: i })));
  assert.deepEqual([done.status.completedIndexes, done.finish?.type], ['0-2', 'SuccessCriteriaMet']);
});

test('counting: finished pods are written uncounted, their finalizers come off, then they are counted and the Job ends', () => {
  const j = job({ backoffLimit: 0 });
  const pods = [pod('a', 'Failed')];
  const p = plan(j, pods);
  const tracking = trackFinishedPods(j, pods, p);
  assert.deepEqual(tracking.release.map((x) => x.metadata.name), ['a']);
  assert.deepEqual(tracking.status.uncountedTerminatedPods, { failed: ['uid-a'] });
  assert.deepEqual(tracking.status.conditions?.map((c) => c.type), ['FailureTarget']);
  // the finalizer still on: nothing moves, no terminal condition
  const held = settleUncounted(tracking.status, new Set(['uid-a']), p.finish, NOW);
  assert.deepEqual([held.finished, held.status.failed, held.status.uncountedTerminatedPods], [false, undefined, { failed: ['uid-a'] }]);
  const settled = settleUncounted(tracking.status, new Set(), p.finish, NOW);
  assert.equal(settled.finished, true);
  assert.deepEqual([settled.status.failed, settled.status.uncountedTerminatedPods], [1, {}]);
  assert.deepEqual(settled.status.conditions?.map((c) => [c.type, c.reason]), [['FailureTarget', 'BackoffLimitExceeded'], ['Failed', 'BackoffLimitExceeded']]);
  // success: Complete follows SuccessCriteriaMet, with a completionTime
  const ok = plan(job(), [pod('s', 'Succeeded')]);
  const okSettled = settleUncounted(trackFinishedPods(job(), [pod('s', 'Succeeded')], ok).status, new Set(), ok.finish, NOW);
  assert.deepEqual([okSettled.status.succeeded, okSettled.status.completionTime, okSettled.status.conditions?.map((c) => c.type)], [1, at(0), ['SuccessCriteriaMet', 'Complete']]);
  // a pod still terminating holds the terminal condition back
  assert.equal(settleUncounted({ ...tracking.status, terminating: 1 }, new Set(), p.finish, NOW).finished, false);
});

test('jobPod: the template\'s labels, the tracking finalizer, the Job as controller; an Indexed pod\'s index four ways', () => {
  const j = job();
  const plain = jobPod(j, undefined, 'pi-abcde');
  assert.deepEqual(plain.metadata.finalizers, [JOB_TRACKING_FINALIZER]);
  assert.deepEqual(plain.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'uid-pi', controller: true, blockOwnerDeletion: true }]);
  assert.equal(plain.spec.hostname, undefined);
  const indexed = jobPod(j, 3, 'pi-3-abcde');
  assert.equal(indexed.metadata.annotations?.[JOB_COMPLETION_INDEX], '3');
  assert.equal(indexed.metadata.labels?.[JOB_COMPLETION_INDEX], '3');
  assert.equal(indexed.spec.hostname, 'pi-3');
  assert.deepEqual(indexed.spec.containers[0]!.env, [{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }]);
});

test('msUntilExpired: a finished Job\'s TTL counts from its Complete or Failed condition', () => {
  const finished = (ttl: number | undefined, type = 'Complete') => job({ ttlSecondsAfterFinished: ttl }, { conditions: [{ type, status: 'True', lastTransitionTime: at(-30) }] });
  assert.equal(msUntilExpired(finished(100), NOW), 70_000);
  assert.equal(msUntilExpired(finished(10, 'Failed'), NOW), -20_000);
  assert.equal(msUntilExpired(finished(undefined), NOW), undefined);
  assert.equal(msUntilExpired(job({ ttlSecondsAfterFinished: 0 }), NOW), undefined);
});

// ---- on an in-memory registry ----

async function setPhase(client: LocalClient, p: Pod, phase: Phase): Promise<void> {
  const fresh = await client.get<Pod>('pods', 'default', p.metadata.name!);
  const terminated = { exitCode: phase === 'Failed' ? 1 : 0, finishedAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') };
  await client.update<Pod>({ ...fresh, status: { phase, containerStatuses: [{ name: 'c', image: 'podnet/echo', imageID: '', ready: false, restartCount: 0, state: { terminated }, lastState: {} }] } }, { subresource: 'status' });
}

const podsOf = async (client: LocalClient, name: string) => (await client.list<Pod>('pods', 'default', { labelSelector: `job-name=${name}` })).items;
const newJob = (name: string, spec: Partial<Job['spec']> = {}): Job => ({
  apiVersion: 'batch/v1', kind: 'Job', metadata: { name },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'podnet/echo' }] } }, ...spec },
});

test('the controller: a pod, counted when it succeeds, its finalizer off, the Job Complete with its events; the pod stays', async () => {
  const events = new FakeEventRecorder();
  const client = await startController(stops, (informers, c) => new JobController(informers, c, events));
  await client.create(newJob('once'));
  const [p] = await eventually('a pod', async () => { const pods = await podsOf(client, 'once'); return pods.length === 1 && pods; });
  assert.match(p!.metadata.name!, /^once-[a-z0-9]{5}$/);
  assert.deepEqual(p!.metadata.finalizers, [JOB_TRACKING_FINALIZER]);
  await setPhase(client, p!, 'Succeeded');
  const done = await eventually('Complete', async () => { const j = await client.get<Job>('jobs', 'default', 'once'); return j.status?.conditions?.some((c) => c.type === 'Complete') && j; });
  assert.deepEqual([done.status?.succeeded, done.status?.active, done.status?.ready, done.status?.uncountedTerminatedPods], [1, undefined, 0, {}]);
  assert.ok(done.status?.completionTime && done.status.startTime);
  const [kept] = await podsOf(client, 'once');
  assert.deepEqual([kept?.status?.phase, kept?.metadata.finalizers], ['Succeeded', undefined]);
  assert.deepEqual(events.events.map((e) => `${e.reason}: ${e.message}`), [`SuccessfulCreate: Created pod: ${p!.metadata.name}`, 'Completed: Job completed']);
});

test('the controller: failed pods replaced after the back-off until backoffLimit, then Failed with BackoffLimitExceeded', async () => {
  const events = new FakeEventRecorder();
  // finish times have second precision (metav1.Time): a back-off over a second is always partly waited out
  const client = await startController(stops, (informers, c) => new JobController(informers, c, events, { initialMs: 1_200, maxMs: 5_000 }));
  await client.create(newJob('flaky', { backoffLimit: 1 }));
  const [first] = await eventually('a pod', async () => { const pods = await podsOf(client, 'flaky'); return pods.length === 1 && pods; });
  const failedAt = Date.now();
  await setPhase(client, first!, 'Failed');
  const second = await eventually('a replacement', async () => (await podsOf(client, 'flaky')).find((p) => p.metadata.name !== first!.metadata.name));
  assert.ok(Date.now() - failedAt >= 150, 'the replacement waited for the back-off');
  await setPhase(client, second, 'Failed');
  const failed = await eventually('Failed', async () => { const j = await client.get<Job>('jobs', 'default', 'flaky'); return j.status?.conditions?.some((c) => c.type === 'Failed') && j; });
  assert.deepEqual(failed.status?.conditions?.map((c) => [c.type, c.reason]), [['FailureTarget', 'BackoffLimitExceeded'], ['Failed', 'BackoffLimitExceeded']]);
  assert.equal(failed.status?.failed, 2);
  assert.deepEqual(events.events.at(-1), { type: 'Warning', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', object: 'Job/flaky' });
});

test('the controller: a pod whose Job is gone loses its tracking finalizer, so it can go', async () => {
  const client = await startController(stops, (informers, c) => new JobController(informers, c, new FakeEventRecorder()));
  await client.create(newJob('gone'));
  const [p] = await eventually('a pod', async () => { const pods = await podsOf(client, 'gone'); return pods.length === 1 && pods; });
  await client.delete('jobs', 'default', 'gone', { propagationPolicy: 'Background' });
  await eventually('the finalizer off', async () => (await client.get<Pod>('pods', 'default', p!.metadata.name!)).metadata.finalizers === undefined);
});

test('ttl-after-finished: a finished Job with ttlSecondsAfterFinished 0 is deleted, its pods with it (Foreground)', async () => {
  const client = await startController(stops, (informers, c) => {
    const controllers = [new JobController(informers, c, new FakeEventRecorder()), new TTLAfterFinishedController(informers, c), new GarbageCollector(informers, c)];
    return { run: () => { for (const x of controllers) x.run(); }, stop: () => { for (const x of controllers) x.stop(); } };
  });
  await client.create(newJob('brief', { ttlSecondsAfterFinished: 0 }));
  const [p] = await eventually('a pod', async () => { const pods = await podsOf(client, 'brief'); return pods.length === 1 && pods; });
  await setPhase(client, p!, 'Succeeded');
  await eventually('the Job gone', async () => (await client.list('jobs', 'default')).items.length === 0);
  await eventually('its pod gone', async () => (await podsOf(client, 'brief')).length === 0);
});

test('the controller: a pod that cannot be created does not stop the counting of one that succeeded', async () => {
  const events = new FakeEventRecorder();
  const client = await startController(stops, (informers, c) => new JobController(informers, c, events));
  await client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'default' } });
  const j = newJob('two', { completions: 2 });
  j.spec.template.spec.serviceAccountName = 'builder';
  await client.create(j);
  const [first] = await eventually('a pod', async () => { const pods = await podsOf(client, 'two'); return pods.length === 1 && pods; });
  // the next pod cannot be made (its account is gone), and the first one ends meanwhile
  await client.delete('serviceaccounts', 'default', 'builder');
  await setPhase(client, first!, 'Succeeded');
  const counted = await eventually('the success counted', async () => { const job = await client.get<Job>('jobs', 'default', 'two'); return job.status?.succeeded === 1 && job; });
  assert.equal(counted.status?.active ?? 0, 0);
  await eventually('its finalizer off', async () => (await client.get<Pod>('pods', 'default', first!.metadata.name!)).metadata.finalizers === undefined);
  assert.ok(events.events.some((e) => e.reason === 'FailedCreate' && /serviceaccount "builder" not found/.test(e.message)), JSON.stringify(events.events));
});

test('the controller: a pod adopted by a Job (made before it, matching its selector) gets the tracking finalizer and is counted', async () => {
  const client = await startController(stops, (informers, c) => new JobController(informers, c, new FakeEventRecorder()));
  const labels = { run: 'adopt-me' };
  await client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'early', namespace: 'default', labels }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'podnet/echo' }] } });
  const j = newJob('adopter', { manualSelector: true, selector: { matchLabels: labels } });
  j.spec.template.metadata = { labels };
  await client.create(j);
  const adopted = await eventually('adopted with the finalizer', async () => { const p = await client.get<Pod>('pods', 'default', 'early'); return p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER) && p; });
  assert.equal(adopted.metadata.ownerReferences?.[0]?.name, 'adopter');
  await setPhase(client, adopted, 'Succeeded');
  const done = await eventually('Complete', async () => { const job = await client.get<Job>('jobs', 'default', 'adopter'); return job.status?.conditions?.some((c) => c.type === 'Complete') && job; });
  assert.equal(done.status?.succeeded, 1);
});
