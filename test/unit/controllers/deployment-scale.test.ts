// Scaling without rolling (upstream DeploymentController.scale): a paused
// Deployment, or one whose replicas change mid-rollout. Rows of group sizes
// before and after, then the same through planScale and isScalingEvent.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isScalingEvent, planScale } from '../../../src/controllers/deployment.js';
import { proportionalSizes, scaleGroups, type GroupSize } from '../../../src/controllers/deployment-scale.js';
import type { Deployment, Pod } from '../../../src/api/types.js';
import { deployment, pod } from './fixtures.js';

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

const base = { maxSurge: 1, rollingUpdate: true, currentHash: 'new', currentSaturated: false };
const scaleRows: { name: string; before: string; replicas: number; input?: Partial<typeof base>; after: string }[] = [
  { name: 'paused after a template change: the one group, of the old template, takes the new count', before: 'old:3', replicas: 5, after: 'old:5' },
  { name: 'paused and scaled down: the one group shrinks', before: 'old:3', replicas: 1, after: 'old:1' },
  { name: 'no pod at all: the current template, the only one known, gets them', before: '', replicas: 3, after: 'new:3' },
  { name: 'a saturated current group: the old groups go', before: 'old:1 new:3', replicas: 3, input: { currentSaturated: true }, after: 'old:0' },
  { name: 'Recreate mid-rollout: no proportions, nothing moves', before: 'old:2 new:1', replicas: 5, input: { rollingUpdate: false, maxSurge: 0 }, after: '' },
  { name: 'RollingUpdate mid-rollout: in proportion', before: 'old:3 new:2', replicas: 8, after: 'new:4 old:5' },
];
for (const row of scaleRows) {
  test(`scaleGroups: ${row.name}`, () => {
    const before = row.before ? groups(row.before) : [];
    assert.equal(sizes(scaleGroups(before, { ...base, ...row.input, replicas: row.replicas })), row.after);
  });
}

const rolling = { type: 'RollingUpdate' as const, rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } };
const H = 'new';
const olds = (n: number, ready = true) => Array.from({ length: n }, (_, i) => pod(`old-${i}`, { hash: 'old', ready, node: 'n1', created: `2026-01-01T00:00:0${i}Z` }));
const news = (n: number) => Array.from({ length: n }, (_, i) => pod(`new-${i}`, { hash: H, ready: false, node: 'n1', created: `2026-01-01T00:01:0${i}Z` }));
const scaled = (replicas: number, opts: { paused?: boolean; observed?: number; strategy?: Deployment['spec']['strategy'] } = {}): Deployment => {
  const d = deployment(replicas, opts.strategy ?? rolling);
  d.metadata.generation = 2;
  d.status = { observedGeneration: opts.observed ?? 1 };
  if (opts.paused) d.spec.paused = true;
  return d;
};
const summary = (plan: ReturnType<typeof planScale>) => ({
  create: plan.create.map((c) => `${c.hash}:${c.count}${c.from ? ` from ${c.from.metadata.name}` : ''}`),
  remove: plan.remove.map((p) => p.metadata.name),
});

// Regression (probe against kube-controller-manager 1.31): `rollout pause`, a
// template change, `scale --replicas=5` left 3 pods, as a paused Deployment
// was not synced at all. Upstream scales it; the new template waits.
test('planScale: paused after a template change, scaled from 3 to 5: two more of the old template, copied from an old pod', () => {
  assert.deepEqual(summary(planScale(scaled(5, { paused: true }), olds(3), H)), { create: ['old:2 from old-0'], remove: [] });
});
test('planScale: paused and scaled from 3 to 1: the not-ready pod goes first', () => {
  const pods = [...olds(2), pod('old-sick', { hash: 'old', ready: false, node: 'n1' })];
  assert.deepEqual(summary(planScale(scaled(1, { paused: true }), pods, H)), { create: [], remove: ['old-sick', 'old-1'] });
});
test('planScale: paused with its current template and scaled up: more of the current template, from the Deployment', () => {
  assert.deepEqual(summary(planScale(scaled(3, { paused: true }), [pod('a', { hash: H, ready: true })], H)), { create: ['new:2'], remove: [] });
});
// Regression: replicas 4 (maxSurge 1, maxUnavailable 1) stuck mid-rollout at
// 3 old Ready + 2 new never-Ready, scaled to 8: all 4 more were new pods (3
// available of 8). Upstream shares them in proportion: 5 old + 4 new.
test('planScale: the stuck rollout scaled from 4 to 8 gets 2 old and 2 new pods', () => {
  assert.deepEqual(summary(planScale(scaled(8), [...olds(3), ...news(2)], H)), { create: ['old:2 from old-0', 'new:2'], remove: [] });
});

const eventRows: { name: string; deploy: Deployment; pods: Pod[]; want: boolean }[] = [
  { name: 'replicas changed mid-rollout', deploy: scaled(8), pods: [...olds(3), ...news(2)], want: true },
  { name: 'replicas lowered mid-rollout', deploy: scaled(2), pods: [...olds(3), ...news(2)], want: true },
  { name: 'the spec already observed: a rollout step, whatever the pod count', deploy: scaled(8, { observed: 2 }), pods: [...olds(3), ...news(2)], want: false },
  { name: 'the pods already at replicas + maxSurge', deploy: scaled(4), pods: [...olds(3), ...news(2)], want: false },
  { name: 'a new template, no pod of it yet: a rollout', deploy: scaled(8), pods: olds(3), want: false },
  { name: 'one group: planRollout sizes it', deploy: scaled(8), pods: news(2), want: false },
  { name: 'Recreate', deploy: scaled(8, { strategy: { type: 'Recreate' } }), pods: [...olds(3), ...news(2)], want: false },
];
for (const row of eventRows) {
  test(`isScalingEvent: ${row.name} → ${row.want}`, () => {
    assert.equal(isScalingEvent(row.deploy, row.pods, H), row.want);
  });
}

test('planScale: a Deployment created paused starts no pod until resumed (upstream makes no ReplicaSet); one that ran and lost its pods is scaled back', () => {
  const fresh = scaled(3, { paused: true });
  delete fresh.status;
  assert.deepEqual(summary(planScale(fresh, [], H)), { create: [], remove: [] });
  assert.deepEqual(summary(planScale(scaled(3, { paused: true }), [], H)), { create: [`${H}:3`], remove: [] });
});
