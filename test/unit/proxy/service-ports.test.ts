// Which endpoints and frontends each service port gets.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healthChecks, servicePorts } from '../../../src/proxy/service-ports.js';
import { service, slice, world } from './fixtures.js';

const ips = (eps: { ip: string; port: number }[]) => eps.map((e) => `${e.ip}:${e.port}`);

test('service ports: headless and ExternalName are skipped', () => {
  const w = world();
  const names = new Set(servicePorts(w.services, w.slices, 'node-1').map((p) => p.name));
  assert.ok(!names.has('headless'));
  assert.ok(!names.has('alias'));
  assert.ok(names.has('web'));
});

test('service ports: named targetPort resolves per slice', () => {
  const svc = service('web', '10.96.0.10', [{ name: 'http', port: 80, targetPort: 'http' }]);
  const slices = [
    slice('web', [{ name: 'http', port: 8080 }], [{ ip: '10.244.0.5' }], 'a'),
    slice('web', [{ name: 'http', port: 9090 }], [{ ip: '10.244.0.6' }], 'b'),
    slice('web', [{ name: 'other', port: 1 }], [{ ip: '10.244.0.7' }], 'c'),
  ];
  const [sp] = servicePorts([svc], slices, 'node-1');
  assert.deepEqual(ips(sp!.clusterEndpoints), ['10.244.0.5:8080', '10.244.0.6:9090']);
});

const ROWS: [string, Parameters<typeof slice>[2], string[], string[]][] = [
  ['ready only', [{ ip: '10.244.0.5' }, { ip: '10.244.0.6', ready: false }], ['10.244.0.5:80'], ['10.244.0.5:80']],
  ['terminating ignored while one is ready', [{ ip: '10.244.0.5' }, { ip: '10.244.0.6', ready: false, serving: true, terminating: true }], ['10.244.0.5:80'], ['10.244.0.5:80']],
  ['serving-terminating when none is ready', [{ ip: '10.244.0.6', ready: false, serving: true, terminating: true }, { ip: '10.244.0.7', ready: false, serving: false, terminating: true }], ['10.244.0.6:80'], ['10.244.0.6:80']],
  ['local group falls back on its own', [{ ip: '10.244.1.5', node: 'node-2' }, { ip: '10.244.0.6', ready: false, serving: true, terminating: true }], ['10.244.1.5:80'], ['10.244.0.6:80']],
  ['sorted numerically', [{ ip: '10.244.0.10' }, { ip: '10.244.0.9' }], ['10.244.0.9:80', '10.244.0.10:80'], ['10.244.0.9:80', '10.244.0.10:80']],
];
for (const [what, eps, cluster, local] of ROWS) {
  test(`service ports: endpoints, ${what}`, () => {
    const [sp] = servicePorts([service('s', '10.96.0.1', [{ port: 80 }])], [slice('s', [{ port: 80 }], eps)], 'node-1');
    assert.deepEqual(ips(sp!.clusterEndpoints), cluster);
    assert.deepEqual(ips(sp!.localEndpoints), local);
  });
}

test('service ports: LoadBalancer ingress and externalIPs are external frontends', () => {
  const svc = service('lb', '10.96.0.1', [{ port: 80, nodePort: 30000 }], { type: 'LoadBalancer', externalIPs: ['198.51.100.7'] },
    { loadBalancer: { ingress: [{ ip: '203.0.113.10' }, { hostname: 'x.example' }] } });
  const [sp] = servicePorts([svc], [], 'node-1');
  assert.deepEqual(sp!.externalAddrs, ['198.51.100.7', '203.0.113.10']);
  assert.equal(sp!.nodePort, 30000);
});

test('health checks: local ready endpoints counted per externalTrafficPolicy Local Service', () => {
  const w = world();
  assert.deepEqual(healthChecks(w.services, w.slices, 'node-1'), [
    { namespace: 'default', name: 'local-web', port: 32000, localEndpoints: 1 },
    { namespace: 'default', name: 'remote-only', port: 32001, localEndpoints: 0 },
  ]);
});
