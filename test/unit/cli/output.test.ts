import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/types.js';
import { kindSlashName, printObjects } from '../../../src/cli/printers/output.js';
import * as f from './fixtures.js';
import { lines } from './fixtures.js';

const meta = (name: string) => ({ name, namespace: 'default' });

// -o name / apply output: lower-case kind, .group unless core, /name.
const NAMES: [KubeObject, string][] = [
  [{ apiVersion: 'v1', kind: 'Pod', metadata: meta('web-1') }, 'pod/web-1'],
  [{ apiVersion: 'v1', kind: 'Service', metadata: meta('web') }, 'service/web'],
  [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('web') }, 'deployment.apps/web'],
  [{ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta('db') }, 'statefulset.apps/db'],
  [{ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta('web-abc') }, 'endpointslice.discovery.k8s.io/web-abc'],
  [{ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: meta('shop') }, 'ingress.networking.k8s.io/shop'],
  [{ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' } }, 'ingressclass.networking.k8s.io/nginx'],
  [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }, 'namespace/x'],
  [{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' } }, 'node/node-1'],
  [{ apiVersion: 'v1', kind: 'Secret', metadata: meta('x') }, 'secret/x'],
  [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('x') }, 'configmap/x'],
  // a kind podnet does not serve still names itself from its apiVersion
  [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: meta('r') }, 'httproute.gateway.networking.k8s.io/r'],
];

test('kindSlashName names objects as kubectl does', () => {
  for (const [obj, name] of NAMES) assert.equal(kindSlashName(obj), name);
  assert.equal(printObjects(NAMES.slice(0, 3).map(([o]) => o), 'name', { single: false }), lines('pod/web-1', 'service/web', 'deployment.apps/web'));
  assert.equal(printObjects([], 'name', { single: false }), '');
});

test('-o json: one named object alone, with sorted keys, 4-space indent and Go HTML escaping', () => {
  const obj: KubeObject = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { namespace: 'default', name: 'page' }, data: { 'index.html': '<b>a & b</b>' } };
  assert.equal(printObjects([obj], 'json', { single: true }), [
    '{',
    '    "apiVersion": "v1",',
    '    "data": {',
    '        "index.html": "\\u003cb\\u003ea \\u0026 b\\u003c/b\\u003e"',
    '    },',
    '    "kind": "ConfigMap",',
    '    "metadata": {',
    '        "name": "page",',
    '        "namespace": "default"',
    '    }',
    '}',
    '',
  ].join('\n'));
});

test('-o json: anything else is a v1 List', () => {
  const ns = f.namespace('shop', 45);
  assert.equal(printObjects([], 'json', { single: false }), lines(
    '{',
    '    "apiVersion": "v1",',
    '    "items": [],',
    '    "kind": "List",',
    '    "metadata": {',
    '        "resourceVersion": ""',
    '    }',
    '}',
  ));
  const parsed = JSON.parse(printObjects([ns, ns], 'json', { single: false }));
  assert.deepEqual(Object.keys(parsed), ['apiVersion', 'items', 'kind', 'metadata']);
  assert.equal(parsed.items.length, 2);
  assert.deepEqual(parsed.items[0], ns);
  // asked for one name but nothing matched: still a List, never `undefined`
  assert.equal(JSON.parse(printObjects([], 'json', { single: true })).kind, 'List');
});

test('-o yaml: go-yaml layout (sorted keys, unindented sequences, 1.1 quoting)', () => {
  const svc = f.service('web', { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] });
  svc.metadata.annotations = { note: 'yes', port: '8080', multi: 'a\nb' };
  assert.equal(printObjects([svc], 'yaml', { single: true }), lines(
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  annotations:',
    '    multi: |-',
    '      a',
    '      b',
    '    note: "yes"',
    '    port: "8080"',
    '  creationTimestamp: "2024-05-01T10:00:00Z"',
    '  name: web',
    '  namespace: default',
    '  uid: uid-web',
    'spec:',
    '  clusterIP: 10.96.0.20',
    '  clusterIPs:',
    '  - 10.96.0.20',
    '  ipFamilies:',
    '  - IPv4',
    '  ipFamilyPolicy: SingleStack',
    '  ports:',
    '  - name: http',
    '    port: 80',
    '    protocol: TCP',
    '    targetPort: 8080',
    '  selector:',
    '    app: web',
    '  sessionAffinity: None',
    '  type: ClusterIP',
  ));
  assert.equal(printObjects([f.namespace('a', 1)], 'yaml', { single: false }), lines(
    'apiVersion: v1',
    'items:',
    '- apiVersion: v1',
    '  kind: Namespace',
    '  metadata:',
    '    creationTimestamp: "2024-05-01T11:59:59Z"',
    '    labels:',
    '      kubernetes.io/metadata.name: a',
    '    name: a',
    '  spec:',
    '    finalizers:',
    '    - kubernetes',
    '  status:',
    '    phase: Active',
    'kind: List',
    'metadata:',
    '  resourceVersion: ""',
  ));
});
