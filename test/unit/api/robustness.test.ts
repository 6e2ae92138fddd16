// Garbage in never throws: every kind, with wrong types in every field the
// validators read, yields field errors (or none), never an exception.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyDefaults } from '../../../src/api/defaults.js';
import { validateObject } from '../../../src/api/validation/index.js';
import type { KubeObject } from '../../../src/api/types.js';
import { deployment, ingress, pod, service, statefulSet, type Json } from './fixtures.js';

const GARBAGE: unknown[] = [null, 'x', 42, -1, 1.5, true, [], [1, 'a', null], {}, { a: [] }];

const SAMPLES: Json[] = [
  pod({ containers: [{ name: 'a', image: 'b', ports: [{ containerPort: 80 }], readinessProbe: { httpGet: { port: 80 } }, env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] }], dnsConfig: { nameservers: ['1.1.1.1'], options: [{ name: 'x' }] } }),
  service({ sessionAffinity: 'ClientIP', clusterIP: '10.96.0.2', externalIPs: ['1.2.3.4'] }),
  deployment(),
  statefulSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } }),
  ingress({ tls: [{ hosts: ['a.b'] }], defaultBackend: { service: { name: 'a', port: { number: 1 } } } }),
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { 'tls.crt': 'MQ==' }, stringData: { 'tls.key': 'x' }, type: 'kubernetes.io/tls' },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' }, binaryData: { c: 'MQ==' } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 's' }, secrets: [{ name: 't', kind: 'Secret' }], imagePullSecrets: [{ name: 'r' }], automountServiceAccountToken: true },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', labels: { a: 'b' } } },
  { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] } },
  { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', namespace: 'default' }, involvedObject: { namespace: 'default' }, type: 'Normal' },
  { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'e' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'], nodeName: 'n', hostname: 'h' }], ports: [{ name: 'a', port: 1 }] },
  { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'i' }, spec: { controller: 'a.io/b', parameters: { kind: 'K', name: 'n', scope: 'Namespace', namespace: 'x' } } },
];

/** Every path to a leaf or container in `o`. */
function paths(o: unknown, prefix: string[] = []): string[][] {
  if (typeof o !== 'object' || o === null) return [prefix];
  const out: string[][] = prefix.length ? [prefix] : [];
  for (const [k, v] of Object.entries(o)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function setAt(o: Json, path: string[], value: unknown): void {
  let cur: Json = o;
  for (const k of path.slice(0, -1)) cur = cur[k];
  cur[path[path.length - 1]!] = value;
}

for (const sample of SAMPLES) {
  test(`robustness: ${sample.kind} with garbage anywhere`, () => {
    const ps = paths(sample).filter((p) => !(p.length === 1 && (p[0] === 'kind' || p[0] === 'apiVersion')));
    let checked = 0;
    for (const p of ps) {
      for (const g of GARBAGE) {
        const obj = structuredClone(sample);
        setAt(obj, p, structuredClone(g));
        const label = `${sample.kind} ${p.join('.')} = ${JSON.stringify(g)}`;
        let errs: unknown[] = [];
        assert.doesNotThrow(() => {
          const o = applyDefaults(obj as KubeObject);
          errs = validateObject(o).map(String);
          validateObject(o, applyDefaults(structuredClone(sample) as KubeObject)).map(String);
        }, label);
        for (const e of errs) assert.ok(!String(e).includes('internal error'), `${label}: ${String(e)}`);
        checked++;
      }
    }
    assert.ok(checked > 10);
  });
}

test('robustness: the samples themselves are valid', () => {
  for (const s of SAMPLES) assert.deepEqual(validateObject(applyDefaults(structuredClone(s) as KubeObject)).map(String), [], s.kind);
});

test('robustness: non-object input', () => {
  assert.deepEqual(validateObject(null as unknown as KubeObject).map(String), [': Invalid value: null: must be an object']);
  assert.deepEqual(validateObject({ kind: 'Pod', apiVersion: 'v1', metadata: 'x' } as unknown as KubeObject).map(String), [
    'metadata.name: Required value: name or generateName is required',
    'spec.containers: Required value',
  ]);
});
