import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayWatch, statusPatch } from '../../../src/ingress/gateway-watch.js';
import { GATEWAY_CONTROLLER_NAME } from '../../../src/config.js';
import { FakeClient } from './fake-client.js';

test('statusPatch: fields the next status leaves out are removed with null (a merge patch would keep them)', () => {
  const current = { addresses: [{ type: 'IPAddress', value: '203.0.113.10' }], conditions: [{ type: 'Programmed', status: 'True' }] };
  const next = { conditions: [{ type: 'Programmed', status: 'False' }] };
  assert.deepEqual(statusPatch(current, next), { conditions: next.conditions, addresses: null });
  assert.deepEqual(statusPatch(undefined, next), next);
});

test('a refusal is about the generation NGINX was given: a fix made meanwhile is served, the refused one is not', async () => {
  const client = new FakeClient();
  const G = 'gateway.networking.k8s.io';
  client.put({ apiVersion: `${G}/v1`, kind: 'GatewayClass', metadata: { name: 'podnet', generation: 1 }, spec: { controllerName: GATEWAY_CONTROLLER_NAME } });
  client.put({ apiVersion: `${G}/v1`, kind: 'Gateway', metadata: { name: 'gw', namespace: 'default', generation: 1 }, spec: { gatewayClassName: 'podnet', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } });
  const route = (generation: number) => ({ apiVersion: `${G}/v1`, kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'default', uid: 'u-1', generation }, spec: { parentRefs: [{ name: 'gw' }], rules: [{}] } });
  client.put(route(1));
  const watch = new GatewayWatch({ client, log: () => {}, onChange: () => {}, httpPort: 80, httpsPort: 443, now: () => new Date('2026-01-01T00:00:00Z') });
  await watch.start();
  const index = { service: () => undefined, slices: () => [] };
  const accepted = (t: ReturnType<GatewayWatch['translate']>) => t.httpRouteStatuses[0]?.status?.parents?.[0]?.conditions.find((c) => c.type === 'Accepted')?.status;
  assert.equal(accepted(watch.translate(index, [], undefined, new Map())), 'True'); // generation 1 rendered
  client.put(route(2)); // the user fixes it while NGINX checks generation 1
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(await watch.refuse([{ kind: 'HTTPRoute', namespace: 'default', name: 'r' }], 'nginx: [emerg] bad'), true);
  assert.equal(accepted(watch.translate(index, [], undefined, new Map())), 'True'); // generation 2 is served
  await watch.refuse([{ kind: 'HTTPRoute', namespace: 'default', name: 'r' }], 'nginx: [emerg] bad again'); // generation 2 refused in its turn
  assert.equal(accepted(watch.translate(index, [], undefined, new Map())), 'False');
  watch.stop();
});
