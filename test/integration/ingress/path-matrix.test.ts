// The same path rows the unit test runs through matchRoute(), sent through a
// real NGINX rendered from the same Ingresses: proves the rendered locations
// and NGINX's own location selection give the Ingress semantics.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRouteTable, matchRoute } from '../../../src/ingress/route-table.js';
import { ingress, OUR_CLASS, service, slice } from '../../unit/ingress/fixtures.js';
import { PATH_MATRIX } from '../../unit/ingress/path-matrix.js';
import { get, startBackend, stopBackend, TestNginx, type Backend } from './harness.js';

const nginx = new TestNginx();
const backends: Backend[] = [];
let table: ReturnType<typeof buildRouteTable>;

before(async () => {
  const names = [...new Set(PATH_MATRIX.flatMap((c) => c.paths.map((p) => p.svc)))].sort();
  for (const n of names) backends.push(await startBackend(n));
  table = buildRouteTable({
    ingressClasses: [OUR_CLASS],
    ingresses: PATH_MATRIX.map((c, i) => ingress(`case-${i}`, { rules: [{ host: `case-${i}.test`, paths: c.paths }] })),
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

test('path matrix through real nginx agrees with the spec and with matchRoute', async (t) => {
  for (const [i, c] of PATH_MATRIX.entries()) {
    await t.test(c.name, async () => {
      const host = `case-${i}.test`;
      const reply = await get(nginx.options.httpPort, host, c.request);
      const got = reply.status === 404 ? 404 : (JSON.parse(reply.body) as { name: string }).name;
      assert.equal(got, c.want, `${host} ${c.request} → ${reply.status} ${reply.body.slice(0, 80)}`);
      const predicted = matchRoute(table, host, c.request);
      assert.equal(predicted?.backend?.service ?? 404, c.want);
    });
  }
});
