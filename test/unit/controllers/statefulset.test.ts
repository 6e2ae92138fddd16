import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StatefulSet } from '../../../src/api/types.js';
import { msUntilNextAvailable, planStatefulSet, REVISION_LABEL, statefulSetStatus } from '../../../src/controllers/statefulset.js';
import { annotationToStore, createsFromCurrentRevision, CURRENT_TEMPLATE_ANNOTATION, storedTemplate, updateRevisionOf } from '../../../src/controllers/statefulset-revision.js';
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

// ---- findings against kube-controller-manager 1.31 ----

const T0 = Date.parse('2026-01-01T00:10:00Z');
/** a Running pod Ready since `readySince` */
const readyAt = (i: number, readySince: string, revision = rev) => {
  const p = member(i, true, revision);
  p.status!.conditions = [{ type: 'Ready', status: 'True', lastTransitionTime: readySince }];
  return p;
};
const withSpec = (s: StatefulSet, spec: Partial<StatefulSet['spec']> & { ordinals?: { start: number } }): StatefulSet => ({ ...s, spec: { ...s.spec, ...spec } });

test('ordinals.start names pods from start: start 5, replicas 2 → db-5, db-6', () => {
  const s = withSpec(set(2), { ordinals: { start: 5 } });
  assert.deepEqual(planStatefulSet(s, [], rev), [{ action: 'create', ordinal: 5 }]);
  assert.deepEqual(planStatefulSet(s, [member(5, true)], rev), [{ action: 'create', ordinal: 6 }]);
  assert.deepEqual(planStatefulSet(s, [member(5, true), member(6, true)], rev), [{ action: 'none' }]);
  assert.deepEqual(planStatefulSet(withSpec(set(2, 'Parallel'), { ordinals: { start: 5 } }), [], rev).map((x) => x.action === 'create' && x.ordinal), [5, 6]);
});

test('ordinals.start moved up condemns the ordinals below it, highest first, after the new ones exist', () => {
  const s = withSpec(set(2), { ordinals: { start: 2 } });
  const pods = [member(0, true), member(1, true), member(2, true), member(3, true)];
  assert.deepEqual(planStatefulSet(s, pods, rev).map((x) => x.action === 'delete' && x.pod.metadata.name), ['db-1']);
  assert.deepEqual(planStatefulSet(s, [member(0, true), member(1, true)], rev), [{ action: 'create', ordinal: 2 }]);
});

test('OrderedReady waits for pod N to be Ready for minReadySeconds before creating N+1', () => {
  const s = withSpec(set(2), { minReadySeconds: 30 });
  assert.deepEqual(planStatefulSet(s, [readyAt(0, '2026-01-01T00:09:50Z')], rev, T0), [{ action: 'wait' }]);
  assert.deepEqual(planStatefulSet(s, [readyAt(0, '2026-01-01T00:09:30Z')], rev, T0), [{ action: 'create', ordinal: 1 }]);
  assert.equal(msUntilNextAvailable(s, [readyAt(0, '2026-01-01T00:09:50Z')], T0), 20_000);
  assert.equal(msUntilNextAvailable(set(2), [readyAt(0, '2026-01-01T00:09:50Z')], T0), undefined);
});

test('availableReplicas counts pods Ready for minReadySeconds', () => {
  const s = withSpec(set(2), { minReadySeconds: 30 });
  const r = updateRevisionOf(s);
  const st = statefulSetStatus(s, [readyAt(0, '2026-01-01T00:09:00Z', r), readyAt(1, '2026-01-01T00:09:50Z', r)], T0);
  assert.equal(st.readyReplicas, 2);
  assert.equal(st.availableReplicas, 1);
});

test('currentRevision stays at the old revision until every pod is updated, then moves', () => {
  const s = { ...set(3), status: { currentRevision: 'db-old' } };
  const r = updateRevisionOf(s);
  const mid = statefulSetStatus(s, [member(0, true, 'db-old'), member(1, true, 'db-old'), member(2, true, r)]);
  assert.deepEqual([mid.currentRevision, mid.currentReplicas, mid.updateRevision, mid.updatedReplicas], ['db-old', 2, r, 1]);
  const done = statefulSetStatus(s, [member(0, true, r), member(1, true, r), member(2, true, r)]);
  assert.deepEqual([done.currentRevision, done.currentReplicas, done.updatedReplicas], [r, 3, 3]);
});

test('OnDelete: currentReplicas counts the pods still on the old revision, currentRevision never moves by itself', () => {
  const s = { ...withSpec(set(2), { updateStrategy: { type: 'OnDelete' } }), status: { currentRevision: 'db-old' } };
  const r = updateRevisionOf(s);
  const before = statefulSetStatus(s, [member(0, true, 'db-old'), member(1, true, 'db-old')]);
  assert.deepEqual([before.currentRevision, before.currentReplicas, before.updatedReplicas], ['db-old', 2, 0]);
  const after = statefulSetStatus(s, [member(0, true, r), member(1, true, r)]);
  assert.equal(after.currentRevision, 'db-old');
});

test('a new set starts with currentRevision = updateRevision', () => {
  const st = statefulSetStatus(set(1), []);
  assert.equal(st.currentRevision, st.updateRevision);
});

test('partition: an ordinal below it is created from the current revision, the stored template', () => {
  const s = withSpec(set(3), { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } });
  assert.deepEqual([0, 1, 2].map((o) => createsFromCurrentRevision(s, o)), [true, true, false]);
  assert.deepEqual([5, 6, 7].map((o) => createsFromCurrentRevision(withSpec(s, { ordinals: { start: 5 } }), o)), [true, true, false]);
  assert.equal(createsFromCurrentRevision(withSpec(set(3), { updateStrategy: { type: 'OnDelete' } }), 0), false);
  assert.equal(createsFromCurrentRevision(set(3), 0), false);
});

test('the current revision template is stored while it is the update revision, and read back only for that revision', () => {
  const v1 = set(2);
  const r1 = updateRevisionOf(v1);
  const text = annotationToStore(v1, r1)!;
  assert.ok(text);
  const stored: StatefulSet = { ...v1, metadata: { ...v1.metadata, annotations: { [CURRENT_TEMPLATE_ANNOTATION]: text } } };
  assert.equal(annotationToStore(stored, r1), undefined, 'already stored: no write');
  // the template changes: the annotation keeps v1's template, the current revision
  const v2: StatefulSet = { ...stored, spec: { ...stored.spec, template: { ...stored.spec.template, spec: { containers: [{ name: 'c', image: 'v2' }] } } }, status: { currentRevision: r1 } };
  assert.equal(annotationToStore(v2, r1), undefined, 'mid-rollout: keep the old template');
  assert.deepEqual(storedTemplate(v2, r1), v1.spec.template);
  assert.equal(storedTemplate(v2, updateRevisionOf(v2)), undefined);
  assert.equal(storedTemplate({ ...v2, metadata: { ...v2.metadata, annotations: { [CURRENT_TEMPLATE_ANNOTATION]: '{' } } }, r1), undefined);
});

test('rolling update skips a terminating old pod instead of deleting it again (Parallel)', () => {
  const old = member(1, true, 'old');
  old.metadata.deletionTimestamp = '2026-01-01T00:01:00Z';
  assert.deepEqual(planStatefulSet(set(2, 'Parallel'), [member(0, true, 'old'), old], rev), [{ action: 'wait' }]);
});
