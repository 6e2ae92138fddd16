// Errors that once froze every Ingress change, through the whole controller
// and a real NGINX: NGINX errors that name no line could not be blamed on an
// Ingress, so the controller kept the old conf and dropped every later change.
// Each row here is something the API server accepts; NGINX must load it, or
// reject it at a line that blames the Ingress, while the others' changes load.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, Ingress } from '../../../src/api/types.js';
import { IngressController, type SyncReport } from '../../../src/ingress/controller.js';
import { FakeClient } from '../../unit/ingress/fake-client.js';
import { ingress, ingressClass, service, slice } from '../../unit/ingress/fixtures.js';
import { get, startBackend, stopBackend, TestNginx, type Backend, type EchoBody } from './harness.js';

const nginx = new TestNginx();
const backends: Backend[] = [];
const client = new FakeClient();
let controller: IngressController;
const REGEX = { 'nginx.ingress.kubernetes.io/use-regex': 'true' };
/** a valid 200-character host (labels of 59): longer than the 128-byte bucket NGINX was given */
const LONG_HOST = `${`${'x'.repeat(59)}.`.repeat(4).slice(0, 195)}.test`;

before(async () => {
  backends.push(await startBackend('echo'));
  await nginx.start();
  client.put(ingressClass('nginx', { isDefault: true }));
  client.put(service('ingress-nginx-controller', { ns: 'ingress-nginx', clusterIP: '10.96.0.100' }));
  client.put(service('echo'));
  client.put(slice('echo', ['127.0.0.1'], { port: backends[0]!.port }));
  client.put(ingress('steady', { rules: [{ host: 'steady.test', paths: [{ path: '/v1', svc: 'echo' }] }] }));
  client.put(ingress('regex', { annotations: REGEX, rules: [{ host: 're.test', paths: [{ path: '/ok', type: 'ImplementationSpecific', svc: 'echo' }] }] }));
  controller = new IngressController({ client, nginx: nginx.proc, render: nginx.options, debounceMs: 20, minReloadIntervalMs: 200, log: (m) => process.stdout.write(`# LOG ${m}\n`) });
  assert.equal((await controller.start()).result.action, 'started');
});

after(async () => {
  await controller?.stop();
  await nginx.stop();
  for (const b of backends) await stopBackend(b);
});

const port = () => nginx.options.httpPort;
const rejections = () => client.created.filter((o): o is Event => o.kind === 'Event' && (o as Event).reason === 'RejectedConfig');

/** One sync; once it returns, the old workers have stopped accepting, so every request sees its conf. */
async function sync(): Promise<SyncReport> {
  const report = await controller.sync();
  await nginx.proc.settled();
  return report;
}

async function change(name: string, fn: (ing: Ingress) => Ingress): Promise<void> {
  client.put(fn(await client.get<Ingress>('ingresses', 'default', name)));
  await new Promise((r) => setImmediate(r));
}

test('a 200-character host is served (server_names_hash_bucket_size follows it), with another change in the same sync', async () => {
  client.put(ingress('long', { rules: [{ host: LONG_HOST, paths: [{ svc: 'echo' }] }] }));
  await change('steady', (ing) => ({ ...ing, spec: { ...ing.spec, rules: [{ host: 'steady.test', http: { paths: [{ path: '/v2', pathType: 'Prefix', backend: { service: { name: 'echo', port: { number: 80 } } } }] } }] } }));
  const report = await sync();
  assert.equal(report.loaded, true, JSON.stringify(report.result));
  assert.equal((await get(port(), LONG_HOST, '/')).status, 200);
  assert.equal((await get(port(), 'steady.test', '/v2')).status, 200);
  assert.deepEqual(rejections(), []);
});

test('regex paths only PCRE knows are served by NGINX', async () => {
  const paths = ['/(?i)api', '/(?P<v>[a-z]+)/x', '/a++b', '/(?>ab)c'];
  await change('regex', (ing) => ({ ...ing, spec: { ...ing.spec, rules: [{ host: 're.test', http: { paths: paths.map((path) => ({ path, pathType: 'ImplementationSpecific' as const, backend: { service: { name: 'echo', port: { number: 80 } } } })) } }] } }));
  const report = await sync();
  assert.equal(report.loaded, true, JSON.stringify(report.result));
  assert.deepEqual(report.table.warnings, []);
  for (const req of ['/API/1', '/abc/x', '/aaab', '/abc']) {
    const r = await get(port(), 're.test', req);
    assert.equal(r.status, 200, req);
    assert.equal((JSON.parse(r.body) as EchoBody).url, req);
  }
  assert.equal((await get(port(), 're.test', '/zzz')).status, 404);
});

test('a path PCRE refuses (variable-length lookbehind) is traced to its line: that Ingress keeps its last good version, the others\' changes load', async () => {
  await change('regex', (ing) => ({ ...ing, spec: { ...ing.spec, rules: [{ host: 're.test', http: { paths: [{ path: '/(?<=a+)b', pathType: 'ImplementationSpecific', backend: { service: { name: 'echo', port: { number: 80 } } } }] } }] } }));
  await change('steady', (ing) => ({ ...ing, spec: { ...ing.spec, rules: [{ host: 'steady.test', http: { paths: [{ path: '/v3', pathType: 'Prefix', backend: { service: { name: 'echo', port: { number: 80 } } } }] } }] } }));
  const report = await sync();
  assert.equal(report.loaded, true);
  assert.deepEqual(report.rejected.map((r) => r.ingress.name), ['regex']);
  assert.match(report.rejected[0]!.error, /lookbehind assertion is not fixed length.*:\d+/s);
  assert.equal((await get(port(), 'steady.test', '/v3')).status, 200, 'the innocent change is live');
  assert.equal((await get(port(), 're.test', '/API/1')).status, 200, 'the last good version of the culprit keeps serving');
  assert.deepEqual(rejections().map((e) => e.involvedObject.name), ['regex']);
  assert.match(rejections()[0]!.message!, /its last version nginx accepted keeps serving/);
});

test('rewrite-target with an unknown variable is ignored with a warning; the route is served unrewritten', async () => {
  client.put(ingress('rw', { annotations: { 'nginx.ingress.kubernetes.io/rewrite-target': '/$nosuchvar' }, rules: [{ host: 'rw.test', paths: [{ path: '/keep', svc: 'echo' }] }] }));
  await new Promise((r) => setImmediate(r));
  const report = await sync();
  assert.equal(report.loaded, true, JSON.stringify(report.result));
  assert.deepEqual(report.table.warnings.filter((w) => w.ingress.name === 'rw').map((w) => w.reason), ['InvalidAnnotation']);
  const r = await get(port(), 'rw.test', '/keep/x');
  assert.equal(r.status, 200);
  assert.equal((JSON.parse(r.body) as EchoBody).url, '/keep/x');
});
