// HTTPRoute rules rendered into a real NGINX (no cluster): conditions beyond
// the path (method, headers, query) with fallthrough to the next match,
// weighted backends, a backendRef that cannot be used (500), redirects,
// rewrites, header filters, timeouts, request mirroring and any-depth
// wildcard hosts, as the Gateway API defines them. matchRoute must predict every routed answer.

import { after, before, test } from 'node:test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import { buildRouteTable, matchRoute, type RequestFacts, type Route, type RouteConditions, type RouteFilters, type WeightedBackend } from '../../../src/ingress/route-table.js';
import { parseAnnotations } from '../../../src/ingress/annotations.js';
import { backendKey, type Backend as RouteBackend } from '../../../src/ingress/backends.js';
import { request, startBackend, startResettingBackend, stopBackend, TestNginx, type Backend, type EchoBody } from './harness.js';

const nginx = new TestNginx();
const servers: Backend[] = [];
const backend = new Map<string, RouteBackend>();
let table: ReturnType<typeof buildRouteTable>;

const OPTIONS = { ...parseAnnotations(undefined).options, sslRedirect: false };
let rule = 0;

function route(path: string, opts: { exact?: boolean; when?: RouteConditions; to?: [string | undefined, number][]; filters?: RouteFilters; name?: string; host?: string; timeouts?: Route['timeouts'] } = {}): Route {
  const split: WeightedBackend[] = (opts.to ?? [['a', 1]]).map(([svc, weight]) => ({ weight, ...(svc ? { backend: backend.get(svc)! } : {}) }));
  return {
    host: opts.host ?? 'gw.test', path, pathType: opts.exact ? 'Exact' : 'Prefix', kind: opts.exact ? 'exact' : 'prefix',
    ingress: { kind: 'HTTPRoute', namespace: 'default', name: opts.name ?? 'web' },
    options: OPTIONS, isDefaultBackend: false, split,
    ...(opts.when ? { conditions: opts.when } : {}), ...(opts.filters ? { filters: opts.filters } : {}), ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
    order: { created: '2026-01-01T00:00:00Z', rule: rule++, match: 0 },
  };
}

/** what the mirror target received: method and URI of each copy */
const mirrored: string[] = [];
const mirrorTarget = http.createServer((req, res) => {
  req.resume().on('end', () => { mirrored.push(`${req.method} ${req.url} ${req.headers.host}`); res.end('ignored'); });
});

let resetting: Awaited<ReturnType<typeof startResettingBackend>>;

before(async () => {
  await new Promise<void>((r) => mirrorTarget.listen(0, '127.0.0.1', r));
  resetting = await startResettingBackend();
  backend.set('mirror', { key: backendKey('default', 'mirror', 80), namespace: 'default', service: 'mirror', servicePort: 80, endpoints: [{ ip: '127.0.0.1', port: (mirrorTarget.address() as AddressInfo).port }] });
  for (const n of ['a', 'b', 'canary', 'post', 'v2', 'exact', 'deep', 'slow']) {
    const s = await startBackend(n, n === 'slow' ? { delayMs: 1500 } : {});
    servers.push(s);
    backend.set(n, { key: backendKey('default', n, 80), namespace: 'default', service: n, servicePort: 80, endpoints: [{ ip: '127.0.0.1', port: s.port }] });
  }
  const a = backend.get('a')!;
  backend.set('flaky', { ...a, key: backendKey('default', 'flaky', 80), service: 'flaky', endpoints: [{ ip: '127.0.0.1', port: resetting.port }, ...a.endpoints] });
  const routes = [
    route('/'),
    route('/api', { when: { headers: [{ name: 'x-env', type: 'Exact', value: 'canary' }] }, to: [['canary', 1]] }),
    route('/api', { when: { method: 'POST' }, to: [['post', 1]] }),
    route('/api', { when: { queryParams: [{ name: 'v', type: 'Exact', value: '2' }] }, to: [['v2', 1]] }),
    route('/api/exact', { exact: true, to: [['exact', 1]] }),
    route('/re', { when: { headers: [{ name: 'x-build', type: 'RegularExpression', value: '[0-9]+' }] }, to: [['canary', 1]] }),
    route('/weights', { to: [['a', 80], ['b', 20]] }),
    route('/half-broken', { to: [['a', 1], [undefined, 1]] }),
    route('/nothing', { to: [] }),
    route('/zero', { to: [['a', 0]] }),
    route('/moved', { to: [], filters: { redirect: { scheme: 'https', hostname: 'new.test', statusCode: 301 } } }),
    route('/old', { to: [], filters: { redirect: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' } } } }),
    route('/full', { to: [], filters: { redirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/landing' }, port: 8443 } } }),
    route('/strip', { filters: { rewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } } }),
    route('/swap', { filters: { rewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2/' }, hostname: 'internal.test' } } }),
    route('/fixed', { filters: { rewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/one$thing' } } } }),
    route('/headers', {
      filters: {
        requestHeaders: { set: [{ name: 'X-Set', value: 'set-by-route' }], add: [{ name: 'X-Add', value: 'b' }], remove: ['X-Remove'] },
        responseHeaders: { set: [{ name: 'X-Resp', value: 'r$1' }], add: [{ name: 'X-More', value: 'm' }] },
      },
    }),
    route('/', { host: '*.any.test', to: [['deep', 1]] }),
    route('/slow-cut', { to: [['slow', 1]], timeouts: { requestMs: 500 } }),
    route('/mirrored', { filters: { mirrors: [backend.get('mirror')!] } }),
    // a pod that resets and one that answers: NGINX retries on the other, never on the mirror
    route('/mirrored-retry', { to: [['flaky', 1]], filters: { mirrors: [backend.get('mirror')!] } }),
    route('/slow-ok', { to: [['slow', 1]], timeouts: { requestMs: 5000, backendRequestMs: 3000 } }),
  ];
  table = buildRouteTable({ ingresses: [], gateway: { hosts: [
    { host: 'gw.test', anyDepth: false, routes: routes.filter((r) => r.host === 'gw.test') },
    { host: '*.any.test', anyDepth: true, routes: routes.filter((r) => r.host === '*.any.test') },
  ], backends: [...backend.values()] } });
  await nginx.start();
  const r = await nginx.apply(table);
  assert.equal(r.action, 'started', JSON.stringify(r));
});

after(async () => {
  mirrorTarget.close();
  await resetting?.stop();
  await nginx.stop();
  for (const s of servers) await stopBackend(s);
});

async function send(host: string, pathAndQuery: string, facts: RequestFacts = {}) {
  const reply = await request(nginx.options.httpPort, host, pathAndQuery, { method: facts.method ?? 'GET', headers: { ...facts.headers } });
  const body = reply.status === 200 ? JSON.parse(reply.body) as EchoBody : undefined;
  return { ...reply, echo: body };
}

/** the backend NGINX chose, and matchRoute's prediction for the same request */
async function expectBackend(host: string, pathAndQuery: string, want: string | number, facts: RequestFacts = {}) {
  const reply = await send(host, pathAndQuery, facts);
  assert.equal(reply.echo?.name ?? reply.status, want, `${host}${pathAndQuery} ${JSON.stringify(facts)} → ${reply.status}`);
  const predicted = matchRoute(table, host, pathAndQuery, facts);
  if (typeof want === 'string') assert.equal(predicted?.split?.[0]?.backend?.service, want, 'matchRoute');
}

test('conditions beyond the path pick the route; a failed condition falls through to the next match', async (t) => {
  const cases: [string, string | number, RequestFacts][] = [
    ['/api/x', 'a', {}], // no condition holds: the shorter prefix `/` takes it
    ['/api/x', 'canary', { headers: { 'X-Env': 'canary' } }],
    ['/api/x', 'a', { headers: { 'X-Env': 'Canary' } }], // values compare exactly
    ['/api/x', 'post', { method: 'POST' }],
    ['/api/x', 'post', { method: 'POST', headers: { 'x-env': 'canary' } }], // both hold: a method match outranks header matches
    ['/api?v=2', 'v2', {}],
    ['/api?v=3', 'a', {}],
    ['/api/exact', 'exact', { headers: { 'x-env': 'canary' } }], // Exact beats every Prefix, conditions or not
    ['/re', 'canary', { headers: { 'x-build': '123' } }],
    ['/re', 'a', { headers: { 'x-build': '12a' } }], // a regular expression matches the whole value
    ['/re', 'a', {}],
  ];
  for (const [p, want, facts] of cases) await t.test(`${p} ${JSON.stringify(facts)} → ${want}`, () => expectBackend('gw.test', p, want, facts));
});

test('weights split requests; a share whose backend cannot be used answers 500; no weight at all is 500', async () => {
  const seen = new Map<string | number, number>();
  for (let i = 0; i < 200; i++) {
    const r = await send('gw.test', '/weights');
    const k = r.echo?.name ?? r.status;
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  assert.deepEqual([...seen.keys()].sort(), ['a', 'b']);
  assert.ok(seen.get('a')! > seen.get('b')!, JSON.stringify([...seen]));
  const half = new Set<string | number>();
  for (let i = 0; i < 60; i++) { const r = await send('gw.test', '/half-broken'); half.add(r.echo?.name ?? r.status); }
  assert.deepEqual([...half].sort(), [500, 'a'].sort());
  assert.equal((await send('gw.test', '/nothing')).status, 500);
  assert.equal((await send('gw.test', '/zero')).status, 500);
});

test('RequestRedirect: scheme, host, port and path as the Gateway API says', async () => {
  const moved = await send('gw.test', '/moved/x?q=1');
  assert.equal(moved.status, 301);
  assert.equal(moved.headers.location, 'https://new.test/moved/x?q=1'); // a scheme without a port: that scheme's own port
  const old = await send('gw.test', '/old/deep/er?x=y');
  assert.equal(old.status, 302);
  assert.equal(old.headers.location, `http://gw.test:${nginx.options.httpPort}/new/deep/er?x=y`); // the listener's port, not 80
  assert.equal((await send('gw.test', '/old')).headers.location, `http://gw.test:${nginx.options.httpPort}/new`);
  // a percent-encoded newline in the path is still redirected (never a static file lookup)
  assert.equal((await send('gw.test', '/old/a%0Ab')).status, 302);
  assert.equal((await send('gw.test', '/strip/a%0Ab')).echo?.url, '/a%0Ab');
  const full = await send('gw.test', '/full/a?b=c');
  assert.equal(full.headers.location, 'http://gw.test:8443/landing?b=c');
});

test('URLRewrite: the backend gets the new path and host; the client sees none of it', async () => {
  assert.equal((await send('gw.test', '/strip/x/y?z=1')).echo?.url, '/x/y?z=1');
  assert.equal((await send('gw.test', '/strip')).echo?.url, '/');
  const swap = await send('gw.test', '/swap/k');
  assert.equal(swap.echo?.url, '/v2/k');
  assert.equal(swap.echo?.headers.host, 'internal.test');
  assert.equal(swap.echo?.headers['x-forwarded-host'], 'gw.test'); // the other headers stay
  assert.equal((await send('gw.test', '/fixed/a?b')).echo?.url, '/one$thing?b');
});

test('header filters: set, add (appended to the request\'s own), remove; response set and add', async () => {
  const r = await send('gw.test', '/headers', { headers: { 'X-Set': 'client', 'X-Add': 'a', 'X-Remove': 'gone' } });
  assert.equal(r.echo?.headers['x-set'], 'set-by-route');
  assert.equal(r.echo?.headers['x-add'], 'a,b');
  assert.equal(r.echo?.headers['x-remove'], undefined);
  assert.equal(r.echo?.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(r.headers['x-resp'], 'r$1');
  assert.equal(r.headers['x-more'], 'm');
  const bare = await send('gw.test', '/headers');
  assert.equal(bare.echo?.headers['x-add'], 'b');
});

test('a Gateway API wildcard host covers names of any depth, never the bare domain', async () => {
  await expectBackend('a.any.test', '/', 'deep');
  await expectBackend('a.b.c.any.test', '/x', 'deep');
  assert.equal((await send('any.test', '/')).status, 404);
});

test('timeouts: a backend slower than the rule\'s request timeout gets the controller\'s 504; within it, its answer', async () => {
  const t0 = Date.now();
  assert.equal((await send('gw.test', '/slow-cut')).status, 504);
  assert.ok(Date.now() - t0 < 1400, `cut after ${Date.now() - t0} ms`);
  assert.equal((await send('gw.test', '/slow-ok')).echo?.name, 'slow');
});

test('RequestMirror: the backend answers, and a copy of each request (method, URI, body, host) reaches the mirror', async () => {
  const r = await request(nginx.options.httpPort, 'gw.test', '/mirrored/x?y=1', { method: 'POST', body: 'payload' });
  assert.equal((JSON.parse(r.body) as EchoBody).name, 'a');
  for (let i = 0; i < 50 && mirrored.length === 0; i++) await new Promise((res) => setTimeout(res, 20));
  assert.deepEqual(mirrored, ['POST /mirrored/x?y=1 gw.test']);
});

test('RequestMirror: a retry after a failed try goes to the route\'s own Service again, never to the mirror', async () => {
  const answers = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const r = await send('gw.test', '/mirrored-retry');
    answers.add(r.echo?.name ?? `${r.status} ${r.body.slice(0, 20)}`);
  }
  assert.ok(resetting.resets() > 0, 'the resetting pod was tried');
  assert.deepEqual([...answers], ['a']);
});
