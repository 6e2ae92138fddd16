import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { OwnerReference, Pod } from '../../../src/api/types.js';
import { FakeEventRecorder } from '../../../src/controllers/events.js';
import { choose, nodeSchedulingChanged, Scheduler, schedulingInputChanged, spreadGroupOf } from '../../../src/controllers/scheduler.js';
import { nextFreeSubnet, subnetAt } from '../../../src/controllers/node-ipam.js';
import { eventually } from '../../support/cli.js';
import { startController } from './controller-harness.js';
import { node, pod } from './fixtures.js';

const stops: (() => void)[] = [];
after(() => { for (const stop of stops) stop(); });

test('spreads pods to the node with the fewest', () => {
  const nodes = [node('node-1'), node('node-2')];
  assert.deepEqual(choose(pod('a'), nodes, new Map([['node-1', 2], ['node-2', 1]])), { node: 'node-2' });
  assert.deepEqual(choose(pod('a'), nodes, new Map()), { node: 'node-1' });
});

test('replicas of one controller spread first, however the other pods are placed', () => {
  const nodes = [node('node-1'), node('node-2')];
  // node-2 is emptier, but already runs a sibling: the second replica goes to node-1
  assert.deepEqual(choose(pod('a'), nodes, new Map([['node-1', 3], ['node-2', 1]]), new Map([['node-2', 1]])), { node: 'node-1' });
  // equal siblings: the fewest pods overall wins
  assert.deepEqual(choose(pod('a'), nodes, new Map([['node-1', 3], ['node-2', 2]]), new Map([['node-1', 1], ['node-2', 1]])), { node: 'node-2' });
});

const controlledBy = (kind: string, uid: string): OwnerReference[] => [{ apiVersion: 'apps/v1', kind, name: 'web', uid, controller: true }];
const withOwner = (p: Pod, refs: OwnerReference[]): Pod => ({ ...p, metadata: { ...p.metadata, ownerReferences: refs } });

test('spread groups: a Deployment\'s pods by owner and template hash, a StatefulSet\'s by owner across revisions, an unowned pod none', () => {
  assert.equal(spreadGroupOf(pod('bare', { hash: 'abc' })), undefined);
  assert.equal(spreadGroupOf(withOwner(pod('d', { hash: 'abc' }), controlledBy('Deployment', 'u1'))), 'u1/abc');
  assert.notEqual(spreadGroupOf(withOwner(pod('d', { hash: 'abc' }), controlledBy('Deployment', 'u1'))), spreadGroupOf(withOwner(pod('d', { hash: 'def' }), controlledBy('Deployment', 'u1'))));
  const member = (revision: string) => withOwner(pod('web-0', { labels: { app: 'web', 'controller-revision-hash': revision } }), controlledBy('StatefulSet', 'u2'));
  assert.equal(spreadGroupOf(member('web-r1')), 'u2');
  assert.equal(spreadGroupOf(member('web-r2')), spreadGroupOf(member('web-r1')));
  const notController = { ...controlledBy('Deployment', 'u1')[0]!, controller: false };
  assert.equal(spreadGroupOf(withOwner(pod('d', { hash: 'abc' }), [notController])), undefined);
});

test('a rollout\'s new pods spread among themselves, not around the old ones (both went to the node with fewer old pods)', async () => {
  const client = await startController(stops, (informers, c) => new Scheduler(informers, c, new FakeEventRecorder()));
  for (const n of ['node-1', 'node-2']) await client.create(node(n));
  const make = (name: string, hash: string, nodeName?: string) => client.create<Pod>({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web', 'pod-template-hash': hash }, ownerReferences: controlledBy('Deployment', 'uid-web') },
    spec: { containers: [{ name: 'c', image: 'podnet/echo' }], ...(nodeName ? { nodeName } : {}) },
  });
  // mid-rollout: the old template's two pods are left on node-1
  await make('web-old-1', 'old', 'node-1');
  await make('web-old-2', 'old', 'node-1');
  await make('web-new-1', 'new');
  await eventually('web-new-1 bound', async () => (await client.get<Pod>('pods', 'default', 'web-new-1')).spec.nodeName, 5_000, 20);
  await make('web-new-2', 'new');
  const second = await eventually('web-new-2 bound', async () => (await client.get<Pod>('pods', 'default', 'web-new-2')).spec.nodeName, 5_000, 20);
  const first = (await client.get<Pod>('pods', 'default', 'web-new-1')).spec.nodeName;
  assert.deepEqual([first, second].sort(), ['node-1', 'node-2'], `new pods on ${first} and ${second}`);
});

test('honours nodeSelector and skips NotReady and unschedulable nodes', () => {
  const p = pod('a');
  p.spec.nodeSelector = { disk: 'ssd' };
  const nodes = [node('node-1'), node('node-2', { labels: { disk: 'ssd' } }), node('node-3', { ready: false, labels: { disk: 'ssd' } })];
  assert.deepEqual(choose(p, nodes, new Map([['node-2', 50]])), { node: 'node-2' });
  assert.deepEqual(choose(pod('b'), [node('node-1', { unschedulable: true }), node('node-2')], new Map()), { node: 'node-2' });
});

test('an unschedulable pod gets kube-scheduler\'s reason', () => {
  const p = pod('a');
  p.spec.nodeSelector = { disk: 'nvme' };
  assert.deepEqual(choose(p, [node('node-1'), node('node-2', { ready: false })], new Map()), {
    reason: "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
  });
  // sorted as strings, as kube-scheduler sorts them: "1 node(s) were…" before "2 node(s) didn't…"
  assert.deepEqual(choose(p, [node('node-1'), node('node-2'), node('node-3', { unschedulable: true, labels: { disk: 'nvme' } })], new Map()), {
    reason: "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
  });
  assert.deepEqual(choose(p, [], new Map()), { reason: 'no nodes available to schedule pods' });
});

test('podCIDRs are the /24s of 10.244.0.0/16 in order, lowest free first', () => {
  assert.equal(subnetAt('10.244.0.0/16', 0), '10.244.0.0/24');
  assert.equal(subnetAt('10.244.0.0/16', 255), '10.244.255.0/24');
  assert.equal(nextFreeSubnet('10.244.0.0/16', new Set()), '10.244.0.0/24');
  assert.equal(nextFreeSubnet('10.244.0.0/16', new Set(['10.244.0.0/24', '10.244.2.0/24'])), '10.244.1.0/24');
  const all = new Set(Array.from({ length: 256 }, (_, i) => subnetAt('10.244.0.0/16', i)));
  assert.equal(nextFreeSubnet('10.244.0.0/16', all), undefined);
});

test('a pod update that changes only its status does not make an unschedulable pod worth another try (kube-scheduler\'s isPodUpdated)', () => {
  const base = pod('a', { phase: 'Pending' });
  base.metadata.generation = 1;
  const withStatus = (p: typeof base, status: typeof base.status) => ({ ...p, metadata: { ...p.metadata }, status });
  const unschedulable = withStatus(base, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] });
  const rows: [string, typeof base, boolean][] = [
    ['PodScheduled=False written', unschedulable, false],
    ['labels changed', { ...base, metadata: { ...base.metadata, labels: { x: 'y' } } }, false],
    ['spec changed (the store moved generation)', { ...base, metadata: { ...base.metadata, generation: 2 }, spec: { ...base.spec, nodeSelector: {} } }, true],
    ['being deleted', { ...base, metadata: { ...base.metadata, deletionTimestamp: '2026-01-01T00:02:00Z' } }, true],
    ['failed', withStatus(base, { phase: 'Failed' }), true],
    ['another controller', { ...base, metadata: { ...base.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u2', controller: true }] } }, true],
  ];
  for (const [what, cur, changed] of rows) assert.equal(schedulingInputChanged(base, cur), changed, what);
});

test('a node update retries waiting pods when it may place them: Ready, cordon, labels; not a heartbeat', () => {
  const base = node('n1', { labels: { disk: 'hdd' } });
  const rows: [string, ReturnType<typeof node>, boolean][] = [
    ['heartbeat (status only)', { ...base, status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T00:00:02Z' }] } }, false],
    ['became NotReady', node('n1', { labels: { disk: 'hdd' }, ready: false }), true],
    ['cordoned', node('n1', { labels: { disk: 'hdd' }, unschedulable: true }), true],
    ['label changed', node('n1', { labels: { disk: 'ssd' } }), true],
    ['label added', node('n1', { labels: { disk: 'hdd', zone: 'a' } }), true],
  ];
  for (const [what, cur, changed] of rows) assert.equal(nodeSchedulingChanged(base, cur), changed, what);
  assert.equal(nodeSchedulingChanged(node('n1', { unschedulable: true }), node('n1')), true, 'uncordoned');
});
