// The Gateway API kinds in podnet's printers: `get` with their CRDs' printer
// columns (and -o wide's DESCRIPTION), the server-side Table, and describe as
// kubectl describes a custom resource.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Gateway, GatewayClass, HTTPRoute, ReferenceGrant } from '../../../src/api/gateway-types.js';
import { resourceForName } from '../../../src/api/resources.js';
import { toTable } from '../../../src/apiserver/table.js';
import { describe } from '../../../src/cli/printers/describe.js';
import { smartLabel } from '../../../src/cli/printers/describe-gateway.js';
import { printTable } from '../../../src/cli/printers/table.js';
import { ago, event, lines, NOW } from './fixtures.js';

const V1 = 'gateway.networking.k8s.io/v1';
const pending = (type: string) => ({ type, status: 'Unknown' as const, reason: 'Pending', message: 'Waiting for controller', lastTransitionTime: '1970-01-01T00:00:00Z' });

const podnetClass: GatewayClass = {
  apiVersion: V1, kind: 'GatewayClass', metadata: { name: 'podnet', uid: 'uid-gc', creationTimestamp: ago(3600) },
  spec: { controllerName: 'podnet.dev/gateway-controller', description: 'served by NGINX' },
  status: { conditions: [{ ...pending('Accepted'), status: 'True', reason: 'Accepted' }] },
};
const waiting: GatewayClass = { ...podnetClass, metadata: { name: 'other', creationTimestamp: ago(60) }, spec: { controllerName: 'example.net/gw' }, status: { conditions: [pending('Accepted')] } };

const gateway = (name: string, address?: string): Gateway => ({
  apiVersion: V1, kind: 'Gateway', metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: ago(120) },
  spec: { gatewayClassName: 'podnet', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }] },
  status: address
    ? { addresses: [{ type: 'IPAddress', value: address }, { type: 'IPAddress', value: '10.0.0.9' }], conditions: [pending('Accepted'), { ...pending('Programmed'), status: 'True', reason: 'Programmed' }] }
    : { conditions: [pending('Accepted'), pending('Programmed')] },
});

const route = (name: string, hostnames?: string[]): HTTPRoute => ({
  apiVersion: V1, kind: 'HTTPRoute', metadata: { name, namespace: 'default', creationTimestamp: ago(30) },
  spec: {
    parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'web' }], ...(hostnames ? { hostnames } : {}),
    rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ group: '', kind: 'Service', name: 'web', port: 80, weight: 1 }] }],
  },
});

test('get gatewayclasses: NAME, CONTROLLER, ACCEPTED, AGE; -o wide adds DESCRIPTION', () => {
  assert.equal(printTable('GatewayClass', [podnetClass, waiting], { now: NOW }), lines(
    'NAME     CONTROLLER                      ACCEPTED   AGE',
    'podnet   podnet.dev/gateway-controller   True       60m',
    'other    example.net/gw                  Unknown    60s',
  ));
  assert.equal(printTable('GatewayClass', [podnetClass, waiting], { now: NOW, wide: true }), lines(
    'NAME     CONTROLLER                      ACCEPTED   AGE   DESCRIPTION',
    'podnet   podnet.dev/gateway-controller   True       60m   served by NGINX',
    'other    example.net/gw                  Unknown    60s   ',
  ));
});

test('get gateways: NAME, CLASS, ADDRESS (the first), PROGRAMMED, AGE', () => {
  assert.equal(printTable('Gateway', [gateway('web', '172.18.0.10'), gateway('new')], { now: NOW }), lines(
    'NAME   CLASS    ADDRESS       PROGRAMMED   AGE',
    'web    podnet   172.18.0.10   True         2m',
    'new    podnet                 Unknown      2m',
  ));
});

test('get httproutes: HOSTNAMES as a JSON list, empty when the route names none; get referencegrants: NAME, AGE', () => {
  assert.equal(printTable('HTTPRoute', [route('web', ['web.example.com', '*.example.org']), route('any')], { now: NOW }), lines(
    'NAME   HOSTNAMES                             AGE',
    'web    ["web.example.com","*.example.org"]   30s',
    'any                                          30s',
  ));
  const grant: ReferenceGrant = { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'allow', namespace: 'shop', creationTimestamp: ago(5) }, spec: { from: [], to: [] } };
  assert.equal(printTable('ReferenceGrant', [grant], { now: NOW }), lines('NAME    AGE', 'allow   5s'));
});

test('the server-side Table has the CRD columns\' names, DESCRIPTION at priority 1', () => {
  const table = JSON.parse(toTable(resourceForName('gc')!, [podnetClass], { version: 'v1', includeObject: 'None', now: NOW })) as {
    columnDefinitions: { name: string; priority: number }[]; rows: { cells: string[] }[];
  };
  assert.deepEqual(table.columnDefinitions.map((c) => `${c.name}:${c.priority}`), ['Name:0', 'Controller:0', 'Accepted:0', 'Age:0', 'Description:1']);
  assert.deepEqual(table.rows[0]!.cells, ['podnet', 'podnet.dev/gateway-controller', 'True', '60m', 'served by NGINX']);
  const routes = JSON.parse(toTable(resourceForName('httproutes')!, [route('web', ['a.example.com'])], { version: 'v1', includeObject: 'None', now: NOW })) as {
    columnDefinitions: { name: string }[];
  };
  assert.deepEqual(routes.columnDefinitions.map((c) => c.name), ['Name', 'Hostnames', 'Age']);
});

test('smartLabelFor: camel case becomes words, the common acronyms capitals, other keys stay as they are', () => {
  assert.equal(smartLabel('gatewayClassName'), 'Gateway Class Name');
  assert.equal(smartLabel('apiVersion'), 'API Version');
  assert.equal(smartLabel('uid'), 'UID');
  assert.equal(smartLabel('urlRewrite'), 'URL Rewrite');
  assert.equal(smartLabel('example.com/option'), 'example.com/option');
});

test('describe gateway: the header, then the object as sorted nested fields, then the events', () => {
  const text = describe(gateway('web'), [event({ kind: 'Gateway', name: 'web' }, 'Normal', 'Sync', 'synced', 30, 30, 1, 'gateway-controller')], {}, NOW);
  assert.equal(text.split('\n').slice(0, 33).join('\n'), [
    'Name:         web',
    'Namespace:    default',
    'Labels:       <none>',
    'Annotations:  <none>',
    'API Version:  gateway.networking.k8s.io/v1',
    'Kind:         Gateway',
    'Metadata:',
    '  Creation Timestamp:  2024-05-01T11:58:00Z',
    '  UID:                 uid-web',
    'Spec:',
    '  Gateway Class Name:  podnet',
    '  Listeners:',
    '    Allowed Routes:',
    '      Namespaces:',
    '        From:  Same',
    '    Name:      http',
    '    Port:      80',
    '    Protocol:  HTTP',
    'Status:',
    '  Conditions:',
    '    Last Transition Time:  1970-01-01T00:00:00Z',
    '    Message:               Waiting for controller',
    '    Reason:                Pending',
    '    Status:                Unknown',
    '    Type:                  Accepted',
    '    Last Transition Time:  1970-01-01T00:00:00Z',
    '    Message:               Waiting for controller',
    '    Reason:                Pending',
    '    Status:                Unknown',
    '    Type:                  Programmed',
    'Events:',
    '  Type    Reason  Age   From                Message',
    '  ----    ------  ----  ----                -------',
  ].join('\n'));
});

test('describe gatewayclass: a cluster-scoped object has an empty Namespace; the same describer serves every kind', () => {
  const text = describe(podnetClass, undefined, {}, NOW);
  assert.match(text, /^Name:\s+podnet\nNamespace:\s*\nLabels:/);
  assert.match(text, /\nSpec:\n {2}Controller Name:\s+podnet\.dev\/gateway-controller\n {2}Description:\s+served by NGINX\n/);
  assert.ok(!text.includes('Events:'));
  assert.match(describe(route('web', ['a.example.com']), [], {}, NOW), /\n {2}Hostnames:\n {4}a\.example\.com\n {2}Parent Refs:\n {4}Group:\s+gateway\.networking\.k8s\.io\n/);
});
