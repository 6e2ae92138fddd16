// PersistentVolumeClaims, PersistentVolumes and StorageClasses through the
// registry, as kube-apiserver serves them: defaults, the admission plugins
// (default class, protection finalizers), the strategies (initial status,
// the volume's phase transition time, the dropped volumeAttributesClassName),
// and deletion held by the protection finalizer until a controller removes it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../../src/api/types.js';
import { isApiError } from '../../../src/errors.js';
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from '../../../src/api/storage-protection.js';
import { ObjectStore } from '../../../src/store/store.js';
import { Registry } from '../../../src/apiserver/registry.js';
import { BUILTIN_NAMESPACES } from '../../../src/api/resources.js';
import { info, NOW, setup } from '../store/registry-fixture.js';

const PVCS = info('persistentvolumeclaims');
const PVS = info('persistentvolumes');
const CLASSES = info('storageclasses');
const STAMP = '2026-11-26T23:59:01Z'; // NOW, as the store writes times

const claim = (spec: Partial<PersistentVolumeClaim['spec']> = {}, name = 'data'): PersistentVolumeClaim => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const volume = (name = 'pv-1'): PersistentVolume => ({
  apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' }, hostPath: { path: `/srv/${name}` } },
});
const storageClass = (name: string, isDefault = false): StorageClass => ({
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', provisioner: 'podnet.io/local',
  metadata: { name, ...(isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) },
});

test('discovery names: the three kinds resolve by plural', () => {
  assert.deepEqual([PVCS, PVS, CLASSES].map((r) => [r.kind, r.group, r.namespaced]), [
    ['PersistentVolumeClaim', '', true], ['PersistentVolume', '', false], ['StorageClass', 'storage.k8s.io', false],
  ]);
});

test('a claim created without a class gets the default one, its protection finalizer, volumeMode and phase Pending', () => {
  const { registry } = setup();
  registry.create(CLASSES, undefined, storageClass('local', true));
  registry.create(CLASSES, undefined, storageClass('nfs'));
  const stored = registry.create(PVCS, 'default', claim()).object as PersistentVolumeClaim;
  assert.equal(stored.spec.storageClassName, 'local');
  assert.deepEqual(stored.metadata.finalizers, [PVC_PROTECTION_FINALIZER]);
  assert.equal(stored.spec.volumeMode, 'Filesystem');
  assert.deepEqual(stored.status, { phase: 'Pending' });
});

test('a claim with storageClassName "" keeps it: no class, whatever the default', () => {
  const { registry } = setup();
  registry.create(CLASSES, undefined, storageClass('local', true));
  assert.equal((registry.create(PVCS, 'default', claim({ storageClassName: '' })).object as PersistentVolumeClaim).spec.storageClassName, '');
});

test('without a default class a claim stays without one; a class made default later does not move it', () => {
  const { registry } = setup();
  registry.create(PVCS, 'default', claim());
  registry.create(CLASSES, undefined, storageClass('local', true));
  assert.equal((registry.get(PVCS, 'default', 'data').object as PersistentVolumeClaim).spec.storageClassName, undefined);
});

test('the status a creator sends is replaced; a volume starts Pending, stamped with the store\'s time', () => {
  const { registry } = setup();
  const sent = { ...volume(), status: { phase: 'Bound' as const } };
  const pv = registry.create(PVS, undefined, sent).object as PersistentVolume;
  assert.deepEqual(pv.status, { phase: 'Pending', lastPhaseTransitionTime: STAMP });
  assert.deepEqual(pv.metadata.finalizers, [PV_PROTECTION_FINALIZER]);
  assert.equal(pv.spec.persistentVolumeReclaimPolicy, 'Retain');
  assert.equal(pv.metadata.namespace, undefined);
});

test('a volume\'s lastPhaseTransitionTime moves with its phase, and only then', () => {
  let clock = NOW;
  const registry = new Registry(new ObjectStore({ path: ':memory:', now: () => clock }));
  registry.bootstrap(BUILTIN_NAMESPACES);
  registry.create(PVS, undefined, volume());
  const write = (status: PersistentVolume['status']) => {
    const cur = structuredClone(registry.get(PVS, undefined, 'pv-1').object) as PersistentVolume;
    return (registry.update(PVS, undefined, 'pv-1', { ...cur, status }, 'status').object as PersistentVolume).status;
  };
  clock = new Date(NOW.getTime() + 60_000);
  assert.deepEqual(write({ phase: 'Pending', message: 'waiting' }), { phase: 'Pending', message: 'waiting', lastPhaseTransitionTime: STAMP });
  assert.deepEqual(write({ phase: 'Available' }), { phase: 'Available', lastPhaseTransitionTime: '2026-11-27T00:00:01Z' });
  // a writer that sets its own time is believed
  assert.deepEqual(write({ phase: 'Bound', lastPhaseTransitionTime: '2026-11-27T01:00:00Z' }), { phase: 'Bound', lastPhaseTransitionTime: '2026-11-27T01:00:00Z' });
});

test('volumeAttributesClassName is dropped, as v1.31 does with its feature gate off', () => {
  const { registry } = setup();
  const created = structuredClone(registry.create(PVCS, 'default', claim({ storageClassName: '', volumeAttributesClassName: 'gold' })).object) as PersistentVolumeClaim;
  assert.equal('volumeAttributesClassName' in created.spec, false);
  const updated = registry.update(PVCS, 'default', 'data', { ...created, spec: { ...created.spec, volumeAttributesClassName: 'gold' } }).object as PersistentVolumeClaim;
  assert.equal('volumeAttributesClassName' in updated.spec, false);
});

test('the binder sets volumeName once; a second change is refused with upstream\'s message', () => {
  const { registry } = setup();
  registry.create(PVCS, 'default', claim({ storageClassName: '' }));
  registry.patch(PVCS, 'default', 'data', { spec: { volumeName: 'pv-1' } });
  assert.throws(() => registry.patch(PVCS, 'default', 'data', { spec: { volumeName: 'pv-2' } }), (e) => isApiError(e, 'Invalid')
    && (e as Error).message === 'PersistentVolumeClaim "data" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims');
});

test('deleting a claim only marks it while its protection finalizer is there; removing the finalizer removes it', () => {
  const { registry } = setup();
  registry.create(PVCS, 'default', claim({ storageClassName: '' }));
  const marked = registry.delete(PVCS, 'default', 'data');
  assert.equal(marked.removed, false);
  const m = registry.get(PVCS, 'default', 'data').object.metadata;
  assert.equal(m.deletionTimestamp, STAMP);
  assert.deepEqual(m.finalizers, [PVC_PROTECTION_FINALIZER]);
  // a status write cannot drop it (status strategies keep the stored metadata) ...
  const cur = structuredClone(registry.get(PVCS, 'default', 'data').object);
  registry.update(PVCS, 'default', 'data', { ...cur, metadata: { ...cur.metadata, finalizers: [] }, status: { phase: 'Pending' } } as KubeObject, 'status');
  assert.deepEqual(registry.get(PVCS, 'default', 'data').object.metadata.finalizers, [PVC_PROTECTION_FINALIZER]);
  // ... the controller's update does, and the claim goes
  registry.patch(PVCS, 'default', 'data', { metadata: { finalizers: null } });
  assert.throws(() => registry.get(PVCS, 'default', 'data'), (e) => isApiError(e, 'NotFound'));
});

test('a volume being deleted takes no new finalizer', () => {
  const { registry } = setup();
  registry.create(PVS, undefined, volume());
  registry.delete(PVS, undefined, 'pv-1');
  assert.throws(() => registry.patch(PVS, undefined, 'pv-1', { metadata: { finalizers: [PV_PROTECTION_FINALIZER, 'example.com/x'] } }), (e) => isApiError(e, 'Invalid'));
});

test('strict field validation knows the real fields and refuses others', () => {
  const { registry } = setup();
  const strict = { fieldValidation: 'Strict' as const };
  registry.create(PVCS, 'default', claim({ storageClassName: '', selector: { matchLabels: { a: 'b' } }, dataSource: { kind: 'PersistentVolumeClaim', name: 'src' } }), strict);
  registry.create(PVS, undefined, { ...volume(), spec: { ...volume().spec, claimRef: { namespace: 'default', name: 'data' }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'Exists' }] }] } } } }, strict);
  registry.create(CLASSES, undefined, { ...storageClass('local'), allowVolumeExpansion: true, mountOptions: ['noatime'], allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: ['a'] }] }] } as StorageClass, strict);
  assert.throws(() => registry.create(PVCS, 'default', claim({ storageClass: 'x' } as never, 'typo'), strict),
    (e) => isApiError(e, 'BadRequest') && (e as Error).message.endsWith('strict decoding error: unknown field "spec.storageClass"'));
  assert.throws(() => registry.create(CLASSES, undefined, { ...storageClass('typo'), reclaimpolicy: 'Retain' } as StorageClass, strict),
    (e) => isApiError(e, 'BadRequest') && (e as Error).message.endsWith('unknown field "reclaimpolicy"'));
});
