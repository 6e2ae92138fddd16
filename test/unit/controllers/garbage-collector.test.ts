// The garbage collector: its decisions as tables (owner-graph.ts), then the
// whole collector against a real registry and informers, one cascade per row.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, OwnerReference } from '../../../src/api/types.js';
import type { Client, DeleteOptions } from '../../../src/client/client.js';
import { GarbageCollector } from '../../../src/controllers/garbage-collector.js';
import { dependentAction, ownerAction, OwnerGraph, type DependentAction, type OwnerState } from '../../../src/controllers/owner-graph.js';
import { resourceForPlural } from '../../../src/api/resources.js';
import { isApiError } from '../../../src/errors.js';
import { eventually } from '../../support/cli.js';
import { startController } from './controller-harness.js';

const ref = (uid: string, blockOwnerDeletion = false): OwnerReference => ({ apiVersion: 'v1', kind: 'ConfigMap', name: uid, uid, ...(blockOwnerDeletion ? { blockOwnerDeletion } : {}) });

// owners as the graph sees them → what happens to the dependent
const dependentRows: { name: string; owners: Record<string, OwnerState>; hasDependents?: boolean; want: DependentAction }[] = [
  { name: 'its one owner stands: kept', owners: { a: 'solid' }, want: { kind: 'keep' } },
  { name: 'its one owner is gone: deleted', owners: { a: 'absent' }, want: { kind: 'delete', foreground: false } },
  { name: 'one of two owners gone: only that reference goes', owners: { a: 'absent', b: 'solid' }, want: { kind: 'remove-refs', uids: ['a'] } },
  { name: 'both owners gone: deleted', owners: { a: 'absent', b: 'absent' }, want: { kind: 'delete', foreground: false } },
  { name: 'an owner never seen: read it first', owners: { a: 'unknown', b: 'absent' }, want: { kind: 'verify', refs: [ref('a')] } },
  { name: 'its owner deletes in the foreground, it has dependents: foreground too', owners: { a: 'waiting' }, hasDependents: true, want: { kind: 'delete', foreground: true } },
  { name: 'its owner deletes in the foreground, no dependents of its own: plain delete', owners: { a: 'waiting' }, want: { kind: 'delete', foreground: false } },
  { name: 'one owner waits, another stands: released from the waiting one', owners: { a: 'waiting', b: 'solid' }, want: { kind: 'remove-refs', uids: ['a'] } },
  { name: 'no owners: kept', owners: {}, want: { kind: 'keep' } },
];
for (const row of dependentRows) {
  test(`dependentAction: ${row.name}`, () => {
    const refs = Object.keys(row.owners).map((uid) => ref(uid));
    assert.deepEqual(dependentAction(refs, (r) => row.owners[r.uid]!, row.hasDependents ?? false), row.want);
  });
}

const marked = (finalizers: string[]): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o', uid: 'o', deletionTimestamp: '2026-01-01T00:00:00Z', finalizers } });
const dep = (name: string, blocking: boolean, deleting = false): KubeObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, uid: name, ownerReferences: [ref('o', blocking)], ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) } });
const ownerRows: { name: string; owner: KubeObject; dependents: KubeObject[]; want: string }[] = [
  { name: 'not marked: nothing', owner: { ...marked([]), metadata: { name: 'o', uid: 'o' } }, dependents: [dep('d', true)], want: 'none' },
  { name: 'a user finalizer only: not ours', owner: marked(['example.com/x']), dependents: [dep('d', true)], want: 'none' },
  { name: 'orphan: every dependent is released', owner: marked(['orphan']), dependents: [dep('d1', true), dep('d2', false)], want: 'orphan d1,d2' },
  { name: 'foreground: a blocking dependent holds it', owner: marked(['foregroundDeletion']), dependents: [dep('d1', true), dep('d2', false)], want: 'foreground d1,d2 blocked' },
  { name: 'foreground: non-blocking dependents do not hold it', owner: marked(['foregroundDeletion']), dependents: [dep('d2', false)], want: 'foreground d2' },
  { name: 'foreground: a dependent already deleting still blocks, but is not deleted again', owner: marked(['foregroundDeletion']), dependents: [dep('d1', true, true)], want: 'foreground  blocked' },
  { name: 'foreground: no dependents left, the finalizer can go', owner: marked(['foregroundDeletion']), dependents: [], want: 'foreground ' },
];
for (const row of ownerRows) {
  test(`ownerAction: ${row.name}`, () => {
    const a = ownerAction(row.owner, row.dependents);
    const names = (objs: KubeObject[]) => objs.map((o) => o.metadata.name).join(',');
    const got = a.kind === 'orphan' ? `orphan ${names(a.dependents)}` : a.kind === 'foreground' ? `foreground ${names(a.pending)}${a.blocked ? ' blocked' : ''}` : a.kind;
    assert.equal(got, row.want);
  });
}

test('OwnerGraph: the dependents index follows each change of ownerReferences, and a deleted uid stays absent', () => {
  const g = new OwnerGraph();
  const cmInfo = resourceForPlural('configmaps')!;
  const obj = (name: string, refs: OwnerReference[] = []): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', uid: name, ...(refs.length ? { ownerReferences: refs } : {}) } });
  g.upsert(cmInfo, obj('a'));
  g.upsert(cmInfo, obj('b'));
  assert.deepEqual(g.upsert(cmInfo, obj('d', [ref('a', true)])), []);
  assert.deepEqual(g.dependentsOf('a').map((o) => o.metadata.name), ['d']);
  // moving d from a (blocking) to b: a is told, as its foreground deletion may now finish
  assert.deepEqual(g.upsert(cmInfo, obj('d', [ref('b')])), ['a']);
  assert.deepEqual(g.dependentsOf('a'), []);
  assert.deepEqual(g.dependentsOf('b').map((o) => o.metadata.name), ['d']);
  const dep = g.node('d')!.obj;
  assert.equal(g.ownerState(dep, ref('b')), 'solid');
  assert.deepEqual(g.remove(obj('b')), ['d']);
  assert.equal(g.ownerState(dep, ref('b')), 'absent');
  assert.equal(g.ownerState(dep, ref('never-seen')), 'unknown');
  assert.equal(g.ownerState(dep, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: 'lease', uid: 'lease' }), 'solid');
});

// --- the collector against a real registry, LocalClient and shared informers ---

interface Cluster { client: Client }
const stops: (() => void)[] = [];
after(() => { for (const stop of stops) stop(); });

async function startCluster(): Promise<Cluster> {
  return { client: await startController(stops, (informers, client) => new GarbageCollector(informers, client)) };
}

/** Owners by name: `name` or `name!` (blockOwnerDeletion). */
type Spec = { kind?: 'ConfigMap' | 'Deployment'; owners?: string[]; finalizers?: string[] };

function manifest(name: string, spec: Spec, owners: OwnerReference[]): KubeObject {
  const metadata = { name, namespace: 'default', ...(owners.length ? { ownerReferences: owners } : {}), ...(spec.finalizers ? { finalizers: spec.finalizers } : {}) };
  if (spec.kind === 'Deployment') {
    return { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }] } } } };
  }
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: {} };
}

const PLURAL = { ConfigMap: 'configmaps', Deployment: 'deployments' } as const;

/** Creates the objects in order; owners are named, and must come first. */
async function createAll(client: Client, objects: Record<string, Spec>): Promise<Map<string, KubeObject>> {
  const made = new Map<string, KubeObject>();
  for (const [name, spec] of Object.entries(objects)) {
    const owners = (spec.owners ?? []).map((o) => {
      const blocking = o.endsWith('!');
      const owner = made.get(blocking ? o.slice(0, -1) : o)!;
      return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name!, uid: owner.metadata.uid!, ...(blocking ? { blockOwnerDeletion: true } : {}) };
    });
    made.set(name, await client.create(manifest(name, spec, owners)));
  }
  return made;
}

async function read(client: Client, plural: string, name: string): Promise<KubeObject | undefined> {
  try { return await client.get(plural, 'default', name); } catch (err) { if (isApiError(err, 'NotFound')) return undefined; throw err; }
}

/** What is left: `name` or `name→owner1,owner2`, `name(deleting)`. */
async function survivors(client: Client, objects: Record<string, Spec>): Promise<string[]> {
  const out: string[] = [];
  for (const [name, spec] of Object.entries(objects)) {
    const o = await read(client, PLURAL[spec.kind ?? 'ConfigMap'], name);
    if (!o) continue;
    const owners = (o.metadata.ownerReferences ?? []).map((r) => r.name).join(',');
    out.push(`${name}${owners ? `→${owners}` : ''}${o.metadata.deletionTimestamp ? '(deleting)' : ''}`);
  }
  return out;
}

const cascadeRows: { name: string; objects: Record<string, Spec>; remove: [string, DeleteOptions][]; left: string[] }[] = [
  { name: 'owner gone → dependent deleted', objects: { a: {}, d: { owners: ['a'] } }, remove: [['a', {}]], left: [] },
  { name: 'a ConfigMap owned by a Deployment is deleted with it', objects: { web: { kind: 'Deployment' }, cfg: { owners: ['web'] } }, remove: [['web', {}]], left: [] },
  { name: 'of two owners one goes: the dependent stays, owned by the other', objects: { a: {}, b: {}, d: { owners: ['a', 'b'] } }, remove: [['a', {}]], left: ['b', 'd→b'] },
  { name: 'both owners gone → deleted', objects: { a: {}, b: {}, d: { owners: ['a', 'b'] } }, remove: [['a', {}], ['b', {}]], left: [] },
  { name: 'Orphan: the owner goes, the dependent stays without the reference', objects: { a: {}, d: { owners: ['a!'] } }, remove: [['a', { propagationPolicy: 'Orphan' }]], left: ['d'] },
  { name: 'orphanDependents: the same', objects: { a: {}, x: {}, d: { owners: ['a', 'x'] } }, remove: [['a', { orphanDependents: true }]], left: ['x', 'd→x'] },
  { name: 'Foreground: grandchildren first, then the child, then the owner', objects: { a: {}, b: { owners: ['a!'] }, c: { owners: ['b!'] } }, remove: [['a', { propagationPolicy: 'Foreground' }]], left: [] },
  { name: 'Background through three generations', objects: { a: {}, b: { owners: ['a'] }, c: { owners: ['b'] } }, remove: [['a', {}]], left: [] },
];
for (const row of cascadeRows) {
  test(`cascade: ${row.name}`, async () => {
    const { client } = await startCluster();
    await createAll(client, row.objects);
    for (const [name, opts] of row.remove) await client.delete(PLURAL[row.objects[name]!.kind ?? 'ConfigMap'], 'default', name, opts);
    // what should go is gone (and what stays has settled) within the deadline
    await eventually(`left ${row.left.join(' ')}`, async () => JSON.stringify(await survivors(client, row.objects)) === JSON.stringify(row.left), 5_000, 10)
      .catch(async (err) => { assert.deepEqual(await survivors(client, row.objects), row.left); throw err; });
  });
}

test('Foreground keeps the owner, readable, until its blocking dependents are gone', async () => {
  const { client } = await startCluster();
  const objects: Record<string, Spec> = { web: { kind: 'Deployment' }, held: { owners: ['web!'], finalizers: ['example.com/hold'] }, loose: { owners: ['web'] } };
  await createAll(client, objects);
  await client.delete('deployments', 'default', 'web', { propagationPolicy: 'Foreground' });
  await eventually('loose deleted, held marked', async () => JSON.stringify(await survivors(client, objects)) === JSON.stringify(['web(deleting)', 'held→web(deleting)']), 5_000, 10);
  const web = (await read(client, 'deployments', 'web'))!;
  assert.deepEqual(web.metadata.finalizers, ['foregroundDeletion']);
  await client.patch('configmaps', 'default', 'held', { metadata: { finalizers: null } });
  await eventually('web gone', async () => (await survivors(client, objects)).length === 0, 5_000, 10);
});

test('an ownerReference to a uid that never existed (the owner deleted before the dependent was made) is a gone owner', async () => {
  const { client } = await startCluster();
  const objects: Record<string, Spec> = { late: {}, keep: {} };
  await client.create(manifest('late', {}, [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'keep', uid: 'no-such-uid' }]));
  await client.create(manifest('keep', {}, []));
  await eventually('late deleted', async () => JSON.stringify(await survivors(client, objects)) === '["keep"]', 5_000, 10);
});

test('an owner of a kind podnet does not serve is never taken for gone', async () => {
  const { client } = await startCluster();
  await client.create(manifest('lease-owned', {}, [{ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: 'lease', uid: 'lease-uid' }]));
  await client.create(manifest('gone-owner', {}, [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'x-uid' }]));
  await eventually('gone-owner deleted', async () => !(await read(client, 'configmaps', 'gone-owner')), 5_000, 10);
  assert.ok(await read(client, 'configmaps', 'lease-owned'));
});
