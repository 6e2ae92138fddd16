// ReplicaSets through the API server's pieces, as kube-apiserver serves them:
// discovery (what `kubectl get rs` and `kubectl scale rs` resolve), the
// registry's defaults, reset status and 422 in upstream's words, Strict field
// validation's 400, the scale subresource, and the server-side Table.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from '../../../src/api/types.js';
import { isApiError } from '../../../src/errors.js';
import { discoveryDocument } from '../../../src/apiserver/discovery.js';
import { checkFields } from '../../../src/apiserver/field-validation.js';
import { scaleOf, updateScale } from '../../../src/apiserver/scale.js';
import { toTable } from '../../../src/apiserver/table.js';
import { info, NOW, setup } from '../store/registry-fixture.js';

const REPLICASETS = info('replicasets');

function replicaSet(spec: Partial<ReplicaSet['spec']> = {}, name = 'web-7d4b9c8f6'): ReplicaSet {
  const labels = { app: 'web', 'pod-template-hash': '7d4b9c8f6' };
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name },
    spec: {
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'echo', image: 'podnet/echo' }] } },
      ...spec,
    },
  };
}

type ResourceList = { resources: { name: string; kind: string; namespaced: boolean; shortNames?: string[]; categories?: string[]; group?: string; version?: string; verbs: string[] }[] };

test('discovery: replicasets in apps/v1, namespaced, short name rs, category all, with status and scale subresources', () => {
  const resources = (discoveryDocument('/apis/apps/v1') as ResourceList).resources;
  const rs = resources.find((r) => r.name === 'replicasets');
  assert.deepEqual([rs?.kind, rs?.namespaced, rs?.shortNames, rs?.categories], ['ReplicaSet', true, ['rs'], ['all']]);
  assert.ok(resources.find((r) => r.name === 'replicasets/status'));
  const scale = resources.find((r) => r.name === 'replicasets/scale');
  assert.deepEqual([scale?.group, scale?.version, scale?.kind], ['autoscaling', 'v1', 'Scale']);
  // apps lists its resources alphabetically upstream, which `kubectl get all` prints in
  assert.deepEqual(resources.filter((r) => !r.name.includes('/')).map((r) => r.name), ['daemonsets', 'deployments', 'replicasets', 'statefulsets']);
});

test('create: one replica by default, generation 1, and the status a client sent replaced by replicas 0', () => {
  const { registry } = setup();
  const sent = { ...replicaSet(), status: { replicas: 7, readyReplicas: 7 } };
  const stored = registry.create(REPLICASETS, 'default', sent).object as ReplicaSet;
  assert.equal(stored.spec.replicas, 1);
  assert.equal(stored.spec.template.spec.restartPolicy, 'Always');
  assert.equal(stored.metadata.generation, 1);
  assert.deepEqual(stored.status, { replicas: 0 });
});

test('create and update refuse an invalid set with 422 in upstream\'s words; the selector is immutable', () => {
  const { registry } = setup();
  assert.throws(() => registry.create(REPLICASETS, 'default', replicaSet({ replicas: -1, selector: { matchLabels: { app: 'api' } } })), (e: unknown) => {
    assert.ok(isApiError(e, 'Invalid'));
    assert.equal(e.message, 'ReplicaSet.apps "web-7d4b9c8f6" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, '
      + 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web", "pod-template-hash":"7d4b9c8f6"}: `selector` does not match template `labels`]');
    return true;
  });
  const stored = registry.create(REPLICASETS, 'default', replicaSet()).object as ReplicaSet;
  const update = structuredClone(stored);
  update.spec.selector = { matchLabels: { app: 'web' } };
  assert.throws(() => registry.update(REPLICASETS, 'default', stored.metadata.name!, update), {
    message: 'ReplicaSet.apps "web-7d4b9c8f6" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  });
});

test('Strict field validation refuses an unknown field with 400; the pod template is checked as a Pod\'s', () => {
  const body = replicaSet();
  (body.spec as unknown as Record<string, unknown>)['strategy'] = { type: 'Recreate' };
  (body.spec.template.spec.containers[0] as unknown as Record<string, unknown>)['imagee'] = 'x';
  assert.throws(() => checkFields('ReplicaSet', 'v1', body, { fieldValidation: 'Strict' }), (e: unknown) => {
    assert.ok(isApiError(e, 'BadRequest'));
    // in the body's order, as the decoder meets them
    assert.equal(e.message, 'ReplicaSet in version "v1" cannot be handled as a ReplicaSet: strict decoding error: unknown field "spec.template.spec.containers[0].imagee", unknown field "spec.strategy"');
    return true;
  });
  checkFields('ReplicaSet', 'v1', { ...replicaSet({ replicas: 2, minReadySeconds: 5 }), status: { replicas: 2, fullyLabeledReplicas: 2 } }, { fieldValidation: 'Strict' });
});

test('scale subresource: the Scale carries the selector, and writing it sets spec.replicas', () => {
  const { registry } = setup();
  registry.create(REPLICASETS, 'default', replicaSet({ replicas: 3 }));
  const scale = scaleOf(registry.get(REPLICASETS, 'default', 'web-7d4b9c8f6').object);
  assert.deepEqual([scale.spec.replicas, scale.status], [3, { replicas: 0, selector: 'app=web,pod-template-hash=7d4b9c8f6' }]);
  const written = updateScale(registry, REPLICASETS, 'default', 'web-7d4b9c8f6', { spec: { replicas: 0 } });
  assert.equal(written.spec.replicas, 0);
  assert.equal((registry.get(REPLICASETS, 'default', 'web-7d4b9c8f6').object as ReplicaSet).spec.replicas, 0);
});

test('server-side Table: Name, Desired, Current, Ready, Age, and -o wide\'s Containers, Images, Selector', () => {
  const created = new Date(NOW.getTime() - 5 * 60_000).toISOString();
  const rs = { ...replicaSet({ replicas: 3 }), status: { replicas: 3, readyReplicas: 2 } };
  rs.metadata = { ...rs.metadata, namespace: 'default', creationTimestamp: created };
  const t = JSON.parse(toTable(REPLICASETS, [rs], { version: 'v1', includeObject: 'None', now: NOW.getTime() })) as {
    columnDefinitions: { name: string; priority: number }[]; rows: { cells: string[] }[];
  };
  assert.deepEqual(t.columnDefinitions.map((c) => [c.name, c.priority]), [
    ['Name', 0], ['Desired', 0], ['Current', 0], ['Ready', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1],
  ]);
  assert.deepEqual(t.rows.map((r) => r.cells), [['web-7d4b9c8f6', '3', '3', '2', '5m', 'echo', 'podnet/echo', 'app=web,pod-template-hash=7d4b9c8f6']]);
});
