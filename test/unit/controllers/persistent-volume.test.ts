import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from '../../../src/api/types.js';
import { CLAIM_DIRECTORY_PROVISIONER, claimsBlockScheduling, matchVolume, mountsClaim, volumeMismatch, waitsForFirstConsumer, PersistentVolumeController, provisionedVolume } from '../../../src/controllers/persistent-volume.js';
import { FakeEventRecorder } from '../../../src/controllers/events.js';
import { eventually } from '../../support/cli.js';
import { startController } from './controller-harness.js';

const stops: (() => void)[] = [];
after(() => { for (const stop of stops) stop(); });

function claim(name: string, spec: Partial<PersistentVolumeClaim['spec']> = {}, uid = `uid-${name}`): PersistentVolumeClaim {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'ns', uid }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec } };
}

function volume(name: string, storage: string, spec: Partial<PersistentVolume['spec']> = {}, labels?: Record<string, string>): PersistentVolume {
  return { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name, ...(labels ? { labels } : {}) }, spec: { capacity: { storage }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/srv/${name}` }, ...spec }, status: { phase: 'Available' } };
}

test('matchVolume: the smallest free volume of the claim\'s class, mode and access modes that covers the request; a pre-bound one first; a selector narrows', () => {
  const vols = [volume('big', '10Gi'), volume('small', '2Gi'), volume('tiny', '512Mi'), volume('fast', '1Gi', { storageClassName: 'fast' }), volume('rox', '1Gi', { accessModes: ['ReadOnlyMany'] })];
  assert.equal(matchVolume(claim('a'), vols)?.metadata.name, 'small');
  assert.equal(matchVolume(claim('a', { storageClassName: 'fast' }), vols)?.metadata.name, 'fast');
  assert.equal(matchVolume(claim('a', { accessModes: ['ReadOnlyMany'] }), vols)?.metadata.name, 'rox');
  assert.equal(matchVolume(claim('a', { accessModes: ['ReadWriteMany'] }), vols), undefined);
  assert.equal(matchVolume(claim('a', { resources: { requests: { storage: '20Gi' } } }), vols), undefined);
  assert.equal(matchVolume(claim('a', { volumeMode: 'Block' }), vols), undefined);
  const labelled = [...vols, volume('ssd', '5Gi', {}, { disk: 'ssd' })];
  assert.equal(matchVolume(claim('a', { selector: { matchLabels: { disk: 'ssd' } } }), labelled)?.metadata.name, 'ssd');
  // bound, or meant for another claim, or going: not free
  const taken = [volume('mine', '10Gi', { claimRef: { namespace: 'ns', name: 'a' } }), volume('theirs', '1Gi', { claimRef: { namespace: 'ns', name: 'b', uid: 'x' } }), { ...volume('gone', '1Gi'), metadata: { name: 'gone', deletionTimestamp: '2026-01-01T00:00:00Z' } }];
  assert.equal(matchVolume(claim('a'), taken)?.metadata.name, 'mine');
  assert.equal(matchVolume(claim('c'), taken), undefined);
  // a claim made again under the name is another claim
  assert.equal(matchVolume(claim('b', {}, 'y'), taken), undefined);
});

test('provisionedVolume: the claim\'s request, modes and class, the class\'s reclaim policy, a directory named like local-path\'s, pre-bound to the claim', () => {
  const sc: StorageClass = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'standard' }, provisioner: CLAIM_DIRECTORY_PROVISIONER, reclaimPolicy: 'Retain' };
  const pv = provisionedVolume(claim('data', { resources: { requests: { storage: '3Gi' } } }), sc, '/var/lib/podnet/c/claims');
  assert.equal(pv.metadata.name, 'pvc-uid-data');
  assert.deepEqual(pv.spec.capacity, { storage: '3Gi' });
  assert.equal(pv.spec.persistentVolumeReclaimPolicy, 'Retain');
  assert.equal(pv.spec.storageClassName, 'standard');
  assert.deepEqual(pv.spec.hostPath, { path: '/var/lib/podnet/c/claims/pvc-uid-data_ns_data', type: 'DirectoryOrCreate' });
  assert.deepEqual([pv.spec.claimRef?.name, pv.spec.claimRef?.uid], ['data', 'uid-data']);
});

test('the binder: a claim of podnet\'s class gets a volume and directory of its own and is Bound; deleting it deletes both; a claim with no class binds a matching volume, which is Released and kept when its claim goes', async () => {
  const claimsDir = mkdtempSync(path.join(tmpdir(), 'podnet-claims-'));
  try {
    const events = new FakeEventRecorder();
    const client = await startController(stops, (informers, c) => new PersistentVolumeController(informers, c, events, claimsDir));
    await client.create<StorageClass>({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'standard' }, provisioner: CLAIM_DIRECTORY_PROVISIONER, reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
    const created = await client.create<PersistentVolumeClaim>({ ...claim('data', { storageClassName: 'standard' }), metadata: { name: 'data', namespace: 'default' } });
    const bound = await eventually('the claim Bound', async () => {
      const c = await client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'data');
      return c.status?.phase === 'Bound' ? c : undefined;
    }, 5_000, 20);
    assert.equal(bound.spec.volumeName, `pvc-${created.metadata.uid}`);
    assert.deepEqual(bound.status?.capacity, { storage: '1Gi' });
    const pv = await client.get<PersistentVolume>('persistentvolumes', undefined, bound.spec.volumeName!);
    assert.equal(pv.status?.phase, 'Bound');
    assert.ok(existsSync(pv.spec.hostPath!.path));
    assert.ok(events.events.some((e) => e.reason === 'ProvisioningSucceeded'));

    await client.delete('persistentvolumeclaims', 'default', 'data');
    await eventually('the volume deleted', async () => (await client.list('persistentvolumes')).items.length === 0, 5_000, 20);
    assert.equal(existsSync(pv.spec.hostPath!.path), false);

    await client.create<PersistentVolume>({ ...volume('manual', '5Gi', { storageClassName: '', persistentVolumeReclaimPolicy: 'Retain' }), status: undefined });
    await client.create<PersistentVolumeClaim>({ ...claim('mine', { storageClassName: '' }), metadata: { name: 'mine', namespace: 'default' } });
    await eventually('bound to the manual volume', async () => (await client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'mine')).spec.volumeName === 'manual', 5_000, 20);
    await client.delete('persistentvolumeclaims', 'default', 'mine');
    await eventually('the manual volume Released', async () => (await client.get<PersistentVolume>('persistentvolumes', undefined, 'manual')).status?.phase === 'Released', 5_000, 20);
  } finally { rmSync(claimsDir, { recursive: true, force: true }); }
});

test('pvc-protection: a claim a scheduled pod mounts stays, Terminating, until the pod is gone; a pod not scheduled holds nothing', async () => {
  const claimsDir = mkdtempSync(path.join(tmpdir(), 'podnet-claims-'));
  try {
    const client = await startController(stops, (informers, c) => new PersistentVolumeController(informers, c, new FakeEventRecorder(), claimsDir));
    await client.create<PersistentVolumeClaim>({ ...claim('held', { storageClassName: '' }), metadata: { name: 'held', namespace: 'default', finalizers: ['kubernetes.io/pvc-protection'] } });
    const mounting = (name: string, nodeName?: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'none' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'held' } }] } });
    await client.create<Pod>(mounting('user', 'node-1'));
    // not scheduled: it has mounted nothing, and holds nothing (upstream's podUsesPVC)
    await client.create<Pod>(mounting('waiting'));
    await client.delete('persistentvolumeclaims', 'default', 'held');
    await new Promise((r) => setTimeout(r, 200));
    assert.ok((await client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'held')).metadata.deletionTimestamp);
    await client.delete('pods', 'default', 'user', { gracePeriodSeconds: 0 });
    await eventually('the claim gone', async () => (await client.list('persistentvolumeclaims', 'default')).items.length === 0, 5_000, 20);
  } finally { rmSync(claimsDir, { recursive: true, force: true }); }
});

test('claimsBlockScheduling: kube-scheduler\'s words for a missing claim, one being deleted, one not bound yet; nothing once all are bound', () => {
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [], volumes: [{ name: 'a', persistentVolumeClaim: { claimName: 'a' } }, { name: 'b', persistentVolumeClaim: { claimName: 'b' } }, { name: 'e', emptyDir: {} }] } };
  const bound = (c: PersistentVolumeClaim): PersistentVolumeClaim => ({ ...c, spec: { ...c.spec, volumeName: `pv-${c.metadata.name}` }, status: { phase: 'Bound' } });
  const lister = (...cs: PersistentVolumeClaim[]) => ({ get: (_ns: string | undefined, name: string) => cs.find((c) => c.metadata.name === name) });
  assert.equal(claimsBlockScheduling(pod, lister(bound(claim('a')))), 'persistentvolumeclaim "b" not found');
  assert.equal(claimsBlockScheduling(pod, lister(bound(claim('a')), { ...claim('b'), metadata: { name: 'b', namespace: 'ns', deletionTimestamp: '2026-01-01T00:00:00Z' } })), 'persistentvolumeclaim "b" is being deleted');
  assert.equal(claimsBlockScheduling(pod, lister(bound(claim('a')), claim('b'))), 'pod has unbound immediate PersistentVolumeClaims');
  assert.equal(claimsBlockScheduling(pod, lister(bound(claim('a')), bound(claim('b')))), undefined);
});

test('volumeMismatch: a claim that names its volume binds only one that fits, in upstream\'s words', () => {
  assert.equal(volumeMismatch(claim('a'), volume('v', '1Gi')), undefined);
  assert.equal(volumeMismatch(claim('a', { resources: { requests: { storage: '4Gi' } } }), volume('v', '1Gi')), 'requested PV is too small');
  assert.equal(volumeMismatch(claim('a', { storageClassName: 'other' }), volume('v', '1Gi', { storageClassName: 'manual' })), 'storageClassName does not match');
  assert.equal(volumeMismatch(claim('a', { volumeMode: 'Block' }), volume('v', '1Gi')), 'incompatible volumeMode');
  assert.equal(volumeMismatch(claim('a', { accessModes: ['ReadWriteMany'] }), volume('v', '1Gi')), 'incompatible accessMode');
});

test('claimsBlockScheduling: a WaitForFirstConsumer claim lets the pod be placed; a ReadWriteOncePod claim another scheduled pod uses holds it', () => {
  const pod = (name: string, claimName: string, nodeName?: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', uid: `uid-${name}` }, spec: { ...(nodeName ? { nodeName } : {}), containers: [], volumes: [{ name: 'd', persistentVolumeClaim: { claimName } }] } });
  const wffc: StorageClass = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'late' }, provisioner: CLAIM_DIRECTORY_PROVISIONER, volumeBindingMode: 'WaitForFirstConsumer' };
  const classes = { get: (_ns: string | undefined, name: string) => (name === 'late' ? wffc : undefined) };
  const late = claim('late-claim', { storageClassName: 'late' });
  const lister = (...cs: PersistentVolumeClaim[]) => ({ get: (_ns: string | undefined, name: string) => cs.find((c) => c.metadata.name === name) });
  assert.equal(waitsForFirstConsumer(late, classes), true);
  assert.equal(claimsBlockScheduling(pod('p', 'late-claim'), lister(late), { waitsForConsumer: (c) => waitsForFirstConsumer(c, classes) }), undefined);
  assert.equal(claimsBlockScheduling(pod('p', 'late-claim'), lister(late)), 'pod has unbound immediate PersistentVolumeClaims');
  const once = { ...claim('once', { accessModes: ['ReadWriteOncePod'] }), spec: { accessModes: ['ReadWriteOncePod' as const], volumeName: 'v' }, status: { phase: 'Bound' as const } };
  const holder = pod('first', 'once', 'node-1');
  assert.equal(claimsBlockScheduling(pod('second', 'once'), lister(once), { users: () => [holder] }), 'node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode');
  assert.equal(claimsBlockScheduling(pod('second', 'once'), lister(once), { users: () => [pod('other', 'once')] }), undefined, 'an unscheduled user holds nothing');
});

test('the binder: a volume deleted while bound is Released and goes once its claim does; a claim made while no class was default gets the default that comes; a claim that names a volume too small waits, with VolumeMismatch', async () => {
  const claimsDir = mkdtempSync(path.join(tmpdir(), 'podnet-claims-'));
  try {
    const events = new FakeEventRecorder();
    const client = await startController(stops, (informers, c) => new PersistentVolumeController(informers, c, events, claimsDir));
    await client.create<PersistentVolume>({ ...volume('small', '1Gi', { storageClassName: '' }), status: undefined });
    await client.create<PersistentVolumeClaim>({ ...claim('named', { storageClassName: '', volumeName: 'small', resources: { requests: { storage: '4Gi' } } }), metadata: { name: 'named', namespace: 'default' } });
    await eventually('VolumeMismatch', async () => events.events.some((e) => e.reason === 'VolumeMismatch' && e.message === 'Cannot bind to requested volume "small": requested PV is too small'), 5_000, 20);
    assert.notEqual((await client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'named')).status?.phase, 'Bound');

    await client.create<PersistentVolumeClaim>({ ...claim('fits', { storageClassName: '', volumeName: 'small' }), metadata: { name: 'fits', namespace: 'default' } });
    await eventually('fits Bound', async () => (await client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'fits')).status?.phase === 'Bound', 5_000, 20);
    await client.delete('persistentvolumes', undefined, 'small');
    await new Promise((r) => setTimeout(r, 100));
    assert.ok((await client.get<PersistentVolume>('persistentvolumes', undefined, 'small')).metadata.deletionTimestamp, 'pv-protection holds a bound volume');
    await client.delete('persistentvolumeclaims', 'default', 'fits');
    await eventually('the volume gone with its claim', async () => (await client.list('persistentvolumes')).items.length === 0, 5_000, 20);

    // no default class yet: the claim waits without one, then gets the default made later
    const { metadata: { uid: _uid, ...meta }, ...rest } = claim('classless');
    await client.create<PersistentVolumeClaim>({ ...rest, metadata: { ...meta, namespace: 'default' } });
    await client.create<StorageClass>({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: CLAIM_DIRECTORY_PROVISIONER, reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
    const bound = await eventually('classless Bound through the default', async () => {
      const c = await client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'classless');
      return c.status?.phase === 'Bound' ? c : undefined;
    }, 5_000, 20);
    assert.equal(bound.spec.storageClassName, 'standard');
    const pv = await client.get<PersistentVolume>('persistentvolumes', undefined, bound.spec.volumeName!);
    assert.equal((statSync(pv.spec.hostPath!.path).mode & 0o777).toString(8), '777');
  } finally { rmSync(claimsDir, { recursive: true, force: true }); }
});

test('a bind cut short (the volume written, the claim not yet) finds its volume again, whatever the volume\'s phase; a terminating pod still mounts its claim, a finished or unscheduled one does not', () => {
  const bound = { ...volume('half', '5Gi', { claimRef: { namespace: 'ns', name: 'a', uid: 'uid-a' } }), status: { phase: 'Bound' as const } };
  assert.equal(matchVolume(claim('a'), [volume('free', '1Gi'), bound])?.metadata.name, 'half');
  const p = (o: Partial<Pod['metadata']>, nodeName?: string, phase = 'Running'): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ...o }, spec: { ...(nodeName ? { nodeName } : {}), containers: [] }, status: { phase: phase as 'Running' } });
  assert.equal(mountsClaim(p({ deletionTimestamp: '2026-01-01T00:00:00Z' }, 'n')), true);
  assert.equal(mountsClaim(p({}, 'n', 'Succeeded')), false);
  assert.equal(mountsClaim(p({})), false);
});
