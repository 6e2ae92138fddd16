// The Gateway API objects through the CLI and the real kubectl, on a bare API
// server (itgwobj; no nodes needed: nothing here runs a pod): a GatewayClass,
// a Gateway with HTTP and HTTPS listeners, an HTTPRoute with two rules and a
// ReferenceGrant apply with exit 0; `get` prints the CRDs' columns; the route
// reads back with the CRD's defaults; an invalid HTTPRoute and an invalid
// Gateway are refused with their field paths and nothing of them is stored;
// kubectl lists the Gateway through discovery; `delete -f` removes them all.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Gateway, HTTPRoute } from '../../../src/api/gateway-types.js';
import { withBareApiServer } from '../../support/cli.js';

const { pn, client } = withBareApiServer('itgwobj');

const OBJECTS = `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: itgwobj}
spec: {controllerName: example.net/itgwobj, description: for the test}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web}
spec:
  gatewayClassName: itgwobj
  listeners:
    - {name: http, port: 80, protocol: HTTP}
    - name: https
      port: 443
      protocol: HTTPS
      hostname: "*.example.com"
      tls: {certificateRefs: [{name: web-tls}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: web}]
  hostnames: [shop.example.com]
  rules:
    - matches: [{path: {type: Exact, value: /health}}]
      backendRefs: [{name: health, port: 8080}]
    - backendRefs: [{name: web, port: 80, weight: 9}, {name: canary, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: from-shop}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: shop}]
  to: [{group: "", kind: Service}]
`;

const BAD_ROUTE = `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bad}
spec:
  parentRefs: [{name: web}]
  rules:
    - matches: [{path: {value: api}}]
      backendRefs: [{name: web, port: 80, weight: 2000000}]
`;

const BAD_GATEWAY = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: twice}
spec:
  gatewayClassName: itgwobj
  listeners:
    - {name: http, port: 80, protocol: HTTP}
    - {name: http, port: 8080, protocol: HTTP}
`;

test('the four kinds apply, list with their columns, and read back defaulted', async () => {
  const applied = await pn(['apply', '-f', '-'], { input: OBJECTS });
  assert.equal(applied.code, 0, applied.stderr);
  assert.equal(applied.stdout, [
    'gatewayclass.gateway.networking.k8s.io/itgwobj created',
    'gateway.gateway.networking.k8s.io/web created',
    'httproute.gateway.networking.k8s.io/web created',
    'referencegrant.gateway.networking.k8s.io/from-shop created',
    '',
  ].join('\n'));

  const got = await pn(['get', 'gatewayclass,gtw,httproute,refgrant']);
  assert.equal(got.code, 0, got.stderr);
  const rows = got.stdout.split('\n').map((l) => l.trim().split(/\s{2,}/));
  assert.deepEqual(rows[0], ['NAME', 'CONTROLLER', 'ACCEPTED', 'AGE']);
  assert.deepEqual(rows[1]!.slice(0, 3), ['gatewayclass.gateway.networking.k8s.io/itgwobj', 'example.net/itgwobj', 'Unknown']);
  assert.deepEqual(rows[3], ['NAME', 'CLASS', 'ADDRESS', 'PROGRAMMED', 'AGE']);
  assert.deepEqual(rows[4]!.slice(0, 3), ['gateway.gateway.networking.k8s.io/web', 'itgwobj', 'Unknown']);
  assert.deepEqual(rows[6], ['NAME', 'HOSTNAMES', 'AGE']);
  assert.deepEqual(rows[7]!.slice(0, 2), ['httproute.gateway.networking.k8s.io/web', '["shop.example.com"]']);
  assert.deepEqual(rows[9], ['NAME', 'AGE']);
  assert.equal(rows[10]![0], 'referencegrant.gateway.networking.k8s.io/from-shop');

  const yaml = await pn(['get', 'httproute', 'web', '-o', 'yaml']);
  assert.equal(yaml.code, 0, yaml.stderr);
  assert.match(yaml.stdout, /\n {2}parentRefs:\n {2}- group: gateway\.networking\.k8s\.io\n {4}kind: Gateway\n {4}name: web\n/);
  assert.match(yaml.stdout, /\n {2}- backendRefs:\n {4}- group: ""\n {6}kind: Service\n {6}name: web\n {6}port: 80\n {6}weight: 9\n/);
  assert.match(yaml.stdout, /name: canary\n {6}port: 80\n {6}weight: 1\n {4}matches:\n {4}- path:\n {8}type: PathPrefix\n {8}value: \/\n$/);
  const gw = await client().get<Gateway>('gateways', 'default', 'web');
  assert.deepEqual(gw.spec.listeners.map((l) => [l.allowedRoutes?.namespaces?.from, l.tls?.mode]), [['Same', undefined], ['Same', 'Terminate']]);
});

test('an invalid HTTPRoute and an invalid Gateway are refused with their field paths, and nothing of them is stored', async () => {
  const route = await pn(['apply', '-f', '-'], { input: BAD_ROUTE });
  assert.equal(route.code, 1);
  assert.match(route.stderr, /spec\.rules\[0\]\.backendRefs\[0\]\.weight: Invalid value: 2000000: spec\.rules\[0\]\.backendRefs\[0\]\.weight in body should be less than or equal to 1000000/);
  assert.match(route.stderr, /spec\.rules\[0\]\.matches\[0\]\.path: Invalid value: "object": value must be an absolute path and start with '\/' when type one of \['Exact', 'PathPrefix'\]/);
  const gateway = await pn(['apply', '-f', '-'], { input: BAD_GATEWAY });
  assert.equal(gateway.code, 1);
  assert.match(gateway.stderr, /spec\.listeners\[1\]: Duplicate value: map\[string\]interface \{\}\{"name":"http"\}/);
  assert.match(gateway.stderr, /spec\.listeners: Invalid value: "array": Listener name must be unique within the Gateway/);
  const routes = (await client().list<HTTPRoute>('httproutes', 'default')).items.map((r) => r.metadata.name);
  const gateways = (await client().list<Gateway>('gateways', 'default')).items.map((g) => g.metadata.name);
  assert.deepEqual([routes, gateways], [['web'], ['web']]);
});

test('the real kubectl finds the kinds by discovery and lists the Gateway', async () => {
  const resources = await pn(['kubectl', 'api-resources', '--api-group=gateway.networking.k8s.io']);
  assert.equal(resources.code, 0, resources.stderr);
  for (const name of ['gatewayclasses', 'gateways', 'httproutes', 'referencegrants']) assert.match(resources.stdout, new RegExp(`\\n${name}\\s`));
  const got = await pn(['kubectl', 'get', 'gateways']);
  assert.equal(got.code, 0, got.stderr);
  assert.match(got.stdout, /^NAME\s+CLASS\s+ADDRESS\s+PROGRAMMED\s+AGE\nweb\s+itgwobj\s+Unknown\s+\S+\n$/);
});

test('delete -f removes them all', async () => {
  const deleted = await pn(['delete', '-f', '-'], { input: OBJECTS });
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.match(deleted.stdout, /gatewayclass\.gateway\.networking\.k8s\.io "itgwobj" deleted/);
  assert.match(deleted.stdout, /referencegrant\.gateway\.networking\.k8s\.io "from-shop" deleted/);
  const left = await pn(['get', 'gatewayclass,gtw,httproute,refgrant']);
  assert.equal(left.stdout, '');
});
