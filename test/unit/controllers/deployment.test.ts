// The rollout arithmetic of upstream's deployment controller (rolling.go,
// recreate.go, sync.go), pure, on ReplicaSets: how far the new set grows,
// how far old ones shrink, history cleanup; and which pod updates wake an owner.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { historyToDelete, maxSurgeOf, maxUnavailableOf, newReplicasForRolling, resolveIntOrPercent, scaleDownOld } from '../../../src/controllers/deployment.js';
import { podChangeMatters } from '../../../src/controllers/workload-pods.js';
import type { Pod, ReplicaSet } from '../../../src/api/types.js';
import { deployment } from './fixtures.js';

test('maxSurge rounds up and maxUnavailable rounds down, as upstream; both 0 falls back to one unavailable; Recreate surges nothing', () => {
  assert.equal(resolveIntOrPercent('25%', 1, true, '25%'), 1);
  assert.equal(resolveIntOrPercent('25%', 1, false, '25%'), 0);
  assert.equal(resolveIntOrPercent('25%', 10, true, '25%'), 3);
  assert.equal(resolveIntOrPercent('25%', 10, false, '25%'), 2);
  assert.equal(resolveIntOrPercent(2, 10, false, '25%'), 2);
  assert.equal(resolveIntOrPercent(undefined, 4, true, '25%'), 1);
  assert.deepEqual([maxSurgeOf(deployment(4)), maxUnavailableOf(deployment(4))], [1, 1]);
  assert.deepEqual([maxSurgeOf(deployment(1, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } })), maxUnavailableOf(deployment(1, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }))], [0, 1]);
  assert.deepEqual([maxSurgeOf(deployment(3, { type: 'Recreate' })), maxUnavailableOf(deployment(3, { type: 'Recreate' }))], [0, 0]);
});

let created = 0;
/** a set: name, spec.replicas, status.availableReplicas (and status.replicas the same as spec unless given) */
function rs(name: string, replicas: number, available = replicas, revision?: number, statusReplicas = replicas): ReplicaSet {
  created++;
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: `2026-01-01T00:00:${String(created % 60).padStart(2, '0')}Z`, ...(revision ? { annotations: { 'deployment.kubernetes.io/revision': String(revision) } } : {}) },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [] } } },
    status: { replicas: statusReplicas, availableReplicas: available },
  };
}
const steps = (s: { rs: ReplicaSet; replicas: number }[]) => s.map((x) => `${x.rs.metadata.name}:${x.replicas}`).join(' ');

test('newReplicasForRolling: the new set grows within replicas + maxSurge, up to replicas', () => {
  assert.equal(newReplicasForRolling(deployment(3), [], 0), 3, 'a new Deployment: all at once');
  assert.equal(newReplicasForRolling(deployment(4), [rs('old', 4)], 0), 1, 'maxSurge 1 over 4 old');
  assert.equal(newReplicasForRolling(deployment(4), [rs('old', 3), rs('new', 1)], 1), 2, 'an old one gone: one more new');
  assert.equal(newReplicasForRolling(deployment(4), [rs('old', 4), rs('new', 1)], 1), 1, 'at replicas + maxSurge: no more');
  assert.equal(newReplicasForRolling(deployment(1, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } }), [rs('old', 1)], 0), 0, 'maxSurge 0: only once an old pod went');
});

test('scaleDownOld: unavailable old pods first, then available ones while replicas - maxUnavailable stay available; the new set\'s unavailable pods count as never available', () => {
  // 4 replicas (maxUnavailable 1): 4 old available, 1 new not yet available: one old may go
  assert.equal(steps(scaleDownOld(deployment(4), [rs('old', 4)], rs('new', 1, 0))), 'old:3');
  // the new one available: one more old may go
  assert.equal(steps(scaleDownOld(deployment(4), [rs('old', 3)], rs('new', 2, 1))), 'old:2');
  // replicas 2 (maxUnavailable 0): an old pod that is not available waits while no new pod is
  assert.equal(steps(scaleDownOld(deployment(2), [rs('old', 2, 1)], rs('new', 1, 0))), '');
  assert.equal(steps(scaleDownOld(deployment(2), [rs('old', 2, 1)], rs('new', 1, 1))), 'old:1');
  // two old sets: the older one's unavailable pods go first, then one available pod above replicas - maxUnavailable
  assert.equal(steps(scaleDownOld(deployment(4), [rs('older', 2, 0), rs('newer', 2, 2)], rs('new', 2, 2))), 'older:0 newer:1');
  assert.equal(steps(scaleDownOld(deployment(4), [], rs('new', 4))), '');
});

test('historyToDelete: empty old sets beyond revisionHistoryLimit, oldest revision first', () => {
  const old = [rs('r3', 0, 0, 3), rs('r1', 0, 0, 1), rs('r2', 0, 0, 2), rs('busy', 1, 1, 4)];
  const limited = { ...deployment(1), spec: { ...deployment(1).spec, revisionHistoryLimit: 1 } };
  assert.deepEqual(historyToDelete(limited, old).map((r) => r.metadata.name), ['r1', 'r2']);
  assert.deepEqual(historyToDelete(deployment(1), old), [], 'the default keeps 10');
  assert.deepEqual(historyToDelete({ ...limited, spec: { ...limited.spec, revisionHistoryLimit: 0 } }, [rs('draining', 0, 0, 1, 1)]), [], 'a set whose pods are still there stays');
});

const basePod = (): Pod => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'web-abc-x', namespace: 'default', labels: { app: 'web', 'pod-template-hash': 'abc' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd1', controller: true }] },
  spec: { containers: [{ name: 'c', image: 'i' }] },
  status: { phase: 'Pending' },
});
const podChanges: [string, (p: Pod) => void, boolean][] = [
  ['the scheduler marks it Unschedulable', (p) => { p.status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] }; }, false],
  ['a container state or IP changes', (p) => { p.status = { phase: 'Pending', podIP: '10.244.0.5' }; }, false],
  ['it becomes Ready', (p) => { p.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }; }, true],
  ['it is bound to a node', (p) => { p.spec.nodeName = 'node-1'; }, true],
  ['it is marked for deletion', (p) => { p.metadata.deletionTimestamp = '2026-01-01T00:00:00Z'; }, true],
  ['it fails', (p) => { p.status = { phase: 'Failed' }; }, true],
  ['its template hash label changes', (p) => { p.metadata.labels = { app: 'web', 'pod-template-hash': 'def' }; }, true],
  ['it is orphaned', (p) => { p.metadata.ownerReferences = []; }, true],
  ['it is relabelled out of the selector (to be released)', (p) => { p.metadata.labels = { app: 'debug', 'pod-template-hash': 'abc' }; }, true],
];
for (const [name, change, want] of podChanges) {
  test(`podChangeMatters: ${name} → ${want}`, () => {
    const cur = basePod();
    change(cur);
    assert.equal(podChangeMatters(basePod(), cur), want);
  });
}

