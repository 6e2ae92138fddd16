// healthCheckNodePort answers, against a real server on loopback port 0.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { HealthCheckServer } from '../../../src/proxy/healthcheck.js';

const server = new HealthCheckServer('127.0.0.1');
after(() => server.close());

async function get(port: number): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: res.status, body: await res.json() };
}

test('healthcheck: 200 with the local endpoint count, 503 when none, closed when gone', async () => {
  await server.sync([
    { namespace: 'default', name: 'web', port: 0, localEndpoints: 2 },
    { namespace: 'default', name: 'idle', port: 0, localEndpoints: 0 },
  ]);
  const web = server.port('default', 'web')!;
  const idle = server.port('default', 'idle')!;
  assert.deepEqual(await get(web), { status: 200, body: { service: { namespace: 'default', name: 'web' }, localEndpoints: 2, serviceProxyHealthy: true } });
  assert.deepEqual(await get(idle), { status: 503, body: { service: { namespace: 'default', name: 'idle' }, localEndpoints: 0, serviceProxyHealthy: true } });

  // counts update in place, without reopening the port
  await server.sync([{ namespace: 'default', name: 'web', port: 0, localEndpoints: 0 }]);
  assert.equal(server.port('default', 'web'), web);
  assert.equal((await get(web)).status, 503);
  assert.equal(server.port('default', 'idle'), undefined);
  await assert.rejects(fetch(`http://127.0.0.1:${idle}/healthz`));
});
