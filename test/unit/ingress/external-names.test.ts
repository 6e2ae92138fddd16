// ExternalName Services as Ingress backends: ingress-nginx proxies to the
// name, so the backend's endpoints are what the name resolves to.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from '../../../src/api/types.js';
import { ExternalNames } from '../../../src/ingress/external-names.js';
import { buildRouteTable, matchRoute, refreshBackends } from '../../../src/ingress/route-table.js';
import { ingress, OUR_CLASS } from './fixtures.js';

const external = (name: string, target: string, ports?: { name: string; port: number }[]): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' },
  spec: { type: 'ExternalName', externalName: target, ...(ports ? { ports } : {}) },
});

test('an ExternalName backend: the addresses of its name on the Ingress\'s port; by port name through the Service; none known yet: no address (503)', () => {
  const input = {
    ingressClasses: [OUR_CLASS],
    ingresses: [ingress('i', { rules: [{ host: 'x.test', paths: [{ path: '/a', svc: 'ext', port: 8080 }, { path: '/b', svc: 'named', port: 'http' }, { path: '/c', svc: 'unknown', port: 80 }] }] })],
    services: [external('ext', 'api.shop.svc.cluster.local.'), external('named', 'api.shop.svc.cluster.local', [{ name: 'http', port: 9090 }]), external('unknown', 'nowhere.test')],
    externalAddresses: (name: string) => (name === 'api.shop.svc.cluster.local.' || name === 'api.shop.svc.cluster.local' ? ['10.244.1.7', '10.244.0.5'] : []),
  };
  const table = buildRouteTable(input);
  assert.deepEqual(matchRoute(table, 'x.test', '/a')!.backend!.endpoints, [{ ip: '10.244.0.5', port: 8080 }, { ip: '10.244.1.7', port: 8080 }]);
  assert.deepEqual(matchRoute(table, 'x.test', '/b')!.backend!.endpoints.map((e) => e.port), [9090, 9090]);
  assert.deepEqual(matchRoute(table, 'x.test', '/c')!.backend!.endpoints, []);
  assert.deepEqual(table.warnings, []);
  // the endpoint path between tables sees new answers
  const again = refreshBackends(table.backends, input.services, [], () => ['10.244.2.9']);
  assert.deepEqual(again.find((b) => b.service === 'ext')!.endpoints, [{ ip: '10.244.2.9', port: 8080 }]);
});

test('ExternalNames: looks up the names of ExternalName Services (dotted ones as absolute), reports a change, forgets Services that went', async () => {
  let changes = 0;
  const asked: string[] = [];
  const answers: Record<string, string[]> = { 'api.shop.svc.cluster.local.': ['10.244.0.5'] };
  const names = new ExternalNames(() => { changes++; }, () => undefined, async (n) => { asked.push(n); return answers[n] ?? []; });
  await names.track([external('ext', 'API.shop.svc.cluster.local')]);
  assert.deepEqual(asked, ['api.shop.svc.cluster.local.']);
  assert.deepEqual(names.get('api.shop.svc.cluster.local.'), ['10.244.0.5']);
  assert.equal(changes, 1);
  await names.track([external('ext', 'api.shop.svc.cluster.local')]);
  assert.equal(asked.length, 1, 'a name already known is not looked up again at once');
  await names.track([]);
  assert.deepEqual(names.get('api.shop.svc.cluster.local'), []);
  names.stop();
});

test('ExternalNames: an IP address is used without a lookup; localhost and names resolving to loopback are refused (NGINX would proxy to itself)', async () => {
  const asked: string[] = [];
  const answers: Record<string, string[]> = { 'self.test.': ['127.0.0.1'] };
  const names = new ExternalNames(() => undefined, () => undefined, async (n) => { asked.push(n); return answers[n] ?? []; });
  await names.track([external('ip', '192.0.2.7'), external('lh', 'localhost'), external('self', 'self.test')]);
  assert.deepEqual(names.get('192.0.2.7'), ['192.0.2.7']);
  assert.deepEqual(names.get('localhost'), []);
  assert.deepEqual(names.get('self.test'), []);
  assert.ok(!asked.includes('192.0.2.7.'), 'no lookup for an address');
  names.stop();
});
