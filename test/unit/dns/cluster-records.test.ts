import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterIndex } from '../../../src/dns/cluster-records.js';
import { slice, svc } from './fixture.js';

test('upsert and delete a Service updates name and reverse lookups', () => {
  const index = new ClusterIndex();
  index.upsertService(svc('default', 'web', { clusterIP: '10.96.0.20' }));
  assert.equal(index.service('default', 'web')?.ips[0], '10.96.0.20');
  assert.equal(index.servicesByIP('10.96.0.20').length, 1);
  assert.ok(index.namespaceExists('default'));
  index.upsertService(svc('default', 'web', { clusterIP: '10.96.0.21' }));
  assert.equal(index.servicesByIP('10.96.0.20').length, 0);
  assert.equal(index.servicesByIP('10.96.0.21').length, 1);
  index.deleteService('default', 'web');
  assert.equal(index.service('default', 'web'), undefined);
  assert.equal(index.servicesByIP('10.96.0.21').length, 0);
  assert.equal(index.namespaceExists('default'), false);
});

test('generation changes only when something DNS-visible changes', () => {
  const index = new ClusterIndex();
  const s = svc('default', 'web', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80 }] });
  index.upsertService(s);
  const g = index.generation();
  index.upsertService({ ...s, metadata: { ...s.metadata, resourceVersion: '7', annotations: { a: 'b' } } });
  assert.equal(index.generation(), g);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'default', name: 'p' }, spec: { containers: [] }, status: { podIP: '10.244.0.4', phase: 'Pending' as const } };
  index.upsertPod(pod);
  const g2 = index.generation();
  index.upsertPod({ ...pod, status: { ...pod.status, phase: 'Running' as const } });
  assert.equal(index.generation(), g2, 'a status-only pod change is invisible to DNS');
  index.upsertService(svc('default', 'web', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 81 }] }));
  assert.ok(index.generation() > g2);
});

test('endpoints merge over slices, de-duplicated, preferring ready copies', () => {
  const index = new ClusterIndex();
  index.upsertService(svc('default', 'db', { clusterIP: 'None' }));
  index.upsertEndpointSlice(slice('default', 'db', 'a', [{ addresses: ['10.244.0.5'], conditions: { ready: false } }, { addresses: ['10.244.0.6'] }]));
  index.upsertEndpointSlice(slice('default', 'db', 'b', [{ addresses: ['10.244.0.5'], conditions: { ready: true } }]));
  const eps = index.endpoints('default', 'db');
  assert.deepEqual(eps.map((e) => `${e.ip}:${e.ready}`).sort(), ['10.244.0.5:true', '10.244.0.6:true']);
  assert.equal(index.endpointsByIP('10.244.0.5').length, 2);
  index.deleteEndpointSlice('default', 'b');
  assert.deepEqual(index.endpoints('default', 'db').map((e) => `${e.ip}:${e.ready}`).sort(), ['10.244.0.5:false', '10.244.0.6:true']);
  // moving a slice to another Service
  index.upsertEndpointSlice(slice('default', 'other', 'a', [{ addresses: ['10.244.0.7'] }]));
  assert.equal(index.endpoints('default', 'db').length, 0);
  assert.equal(index.endpointsByIP('10.244.0.5').length, 0);
  assert.equal(index.endpoints('default', 'other').length, 1);
});

test('apply() routes watch events by kind', () => {
  const index = new ClusterIndex();
  index.apply('ADDED', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  index.apply('ADDED', svc('team', 'a', { clusterIP: '10.96.0.9' }));
  assert.ok(index.namespaceExists('team'));
  assert.ok(index.service('team', 'a'));
  index.apply('DELETED', svc('team', 'a', {}));
  assert.equal(index.service('team', 'a'), undefined);
  index.apply('DELETED', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  assert.equal(index.namespaceExists('team'), false);
});

test('10,000 Services and 50,000 endpoints index quickly', () => {
  const index = new ClusterIndex();
  for (let i = 0; i < 10_000; i++) {
    const ns = `ns${i % 100}`;
    index.upsertService(svc(ns, `svc${i}`, { clusterIP: `10.${96 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}` }));
    index.upsertEndpointSlice(slice(ns, `svc${i}`, `svc${i}-x`, Array.from({ length: 5 }, (_, j) => ({ addresses: [`10.244.${(i * 5 + j) >> 8 & 255}.${(i * 5 + j) & 255}`] }))));
  }
  assert.deepEqual(index.size(), { services: 10_000, endpointSlices: 10_000, endpoints: 50_000, pods: 0 });
  assert.equal(index.endpoints('ns7', 'svc7').length, 5);
});
