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

/**
 * Records applied texts. Rejects, with an nginx-style error naming the line,
 * any text holding `server_name bad.test;` (a server-level line) or
 * `client_max_body_size 999g;` (a line inside a location, from the
 * proxy-body-size annotation); with `globalError` set, rejects every text with
 * that error, which names no line.
 */
class FakeNginx implements ConfApplier {
  texts: string[] = [];
  /** the balancer's endpoints of every apply, accepted or not */
  endpoints: string[] = [];
  badLines = ['server_name bad.test;', 'client_max_body_size 999g;'];
  /** texts holding one of these are rejected with an error that names no line */
  untraceable: string[] = [];
  globalError: string | undefined;
  applies = 0;
  private current: string | undefined;
  async updateEndpoints(endpoints: string): Promise<boolean> {
    if (endpoints === this.endpoints.at(-1)) return false;
    this.endpoints.push(endpoints);
    return true;
  }
  async apply(text: string, _files: ReadonlyMap<string, string>, endpoints: string): Promise<ApplyResult> {
    const endpointsChanged = endpoints !== this.endpoints.at(-1);
    this.endpoints.push(endpoints);
    this.applies++;
    if (this.globalError !== undefined) return { action: 'rejected', error: this.globalError, ms: 1 };
    if (this.untraceable.some((u) => text.includes(u))) return { action: 'rejected', error: 'nginx: [emerg] could not build server_names_hash, you should increase server_names_hash_bucket_size: 128', ms: 1 };
    const lines = text.split('\n');
    const bad = lines.findIndex((l) => this.badLines.some((b) => l.includes(b)));
    if (bad >= 0) return { action: 'rejected', error: `nginx: [emerg] invalid something in /conf/nginx.conf.next:${bad + 1}`, ms: 1 };
    if (text === this.current) return { action: endpointsChanged ? 'endpoints' : 'unchanged', ms: 0 };
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
    assert.equal(nginx.endpoints[0], 'default_web_80 - 10.244.0.5,8080\n');
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

test('endpoint changes go to the balancer: the conf text stays, nothing is reloaded', async () => {
  const client = new FakeClient();
  world(client);
  client.put(ingress('shop', { rules: [{ host: 'shop.test', paths: [{ svc: 'web' }] }] }));
  await withController(client, async (c, nginx) => {
    await c.start();
    client.put(slice('web', ['10.244.0.5', '10.244.1.9']));
    await settle();
    assert.equal(await c.syncEndpoints(), true);
    assert.equal(nginx.texts.length, 1, 'no second conf');
    assert.equal(nginx.endpoints.at(-1), 'default_web_80 - 10.244.0.5,8080 10.244.1.9,8080\n');
    assert.equal(await c.syncEndpoints(), false, 'nothing new');
    client.put(slice('web', []));
    await settle();
    // a full sync finds the conf unchanged and sends the endpoints as well
    assert.equal((await c.sync()).result.action, 'endpoints');
    assert.equal(nginx.endpoints.at(-1), 'default_web_80 -\n');
    assert.equal(nginx.texts.length, 1);
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

test('a rejected conf: a culprit Ingress never accepted before is left out, gets a RejectedConfig Event, the rest is loaded', async () => {
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
    assert.match(warning.message!, /not served until it changes: no version of it was ever part of an accepted configuration/);
    assert.deepEqual(report.table.served.map((r) => r.name), ['good']);
    assert.deepEqual(client.patches.map((p) => p.name), ['good']);
  });
});

const BROKEN = { 'nginx.ingress.kubernetes.io/proxy-body-size': '999g' };
const rejections = (client: FakeClient) => events(client).filter((e) => e.reason === 'RejectedConfig');

test('two Ingresses on one host, one bad: the blame is the bad location\'s Ingress only, the other keeps serving the host', async () => {
  const client = new FakeClient();
  world(client);
  client.put(ingress('a', { rules: [{ host: 'shared.test', paths: [{ path: '/a', svc: 'web' }] }] }));
  client.put(ingress('b', { annotations: BROKEN, rules: [{ host: 'shared.test', paths: [{ path: '/b', svc: 'web' }] }] }));
  await withController(client, async (c, nginx) => {
    const report = await c.start();
    assert.equal(report.result.action, 'started');
    assert.deepEqual(report.rejected.map((r) => r.ingress.name), ['b']);
    assert.deepEqual(report.table.served.map((r) => r.name), ['a']);
    assert.match(nginx.texts[0]!, /server_name shared\.test;/);
    assert.match(nginx.texts[0]!, /location "\/a\/"/);
    assert.doesNotMatch(nginx.texts[0]!, /\/b\/|999g/);
    assert.deepEqual(rejections(client).map((e) => e.involvedObject.name), ['b']);
    assert.deepEqual(client.patches.map((p) => p.name), ['a']);
  });
});

test('a rejected change: the Ingress keeps serving its last good version and its status; the Event says so; a fix is loaded', async () => {
  const client = new FakeClient();
  world(client);
  client.put(ingress('other', { rules: [{ host: 'shop.test', paths: [{ path: '/other', svc: 'web' }] }] }));
  client.put(ingress('shop', { rules: [{ host: 'shop.test', paths: [{ path: '/v1', svc: 'web' }] }] }));
  await withController(client, async (c, nginx) => {
    await c.start();
    const patched = client.patches.length;
    const v1 = await client.get<Ingress>('ingresses', 'default', 'shop');
    client.put({ ...v1, metadata: { ...v1.metadata, annotations: BROKEN }, spec: { ...v1.spec, rules: [{ host: 'shop.test', http: { paths: [{ path: '/v2', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } });
    await settle();
    const report = await c.sync();
    assert.deepEqual(report.rejected.map((r) => r.ingress.name), ['shop']);
    assert.equal(report.loaded, true);
    assert.deepEqual(report.table.served.map((r) => r.name).sort(), ['other', 'shop']);
    // nothing changed in what is served: the rejected text was never loaded, the re-rendered one equals the running one
    assert.equal(report.result.action, 'unchanged');
    assert.equal(nginx.texts.length, 1);
    assert.match(nginx.texts[0]!, /location "\/v1\/"/);
    assert.equal(client.patches.length, patched, 'the status stays');
    const [warning, ...more] = rejections(client);
    assert.equal(more.length, 0);
    assert.equal(warning!.involvedObject.name, 'shop');
    assert.match(warning!.message!, /invalid something in \/conf\/nginx\.conf\.next:\d+/);
    assert.match(warning!.message!, /its last version nginx accepted keeps serving until it changes/);
    // steady: no new Event on the next sync
    await c.sync();
    assert.equal(rejections(client).length, 1);
    // the fix is loaded
    const v2 = await client.get<Ingress>('ingresses', 'default', 'shop');
    client.put({ ...v2, metadata: { ...v2.metadata, annotations: {} } });
    await settle();
    const fixed = await c.sync();
    assert.deepEqual(fixed.rejected, []);
    assert.equal(fixed.result.action, 'reloaded');
    assert.match(nginx.texts.at(-1)!, /location "\/v2\/"/);
    assert.doesNotMatch(nginx.texts.at(-1)!, /\/v1\//);
  });
});

test('when the last good version is rejected too, the Ingress is left out and its status withdrawn', async () => {
  const client = new FakeClient();
  world(client);
  client.put(ingress('shop', { rules: [{ host: 'shop.test', paths: [{ path: '/v1', svc: 'web' }] }] }));
  await withController(client, async (c, nginx) => {
    await c.start();
    const v1 = await client.get<Ingress>('ingresses', 'default', 'shop');
    client.put({ ...v1, metadata: { ...v1.metadata, annotations: BROKEN } });
    await settle();
    assert.deepEqual((await c.sync()).table.served.map((r) => r.name), ['shop']);
    nginx.badLines.push('location "/v1/"');
    const report = await c.sync();
    assert.deepEqual(report.table.served, []);
    assert.equal(report.result.action, 'reloaded');
    assert.doesNotMatch(nginx.texts.at(-1)!, /shop\.test/);
    assert.deepEqual(client.patches.at(-1), { plural: 'ingresses', namespace: 'default', name: 'shop', patch: { status: { loadBalancer: { ingress: [] } } } });
    assert.match(rejections(client).at(-1)!.message!, /not served until it changes: its last accepted version is rejected now too/);
  });
});

test('an error no Ingress can be blamed for: no reload, status kept, RejectedConfig on each Ingress changed since the last accepted conf', async () => {
  const client = new FakeClient();
  world(client);
  client.put(ingress('steady', { rules: [{ host: 'steady.test', paths: [{ svc: 'web' }] }] }));
  client.put(ingress('shop', { rules: [{ host: 'shop.test', paths: [{ svc: 'web' }] }] }));
  await withController(client, async (c, nginx) => {
    await c.start();
    const patched = client.patches.length;
    nginx.globalError = 'nginx: [emerg] could not build the server_names_hash';
    const shop = await client.get<Ingress>('ingresses', 'default', 'shop');
    client.put({ ...shop, spec: { ...shop.spec, rules: [{ host: 'shop2.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } });
    client.put(ingress('added', { rules: [{ host: 'added.test', paths: [{ svc: 'web' }] }] }));
    await settle();
    const applies = nginx.applies;
    const report = await c.sync();
    assert.equal(report.result.action, 'rejected');
    assert.equal(report.loaded, false);
    assert.equal(nginx.applies - applies, 2, 'tried once more with the changed Ingresses set aside, then gave up');
    assert.equal(nginx.texts.length, 1, 'the running conf stays');
    assert.equal(client.patches.length, patched, 'no status written for what is not loaded');
    assert.deepEqual(rejections(client).map((e) => e.involvedObject.name).sort(), ['added', 'shop']);
    assert.match(rejections(client)[0]!.message!, /could not be traced to the Ingresses that caused it; the configuration NGINX last accepted keeps serving.*could not build the server_names_hash/);
    assert.ok(!events(client).some((e) => e.involvedObject.name === 'added' && e.reason === 'Sync'), 'not announced: not loaded');
    // once NGINX accepts again, everything is loaded
    nginx.globalError = undefined;
    const ok = await c.sync();
    assert.equal(ok.loaded, true);
    assert.match(nginx.texts.at(-1)!, /server_name added\.test;/);
    assert.match(nginx.texts.at(-1)!, /server_name shop2\.test;/);
  });
});

test('no "Scheduled for sync" for a generation NGINX rejected; announced once a generation loads (regression)', async () => {
  const client = new FakeClient();
  world(client);
  const syncs = () => events(client).filter((e) => e.reason === 'Sync' && e.involvedObject.name === 'shop').length;
  const v1 = ingress('shop', { rules: [{ host: 'shop.test', paths: [{ path: '/v1', svc: 'web' }] }] });
  client.put({ ...v1, metadata: { ...v1.metadata, generation: 1 } });
  await withController(client, async (c) => {
    await c.start();
    assert.equal(syncs(), 1);
    const cur = await client.get<Ingress>('ingresses', 'default', 'shop');
    client.put({ ...cur, metadata: { ...cur.metadata, generation: 2, annotations: BROKEN } });
    await settle();
    const report = await c.sync();
    assert.deepEqual(report.rejected.map((r) => r.ingress.name), ['shop']);
    assert.equal(syncs(), 1, 'generation 2 was rejected: not announced');
    const bad = await client.get<Ingress>('ingresses', 'default', 'shop');
    client.put({ ...bad, metadata: { ...bad.metadata, generation: 3, annotations: {} } });
    await settle();
    assert.deepEqual((await c.sync()).rejected, []);
    assert.equal(syncs(), 2, 'generation 3 loaded: announced');
  });
});

const rule = (host: string, path: string) => ({ host, http: { paths: [{ path, pathType: 'Prefix' as const, backend: { service: { name: 'web', port: { number: 80 } } } }] } });

test('an error that names no line: the Ingresses changed since the last accepted conf fall back (new ones left out), the rest loads, later changes are not frozen (regression)', async () => {
  const client = new FakeClient();
  world(client);
  client.put(ingress('steady', { rules: [{ host: 'steady.test', paths: [{ path: '/s1', svc: 'web' }] }] }));
  client.put(ingress('shop', { rules: [{ host: 'shop.test', paths: [{ path: '/v1', svc: 'web' }] }] }));
  client.put(ingress('other', { rules: [{ host: 'other.test', paths: [{ path: '/a', svc: 'web' }] }] }));
  await withController(client, async (c, nginx) => {
    await c.start();
    nginx.untraceable = ['server_name culprit.test;'];
    const put = async (name: string, host: string, path: string) => {
      const cur = await client.get<Ingress>('ingresses', 'default', name);
      client.put({ ...cur, spec: { ...cur.spec, rules: [rule(host, path)] } });
    };
    await put('shop', 'culprit.test', '/v2');
    await put('other', 'other.test', '/b');
    client.put(ingress('added', { rules: [{ host: 'added.test', paths: [{ svc: 'web' }] }] }));
    await settle();
    const applies = nginx.applies;
    const report = await c.sync();
    assert.equal(report.loaded, true);
    assert.equal(nginx.applies - applies, 2, 'one retry');
    assert.deepEqual(report.rejected.map((r) => r.ingress.name).sort(), ['added', 'other', 'shop']);
    assert.deepEqual(report.table.served.map((r) => r.name).sort(), ['other', 'shop', 'steady']);
    const live = nginx.texts.at(-1)!;
    assert.match(live, /server_name shop\.test;/);
    assert.doesNotMatch(live, /culprit\.test|added\.test/);
    const byName = new Map(rejections(client).map((e) => [e.involvedObject.name, e.message!]));
    assert.deepEqual([...byName.keys()].sort(), ['added', 'other', 'shop'], 'steady did not change: no Warning');
    assert.match(byName.get('shop')!, /error that could not be traced to an Ingress.*changed since the last configuration nginx accepted.*could not build server_names_hash.*last version nginx accepted keeps serving until it changes/);
    assert.match(byName.get('added')!, /not served until it changes: no version of it was ever part of an accepted configuration/);
    // later changes of others load: nothing is frozen
    await put('steady', 'steady.test', '/s2');
    await settle();
    const next = await c.sync();
    assert.equal(next.loaded, true);
    assert.equal(next.result.action, 'reloaded');
    assert.match(nginx.texts.at(-1)!, /location "\/s2\/"/);
    assert.match(nginx.texts.at(-1)!, /server_name shop\.test;/);
    // changing the set-aside Ingress again tries it again
    await put('other', 'other.test', '/c');
    await settle();
    assert.deepEqual((await c.sync()).rejected, []);
    assert.match(nginx.texts.at(-1)!, /location "\/c\/"/);
  });
});

test('an error that names no line before any conf was accepted (a restarted controller) sets nothing aside: the next sync tries everything again', async () => {
  const client = new FakeClient();
  world(client);
  client.put(ingress('shop', { rules: [{ host: 'shop.test', paths: [{ svc: 'web' }] }] }));
  client.put(ingress('other', { rules: [{ host: 'other.test', paths: [{ svc: 'web' }] }] }));
  await withController(client, async (c, nginx) => {
    nginx.untraceable = ['server_name shop.test;'];
    await c.start();
    const first = await c.sync();
    assert.equal(first.loaded, false);
    assert.deepEqual(first.rejected, [], 'nothing set aside');
    // each Ingress hears that nothing loaded, not that it was set aside
    assert.ok(rejections(client).every((e) => /could not be traced to the Ingresses that caused it; the configuration NGINX last accepted keeps serving/.test(e.message!)));
    // the cause goes away (a Service, a class, a restart of NGINX): everything loads
    nginx.untraceable = [];
    const next = await c.sync();
    assert.equal(next.loaded, true);
    assert.deepEqual(next.table.served.map((r) => r.name).sort(), ['other', 'shop']);
  });
});
