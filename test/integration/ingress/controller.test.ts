// The whole controller against a real NGINX: informers (over an in-memory
// Client) → route table → conf → nginx; an EndpointSlice change reaches the
// data path through the debounced reload, and Ingress status is written; a
// Gateway of our class and its HTTPRoute are served from the same NGINX and
// get their statuses.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Ingress } from '../../../src/api/types.js';
import type { Gateway, GatewayClass, HTTPRoute } from '../../../src/api/gateway-types.js';
import { GATEWAY_CONTROLLER_NAME } from '../../../src/config.js';
import { IngressController } from '../../../src/ingress/controller.js';
import { FakeClient } from '../../unit/ingress/fake-client.js';
import { ingress, ingressClass, service, slice } from '../../unit/ingress/fixtures.js';
import { get, startBackend, stopBackend, TestNginx, type Backend, type EchoBody } from './harness.js';

const nginx = new TestNginx();
const backends: Backend[] = [];
const client = new FakeClient();
let controller: IngressController;

before(async () => {
  backends.push(await startBackend('one'), await startBackend('two'));
  await nginx.start();
  client.put(ingressClass('nginx', { isDefault: true }));
  client.put(service('ingress-nginx-controller', { ns: 'ingress-nginx', clusterIP: '10.96.0.100' }));
  client.put(service('web'));
  client.put(slice('web', ['127.0.0.1'], { port: backends[0]!.port }));
  client.put(ingress('web', { className: null, rules: [{ host: 'web.test', paths: [{ svc: 'web' }] }] }));
  controller = new IngressController({ client, nginx: nginx.proc, render: nginx.options, debounceMs: 20, minReloadIntervalMs: 200, log: (m) => process.stdout.write(`# LOG ${m}\n`) });
});

after(async () => {
  await controller?.stop();
  await nginx.stop();
  for (const b of backends) await stopBackend(b);
});

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  let v = await fn();
  for (let i = 0; i < 200 && !ok(v); i++) { await new Promise((r) => setTimeout(r, 50)); v = await fn(); }
  return v;
}

test('serves the Ingress, writes its status, follows endpoint changes with a reload', async () => {
  const report = await controller.start();
  assert.equal(report.result.action, 'started');
  const first = await get(nginx.options.httpPort, 'web.test', '/');
  assert.equal((JSON.parse(first.body) as EchoBody).name, 'one');
  const ing = await client.get<Ingress>('ingresses', 'default', 'web');
  assert.deepEqual(ing.status?.loadBalancer?.ingress, [{ ip: '10.96.0.100' }]);
  assert.match(await readFile(nginx.proc.paths.conf, 'utf8'), /server_name web\.test;/);

  client.put(slice('web', ['127.0.0.1'], { port: backends[1]!.port }));
  const moved = await eventually(() => get(nginx.options.httpPort, 'web.test', '/'), (r) => r.status === 200 && (JSON.parse(r.body) as EchoBody).name === 'two');
  assert.equal((JSON.parse(moved.body) as EchoBody).name, 'two');

  client.remove('ingresses', 'default', 'web');
  const gone = await eventually(() => get(nginx.options.httpPort, 'web.test', '/'), (r) => r.status === 404);
  assert.equal(gone.status, 404);
});

test('serves an HTTPRoute of a Gateway of our class beside the Ingresses, and writes the Gateway API statuses', async () => {
  client.put(service('web2'));
  client.put(slice('web2', ['127.0.0.1'], { port: backends[0]!.port }));
  client.put({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'podnet', generation: 1 }, spec: { controllerName: GATEWAY_CONTROLLER_NAME } });
  client.put({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'theirs', generation: 1 }, spec: { controllerName: 'example.com/other' } });
  client.put({
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'default', generation: 1 },
    spec: { gatewayClassName: 'podnet', listeners: [{ name: 'http', port: nginx.options.httpPort, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }] },
  });
  const rule = (backend: string, headers?: { name: string; value: string }[]) => ({
    matches: [{ path: { type: 'PathPrefix', value: '/' }, ...(headers ? { headers: headers.map((h) => ({ type: 'Exact', ...h })) } : {}) }],
    backendRefs: [{ group: '', kind: 'Service', name: backend, port: 80, weight: 1 }],
  });
  client.put({
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'site', namespace: 'default', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }], hostnames: ['gw.test'], rules: [rule('web2', [{ name: 'x-canary', value: '1' }]), rule('web')] },
  });
  const name = (r: { body: string; status: number }) => (r.status === 200 ? (JSON.parse(r.body) as EchoBody).name : r.status);
  const plain = await eventually(() => get(nginx.options.httpPort, 'gw.test', '/'), (r) => r.status === 200);
  assert.equal(name(plain), 'two');
  assert.equal(name(await get(nginx.options.httpPort, 'gw.test', '/x', { 'X-Canary': '1' })), 'one');

  const route = await eventually(() => client.get<HTTPRoute>('httproutes', 'default', 'site'), (r) => (r.status?.parents?.length ?? 0) > 0);
  const parent = route.status!.parents![0]!;
  assert.equal(parent.controllerName, GATEWAY_CONTROLLER_NAME);
  assert.deepEqual(parent.conditions.map((c) => [c.type, c.status, c.reason]).sort(), [['Accepted', 'True', 'Accepted'], ['ResolvedRefs', 'True', 'ResolvedRefs']]);
  const gw = await client.get<Gateway>('gateways', 'default', 'gw');
  assert.deepEqual(gw.status?.addresses, [{ type: 'IPAddress', value: '10.96.0.100' }]);
  assert.equal(gw.status?.conditions?.find((c) => c.type === 'Programmed')?.status, 'True');
  assert.equal(gw.status?.listeners?.[0]?.attachedRoutes, 1);
  assert.equal((await client.get<GatewayClass>('gatewayclasses', undefined, 'podnet')).status?.conditions?.find((c) => c.type === 'Accepted')?.status, 'True');
  assert.equal((await client.get<GatewayClass>('gatewayclasses', undefined, 'theirs')).status, undefined); // another controller's class is left alone

  // A steady state writes nothing more: our own status writes cause no further ones.
  const patches = client.patches.length;
  await controller.sync();
  assert.equal(client.patches.length, patches);

  client.remove('httproutes', 'default', 'site');
  const gone = await eventually(() => get(nginx.options.httpPort, 'gw.test', '/'), (r) => r.status === 404);
  assert.equal(gone.status, 404);
});
