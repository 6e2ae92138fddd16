import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ReplicaSet } from '../../../src/api/types.js';
import { FakeEventRecorder } from '../../../src/controllers/events.js';
import { deletionOrder, planReplicas, ReplicaSetController, replicaSetStatus } from '../../../src/controllers/replicaset.js';
import { eventually } from '../../support/cli.js';
import { startController } from './controller-harness.js';
import { pod } from './fixtures.js';

const stops: (() => void)[] = [];
after(() => { for (const stop of stops) stop(); });

function set(replicas: number, minReadySeconds = 0): ReplicaSet {
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-abc', namespace: 'default', generation: 3 },
    spec: { replicas, ...(minReadySeconds ? { minReadySeconds } : {}), selector: { matchLabels: { app: 'web', 'pod-template-hash': 'abc' } }, template: { metadata: { labels: { app: 'web', 'pod-template-hash': 'abc' } }, spec: { containers: [{ name: 'c', image: 'v1' }] } } },
  };
}

const readyAt = (p: Pod, at: string): Pod => ({ ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at }] } });

test('deletionOrder: unscheduled first, then by phase, not Ready, lower deletion cost, more of the set on its node, Ready for less time, then the newest', () => {
  const pods = [
    readyAt(pod('long-ready', { node: 'n' }), '2026-01-01T00:00:00Z'),
    readyAt(pod('just-ready', { node: 'n' }), '2026-01-01T00:05:00Z'),
    pod('not-ready', { node: 'n' }),
    { ...pod('pending', { node: 'n' }), status: { phase: 'Pending' as const } },
    pod('unscheduled'),
  ];
  assert.deepEqual(deletionOrder(pods).map((p) => p.metadata.name), ['unscheduled', 'pending', 'not-ready', 'just-ready', 'long-ready']);
  // the pod-deletion-cost annotation: the cheapest goes first, whatever its age
  const cheap = { ...readyAt(pod('cheap', { node: 'n' }), '2026-01-01T00:00:00Z') };
  cheap.metadata.annotations = { 'controller.kubernetes.io/pod-deletion-cost': '-1000' };
  assert.equal(deletionOrder([readyAt(pod('young', { node: 'n' }), '2026-01-01T00:09:00Z'), cheap])[0]!.metadata.name, 'cheap');
  // doubled up: a pod on the node with more of the set's pods goes first
  const crowded = ['c1', 'c2'].map((n) => readyAt(pod(n, { node: 'busy', created: '2026-01-01T00:00:01Z' }), '2026-01-01T00:00:00Z'));
  const alone = readyAt(pod('alone', { node: 'quiet', created: '2026-01-01T00:00:09Z' }), '2026-01-01T00:00:00Z');
  assert.notEqual(deletionOrder([...crowded, alone])[0]!.metadata.name, 'alone');
});

test('planReplicas: make what is missing; delete the surplus, least useful first', () => {
  const pods = [readyAt(pod('a', { node: 'n' }), '2026-01-01T00:00:00Z'), pod('b', { node: 'n' }), pod('c')];
  assert.deepEqual(planReplicas(set(5), pods), { create: 2, remove: [] });
  assert.deepEqual(planReplicas(set(1), pods).remove.map((p) => p.metadata.name), ['c', 'b']);
  assert.deepEqual(planReplicas(set(3), pods), { create: 0, remove: [] });
});

test('replicaSetStatus: counts as upstream, available after minReadySeconds, zeros left out but replicas', () => {
  const pods = [readyAt(pod('a', { labels: { app: 'web', 'pod-template-hash': 'abc' } }), '2026-01-01T00:00:00Z'), pod('b', { labels: { app: 'web' } })];
  const at = Date.parse('2026-01-01T00:00:05Z');
  assert.deepEqual(replicaSetStatus(set(2), pods, at), { replicas: 2, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 3 });
  assert.deepEqual(replicaSetStatus(set(2, 10), pods, at), { replicas: 2, fullyLabeledReplicas: 1, readyReplicas: 1, observedGeneration: 3 });
  assert.deepEqual(replicaSetStatus(set(0), [], at), { replicas: 0, observedGeneration: 3 });
});

test('the controller: pods named <set>-<suffix>, owned by the set, with its template; scaled down and up; an orphan it matches adopted', async () => {
  const events = new FakeEventRecorder();
  const client = await startController(stops, (informers, c) => new ReplicaSetController(informers, c, events));
  const { metadata: { generation: _g, ...meta }, ...rest } = set(3);
  const rs = await client.create<ReplicaSet>({ ...rest, metadata: meta });
  const live = async () => (await client.list<Pod>('pods', 'default')).items.filter((p) => !p.metadata.deletionTimestamp);
  const made = await eventually('3 pods', async () => { const p = await live(); return p.length === 3 ? p : undefined; }, 5_000, 20);
  for (const p of made) {
    assert.match(p.metadata.name!, /^web-abc-[a-z0-9]{5}$/);
    assert.equal(p.metadata.generateName, 'web-abc-');
    assert.equal(p.metadata.ownerReferences?.[0]?.uid, rs.metadata.uid);
    assert.equal(p.spec.containers[0]!.image, 'v1');
  }
  await eventually('status 3', async () => (await client.get<ReplicaSet>('replicasets', 'default', 'web-abc')).status?.replicas === 3, 5_000, 20);
  assert.ok(events.events.some((e) => e.reason === 'SuccessfulCreate' && /^Created pod: web-abc-/.test(e.message)));
  await client.update<ReplicaSet>({ ...(await client.get<ReplicaSet>('replicasets', 'default', 'web-abc')), spec: { ...rest.spec, replicas: 1 } });
  await eventually('1 pod', async () => (await live()).length === 1, 5_000, 20);
  // an orphan the selector matches is taken instead of making a new pod
  await client.create<Pod>({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: 'default', labels: { app: 'web', 'pod-template-hash': 'abc' } }, spec: { containers: [{ name: 'c', image: 'v1' }] } });
  await client.update<ReplicaSet>({ ...(await client.get<ReplicaSet>('replicasets', 'default', 'web-abc')), spec: { ...rest.spec, replicas: 2 } });
  await eventually('2 pods, the stray adopted', async () => {
    const p = await live();
    return p.length === 2 && p.find((x) => x.metadata.name === 'stray')?.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid;
  }, 5_000, 20);
});
