// The DaemonSet controller's decisions as rows: which nodes fit, the pod it
// makes for a node, what a sync creates and deletes (manage, then the rolling
// update's steps), the status it counts; then the controller on an in-memory
// registry, where the test plays the scheduler and the kubelet.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet, Node, Pod, Taint } from '../../../src/api/types.js';
import { FakeEventRecorder } from '../../../src/controllers/events.js';
import { daemonPodFor, daemonSetHash, DaemonSetController, daemonSetStatus, planDaemonSet, TEMPLATE_GENERATION_LABEL } from '../../../src/controllers/daemonset.js';
import { affinityForNode, nodeFit, targetNodeOf, withDaemonTolerations } from '../../../src/controllers/daemonset-placement.js';
import { eventually } from '../../support/cli.js';
import { startController } from './controller-harness.js';

const stops: (() => void)[] = [];
after(() => { for (const stop of stops) stop(); });

const NOW = Date.parse('2026-01-01T00:10:00Z');
const at = (s: number) => new Date(NOW + s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function daemonSet(spec: Partial<DaemonSet['spec']> = {}, image = 'podnet/echo'): DaemonSet {
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'default', uid: 'uid-agent', generation: 1 },
    spec: {
      selector: { matchLabels: { app: 'agent' } }, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image }] } },
      ...spec,
    },
  };
}

function node(name: string, extra: { labels?: Record<string, string>; taints?: Taint[] } = {}): Node {
  return {
    apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(extra.labels ?? {}) } },
    spec: { ...(extra.taints ? { taints: extra.taints } : {}) },
    status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at(-600) }] },
  };
}

/** A pod of `ds` on `nodeName`, made `age` seconds before NOW, Ready since then unless said otherwise. */
function pod(ds: DaemonSet, name: string, nodeName: string, opts: { age?: number; ready?: boolean; deleting?: boolean; phase?: string; hash?: string } = {}): Pod {
  const p = daemonPodFor(ds, nodeName, name);
  const ready = opts.ready ?? true;
  p.metadata.uid = `uid-${name}`;
  p.metadata.creationTimestamp = at(-(opts.age ?? 100));
  if (opts.hash) p.metadata.labels = { app: 'agent', 'controller-revision-hash': opts.hash, [TEMPLATE_GENERATION_LABEL]: '0' };
  if (opts.deleting) p.metadata.deletionTimestamp = at(0);
  p.spec.nodeName = nodeName;
  p.status = { phase: (opts.phase ?? 'Running') as 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: at(-(opts.age ?? 100)) }] };
  return p;
}

const names = (pods: Pod[]) => pods.map((p) => p.metadata.name).sort();
const NODES = [node('node-1'), node('node-2'), node('node-3')];

test('placement: the daemon tolerations are added (network-unavailable only with hostNetwork), a matching one replaced', () => {
  const keys = (spec: Parameters<typeof withDaemonTolerations>[0]) => withDaemonTolerations(spec).map((t) => `${t.key}:${t.effect}${t.tolerationSeconds ? `:${t.tolerationSeconds}` : ''}`);
  assert.deepEqual(keys({ containers: [] }), [
    'node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/disk-pressure:NoSchedule',
    'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule',
  ]);
  assert.ok(keys({ containers: [], hostNetwork: true }).includes('node.kubernetes.io/network-unavailable:NoSchedule'));
  const own = keys({ containers: [], tolerations: [{ key: 'gpu', operator: 'Exists' }, { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] });
  assert.deepEqual(own.slice(0, 2), ['gpu:undefined', 'node.kubernetes.io/not-ready:NoExecute']);
  assert.equal(own.length, 7);
});

test('placement: the required node affinity becomes the node\'s name, preferred terms stay; the target node is read back from it', () => {
  const preferred = [{ weight: 1, preference: { matchExpressions: [{ key: 'zone', operator: 'In' as const, values: ['a'] }] } }];
  const affinity = affinityForNode({ containers: [], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }] }, preferredDuringSchedulingIgnoredDuringExecution: preferred } } }, 'node-2');
  assert.deepEqual(affinity.nodeAffinity, {
    requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-2'] }] }] },
    preferredDuringSchedulingIgnoredDuringExecution: preferred,
  });
  const p = daemonPodFor(daemonSet(), 'node-2', 'agent-x');
  assert.equal(p.spec.nodeName, undefined);
  assert.equal(targetNodeOf(p), 'node-2');
  assert.deepEqual(p.metadata.labels, { app: 'agent', 'controller-revision-hash': daemonSetHash(daemonSet()), [TEMPLATE_GENERATION_LABEL]: '1' });
  assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'uid-agent', controller: true, blockOwnerDeletion: true }]);
});

test('placement: which nodes fit (nodeSelector, node affinity, taints; a new NoSchedule taint lets the running pod stay, NoExecute does not)', () => {
  const spec = (s: object) => ({ containers: [], ...s });
  const rows: [string, object, Node, { shouldRun: boolean; shouldContinueRunning: boolean }][] = [
    ['plain', {}, node('n'), { shouldRun: true, shouldContinueRunning: true }],
    ['nodeSelector matches', { nodeSelector: { disk: 'ssd' } }, node('n', { labels: { disk: 'ssd' } }), { shouldRun: true, shouldContinueRunning: true }],
    ['nodeSelector does not', { nodeSelector: { disk: 'ssd' } }, node('n'), { shouldRun: false, shouldContinueRunning: false }],
    ['cordoned (tolerated)', {}, node('n', { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }), { shouldRun: true, shouldContinueRunning: true }],
    ['NoSchedule taint', {}, node('n', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }), { shouldRun: false, shouldContinueRunning: true }],
    ['NoExecute taint', {}, node('n', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }] }), { shouldRun: false, shouldContinueRunning: false }],
    ['tolerated taint', { tolerations: [{ key: 'dedicated', operator: 'Exists' }] }, node('n', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }] }), { shouldRun: true, shouldContinueRunning: true }],
    ['not-ready NoExecute (tolerated)', {}, node('n', { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] }), { shouldRun: true, shouldContinueRunning: true }],
    ['network-unavailable, hostNetwork', { hostNetwork: true }, node('n', { taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }] }), { shouldRun: true, shouldContinueRunning: true }],
    ['network-unavailable, pod network', {}, node('n', { taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }] }), { shouldRun: false, shouldContinueRunning: true }],
  ];
  for (const [name, s, n, want] of rows) assert.deepEqual(nodeFit(spec(s), n), want, name);
});

test('manage: a pod for each fitting node without one; none while a node\'s only pod terminates; misplaced and extra pods deleted (the oldest stays)', () => {
  const ds = daemonSet({ template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }], nodeSelector: { role: 'edge' } } } });
  const nodes = [node('node-1', { labels: { role: 'edge' } }), node('node-2', { labels: { role: 'edge' } }), node('node-3', { labels: { role: 'edge' } }), node('node-4')];
  const pods = [
    pod(ds, 'gone', 'node-2', { deleting: true }),
    pod(ds, 'old', 'node-3', { age: 300 }), pod(ds, 'young', 'node-3', { age: 10 }),
    pod(ds, 'misplaced', 'node-4'),
  ];
  const plan = planDaemonSet(ds, nodes, pods, NOW);
  assert.deepEqual(plan.create, ['node-1']);
  assert.deepEqual(names(plan.remove), ['misplaced', 'young']);
});

test('manage: a failed pod is deleted (and reported), to be replaced by the next sync', () => {
  const ds = daemonSet();
  const plan = planDaemonSet(ds, [node('node-1')], [pod(ds, 'crashed', 'node-1', { phase: 'Failed' })], NOW);
  assert.deepEqual([plan.create, names(plan.remove), names(plan.failed)], [[], ['crashed'], ['crashed']]);
});

test('RollingUpdate, maxUnavailable 1: node by node, each new pod available before the next old one goes', () => {
  const ds = daemonSet({}, 'podnet/echo:2');
  const old = (name: string, n: string, o = {}) => pod(ds, name, n, { hash: 'oldhash', ...o });
  // 1. all old: one is deleted
  let plan = planDaemonSet(ds, NODES, [old('a', 'node-1'), old('b', 'node-2'), old('c', 'node-3')], NOW);
  assert.deepEqual([plan.create, names(plan.remove)], [[], ['a']]);
  // 2. node-1 has none: the manage step makes its new pod, nothing else goes
  plan = planDaemonSet(ds, NODES, [old('b', 'node-2'), old('c', 'node-3')], NOW);
  assert.deepEqual([plan.create, names(plan.remove)], [['node-1'], []]);
  // 3. the new pod is not Ready yet: wait
  plan = planDaemonSet(ds, NODES, [pod(ds, 'n1', 'node-1', { ready: false }), old('b', 'node-2'), old('c', 'node-3')], NOW);
  assert.deepEqual([plan.create, names(plan.remove)], [[], []]);
  // 4. Ready but not for minReadySeconds: still wait; then the next goes
  const slow = daemonSet({ minReadySeconds: 30 }, 'podnet/echo:2');
  plan = planDaemonSet(slow, NODES, [pod(slow, 'n1', 'node-1', { age: 10 }), old('b', 'node-2'), old('c', 'node-3')], NOW);
  assert.deepEqual(names(plan.remove), []);
  plan = planDaemonSet(slow, NODES, [pod(slow, 'n1', 'node-1', { age: 40 }), old('b', 'node-2'), old('c', 'node-3')], NOW);
  assert.deepEqual(names(plan.remove), ['b']);
  // an old pod that is unavailable anyway is replaced at once, beside the one the budget allows
  plan = planDaemonSet(ds, NODES, [old('a', 'node-1', { ready: false }), old('b', 'node-2'), old('c', 'node-3')], NOW);
  assert.deepEqual(names(plan.remove), ['a', 'b']);
});

test('RollingUpdate, maxUnavailable 50% of 3 nodes rounds up to 2; OnDelete leaves old pods alone', () => {
  const old = (ds: DaemonSet, name: string, n: string) => pod(ds, name, n, { hash: 'oldhash' });
  const half = daemonSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '50%', maxSurge: 0 } } }, 'podnet/echo:2');
  assert.deepEqual(names(planDaemonSet(half, NODES, [old(half, 'a', 'node-1'), old(half, 'b', 'node-2'), old(half, 'c', 'node-3')], NOW).remove), ['a', 'b']);
  const onDelete = daemonSet({ updateStrategy: { type: 'OnDelete' } }, 'podnet/echo:2');
  const plan = planDaemonSet(onDelete, NODES, [old(onDelete, 'b', 'node-2'), old(onDelete, 'c', 'node-3')], NOW);
  assert.deepEqual([plan.create, names(plan.remove)], [['node-1'], []]);
});

test('RollingUpdate, maxSurge 1: the new pod beside the old, both kept while it is not available, then the old deleted', () => {
  const ds = daemonSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } }, 'podnet/echo:2');
  const old = (name: string, n: string) => pod(ds, name, n, { hash: 'oldhash', age: 300 });
  let plan = planDaemonSet(ds, NODES.slice(0, 2), [old('a', 'node-1'), old('b', 'node-2')], NOW);
  assert.deepEqual([plan.create, names(plan.remove)], [['node-1'], []]);
  plan = planDaemonSet(ds, NODES.slice(0, 2), [old('a', 'node-1'), pod(ds, 'n1', 'node-1', { ready: false }), old('b', 'node-2')], NOW);
  assert.deepEqual([plan.create, names(plan.remove)], [[], []]);
  // node-1's new pod is available: its old one goes, and the surge moves on to node-2 in the same sync
  plan = planDaemonSet(ds, NODES.slice(0, 2), [old('a', 'node-1'), pod(ds, 'n1', 'node-1'), old('b', 'node-2')], NOW);
  assert.deepEqual([plan.create, names(plan.remove)], [['node-2'], ['a']]);
});

test('status: desired, current, ready, available, up to date, misscheduled, unavailable; the four required counts always written', () => {
  const ds = daemonSet({ minReadySeconds: 30, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }], nodeSelector: { role: 'edge' } } } });
  const nodes = [node('node-1', { labels: { role: 'edge' } }), node('node-2', { labels: { role: 'edge' } }), node('node-3', { labels: { role: 'edge' } }), node('node-4')];
  const pods = [
    pod(ds, 'a', 'node-1', { age: 100 }), // ready, available, updated
    pod(ds, 'b', 'node-2', { age: 10 }), // ready, not yet available
    pod(ds, 'c', 'node-4', { hash: 'oldhash' }), // misscheduled
  ];
  assert.deepEqual(daemonSetStatus(ds, nodes, pods, NOW), {
    currentNumberScheduled: 2, numberMisscheduled: 1, desiredNumberScheduled: 3, numberReady: 2, observedGeneration: 1,
    updatedNumberScheduled: 2, numberAvailable: 1, numberUnavailable: 2,
  });
  assert.deepEqual(daemonSetStatus(ds, [], [], NOW), { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0, observedGeneration: 1 });
});

// ---- on an in-memory registry ----

test('the controller: one pod per node, made for it by node affinity, with its events; a node that stops matching loses its pod', async () => {
  const events = new FakeEventRecorder();
  const client = await startController(stops, (informers, c) => new DaemonSetController(informers, c, events));
  for (const n of ['node-1', 'node-2']) await client.create(node(n, { labels: { role: 'edge' } }));
  const ds = daemonSet({ template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }], nodeSelector: { role: 'edge' } } } });
  delete ds.metadata.uid;
  delete ds.metadata.generation;
  await client.create(ds);
  const podsOf = async () => (await client.list<Pod>('pods', 'default', { labelSelector: 'app=agent' })).items.filter((p) => !p.metadata.deletionTimestamp);
  const pods = await eventually('two pods', async () => { const ps = await podsOf(); return ps.length === 2 && ps; });
  assert.deepEqual(pods.map(targetNodeOf).sort(), ['node-1', 'node-2']);
  const status = await eventually('status', async () => { const s = (await client.get<DaemonSet>('daemonsets', 'default', 'agent')).status; return s?.currentNumberScheduled === 2 && s; });
  assert.deepEqual([status.desiredNumberScheduled, status.numberReady, status.numberUnavailable, status.observedGeneration], [2, 0, 2, 1]);
  assert.deepEqual(events.events.map((e) => e.reason), ['SuccessfulCreate', 'SuccessfulCreate']);
  const n2 = await client.get<Node>('nodes', undefined, 'node-2');
  await client.update<Node>({ ...n2, metadata: { ...n2.metadata, labels: { 'kubernetes.io/hostname': 'node-2' } } });
  await eventually('node-2 pod deleted', async () => { const ps = await podsOf(); return ps.length === 1 && targetNodeOf(ps[0]!) === 'node-1'; });
  await eventually('desired 1', async () => (await client.get<DaemonSet>('daemonsets', 'default', 'agent')).status?.desiredNumberScheduled === 1);
  assert.deepEqual(events.events.at(-1)?.reason, 'SuccessfulDelete');
});
