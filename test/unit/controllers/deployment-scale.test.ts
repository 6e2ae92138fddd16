// Scaling without rolling (upstream DeploymentController.scale): a paused
// Deployment, or one whose replicas change mid-rollout. Rows of set sizes
// before and after, then the same through planScale and isScalingEvent.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isScalingEvent, planScale } from '../../../src/controllers/deployment.js';
import { proportionalSizes, type GroupSize } from '../../../src/controllers/deployment-scale.js';
import type { ReplicaSet } from '../../../src/api/types.js';
import { deployment } from './fixtures.js';

/** groups oldest first: 'a:3 b:2' is a (older) with 3 pods, b (newer) with 2 */
const groups = (text: string): GroupSize[] =>
  text.split(' ').map((g, i) => { const [hash, size] = g.split(':'); return { hash: hash!, size: Number(size), created: `2026-01-01T00:00:0${i}Z` }; });
const sizes = (m: Map<string, number>) => [...m].sort(([a], [b]) => a.localeCompare(b)).map(([h, n]) => `${h}:${n}`).join(' ');

const proportionalRows: { name: string; before: string; replicas: number; maxSurge: number; after: string }[] = [
  // 4 replicas, surge 1: the stuck rollout rests at 3 old + 2 new; scaled to 8 the 4 more pods
  // go 2 and 2 (3·9/5 = 5.4 → 5, 2·9/5 = 3.6 → 4), not all to the new, never-ready template
  { name: 'the tester\'s repro: a stuck rollout scaled from 4 to 8', before: 'old:3 new:2', replicas: 8, maxSurge: 1, after: 'new:4 old:5' },
  { name: 'the Kubernetes documentation\'s example: 8 old + 5 new, scaled from 10 to 15 with maxSurge 3', before: 'old:8 new:5', replicas: 15, maxSurge: 3, after: 'new:7 old:11' },
  { name: 'scaled back from 8 to 4: the same proportions', before: 'old:5 new:4', replicas: 4, maxSurge: 1, after: 'new:2 old:3' },
  { name: 'scaled to zero: every group to zero, maxSurge or not', before: 'old:3 new:2', replicas: 0, maxSurge: 1, after: 'new:0 old:0' },
  { name: 'three groups share two more pods: the newer ones first on a tie', before: 'a:1 b:1 c:1', replicas: 4, maxSurge: 1, after: 'a:1 b:2 c:2' },
  { name: 'what rounding leaves over goes to the largest group, the newest on a tie when adding', before: 'a:1 b:1 c:1', replicas: 4, maxSurge: 0, after: 'a:1 b:1 c:2' },
  { name: 'what rounding leaves over goes to the largest group, the oldest on a tie when removing', before: 'a:1 b:1 c:1', replicas: 2, maxSurge: 0, after: 'a:0 b:1 c:1' },
  { name: 'already at replicas + maxSurge: nothing moves', before: 'old:3 new:2', replicas: 4, maxSurge: 1, after: 'new:2 old:3' },
];
for (const row of proportionalRows) {
  test(`proportional scaling: ${row.name}`, () => {
    assert.equal(sizes(proportionalSizes(groups(row.before), row.replicas, row.maxSurge)), row.after);
  });
}

let made = 0;
/** a set of the Deployment: name, spec.replicas, available pods, the replicas it was last scaled for */
function rs(name: string, replicas: number, available = replicas, desired?: number): ReplicaSet {
  made++;
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: `2026-01-01T00:00:${String(made % 60).padStart(2, '0')}Z`, ...(desired !== undefined ? { annotations: { 'deployment.kubernetes.io/desired-replicas': String(desired) } } : {}) },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [] } } },
    status: { replicas, availableReplicas: available },
  };
}
const rolling = { type: 'RollingUpdate' as const, rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } };
const steps = (s: ReturnType<typeof planScale>) => s.map((x) => `${x.rs.metadata.name}:${x.replicas}`).sort().join(' ');

// Regression (probe against kube-controller-manager 1.31): `rollout pause`, a
// template change, `scale --replicas=5` left 3 pods, as a paused Deployment
// was not synced at all. Upstream scales it; the new template waits.
test('planScale: paused after a template change, scaled from 3 to 5: the one active set, of the old template, takes the new count', () => {
  assert.equal(steps(planScale({ ...deployment(5, rolling), spec: { ...deployment(5, rolling).spec, paused: true } }, undefined, [rs('old', 3)])), 'old:5');
});
test('planScale: no active set: the new one (or the newest old) takes replicas', () => {
  assert.equal(steps(planScale(deployment(3), rs('new', 0), [rs('old', 0)])), 'new:3');
  assert.equal(steps(planScale(deployment(3), undefined, [rs('older', 0), rs('newer', 0)])), 'newer:3');
  assert.equal(steps(planScale(deployment(3), undefined, [])), '', 'created paused: nothing to scale (upstream makes no ReplicaSet)');
});
test('planScale: a saturated new set sends the old ones to 0', () => {
  assert.equal(steps(planScale(deployment(3), rs('new', 3, 3), [rs('old', 1)])), 'old:0');
});
// Regression: replicas 4 (maxSurge 1, maxUnavailable 1) stuck mid-rollout at
// 3 old Ready + 2 new never-Ready, scaled to 8: all 4 more were new pods (3
// available of 8). Upstream shares them in proportion: 5 old + 4 new.
test('planScale: the stuck rollout scaled from 4 to 8 gets 2 old and 2 new pods; Recreate moves nothing mid-rollout', () => {
  assert.equal(steps(planScale(deployment(8, rolling), rs('new', 2, 0), [rs('old', 3)])), 'new:4 old:5');
  assert.equal(steps(planScale(deployment(8, { type: 'Recreate' }), rs('new', 2, 0, 8), [rs('old', 3, 3, 8)])), '');
});

// Regression (review): replicas 4, maxSurge 1, maxUnavailable 0, stuck at 4 old + 1 new, scaled to 5: the
// new set kept its size and its desired-replicas 4, so every later sync was a scaling event with nothing to
// scale, and no rollout ever went on. Every active set is scaled, its size kept or not, as upstream's scale().
test('planScale: a set that keeps its size is still scaled, to carry the new replicas; then the scaling event is over', () => {
  const d = deployment(5, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  const plan = planScale(d, rs('new', 1, 0, 4), [rs('old', 4, 4, 4)]);
  assert.equal(steps(plan), 'new:1 old:5');
  const after = [rs('new', 1, 0, 5), rs('old', 5, 5, 5)];
  assert.equal(isScalingEvent(d, after), false);
});

test('isScalingEvent: an active set scaled for other replicas than the Deployment\'s', () => {
  assert.equal(isScalingEvent(deployment(8, rolling), [rs('old', 3, 3, 4), rs('new', 2, 0, 4)]), true);
  assert.equal(isScalingEvent(deployment(4, rolling), [rs('old', 3, 3, 4), rs('new', 2, 0, 4)]), false);
  assert.equal(isScalingEvent(deployment(8, rolling), [rs('old', 0, 0, 4), rs('new', 2, 0, 8)]), false, 'an empty set does not count');
  assert.equal(isScalingEvent(deployment(8, rolling), [rs('made-by-hand', 2)]), false, 'no annotation: not known');
});
