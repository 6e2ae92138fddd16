// spec.persistentVolumeClaimRetentionPolicy: which claims the StatefulSet
// controller gives back, and when. The decisions as tables, then the
// controller on a real in-memory registry with a recording releaseClaim. Its
// pods are bound to a node, so deleting one only marks it (as the node agent
// would finish it); the tests remove them with grace 0, standing in for the
// agent and, after the set is deleted, the garbage collector.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, StatefulSet } from '../../../src/api/types.js';
import type { LocalClient } from '../../../src/client/local-client.js';
import { FakeEventRecorder } from '../../../src/controllers/events.js';
import {
  claimNamesOf, claimRetention, claimsOfDeletedSet, deletedSetClaimStep, scaledDownOrdinals, StatefulSetController,
} from '../../../src/controllers/statefulset.js';
import { eventually } from '../../support/cli.js';
import { startController } from './controller-harness.js';
import { pod } from './fixtures.js';

const stops: (() => void)[] = [];
after(() => { for (const stop of stops) stop(); });

type Policy = { whenDeleted?: 'Retain' | 'Delete'; whenScaled?: 'Retain' | 'Delete' };

function web(replicas: number, policy?: Policy, templates = ['data']): StatefulSet {
  const spec = {
    replicas, serviceName: 'web', podManagementPolicy: 'Parallel' as const, selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'podnet/echo' }] } },
    volumeClaimTemplates: templates.map((name) => ({ metadata: { name } })),
    ...(policy ? { persistentVolumeClaimRetentionPolicy: policy } : {}),
  };
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default', uid: 'uid-web' }, spec };
}

// ---- the decisions ----

test('claimRetention: Retain unless Delete is written', () => {
  assert.deepEqual(claimRetention(web(1)), { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.deepEqual(claimRetention(web(1, { whenScaled: 'Delete' })), { whenDeleted: 'Retain', whenScaled: 'Delete' });
  assert.deepEqual(claimRetention(web(1, { whenDeleted: 'Delete', whenScaled: 'Retain' })), { whenDeleted: 'Delete', whenScaled: 'Retain' });
});

test('claimNamesOf: one claim per template, <template>-<set>-<ordinal>', () => {
  assert.deepEqual(claimNamesOf(web(1, undefined, ['data', 'logs']), 2), ['data-web-2', 'logs-web-2']);
  assert.deepEqual(claimNamesOf(web(1, undefined, []), 2), []);
});

const scaledRows: { name: string; set: StatefulSet; seen: number[]; pods: string[]; want: number[] }[] = [
  { name: 'Retain: nothing', set: web(1), seen: [0, 1, 2], pods: ['web-0'], want: [] },
  { name: 'condemned and gone: released, ascending', set: web(1, { whenScaled: 'Delete' }), seen: [2, 0, 1], pods: ['web-0'], want: [1, 2] },
  { name: 'condemned but still there (terminating): wait', set: web(1, { whenScaled: 'Delete' }), seen: [0, 1, 2], pods: ['web-0', 'web-2'], want: [1] },
  { name: 'wanted and gone (being recreated): kept', set: web(3, { whenScaled: 'Delete' }), seen: [0, 1, 2], pods: ['web-0'], want: [] },
  { name: 'below ordinals.start: condemned', set: { ...web(2, { whenScaled: 'Delete' }), spec: { ...web(2, { whenScaled: 'Delete' }).spec, ordinals: { start: 1 } } }, seen: [0, 1, 2], pods: ['web-1', 'web-2'], want: [0] },
];
for (const row of scaledRows) {
  test(`scaledDownOrdinals: ${row.name}`, () => {
    assert.deepEqual(scaledDownOrdinals(row.set, row.seen, (name) => row.pods.includes(name)), row.want);
  });
}

test('claimsOfDeletedSet: every ordinal seen and every ordinal wanted; nothing for Retain', () => {
  const set = web(2, { whenDeleted: 'Delete' }, ['data', 'logs']);
  assert.deepEqual([...claimsOfDeletedSet(set, [3, 0])], [
    ['web-0', ['data-web-0', 'logs-web-0']], ['web-1', ['data-web-1', 'logs-web-1']], ['web-3', ['data-web-3', 'logs-web-3']],
  ]);
  assert.equal(claimsOfDeletedSet(web(2, { whenScaled: 'Delete' }), [0, 1]).size, 0);
  assert.equal(claimsOfDeletedSet(web(2, { whenDeleted: 'Delete' }, []), [0, 1]).size, 0);
});

test('deletedSetClaimStep: release once gone, wait for the old pod, forget when the new set has the name', () => {
  const ownedBy = (uid: string): Pod => {
    const p = pod('web-0');
    p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid, controller: true }];
    return p;
  };
  const recreated = { ...web(1), metadata: { ...web(1).metadata, uid: 'uid-web-2' } };
  assert.equal(deletedSetClaimStep(undefined, undefined), 'release');
  assert.equal(deletedSetClaimStep(undefined, recreated), 'release');
  assert.equal(deletedSetClaimStep(ownedBy('uid-web'), undefined), 'wait');
  assert.equal(deletedSetClaimStep(ownedBy('uid-web'), recreated), 'wait');
  assert.equal(deletedSetClaimStep(pod('web-0'), undefined), 'wait', 'orphaned: still may have it mounted');
  assert.equal(deletedSetClaimStep(ownedBy('uid-web-2'), recreated), 'forget');
});

// ---- the controller on a registry ----

async function startWithRecorder(): Promise<{ client: LocalClient; released: string[] }> {
  const released: string[] = [];
  const client = await startController(stops, (informers, c) =>
    new StatefulSetController(informers, c, new FakeEventRecorder(), (namespace, claim) => released.push(`${namespace}/${claim}`)));
  return { client, released };
}

const names = async (client: LocalClient) => (await client.list<Pod>('pods', 'default')).items.map((p) => p.metadata.name!).sort();
const terminating = async (client: LocalClient) => (await client.list<Pod>('pods', 'default')).items.filter((p) => p.metadata.deletionTimestamp).map((p) => p.metadata.name!).sort();
/** what the node agent (or the garbage collector) finally does */
const remove = (client: LocalClient, name: string) => client.delete('pods', 'default', name, { gracePeriodSeconds: 0 });
const scale = async (client: LocalClient, replicas: number) => {
  const s = await client.get<StatefulSet>('statefulsets', 'default', 'web');
  await client.update<StatefulSet>({ ...s, spec: { ...s.spec, replicas } });
};
/** a negative result only means something once the controller had time to act */
const settle = () => new Promise((r) => setTimeout(r, 200));

async function threePods(client: LocalClient, policy?: Policy, templates?: string[]): Promise<void> {
  const { metadata: { uid: _uid, ...metadata }, ...rest } = web(3, policy, templates);
  await client.create<StatefulSet>({ ...rest, metadata });
  await eventually('web-0..2', async () => (await names(client)).join() === 'web-0,web-1,web-2', 5_000, 20);
}

test('Retain (the default): scale-down and set deletion release nothing', async () => {
  const { client, released } = await startWithRecorder();
  await threePods(client);
  await scale(client, 1);
  await eventually('web-1, web-2 terminating', async () => (await terminating(client)).join() === 'web-1,web-2', 5_000, 20);
  await remove(client, 'web-1');
  await remove(client, 'web-2');
  await client.delete('statefulsets', 'default', 'web');
  await remove(client, 'web-0');
  await settle();
  assert.deepEqual(released, []);
});

test('whenScaled Delete: 3 → 1 releases web-1 and web-2 claims once their pods are gone, never web-0', async () => {
  const { client, released } = await startWithRecorder();
  await threePods(client, { whenScaled: 'Delete' });
  await scale(client, 1);
  await eventually('web-1, web-2 terminating', async () => (await terminating(client)).join() === 'web-1,web-2', 5_000, 20);
  await settle();
  assert.deepEqual([...released], [], 'a terminating pod may still have its claim mounted');

  await remove(client, 'web-2');
  await eventually('data-web-2 released', async () => released.includes('default/data-web-2'), 5_000, 20);
  assert.deepEqual(released, ['default/data-web-2']);
  await remove(client, 'web-1');
  await eventually('data-web-1 released', async () => released.includes('default/data-web-1'), 5_000, 20);
  await settle();
  assert.deepEqual(released, ['default/data-web-2', 'default/data-web-1']);
});

test('whenScaled Delete: a scale-up before the condemned pod is gone keeps its claim', async () => {
  const { client, released } = await startWithRecorder();
  await threePods(client, { whenScaled: 'Delete' });
  await scale(client, 2);
  await eventually('web-2 terminating', async () => (await terminating(client)).join() === 'web-2', 5_000, 20);
  await scale(client, 3);
  await remove(client, 'web-2');
  await eventually('web-2 created again', async () => (await names(client)).join() === 'web-0,web-1,web-2' && (await terminating(client)).length === 0, 5_000, 20);
  await settle();
  assert.deepEqual(released, []);
});

test('deleting a pod alone (the controller recreates it) releases nothing, whatever the policy', async () => {
  const { client, released } = await startWithRecorder();
  await threePods(client, { whenDeleted: 'Delete', whenScaled: 'Delete' });
  const old = await client.get<Pod>('pods', 'default', 'web-1');
  await remove(client, 'web-1');
  await eventually('web-1 recreated', async () => {
    const p = await client.get<Pod>('pods', 'default', 'web-1').catch(() => undefined);
    return p && p.metadata.uid !== old.metadata.uid;
  }, 5_000, 20);
  await settle();
  assert.deepEqual(released, []);
});

test('whenDeleted Delete: deleting the set releases every claim of its pods, each once that pod is gone', async () => {
  const { client, released } = await startWithRecorder();
  await threePods(client, { whenDeleted: 'Delete' }, ['data', 'logs']);
  await client.delete('statefulsets', 'default', 'web');
  await settle();
  assert.deepEqual([...released], [], 'the pods are still there');

  await remove(client, 'web-1');
  await eventually('web-1 claims released', async () => released.length === 2, 5_000, 20);
  assert.deepEqual(released, ['default/data-web-1', 'default/logs-web-1']);
  await remove(client, 'web-0');
  await remove(client, 'web-2');
  await eventually('every claim released', async () => released.length === 6, 5_000, 20);
  await settle();
  assert.deepEqual([...released].sort(), ['data-web-0', 'data-web-1', 'data-web-2', 'logs-web-0', 'logs-web-1', 'logs-web-2'].map((c) => `default/${c}`));
});
