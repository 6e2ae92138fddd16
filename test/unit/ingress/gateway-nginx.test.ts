import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispatchLua, gatewayTimeouts, HttpLevelBlocks, luaLiteral, nginxLiteral, redirectLines, requestHeaderLines, rewriteLines, splitShares } from '../../../src/ingress/gateway-nginx.js';
import { buildRouteTable, compareRoutes, matchRoute, type Route } from '../../../src/ingress/route-table.js';
import { parseAnnotations } from '../../../src/ingress/annotations.js';
import { selectHost } from '../../../src/ingress/hosts.js';
import { GENERATED_REQUEST_ID } from '../../../src/ingress/nginx-conf.js';

const OPTIONS = { ...parseAnnotations(undefined).options, sslRedirect: false };
const backend = (n: string) => ({ key: `default_${n}_80`, namespace: 'default', service: n, servicePort: 80, endpoints: [] });

function route(path: string, extra: Partial<Route> = {}): Route {
  return {
    host: 'gw.test', path, pathType: 'Prefix', kind: 'prefix', ingress: { kind: 'HTTPRoute', namespace: 'default', name: 'r' },
    options: OPTIONS, isDefaultBackend: false, split: [{ backend: backend('a'), weight: 1 }], order: { created: '2026-01-01T00:00:00Z', rule: 0, match: 0 }, ...extra,
  };
}

test('splitShares: percentages with two decimals, the last takes the rest, weight 0 left out, unusable refs keep their share', () => {
  assert.deepEqual(splitShares([{ backend: backend('a'), weight: 1 }, { backend: backend('b'), weight: 2 }, { backend: backend('c'), weight: 0 }, { weight: 1 }]), [
    { key: 'default_a_80', service: 'default/a:80', percent: '25.00' },
    { key: 'default_b_80', service: 'default/b:80', percent: '50.00' },
    { key: '', service: '', percent: '25.00' },
  ]);
  assert.deepEqual(splitShares([{ backend: backend('a'), weight: 1 }, { backend: backend('b'), weight: 1_000_000 }]).map((s) => s.key), ['default_b_80']); // 0.0001 % rounds to nothing
});

test('identical splits share one split_clients block', () => {
  const http = new HttpLevelBlocks(GENERATED_REQUEST_ID);
  const split = [{ backend: backend('a'), weight: 1 }, { backend: backend('b'), weight: 1 }];
  assert.deepEqual(http.split(split), http.split([...split]));
  assert.equal(http.lines().filter((l) => l.startsWith('split_clients')).length, 1);
});

test('literals: nginx strings keep $ literal, Lua strings escape quotes and control characters', () => {
  assert.equal(nginxLiteral('a"b$c'), '"a\\"b${podnet_dollar}c"');
  assert.equal(luaLiteral('a"b\\c\n'), '"a\\"b\\\\c\\010"');
  assert.equal(luaLiteral('\t1'), '"\\0091"'); // a tab, then the digit 1
});

test('dispatchLua: candidates in order, unconditional last, else 404; only what the conditions read is fetched', () => {
  const lua = dispatchLua([{ conditions: { method: 'POST' }, target: '@x' }], undefined);
  assert.match(lua, /if m == "POST" then return ngx\.exec\("@x"\) end; return ngx\.exit\(404\)/);
  assert.doesNotMatch(lua, /get_headers|get_uri_args/);
  const both = dispatchLua([{ conditions: { headers: [{ name: 'X-A', type: 'RegularExpression', value: 'v.*' }], queryParams: [{ name: 'q', type: 'Exact', value: '1' }], scheme: 'https' }, target: '@y' }], '@z');
  assert.match(both, /ngx\.var\.scheme == "https" and \(one\(h\["x-a"\]\) ~= nil and ngx\.re\.find\(one\(h\["x-a"\]\), "\^\(\?:v\.\*\)\$", "jo"\) ~= nil\) and one\(q\["q"\]\) == "1"/);
  assert.match(both, /return ngx\.exec\("@z"\) }$/);
});

test('redirectLines: the listener port unless a scheme or a port is given; default ports never written', () => {
  assert.deepEqual(redirectLines(route('/a'), {}, new HttpLevelBlocks(GENERATED_REQUEST_ID)), ['return 302 "$scheme://$host$podnet_listener_port$request_uri";']);
  assert.deepEqual(redirectLines(route('/a'), { scheme: 'https', statusCode: 301 }, new HttpLevelBlocks(GENERATED_REQUEST_ID)), ['return 301 "https://$host$request_uri";']);
  assert.deepEqual(redirectLines(route('/a'), { scheme: 'https', port: 443 }, new HttpLevelBlocks(GENERATED_REQUEST_ID)), ['return 302 "https://$host$request_uri";']);
  assert.deepEqual(redirectLines(route('/a'), { scheme: 'http', port: 8080, hostname: 'x.test' }, new HttpLevelBlocks(GENERATED_REQUEST_ID)), ['return 302 "http://x.test:8080$request_uri";']);
  assert.deepEqual(redirectLines(route('/a'), { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/b/' } }, new HttpLevelBlocks(GENERATED_REQUEST_ID)), [
    'rewrite "^/a$" "$scheme://$host$podnet_listener_port/b/" redirect;',
    'rewrite "(?s)^/a(/.*)$" "$scheme://$host$podnet_listener_port/b$1" redirect;',
    'return 500;',
  ]);
  // a port without a scheme: left out where it is the request's scheme's own
  const http = new HttpLevelBlocks(GENERATED_REQUEST_ID);
  assert.deepEqual(redirectLines(route('/a'), { port: 80 }, http), ['return 302 "$scheme://$host$podnet_redirect_port_80$request_uri";']);
  assert.deepEqual(http.lines(), ['map $scheme $podnet_redirect_port_80 { http ""; default ":80"; }']);
  assert.deepEqual(redirectLines(route('/a'), { port: 8080 }, http), ['return 302 "$scheme://$host:8080$request_uri";']);
});

test('rewriteLines and requestHeaderLines', () => {
  assert.deepEqual(rewriteLines(route('/', { filters: { rewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v1' } } } })), ['rewrite "(?s)^(/.*)$" "/v1$1" break;']);
  assert.deepEqual(requestHeaderLines(route('/'), new HttpLevelBlocks(GENERATED_REQUEST_ID)), []); // nothing changed: the http level's headers apply
  const lines = requestHeaderLines(route('/', { filters: { requestHeaders: { set: [{ name: 'host', value: 'h' }], remove: ['proxy', 'X-Gone'] } } }), new HttpLevelBlocks(GENERATED_REQUEST_ID));
  assert.ok(lines.includes('proxy_set_header host "h";'));
  assert.ok(lines.includes('proxy_set_header X-Gone "";'));
  assert.ok(lines.includes('proxy_set_header X-Forwarded-For $remote_addr;')); // the inherited ones are repeated
  assert.equal(lines.filter((l) => /proxy_set_header (Host|host) /.test(l)).length, 1);
});

test('gatewayTimeouts: each try within backendRequest and request, the tries together within request, the connection within a try; 0 is no timeout', () => {
  const CONNECT = 5000;
  assert.equal(gatewayTimeouts(route('/'), CONNECT), undefined);
  assert.deepEqual(gatewayTimeouts(route('/', { timeouts: { requestMs: 1500 } }), CONNECT), { attempt: '1500ms', connect: '1500ms', total: '1500ms' });
  assert.deepEqual(gatewayTimeouts(route('/', { timeouts: { requestMs: 10_000, backendRequestMs: 2000 } }), CONNECT), { attempt: '2s', connect: '2s', total: '10s' });
  assert.deepEqual(gatewayTimeouts(route('/', { timeouts: { requestMs: 1000, backendRequestMs: 0 } }), CONNECT), { attempt: '1s', connect: '1s', total: '1s' });
  assert.deepEqual(gatewayTimeouts(route('/', { timeouts: { requestMs: 30_000 } }), CONNECT), { attempt: '30s', total: '30s' });
  assert.deepEqual(gatewayTimeouts(route('/', { timeouts: { requestMs: 0 } }), CONNECT), { attempt: '24d' });
});

test('compareRoutes: Exact, longest prefix, method, more headers, more query params, older route, name, rule order', () => {
  const rs = [
    route('/a', { order: { created: '2026-01-02T00:00:00Z', rule: 0, match: 0 } }),
    route('/a', { order: { created: '2026-01-01T00:00:00Z', rule: 1, match: 0 } }),
    route('/a', { conditions: { queryParams: [{ name: 'q', type: 'Exact', value: '1' }] } }),
    route('/a', { conditions: { headers: [{ name: 'h', type: 'Exact', value: '1' }] } }),
    route('/a', { conditions: { method: 'GET' } }),
    route('/a/b'),
    route('/a', { kind: 'exact', pathType: 'Exact' }),
  ];
  const sorted = [...rs].sort(compareRoutes);
  assert.deepEqual(sorted.map((r) => rs.indexOf(r)), [5, 6, 4, 3, 2, 1, 0]);
});

test('matchRoute: conditions, fallthrough, and any-depth wildcard hosts', () => {
  const table = buildRouteTable({ ingresses: [], gateway: { backends: [], hosts: [
    { host: 'gw.test', anyDepth: false, routes: [route('/'), route('/x', { conditions: { headers: [{ name: 'x-env', type: 'Exact', value: 'c' }] }, split: [{ backend: backend('c'), weight: 1 }] })] },
    { host: '*.deep.test', anyDepth: true, routes: [route('/', { host: '*.deep.test', split: [{ backend: backend('d'), weight: 1 }] })] },
  ] } });
  assert.equal(matchRoute(table, 'gw.test', '/x/1')?.path, '/');
  assert.equal(matchRoute(table, 'gw.test', '/x/1', { headers: { 'X-Env': 'c' } })?.path, '/x');
  assert.equal(matchRoute(table, 'a.b.deep.test', '/')?.split?.[0]?.backend?.service, 'd');
  assert.equal(matchRoute(table, 'deep.test', '/'), undefined);
  // an exact name beats an any-depth wildcard, which beats a one-label Ingress wildcard
  const hosts = [{ host: '*.e.test' }, { host: '*.e.test', anyDepth: true }, { host: 'a.e.test' }];
  assert.equal(selectHost(hosts, 'a.e.test'), hosts[2]);
  assert.equal(selectHost(hosts, 'b.e.test'), hosts[1]);
});
