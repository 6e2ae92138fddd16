// Reloads must not drop requests. wrk drives a stable route while, as in a
// cluster, Ingresses of other hosts are added and removed and the route's
// backend rolls: a new backend joins the endpoints, the oldest leaves them and
// exits (possibly while NGINX's old workers still hold it). Every change is a
// reload, and all of them must be over before wrk stops: the test fails on
// any non-2xx response, on any socket error, and if wrk ended first.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRouteTable } from '../../../src/ingress/route-table.js';
import { ingress, OUR_CLASS, service, slice } from '../../unit/ingress/fixtures.js';
import { parseWrk, wrkScript, type WrkReport } from '../../support/wrk.js';
import { get, runner, startBackend, stopBackend, TestNginx, type Backend, type EchoBody } from './harness.js';

const WRK_SECONDS = 8;
/** each step is two reloads: the new backend joins, then the oldest leaves and stops */
const ROLL_STEPS = 3;
const PAUSE_MS = 250;
/** the changes must be over this long before wrk stops */
const MARGIN_MS = 500;
const nginx = new TestNginx();
/** the backends in the route's EndpointSlice, oldest first */
let live: Backend[] = [];
let generation = 0;

function table() {
  // A window of two extra Ingresses: each reload adds one and removes one.
  const extra = [generation - 1, generation].filter((g) => g > 0).map((g) => ingress(`extra-${g}`, { rules: [{ host: `extra-${g}.test`, paths: [{ svc: 'a' }] }] }));
  return buildRouteTable({
    ingressClasses: [OUR_CLASS],
    ingresses: [ingress('load', { rules: [{ host: 'load.test', paths: [{ svc: 'a' }] }] }), ...extra],
    services: [service('a')],
    endpointSlices: live.map((b) => slice('a', ['127.0.0.1'], { port: b.port, name: `a-${b.name}` })),
  });
}

async function reload(): Promise<void> {
  generation++;
  const r = await nginx.apply(table());
  assert.equal(r.action, 'reloaded', JSON.stringify(r));
  await new Promise((res) => setTimeout(res, PAUSE_MS));
}

/** Endpoints only: the conf must stay as it is and the balancer take the change. */
async function sendEndpoints(): Promise<void> {
  const r = await nginx.apply(table());
  assert.equal(r.action, 'endpoints', JSON.stringify(r));
  await new Promise((res) => setTimeout(res, PAUSE_MS));
}

/** A rolling update of the route's backend; `step` applies each change (with or without an Ingress change). */
async function roll(step: () => Promise<void>): Promise<void> {
  for (let i = 0; i < ROLL_STEPS; i++) {
    live = [...live, await startBackend(`v${generation + 1}-${i}`)];
    await step();
    const [oldest, ...rest] = live;
    live = rest;
    await step();
    await stopBackend(oldest!); // in-flight requests on it are cut: NGINX must retry them elsewhere
  }
}
/** A rolling update of the route's backend, one reload per Ingress added and removed. */
const rollAndChurn = () => roll(reload);

before(async () => {
  live = [await startBackend('v0a'), await startBackend('v0b')];
  await nginx.start();
  assert.equal((await nginx.apply(table())).action, 'started');
});

after(async () => {
  await nginx.stop();
  for (const b of live) await stopBackend(b);
});

/** wrk against load.test while rollAndChurn() runs; fails unless the changes were over well before wrk. */
async function loadDuringChanges(t: { diagnostic: (m: string) => void }, headers: string[], changes: () => Promise<void> = rollAndChurn): Promise<WrkReport> {
  const script = await wrkScript();
  try {
    const t0 = Date.now();
    const wrk = runner.run(['wrk', '-t1', '-c8', `-d${WRK_SECONDS}s`, '-s', script.file, '-H', 'Host: load.test', ...headers, `http://127.0.0.1:${nginx.options.httpPort}/`],
      { timeoutMs: (WRK_SECONDS + 10) * 1000 });
    let wrkMs = 0;
    void wrk.finally(() => { wrkMs = Date.now() - t0; }).catch(() => {});
    await new Promise((r) => setTimeout(r, 300));
    const firstGeneration = generation + 1;
    await changes();
    const changesMs = Date.now() - t0;
    const report = parseWrk((await wrk).stdout);
    t.diagnostic(`reloads ${firstGeneration}–${generation} over by ${changesMs} ms, wrk ended at ${wrkMs} ms; ${report.summary}`);
    assert.ok(changesMs + MARGIN_MS <= wrkMs, `the changes took until ${changesMs} ms, wrk ended at ${wrkMs} ms: not all of them were under load`);
    // They took effect: the newest extra Ingress is served, the one before the last window is gone, the route has the new backends.
    assert.equal((await get(nginx.options.httpPort, `extra-${generation}.test`, '/')).status, 200);
    assert.equal((await get(nginx.options.httpPort, `extra-${generation - 2}.test`, '/')).status, 404);
    const now = await get(nginx.options.httpPort, 'load.test', '/');
    assert.ok(live.map((b) => b.name).includes((JSON.parse(now.body) as EchoBody).name), now.body);
    assert.ok(report.requests > 0);
    return report;
  } finally {
    await script.remove();
  }
}

// Keep-alive clients are the hard case: the old workers close idle keep-alive
// connections on SIGHUP, under the client's next request, unless the drain
// before each reload (nginx-conf.ts drainLines) told those clients to close.
test('reload under load, keep-alive clients: every response 2xx, no socket error of any kind', async (t) => {
  const report = await loadDuringChanges(t, []);
  assert.equal(report.non2xx, 0, report.summary);
  assert.deepEqual(report.errors, { connect: 0, read: 0, write: 0, timeout: 0 }, report.summary);
});

test('reload under load, one request per connection: every response 2xx, no socket error of any kind', async (t) => {
  const report = await loadDuringChanges(t, ['-H', 'Connection: close']);
  assert.equal(report.non2xx, 0, report.summary);
  assert.deepEqual(report.errors, { connect: 0, read: 0, write: 0, timeout: 0 }, report.summary);
});

test('the backend rolls with no Ingress change: no reload at all, the balancer takes the endpoints, no error of any kind', async (t) => {
  const workers = nginx.proc.workers();
  const report = await loadDuringChanges(t, [], () => roll(sendEndpoints));
  assert.deepEqual(nginx.proc.workers(), workers, 'the same workers: nothing was reloaded');
  assert.equal(report.non2xx, 0, report.summary);
  assert.deepEqual(report.errors, { connect: 0, read: 0, write: 0, timeout: 0 }, report.summary);
});
