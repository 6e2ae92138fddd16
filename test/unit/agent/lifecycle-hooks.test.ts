// Lifecycle hooks as the kubelet's handler runner runs them: an httpGet is
// sent as Go's URL would send it, and any answer counts; what Node's http
// refuses to send is a failed hook, never a throw that ends the agent.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runLifecycleHook, type HookContext } from '../../../src/agent/lifecycle-hooks.js';

const container = { name: 'app', image: 'podnet/echo' };

test('httpGet: the path is escaped (/x y → /x%20y), the query kept, and a 500 still counts as done', async () => {
  const seen: string[] = [];
  const server = http.createServer((req, res) => { seen.push(req.url!); res.statusCode = 500; res.end(); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const target: HookContext = { podIP: '127.0.0.1', container, podDescription: 'p_default(uid)' };
  try {
    assert.equal(await runLifecycleHook({ httpGet: { path: '/x y?drain=1', port } }, target), undefined);
    assert.deepEqual(seen, ['/x%20y?drain=1']);
  } finally {
    server.close();
  }
});

test('httpGet with a header value http cannot send: a failed hook, not a throw', async () => {
  const target: HookContext = { podIP: '127.0.0.1', container, podDescription: 'p_default(uid)' };
  const failure = await runLifecycleHook({ httpGet: { path: '/', port: 9, httpHeaders: [{ name: 'X-A', value: 'a\nb' }] } }, target);
  assert.match(failure ?? '', /^HTTP lifecycle hook \(\/\) for Container "app" in Pod "p_default\(uid\)" failed - error: /);
});

test('sleep ends early when its container instance ends', async () => {
  const abort = new AbortController();
  const t0 = Date.now();
  setTimeout(() => abort.abort(), 100);
  await runLifecycleHook({ sleep: { seconds: 30 } }, { podIP: '127.0.0.1', container, podDescription: 'p', signal: abort.signal });
  assert.ok(Date.now() - t0 < 5_000);
});
