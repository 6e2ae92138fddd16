// The PersistentVolumeClaimResize admission plugin as rows: which updates of a
// claim's storage request it refuses, and in which words.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolumeClaim, StorageClass } from '../../../src/api/types.js';
import { admitClaimResize, claimResizeRefusal, RESIZE_UNBOUND, RESIZE_UNSUPPORTED } from '../../../src/api/claim-resize.js';
import { isApiError } from '../../../src/errors.js';

const cls = (name: string, allowVolumeExpansion?: boolean): StorageClass => ({
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner: 'podnet.io/claim-directory',
  ...(allowVolumeExpansion === undefined ? {} : { allowVolumeExpansion }),
});
const CLASSES = [cls('expandable', true), cls('fixed', false), cls('standard')];
const lookup = (name: string) => CLASSES.find((c) => c.metadata.name === name);

const claim = (storage: string | undefined, opts: { storageClassName?: string; phase?: 'Pending' | 'Bound'; beta?: string } = {}): PersistentVolumeClaim => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace: 'default', ...(opts.beta ? { annotations: { 'volume.beta.kubernetes.io/storage-class': opts.beta } } : {}) },
  spec: {
    accessModes: ['ReadWriteOnce'], resources: storage === undefined ? {} : { requests: { storage } }, volumeName: 'pvc-1',
    ...(opts.storageClassName === undefined ? {} : { storageClassName: opts.storageClassName }),
  },
  status: { phase: opts.phase ?? 'Bound' },
});

const bound = (storage: string | undefined, storageClassName = 'expandable') => claim(storage, { storageClassName });

const rows: [string, PersistentVolumeClaim, PersistentVolumeClaim, string | undefined][] = [
  ['growing a bound claim of a class that allows expansion', bound('2Gi'), bound('1Gi'), undefined],
  ['the same size written another way is no growth', bound('1024Mi'), bound('1Gi'), undefined],
  ['a smaller request is not this plugin\'s to refuse (validation does)', bound('512Mi'), bound('1Gi'), undefined],
  ['growing by a fraction counts', bound('1.5Gi'), bound('1Gi'), undefined],
  ['a class with allowVolumeExpansion false', bound('2Gi', 'fixed'), bound('1Gi', 'fixed'), RESIZE_UNSUPPORTED],
  ['a class that leaves allowVolumeExpansion out', bound('2Gi', 'standard'), bound('1Gi', 'standard'), RESIZE_UNSUPPORTED],
  ['a class that does not exist', bound('2Gi', 'gone'), bound('1Gi', 'gone'), RESIZE_UNSUPPORTED],
  ['a claim without a class', claim('2Gi', { storageClassName: '' }), claim('1Gi', { storageClassName: '' }), RESIZE_UNSUPPORTED],
  ['a claim whose class the same update names for the first time', bound('2Gi'), claim('1Gi'), RESIZE_UNSUPPORTED],
  ['the class named by the beta annotation counts', claim('2Gi', { beta: 'expandable' }), claim('1Gi', { beta: 'expandable' }), undefined],
  ['a claim not bound yet', claim('2Gi', { storageClassName: 'expandable', phase: 'Pending' }), claim('1Gi', { storageClassName: 'expandable', phase: 'Pending' }), RESIZE_UNBOUND],
  ['a request added where there was none grows from zero', bound('1Gi', 'fixed'), bound(undefined, 'fixed'), RESIZE_UNSUPPORTED],
];

for (const [why, pvc, old, want] of rows) {
  test(`PersistentVolumeClaimResize: ${why}`, () => {
    assert.equal(claimResizeRefusal(pvc, old, lookup), want);
  });
}

test('PersistentVolumeClaimResize: the refusal is admission.NewForbidden\'s 403 for the claim, in upstream\'s words', () => {
  assert.throws(() => admitClaimResize(bound('2Gi', 'standard'), bound('1Gi', 'standard'), lookup), (e) => {
    assert.ok(isApiError(e, 'Forbidden'));
    assert.equal(e.httpCode, 403);
    assert.equal(e.status.message, 'persistentvolumeclaims "data" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
    assert.deepEqual(e.status.details, { name: 'data', group: '', kind: 'persistentvolumeclaims' });
    return true;
  });
  assert.doesNotThrow(() => admitClaimResize(bound('2Gi'), bound('1Gi'), lookup));
});
