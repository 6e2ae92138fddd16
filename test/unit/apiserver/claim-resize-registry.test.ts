// PersistentVolumeClaimResize through the registry: a patch that grows a bound
// claim is stored when its class allows expansion and refused with a 403
// otherwise; validation's 422 comes first for a claim not bound, as upstream
// validates before its validating admission plugins run; status writes pass.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolumeClaim, StorageClass } from '../../../src/api/types.js';
import { isApiError } from '../../../src/errors.js';
import { info, setup } from '../store/registry-fixture.js';

const PVCS = info('persistentvolumeclaims');
const CLASSES = info('storageclasses');

const storageClass = (name: string, allowVolumeExpansion?: boolean): StorageClass => ({
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', provisioner: 'podnet.io/claim-directory', metadata: { name },
  ...(allowVolumeExpansion === undefined ? {} : { allowVolumeExpansion }),
});

/** A registry with both classes and a claim of `className`, bound when `bound`. */
function withClaim(className: string, bound: boolean) {
  const { registry } = setup();
  registry.create(CLASSES, undefined, storageClass('expandable', true));
  registry.create(CLASSES, undefined, storageClass('standard'));
  registry.create(PVCS, 'default', {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: className },
  } as PersistentVolumeClaim);
  if (bound) {
    registry.patch(PVCS, 'default', 'data', { spec: { volumeName: 'pvc-1' } });
    registry.patch(PVCS, 'default', 'data', { status: { phase: 'Bound', capacity: { storage: '1Gi' } } }, 'status');
  }
  return registry;
}

const grow = { spec: { resources: { requests: { storage: '2Gi' } } } };

test('a bound claim of a class with allowVolumeExpansion grows: the request is stored, the status is the controller\'s to change', () => {
  const registry = withClaim('expandable', true);
  const stored = registry.patch(PVCS, 'default', 'data', grow).object as PersistentVolumeClaim;
  assert.equal(stored.spec.resources?.requests?.['storage'], '2Gi');
  assert.deepEqual(stored.status?.capacity, { storage: '1Gi' });
});

test('a bound claim of a class without allowVolumeExpansion is refused with upstream\'s 403, and keeps its request', () => {
  const registry = withClaim('standard', true);
  assert.throws(() => registry.patch(PVCS, 'default', 'data', grow), (e) => isApiError(e, 'Forbidden') && e.httpCode === 403
    && e.message === 'persistentvolumeclaims "data" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
  assert.equal((registry.get(PVCS, 'default', 'data').object as PersistentVolumeClaim).spec.resources?.requests?.['storage'], '1Gi');
  // a dry run is refused the same way
  assert.throws(() => registry.patch(PVCS, 'default', 'data', grow, undefined, 'merge', { dryRun: true }), (e) => isApiError(e, 'Forbidden'));
});

test('a claim not bound: validation\'s 422 (its spec is fixed until bound) before the plugin\'s 403', () => {
  const registry = withClaim('expandable', false);
  assert.throws(() => registry.patch(PVCS, 'default', 'data', grow), (e) => isApiError(e, 'Invalid'));
});

test('status writes and updates that do not grow the request pass', () => {
  const registry = withClaim('standard', true);
  registry.patch(PVCS, 'default', 'data', { metadata: { labels: { app: 'db' } } });
  registry.patch(PVCS, 'default', 'data', { status: { capacity: { storage: '5Gi' } } }, 'status');
  assert.equal((registry.get(PVCS, 'default', 'data').object as PersistentVolumeClaim).metadata.labels?.['app'], 'db');
});
