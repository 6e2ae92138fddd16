import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectStore } from '../../../src/store/store.js';
import { Registry } from '../../../src/apiserver/registry.js';
import { LocalClient } from '../../../src/client/local-client.js';
import { Informer } from '../../../src/client/informer.js';
import { BUILTIN_NAMESPACES } from '../../../src/api/resources.js';
import { isApiError } from '../../../src/errors.js';
import type { Client, WatchHandle } from '../../../src/client/client.js';
import type { ConfigMap, KubeObject, WatchEvent } from '../../../src/api/types.js';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

function setup(historySize?: number) {
  const store = new ObjectStore({ path: ':memory:', historySize });
  const registry = new Registry(store);
  registry.bootstrap(BUILTIN_NAMESPACES);
  return { store, registry, client: new LocalClient(registry) };
}

const cm = (name: string, v = '1'): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels: { app: 'x' } }, data: { v } });

test('LocalClient: write results and watch events are the store\'s frozen objects; get and list hand out copies', async () => {
  const { client } = setup();
  const mine = cm('a');
  const created = await client.create(mine);
  mine.data!.v = 'changed after the write';
  assert.equal(Object.isFrozen(created.data), true);
  assert.throws(() => { created.data!.v = 'mutated'; }, TypeError);
  const seen: KubeObject[] = [];
  const h = client.watch('configmaps', 'default', {}, (e) => seen.push(e.object));
  const updated = await client.update<ConfigMap>({ ...created, data: { v: '2' } });
  assert.throws(() => { updated.metadata.labels!.app = 'y'; }, TypeError);
  await tick();
  h.stop();
  assert.equal(seen[0], updated, 'the event carries the very object the write returned');
  await client.update<ConfigMap>({ ...updated, data: { v: '1' } });
  const got = await client.get<ConfigMap>('configmaps', 'default', 'a');
  assert.equal(got.data!.v, '1');
  got.data!.v = 'again';
  assert.equal((await client.list<ConfigMap>('configmaps', 'default')).items[0]!.data!.v, '1');
});

test('LocalClient status write: from a frozen informer object, copying only the status the caller still holds', async () => {
  const { client } = setup();
  const created = await client.create<KubeObject>({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }] } });
  const conditions = [{ type: 'PodScheduled', status: 'False' }];
  const status = { phase: 'Pending', conditions };
  const written = await client.update<KubeObject>({ ...created, status }, { subresource: 'status' });
  conditions[0]!.status = 'True'; // the caller's object stays the caller's
  assert.deepEqual(written.status, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }], qosClass: 'BestEffort' }, 'the class set on create stays');
  assert.equal(written.spec, created.spec, 'the stored spec, shared');
  assert.equal(Object.isFrozen(created.metadata), true, 'the informer object is untouched');
  assert.equal(created.metadata.resourceVersion !== written.metadata.resourceVersion, true);
});

test('LocalClient errors are the registry ApiErrors', async () => {
  const { client } = setup();
  await assert.rejects(client.get('configmaps', 'default', 'nope'), (e) => isApiError(e, 'NotFound'));
  await assert.rejects(client.create({ apiVersion: 'v9', kind: 'Widget', metadata: { name: 'w' } }), (e) => isApiError(e) && e.message === 'no matches for kind "Widget" in version "v9"');
});

test('LocalClient watch delivers events asynchronously, from now or from a resourceVersion', async () => {
  const { client } = setup();
  const first = await client.create(cm('a'));
  const events: string[] = [];
  const h = client.watch('configmaps', 'default', {}, (e) => events.push(`${e.type} ${e.object.metadata.name}`));
  const pending = client.create(cm('b'));
  assert.deepEqual(events, [], 'not from inside the write');
  await pending;
  await tick();
  assert.deepEqual(events, ['ADDED b']);
  h.stop();
  await h.done;
  const replay: string[] = [];
  const h2 = client.watch('configmaps', 'default', { resourceVersion: first.metadata.resourceVersion }, (e) => replay.push(e.object.metadata.name!));
  await tick();
  assert.deepEqual(replay, ['b']);
  h2.stop();
});

test('informer: lists, then follows adds, updates and deletes; get/list/byIndex', async () => {
  const { client } = setup();
  await client.create(cm('a'));
  const inf = new Informer<ConfigMap>(client, 'configmaps', { namespace: 'default', indexers: { byValue: (o) => [o.data?.v ?? ''] } });
  const log: string[] = [];
  inf.onAdd((o) => log.push(`add ${o.metadata.name}`)).onUpdate((o, n) => log.push(`update ${o.data!.v}->${n.data!.v}`)).onDelete((o) => log.push(`delete ${o.metadata.name}`));
  inf.start();
  await inf.synced;
  await client.create(cm('b'));
  await client.update(cm('a', '2'));
  await client.delete('configmaps', 'default', 'b');
  await tick(5);
  assert.deepEqual(log, ['add a', 'add b', 'update 1->2', 'delete b']);
  assert.equal(inf.get('default', 'a')!.data!.v, '2');
  assert.deepEqual(inf.byIndex('byValue', '2').map((o) => o.metadata.name), ['a']);
  assert.deepEqual(inf.byIndex('byValue', '1'), []);
  inf.stop();
});

/** A client whose watches can be broken or expired on demand, to drive the informer's recovery. */
class FlakyClient {
  handles: { handle: WatchHandle; fail: (e: unknown) => void }[] = [];
  constructor(readonly inner: LocalClient) {}
  list: Client['list'] = (...a) => this.inner.list(...a);
  watch<T extends KubeObject>(plural: string, ns: string | undefined, opts: object, onEvent: (e: WatchEvent<T>) => void): WatchHandle {
    const h = this.inner.watch<T>(plural, ns, opts, onEvent);
    let fail!: (e: unknown) => void;
    const done = new Promise<void>((resolve, reject) => { fail = reject; h.done.then(resolve, reject); });
    done.catch(() => {});
    const handle = { done, stop: () => h.stop() };
    this.handles.push({ handle, fail: (e) => { h.stop(); fail(e); } });
    return handle;
  }
}

test('informer: after an expired watch it re-lists and emits the difference', async () => {
  const { client, registry } = setup();
  await client.create(cm('keep'));
  await client.create(cm('change'));
  await client.create(cm('remove'));
  const flaky = new FlakyClient(client);
  const inf = new Informer<ConfigMap>(flaky as unknown as Client, 'configmaps', { namespace: 'default', minBackoffMs: 1 });
  const log: string[] = [];
  inf.onAdd((o) => log.push(`add ${o.metadata.name}`)).onUpdate((_o, n) => log.push(`update ${n.metadata.name}`)).onDelete((o) => log.push(`delete ${o.metadata.name}`));
  inf.start();
  await inf.synced;
  log.length = 0;
  // changes the informer does not see live: stop its watch first
  flaky.handles[0]!.handle.stop();
  const info = registry.resolvePlural('configmaps');
  registry.update(info, 'default', 'change', cm('change', '2'));
  registry.delete(info, 'default', 'remove');
  registry.create(info, 'default', cm('new'));
  flaky.handles[0]!.fail(Object.assign(new (await import('../../../src/errors.js')).ApiError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message: 'too old', reason: 'Expired', code: 410 })));
  await tick(20);
  assert.deepEqual(log.sort(), ['add new', 'delete remove', 'update change']);
  assert.deepEqual(inf.list().map((o) => o.metadata.name).sort(), ['change', 'keep', 'new']);
  inf.stop();
});

test('informer: an index added after the first list covers the cache at once, follows changes, and counts without listing', async () => {
  const { client } = setup();
  await client.create(cm('a'));
  await client.create(cm('b'));
  const inf = new Informer<ConfigMap>(client, 'configmaps', { namespace: 'default' });
  inf.start();
  await inf.synced;
  inf.addIndexer('byValue', (o) => [o.data?.v ?? '']);
  inf.addIndexer('byValue', () => ['ignored: the first indexer of a name stays']);
  assert.equal(inf.countByIndex('byValue', '1'), 2);
  await client.update(cm('a', '2'));
  await tick(5);
  assert.deepEqual(inf.byIndex('byValue', '1').map((o) => o.metadata.name), ['b']);
  assert.equal(inf.countByIndex('byValue', '2'), 1);
  assert.equal(inf.countByIndex('byValue', 'none'), 0);
  inf.stop();
});

test('LocalClient watches see in-process writes before the group commit; HTTP-facing watchers after it', async () => {
  const store = new ObjectStore({ path: ':memory:', commit: 'grouped' });
  const registry = new Registry(store);
  registry.bootstrap(BUILTIN_NAMESPACES);
  await store.whenCommitted();
  const client = new LocalClient(registry);
  const local: string[] = [];
  const committed: string[] = [];
  client.watch('configmaps', 'default', {}, (e) => local.push(e.object.metadata.name!));
  registry.watch(registry.resolvePlural('configmaps'), 'default', {}, (e) => committed.push(JSON.parse(e.json).metadata.name));
  await client.create(cm('a'));
  await Promise.resolve();
  assert.deepEqual(local, ['a'], 'a controller sees its own write in its next step');
  assert.deepEqual(committed, []);
  await store.whenCommitted();
  assert.deepEqual(committed, ['a']);
  store.close();
});
