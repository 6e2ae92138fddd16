// Reloads must not drop requests: wrk drives a stable route for ~5 s while the
// conf is re-rendered and reloaded several times (new hosts, endpoint churn).
// wrk prints "Non-2xx or 3xx responses" and "Socket errors" only when any.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRouteTable } from '../../../src/ingress/route-table.js';
import { ingress, OUR_CLASS, service, slice } from '../../unit/ingress/fixtures.js';
import { runner, startBackend, stopBackend, TestNginx, type Backend } from './harness.js';

const RELOADS = 6;
const WRK_SECONDS = 4;
const nginx = new TestNginx();
const backends: Backend[] = [];

function table(generation: number) {
  const extra = Array.from({ length: generation }, (_, i) => ingress(`extra-${i}`, { rules: [{ host: `extra-${i}.test`, paths: [{ svc: 'a' }] }] }));
  // endpoint churn: the stable route alternates between one and two pods
  const eps = generation % 2 === 0 ? [backends[0]!] : backends;
  return buildRouteTable({
    ingressClasses: [OUR_CLASS],
    ingresses: [ingress('load', { rules: [{ host: 'load.test', paths: [{ svc: 'a' }] }] }), ...extra],
    services: [service('a')],
    endpointSlices: eps.map((b, i) => slice('a', ['127.0.0.1'], { port: b.port, name: `a-${i}` })),
  });
}

before(async () => {
  backends.push(await startBackend('a1'), await startBackend('a2'));
  await nginx.start();
  assert.equal((await nginx.apply(table(0))).action, 'started');
});

after(async () => {
  await nginx.stop();
  for (const b of backends) await stopBackend(b);
});

/** wrk against load.test while the conf is reloaded RELOADS times; returns wrk's report. */
async function loadWhileReloading(firstGeneration: number, headers: string[]): Promise<{ out: string; reloadMs: number[] }> {
  const wrk = runner.run(['wrk', '-t1', '-c8', `-d${WRK_SECONDS}s`, '-H', 'Host: load.test', ...headers, `http://127.0.0.1:${nginx.options.httpPort}/`], { timeoutMs: (WRK_SECONDS + 10) * 1000 });
  const reloadMs: number[] = [];
  await new Promise((r) => setTimeout(r, 400));
  for (let g = firstGeneration; g < firstGeneration + RELOADS; g++) {
    const r = await nginx.apply(table(g));
    assert.equal(r.action, 'reloaded');
    reloadMs.push(r.ms);
    await new Promise((res) => setTimeout(res, 400));
  }
  const out = (await wrk).stdout;
  process.stdout.write(`# reloads (ms): ${reloadMs.join(' ')}; ${out.split('\n').filter((l) => /Requests\/sec|requests in|Socket/.test(l)).map((l) => l.trim()).join(' | ')}\n`);
  assert.match(out, /requests in/);
  return { out, reloadMs };
}

test('reload under load, keep-alive clients: zero non-2xx responses', async () => {
  const { out } = await loadWhileReloading(1, []);
  assert.doesNotMatch(out, /Non-2xx or 3xx responses/, out);
  // A draining worker closes idle keep-alive connections; wrk counts those as
  // read errors and reconnects (clients retry idempotent requests on such a
  // close, RFC 9112 §9.3.1). Connect errors and timeouts would be real losses.
  assert.doesNotMatch(out, /Socket errors: connect [1-9]|timeout [1-9]/, out);
});

test('reload under load, one request per connection: zero errors of any kind', async () => {
  const { out } = await loadWhileReloading(RELOADS + 1, ['-H', 'Connection: close']);
  assert.doesNotMatch(out, /Non-2xx or 3xx responses/, out);
  assert.doesNotMatch(out, /Socket errors/, out);
});
