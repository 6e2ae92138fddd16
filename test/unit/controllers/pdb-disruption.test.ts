// The disruption controller: a PodDisruptionBudget's status as upstream
// computes it (rows: integer and percentage minAvailable, maxUnavailable,
// pods not Ready or being deleted, no pods, unmanaged pods, a controller
// without a scale), and the controller writing it on a real in-memory
// registry as pods come and turn Ready.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, OwnerReference, Pod, PodDisruptionBudget, PodDisruptionBudgetSpec } from '../../../src/api/types.js';
import {
  DisruptionController, planDisruption, selectorProtoString, type ControllerScale, type ScaleFinder,
} from '../../../src/controllers/disruption.js';
import { FakeEventRecorder } from '../../../src/controllers/events.js';
import { eventually } from '../../support/cli.js';
import { FakeClock } from '../../support/fake-clock.js';
import { startController } from './controller-harness.js';
import { pod } from './fixtures.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const EARLIER = '2026-11-29T11:00:00Z';

function budget(spec: PodDisruptionBudgetSpec, generation = 1): PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-pdb', generation },
    spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
    status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
  };
}

const rsRef = (name = 'web-rs'): OwnerReference => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name, uid: `uid-${name}`, controller: true });

/** pods of the Deployment's ReplicaSet (or of none: null): `ready` of them Ready */
function pods(count: number, ready: number, ref: OwnerReference | null = rsRef()): Pod[] {
  return Array.from({ length: count }, (_, i) => {
    const p = pod(`web-${i}`, { labels: { app: 'web' }, ready: i < ready });
    if (ref) p.metadata.ownerReferences = [ref];
    return p;
  });
}

/** the ReplicaSet belongs to a Deployment of `replicas` */
const deploymentOf = (replicas: number): ScaleFinder => (ref) => (ref.uid === 'uid-web-rs' ? { uid: 'uid-web', replicas } : undefined);

interface Row {
  name: string;
  spec: PodDisruptionBudgetSpec;
  pods: Pod[];
  find?: ScaleFinder;
  /** expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed */
  want: [number, number, number, number];
}

const ROWS: Row[] = [
  { name: 'minAvailable 1 of 2 Ready pods', spec: { minAvailable: 1 }, pods: pods(2, 2), want: [2, 1, 2, 1] },
  { name: 'minAvailable 1 with one Ready pod: none may go', spec: { minAvailable: 1 }, pods: pods(2, 1), want: [2, 1, 1, 0] },
  { name: 'an integer minAvailable counts the pods, not the scale', spec: { minAvailable: 2 }, pods: pods(3, 3), find: deploymentOf(5), want: [3, 2, 3, 1] },
  { name: 'a percentage counts the Deployment\'s replicas, rounded up', spec: { minAvailable: '50%' }, pods: pods(3, 3), find: deploymentOf(3), want: [3, 2, 3, 1] },
  { name: 'a percentage of a larger scale than the pods there are', spec: { minAvailable: '50%' }, pods: pods(2, 2), find: deploymentOf(4), want: [4, 2, 2, 0] },
  { name: 'maxUnavailable 1 of 3', spec: { maxUnavailable: 1 }, pods: pods(3, 3), find: deploymentOf(3), want: [3, 2, 3, 1] },
  { name: 'maxUnavailable 25% of 3 rounds up to 1', spec: { maxUnavailable: '25%' }, pods: pods(3, 2), find: deploymentOf(3), want: [3, 2, 2, 0] },
  { name: 'maxUnavailable above the scale: desired stops at 0', spec: { maxUnavailable: 5 }, pods: pods(2, 2), find: deploymentOf(2), want: [2, 0, 2, 2] },
  { name: 'a pod being deleted is not healthy', spec: { minAvailable: 1 }, pods: [...pods(1, 1), { ...pods(2, 2)[1]!, metadata: { ...pods(2, 2)[1]!.metadata, deletionTimestamp: EARLIER } }], want: [2, 1, 1, 0] },
  { name: 'no pods: nothing expected, nothing allowed', spec: { minAvailable: 0 }, pods: [], want: [0, 0, 0, 0] },
  { name: 'neither field: nothing expected', spec: {}, pods: pods(2, 2), want: [0, 0, 2, 0] },
];

for (const row of ROWS) {
  test(`status: ${row.name}`, () => {
    const plan = planDisruption(budget(row.spec), row.pods, row.find ?? deploymentOf(row.pods.length), NOW);
    const s = plan.status;
    assert.deepEqual([s.expectedPods, s.desiredHealthy, s.currentHealthy, s.disruptionsAllowed], row.want);
    assert.equal(plan.error, undefined);
    const allowed = s.disruptionsAllowed > 0;
    assert.deepEqual(s.conditions, [{
      type: 'DisruptionAllowed', status: allowed ? 'True' : 'False', observedGeneration: 1, reason: allowed ? 'SufficientPods' : 'InsufficientPods', message: '', lastTransitionTime: '2026-11-29T12:00:00Z',
    }]);
    assert.equal(s.observedGeneration, 1);
  });
}

test('the condition keeps its transition time while it holds, and moves when it flips', () => {
  const pdb = budget({ minAvailable: 1 }, 3);
  pdb.status!.conditions = [{ type: 'DisruptionAllowed', status: 'True', observedGeneration: 2, reason: 'SufficientPods', message: '', lastTransitionTime: EARLIER }];
  const same = planDisruption(pdb, pods(2, 2), deploymentOf(2), NOW).status;
  assert.equal(same.conditions![0]!.lastTransitionTime, EARLIER);
  assert.equal(same.conditions![0]!.observedGeneration, 3);
  const flipped = planDisruption(pdb, pods(2, 1), deploymentOf(2), NOW).status;
  assert.deepEqual([flipped.conditions![0]!.status, flipped.conditions![0]!.reason, flipped.conditions![0]!.lastTransitionTime], ['False', 'InsufficientPods', '2026-11-29T12:00:00Z']);
});

test('events: NoPods when nothing matches, UnmanagedPods when a scale is needed and a pod has no controller', () => {
  assert.deepEqual(planDisruption(budget({ minAvailable: 1 }), [], deploymentOf(0), NOW).events, [{ type: 'Normal', reason: 'NoPods', message: 'No matching pods found' }]);
  // an integer minAvailable needs no scale: a bare pod is no concern
  assert.deepEqual(planDisruption(budget({ minAvailable: 1 }), pods(1, 1, null), deploymentOf(0), NOW).events, []);
  const plan = planDisruption(budget({ maxUnavailable: 1 }), [...pods(1, 1), ...pods(1, 1, null).map((p) => ({ ...p, metadata: { ...p.metadata, name: 'bare' } }))], deploymentOf(1), NOW);
  assert.deepEqual(plan.events, [{
    type: 'Warning', reason: 'UnmanagedPods',
    message: 'Pods selected by this PodDisruptionBudget (selector: &LabelSelector{MatchLabels:map[string]string{app: web,},MatchExpressions:[]LabelSelectorRequirement{},}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.',
  }]);
  // the unmanaged pod is not in the expected count, but is healthy
  assert.deepEqual([plan.status.expectedPods, plan.status.currentHealthy, plan.status.disruptionsAllowed], [1, 2, 2]);
});

test('a controller that cannot be found, or has no scale, fails safe: nothing allowed, SyncFailed with the reason', () => {
  const pdb = budget({ minAvailable: '50%' });
  pdb.status = { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 };
  const lost = planDisruption(pdb, pods(2, 2), () => undefined, NOW);
  assert.equal(lost.error, 'found no controllers for pod "web-0"');
  assert.deepEqual(lost.events, [{ type: 'Warning', reason: 'CalculateExpectedPodCountFailed', message: 'Failed to calculate the number of expected pods: found no controllers for pod "web-0"' }]);
  assert.deepEqual(lost.status, {
    observedGeneration: 1, disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2,
    conditions: [{ type: 'DisruptionAllowed', status: 'False', observedGeneration: 1, reason: 'SyncFailed', message: 'found no controllers for pod "web-0"', lastTransitionTime: '2026-11-29T12:00:00Z' }],
  });
  const noScale: ScaleFinder = () => { throw new Error('jobs.batch does not implement the scale subresource'); };
  assert.equal(planDisruption(pdb, pods(1, 1, { apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'uid-j', controller: true }), noScale, NOW).error, 'jobs.batch does not implement the scale subresource');
});

test('each controller counts once, however many of its pods match', () => {
  let asked = 0;
  const find: ScaleFinder = (ref): ControllerScale => { asked++; return { uid: ref.uid, replicas: 2 }; };
  const other = pods(2, 2, rsRef('api-rs')).map((p, i) => ({ ...p, metadata: { ...p.metadata, name: `api-${i}` } }));
  const plan = planDisruption(budget({ maxUnavailable: 1 }), [...pods(2, 2), ...other], find, NOW);
  assert.equal(asked, 2);
  assert.equal(plan.status.expectedPods, 4);
});

test('selectorProtoString: expressions with their values, labels sorted', () => {
  assert.equal(selectorProtoString({ matchLabels: { b: '2', a: '1' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['x', 'y'] }] }),
    '&LabelSelector{MatchLabels:map[string]string{a: 1,b: 2,},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:tier,Operator:In,Values:[x y],},},}');
  assert.equal(selectorProtoString(undefined), '<nil>');
});

const stops: (() => void)[] = [];
after(() => { for (const stop of stops) stop(); });

test('the controller: a budget over a Deployment\'s pods follows them as they turn Ready, counting the Deployment\'s replicas', async () => {
  const events = new FakeEventRecorder();
  const clock = new FakeClock(NOW.getTime());
  const client = await startController(stops, (informers, c) => new DisruptionController(informers, c, events, clock));
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }] } };
  const d = await client.create<KubeObject>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template } });
  const rs = await client.create<KubeObject>({
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name: 'web-rs', namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid!, controller: true }] },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template },
  });
  await client.create({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default' }, spec: { maxUnavailable: '50%', selector: { matchLabels: { app: 'web' } } } });
  const status = (want: number[]) => eventually(`status ${want.join('/')}`, async () => {
    const s = (await client.get<PodDisruptionBudget>('poddisruptionbudgets', 'default', 'web')).status!;
    return JSON.stringify([s.expectedPods, s.desiredHealthy, s.currentHealthy, s.disruptionsAllowed]) === JSON.stringify(want) ? s : undefined;
  }, 5_000, 20);
  await status([0, 0, 0, 0]);
  const made: Pod[] = [];
  for (const name of ['web-a', 'web-b']) {
    made.push(await client.create<Pod>({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name, namespace: 'default', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-rs', uid: rs.metadata.uid!, controller: true }] },
      spec: { containers: [{ name: 'c', image: 'podnet/echo' }] },
    }));
  }
  await status([2, 1, 0, 0]);
  for (const p of made) await client.update<Pod>({ ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
  const s = await status([2, 1, 2, 1]);
  assert.equal(s.conditions?.[0]?.reason, 'SufficientPods');
  assert.equal(s.observedGeneration, 1);
  // the Deployment's scale, not the pods, is what a percentage counts
  await client.patch('deployments', 'default', 'web', { spec: { replicas: 4 } });
  await client.delete('pods', 'default', 'web-b', { gracePeriodSeconds: 0 });
  await status([4, 2, 1, 0]);
  assert.ok(events.events.some((e) => e.reason === 'NoPods' && e.object === 'PodDisruptionBudget/web'));
});
