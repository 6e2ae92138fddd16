import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeSelectorRequirement, Taint, Toleration } from '../../../src/api/types.js';
import { choose } from '../../../src/controllers/scheduler.js';
import { matchesNodeSelection, tolerates } from '../../../src/controllers/node-fit.js';
import { node, pod } from './fixtures.js';

const dedicated: Taint = { key: 'dedicated', value: 'db', effect: 'NoSchedule' };

test('tolerations: key, operator, value and effect as v1helper.ToleratesTaint', () => {
  const rows: [Toleration, boolean][] = [
    [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }, true],
    [{ key: 'dedicated', value: 'db' }, true], // Equal is the default; an empty effect matches every effect
    [{ key: 'dedicated', operator: 'Equal', value: 'web' }, false],
    [{ key: 'dedicated', operator: 'Exists' }, true],
    [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, false],
    [{ operator: 'Exists' }, true], // empty key + Exists: everything
    [{ operator: 'Equal', value: 'db' }, false],
    [{ key: 'other', operator: 'Exists' }, false],
  ];
  for (const [t, want] of rows) assert.equal(tolerates(t, dedicated), want, JSON.stringify(t));
});

test('NoSchedule and NoExecute taints keep untolerating pods off; PreferNoSchedule only ranks', () => {
  const nodes = [node('node-1', { taints: [dedicated] }), node('node-2', { taints: [{ key: 'maintenance', effect: 'NoExecute' }] })];
  assert.deepEqual(choose(pod('a'), nodes, new Map()), {
    reason: "0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, 1 node(s) had untolerated taint {maintenance: }. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
  });
  const tolerant = pod('b');
  tolerant.spec.tolerations = [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }];
  assert.deepEqual(choose(tolerant, nodes, new Map()), { node: 'node-1' });
  // a PreferNoSchedule node still takes pods, after the nodes without one, even emptier
  const soft = [node('node-1', { taints: [{ key: 'spot', effect: 'PreferNoSchedule' }] }), node('node-2')];
  assert.deepEqual(choose(pod('c'), soft, new Map([['node-2', 5]])), { node: 'node-2' });
  assert.deepEqual(choose(pod('c'), [soft[0]!], new Map()), { node: 'node-1' });
});

test('required node affinity: terms ORed, requirements ANDed, every operator, matchFields on metadata.name', () => {
  const n = node('node-2', { labels: { zone: 'a', cores: '8' } });
  const match = (...terms: { matchExpressions?: NodeSelectorRequirement[]; matchFields?: NodeSelectorRequirement[] }[]) => {
    const p = pod('a');
    p.spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } };
    return matchesNodeSelection(p, n);
  };
  assert.equal(match({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }), true);
  assert.equal(match({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }), false);
  assert.equal(match({ matchExpressions: [{ key: 'gpu', operator: 'NotIn', values: ['x'] }] }), true);
  assert.equal(match({ matchExpressions: [{ key: 'zone', operator: 'Exists' }, { key: 'gpu', operator: 'DoesNotExist' }] }), true);
  assert.equal(match({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }, { key: 'cores', operator: 'Lt', values: ['16'] }] }), true);
  assert.equal(match({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['8'] }] }), false);
  assert.equal(match({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-2'] }] }), true);
  assert.equal(match({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['nosuchnode'] }] }), false);
  assert.equal(match({}), false, 'an empty term matches nothing');
  assert.equal(match(), false, 'no term matches nothing');
});

test('an affinity nobody matches leaves the pod Pending with the selector reason; preferred affinity outranks spreading', () => {
  const p = pod('a');
  p.spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['nosuchnode'] }] }] } } };
  assert.deepEqual(choose(p, [node('node-1'), node('node-2')], new Map()), {
    reason: "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
  });
  const q = pod('b');
  q.spec.affinity = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-2'] }] } }] } };
  assert.deepEqual(choose(q, [node('node-1'), node('node-2')], new Map([['node-2', 9]]), new Map([['node-2', 3]])), { node: 'node-2' });
});

test('a pod that tolerates node.kubernetes.io/unschedulable or not-ready may go to a cordoned or NotReady node (blanket Exists too)', () => {
  const cordoned = [node('node-1', { unschedulable: true })];
  const notReady = [node('node-1', { ready: false })];
  assert.ok('reason' in choose(pod('a'), cordoned, new Map()));
  const blanket = pod('b');
  blanket.spec.tolerations = [{ operator: 'Exists' }];
  assert.deepEqual(choose(blanket, cordoned, new Map()), { node: 'node-1' });
  assert.deepEqual(choose(blanket, notReady, new Map()), { node: 'node-1' });
  const cordonOnly = pod('c');
  cordonOnly.spec.tolerations = [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }];
  assert.deepEqual(choose(cordonOnly, cordoned, new Map()), { node: 'node-1' });
  assert.ok('reason' in choose(cordonOnly, notReady, new Map()));
});
