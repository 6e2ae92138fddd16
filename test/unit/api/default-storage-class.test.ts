// The DefaultStorageClass and StorageObjectInUseProtection admission plugins
// as rows: which class a new claim is given, which finalizer a new claim or
// volume gets; and which class a claim or volume names.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../../src/api/types.js';
import { admitStorageClass, claimStorageClass, defaultStorageClass, volumeStorageClass } from '../../../src/api/default-storage-class.js';
import { admitStorageProtection, PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from '../../../src/api/storage-protection.js';

const cls = (name: string, isDefault: 'ga' | 'beta' | 'no', created = '2026-01-01T00:00:00Z', value = 'true'): StorageClass => ({
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', provisioner: 'podnet.io/local',
  metadata: {
    name, creationTimestamp: created,
    ...(isDefault === 'ga' ? { annotations: { 'storageclass.kubernetes.io/is-default-class': value } } : {}),
    ...(isDefault === 'beta' ? { annotations: { 'storageclass.beta.kubernetes.io/is-default-class': value } } : {}),
  },
});
const claim = (spec: Partial<PersistentVolumeClaim['spec']> = {}, annotations?: Record<string, string>): PersistentVolumeClaim => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default', ...(annotations ? { annotations } : {}) },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});

const rows: [string, PersistentVolumeClaim, StorageClass[], string | undefined][] = [
  ['no class: the default one', claim(), [cls('local', 'ga'), cls('nfs', 'no')], 'local'],
  ['the beta annotation marks a default too', claim(), [cls('old-local', 'beta')], 'old-local'],
  ['only "true" marks a default', claim(), [cls('local', 'ga', undefined, 'True')], undefined],
  ['a class named: kept', claim({ storageClassName: 'nfs' }), [cls('local', 'ga')], 'nfs'],
  ['"" (no class) is a choice: left alone', claim({ storageClassName: '' }), [cls('local', 'ga')], ''],
  ['the beta class annotation is a choice too', claim({}, { 'volume.beta.kubernetes.io/storage-class': 'nfs' }), [cls('local', 'ga')], undefined],
  ['no default class: none', claim(), [cls('local', 'no')], undefined],
  ['two defaults: the newest', claim(), [cls('old', 'ga', '2026-01-01T00:00:00Z'), cls('new', 'ga', '2026-02-01T00:00:00Z')], 'new'],
  ['two defaults of the same second: the first by name', claim(), [cls('b', 'ga'), cls('a-2', 'ga'), cls('a', 'ga')], 'a'],
];

for (const [why, pvc, classes, want] of rows) {
  test(`DefaultStorageClass: ${why}`, () => {
    const before = pvc.spec.storageClassName;
    assert.equal(admitStorageClass(pvc, classes), before === undefined && want !== undefined);
    assert.equal(pvc.spec.storageClassName, want);
  });
}

test('DefaultStorageClass: a claim whose spec is no object is left for validation', () => {
  const garbage = { ...claim(), spec: 'fast' } as unknown as PersistentVolumeClaim;
  assert.equal(admitStorageClass(garbage, [cls('local', 'ga')]), false);
  assert.equal(garbage.spec as unknown, 'fast');
});

test('defaultStorageClass: undefined without classes', () => {
  assert.equal(defaultStorageClass([]), undefined);
});

test('the class of a claim or volume: the beta annotation first, then spec.storageClassName, else ""', () => {
  assert.equal(claimStorageClass(claim({ storageClassName: 'fast' }, { 'volume.beta.kubernetes.io/storage-class': 'slow' })), 'slow');
  assert.equal(claimStorageClass(claim({ storageClassName: 'fast' })), 'fast');
  assert.equal(claimStorageClass(claim()), '');
  const pv = (storageClassName?: string): PersistentVolume => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv' }, spec: { ...(storageClassName !== undefined ? { storageClassName } : {}) } });
  assert.equal(volumeStorageClass(pv('local')), 'local');
  assert.equal(volumeStorageClass(pv()), '');
});

const protectionRows: [string, KubeObject, string[] | undefined][] = [
  ['a claim gets pvc-protection', claim(), [PVC_PROTECTION_FINALIZER]],
  ['a volume gets pv-protection', { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv' } }, [PV_PROTECTION_FINALIZER]],
  ['after the finalizers it has', { ...claim(), metadata: { name: 'data', finalizers: ['example.com/backup'] } }, ['example.com/backup', PVC_PROTECTION_FINALIZER]],
  ['once', { ...claim(), metadata: { name: 'data', finalizers: [PVC_PROTECTION_FINALIZER] } }, [PVC_PROTECTION_FINALIZER]],
  ['other kinds get none', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } }, undefined],
];

for (const [why, obj, want] of protectionRows) {
  test(`StorageObjectInUseProtection: ${why}`, () => {
    admitStorageProtection(obj);
    assert.deepEqual(obj.metadata.finalizers, want);
  });
}

test('finalizer names are upstream\'s', () => {
  assert.deepEqual([PVC_PROTECTION_FINALIZER, PV_PROTECTION_FINALIZER], ['kubernetes.io/pvc-protection', 'kubernetes.io/pv-protection']);
});
