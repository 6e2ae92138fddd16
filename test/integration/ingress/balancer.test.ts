// The Lua balancer in a real NGINX: which pod a request goes to, what happens
// when a pod in the table is already gone, and that endpoint changes take
// effect without a reload (lua-module.ts).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { buildRouteTable } from '../../../src/ingress/route-table.js';
import { accessLogPath } from '../../../src/ingress/nginx-conf.js';
import { ingress, OUR_CLASS, service, slice } from '../../unit/ingress/fixtures.js';
import { freePort, get, startBackend, stopBackend, TestNginx, type Backend, type EchoBody } from './harness.js';

const nginx = new TestNginx();
let a: Backend;
let b: Backend;

/** Service `svc` on host bal.test; its pods are these ports on 127.0.0.1; `clusterPort` stands in for the ClusterIP. */
function table(ports: number[], clusterPort?: number, annotations: Record<string, string> = {}) {
  return buildRouteTable({
    ingressClasses: [OUR_CLASS],
    ingresses: [ingress('bal', { annotations, rules: [{ host: 'bal.test', paths: [{ svc: 'svc', port: clusterPort ?? 80 }] }] })],
    services: [clusterPort ? service('svc', { clusterIP: '127.0.0.1', ports: [{ port: clusterPort }] }) : service('svc', { ports: [{ port: 80 }] })],
    endpointSlices: ports.map((port, i) => slice('svc', ['127.0.0.1'], { port, name: `svc-${i}` })),
  });
}

/** `n` requests, each on its own connection; the backend names that answered, in order. */
async function names(n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await get(nginx.options.httpPort, 'bal.test', `/${i}`);
    assert.equal(r.status, 200, r.body);
    out.push((JSON.parse(r.body) as EchoBody).name);
  }
  return out;
}

before(async () => {
  a = await startBackend('a');
  b = await startBackend('b');
  await nginx.start();
  assert.equal((await nginx.apply(table([a.port]))).action, 'started');
});

after(async () => {
  await nginx.stop();
  await stopBackend(a);
  await stopBackend(b);
});

test('a fresh NGINX reads the endpoints it was started with; a second pod is added without a reload and gets every other request', async () => {
  assert.deepEqual(await names(2), ['a', 'a']);
  const workers = nginx.proc.workers();
  assert.equal((await nginx.apply(table([a.port, b.port]))).action, 'endpoints');
  const seen = await names(8);
  assert.deepEqual(nginx.proc.workers(), workers, 'no reload');
  assert.deepEqual([...new Set(seen)].sort(), ['a', 'b']);
  assert.equal(seen.filter((n) => n === 'a').length, 4, `round robin: ${seen.join(' ')}`);
  assert.equal((await nginx.apply(table([a.port, b.port]))).action, 'unchanged');
});

test('a pod that is gone but still listed: the request is retried on the next pod, and the dead one is skipped afterwards', async () => {
  const dead = await freePort();
  assert.equal((await nginx.apply(table([dead, b.port]))).action, 'endpoints');
  await new Promise((r) => setTimeout(r, 300)); // earlier requests' lines are flushed every 100 ms
  const from = (await readFile(accessLogPath(nginx.options.runtimeDir), 'utf8')).length;
  assert.deepEqual(await names(6), Array(6).fill('b'));
  await new Promise((r) => setTimeout(r, 300)); // the access log is flushed every 100 ms
  const lines = (await readFile(accessLogPath(nginx.options.runtimeDir), 'utf8')).slice(from).trim().split('\n').map((l) => JSON.parse(l) as { upstream_addr: string; status: number });
  assert.equal(lines.length, 6);
  const triedDead = lines.filter((l) => l.upstream_addr.includes(`127.0.0.1:${dead}`));
  assert.equal(triedDead.length, 1, `the dead pod is tried once, then skipped for 5 s: ${lines.map((l) => l.upstream_addr).join(' | ')}`);
  assert.equal(triedDead[0]!.upstream_addr, `127.0.0.1:${dead}, 127.0.0.1:${b.port}`);
});

test('every listed pod gone: the Service\'s ClusterIP is tried after them; no pod at all: 503 from the controller, over HTTP and HTTPS backends', async () => {
  const dead = await freePort();
  // The "ClusterIP" here is backend a's port: kube-proxy's rules would reach a live pod.
  assert.equal((await nginx.apply(table([dead], a.port))).action, 'reloaded', 'another Service port: the conf changes');
  assert.deepEqual(await names(3), ['a', 'a', 'a']);
  assert.equal((await nginx.apply(table([], a.port))).action, 'endpoints');
  const r = await get(nginx.options.httpPort, 'bal.test', '/');
  assert.equal(r.status, 503);
  assert.match(r.body, /no ready endpoints/);
  // The same for a backend spoken to in TLS (the 503 server has a TLS socket too).
  assert.equal((await nginx.apply(table([], a.port, { 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS' }))).action, 'reloaded');
  const tls = await get(nginx.options.httpPort, 'bal.test', '/');
  assert.equal(tls.status, 503);
  assert.match(tls.body, /no ready endpoints/);
});

test('an IPv6 pod address is reached (the balancer brackets it for NGINX)', async () => {
  const v6 = http.createServer((_req, res) => res.end(JSON.stringify({ name: 'v6' })));
  await new Promise<void>((r) => v6.listen(0, '::1', r));
  try {
    const port = (v6.address() as AddressInfo).port;
    const t = buildRouteTable({
      ingressClasses: [OUR_CLASS],
      ingresses: [ingress('bal', { rules: [{ host: 'bal.test', paths: [{ svc: 'svc', port: 80 }] }] })],
      services: [service('svc', { ports: [{ port: 80 }] })],
      endpointSlices: [{ ...slice('svc', ['::1'], { port }), addressType: 'IPv6' }],
    });
    await nginx.apply(t);
    assert.deepEqual(await names(2), ['v6', 'v6']);
  } finally {
    v6.closeAllConnections();
    await new Promise((r) => v6.close(r));
  }
});
