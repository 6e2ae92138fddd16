// The same path rows the unit test runs through matchRoute(), sent through a
// real NGINX rendered from the same Ingresses: proves the rendered locations
// and NGINX's own location selection give the Ingress semantics. Then the host
// rules (docs/ingress.md "Matching semantics", Hosts) the same way: exact beats
// wildcard, a wildcard covers one label, host-less rules and the defaultBackend
// of an Ingress without rules answer every other host.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRouteTable, matchRoute } from '../../../src/ingress/route-table.js';
import { ingress, OUR_CLASS, service, slice } from '../../unit/ingress/fixtures.js';
import { PATH_MATRIX } from '../../unit/ingress/path-matrix.js';
import { get, startBackend, stopBackend, TestNginx, type Backend } from './harness.js';

const nginx = new TestNginx();
const backends: Backend[] = [];
let table: ReturnType<typeof buildRouteTable>;

/** Host rules, all in one NGINX next to the path cases (whose hosts are all exact, so nothing here changes them). */
const HOST_INGRESSES = [
  ingress('exact', { rules: [{ host: 'foo.hosts.test', paths: [{ svc: 'exact' }] }, { host: 'api.hosts.test', paths: [{ path: '/api', svc: 'exact' }] }] }),
  ingress('wildcard', { rules: [{ host: '*.hosts.test', paths: [{ svc: 'wild' }] }] }),
  ingress('no-host', { rules: [{ paths: [{ path: '/any', svc: 'any' }] }] }),
  ingress('only-default', { defaultBackend: { svc: 'global' } }),
];

/** [Host header, path, the service that must answer or 404] */
const HOST_MATRIX: [string, string, string | 404][] = [
  ['foo.hosts.test', '/', 'exact'], // exact beats the wildcard that also covers it
  ['FOO.Hosts.TEST:8080', '/x', 'exact'], // any case, any port
  ['bar.hosts.test', '/', 'wild'],
  ['bar.hosts.test', '/any', 'wild'], // a host with a server never falls through to host-less rules
  ['a.b.hosts.test', '/any', 'any'], // one label only: a.b is not covered by *.hosts.test
  ['hosts.test', '/any', 'any'], // nor is the bare domain
  ['other.test', '/any/thing', 'any'], // a rule without host matches every host no rule names
  ['other.test', '/else', 'global'], // … and the defaultBackend of an Ingress without rules takes the rest
  ['a.b.hosts.test', '/', 'global'],
  ['api.hosts.test', '/api', 'exact'],
  ['api.hosts.test', '/any', 404], // a named host without a matching path: its own 404, not the catch-all
];

before(async () => {
  const names = [...new Set([...PATH_MATRIX.flatMap((c) => c.paths.map((p) => p.svc)), 'exact', 'wild', 'any', 'global'])].sort();
  for (const n of names) backends.push(await startBackend(n));
  table = buildRouteTable({
    ingressClasses: [OUR_CLASS],
    ingresses: [...PATH_MATRIX.map((c, i) => ingress(`case-${i}`, { rules: [{ host: `case-${i}.test`, paths: c.paths }] })), ...HOST_INGRESSES],
    services: names.map((n) => service(n)),
    endpointSlices: backends.map((b) => slice(b.name, ['127.0.0.1'], { port: b.port })),
  });
  assert.deepEqual(table.warnings, []);
  await nginx.start();
  const r = await nginx.apply(table);
  assert.equal(r.action, 'started', JSON.stringify(r));
});

after(async () => {
  await nginx.stop();
  for (const b of backends) await stopBackend(b);
});

/** Sends the request through NGINX; it must answer from `want` (or 404), and matchRoute must predict the same. */
async function expectRoute(host: string, urlPath: string, want: string | 404): Promise<void> {
  const reply = await get(nginx.options.httpPort, host, urlPath);
  const got = reply.status === 404 ? 404 : (JSON.parse(reply.body) as { name: string }).name;
  assert.equal(got, want, `${host} ${urlPath} → ${reply.status} ${reply.body.slice(0, 80)}`);
  const predicted = matchRoute(table, host, urlPath);
  assert.equal(predicted?.backend?.service ?? 404, want);
}

test('path matrix through real nginx agrees with the spec and with matchRoute', async (t) => {
  for (const [i, c] of PATH_MATRIX.entries()) {
    await t.test(c.name, () => expectRoute(`case-${i}.test`, c.request, c.want));
  }
});

test('host rules through real nginx: exact, one-label wildcard, host-less rules, defaultBackend without rules', async (t) => {
  for (const [host, urlPath, want] of HOST_MATRIX) {
    await t.test(`${host} ${urlPath} → ${want}`, () => expectRoute(host, urlPath, want));
  }
});
