import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredSlices, endpointView, labelPairs, MAX_ENDPOINTS_PER_SLICE, resolveTargetPort } from '../../../src/controllers/endpointslice.js';
import { pod, service } from './fixtures.js';
import type { Pod } from '../../../src/api/types.js';

const app = { app: 'web' };

test('selected pods with IPs become endpoints with ready/serving/terminating', () => {
  const svc = service('web', { selector: app, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] });
  const slices = desiredSlices(svc, [
    pod('a', { labels: app, ready: true, ip: '10.244.0.2', node: 'node-1' }),
    pod('b', { labels: app, ready: false, ip: '10.244.1.2', node: 'node-2' }),
    pod('c', { labels: app, ready: true, ip: '10.244.1.3', node: 'node-2', deleting: true }),
    pod('d', { labels: app, ready: true }), // no IP yet
    pod('e', { labels: { app: 'other' }, ready: true, ip: '10.244.0.9' }),
  ]);
  assert.equal(slices.length, 1);
  assert.deepEqual(slices[0]!.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(slices[0]!.endpoints.map((e) => [e.addresses[0], e.conditions]), [
    ['10.244.0.2', { ready: true, serving: true, terminating: false }],
    ['10.244.1.2', { ready: false, serving: false, terminating: false }],
    ['10.244.1.3', { ready: false, serving: true, terminating: true }],
  ]);
  assert.equal(slices[0]!.endpoints[0]!.nodeName, 'node-1');
  assert.deepEqual(slices[0]!.endpoints[0]!.targetRef, { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' });
});

test('named targetPorts resolve per pod and split slices by resulting ports', () => {
  const svc = service('web', { selector: app, ports: [{ name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' }] });
  const p1 = pod('a', { labels: app, ready: true, ip: '10.244.0.2', ports: [{ name: 'web', containerPort: 8080 }] });
  const p2 = pod('b', { labels: app, ready: true, ip: '10.244.0.3', ports: [{ name: 'web', containerPort: 9090 }] });
  assert.equal(resolveTargetPort(svc.spec.ports![0]!, p1), 8080);
  const slices = desiredSlices(svc, [p1, p2]);
  assert.deepEqual(slices.map((s) => [s.ports[0]!.port, s.endpoints.map((e) => e.addresses[0])]), [[8080, ['10.244.0.2']], [9090, ['10.244.0.3']]]);
});

test('publishNotReadyAddresses marks every endpoint ready; hostname only under the pod\'s subdomain', () => {
  const svc = service('db', { selector: app, clusterIP: 'None', publishNotReadyAddresses: true });
  const [slice] = desiredSlices(svc, [pod('db-0', { labels: app, ip: '10.244.0.5', hostname: 'db-0', subdomain: 'db' }), pod('x', { labels: app, ip: '10.244.0.6', hostname: 'x', subdomain: 'other' })]);
  assert.deepEqual(slice!.endpoints.map((e) => [e.hostname, e.conditions?.ready]), [['db-0', true], [undefined, true]]);
});

test(`at most ${MAX_ENDPOINTS_PER_SLICE} endpoints per slice; an empty Service still has one slice`, () => {
  const svc = service('big', { selector: app });
  const pods = Array.from({ length: 250 }, (_, i) => pod(`p${String(i).padStart(3, '0')}`, { labels: app, ready: true, ip: `10.244.${Math.floor(i / 200)}.${(i % 200) + 2}` }));
  assert.deepEqual(desiredSlices(svc, pods).map((s) => s.endpoints.length), [100, 100, 50]);
  assert.deepEqual(desiredSlices(svc, []).map((s) => s.endpoints.length), [0]);
});

test('endpointView: only what the slices show wakes a Service', () => {
  const base = pod('a', { labels: app, ready: false, ip: '10.244.0.2', node: 'node-1' });
  const scheduledFalse: Pod = { ...base, status: { ...base.status, conditions: [...base.status!.conditions!, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] } };
  assert.equal(endpointView(scheduledFalse), endpointView(base), 'a scheduling condition changes no endpoint');
  for (const changed of [
    pod('a', { labels: app, ready: true, ip: '10.244.0.2', node: 'node-1' }),
    pod('a', { labels: app, ready: false, ip: '10.244.0.3', node: 'node-1' }),
    pod('a', { labels: { app: 'other' }, ready: false, ip: '10.244.0.2', node: 'node-1' }),
    pod('a', { labels: app, ready: false, ip: '10.244.0.2', node: 'node-1', deleting: true }),
    pod('a', { labels: app, ready: false, ip: '10.244.0.2', node: 'node-1', phase: 'Failed' }),
  ]) assert.notEqual(endpointView(changed), endpointView(base));
});

test('labelPairs: the index where pods and Service selectors meet', () => {
  assert.deepEqual(labelPairs('default', { app: 'web', tier: 'fe' }), ['default/app=web', 'default/tier=fe']);
  assert.deepEqual(labelPairs('default', undefined), []);
});

test('a Service nothing matches gets one placeholder slice without ports or endpoints, as upstream', () => {
  const svc = service('web', { selector: app, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] });
  assert.deepEqual(desiredSlices(svc, [pod('e', { labels: { app: 'other' }, ready: true, ip: '10.244.0.9' })]), [{ ports: [], endpoints: [] }]);
});

test('an endpoint carries the zone of its pod\'s Node (upstream podToEndpoint); none when the Node has no zone label', () => {
  const svc = service('web', { selector: app });
  const zones: Record<string, string> = { 'node-1': 'zone-a' };
  const [slice] = desiredSlices(svc, [pod('a', { labels: app, ready: true, ip: '10.244.0.2', node: 'node-1' }), pod('b', { labels: app, ready: true, ip: '10.244.0.3', node: 'node-2' })], (n) => zones[n]);
  assert.deepEqual(slice!.endpoints.map((e) => [e.targetRef!.name, e.zone]), [['a', 'zone-a'], ['b', undefined]]);
  assert.equal('zone' in slice!.endpoints[1]!, false, 'no zone key at all');
});
