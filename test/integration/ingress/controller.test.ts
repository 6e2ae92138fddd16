// The whole controller against a real NGINX: informers (over an in-memory
// Client) → route table → conf → nginx; an EndpointSlice change reaches the
// data path through the debounced reload, and Ingress status is written.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Ingress } from '../../../src/api/types.js';
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
