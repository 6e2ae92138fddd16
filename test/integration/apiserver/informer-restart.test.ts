// An informer over HTTP keeps a correct cache across an API server restart
// during which it missed changes: its watch breaks, it retries with back-off,
// the restarted server's history starts after its resourceVersion (410), so
// it re-lists and emits exactly the difference.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiServer } from '../../../src/apiserver/server.js';
import { HttpClient } from '../../../src/client/http-client.js';
import { Informer } from '../../../src/client/informer.js';
import { ObjectStore } from '../../../src/store/store.js';
import type { ConfigMap } from '../../../src/api/types.js';
import { waitFor } from './helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podnet-informer-'));
const opts = { databasePath: path.join(dir, 'store.db'), socketPath: path.join(dir, 'api.sock') };
const cleanup: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
  fs.rmSync(dir, { recursive: true, force: true });
});

const cm = (name: string, v = '1'): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { v } });

test('informer over HTTP re-lists after a restart and emits only what changed', { timeout: 30_000 }, async () => {
  let server = new ApiServer(opts);
  await server.start();
  const client = new HttpClient({ socketPath: opts.socketPath });
  cleanup.push(() => client.close());
  for (const n of ['keep', 'change', 'remove']) await client.create(cm(n));

  const log: string[] = [];
  const inf = new Informer<ConfigMap>(client, 'configmaps', { namespace: 'default', minBackoffMs: 20, maxBackoffMs: 200, log: () => {} });
  inf.onAdd((o) => log.push(`add ${o.metadata.name}`)).onUpdate((_o, n) => log.push(`update ${n.metadata.name}`)).onDelete((o) => log.push(`delete ${o.metadata.name}`));
  inf.start();
  cleanup.push(() => inf.stop());
  await inf.synced;
  await client.create(cm('live'));
  await waitFor(() => log.length === 4, 'initial adds and the live add');
  log.length = 0;

  await server.stop();
  // changes while the server is down, written straight to its database
  const store = new ObjectStore({ path: opts.databasePath });
  const change = store.get('configmaps', 'default', 'change')!;
  store.update('configmaps', { ...JSON.parse(change.json), data: { v: '2' } });
  store.delete('configmaps', 'default', 'remove');
  store.create('configmaps', cm('new'));
  store.close();

  server = new ApiServer(opts);
  await server.start();
  cleanup.push(() => server.stop());
  await waitFor(() => log.length === 3, 'the diff after the re-list', 10_000);
  assert.deepEqual(log.sort(), ['add new', 'delete remove', 'update change']);
  assert.deepEqual(inf.list().map((o) => o.metadata.name).sort(), ['change', 'keep', 'live', 'new']);
  assert.equal(inf.get('default', 'change')!.data!.v, '2');

  await client.create(cm('after'));
  await waitFor(() => inf.get('default', 'after') !== undefined, 'live events after recovery');
});
