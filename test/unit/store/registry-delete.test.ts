// DELETE's cascade options as the registry applies them (upstream
// DeleteOptions, deletionFinalizersForGarbageCollection): which finalizers
// the object keeps and whether it is removed or only marked.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeleteRequest } from '../../../src/apiserver/registry.js';
import { deletionFinalizers } from '../../../src/api/deletion.js';
import { isApiError } from '../../../src/errors.js';
import type { KubeObject } from '../../../src/api/types.js';
import { info, setup as setupStore } from './registry-fixture.js';

const setup = () => setupStore().registry;

const configMap = (finalizers?: string[]): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', ...(finalizers ? { finalizers } : {}) } });
const boundPod = (): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { nodeName: 'node-1', terminationGracePeriodSeconds: 10, containers: [{ name: 'c', image: 'podnet/echo' }] } });

/** Each row: the object, the DELETEs in order, then whether it is gone, or its finalizers and grace. */
const rows: { name: string; obj: KubeObject; deletes: DeleteRequest[]; removed: boolean; finalizers?: string[]; grace?: number }[] = [
  { name: 'no options: Background, removed at once', obj: configMap(), deletes: [{}], removed: true },
  { name: 'Background: removed at once', obj: configMap(), deletes: [{ propagationPolicy: 'Background' }], removed: true },
  { name: 'Orphan: kept with the orphan finalizer', obj: configMap(), deletes: [{ propagationPolicy: 'Orphan' }], removed: false, finalizers: ['orphan'], grace: 0 },
  { name: 'orphanDependents=true is Orphan', obj: configMap(), deletes: [{ orphanDependents: true }], removed: false, finalizers: ['orphan'], grace: 0 },
  { name: 'orphanDependents=false is Background', obj: configMap(), deletes: [{ orphanDependents: false }], removed: true },
  { name: 'Foreground: kept with the foregroundDeletion finalizer', obj: configMap(), deletes: [{ propagationPolicy: 'Foreground' }], removed: false, finalizers: ['foregroundDeletion'], grace: 0 },
  { name: 'a user finalizer stays ahead of the cascade one', obj: configMap(['example.com/x']), deletes: [{ propagationPolicy: 'Foreground' }], removed: false, finalizers: ['example.com/x', 'foregroundDeletion'] },
  { name: 'a second DELETE without a policy keeps Foreground', obj: configMap(), deletes: [{ propagationPolicy: 'Foreground' }, {}], removed: false, finalizers: ['foregroundDeletion'] },
  { name: 'a second DELETE with Orphan switches from Foreground', obj: configMap(), deletes: [{ propagationPolicy: 'Foreground' }, { propagationPolicy: 'Orphan' }], removed: false, finalizers: ['orphan'] },
  { name: 'a second DELETE with Background drops the cascade finalizer and removes it', obj: configMap(), deletes: [{ propagationPolicy: 'Orphan' }, { propagationPolicy: 'Background' }], removed: true },
  { name: 'a scheduled pod with Orphan: grace period and finalizer', obj: boundPod(), deletes: [{ propagationPolicy: 'Orphan' }], removed: false, finalizers: ['orphan'], grace: 10 },
  { name: 'the kubelet\'s grace-0 DELETE of an Orphan pod leaves the finalizer to the collector', obj: boundPod(), deletes: [{ propagationPolicy: 'Orphan' }, { gracePeriodSeconds: 0 }], removed: false, finalizers: ['orphan'], grace: 0 },
];

for (const row of rows) {
  test(`delete: ${row.name}`, () => {
    const registry = setup();
    const r = info(row.obj.kind === 'Pod' ? 'pods' : 'configmaps');
    registry.create(r, 'default', row.obj);
    let last;
    for (const d of row.deletes) last = registry.delete(r, 'default', row.obj.metadata.name!, d);
    assert.equal(last!.removed, row.removed);
    if (row.removed) {
      assert.throws(() => registry.get(r, 'default', row.obj.metadata.name!), (e) => isApiError(e, 'NotFound'));
      return;
    }
    const m = registry.get(r, 'default', row.obj.metadata.name!).object.metadata;
    assert.ok(m.deletionTimestamp);
    assert.deepEqual(m.finalizers, row.finalizers);
    if (row.grace !== undefined) assert.equal(m.deletionGracePeriodSeconds, row.grace);
  });
}

test('delete: removing the last cascade finalizer removes the marked object (the collector\'s last step)', () => {
  const registry = setup();
  registry.create(info('configmaps'), 'default', configMap());
  registry.delete(info('configmaps'), 'default', 'cm', { propagationPolicy: 'Foreground' });
  registry.patch(info('configmaps'), 'default', 'cm', { metadata: { finalizers: null } });
  assert.throws(() => registry.get(info('configmaps'), 'default', 'cm'), (e) => isApiError(e, 'NotFound'));
});

const invalid: [string, DeleteRequest, string][] = [
  ['an unknown policy', { propagationPolicy: 'Cascade' }, 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Cascade": supported values: "Foreground", "Background", "Orphan", "nil"'],
  ['both fields', { propagationPolicy: 'Orphan', orphanDependents: true }, 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Orphan": orphanDependents and deletionPropagation cannot be both set'],
];
for (const [name, req, message] of invalid) {
  test(`delete: ${name} is 422 and deletes nothing`, () => {
    const registry = setup();
    registry.create(info('configmaps'), 'default', configMap());
    assert.throws(() => registry.delete(info('configmaps'), 'default', 'cm', req), (e) => isApiError(e, 'Invalid') && e.message === message);
    assert.equal(registry.get(info('configmaps'), 'default', 'cm').object.metadata.deletionTimestamp, undefined);
  });
}

test('deletionFinalizers: an object\'s own cascade finalizer decides when the request names no policy', () => {
  assert.deepEqual(deletionFinalizers(undefined, undefined), []);
  assert.deepEqual(deletionFinalizers(['orphan'], undefined), ['orphan']);
  assert.deepEqual(deletionFinalizers(['a/b', 'foregroundDeletion'], undefined), ['a/b', 'foregroundDeletion']);
  assert.deepEqual(deletionFinalizers(['orphan', 'a/b'], 'Foreground'), ['a/b', 'foregroundDeletion']);
  assert.deepEqual(deletionFinalizers(['foregroundDeletion'], 'Background'), []);
});
