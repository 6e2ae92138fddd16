import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ingress, Service } from '../../../src/api/types.js';
import { externalRecords, HOSTNAME_ANNOTATION } from '../../../src/controllers/external-dns.js';
import type { Gateway, HTTPRoute } from '../../../src/api/gateway-types.js';

const ingress = (hosts: (string | undefined)[], ip?: string): Ingress => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'default' },
  spec: { rules: hosts.map((host) => ({ ...(host ? { host } : {}), http: { paths: [] } })) },
  status: { loadBalancer: { ingress: ip ? [{ ip }] : [] } },
});

test('every Ingress host resolves to its load-balancer address; hostless rules and pending ones publish nothing', () => {
  assert.deepEqual(externalRecords([ingress(['shop.example.test', 'API.example.test.', undefined], '203.0.113.10'), ingress(['pending.example.test'])], []), {
    'api.example.test': { A: ['203.0.113.10'] },
    'shop.example.test': { A: ['203.0.113.10'] },
  });
});

test('annotated LoadBalancer Services publish their own address', () => {
  const svc: Service = {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default', annotations: { [HOSTNAME_ANNOTATION]: 'db.example.test, cache.example.test' } },
    spec: { type: 'LoadBalancer' }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.11' }] } },
  };
  const clusterIP: Service = { ...svc, spec: { type: 'ClusterIP' } };
  assert.deepEqual(externalRecords([], [svc, clusterIP]), { 'cache.example.test': { A: ['203.0.113.11'] }, 'db.example.test': { A: ['203.0.113.11'] } });
});

test('an Ingress also publishes its TLS hosts and its hostname annotation, as external-dns\'s ingress source does', () => {
  const ing = ingress(['shop.example.test'], '203.0.113.10');
  ing.spec.tls = [{ hosts: ['secure.example.test', 'shop.example.test'], secretName: 'tls' }];
  ing.metadata.annotations = { [HOSTNAME_ANNOTATION]: 'alias.example.test,  other.example.test' };
  assert.deepEqual(externalRecords([ing], []), {
    'alias.example.test': { A: ['203.0.113.10'] },
    'other.example.test': { A: ['203.0.113.10'] },
    'secure.example.test': { A: ['203.0.113.10'] },
    'shop.example.test': { A: ['203.0.113.10'] },
  });
});

test('an accepted HTTPRoute publishes its hostnames as its Gateway\'s listeners narrow them, at the Gateway\'s address', () => {
  const gw: Gateway = {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'infra' },
    spec: { gatewayClassName: 'podnet', listeners: [
      { name: 'apps', port: 80, protocol: 'HTTP', hostname: '*.apps.test', allowedRoutes: { namespaces: { from: 'All' } } },
      { name: 'any', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } },
      { name: 'admin', port: 80, protocol: 'HTTP', hostname: 'admin.test' }, // Same (the default): not for routes of namespace web
    ] },
    status: { addresses: [{ type: 'IPAddress', value: '203.0.113.10' }] },
  };
  const route = (name: string, hostnames: string[], sectionName: string | undefined, accepted: boolean): HTTPRoute => ({
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name, namespace: 'web' },
    spec: { hostnames },
    status: { parents: [{ parentRef: { name: 'gw', namespace: 'infra', ...(sectionName ? { sectionName } : {}) }, controllerName: 'podnet.dev/gateway-controller', conditions: [{ type: 'Accepted', status: accepted ? 'True' : 'False' }] }] },
  });
  assert.deepEqual(externalRecords([], [], { gateways: [gw], routes: [
    route('narrowed', ['*.shop.apps.test'], 'apps', true), // the route's own wildcard is within the listener's
    route('via-any', ['plain.test'], 'any', true),
    route('refused', ['refused.test'], undefined, false),
    route('only-admin', [], 'admin', true), // 'admin' does not admit routes of namespace web: admin.test is not theirs to publish
  ] }), {
    '*.shop.apps.test': { A: ['203.0.113.10'] },
    'plain.test': { A: ['203.0.113.10'] },
  });
});
