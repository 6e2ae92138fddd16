import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoint, EndpointSlice, Endpoints } from '../../../src/api/types.js';
import { endpointsLabels, endpointsSubsets } from '../../../src/controllers/endpoints.js';
import { mirroredSlices, shouldMirror } from '../../../src/controllers/endpointslice-mirroring.js';
import { formatEndpoints } from '../../../src/cli/printers/table.js';
import { service } from './fixtures.js';

const ep = (ip: string, conditions: Endpoint['conditions'] = { ready: true }, node = 'node-1'): Endpoint =>
  ({ addresses: [ip], conditions, nodeName: node, targetRef: { kind: 'Pod', namespace: 'default', name: `p-${ip}` } });
const slice = (endpoints: Endpoint[], ports: EndpointSlice['ports'] = [{ name: 'http', port: 8080, protocol: 'TCP' }]): EndpointSlice =>
  ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's', namespace: 'default' }, addressType: 'IPv4', endpoints, ports });

test('Endpoints from slices: ready addresses, not-ready ones apart, terminating left out, sorted, one subset per port set', () => {
  const subsets = endpointsSubsets([
    slice([ep('10.244.1.5'), ep('10.244.0.9', { ready: false, serving: false }), ep('10.244.0.3', { ready: false, serving: true, terminating: true })]),
    slice([ep('10.244.0.4')]),
    slice([ep('10.244.1.6')], [{ name: 'http', port: 9090, protocol: 'TCP' }]),
  ]);
  assert.deepEqual(subsets.map((s) => [s.addresses?.map((a) => a.ip), s.notReadyAddresses?.map((a) => a.ip), s.ports]), [
    [['10.244.0.4', '10.244.1.5'], ['10.244.0.9'], [{ name: 'http', port: 8080, protocol: 'TCP' }]],
    [['10.244.1.6'], undefined, [{ name: 'http', port: 9090, protocol: 'TCP' }]],
  ]);
  assert.deepEqual(subsets[0]!.addresses![0], { ip: '10.244.0.4', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'p-10.244.0.4' } });
  assert.deepEqual(endpointsSubsets([slice([])]), [], 'no address: no subset');
  assert.deepEqual(endpointsSubsets([slice([ep('10.244.0.9', { ready: false })])], true)[0]!.addresses!.map((a) => a.ip), ['10.244.0.9'], 'publishNotReadyAddresses');
});

test('Endpoints labels: the Service\'s, the controller\'s, headless', () => {
  const svc = service('web', { selector: { app: 'web' }, clusterIP: 'None' });
  svc.metadata.labels = { tier: 'front' };
  assert.deepEqual(endpointsLabels(svc), { tier: 'front', 'service.kubernetes.io/headless': '', 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' });
});

const endpoints = (subsets: Endpoints['subsets'], labels?: Record<string, string>): Endpoints =>
  ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'db', namespace: 'default', ...(labels ? { labels } : {}) }, ...(subsets ? { subsets } : {}) });

test('mirroring: one slice per subset, ready and not ready; only for a selectorless Service, unless skip-mirror', () => {
  const e = endpoints([
    { addresses: [{ ip: '192.0.2.10', hostname: 'db-a' }], notReadyAddresses: [{ ip: '192.0.2.11' }], ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] },
    { addresses: [], ports: [{ port: 1 }] },
  ]);
  assert.deepEqual(mirroredSlices(e), [{
    ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
    endpoints: [{ addresses: ['192.0.2.10'], conditions: { ready: true }, hostname: 'db-a' }, { addresses: ['192.0.2.11'], conditions: { ready: false } }],
  }]);
  assert.equal(shouldMirror(service('db', {}), e), true);
  assert.equal(shouldMirror(service('db', { selector: { app: 'db' } }), e), false);
  assert.equal(shouldMirror(service('db', { type: 'ExternalName', externalName: 'db.example.test' }), e), false);
  assert.equal(shouldMirror(undefined, e), false);
  assert.equal(shouldMirror(service('db', {}), endpoints(e.subsets, { 'endpointslice.kubernetes.io/skip-mirror': 'true' })), false);
});

test('kubectl\'s ENDPOINTS column', () => {
  assert.equal(formatEndpoints(endpoints(undefined)), '<none>');
  assert.equal(formatEndpoints(endpoints([{ notReadyAddresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }])), '');
  assert.equal(formatEndpoints(endpoints([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }] }])), '10.0.0.1,10.0.0.2', 'headless without ports: the IPs');
  assert.equal(formatEndpoints(endpoints([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ name: 'a', port: 80 }, { name: 'b', port: 443 }] }])), '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...');
});

test('mirroring keeps the first 1,000 addresses of a subset, ready ones first (a slice holds no more)', () => {
  const many = Array.from({ length: 1001 }, (_, i) => ({ ip: `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}` }));
  const [only] = mirroredSlices(endpoints([{ notReadyAddresses: [{ ip: '192.0.2.1' }], addresses: many, ports: [{ port: 80 }] }]));
  assert.equal(only!.endpoints.length, 1000);
  assert.ok(only!.endpoints.every((e) => e.conditions?.ready === true));
});

test('a pod whose named targetPort does not resolve is no address of the Endpoints (upstream: FindPort fails, the pod is skipped for that port)', () => {
  // the EndpointSlice controller puts such a pod in a slice with `ports: []`, as upstream's does
  const subsets = endpointsSubsets([slice([ep('10.244.0.4')]), slice([ep('10.244.0.5')], [])]);
  assert.deepEqual(subsets.map((s) => [s.addresses?.map((a) => a.ip), s.ports]), [[['10.244.0.4'], [{ name: 'http', port: 8080, protocol: 'TCP' }]]]);
  // a headless Service without ports: every slice is portless, and its addresses are the Endpoints
  assert.deepEqual(endpointsSubsets([slice([ep('10.244.0.5')], [])], false, true).map((s) => [s.addresses?.map((a) => a.ip), s.ports]), [[['10.244.0.5'], undefined]]);
});
