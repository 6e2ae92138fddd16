import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StatefulSet } from '../../../src/api/types.js';
import { planStatefulSet, REVISION_LABEL } from '../../../src/controllers/statefulset.js';
import { pod } from './fixtures.js';

function set(replicas: number, policy: 'OrderedReady' | 'Parallel' = 'OrderedReady'): StatefulSet {
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'default', uid: 'uid-db' }, spec: { replicas, serviceName: 'db', podManagementPolicy: policy, selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c' }] } } } };
}
const rev = 'db-r1';
const member = (i: number, ready: boolean, revision = rev) => pod(`db-${i}`, { ready, labels: { [REVISION_LABEL]: revision } });

test('OrderedReady creates db-0 first and waits for it', () => {
  assert.deepEqual(planStatefulSet(set(3), [], rev), [{ action: 'create', ordinal: 0 }]);
  assert.deepEqual(planStatefulSet(set(3), [member(0, false)], rev), [{ action: 'wait' }]);
  assert.deepEqual(planStatefulSet(set(3), [member(0, true)], rev), [{ action: 'create', ordinal: 1 }]);
});

test('Parallel creates every missing ordinal at once', () => {
  assert.deepEqual(planStatefulSet(set(3, 'Parallel'), [], rev).map((s) => s.action === 'create' && s.ordinal), [0, 1, 2]);
});

test('scale down removes the highest ordinal first, one at a time', () => {
  const steps = planStatefulSet(set(1), [member(0, true), member(1, true), member(2, true)], rev);
  assert.equal(steps.length, 1);
  assert.equal(steps[0]!.action === 'delete' && steps[0]!.pod.metadata.name, 'db-2');
});

test('rolling update replaces the highest ordinal of an old revision once the others are healthy', () => {
  const steps = planStatefulSet(set(2), [member(0, true, 'old'), member(1, true, 'old')], rev);
  assert.equal(steps[0]!.action === 'delete' && steps[0]!.pod.metadata.name, 'db-1');
  assert.deepEqual(planStatefulSet(set(2), [member(0, true, 'old'), member(1, true)], rev).map((s) => s.action === 'delete' && s.pod.metadata.name), ['db-0']);
});

test('steady state does nothing', () => {
  assert.deepEqual(planStatefulSet(set(2), [member(0, true), member(1, true)], rev), [{ action: 'none' }]);
});
