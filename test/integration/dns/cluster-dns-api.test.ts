// Cluster DNS against the real API server over its Unix socket: informers
// fill the index, /ready turns 200 once synced, and API changes show up in
// answers (the spec's bound is 1 s; we record how long it took).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiServer } from '../../../src/apiserver/server.js';
import { HttpClient } from '../../../src/client/http-client.js';
import { ClusterDns } from '../../../src/dns/cluster-dns.js';
import type { EndpointSlice, Service } from '../../../src/api/types.js';
import { curl, dig } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pn-dns-api-'));
const api = new ApiServer({ databasePath: path.join(tmp, 'store.db'), socketPath: path.join(tmp, 'api.sock') });
let client: HttpClient;
let dns: ClusterDns;

before(async () => {
  await api.start();
  client = new HttpClient({ socketPath: path.join(tmp, 'api.sock') });
  const local = { host: '127.0.0.1', port: 0 };
  dns = new ClusterDns({ client: new HttpClient({ socketPath: path.join(tmp, 'api.sock') }), listen: local, upstreams: [], metrics: local, health: local, ready: local, log: () => {} });
  await dns.start();
});

after(async () => {
  await dns?.stop();
  client?.close();
  await api.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<{ value: T; ms: number }> {
  const start = Date.now();
  for (;;) {
    const value = await fn();
    if (ok(value) || Date.now() - start > timeoutMs) return { value, ms: Date.now() - start };
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('ready once synced; Services and EndpointSlices appear and disappear', async (t) => {
  const ready = await until(() => curl(`http://127.0.0.1:${dns.httpPort()}/ready`), (v) => v === 'OK');
  assert.equal(ready.value, 'OK');
  assert.equal(await curl(`http://127.0.0.1:${dns.httpPort()}/health`), 'OK');
  // built-in namespaces exist even without Services: NODATA, not NXDOMAIN
  assert.equal((await dig(dns.port, 'kube-system.svc.cluster.local')).status, 'NOERROR');

  const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.7.7', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } };
  await client.create(svc);
  const seen = await until(() => dig(dns.port, 'web.default.svc.cluster.local'), (r) => r.answer.length === 1);
  assert.deepEqual(seen.value.answer, ['web.default.svc.cluster.local. 5 IN A 10.96.7.7']);
  t.diagnostic(`Service visible in DNS after ${seen.ms} ms`);

  const headless: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'default' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] } };
  await client.create(headless);
  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'db-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'db' } },
    addressType: 'IPv4', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
    endpoints: [{ addresses: ['10.244.0.5'], hostname: 'db-0', conditions: { ready: true } }],
  };
  await client.create(slice);
  const ep = await until(() => dig(dns.port, 'db-0.db.default.svc.cluster.local'), (r) => r.answer.length === 1);
  assert.deepEqual(ep.value.answer, ['db-0.db.default.svc.cluster.local. 5 IN A 10.244.0.5']);
  t.diagnostic(`EndpointSlice visible in DNS after ${ep.ms} ms`);

  await client.delete('services', 'default', 'web');
  const gone = await until(() => dig(dns.port, 'web.default.svc.cluster.local'), (r) => r.status === 'NXDOMAIN');
  assert.equal(gone.value.status, 'NXDOMAIN');
  t.diagnostic(`Service deletion visible after ${gone.ms} ms`);
});
