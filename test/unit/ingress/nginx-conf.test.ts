import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { buildRouteTable, type RouteTableInput } from '../../../src/ingress/route-table.js';
import { attributeConfError, confFiles, defaultWorkerProcesses, nginxHashBucketSize, renderNginxConf, tlsFiles, type RenderOptions } from '../../../src/ingress/nginx-conf.js';
import { mergeEndpoints, renderBalancerEndpoints } from '../../../src/ingress/lua-module.js';
import { ingress, OUR_CLASS, service, slice, TEST_CERT, TEST_KEY, tlsSecret } from './fixtures.js';
import { makeRealCert } from './real-certs.js';

// Goldens live next to the sources; `UPDATE_SNAPSHOTS=1 node --test ...` rewrites them.
const GOLDEN = new URL('../../../../test/unit/ingress/testdata/', import.meta.url);

const OPTIONS: RenderOptions = { runtimeDir: '/run/pn-ingress', certDir: '/run/pn-ingress/certs', httpPort: 80, httpsPort: 443, defaultCert: { certPath: '/run/pn-ingress/default.crt', keyPath: '/run/pn-ingress/default.key' } };
const ann = (a: Record<string, string>) => Object.fromEntries(Object.entries(a).map(([k, v]) => [`nginx.ingress.kubernetes.io/${k}`, v]));

function sample(): RouteTableInput {
  return {
    ingressClasses: [OUR_CLASS],
    ingresses: [
      ingress('shop', { ns: 'shop', tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }], rules: [{ host: 'shop.example.com', paths: [
        { path: '/', svc: 'web' }, { path: '/api', svc: 'api' }, { path: '/api', type: 'Exact', svc: 'web' }, { path: '/cart/', type: 'Exact', svc: 'web' },
      ] }] }),
      ingress('wild', { rules: [{ host: '*.apps.example.com', paths: [{ svc: 'echo' }] }], defaultBackend: { svc: 'echo' } }),
      ingress('rewrite', { annotations: ann({ 'rewrite-target': '/$2', 'proxy-read-timeout': '5', 'proxy-body-size': '8m', 'backend-protocol': 'HTTPS' }), rules: [{ host: 'rw.example.com', paths: [{ path: '/something(/|$)(.*)', type: 'ImplementationSpecific', svc: 'echo' }] }] }),
      ingress('catchall', { rules: [{ paths: [{ path: '/healthz', type: 'Exact', svc: 'echo' }] }] }),
    ],
    services: [service('web', { ns: 'shop', clusterIP: '10.96.0.20' }), service('api', { ns: 'shop' }), service('echo', { clusterIP: '10.96.0.30' })],
    endpointSlices: [slice('web', ['10.244.1.7', '10.244.0.5'], { ns: 'shop' }), slice('echo', ['10.244.0.9'])],
    secrets: [tlsSecret('shop-tls', TEST_CERT, TEST_KEY, 'shop')],
  };
}

function golden(name: string, text: string) {
  const url = new URL(name, GOLDEN);
  if (process.env.UPDATE_SNAPSHOTS) writeFileSync(url, text);
  assert.equal(text, readFileSync(url, 'utf8'), `${name} differs; rerun with UPDATE_SNAPSHOTS=1 and review the diff`);
}

test('snapshot: a representative cluster renders to the golden nginx.conf', () => {
  golden('sample.nginx.conf', renderNginxConf(buildRouteTable(sample()), OPTIONS).text);
});

test('snapshot: an empty cluster still serves the default server (404) and the default cert', () => {
  golden('empty.nginx.conf', renderNginxConf(buildRouteTable({ ingresses: [] }), OPTIONS).text);
});

test('deterministic: input order does not change a byte', () => {
  const a = sample();
  const b: RouteTableInput = {
    ...a,
    ingresses: [...a.ingresses].reverse(),
    services: [...a.services!].reverse(),
    endpointSlices: a.endpointSlices!.map((s) => ({ ...s, endpoints: [...s.endpoints].reverse() })).reverse(),
  };
  assert.equal(renderNginxConf(buildRouteTable(b), OPTIONS).text, renderNginxConf(buildRouteTable(a), OPTIONS).text);
});

test('location mapping of the path types', () => {
  const text = renderNginxConf(buildRouteTable(sample()), OPTIONS).text;
  const shop = text.slice(text.indexOf('server_name shop.example.com;'));
  for (const loc of ['location / {', 'location = "/api" {', 'location "/api/" {', 'location ~ "^/cart/$" {']) assert.ok(shop.includes(loc), loc);
  assert.ok(text.includes('server_name "~^[^.]+\\\\.apps\\\\.example\\\\.com$";'));
  assert.ok(text.includes('location ~* "^/something(/|$)(.*)" {'));
  assert.ok(text.includes('rewrite "(?i)^/something(/|$)(.*)" /$2 break;'));
  assert.ok(text.includes('set $podnet_backend "default_echo_80";'));
  assert.ok(text.includes('proxy_pass https://podnet_balancer_tls;'));
  assert.ok(!/\/var\/lib\/nginx|\/run\/nginx\.pid|\/var\/log\/nginx/.test(text), 'never the host nginx paths');
});

test('endpoints are not in the conf: no ready pod, one, three render the same text; only the balancer line changes', () => {
  const input = (endpoints: Parameters<typeof slice>[1]): RouteTableInput => ({
    ingressClasses: [OUR_CLASS],
    ingresses: [ingress('new', { rules: [{ host: 'new.example.com', paths: [{ svc: 'fresh' }, { path: '/headless', svc: 'headless' }, { path: '/gone', svc: 'missing' }] }] })],
    services: [service('fresh', { clusterIP: '10.96.0.40' }), service('headless')],
    endpointSlices: [slice('fresh', endpoints), slice('headless', [])],
  });
  const tables = [[{ ip: '10.244.0.7', ready: false }], ['10.244.0.7'], ['10.244.0.7', '10.244.1.2', '10.244.2.3']].map((e) => buildRouteTable(input(e)));
  const texts = tables.map((t) => renderNginxConf(t, OPTIONS).text);
  assert.equal(texts[1], texts[0]);
  assert.equal(texts[2], texts[0]);
  assert.deepEqual(tables.map(renderBalancerEndpoints), [
    'default_fresh_80 10.96.0.40,80\ndefault_headless_80 -\n',
    'default_fresh_80 10.96.0.40,80 10.244.0.7,8080\ndefault_headless_80 -\n',
    'default_fresh_80 10.96.0.40,80 10.244.0.7,8080 10.244.1.2,8080 10.244.2.3,8080\ndefault_headless_80 -\n',
  ]);
  const server = texts[0]!.slice(texts[0]!.indexOf('server_name new.example.com;'));
  const block = (loc: string) => server.slice(server.indexOf(loc), server.indexOf('\n    }', server.indexOf(loc)));
  // Every Service port is proxied through the balancer, which sends requests to the 503 server while it has no ready pod.
  for (const [loc, key] of [['location / {', 'default_fresh_80'], ['location "/headless/" {', 'default_headless_80']] as const) {
    assert.ok(block(loc).includes(`set $podnet_backend "${key}";`), loc);
    assert.match(block(loc), /proxy_pass http:\/\/podnet_balancer;/);
  }
  // A Service that does not exist has no balancer entry: the controller answers itself.
  assert.match(block('location "/gone/" {'), /return 503;/);
  assert.doesNotMatch(texts[0]!, /error_page 502 =503|server 10\.|backup/);
});

test('one balancer upstream per protocol, the Lua module loaded in the master, a control server on a Unix socket', () => {
  const text = renderNginxConf(buildRouteTable(sample()), OPTIONS).text;
  for (const [name, tls] of [['podnet_balancer', false], ['podnet_balancer_tls', true]]) {
    assert.ok(text.includes(`  upstream ${name} {\n    server 0.0.0.1;\n    balancer_by_lua_block { podnet.balance(${tls}) }\n`), `${name}`);
  }
  assert.equal(text.match(/^\s*upstream /gm)?.length, 2);
  assert.match(text, /^load_module \/usr\/lib\/nginx\/modules\/ngx_http_lua_module\.so;$/m);
  assert.match(text, /^ {2}init_by_lua_block \{ podnet = require "podnet" \}$/m);
  assert.match(text, /^ {4}listen unix:\/run\/pn-ingress\/control\.sock;$/m);
  assert.match(text, /^ {4}listen unix:\/run\/pn-ingress\/no-endpoints\.sock;\n {4}listen unix:\/run\/pn-ingress\/no-endpoints-tls\.sock ssl;$/m);
  assert.doesNotMatch(text, /access_by_lua/);
  const files = confFiles(buildRouteTable(sample()), OPTIONS);
  const lua = files.get('/run/pn-ingress/lua/podnet.lua');
  assert.ok(lua?.includes('local FILE = "/run/pn-ingress/endpoints.txt"'));
});

test('tls files: one PEM per Secret content, named by the Secret', () => {
  const files = tlsFiles(buildRouteTable(sample()), '/c');
  assert.equal(files.size, 1);
  const [name, pem] = [...files][0]!;
  assert.match(name, /^\/c\/shop_shop-tls-[0-9a-f]{16}\.pem$/);
  assert.ok(pem.includes('BEGIN CERTIFICATE') && pem.includes('BEGIN PRIVATE KEY'));
});

test('attributeConfError: by line, by certificate file, or nobody', () => {
  const rendered = renderNginxConf(buildRouteTable(sample()), OPTIONS);
  const lines = rendered.text.split('\n');
  const rwLine = lines.findIndex((l) => l.includes('server_name rw.example.com;')) + 1;
  assert.deepEqual(attributeConfError(`nginx: [emerg] bad thing in /x/nginx.conf.next:${rwLine}`, rendered.sections), [{ namespace: 'default', name: 'rewrite' }]);
  const cert = [...tlsFiles(buildRouteTable(sample()), OPTIONS.certDir).keys()][0]!;
  assert.deepEqual(attributeConfError(`nginx: [emerg] cannot load certificate "${cert}": PEM_read_bio_X509_AUX() failed`, rendered.sections), [{ namespace: 'shop', name: 'shop' }]);
  assert.deepEqual(attributeConfError('nginx: [emerg] x in /x/nginx.conf.next:3', rendered.sections), []);
});

test('attributeConfError: a line inside a location blames that location\'s Ingress, a server-level line every Ingress of the host', () => {
  const rendered = renderNginxConf(buildRouteTable({
    ingressClasses: [OUR_CLASS],
    ingresses: [ingress('a', { rules: [{ host: 's.test', paths: [{ path: '/a', svc: 'echo' }] }] }), ingress('b', { rules: [{ host: 's.test', paths: [{ path: '/b', svc: 'echo' }] }] })],
    services: [service('echo', { clusterIP: '10.96.0.30' })],
  }), OPTIONS);
  const lines = rendered.text.split('\n');
  const error = (match: string, from = 0) => `nginx: [emerg] x in /x/nginx.conf.next:${lines.findIndex((l, i) => i >= from && l.includes(match)) + 1}`;
  const bLocation = lines.findIndex((l) => l.includes('location "/b/" {'));
  assert.deepEqual(attributeConfError(error('proxy_pass', bLocation), rendered.sections), [{ namespace: 'default', name: 'b' }]);
  assert.deepEqual(attributeConfError(error('location = "/a" {'), rendered.sections), [{ namespace: 'default', name: 'a' }]);
  assert.deepEqual(attributeConfError(error('server_name s.test;'), rendered.sections), [{ namespace: 'default', name: 'a' }, { namespace: 'default', name: 'b' }]);
});

// The data path's tuning (docs/ingress.md, "Data path"): each row is a directive the hop's cost depends on.
test('data path: upstream keep-alive, buffered access log, one listening socket per worker only with several workers', () => {
  const rows: { name: string; options: Partial<RenderOptions>; present: RegExp[]; absent: RegExp[] }[] = [
    {
      name: 'defaults: one worker, no reuseport',
      options: {},
      present: [
        /^worker_processes 1;$/m,
        /^worker_rlimit_nofile 8192;$/m,
        /^ {2}proxy_http_version 1\.1;$/m,
        // empty Connection to the upstream unless the client asked for an upgrade: the connection stays reusable
        /^ {2}map \$http_upgrade \$connection_upgrade \{ default upgrade; '' ''; \}$/m,
        /^ {2}proxy_set_header Connection \$connection_upgrade;$/m,
        /^ {4}keepalive 320;$/m,
        /^ {4}keepalive_requests 10000;$/m,
        /^ {4}keepalive_timeout 4s;$/m,
        /^ {2}access_log \/run\/pn-ingress\/logs\/access\.log podnet_json buffer=64k flush=100ms;$/m,
        /^ {2}proxy_buffering on;$/m,
        /^ {2}tcp_nodelay on;$/m,
      ],
      absent: [/reuseport/],
    },
    {
      name: 'two workers: reuseport on the default server, once per address:port',
      options: { workerProcesses: 2 },
      present: [/^worker_processes 2;$/m, /^ {4}listen 80 default_server reuseport;$/m, /^ {4}listen 443 ssl http2 default_server reuseport;$/m],
      absent: [/^ {4}listen 80 reuseport;$/m, /^ {4}listen (80|443)( ssl)?;.*reuseport/m],
    },
    {
      name: 'stdout access log is buffered too',
      options: { accessLogStdout: true },
      present: [/^ {2}access_log \/dev\/stdout podnet_json buffer=64k flush=100ms;$/m],
      absent: [],
    },
  ];
  for (const row of rows) {
    const text = renderNginxConf(buildRouteTable(sample()), { ...OPTIONS, ...row.options }).text;
    for (const re of row.present) assert.match(text, re, `${row.name}: ${re}`);
    for (const re of row.absent) assert.doesNotMatch(text, re, `${row.name}: ${re}`);
    assert.equal(text.match(/reuseport/g)?.length ?? 0, row.options.workerProcesses === 2 ? 2 : 0, `${row.name}: reuseport count`);
  }
});

test('worker processes: half the CPUs, at least one (NGINX shares the node with its backends)', () => {
  for (const [cpus, workers] of [[1, 1], [2, 1], [3, 1], [4, 2], [8, 4], [64, 32]] as const) {
    assert.equal(defaultWorkerProcesses(cpus), workers, `${cpus} CPUs`);
  }
});

test('ssl-redirect "false" also holds for the root location added to a TLS host without a `/` rule (regression)', () => {
  const render = (annotations: Record<string, string>) => {
    const text = renderNginxConf(buildRouteTable({
      ingressClasses: [OUR_CLASS],
      ingresses: [ingress('api', { annotations: ann(annotations), tls: [{ hosts: ['api.example.com'] }], rules: [{ host: 'api.example.com', paths: [{ path: '/v1', svc: 'echo' }] }] })],
      services: [service('echo', { clusterIP: '10.96.0.30' })],
      endpointSlices: [slice('echo', ['10.244.0.9'])],
    }), OPTIONS).text;
    const server = text.slice(text.indexOf('server_name api.example.com;'));
    const block = (loc: string) => server.slice(server.indexOf(loc), server.indexOf('\n    }', server.indexOf(loc)));
    return { root: block('location / {'), v1: block('location "/v1/" {') };
  };
  const redirect = /return 308 https:\/\/\$host\$request_uri;/;
  const off = render({ 'ssl-redirect': 'false' });
  assert.doesNotMatch(off.v1, redirect);
  assert.doesNotMatch(off.root, redirect, 'the implicit root follows the annotations of the host\'s Ingress');
  assert.match(off.root, /return 404;/);
  const on = render({});
  assert.match(on.v1, redirect);
  assert.match(on.root, redirect);
});

test('a tls entry without hosts that covers no rule host: the default server keeps its self-signed certificate', () => {
  const cert = makeRealCert('elsewhere.test', ['elsewhere.test']);
  const table = buildRouteTable({
    ingressClasses: [OUR_CLASS],
    ingresses: [ingress('any', { tls: [{ secretName: 'any-tls' }], rules: [{ paths: [{ svc: 'echo' }] }] })],
    services: [service('echo', { clusterIP: '10.96.0.30' })],
    endpointSlices: [slice('echo', ['10.244.0.9'])],
    secrets: [tlsSecret('any-tls', cert.cert, cert.key)],
  });
  const rendered = renderNginxConf(table, OPTIONS);
  assert.deepEqual([...tlsFiles(table, OPTIONS.certDir).keys()], []);
  const server = rendered.text.slice(rendered.text.indexOf('server_name _;'));
  assert.ok(server.includes(`ssl_certificate ${OPTIONS.defaultCert.certPath};`));
  assert.doesNotMatch(rendered.text, /return 308/);
  assert.deepEqual(table.warnings.map((w) => w.reason), ['TLSHostsNotCovered']);
});

test('HTTPS port: TLS hosts, the default server, and hosts without TLS only where a TLS wildcard covers them', () => {
  const table = buildRouteTable({
    ingressClasses: [OUR_CLASS],
    ingresses: [
      ingress('wild', { tls: [{ hosts: ['*.shop.example.com'], secretName: 'wild' }], rules: [{ host: '*.shop.example.com', paths: [{ svc: 'echo' }] }] }),
      ingress('plain', { rules: [{ host: 'api.shop.example.com', paths: [{ svc: 'echo' }] }, { host: 'a.b.shop.example.com', paths: [{ svc: 'echo' }] }, { host: 'other.example.com', paths: [{ svc: 'echo' }] }] }),
    ],
    services: [service('echo')],
    secrets: [tlsSecret('wild', TEST_CERT, TEST_KEY)],
  });
  const text = renderNginxConf(table, OPTIONS).text;
  const server = (name: string) => text.slice(text.lastIndexOf('server {', text.indexOf(`server_name ${name};`)), text.indexOf('\n    }', text.indexOf(`server_name ${name};`)));
  assert.match(server('api.shop.example.com'), new RegExp(`listen 443 ssl http2;[^]*ssl_certificate ${OPTIONS.defaultCert.certPath};`));
  assert.doesNotMatch(server('api.shop.example.com'), /return 308/, 'no TLS of its own: no redirect');
  for (const host of ['a.b.shop.example.com', 'other.example.com']) assert.doesNotMatch(server(host), /listen 443/, host);
});

test('mergeEndpoints: the new lines, plus the running conf\'s Service ports the new table lacks', () => {
  const running = 'a_x_80 - 10.244.0.1,8080\nb_y_80 - 10.244.0.2,8080\n';
  const next = 'b_y_80 - 10.244.0.3,8080\nc_z_80 -\n';
  assert.equal(mergeEndpoints(running, next), 'b_y_80 - 10.244.0.3,8080\nc_z_80 -\na_x_80 - 10.244.0.1,8080\n');
  assert.equal(mergeEndpoints('', next), next);
  assert.equal(mergeEndpoints(running, ''), running);
});

// ingress-nginx's TestNginxHashBucketSize rows: longest server name → bucket size.
const HASH_BUCKET_SIZES: [number, number][] = [
  [0, 32], [1, 32], [13, 32], [14, 32], [15, 64], [16, 64], [45, 64], [46, 64], [47, 128], [48, 128],
  [109, 128], [110, 128], [111, 256], [112, 256], [237, 256], [238, 256], [239, 512], [240, 512], [253, 512],
];

test('nginxHashBucketSize: ingress-nginx\'s table', () => {
  for (const [n, want] of HASH_BUCKET_SIZES) assert.equal(nginxHashBucketSize(n), want, `longest name ${n}`);
});

test('server_names_hash_bucket_size follows the longest host, never below 128 (regression: a 200-character host froze every change)', () => {
  const bucket = (hosts: string[]) => {
    const text = renderNginxConf(buildRouteTable({ ingressClasses: [OUR_CLASS], ingresses: hosts.map((h, i) => ingress(`i${i}`, { rules: [{ host: h, paths: [{ svc: 'web' }] }] })) }), OPTIONS).text;
    return /server_names_hash_bucket_size (\d+);/.exec(text)?.[1];
  };
  /** a valid host of n characters: 59-character labels, then `.test` */
  const long = (n: number) => `${`${'x'.repeat(59)}.`.repeat(5).slice(0, n - 5)}.test`;
  assert.equal(bucket([]), '128');
  assert.equal(bucket(['short.test']), '128');
  assert.equal(bucket([long(110)]), '128');
  assert.equal(bucket(['short.test', long(111)]), '256');
  assert.equal(bucket([long(200), 'short.test']), '256');
  assert.equal(bucket([long(240)]), '512');
});
