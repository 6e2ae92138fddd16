import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRouteTable, lastValidCerts, matchRoute, type RouteTableInput } from '../../../src/ingress/route-table.js';
import { FAKE_CERT, FAKE_KEY, TEST_CERT, TEST_KEY, ingress, ingressClass, OUR_CLASS, service, slice, tlsSecret, type PathSpec } from './fixtures.js';
import { PATH_MATRIX } from './path-matrix.js';
import { makeRealCert } from './real-certs.js';

/** Every service named in the paths exists with one ready endpoint. */
function world(extra: Partial<RouteTableInput> & Pick<RouteTableInput, 'ingresses'>): RouteTableInput {
  const names = new Set<string>();
  for (const ing of extra.ingresses) {
    for (const r of ing.spec.rules ?? []) for (const p of r.http?.paths ?? []) names.add(p.backend.service!.name);
    if (ing.spec.defaultBackend?.service) names.add(ing.spec.defaultBackend.service.name);
  }
  return {
    ingressClasses: [OUR_CLASS],
    services: [...names].map((n) => service(n)),
    endpointSlices: [...names].map((n, i) => slice(n, [`10.244.0.${i + 2}`])),
    ...extra,
  };
}

function served(ingresses: RouteTableInput['ingresses'], extra: Partial<RouteTableInput> = {}) {
  return buildRouteTable(world({ ingresses, ...extra }));
}

const svcOf = (r: ReturnType<typeof matchRoute>) => r?.backend?.service ?? (r ? 'no-backend' : 404);

test('path matrix (Ingress docs examples) through matchRoute', async (t) => {
  for (const c of PATH_MATRIX) {
    await t.test(c.name, () => {
      const table = served([ingress('ing', { rules: [{ host: 'x.test', paths: c.paths }] })]);
      assert.equal(svcOf(matchRoute(table, 'x.test', c.request)), c.want);
    });
  }
});

test('hosts: exact, one-label wildcard, catch-all', async (t) => {
  const table = served([ingress('ing', { rules: [
    { host: 'foo.example.com', paths: [{ svc: 'exact' }] },
    { host: '*.example.com', paths: [{ svc: 'wild' }] },
    { paths: [{ svc: 'any' }] },
  ] })]);
  const rows: [string, string | 404][] = [
    ['foo.example.com', 'exact'],
    ['FOO.Example.COM', 'exact'],
    ['foo.example.com:8080', 'exact'],
    ['bar.example.com', 'wild'],
    ['a.b.example.com', 'any'],
    ['example.com', 'any'],
    ['other.test', 'any'],
  ];
  for (const [host, want] of rows) await t.test(host, () => assert.equal(svcOf(matchRoute(table, host, '/')), want));
});

test('host with no matching path does not fall through to the catch-all rules', () => {
  const table = served([ingress('ing', { rules: [
    { host: 'foo.test', paths: [{ path: '/api', svc: 'api' }] },
    { paths: [{ svc: 'any' }] },
  ] })]);
  assert.equal(svcOf(matchRoute(table, 'foo.test', '/web')), 404);
  assert.equal(svcOf(matchRoute(table, 'bar.test', '/web')), 'any');
});

test('defaultBackend answers its hosts when no path matches, and the catch-all when it has no rules', () => {
  const withRules = ingress('a', { defaultBackend: { svc: 'fallback' }, rules: [{ host: 'foo.test', paths: [{ path: '/api', svc: 'api' }] }] });
  const noRules = ingress('b', { created: '2024-02-01T00:00:00Z', defaultBackend: { svc: 'global' } });
  const table = served([withRules, noRules]);
  assert.equal(svcOf(matchRoute(table, 'foo.test', '/api/x')), 'api');
  assert.equal(svcOf(matchRoute(table, 'foo.test', '/other')), 'fallback');
  assert.equal(svcOf(matchRoute(table, 'unknown.test', '/')), 'global');
  assert.equal(matchRoute(table, 'unknown.test', '/')!.isDefaultBackend, true);
});

test('several Ingresses for one host merge', () => {
  const table = served([
    ingress('web', { rules: [{ host: 'shop.test', paths: [{ path: '/', svc: 'web' }] }] }),
    ingress('api', { ns: 'other', rules: [{ host: 'shop.test', paths: [{ path: '/api', svc: 'api' }] }] }),
  ], { services: [service('web'), service('api', { ns: 'other' })], endpointSlices: [slice('web', ['10.244.0.2']), slice('api', ['10.244.0.3'], { ns: 'other' })] });
  assert.equal(table.hosts.filter((h) => h.host === 'shop.test').length, 1);
  assert.equal(svcOf(matchRoute(table, 'shop.test', '/api/v1')), 'api');
  assert.equal(matchRoute(table, 'shop.test', '/api/v1')!.backend!.namespace, 'other');
  assert.equal(svcOf(matchRoute(table, 'shop.test', '/cart')), 'web');
  assert.deepEqual(table.warnings, []);
});

test('conflict: the oldest Ingress keeps host+path+pathType, the newer gets a warning', () => {
  const older = ingress('older', { created: '2024-01-01T00:00:00Z', rules: [{ host: 'c.test', paths: [{ path: '/x', svc: 'one' }] }] });
  const newer = ingress('newer', { created: '2024-03-01T00:00:00Z', rules: [{ host: 'c.test', paths: [{ path: '/x/', svc: 'two' }, { path: '/y', svc: 'two' }] }] });
  for (const order of [[older, newer], [newer, older]]) {
    const table = served(order);
    assert.equal(svcOf(matchRoute(table, 'c.test', '/x')), 'one');
    assert.equal(svcOf(matchRoute(table, 'c.test', '/y')), 'two');
    assert.equal(table.warnings.length, 1);
    assert.deepEqual(table.warnings[0]!.ingress, { namespace: 'default', name: 'newer' });
    assert.equal(table.warnings[0]!.reason, 'PathConflict');
    assert.match(table.warnings[0]!.message, /already served by older Ingress default\/older/);
  }
});

test('conflict: same timestamp → namespace/name decides', () => {
  const table = served([
    ingress('b', { rules: [{ host: 'c.test', paths: [{ path: '/', svc: 'b' }] }] }),
    ingress('a', { rules: [{ host: 'c.test', paths: [{ path: '/', svc: 'a' }] }] }),
  ]);
  assert.equal(svcOf(matchRoute(table, 'c.test', '/')), 'a');
  assert.equal(table.warnings[0]!.ingress.name, 'b');
});

test('Exact and Prefix on the same path are not a conflict', () => {
  const table = served([
    ingress('p', { rules: [{ host: 'c.test', paths: [{ path: '/x', type: 'Prefix', svc: 'p' }] }] }),
    ingress('e', { created: '2025-01-01T00:00:00Z', rules: [{ host: 'c.test', paths: [{ path: '/x', type: 'Exact', svc: 'e' }] }] }),
  ]);
  assert.deepEqual(table.warnings, []);
  assert.equal(svcOf(matchRoute(table, 'c.test', '/x')), 'e');
  assert.equal(svcOf(matchRoute(table, 'c.test', '/x/')), 'p');
});

test('class filtering', async (t) => {
  const paths: PathSpec[] = [{ svc: 's' }];
  const rows: { name: string; ing: ReturnType<typeof ingress>; classes: ReturnType<typeof ingressClass>[]; served: boolean }[] = [
    { name: 'ingressClassName nginx, IngressClass nginx is ours', ing: ingress('i', { className: 'nginx', rules: [{ paths }] }), classes: [ingressClass('nginx')], served: true },
    { name: 'ingressClassName nginx, no such IngressClass', ing: ingress('i', { className: 'nginx', rules: [{ paths }] }), classes: [], served: false },
    { name: 'ingressClassName nginx, IngressClass nginx of another controller', ing: ingress('i', { className: 'nginx', rules: [{ paths }] }), classes: [ingressClass('nginx', { controller: 'example.com/other' })], served: false },
    { name: 'ingressClassName internal, an IngressClass of our controller', ing: ingress('i', { className: 'internal', rules: [{ paths }] }), classes: [ingressClass('internal')], served: true },
    { name: 'ingressClassName other', ing: ingress('i', { className: 'traefik', rules: [{ paths }] }), classes: [ingressClass('nginx', { isDefault: true }), ingressClass('traefik', { controller: 'traefik.io/ingress-controller' })], served: false },
    { name: 'no class, ours is default', ing: ingress('i', { className: null, rules: [{ paths }] }), classes: [ingressClass('nginx', { isDefault: true })], served: true },
    { name: 'no class, ours not default', ing: ingress('i', { className: null, rules: [{ paths }] }), classes: [ingressClass('nginx')], served: false },
    { name: 'no class, default is another controller', ing: ingress('i', { className: null, rules: [{ paths }] }), classes: [ingressClass('nginx'), ingressClass('traefik', { isDefault: true, controller: 'traefik.io/ingress-controller' })], served: false },
    { name: 'no class, the default named nginx is another controller\'s', ing: ingress('i', { className: null, rules: [{ paths }] }), classes: [ingressClass('nginx', { isDefault: true, controller: 'example.com/other' })], served: false },
    { name: 'deprecated annotation nginx', ing: ingress('i', { className: null, annotations: { 'kubernetes.io/ingress.class': 'nginx' }, rules: [{ paths }] }), classes: [], served: true },
    { name: 'deprecated annotation other', ing: ingress('i', { className: null, annotations: { 'kubernetes.io/ingress.class': 'gce' }, rules: [{ paths }] }), classes: [ingressClass('nginx', { isDefault: true })], served: false },
  ];
  for (const r of rows) {
    await t.test(r.name, () => {
      const table = served([r.ing], { ingressClasses: r.classes });
      assert.equal(table.served.length, r.served ? 1 : 0);
      assert.equal(svcOf(matchRoute(table, 'any.test', '/')), r.served ? 's' : 404);
    });
  }
});

test('backends: port by number or name, EndpointSlice port by the service port name', () => {
  const svc = service('web', { clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'admin', port: 9000, targetPort: 9001 }] });
  const slices = [slice('web', ['10.244.1.5', '10.244.0.9'], { portName: 'http', port: 8080 }), slice('web', ['10.244.1.5'], { portName: 'admin', port: 9001, name: 'web-2' })];
  const table = buildRouteTable({
    ingressClasses: [OUR_CLASS],
    ingresses: [ingress('i', { rules: [{ host: 'b.test', paths: [{ path: '/', svc: 'web', port: 80 }, { path: '/admin', svc: 'web', port: 'admin' }] }] })],
    services: [svc], endpointSlices: slices,
  });
  const root = matchRoute(table, 'b.test', '/')!.backend!;
  assert.equal(root.key, 'default_web_80');
  assert.equal(root.clusterIP, '10.96.0.50');
  assert.deepEqual(root.endpoints, [{ ip: '10.244.0.9', port: 8080 }, { ip: '10.244.1.5', port: 8080 }]);
  const admin = matchRoute(table, 'b.test', '/admin')!.backend!;
  assert.equal(admin.servicePort, 9000);
  assert.deepEqual(admin.endpoints, [{ ip: '10.244.1.5', port: 9001 }]);
});

test('backends: not-ready excluded; serving-but-terminating used only when none is ready', () => {
  const mk = (eps: Parameters<typeof slice>[1]) => buildRouteTable({
    ingressClasses: [OUR_CLASS],
    ingresses: [ingress('i', { rules: [{ paths: [{ svc: 's' }] }] })], services: [service('s')], endpointSlices: [slice('s', eps)],
  }).backends[0]!.endpoints.map((e) => e.ip);
  assert.deepEqual(mk(['10.0.0.1', { ip: '10.0.0.2', ready: false }, { ip: '10.0.0.3', ready: false, serving: true, terminating: true }]), ['10.0.0.1']);
  assert.deepEqual(mk([{ ip: '10.0.0.2', ready: false }, { ip: '10.0.0.3', ready: false, serving: true, terminating: true }]), ['10.0.0.3']);
  assert.deepEqual(mk([{ ip: '10.0.0.2', ready: false, serving: false, terminating: true }]), []);
});

test('backends: missing service or port → warning and a route without backend (503)', () => {
  const table = buildRouteTable({
    ingressClasses: [OUR_CLASS],
    ingresses: [ingress('i', { rules: [{ host: 'm.test', paths: [{ path: '/a', svc: 'nope' }, { path: '/b', svc: 's', port: 81 }] }] })],
    services: [service('s')],
  });
  assert.deepEqual(table.warnings.map((w) => w.reason), ['ServiceNotFound', 'PortNotFound']);
  assert.equal(svcOf(matchRoute(table, 'm.test', '/a')), 'no-backend');
  assert.equal(svcOf(matchRoute(table, 'm.test', '/b')), 'no-backend');
});

test('TLS: secret per host, wildcard tls host, missing and malformed secrets; an Opaque Secret with tls.crt and tls.key serves (ingress-nginx reads them whatever the type)', () => {
  const table = served([
    ingress('i', {
      rules: [{ host: 'a.test', paths: [{ svc: 's' }] }, { host: 'x.wild.test', paths: [{ svc: 's' }] }, { host: 'b.test', paths: [{ svc: 's' }] }, { host: 'c.test', paths: [{ svc: 's' }] }, { host: 'd.test', paths: [{ svc: 's' }] }, { host: 'plain.test', paths: [{ svc: 's' }] }],
      tls: [{ hosts: ['a.test'], secretName: 'a-cert' }, { hosts: ['*.wild.test'], secretName: 'a-cert' }, { hosts: ['b.test'], secretName: 'missing' }, { hosts: ['c.test'], secretName: 'opaque' }, { hosts: ['d.test'], secretName: 'no-key' }],
    }),
  ], { secrets: [tlsSecret('a-cert', TEST_CERT, TEST_KEY), { ...tlsSecret('opaque', TEST_CERT, TEST_KEY), type: 'Opaque' }, { ...tlsSecret('no-key', TEST_CERT, ''), type: 'Opaque' }] });
  const host = (h: string) => table.hosts.find((v) => v.host === h)!;
  assert.equal(host('a.test').tls!.cert, TEST_CERT);
  assert.equal(host('x.wild.test').tls!.secret, 'default/a-cert');
  assert.equal(host('b.test').tls!.cert, undefined);
  assert.deepEqual([host('c.test').tls!.secret, host('c.test').tls!.cert], ['default/opaque', TEST_CERT]);
  assert.deepEqual([host('d.test').tls!.secret, host('d.test').tls!.cert], ['default/no-key', undefined]);
  assert.equal(host('plain.test').tls, undefined);
  assert.deepEqual(table.warnings.map((w) => w.reason).sort(), ['InvalidSecret', 'SecretNotFound']);
});

test('TLS: a Secret NGINX could not load (key of another certificate, unreadable PEM) → the default certificate for its hosts, every route kept', () => {
  const other = makeRealCert('other.test');
  const table = served([
    ingress('i', {
      rules: [{ host: 'mismatch.test', paths: [{ path: '/a', svc: 's' }] }, { host: 'unreadable.test', paths: [{ svc: 's' }] }, { host: '*.plain.test', paths: [{ svc: 's' }] }],
      tls: [{ hosts: ['mismatch.test'], secretName: 'mismatch' }, { hosts: ['unreadable.test'], secretName: 'unreadable' }],
    }),
  ], { secrets: [tlsSecret('mismatch', TEST_CERT, other.key), tlsSecret('unreadable', FAKE_CERT, FAKE_KEY)] });
  const host = (h: string) => table.hosts.find((v) => v.host === h)!;
  assert.deepEqual(host('mismatch.test').tls, { secret: 'default/mismatch', ingress: { namespace: 'default', name: 'i' } });
  assert.deepEqual(host('unreadable.test').tls, { secret: 'default/unreadable', ingress: { namespace: 'default', name: 'i' } });
  assert.equal(svcOf(matchRoute(table, 'mismatch.test', '/a')), 's');
  assert.equal(svcOf(matchRoute(table, 'x.plain.test', '/')), 's');
  assert.deepEqual(table.warnings.map((w) => [w.reason, w.message]), [
    ['InvalidSecret', 'TLS secret default/mismatch: tls.key is not the private key of the certificate in tls.crt; serving the default certificate'],
    ['InvalidSecret', 'TLS secret default/unreadable: tls.crt is not an X.509 certificate; serving the default certificate'],
  ]);
});

test('TLS entry without hosts: the rule hosts its certificate covers (SAN, one-label wildcard, else CN), never the default server', async (t) => {
  const sans = makeRealCert('ignored.test', ['a.test', '*.wild.test']);
  const cnOnly = makeRealCert('cn.test');
  const elsewhere = makeRealCert('elsewhere.test', ['elsewhere.test']);
  const secrets = [tlsSecret('sans', sans.cert, sans.key), tlsSecret('cn-only', cnOnly.cert, cnOnly.key), tlsSecret('elsewhere', elsewhere.cert, elsewhere.key), tlsSecret('fake', FAKE_CERT, FAKE_KEY)];
  const rows: { name: string; secret: string; ruleHosts: string[]; want: Record<string, string | undefined>; warnings?: string[] }[] = [
    {
      name: 'SAN names and a one-label wildcard SAN; CN ignored when there are SANs',
      secret: 'sans', ruleHosts: ['a.test', 'x.wild.test', 'a.b.wild.test', 'wild.test', 'ignored.test'],
      want: { 'a.test': 'default/sans', 'x.wild.test': 'default/sans', 'a.b.wild.test': undefined, 'wild.test': undefined, 'ignored.test': undefined, '': undefined },
    },
    { name: 'no SANs: the CN', secret: 'cn-only', ruleHosts: ['cn.test', 'other.test'], want: { 'cn.test': 'default/cn-only', 'other.test': undefined, '': undefined } },
    { name: 'covers no rule host: not used, a warning', secret: 'elsewhere', ruleHosts: ['other.test'], want: { 'other.test': undefined, '': undefined }, warnings: ['TLSHostsNotCovered'] },
    { name: 'a rule-less Ingress: not the default server\'s either', secret: 'elsewhere', ruleHosts: [], want: { '': undefined }, warnings: ['TLSHostsNotCovered'] },
    { name: 'missing Secret: nothing but its warning', secret: 'missing', ruleHosts: ['a.test'], want: { 'a.test': undefined, '': undefined }, warnings: ['SecretNotFound'] },
    { name: 'unreadable certificate: nothing but a warning', secret: 'fake', ruleHosts: ['a.test'], want: { 'a.test': undefined, '': undefined }, warnings: ['InvalidSecret'] },
  ];
  for (const row of rows) {
    await t.test(row.name, () => {
      const table = served([ingress('i', {
        tls: [{ secretName: row.secret }],
        ...(row.ruleHosts.length > 0 ? { rules: row.ruleHosts.map((host) => ({ host, paths: [{ svc: 's' }] })) } : { defaultBackend: { svc: 's' } }),
      })], { secrets });
      const got = Object.fromEntries(Object.keys(row.want).map((h) => [h, table.hosts.find((v) => v.host === h)?.tls?.secret]));
      assert.deepEqual(got, row.want);
      assert.deepEqual(table.warnings.map((w) => w.reason), row.warnings ?? []);
    });
  }
});

test('TLS: a host listed by an older Ingress keeps that Secret over a newer tls entry without hosts', () => {
  const sans = makeRealCert('a.test', ['a.test']);
  const table = served([
    ingress('old', { created: '2024-01-01T00:00:00Z', tls: [{ hosts: ['a.test'], secretName: 'listed' }], rules: [{ host: 'a.test', paths: [{ path: '/old', svc: 's' }] }] }),
    ingress('new', { created: '2024-06-01T00:00:00Z', tls: [{ secretName: 'sans' }], rules: [{ host: 'a.test', paths: [{ path: '/new', svc: 's' }] }] }),
  ], { secrets: [tlsSecret('listed', sans.cert, sans.key), tlsSecret('sans', sans.cert, sans.key)] });
  assert.equal(table.hosts.find((v) => v.host === 'a.test')!.tls!.secret, 'default/listed');
});

test('regex hosts (use-regex / rewrite-target): every non-Exact path of the host is a case-insensitive regex', () => {
  const table = served([
    ingress('r', { annotations: { 'nginx.ingress.kubernetes.io/rewrite-target': '/$2' }, rules: [{ host: 'r.test', paths: [{ path: '/something(/|$)(.*)', type: 'ImplementationSpecific', svc: 'r' }] }] }),
    ingress('p', { rules: [{ host: 'r.test', paths: [{ path: '/api', svc: 'p' }, { path: '/exact', type: 'Exact', svc: 'e' }] }] }),
  ]);
  const v = table.hosts.find((h) => h.host === 'r.test')!;
  assert.equal(v.regex, true);
  assert.equal(svcOf(matchRoute(table, 'r.test', '/something/new')), 'r');
  assert.equal(svcOf(matchRoute(table, 'r.test', '/SOMETHING')), 'r');
  assert.equal(svcOf(matchRoute(table, 'r.test', '/apixyz')), 'p', 'ingress-nginx regex semantics: ^/api also matches /apixyz');
  assert.equal(svcOf(matchRoute(table, 'r.test', '/exact')), 'e');
  assert.equal(svcOf(matchRoute(table, 'r.test', '/exact/x')), 404);
  // other hosts keep the element-wise semantics
  assert.equal(table.hosts.find((h) => h.host === '')!.regex, false);
});

test('invalid annotation values are ignored with a warning; ingress-nginx ones podnet does not implement too, with their own reason; others are not ours', () => {
  const table = served([ingress('i', {
    annotations: { 'nginx.ingress.kubernetes.io/proxy-read-timeout': 'soon', 'nginx.ingress.kubernetes.io/ssl-redirect': 'false', 'nginx.ingress.kubernetes.io/whatever': 'x', 'nginx.ingress.kubernetes.io/proxy-body-size': '8M', 'example.com/owner': 'team-a' },
    rules: [{ paths: [{ svc: 's' }] }],
  })]);
  const r = matchRoute(table, 'a.test', '/')!;
  assert.equal(r.options.proxyReadTimeoutS, 60);
  assert.equal(r.options.sslRedirect, false);
  assert.equal(r.options.proxyBodySize, '8m');
  assert.deepEqual(table.warnings.map((w) => [w.reason, w.message]), [
    ['InvalidAnnotation', 'invalid value "soon" for annotation nginx.ingress.kubernetes.io/proxy-read-timeout: expected a positive number of seconds; ignored'],
    ['UnsupportedAnnotation', "annotation nginx.ingress.kubernetes.io/whatever is not implemented by podnet's controller (docs/ingress.md lists the ones that are); ignored"],
  ]);
});

test('invalid paths and hosts are dropped with a warning', () => {
  const table = served([ingress('i', { rules: [
    { host: 'ok.test', paths: [{ path: 'relative', svc: 's' }, { path: '/__podnet/x', svc: 's' }, { path: '/fine', svc: 's' }] },
    { host: 'bad_host!', paths: [{ svc: 's' }] },
  ] })]);
  assert.deepEqual(table.warnings.map((w) => w.reason), ['InvalidHost', 'InvalidPath', 'InvalidPath']);
  assert.equal(table.hosts.find((h) => h.host === 'ok.test')!.routes.length, 1);
});

test('excluded Ingresses (rejected by nginx -t) are left out', () => {
  const table = served([ingress('a', { rules: [{ paths: [{ svc: 'a' }] }] }), ingress('b', { rules: [{ host: 'b.test', paths: [{ svc: 'b' }] }] })], { exclude: new Set(['default/b']) });
  assert.deepEqual(table.served.map((r) => r.name), ['a']);
  assert.equal(svcOf(matchRoute(table, 'b.test', '/')), 'a');
});

test('an empty path is a missing one: `/` (regression: ImplementationSpecific "" was dropped as InvalidPath)', () => {
  for (const regex of [false, true]) {
    const table = served([ingress('i', { ...(regex ? { annotations: { 'nginx.ingress.kubernetes.io/use-regex': 'true' } } : {}), rules: [{ host: 'e.test', paths: [{ path: '', type: 'ImplementationSpecific', svc: 'empty' }] }] })]);
    assert.deepEqual(table.warnings, [], `use-regex ${regex}`);
    assert.equal(svcOf(matchRoute(table, 'e.test', '/')), 'empty');
    assert.equal(svcOf(matchRoute(table, 'e.test', '/any/thing')), 'empty');
    assert.equal(table.hosts.find((h) => h.host === 'e.test')!.routes[0]!.path, '/');
  }
});

// Regression: regex paths were validated with JavaScript's RegExp and these,
// which NGINX's PCRE2 compiles, were dropped as "not a valid regular expression".
// matchRoute approximates them (paths.ts pcreToJs); NGINX itself is the judge.
const PCRE_ONLY_PATHS: { path: string; hit: string; miss: string }[] = [
  { path: '/(?i)api', hit: '/API/x', miss: '/ap' },
  { path: '/(?P<v>[a-z]+)/x', hit: '/abc/x', miss: '/123/x' },
  { path: '/a++b', hit: '/aaab', miss: '/b' },
  { path: '/(?>ab)c', hit: '/abc', miss: '/ac' },
  { path: '/n{2}+m', hit: '/nnm', miss: '/nm' },
];

test('regex paths only PCRE knows are served, and matchRoute approximates them', async (t) => {
  for (const row of PCRE_ONLY_PATHS) {
    await t.test(row.path, () => {
      const table = served([ingress('re', { annotations: { 'nginx.ingress.kubernetes.io/use-regex': 'true' }, rules: [{ host: 're.test', paths: [{ path: row.path, type: 'ImplementationSpecific', svc: 'pcre' }] }] })]);
      assert.deepEqual(table.warnings, []);
      assert.equal(svcOf(matchRoute(table, 're.test', row.hit)), 'pcre');
      assert.equal(svcOf(matchRoute(table, 're.test', row.miss)), 404);
    });
  }
});

test('matchRoute skips a regex path JavaScript cannot compile (no match, no throw); NGINX decides whether it is valid', () => {
  const table = served([ingress('re', { annotations: { 'nginx.ingress.kubernetes.io/use-regex': 'true' }, rules: [{ host: 're.test', paths: [
    { path: '/(?R)x', type: 'ImplementationSpecific', svc: 'recursive' },
    { path: '/', type: 'Prefix', svc: 'root' },
  ] }] })]);
  assert.deepEqual(table.warnings, []);
  assert.equal(table.hosts.find((h) => h.host === 're.test')!.routes.length, 2);
  assert.equal(svcOf(matchRoute(table, 're.test', '/x')), 'root');
});

test('TLS: a Secret updated into a pair NGINX cannot load keeps its last valid certificate (ingress-nginx keeps its sslStore entry); deleted, the default one', () => {
  const other = makeRealCert('other.test');
  const ing = ingress('i', { tls: [{ hosts: ['a.test'], secretName: 'a-cert' }], rules: [{ host: 'a.test', paths: [{ svc: 's' }] }] });
  const build = (secrets: ReturnType<typeof tlsSecret>[], last?: ReturnType<typeof lastValidCerts>) =>
    buildRouteTable({ ingressClasses: [OUR_CLASS], ingresses: [ing], services: [service('s')], secrets, ...(last ? { lastValidCerts: last } : {}) });
  const good = build([tlsSecret('a-cert', TEST_CERT, TEST_KEY)]);
  const last = lastValidCerts(good);
  assert.deepEqual([...last.keys()], ['default/a-cert']);
  const broken = build([tlsSecret('a-cert', TEST_CERT, other.key)], last);
  const tls = broken.hosts.find((h) => h.host === 'a.test')!.tls!;
  assert.deepEqual([tls.cert, tls.key], [TEST_CERT, TEST_KEY]);
  assert.deepEqual(broken.warnings.map((w) => w.message), ['TLS secret default/a-cert: tls.key is not the private key of the certificate in tls.crt; serving its last valid certificate']);
  // the fallback carries over to the next sync; a deleted Secret does not
  assert.deepEqual([...lastValidCerts(broken).values()], [{ cert: TEST_CERT, key: TEST_KEY }]);
  const gone = build([], lastValidCerts(broken));
  assert.equal(gone.hosts.find((h) => h.host === 'a.test')!.tls!.cert, undefined);
});
