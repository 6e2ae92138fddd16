import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition, Deployment } from '../../../src/api/types.js';
import { PROGRESS_DEADLINE_EXCEEDED, progressingCondition, type RolloutCounts } from '../../../src/controllers/deployment-progress.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function deploy(o: { deadline?: number; paused?: boolean; generation?: number; status?: Deployment['status'] } = {}): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', generation: o.generation ?? 2 },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } }, progressDeadlineSeconds: o.deadline ?? 10, ...(o.paused ? { paused: true } : {}) },
    ...(o.status ? { status: o.status } : {}),
  } as Deployment;
}

const progressing = (reason: string, updatedAt: number, status: Condition['status'] = 'True'): Condition =>
  ({ type: 'Progressing', status, reason, lastUpdateTime: at(updatedAt), lastTransitionTime: at(updatedAt) });
/** a rollout stuck at 1 updated (not ready) of 2, 2 old ones ready */
const stuck: RolloutCounts = { replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2 };
const stored = (c: Condition, counts = stuck): Deployment['status'] => ({ observedGeneration: 2, ...counts, conditions: [c] });
const run = (d: Deployment, s: number, counts = stuck, complete = false, rollingOut = true) => progressingCondition(d, counts, complete, rollingOut, T0 + s * 1000, at(s));

test('no progress for progressDeadlineSeconds → Progressing False ProgressDeadlineExceeded, and it stays', () => {
  const d = deploy({ status: stored(progressing('ReplicaSetUpdated', 0)) });
  const before = run(d, 9);
  assert.equal(before.condition.reason, 'ReplicaSetUpdated');
  assert.equal(before.condition.lastUpdateTime, at(0), 'no progress: the deadline keeps counting from the last one');
  assert.equal(before.recheckInMs, 2000, 'looked at again just past the deadline');
  const after = run(d, 11);
  assert.deepEqual([after.condition.status, after.condition.reason, after.condition.message], ['False', PROGRESS_DEADLINE_EXCEEDED, 'Deployment "web" has timed out progressing.']);
  assert.equal(after.recheckInMs, undefined);
  const failed = deploy({ status: stored(progressing(PROGRESS_DEADLINE_EXCEEDED, 11, 'False')) });
  assert.equal(run(failed, 500).condition.reason, PROGRESS_DEADLINE_EXCEEDED);
});

test('progress restarts the deadline: more updated, ready or available pods, fewer old ones; a new spec alone does not, a new set made does', () => {
  const cases: [string, Deployment, RolloutCounts][] = [
    ['updated', deploy({ status: stored(progressing('ReplicaSetUpdated', 0)) }), { ...stuck, updatedReplicas: 2, replicas: 4 }],
    ['ready', deploy({ status: stored(progressing('ReplicaSetUpdated', 0)) }), { ...stuck, readyReplicas: 3 }],
    ['available', deploy({ status: stored(progressing('ReplicaSetUpdated', 0)) }), { ...stuck, availableReplicas: 3 }],
    ['fewer old', deploy({ status: stored(progressing('ReplicaSetUpdated', 0)) }), { ...stuck, replicas: 2 }],
  ];
  for (const [name, d, counts] of cases) {
    const p = run(d, 30, counts);
    assert.deepEqual([p.condition.status, p.condition.reason, p.condition.lastUpdateTime], ['True', 'ReplicaSetUpdated', at(30)], name);
    assert.equal(p.recheckInMs, 11_000, name);
  }
  // a new progressDeadlineSeconds mid-rollout (a new generation) is no progress: upstream times out at once
  const respecified = deploy({ generation: 3, status: stored(progressing('ReplicaSetUpdated', 0)) });
  assert.equal(run(respecified, 30).condition.reason, PROGRESS_DEADLINE_EXCEEDED);
  // a new set made (the template changed): NewReplicaSetCreated, the deadline from now
  const made = progressingCondition(deploy({ status: stored(progressing(PROGRESS_DEADLINE_EXCEEDED, 0, 'False')) }), stuck, false, true, T0 + 30_000, at(30), 'web-new', { made: true, name: 'web-new' });
  assert.deepEqual([made.condition.status, made.condition.reason, made.condition.message, made.recheckInMs], ['True', 'NewReplicaSetCreated', 'Created new replica set "web-new"', 11_000]);
  // a set found while there is no condition yet: FoundNewReplicaSet
  const found = progressingCondition(deploy(), stuck, false, true, T0, at(0), 'web-old', { made: false, name: 'web-old' });
  assert.deepEqual([found.condition.reason, found.condition.message], ['FoundNewReplicaSet', 'Found new replica set "web-old"']);
});

test('pause keeps a timed-out condition; resuming says DeploymentResumed', () => {
  const timedOut = deploy({ paused: true, status: stored(progressing(PROGRESS_DEADLINE_EXCEEDED, 0, 'False')) });
  assert.equal(run(timedOut, 30).condition.reason, PROGRESS_DEADLINE_EXCEEDED);
  const resumed = run(deploy({ status: stored(progressing('DeploymentPaused', 0, 'Unknown')) }), 30);
  assert.deepEqual([resumed.condition.status, resumed.condition.reason, resumed.condition.message], ['Unknown', 'DeploymentResumed', 'Deployment is resumed']);
});

test('complete, paused, and no deadline', () => {
  const done = run(deploy({ status: stored(progressing('ReplicaSetUpdated', 0)) }), 30, { replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }, true);
  assert.deepEqual([done.condition.status, done.condition.reason, done.recheckInMs], ['True', 'NewReplicaSetAvailable', undefined]);
  const paused = run(deploy({ paused: true, status: stored(progressing('ReplicaSetUpdated', 0)) }), 30);
  assert.deepEqual([paused.condition.status, paused.condition.reason], ['Unknown', 'DeploymentPaused']);
  const unlimited = run(deploy({ deadline: 2 ** 31 - 1, status: stored(progressing('ReplicaSetUpdated', 0)) }), 1e6);
  assert.deepEqual([unlimited.condition.reason, unlimited.recheckInMs], ['ReplicaSetUpdated', undefined]);
});

test('a completed Deployment without pods of an older template keeps NewReplicaSetAvailable: a scale-up that cannot be placed never times out', () => {
  const done = deploy({ generation: 3, status: stored(progressing('NewReplicaSetAvailable', 0), { replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 }) });
  const scaled: RolloutCounts = { replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 };
  const p = run(done, 500, scaled, false, false);
  assert.deepEqual([p.condition.status, p.condition.reason, p.recheckInMs], ['True', 'NewReplicaSetAvailable', undefined]);
  // a new template (older pods still there) is a rollout: its deadline starts
  const rollout = run(done, 500, { ...scaled, updatedReplicas: 1 }, false, true);
  assert.deepEqual([rollout.condition.reason, rollout.condition.lastUpdateTime], ['ReplicaSetUpdated', at(500)]);
});
