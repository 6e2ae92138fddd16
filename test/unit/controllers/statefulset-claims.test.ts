// spec.volumeClaimTemplates and persistentVolumeClaimRetentionPolicy: the
// claims the StatefulSet controller makes and the owner references that
// carry the policy to the garbage collector. The decisions as tables, then
// the controller on a real in-memory registry. Its pods are bound to a node,
// so deleting one only marks it (as the node agent would finish it); the
// tests remove them with grace 0, standing in for the agent.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolumeClaim, Pod, StatefulSet } from '../../../src/api/types.js';
import type { LocalClient } from '../../../src/client/local-client.js';
import { FakeEventRecorder } from '../../../src/controllers/events.js';
import { claimFor, claimNamesOf, claimOwners, claimRetention, StatefulSetController } from '../../../src/controllers/statefulset.js';
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
    volumeClaimTemplates: templates.map((name) => ({ metadata: { name, labels: { tier: 'disk' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } })),
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

test('claimFor: the template\'s metadata and spec, named <template>-<set>-<ordinal>, with the set\'s selector labels', () => {
  const set = web(1);
  const c = claimFor(set, set.spec.volumeClaimTemplates![0]!, 2);
  assert.equal(c.metadata.name, 'data-web-2');
  assert.deepEqual(c.metadata.labels, { tier: 'disk', app: 'web' });
  assert.deepEqual(c.spec, { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
});

test('claimOwners: the set for whenDeleted Delete; the pod while its ordinal is condemned, for whenScaled Delete; a user\'s owner kept', () => {
  const claim = (owners: PersistentVolumeClaim['metadata']['ownerReferences'] = []) => ({ ...claimFor(web(1), web(1).spec.volumeClaimTemplates![0]!, 1), metadata: { name: 'data-web-1', ownerReferences: owners } });
  const p1 = { ...pod('web-1'), metadata: { ...pod('web-1').metadata, uid: 'uid-pod-1' } };
  const setRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true };
  const podRef = { apiVersion: 'v1', kind: 'Pod', name: 'web-1', uid: 'uid-pod-1' };
  assert.deepEqual(claimOwners(web(1), claim(), 1, p1), []);
  assert.deepEqual(claimOwners(web(1, { whenDeleted: 'Delete' }), claim(), 1, p1), [setRef]);
  // ordinal 1 of a 1-replica set is condemned; of a 2-replica one it is not
  assert.deepEqual(claimOwners(web(1, { whenScaled: 'Delete' }), claim(), 1, p1), [podRef]);
  assert.deepEqual(claimOwners(web(2, { whenScaled: 'Delete' }), claim([podRef]), 1, p1), []);
  const mine = { apiVersion: 'example.com/v1', kind: 'Backup', name: 'b', uid: 'u-b' };
  assert.deepEqual(claimOwners(web(1, { whenDeleted: 'Delete', whenScaled: 'Delete' }), claim([mine, podRef]), 1, p1), [mine, setRef, podRef]);
  // another controller owns the claim: ours are taken off, none added (upstream's hasUnexpectedController)
  const theirs = { apiVersion: 'example.com/v1', kind: 'Operator', name: 'o', uid: 'u-o', controller: true };
  assert.deepEqual(claimOwners(web(1, { whenDeleted: 'Delete', whenScaled: 'Delete' }), claim([theirs, setRef, podRef]), 1, p1), [theirs]);
});

// ---- the controller on a registry ----

async function start(): Promise<LocalClient> {
  return startController(stops, (informers, c) => new StatefulSetController(informers, c, new FakeEventRecorder()));
}

const names = async (client: LocalClient) => (await client.list<Pod>('pods', 'default')).items.map((p) => p.metadata.name!).sort();
const claims = async (client: LocalClient) => (await client.list<PersistentVolumeClaim>('persistentvolumeclaims', 'default')).items;
const claimNames = async (client: LocalClient) => (await claims(client)).filter((c) => !c.metadata.deletionTimestamp).map((c) => c.metadata.name!).sort();
const terminating = async (client: LocalClient) => (await client.list<Pod>('pods', 'default')).items.filter((p) => p.metadata.deletionTimestamp).map((p) => p.metadata.name!).sort();
/** what the node agent finally does */
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

test('each pod\'s claims are made before it, one per template; with Retain (the default) scale-down keeps them, with no owner', async () => {
  const client = await start();
  await threePods(client, undefined, ['data', 'logs']);
  assert.deepEqual(await claimNames(client), ['data-web-0', 'data-web-1', 'data-web-2', 'logs-web-0', 'logs-web-1', 'logs-web-2']);
  const web0 = await client.get<Pod>('pods', 'default', 'web-0');
  assert.deepEqual(web0.spec.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } }, { name: 'logs', persistentVolumeClaim: { claimName: 'logs-web-0' } }]);
  await scale(client, 1);
  await eventually('web-1, web-2 terminating', async () => (await terminating(client)).join() === 'web-1,web-2', 5_000, 20);
  await remove(client, 'web-1');
  await remove(client, 'web-2');
  await settle();
  assert.equal((await claims(client)).length, 6);
  assert.ok((await claims(client)).every((c) => (c.metadata.ownerReferences ?? []).length === 0));
});

test('whenScaled Delete: a condemned pod owns its claims before it goes; a claim whose condemned pod is gone is deleted; web-0\'s stays', async () => {
  const client = await start();
  await threePods(client, { whenScaled: 'Delete' });
  const web2 = await client.get<Pod>('pods', 'default', 'web-2');
  await scale(client, 1);
  await eventually('web-1, web-2 terminating', async () => (await terminating(client)).join() === 'web-1,web-2', 5_000, 20);
  const c2 = (await claims(client)).find((c) => c.metadata.name === 'data-web-2')!;
  assert.deepEqual(c2.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Pod', name: 'web-2', uid: web2.metadata.uid }]);
  await remove(client, 'web-2');
  await remove(client, 'web-1');
  await eventually('data-web-1 and data-web-2 deleted', async () => (await claimNames(client)).join() === 'data-web-0', 5_000, 20);
});

test('whenScaled Delete: a scale-up before the condemned pod is gone keeps its claim, no longer owned by the old pod', async () => {
  const client = await start();
  await threePods(client, { whenScaled: 'Delete' });
  await scale(client, 2);
  await eventually('web-2 terminating', async () => (await terminating(client)).join() === 'web-2', 5_000, 20);
  await scale(client, 3);
  await remove(client, 'web-2');
  await eventually('web-2 created again', async () => (await names(client)).join() === 'web-0,web-1,web-2' && (await terminating(client)).length === 0, 5_000, 20);
  await settle();
  const c2 = (await claims(client)).find((c) => c.metadata.name === 'data-web-2')!;
  assert.equal(c2.metadata.deletionTimestamp, undefined);
  assert.deepEqual(c2.metadata.ownerReferences ?? [], []);
});

test('whenDeleted Delete: the set owns every claim, so the garbage collector takes them with it', async () => {
  const client = await start();
  await threePods(client, { whenDeleted: 'Delete' });
  const set = await client.get<StatefulSet>('statefulsets', 'default', 'web');
  await eventually('the set owns its claims', async () => (await claims(client)).every((c) => c.metadata.ownerReferences?.[0]?.uid === set.metadata.uid), 5_000, 20);
});

test('a pod whose claim is being deleted waits until it is gone, then gets a new one', async () => {
  const client = await start();
  await client.create<PersistentVolumeClaim>({ ...claimFor(web(1), web(1).spec.volumeClaimTemplates![0]!, 0), metadata: { name: 'data-web-0', namespace: 'default', finalizers: ['example.com/hold'] } });
  await client.delete('persistentvolumeclaims', 'default', 'data-web-0');
  const { metadata: { uid: _uid, ...metadata }, ...rest } = web(1);
  await client.create<StatefulSet>({ ...rest, metadata });
  await settle();
  assert.deepEqual(await names(client), []);
  const held = await client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'data-web-0');
  await client.update<PersistentVolumeClaim>({ ...held, metadata: { ...held.metadata, finalizers: [] } });
  await eventually('web-0 made with a new claim', async () => (await names(client)).join() === 'web-0' && (await claimNames(client)).join() === 'data-web-0', 5_000, 20);
});
