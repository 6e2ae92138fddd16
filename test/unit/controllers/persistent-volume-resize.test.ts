// Claim expansion: the expand controller's word on every resize, and podnet
// as the external-resizer of the volumes its provisioner made (a directory:
// nothing to grow on disk, nothing for the node to do), on a real registry.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../../src/api/types.js';
import { CLAIM_DIRECTORY_PROVISIONER, claimNeedsResize, mergeResizeConditions, PersistentVolumeController } from '../../../src/controllers/persistent-volume.js';
import { FakeEventRecorder } from '../../../src/controllers/events.js';
import type { LocalClient } from '../../../src/client/local-client.js';
import { eventually } from '../../support/cli.js';
import { startController } from './controller-harness.js';

const stops: (() => void)[] = [];
const dirs: string[] = [];
after(() => {
  for (const stop of stops) stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const bound = (request: string, capacity: string | undefined, conditions?: { type: string; status: string }[]): PersistentVolumeClaim => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: request } }, volumeName: 'pv' },
  status: { phase: 'Bound', ...(capacity ? { capacity: { storage: capacity } } : {}), ...(conditions ? { conditions } : {}) },
});

test('claimNeedsResize: a Bound claim whose request is more than its capacity, by value', () => {
  assert.equal(claimNeedsResize(bound('2Gi', '1Gi')), true);
  assert.equal(claimNeedsResize(bound('1Gi', '1Gi')), false);
  assert.equal(claimNeedsResize(bound('1024Mi', '1Gi')), false);
  assert.equal(claimNeedsResize(bound('1Gi', '5Gi')), false, 'bound to a bigger volume: nothing to grow');
  assert.equal(claimNeedsResize({ ...bound('2Gi', '1Gi'), status: { phase: 'Pending' } }), false);
  assert.equal(claimNeedsResize(bound('2Gi', undefined)), true);
});

test('mergeResizeConditions: other conditions kept; a resize condition kept with its time while its status holds, replaced when it changes, dropped when not wanted', () => {
  const resizing = { type: 'Resizing', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' };
  const other = { type: 'ModifyingVolume', status: 'True' };
  assert.deepEqual(mergeResizeConditions(undefined, [resizing]), [resizing]);
  assert.deepEqual(mergeResizeConditions([other, resizing], [{ ...resizing, lastTransitionTime: '2026-02-02T00:00:00Z' }]), [other, resizing]);
  const done = { ...resizing, status: 'False', lastTransitionTime: '2026-02-02T00:00:00Z' };
  assert.deepEqual(mergeResizeConditions([resizing], [done]), [done]);
  assert.deepEqual(mergeResizeConditions([resizing, other, { type: 'FileSystemResizePending', status: 'True' }], []), [other]);
});

const cls = (name: string, provisioner: string, allowVolumeExpansion: boolean): StorageClass => ({
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner, reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate', allowVolumeExpansion,
});

async function makeBound(client: LocalClient, name: string, className: string, storage: string): Promise<PersistentVolumeClaim> {
  await client.create<PersistentVolumeClaim>({
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } }, storageClassName: className },
  });
  return eventually(`${name} Bound`, async () => {
    const c = await client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', name);
    return c.status?.phase === 'Bound' ? c : undefined;
  }, 5_000, 20);
}

const grow = (client: LocalClient, name: string, storage: string) =>
  client.patch<PersistentVolumeClaim>('persistentvolumeclaims', 'default', name, { spec: { resources: { requests: { storage } } } });

test('a claim of podnet\'s directory grows: the volume\'s capacity, then the claim\'s, no condition left; the expand controller\'s and the resizer\'s events, once each', async () => {
  const claimsDir = mkdtempSync(path.join(tmpdir(), 'podnet-claims-'));
  dirs.push(claimsDir);
  const binder = new FakeEventRecorder();
  const expander = new FakeEventRecorder();
  const resizer = new FakeEventRecorder();
  const client = await startController(stops, (informers, c) => new PersistentVolumeController(informers, c, binder, claimsDir, { expander, resizer }));
  await client.create(cls('expandable', CLAIM_DIRECTORY_PROVISIONER, true));
  const before = await makeBound(client, 'data', 'expandable', '1Gi');
  await grow(client, 'data', '2048Mi');
  const after = await eventually('the claim\'s capacity grown', async () => {
    const c = await client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'data');
    return c.status?.capacity?.['storage'] === '2Gi' ? c : undefined;
  }, 5_000, 20);
  assert.equal(after.status?.conditions, undefined, 'no lingering Resizing condition');
  const pv = await client.get<PersistentVolume>('persistentvolumes', undefined, before.spec.volumeName!);
  assert.deepEqual(pv.spec.capacity, { storage: '2Gi' });
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(expander.events.map((e) => [e.type, e.reason, e.message, e.object]), [
    ['Warning', 'ExternalExpanding', 'waiting for an external controller to expand this PVC', 'PersistentVolumeClaim/data'],
  ]);
  assert.deepEqual(resizer.events.map((e) => [e.type, e.reason, e.message]), [
    ['Normal', 'Resizing', `External resizer is resizing volume ${pv.metadata.name}`],
    ['Normal', 'VolumeResizeSuccessful', 'Resize volume succeeded'],
  ]);
  assert.ok(!binder.events.some((e) => /Resiz|Expand/.test(e.reason)));

  // a second resize is told again, for its own size
  await grow(client, 'data', '3Gi');
  await eventually('grown again', async () => (await client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'data')).status?.capacity?.['storage'] === '3Gi', 5_000, 20);
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(resizer.events.map((e) => e.reason), ['Resizing', 'VolumeResizeSuccessful', 'Resizing', 'VolumeResizeSuccessful']);
  assert.equal(expander.events.length, 2);
});

test('a volume not podnet\'s keeps its size: the claim keeps its capacity and waits with the expand controller\'s event, as upstream with no resizer; the binder never copies a volume\'s later capacity onto a bound claim', async () => {
  const claimsDir = mkdtempSync(path.join(tmpdir(), 'podnet-claims-'));
  dirs.push(claimsDir);
  const events = new FakeEventRecorder();
  const client = await startController(stops, (informers, c) => new PersistentVolumeController(informers, c, events, claimsDir));
  await client.create(cls('nfs', 'example.com/nfs', true));
  await client.create<PersistentVolume>({
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'exported' },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'nfs', hostPath: { path: '/srv/exported' } },
  });
  await makeBound(client, 'shared', 'nfs', '1Gi');
  await grow(client, 'shared', '2Gi');
  await eventually('ExternalExpanding', async () => events.events.some((e) => e.type === 'Warning' && e.reason === 'ExternalExpanding' && e.message === 'waiting for an external controller to expand this PVC'), 5_000, 20);
  await new Promise((r) => setTimeout(r, 100));
  const claim = await client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'shared');
  assert.deepEqual([claim.spec.resources?.requests?.['storage'], claim.status?.capacity?.['storage'], claim.status?.conditions], ['2Gi', '1Gi', undefined]);
  assert.deepEqual((await client.get<PersistentVolume>('persistentvolumes', undefined, 'exported')).spec.capacity, { storage: '1Gi' });
  assert.equal(events.events.filter((e) => e.reason === 'ExternalExpanding').length, 1);
  assert.ok(!events.events.some((e) => e.reason === 'Resizing'));

  // whoever grows the volume, the claim's capacity is the resizer's to change, not the binder's
  await client.patch<PersistentVolume>('persistentvolumes', undefined, 'exported', { spec: { capacity: { storage: '8Gi' } } });
  await client.patch<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'shared', { metadata: { labels: { synced: 'again' } } });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal((await client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'shared')).status?.capacity?.['storage'], '1Gi');
});
