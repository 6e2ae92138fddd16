import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from '../../../src/apiserver/strategic-merge-patch.js';

const deployment = () => ({
  spec: {
    replicas: 2,
    template: { spec: { containers: [
      { name: 'app', image: 'v1', ports: [{ containerPort: 8080, name: 'http' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
      { name: 'sidecar', image: 's1' },
    ] } },
  },
  metadata: { finalizers: ['a'], labels: { x: '1' } },
});

const cases: { name: string; target: unknown; patch: unknown; want: unknown }[] = [
  {
    name: 'a ServiceAccount: secrets merge on name, imagePullSecrets are replaced whole',
    target: { metadata: { name: 'sa' }, secrets: [{ name: 'a' }, { name: 'b' }], imagePullSecrets: [{ name: 'r1' }, { name: 'r2' }] },
    patch: { secrets: [{ name: 'c' }], imagePullSecrets: [{ name: 'r3' }] },
    want: { metadata: { name: 'sa' }, secrets: [{ name: 'a' }, { name: 'b' }, { name: 'c' }], imagePullSecrets: [{ name: 'r3' }] },
  },
  {
    name: 'a container is merged by name: only its image changes, the other container and its ports stay',
    target: deployment(),
    patch: { spec: { template: { spec: { containers: [{ name: 'app', image: 'v2' }] } } } },
    want: (() => { const d = deployment(); d.spec.template.spec.containers[0]!.image = 'v2'; return d; })(),
  },
  {
    name: 'a new container is appended, env merged by name',
    target: deployment(),
    patch: { spec: { template: { spec: { containers: [{ name: 'app', env: [{ name: 'B', value: 'x' }, { name: 'C', value: '3' }] }, { name: 'new', image: 'n' }] } } } },
    want: (() => { const d = deployment(); d.spec.template.spec.containers[0]!.env = [{ name: 'A', value: '1' }, { name: 'B', value: 'x' }, { name: 'C', value: '3' }]; (d.spec.template.spec.containers as unknown[]).push({ name: 'new', image: 'n' }); return d; })(),
  },
  {
    name: '$patch: delete removes the element with that key',
    target: deployment(),
    patch: { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } },
    want: (() => { const d = deployment(); d.spec.template.spec.containers.pop(); return d; })(),
  },
  {
    name: 'a container port is merged on containerPort',
    target: deployment(),
    patch: { spec: { template: { spec: { containers: [{ name: 'app', ports: [{ containerPort: 8080, protocol: 'TCP' }, { containerPort: 9090 }] }] } } } },
    want: (() => { const d = deployment(); d.spec.template.spec.containers[0]!.ports = [{ containerPort: 8080, name: 'http', protocol: 'TCP' } as never, { containerPort: 9090 } as never]; return d; })(),
  },
  {
    name: 'a Service\'s ports merge on port',
    target: { spec: { ports: [{ port: 80, targetPort: 8080, name: 'http' }, { port: 443, name: 'https' }] } },
    patch: { spec: { ports: [{ port: 80, targetPort: 9090 }] } },
    want: { spec: { ports: [{ port: 80, targetPort: 9090, name: 'http' }, { port: 443, name: 'https' }] } },
  },
  {
    name: 'finalizers merge as a set; null removes a key',
    target: deployment(),
    patch: { metadata: { finalizers: ['b', 'a'], labels: { x: null } } },
    want: (() => { const d = deployment(); d.metadata.finalizers = ['a', 'b']; d.metadata.labels = {} as never; return d; })(),
  },
  {
    name: '$deleteFromPrimitiveList/finalizers',
    target: { metadata: { finalizers: ['a', 'b'] } },
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } },
    want: { metadata: { finalizers: ['b'] } },
  },
  {
    name: 'a list the patch empties is dropped, as Go\'s omitempty (the last ownerReference, the last finalizer)',
    target: { metadata: { finalizers: ['a'], ownerReferences: [{ uid: 'u1', name: 'web' }] } },
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'], ownerReferences: [{ uid: 'u1', $patch: 'delete' }] } },
    want: { metadata: {} },
  },
  {
    name: '$patch: replace replaces a map whole',
    target: { spec: { selector: { a: '1', b: '2' } } },
    patch: { spec: { selector: { $patch: 'replace', c: '3' } } },
    want: { spec: { selector: { c: '3' } } },
  },
  {
    name: 'an element {$patch: replace} replaces the whole list with the other elements',
    target: deployment(),
    patch: { spec: { template: { spec: { containers: [{ name: 'only', image: 'o' }, { $patch: 'replace' }] } } } },
    want: (() => { const d = deployment(); (d.spec.template.spec as { containers: unknown[] }).containers = [{ name: 'only', image: 'o' }]; return d; })(),
  },
  {
    name: 'a Namespace\'s spec.finalizers is atomic; metadata.finalizers merges as a set',
    target: { metadata: { finalizers: ['a'] }, spec: { finalizers: ['kubernetes', 'x'] } },
    patch: { metadata: { finalizers: ['b'] }, spec: { finalizers: ['kubernetes'] } },
    want: { metadata: { finalizers: ['a', 'b'] }, spec: { finalizers: ['kubernetes'] } },
  },
  {
    name: 'a list without a merge key is replaced (Ingress rules)',
    target: { spec: { rules: [{ host: 'a' }, { host: 'b' }] } },
    patch: { spec: { rules: [{ host: 'c' }] } },
    want: { spec: { rules: [{ host: 'c' }] } },
  },
  {
    name: '$setElementOrder without its list changes nothing; $retainKeys drops the keys it does not list',
    target: { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } },
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' }, '$setElementOrder/containers': [{ name: 'app' }] } },
    want: { spec: { strategy: { type: 'Recreate' } } },
  },
  {
    name: '$setElementOrder orders a merged list; an element only the server has keeps its place before the ones it preceded',
    target: { status: { conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'gate', status: 'True' }, { type: 'Ready', status: 'False' }] } },
    patch: { status: {
      conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
      '$setElementOrder/conditions': [{ type: 'Initialized' }, { type: 'Ready' }, { type: 'PodScheduled' }],
    } },
    // upstream's mergeSortedSlice(serverOnly, patch): Initialized is new, so it goes first; the gate was live before Ready
    want: { status: { conditions: [{ type: 'Initialized', status: 'True' }, { type: 'gate', status: 'True' }, { type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }] } },
  },
  {
    name: '$setElementOrder: listed elements that were live before a server-only one stay before it',
    target: { spec: { containers: [{ name: 'a' }, { name: 'b' }, { name: 'theirs' }] } },
    patch: { spec: { containers: [{ name: 'a', image: 'x' }], '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] } },
    want: { spec: { containers: [{ name: 'b' }, { name: 'a', image: 'x' }, { name: 'theirs' }] } },
  },
  {
    name: '$setElementOrder: a new element goes where the order puts it, before a server-only one that came later',
    target: { spec: { containers: [{ name: 'A', env: [{ name: 'A' }, { name: 'B' }, { name: 'S' }] }] } },
    patch: { spec: { containers: [{ name: 'A', env: [{ name: 'N' }], '$setElementOrder/env': [{ name: 'A' }, { name: 'N' }, { name: 'B' }] }] } },
    want: { spec: { containers: [{ name: 'A', env: [{ name: 'A' }, { name: 'N' }, { name: 'B' }, { name: 'S' }] }] } },
  },
  {
    name: '$setElementOrder without its list reorders the live list',
    target: { spec: { containers: [{ name: 'a' }, { name: 'b' }] } },
    patch: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] } },
    want: { spec: { containers: [{ name: 'b' }, { name: 'a' }] } },
  },
];

for (const c of cases) {
  test(`strategic merge patch: ${c.name}`, () => assert.deepEqual(applyStrategicMergePatch(c.target, c.patch), c.want));
}
