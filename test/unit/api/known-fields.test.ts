// Which fields each kind's schema knows: the paths reported in upstream's
// strict-decoding form, pruning, and every example and built-in manifest
// passing clean (a field missing here would refuse a valid manifest).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { schemaOf, unknownFields } from '../../../src/api/known-fields.js';
import { readManifests } from '../../../src/cli/manifest.js';
import { RESOURCES } from '../../../src/api/resources.js';
import { systemManifests } from '../../../src/daemon/system-manifests.js';
import { pod, service, type Json } from './fixtures.js';
import { goPlusV } from '../../../src/api/validation/fields.js';
import { fieldValidationOf } from '../../../src/apiserver/field-validation.js';

const unknown = (obj: Json, prune = false) => unknownFields(schemaOf(obj.kind as string)!, obj, prune);

test('every kind podnet serves has a schema', () => {
  for (const r of RESOURCES) assert.ok(schemaOf(r.kind), r.kind);
  assert.equal(schemaOf('Lease'), undefined);
});

const deployment = (podSpec: Json, spec: Json = {}): Json => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
  spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: podSpec }, ...spec },
});

const CASES: [string, Json, string[]][] = [
  ['a clean pod', pod({ restartPolicy: 'Never', containers: [{ name: 'a', image: 'x', env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] }] }), []],
  ['top level and metadata', { ...pod(), spce: {}, metadata: { name: 'p', lables: { a: 'b' } } }, ['metadata.lables', 'spce']],
  ['a container field', pod({ containers: [{ name: 'a', image: 'x' }, { name: 'b', imagee: 'x', ports: [{ containerPort: 80, protocl: 'TCP' }] }] }),
    ['spec.containers[1].imagee', 'spec.containers[1].ports[0].protocl']],
  ['a probe handler', pod({ containers: [{ name: 'a', readinessProbe: { httpGet: { path: '/', port: 80, headers: [] }, periodSecond: 1 } }] }),
    ['spec.containers[0].readinessProbe.httpGet.headers', 'spec.containers[0].readinessProbe.periodSecond']],
  ['restartPolicy in an init container (a sidecar) is known', pod({ initContainers: [{ name: 's', image: 'x', restartPolicy: 'Always' }] }), []],
  ['a ReplicaSet: no strategy, its template a pod template', {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1' },
    spec: { replicas: 1, minReadySeconds: 0, selector: { matchLabels: { app: 'web' } }, strategy: {}, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [], restartPolcy: 'Always' } } },
    status: { replicas: 1, anything: true },
  }, ['spec.strategy', 'spec.template.spec.restartPolcy']],
  ['a pod template inside a Deployment', deployment({ containers: [{ name: 'a', image: 'x' }], nodeSelectr: {} }, { replica: 2 }),
    // in the order the document has them (the template comes first in this one)
    ['spec.template.spec.nodeSelectr', 'spec.replica']],
  ['the kubernetes.io/website sidecar example', deployment({ initContainers: [{ name: 'log', image: 'alpine', restartPolicy: 'Always', volumeMounts: [{ name: 'd', mountPath: '/d' }] }], containers: [{ name: 'a', image: 'x' }], volumes: [{ name: 'd', emptyDir: {} }] }), []],
  ['a misplaced field in a selector', deployment({ containers: [] }, { selector: { matchLabel: { app: 'web' } } }), ['spec.selector.matchLabel']],
  ['a volume source is known, its insides are not checked', pod({ volumes: [{ name: 'v', csi: { driver: 'x', anything: 1 } }, { name: 'w', secrte: {} }] }), ['spec.volumes[1].secrte']],
  ['free-form maps are not walked', { ...service({ selector: { 'any key': 'v' } }), metadata: { name: 's', labels: { x: 'y' }, annotations: { 'a/b': 'c' } } }, []],
  ['a service port', service({ ports: [{ port: 80, targetport: 8080 }] }), ['spec.ports[0].targetport']],
  ['status is taken as it comes', { ...pod(), status: { phase: 'Running', anything: { at: 'all' } } }, []],
  ['a value of the wrong type is left to validation', { ...pod(), spec: 'not an object' }, []],
  ['an Ingress backend', {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i' },
    spec: { rules: [{ host: 'a', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 's', port: { numbr: 80 } } } }] } }], tls: [{ secret: 'x' }] },
  }, ['spec.rules[0].http.paths[0].backend.service.port.numbr', 'spec.tls[0].secret']],
  ['a Secret and a ConfigMap', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', stringData: { a: 'b' }, date: {} }, ['date']],
];

for (const [name, obj, expected] of CASES) {
  test(`unknown fields: ${name}`, () => assert.deepEqual(unknown(structuredClone(obj)), expected));
}

test('pruning deletes exactly the unknown fields and keeps a frozen subtree as it is', () => {
  const obj = pod({ containers: [{ name: 'a', image: 'x', imagee: 'y' }], hostnme: 'h' });
  assert.deepEqual(unknown(obj, true), ['spec.containers[0].imagee', 'spec.hostnme']);
  assert.deepEqual(obj.spec, { containers: [{ name: 'a', image: 'x' }] });
  assert.deepEqual(unknown(obj), []);
  const frozen = Object.freeze({ name: 'a', imagee: 'y' });
  const shared = pod({ containers: [frozen] });
  assert.deepEqual(unknown(shared, true), ['spec.containers[0].imagee']);
  assert.equal(frozen.imagee, 'y');
});

test('every manifest under examples/ and the system objects `up` creates pass clean', () => {
  for (const obj of systemManifests()) assert.deepEqual(unknown(structuredClone(obj) as Json), [], `${obj.kind}/${obj.metadata.name}`);
  const examples = fileURLToPath(new URL('../../../../examples/', import.meta.url));
  const files = readdirSync(examples).filter((f) => f.endsWith('.yaml')).map((f) => path.join(examples, f));
  assert.ok(files.length >= 2);
  for (const f of files) {
    const { docs, errors } = readManifests(readFileSync(f, 'utf8'), f);
    assert.deepEqual(errors, [], f);
    for (const d of docs) assert.deepEqual(unknown(d.object as Json), [], `${f}: ${d.object.kind}/${d.object.metadata.name}`);
  }
});

test('goPlusV prints an unstructured value as Go\'s %+v (a strict patch refusal shows the patch so)', () => {
  assert.equal(goPlusV({ spec: { replicas: 2, paused: true, name: 'a b', list: ['x', 1, null], empty: {} } }),
    'map[spec:map[empty:map[] list:[x 1 <nil>] name:a b paused:true replicas:2]]');
});

test('fieldValidation directives: "" is Warn; anything else than Ignore, Warn, Strict is refused in upstream\'s words', () => {
  assert.equal(fieldValidationOf(new URLSearchParams(''), 'POST'), 'Warn');
  assert.equal(fieldValidationOf(new URLSearchParams('fieldValidation=Ignore'), 'PUT'), 'Ignore');
  assert.throws(() => fieldValidationOf(new URLSearchParams('fieldValidation=warn'), 'PATCH'),
    { message: 'PatchOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "warn": supported values: "", "Ignore", "Strict", "Warn"' });
});
