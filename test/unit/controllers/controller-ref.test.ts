// Adopting and releasing pods (upstream's ControllerRefManager): what an owner
// does with each pod, as a table, then claimPods on a real in-memory registry,
// and which owners a pod event queues.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, OwnerReference, Pod, StatefulSet } from '../../../src/api/types.js';
import { LocalClient } from '../../../src/client/local-client.js';
import { claimPods, claimStep, podOwnerHandlers, type ClaimStep, type PodOwner } from '../../../src/controllers/controller-ref.js';
import { isApiError } from '../../../src/errors.js';
import { setup } from '../store/registry-fixture.js';
import { pod } from './fixtures.js';

const DELETED = '2026-01-01T00:01:00Z';
const ref = (uid: string, controller = true): OwnerReference => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'x', uid, controller });
const owner = (deleting = false): KubeObject => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default', uid: 'uid-owner', ...(deleting ? { deletionTimestamp: DELETED } : {}) } });
function candidate(o: { refs?: OwnerReference[]; deleting?: boolean; namespace?: string } = {}): Pod {
  const p = pod('web-1', { deleting: o.deleting });
  return { ...p, metadata: { ...p.metadata, ...(o.refs ? { ownerReferences: o.refs } : {}), ...(o.namespace ? { namespace: o.namespace } : {}) } };
}

const rows: { name: string; owner: KubeObject; pod: Pod; wanted: boolean; want: ClaimStep }[] = [
  { name: 'its own pod, wanted: kept', owner: owner(), pod: candidate({ refs: [ref('uid-owner')] }), wanted: true, want: 'keep' },
  { name: 'its own pod, no longer wanted: released', owner: owner(), pod: candidate({ refs: [ref('uid-owner')] }), wanted: false, want: 'release' },
  { name: 'its own pod, wanted, owner being deleted: still kept', owner: owner(true), pod: candidate({ refs: [ref('uid-owner')] }), wanted: true, want: 'keep' },
  { name: 'its own pod, not wanted, owner being deleted: left as it is', owner: owner(true), pod: candidate({ refs: [ref('uid-owner')] }), wanted: false, want: 'ignore' },
  { name: 'another controller\'s pod: never touched', owner: owner(), pod: candidate({ refs: [ref('uid-other')] }), wanted: true, want: 'ignore' },
  { name: 'an orphan it wants: adopted', owner: owner(), pod: candidate(), wanted: true, want: 'adopt' },
  { name: 'an orphan with an owner that is no controller: adopted', owner: owner(), pod: candidate({ refs: [ref('uid-cm', false)] }), wanted: true, want: 'adopt' },
  { name: 'an orphan it does not want: ignored', owner: owner(), pod: candidate(), wanted: false, want: 'ignore' },
  { name: 'an orphan being deleted: not adopted', owner: owner(), pod: candidate({ deleting: true }), wanted: true, want: 'ignore' },
  { name: 'an orphan, owner being deleted: not adopted', owner: owner(true), pod: candidate(), wanted: true, want: 'ignore' },
  { name: 'an orphan of another namespace: not adopted', owner: owner(), pod: candidate({ namespace: 'other' }), wanted: true, want: 'ignore' },
];
for (const row of rows) {
  test(`claimStep: ${row.name}`, () => {
    assert.equal(claimStep(row.owner, row.pod, () => row.wanted), row.want);
  });
}

// ---- claimPods against the API ----

function webSet(): StatefulSet {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default' },
    spec: { replicas: 2, serviceName: 'web', selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }] } } },
  };
}
const ownerOf = (set: StatefulSet): PodOwner => ({ obj: set, apiVersion: 'apps/v1', kind: 'StatefulSet', plural: 'statefulsets' });
const wantsApp = (p: Pod) => p.metadata.labels?.app === 'web';

async function apiWith(pods: { name: string; app: string; refs?: OwnerReference[] }[]): Promise<{ client: LocalClient; set: StatefulSet }> {
  const client = new LocalClient(setup().registry);
  const set = await client.create(webSet());
  for (const p of pods) {
    await client.create<Pod>({ apiVersion: 'v1', kind: 'Pod', metadata: { name: p.name, namespace: 'default', labels: { app: p.app }, ...(p.refs ? { ownerReferences: p.refs } : {}) }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }] } });
  }
  return { client, set };
}
const listed = async (client: LocalClient) => (await client.list<Pod>('pods', 'default')).items;
const controllerUidOf = async (client: LocalClient, name: string) => (await client.get<Pod>('pods', 'default', name)).metadata.ownerReferences?.find((r) => r.controller)?.uid;

test('claimPods adopts the orphans it wants with a controller reference, releases its pods it no longer wants, leaves the rest', async () => {
  const { client, set } = await apiWith([
    { name: 'orphan', app: 'web' },
    { name: 'stray', app: 'other' },
    { name: 'foreign', app: 'web', refs: [ref('uid-other')] },
  ]);
  const mine = ref(set.metadata.uid!);
  await client.create<Pod>({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'relabelled', namespace: 'default', labels: { app: 'gone' }, ownerReferences: [mine] }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }] } });
  const owned = await claimPods(client, ownerOf(set), await listed(client), wantsApp);
  assert.deepEqual(owned.map((p) => p.metadata.name), ['orphan']);
  const adopted = (await client.get<Pod>('pods', 'default', 'orphan')).metadata.ownerReferences;
  assert.deepEqual(adopted, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  assert.equal(owned[0]!.metadata.ownerReferences?.[0]?.uid, set.metadata.uid, 'the adopted pod as the API wrote it');
  assert.equal((await client.get<Pod>('pods', 'default', 'relabelled')).metadata.ownerReferences, undefined, 'released');
  assert.equal(await controllerUidOf(client, 'stray'), undefined);
  assert.equal(await controllerUidOf(client, 'foreign'), 'uid-other');
});

test('claimPods adopts nothing when the API shows the owner being deleted, though the cache does not yet (delete --cascade=orphan)', async () => {
  const { client, set } = await apiWith([{ name: 'orphan', app: 'web' }]);
  await client.delete('statefulsets', 'default', 'web', { propagationPolicy: 'Orphan' });
  await assert.rejects(claimPods(client, ownerOf(set), await listed(client), wantsApp), (err: Error) => /can't adopt pods: the StatefulSet default\/web is being deleted/.test(err.message));
  assert.equal(await controllerUidOf(client, 'orphan'), undefined);
});

test('claimPods adopts nothing for an owner replaced under its name', async () => {
  const { client, set } = await apiWith([{ name: 'orphan', app: 'web' }]);
  await client.delete('statefulsets', 'default', 'web');
  await client.create(webSet());
  await assert.rejects(claimPods(client, ownerOf(set), await listed(client), wantsApp), /is gone/);
  assert.equal(await controllerUidOf(client, 'orphan'), undefined);
});

test('claimPods: a pod gone since the cache saw it is neither owned nor an error; one made again under its name is not taken', async () => {
  const { client, set } = await apiWith([{ name: 'orphan', app: 'web' }, { name: 'remade', app: 'web' }]);
  const seen = await listed(client);
  await client.delete('pods', 'default', 'orphan');
  await client.delete('pods', 'default', 'remade');
  await client.create<Pod>({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'remade', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }] } });
  await assert.rejects(claimPods(client, ownerOf(set), seen, wantsApp), (err) => isApiError(err, 'Conflict'));
  assert.equal(await controllerUidOf(client, 'remade'), undefined);
});

// ---- which owners a pod event queues ----

function queued(events: (h: ReturnType<typeof podOwnerHandlers>) => void): string[] {
  const sets = [webSet(), { ...webSet(), metadata: { name: 'db', namespace: 'default' }, spec: { ...webSet().spec, selector: { matchLabels: { app: 'db' } } } }];
  const keys: string[] = [];
  const lister = { list: (ns?: string) => sets.filter((s) => !ns || s.metadata.namespace === ns), get: () => undefined };
  events(podOwnerHandlers('StatefulSet', lister, (k) => keys.push(k), (o, c) => o.status?.phase !== c.status?.phase));
  return keys;
}
const labelled = (app: string, refs?: OwnerReference[]) => { const p = pod('p', { labels: { app } }); if (refs) p.metadata.ownerReferences = refs; return p; };
const owned = (app: string) => labelled(app, [{ ...ref('uid-web'), name: 'web' }]);

test('pod events: an owned pod queues its owner; a new orphan queues every owner whose selector matches it', () => {
  assert.deepEqual(queued((h) => h.add!(owned('web'))), ['default/web']);
  assert.deepEqual(queued((h) => h.add!(labelled('db'))), ['default/db']);
  assert.deepEqual(queued((h) => h.add!(labelled('none'))), []);
  assert.deepEqual(queued((h) => h.add!(labelled('web', [{ ...ref('uid-rs'), kind: 'ReplicaSet' }]))), [], 'another kind\'s pod');
  assert.deepEqual(queued((h) => h.delete!(owned('web'))), ['default/web']);
  assert.deepEqual(queued((h) => h.delete!(labelled('web'))), [], 'no owner cares for a deleted orphan');
});

test('pod events: an orphan made by the garbage collector queues its old owner and the owners that may adopt it; a relabelled orphan the new matches', () => {
  assert.deepEqual(queued((h) => h.update!(owned('web'), labelled('web'))), ['default/web', 'default/web']);
  assert.deepEqual(queued((h) => h.update!(labelled('web'), labelled('db'))), ['default/db']);
  const statusOnly = labelled('web');
  assert.deepEqual(queued((h) => h.update!(statusOnly, { ...statusOnly, status: { phase: 'Failed' } })), [], 'an orphan\'s status write concerns no owner');
  const mine = owned('web');
  assert.deepEqual(queued((h) => h.update!(mine, { ...mine, status: { phase: 'Failed' } })), ['default/web'], 'what `matters` lets through');
  assert.deepEqual(queued((h) => h.update!(mine, mine)), []);
});
