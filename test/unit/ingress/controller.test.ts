import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, Ingress, Service } from '../../../src/api/types.js';
import { IngressController, type ConfApplier } from '../../../src/ingress/controller.js';
import type { ApplyResult } from '../../../src/ingress/nginx-process.js';
import type { SchedulerClock } from '../../../src/client/sync-scheduler.js';
import { FakeClient } from './fake-client.js';
import { ingress, ingressClass, service, slice } from './fixtures.js';

/** Timers that never fire: the tests call sync() themselves. */
const frozen: SchedulerClock = { now: () => 0, setTimeout: () => 0, clearTimeout: () => {} };

/** Records applied texts; rejects any text holding `server_name bad.test;` with an nginx-style error naming that line. */
class FakeNginx implements ConfApplier {
  texts: string[] = [];
  private current: string | undefined;
  async apply(text: string): Promise<ApplyResult> {
    const lines = text.split('\n');
    const bad = lines.findIndex((l) => l.includes('server_name bad.test;'));
    if (bad >= 0) return { action: 'rejected', error: `nginx: [emerg] invalid something in /conf/nginx.conf.next:${bad + 1}`, ms: 1 };
    if (text === this.current) return { action: 'unchanged', ms: 0 };
    const action = this.current === undefined ? 'started' : 'reloaded';
    this.current = text;
    this.texts.push(text);
    return { action, ms: 1 };
  }
}

function publishService(status?: Service['status'], type?: Service['spec']['type']): Service {
  const svc = service('ingress-nginx-controller', { ns: 'ingress-nginx', clusterIP: '10.96.0.100' });
  return { ...svc, spec: { ...svc.spec, ...(type ? { type } : {}) }, ...(status ? { status } : {}) };
}

async function withController(client: FakeClient, fn: (c: IngressController, nginx: FakeNginx) => Promise<void>) {
  const nginx = new FakeNginx();
  const c = new IngressController({
    client, nginx, clock: frozen, log: () => {},
    render: { runtimeDir: '/rt', certDir: '/rt/certs', httpPort: 80, httpsPort: 443, defaultCert: { certPath: '/d.crt', keyPath: '/d.key' } },
  });
  try {
    await fn(c, nginx);
  } finally {
    await c.stop();
  }
}

const events = (client: FakeClient) => client.created.filter((o): o is Event => o.kind === 'Event');
const settle = () => new Promise((r) => setImmediate(r));

function world(client: FakeClient) {
  client.put(ingressClass('nginx', { isDefault: true }));
  client.put(publishService());
  client.put(service('web'));
  client.put(slice('web', ['10.244.0.5']));
}

test('start: renders once after all informers synced, writes status with the publish Service address, announces Sync', async () => {
  const client = new FakeClient();
  world(client);
  client.put(ingress('shop', { rules: [{ host: 'shop.test', paths: [{ svc: 'web' }] }] }));
  client.put(ingress('elsewhere', { className: 'traefik', rules: [{ host: 'x.test', paths: [{ svc: 'web' }] }] }));
  await withController(client, async (c, nginx) => {
    const report = await c.start();
    assert.equal(report.result.action, 'started');
    assert.equal(nginx.texts.length, 1);
    assert.match(nginx.texts[0]!, /server_name shop\.test;/);
    assert.match(nginx.texts[0]!, /server 10\.244\.0\.5:8080/);
    assert.deepEqual(client.patches, [{ plural: 'ingresses', namespace: 'default', name: 'shop', patch: { status: { loadBalancer: { ingress: [{ ip: '10.96.0.100' }] } } } }]);
    assert.deepEqual(events(client).map((e) => [e.involvedObject.name, e.type, e.reason]), [['shop', 'Normal', 'Sync']]);
    // a second sync with nothing changed: no reload, no writes
    await settle();
    const again = await c.sync();
    assert.equal(again.result.action, 'unchanged');
    assert.equal(client.patches.length, 1);
    assert.equal(events(client).length, 1);
  });
});

test('a LoadBalancer publish Service: status stays empty until its address is assigned (never the ClusterIP), is withdrawn when the class changes', async () => {
  const client = new FakeClient();
  world(client);
  client.put(publishService(undefined, 'LoadBalancer'));
  client.put(ingress('shop', { rules: [{ host: 'shop.test', paths: [{ svc: 'web' }] }] }));
  await withController(client, async (c) => {
    await c.start();
    assert.equal(client.patches.length, 0, 'pending load balancer: nothing to publish, and the Ingress has no status to clear');
    client.put(publishService({ loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } }, 'LoadBalancer'));
    await settle();
    await c.sync();
    assert.deepEqual(client.patches.at(-1)!.patch, { status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } } });
    const moved = (await client.get<Ingress>('ingresses', 'default', 'shop'));
    client.put({ ...moved, spec: { ...moved.spec, ingressClassName: 'traefik' } });
    await settle();
    await c.sync();
    assert.deepEqual(client.patches.at(-1)!.patch, { status: { loadBalancer: { ingress: [] } } });
  });
});

test('conflicts become one Warning Event on the newer Ingress, not one per sync', async () => {
  const client = new FakeClient();
  world(client);
  client.put(ingress('old', { created: '2024-01-01T00:00:00Z', rules: [{ host: 'c.test', paths: [{ path: '/x', svc: 'web' }] }] }));
  client.put(ingress('new', { created: '2024-06-01T00:00:00Z', rules: [{ host: 'c.test', paths: [{ path: '/x', svc: 'web' }] }] }));
  await withController(client, async (c) => {
    await c.start();
    await settle();
    await c.sync();
    const warnings = events(client).filter((e) => e.type === 'Warning');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.involvedObject.name, 'new');
    assert.equal(warnings[0]!.reason, 'PathConflict');
    assert.equal(warnings[0]!.involvedObject.uid, 'uid-new');
  });
});

test('a rejected conf: the culprit Ingress is left out, gets a RejectedConfig Event, the rest is loaded', async () => {
  const client = new FakeClient();
  world(client);
  client.put(ingress('good', { rules: [{ host: 'good.test', paths: [{ svc: 'web' }] }] }));
  client.put(ingress('bad', { rules: [{ host: 'bad.test', paths: [{ svc: 'web' }] }] }));
  await withController(client, async (c, nginx) => {
    const report = await c.start();
    assert.equal(report.result.action, 'started');
    assert.deepEqual(report.rejected.map((r) => r.ingress.name), ['bad']);
    assert.match(nginx.texts[0]!, /server_name good\.test;/);
    assert.doesNotMatch(nginx.texts[0]!, /bad\.test/);
    const warning = events(client).find((e) => e.reason === 'RejectedConfig')!;
    assert.equal(warning.involvedObject.name, 'bad');
    assert.match(warning.message!, /invalid something/);
    assert.deepEqual(report.table.served.map((r) => r.name), ['good']);
  });
});
