// Jobs on a real cluster, as users' manifests use them: a smoke test that
// curls a Service of a podnet/echo Deployment (wait --for=condition=complete,
// logs job/NAME, get jobs), an Indexed Job running each index once, a Job
// whose pod fails until backoffLimit (after the 10 s back-off), one past its
// activeDeadlineSeconds, and one removed with its pods by its
// ttlSecondsAfterFinished. A finished pod stays Completed, and its network
// namespace (its IP) is given back.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Job, Pod } from '../../../src/api/types.js';
import { eventually, podnet, withCluster } from '../../support/cli.js';
import { echoApp } from '../../support/manifests.js';

const CLUSTER = 'itjob';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itjob-'));
const pn = podnet(CLUSTER, stateDir);

async function apply(text: string): Promise<void> {
  const r = await pn(['apply', '-f', '-'], { input: text });
  assert.equal(r.code, 0, r.stderr);
}

async function getJson<T>(args: string[]): Promise<T> {
  const r = await pn([...args, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

const podsOf = async (job: string) => (await getJson<{ items: Pod[] }>(['get', 'pods', '-l', `job-name=${job}`])).items;
const jobNamed = (name: string) => getJson<Job>(['get', 'job', name]);
const conditions = (j: Job) => (j.status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => `${c.type}/${c.reason ?? ''}`);

/** A Job of one container running `command` (a host program, as podnet runs them). */
function job(name: string, command: string[], spec = ''): string {
  return `apiVersion: batch/v1
kind: Job
metadata: {name: ${name}}
spec:
${spec}  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox
          command: ${JSON.stringify(command)}
`;
}


describe('Jobs', { timeout: 240_000 }, () => {
  withCluster(pn, CLUSTER, stateDir);

  test('a smoke test curls a Service: complete, its logs show the echo, get jobs says Complete 1/1, its pod stays without its network', async () => {
    await apply(echoApp({ name: 'web' }));
    const ready = await pn(['wait', '--for=condition=available', 'deploy/web', '--timeout=60s']);
    assert.equal(ready.code, 0, ready.stderr);
    await apply(job('smoke', ['curl', '-s', '--max-time', '5', '--retry', '5', '--retry-connrefused', '--retry-delay', '1', 'http://web/']));
    const waited = await pn(['wait', '--for=condition=complete', 'job/smoke', '--timeout=60s']);
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal(waited.stdout, 'job.batch/smoke condition met\n');
    const logs = await pn(['logs', 'job/smoke']);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(JSON.parse(logs.stdout).pod as string, /^web-/);
    const table = await pn(['get', 'jobs']);
    assert.match(table.stdout, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\n/);
    assert.match(table.stdout, /\nsmoke\s+Complete\s+1\/1\s+\d+s\s+\d+s\n/);
    const done = await jobNamed('smoke');
    assert.deepEqual(conditions(done), ['SuccessCriteriaMet/CompletionsReached', 'Complete/CompletionsReached']);
    assert.equal(done.status?.succeeded, 1);
    // the pod stays, Completed, with the IP it had; its network namespace is gone
    const [pod] = await podsOf('smoke');
    assert.equal(pod?.status?.phase, 'Succeeded');
    assert.ok(pod?.status?.podIP, 'a finished pod keeps its podIP in status');
    assert.deepEqual(pod?.metadata.finalizers, undefined);
    const netns = `pn-${CLUSTER}-pod-${pod!.metadata.uid!.replace(/-/g, '').slice(0, 12)}`;
    await eventually('the finished pod\'s netns gone', async () => !(await promisify(execFile)('ip', ['netns', 'list'])).stdout.includes(netns));
    const listed = await pn(['get', 'pods', '-l', 'job-name=smoke']);
    assert.match(listed.stdout, /\nsmoke-[a-z0-9]{5}\s+0\/1\s+Completed\s+0\s+/);
  });

  test('Indexed, completions 3, parallelism 2: each index once, completedIndexes 0-2, the index in env and hostname', async () => {
    await apply(job('shards', ['sh', '-c', 'echo "index=$JOB_COMPLETION_INDEX host=$(hostname)"'], '  completions: 3\n  parallelism: 2\n  completionMode: Indexed\n'));
    const waited = await pn(['wait', '--for=condition=Complete', 'job/shards', '--timeout=60s']);
    assert.equal(waited.code, 0, waited.stderr);
    const done = await jobNamed('shards');
    assert.deepEqual([done.status?.completedIndexes, done.status?.succeeded], ['0-2', 3]);
    const pods = await podsOf('shards');
    const indexes = pods.map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']).sort();
    assert.deepEqual(indexes, ['0', '1', '2']);
    for (const p of pods) {
      const ix = p.metadata.labels?.['batch.kubernetes.io/job-completion-index'];
      assert.equal(p.spec.hostname, `shards-${ix}`);
      const logs = await pn(['logs', p.metadata.name!]);
      assert.equal(logs.stdout, `index=${ix} host=shards-${ix}\n`);
    }
  });

  test('a pod that exits 1 under restartPolicy Never and backoffLimit 1: replaced after the back-off, then Failed with BackoffLimitExceeded', async () => {
    await apply(job('flaky', ['sh', '-c', 'exit 1'], '  backoffLimit: 1\n'));
    const failed = await eventually('flaky Failed', async () => {
      const j = await jobNamed('flaky');
      return conditions(j).includes('Failed/BackoffLimitExceeded') && j;
    }, 45_000, 500);
    assert.deepEqual(conditions(failed), ['FailureTarget/BackoffLimitExceeded', 'Failed/BackoffLimitExceeded']);
    assert.equal(failed.status?.failed, 2);
    const pods = await podsOf('flaky');
    assert.deepEqual(pods.map((p) => p.status?.phase), ['Failed', 'Failed']);
    // the second pod was made at least the back-off's 10 s after the first one ended
    const [first, second] = pods.sort((a, b) => a.metadata.creationTimestamp!.localeCompare(b.metadata.creationTimestamp!));
    const firstEnded = Date.parse(first!.status!.containerStatuses![0]!.state!.terminated!.finishedAt!);
    assert.ok(Date.parse(second!.metadata.creationTimestamp!) - firstEnded >= 9_000, 'the replacement waited for the back-off');
    const table = await pn(['get', 'job', 'flaky']);
    assert.match(table.stdout, /\nflaky\s+Failed\s+0\/1\s+/);
    const described = await pn(['describe', 'job', 'flaky']);
    assert.match(described.stdout, /Pods Statuses:\s+0 Active \(0 Ready\) \/ 0 Succeeded \/ 2 Failed/);
    assert.match(described.stdout, /Warning\s+BackoffLimitExceeded\s+.*job-controller\s+Job has reached the specified backoff limit/);
  });

  test('activeDeadlineSeconds on a sleeping pod: the pod is deleted and the Job Failed with DeadlineExceeded', async () => {
    await apply(job('slow', ['sleep', '300'], '  activeDeadlineSeconds: 3\n'));
    const failed = await eventually('slow Failed', async () => {
      const j = await jobNamed('slow');
      return conditions(j).includes('Failed/DeadlineExceeded') && j;
    }, 45_000, 500);
    assert.deepEqual(conditions(failed), ['FailureTarget/DeadlineExceeded', 'Failed/DeadlineExceeded']);
    assert.equal(failed.status?.active, undefined);
    await eventually('its pod gone', async () => (await podsOf('slow')).length === 0, 30_000, 250);
  });

  test('ttlSecondsAfterFinished 1: the finished Job and its pods are gone', async () => {
    await apply(job('brief', ['true'], '  ttlSecondsAfterFinished: 1\n'));
    await eventually('brief gone', async () => {
      const r = await pn(['get', 'job', 'brief']);
      return r.code !== 0 && /NotFound|not found/.test(r.stderr);
    }, 30_000, 250);
    await eventually('its pods gone', async () => (await podsOf('brief')).length === 0, 30_000, 250);
  });
});
