import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planRollout, podChangeMatters, POD_TEMPLATE_HASH, resolveIntOrPercent } from '../../../src/controllers/deployment.js';
import type { Pod } from '../../../src/api/types.js';
import { deployment, pod } from './fixtures.js';

test('maxSurge rounds up and maxUnavailable rounds down, as upstream', () => {
  assert.equal(resolveIntOrPercent('25%', 1, true, '25%'), 1);
  assert.equal(resolveIntOrPercent('25%', 1, false, '25%'), 0);
  assert.equal(resolveIntOrPercent('25%', 10, true, '25%'), 3);
  assert.equal(resolveIntOrPercent('25%', 10, false, '25%'), 2);
  assert.equal(resolveIntOrPercent(2, 10, false, '25%'), 2);
  assert.equal(resolveIntOrPercent(undefined, 4, true, '25%'), 1);
});

const H = 'newhash';
const rows: { name: string; replicas: number; pods: ReturnType<typeof pod>[]; strategy?: Parameters<typeof deployment>[1]; create: number; remove: string[] }[] = [
  { name: 'new deployment creates all replicas', replicas: 3, pods: [], create: 3, remove: [] },
  { name: 'scale down removes not-ready pods first', replicas: 1, pods: [pod('a', { hash: H, ready: true }), pod('b', { hash: H, ready: false })], create: 0, remove: ['b'] },
  { name: 'rollout of 1 replica surges one new pod and keeps the old one while it is the only ready pod', replicas: 1, pods: [pod('old', { hash: 'old', ready: true })], create: 1, remove: [] },
  { name: 'old pod goes once the new one is ready', replicas: 1, pods: [pod('old', { hash: 'old', ready: true }), pod('new', { hash: H, ready: true })], create: 0, remove: ['old'] },
  // replicas 2: maxUnavailable 25% rounds down to 0, so the not-ready old pod may recover and is kept until a new one is available
  { name: 'an old not-ready pod waits while no new pod is available', replicas: 2, pods: [pod('o1', { hash: 'old', ready: false }), pod('o2', { hash: 'old', ready: true })], create: 1, remove: [] },
  { name: 'an old not-ready pod goes once a new one is available', replicas: 2, pods: [pod('o1', { hash: 'old', ready: false }), pod('o2', { hash: 'old', ready: true }), pod('n1', { hash: H, ready: true })], create: 0, remove: ['o1'] },
  { name: 'maxUnavailable lets ready old pods go before new ones are ready', replicas: 4, pods: ['a', 'b', 'c', 'd'].map((n) => pod(n, { hash: 'old', ready: true })), create: 1, remove: ['d'] },
  { name: 'Recreate deletes every old pod before creating new ones', replicas: 2, strategy: { type: 'Recreate' }, pods: [pod('o1', { hash: 'old', ready: true }), pod('o2', { hash: 'old', ready: true })], create: 0, remove: ['o2', 'o1'] },
  { name: 'Recreate creates once old ones are gone', replicas: 2, strategy: { type: 'Recreate' }, pods: [], create: 2, remove: [] },
  { name: 'maxSurge 0 and maxUnavailable 0 falls back to one unavailable', replicas: 1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }, pods: [pod('old', { hash: 'old', ready: true })], create: 0, remove: ['old'] },
];

for (const row of rows) {
  test(`rollout: ${row.name}`, () => {
    const plan = planRollout(deployment(row.replicas, row.strategy), row.pods, H);
    assert.equal(plan.create, row.create);
    assert.deepEqual(plan.remove.map((p) => p.metadata.name).sort(), [...row.remove].sort());
  });
}

// A pod update wakes its Deployment only when the sync could see it.
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

test('minReadySeconds: a new pod counts as available only after it has been Ready that long, so the old one waits', () => {
  const now = Date.parse('2026-11-27T12:00:10Z');
  const readySince = (p: Pod, at: string): Pod => ({ ...p, status: { ...p.status, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at }] } });
  const d = deployment(1);
  d.spec.minReadySeconds = 30;
  const old = readySince(pod('old', { hash: 'old', ready: true }), '2026-11-27T11:00:00Z');
  const fresh = readySince(pod('new', { hash: H, ready: true }), '2026-11-27T12:00:00Z');
  assert.deepEqual(planRollout(d, [old, fresh], H, now).remove, []);
  assert.deepEqual(planRollout(d, [old, fresh], H, now + 20_000).remove.map((p) => p.metadata.name), ['old']);
  d.spec.minReadySeconds = 0;
  assert.deepEqual(planRollout(d, [old, fresh], H, now).remove.map((p) => p.metadata.name), ['old']);
});

test('Recreate: no new pod while an old one is still terminating (upstream oldPodsRunning)', () => {
  const d = deployment(2, { type: 'Recreate' });
  assert.deepEqual(planRollout(d, [], H, Date.now(), 2), { create: 0, remove: [] });
  assert.deepEqual(planRollout(d, [], H, Date.now(), 0), { create: 2, remove: [] });
});

// Regression: a rolling update deleted every not-ready old pod at once, whatever
// maxUnavailable said, so a Service could drop to 0 ready pods when the old
// pods' readiness failed for a moment mid-rollout, or after a daemon restart
// (the node agents report every pod not ready until its first probe passes).
// Upstream's budget: maxScaledDown = allPods - minAvailable - newUnavailable.
const rolling = (maxSurge: number, maxUnavailable: number) => ({ type: 'RollingUpdate' as const, rollingUpdate: { maxSurge, maxUnavailable } });
const notReadyRollout = (olds: number, news: number) => [
  ...Array.from({ length: olds }, (_, i) => pod(`old-${i}`, { hash: 'old', ready: false, created: `2026-01-01T00:00:0${i}Z` })),
  ...Array.from({ length: news }, (_, i) => pod(`new-${i}`, { hash: H, ready: false })),
];
const budgetRows: { name: string; maxUnavailable: number; pods: Pod[]; create: number; remove: string[] }[] = [
  { name: 'maxUnavailable 0, the old pods turn not ready as the rollout starts: one surge pod, nothing deleted', maxUnavailable: 0, pods: notReadyRollout(4, 0), create: 1, remove: [] },
  { name: 'maxUnavailable 0, old and new pods all not ready: nothing deleted', maxUnavailable: 0, pods: notReadyRollout(4, 1), create: 0, remove: [] },
  { name: 'maxUnavailable 1, old and new pods all not ready: one old pod goes, the newest', maxUnavailable: 1, pods: notReadyRollout(4, 1), create: 0, remove: ['old-3'] },
  { name: 'maxUnavailable 1, the budget spent: nothing more goes while the new pods are not ready', maxUnavailable: 1, pods: notReadyRollout(3, 2), create: 0, remove: [] },
  {
    name: 'maxUnavailable 1, two of four old pods not ready: only one of them goes, no ready one',
    maxUnavailable: 1,
    pods: [...notReadyRollout(2, 1), pod('old-ready-a', { hash: 'old', ready: true }), pod('old-ready-b', { hash: 'old', ready: true })],
    create: 0, remove: ['old-1'],
  },
];
for (const row of budgetRows) {
  test(`rollout budget: ${row.name}`, () => {
    const plan = planRollout(deployment(4, rolling(1, row.maxUnavailable)), row.pods, H);
    assert.equal(plan.create, row.create);
    assert.deepEqual(plan.remove.map((p) => p.metadata.name), row.remove);
  });
}

test('rollout budget: replaying the plan while no pod is ever ready keeps replicas - maxUnavailable old pods (the tester\'s repro)', () => {
  for (const [maxUnavailable, oldLeft] of [[0, 4], [1, 3]] as const) {
    const d = deployment(4, rolling(1, maxUnavailable));
    let pods = notReadyRollout(4, 0);
    for (let step = 0; step < 10; step++) {
      const plan = planRollout(d, pods, H);
      const removed = new Set(plan.remove);
      pods = [...pods.filter((p) => !removed.has(p)), ...Array.from({ length: plan.create }, (_, i) => pod(`new-${step}-${i}`, { hash: H, ready: false }))];
    }
    assert.equal(pods.filter((p) => p.metadata.labels![POD_TEMPLATE_HASH] === 'old').length, oldLeft, `maxUnavailable ${maxUnavailable}`);
    assert.equal(pods.length, 5, `maxUnavailable ${maxUnavailable}: maxSurge 1 caps the pods at 5`);
  }
});
