// The controller's NGINX answers, end to end through a real NGINX on loopback:
// 404/502/503/504 bodies, forwarded headers, TLS with SNI and the 308 redirect,
// the default certificate, rewrite-target, backend-protocol HTTPS,
// proxy-body-size, class filtering, WebSocket upgrade, the JSON access log,
// and a rejected conf never being loaded.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import httpClient from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { buildRouteTable, type RouteTableInput } from '../../../src/ingress/route-table.js';
import { accessLogPath, attributeConfError } from '../../../src/ingress/nginx-conf.js';
import { ingress, OUR_CLASS, service, slice, tlsSecret } from '../../unit/ingress/fixtures.js';
import { freePort, get, request, runner, startBackend, startResettingBackend, stopBackend, TestNginx, type Backend, type EchoBody } from './harness.js';

const nginx = new TestNginx();
/** GENERATED_REQUEST_ID: $pid-$connection-$connection_requests-$msec */
const GENERATED_ID = /^\d+-\d+-\d+-\d+\.\d{3}$/;
const backends: Backend[] = [];
let input: RouteTableInput;
let certPem = '';
let certFile = '';
let resetting: Awaited<ReturnType<typeof startResettingBackend>> | undefined;

/** A self-signed certificate for `names` (the first is the CN), written to DIR/NAME.crt and .key. */
async function makeCert(dir: string, names: string[]): Promise<{ cert: string; key: string; certFile: string }> {
  const certFile = path.join(dir, `${names[0]}.crt`);
  const keyFile = path.join(dir, `${names[0]}.key`);
  await runner.run(['openssl', 'req', '-x509', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-keyout', keyFile, '-out', certFile,
    '-days', '2', '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`]);
  return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8'), certFile };
}

const ann = (a: Record<string, string>) => Object.fromEntries(Object.entries(a).map(([k, v]) => [`nginx.ingress.kubernetes.io/${k}`, v]));

before(async () => {
  await nginx.start();
  const echo = await startBackend('echo');
  const slow = await startBackend('slow', { delayMs: 3000 });
  // An HTTPS-only backend with a certificate of its own (NGINX does not verify it, as ingress-nginx by default).
  const secureBackend = await startBackend('tls-echo', { tls: await makeCert(nginx.dir, ['backend.test']) });
  backends.push(echo, slow, secureBackend);
  resetting = await startResettingBackend();
  const refusedPort = await freePort();
  const other = await startBackend('other');
  backends.push(other);
  const wildTls = await makeCert(nginx.dir, ['*.wild-tls.test']);
  const tls = await makeCert(nginx.dir, ['secure.test', 'open.test']);
  certPem = tls.cert;
  certFile = tls.certFile;
  input = {
    ingressClasses: [OUR_CLASS],
    ingresses: [
      ingress('hdr', { rules: [{ host: 'hdr.test', paths: [{ svc: 'echo' }] }] }),
      ingress('errors', { rules: [{ host: 'err.test', paths: [{ path: '/none', svc: 'empty' }, { path: '/refused', svc: 'refused' }, { path: '/reset', svc: 'reset' }, { path: '/missing', svc: 'no-such-service' }] }] }),
      ingress('slow', { annotations: ann({ 'proxy-read-timeout': '1' }), rules: [{ host: 'err.test', paths: [{ path: '/slow', svc: 'slow' }] }] }),
      ingress('wild-tls', { tls: [{ hosts: ['*.wild-tls.test'], secretName: 'wild-tls' }], rules: [{ host: '*.wild-tls.test', paths: [{ svc: 'echo' }] }] }),
      ingress('plain-under-wild-tls', { rules: [{ host: 'plain.wild-tls.test', paths: [{ svc: 'other' }] }] }),
      ingress('secure', { tls: [{ hosts: ['secure.test'], secretName: 'secure-tls' }], rules: [{ host: 'secure.test', paths: [{ svc: 'echo' }] }] }),
      ingress('open', { annotations: ann({ 'ssl-redirect': 'false' }), tls: [{ hosts: ['open.test'], secretName: 'secure-tls' }], rules: [{ host: 'open.test', paths: [{ svc: 'echo' }] }] }),
      ingress('rewrite', { annotations: ann({ 'rewrite-target': '/$2', 'use-regex': 'true' }), rules: [{ host: 'rw.test', paths: [{ path: '/something(/|$)(.*)', type: 'ImplementationSpecific', svc: 'echo' }] }] }),
      ingress('https-backend', { annotations: ann({ 'backend-protocol': 'HTTPS' }), rules: [{ host: 'backend.test', paths: [{ path: '/https', svc: 'tls-echo' }] }] }),
      ingress('plain-to-https', { rules: [{ host: 'backend.test', paths: [{ path: '/plain', svc: 'tls-echo-plain' }] }] }),
      ingress('small-body', { annotations: ann({ 'proxy-body-size': '1k' }), rules: [{ host: 'body.test', paths: [{ path: '/small', svc: 'echo' }] }] }),
      ingress('default-body', { rules: [{ host: 'body.test', paths: [{ path: '/default', svc: 'echo' }] }] }),
      ingress('closed', { annotations: ann({ 'allowlist-source-range': '192.0.2.0/24' }), rules: [{ host: 'acl.test', paths: [{ path: '/closed', svc: 'echo' }] }] }),
      ingress('local-only', { annotations: ann({ 'whitelist-source-range': '192.0.2.0/24, 127.0.0.0/8' }), rules: [{ host: 'acl.test', paths: [{ path: '/local', svc: 'echo' }] }] }),
      ingress('traefik', { className: 'traefik', rules: [{ host: 'other-class.test', paths: [{ svc: 'echo' }] }] }),
    ],
    services: [service('other'), service('echo'), service('slow'), service('empty'), service('refused'), service('reset'), service('tls-echo'), service('tls-echo-plain')],
    endpointSlices: [
      slice('echo', ['127.0.0.1'], { port: echo.port }),
      slice('other', ['127.0.0.1'], { port: other.port }),
      slice('slow', ['127.0.0.1'], { port: slow.port }),
      slice('empty', []),
      slice('refused', ['127.0.0.1'], { port: refusedPort }),
      slice('reset', ['127.0.0.1'], { port: resetting.port }),
      slice('tls-echo', ['127.0.0.1'], { port: secureBackend.port }),
      // the same HTTPS backend, without the annotation: NGINX speaks plain HTTP to it
      slice('tls-echo-plain', ['127.0.0.1'], { port: secureBackend.port }),
    ],
    secrets: [tlsSecret('secure-tls', tls.cert, tls.key), tlsSecret('wild-tls', wildTls.cert, wildTls.key)],
  };
  const r = await nginx.apply(buildRouteTable(input));
  assert.equal(r.action, 'started', JSON.stringify(r));
});

after(async () => {
  await nginx.stop();
  for (const b of backends) await stopBackend(b);
  await resetting?.stop();
});

const http = () => nginx.options.httpPort;
const https = () => nginx.options.httpsPort;

/** curl through nginx's TLS port with SNI = host; returns status, body and headers. */
async function curlTls(host: string, urlPath: string, extra: string[] = []) {
  const r = await runner.run(['curl', '-sS', '-D', '-', '--resolve', `${host}:${https()}:127.0.0.1`, '--cacert', certFile, ...extra, `https://${host}:${https()}${urlPath}`], { allowFailure: true });
  return r;
}

test('unknown host → 404 with the controller page', async () => {
  const r = await get(http(), 'nobody.test', '/');
  assert.equal(r.status, 404);
  assert.match(r.body, /podnet ingress: no Ingress rule matches/);
});

test('Ingress of another class is ignored', async () => {
  const r = await get(http(), 'other-class.test', '/');
  assert.equal(r.status, 404);
});

test('forwarded headers, Host preserved, client X-Forwarded-For not trusted', async () => {
  const r = await get(http(), 'hdr.test:8080', '/p?q=1', { 'x-forwarded-for': '6.6.6.6' });
  assert.equal(r.status, 200);
  const body = JSON.parse(r.body) as EchoBody;
  assert.equal(body.url, '/p?q=1');
  assert.equal(body.headers.host, 'hdr.test:8080');
  assert.equal(body.headers['x-forwarded-host'], 'hdr.test:8080');
  assert.equal(body.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(body.headers['x-real-ip'], '127.0.0.1');
  assert.equal(body.headers['x-forwarded-proto'], 'http');
  assert.equal(body.headers['x-forwarded-port'], String(http()));
  assert.match(body.headers['x-request-id'] ?? '', GENERATED_ID);
});

test('generated request ids: worker pid, connection, request on it, time — distinct per request', async () => {
  const agent = new httpClient.Agent({ keepAlive: true, maxSockets: 2 });
  try {
    const ids = await Promise.all([...Array(8).keys()].map((i) => new Promise<string>((resolve, reject) => {
      httpClient.get({ host: '127.0.0.1', port: http(), path: `/id-${i}`, headers: { host: 'hdr.test' }, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve((JSON.parse(body) as EchoBody).headers['x-request-id'] ?? ''));
      }).on('error', reject);
    })));
    for (const id of ids) assert.match(id, GENERATED_ID);
    assert.equal(new Set(ids).size, ids.length, `distinct: ${ids.join(' ')}`);
    const workers = nginx.proc.workers();
    for (const id of ids) assert.ok(workers.includes(Number(id.split('-')[0])), `${id} names a worker of ${workers.join(',')}`);
    // two sockets carried 8 requests: some connection served more than one
    assert.ok(ids.some((id) => Number(id.split('-')[2]) > 1), ids.join(' '));
  } finally {
    agent.destroy();
  }
});

test('no ready endpoints → 503; missing Service → 503', async () => {
  for (const p of ['/none', '/missing']) {
    const r = await get(http(), 'err.test', p);
    assert.equal(r.status, 503, p);
    assert.match(r.body, /no ready endpoints/);
  }
});

test('backend refuses → 502', async () => {
  const r = await get(http(), 'err.test', '/refused');
  assert.equal(r.status, 502);
  assert.match(r.body, /refused or reset/);
});

test('backend accepts, then resets the connection → 502', async () => {
  const before = resetting!.resets();
  const r = await get(http(), 'err.test', '/reset');
  assert.equal(r.status, 502);
  assert.match(r.body, /refused or reset/);
  // it was a reset, not a refusal: the request reached the backend
  assert.ok(resetting!.resets() > before, 'the resetting backend never saw the request');
});

test('backend slower than proxy-read-timeout → 504', async () => {
  const r = await get(http(), 'err.test', '/slow');
  assert.equal(r.status, 504);
  assert.match(r.body, /did not answer in time/);
});

test('TLS with SNI: the host certificate verifies, HTTP/2 is negotiated (ingress-nginx use-http2); X-Forwarded-Proto https', async () => {
  const r = await curlTls('secure.test', '/x');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^HTTP\/2 200/);
  const body = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as EchoBody;
  assert.equal(body.headers['x-forwarded-proto'], 'https');
});

test('TLS host over plain HTTP → 308 to https, keeping path and query', async () => {
  const r = await get(http(), 'secure.test', '/a/b?c=d');
  assert.equal(r.status, 308);
  assert.equal(r.headers.location, `https://secure.test:${https()}/a/b?c=d`);
});

test('allowlist-source-range: a source outside the ranges gets 403, one inside is proxied (whitelist-source-range, the older name, too)', async () => {
  assert.equal((await get(http(), 'acl.test', '/closed')).status, 403);
  assert.equal((await get(http(), 'acl.test', '/local')).status, 200);
});

test('ssl-redirect: "false" serves plain HTTP on a TLS host', async () => {
  const r = await get(http(), 'open.test', '/');
  assert.equal(r.status, 200);
  const t = await curlTls('open.test', '/');
  assert.match(t.stdout, /^HTTP\/2 200/);
  // an HTTP/1.1 client is still served HTTP/1.1 (ALPN)
  const h1 = await curlTls('open.test', '/', ['--http1.1']);
  assert.match(h1.stdout, /^HTTP\/1\.1 200/);
});

test('over HTTPS a host without TLS keeps its own routes when a TLS wildcard covers its name (default certificate)', async () => {
  const over = async (host: string) => {
    const r = await runner.run(['curl', '-sSk', '-w', '\n%{http_code}', '--resolve', `${host}:${https()}:127.0.0.1`, `https://${host}:${https()}/`], { allowFailure: true });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\n200$/);
    return (JSON.parse(r.stdout.slice(0, r.stdout.lastIndexOf('\n'))) as EchoBody).name;
  };
  assert.equal(await over('plain.wild-tls.test'), 'other');
  assert.equal(await over('a.wild-tls.test'), 'echo');
  assert.equal((await get(http(), 'plain.wild-tls.test', '/')).status, 200, 'no redirect: the host has no TLS of its own');
  const subject = async (sni: string) => {
    const r = await runner.run(['openssl', 's_client', '-connect', `127.0.0.1:${https()}`, '-servername', sni], { input: '', allowFailure: true, timeoutMs: 10_000 });
    return /subject=([^\n]*)/.exec(r.stdout)?.[1] ?? '';
  };
  assert.match(await subject('plain.wild-tls.test'), /podnet Ingress Controller Default Certificate/);
  assert.match(await subject('a.wild-tls.test'), /CN ?= ?\*\.wild-tls\.test/);
});

test('unknown SNI → the default certificate', async () => {
  const subject = async (sni: string) => {
    const r = await runner.run(['openssl', 's_client', '-connect', `127.0.0.1:${https()}`, '-servername', sni], { input: '', allowFailure: true, timeoutMs: 10_000 });
    return /subject=([^\n]*)/.exec(r.stdout)?.[1] ?? '';
  };
  assert.match(await subject('unknown.test'), /podnet Ingress Controller Default Certificate/);
  assert.match(await subject('secure.test'), /CN ?= ?secure\.test/);
  assert.ok(certPem.length > 0);
});

test('rewrite-target with capture groups', async () => {
  for (const [req, seen] of [['/something/new/x?y=1', '/new/x?y=1'], ['/something', '/'], ['/SOMETHING/a', '/a']] as const) {
    const r = await get(http(), 'rw.test', req);
    assert.equal(r.status, 200, req);
    assert.equal((JSON.parse(r.body) as EchoBody).url, seen, req);
  }
});

test('backend-protocol: HTTPS speaks TLS to the backend; without it the same backend gives 502', async () => {
  const r = await get(http(), 'backend.test', '/https/x');
  assert.equal(r.status, 200, r.body);
  const body = JSON.parse(r.body) as EchoBody;
  assert.equal(body.name, 'tls-echo');
  assert.equal(body.tls, true);
  assert.equal(body.url, '/https/x');
  assert.equal(body.headers.host, 'backend.test');
  const plain = await get(http(), 'backend.test', '/plain');
  assert.equal(plain.status, 502);
});

test('proxy-body-size: a body over the limit → 413, at the limit → 200; the default (1m) takes 512 KiB', async () => {
  const post = (p: string, bytes: number) => request(http(), 'body.test', p, { method: 'POST', body: 'x'.repeat(bytes), headers: { 'content-type': 'text/plain' } });
  const over = await post('/small', 1025);
  assert.equal(over.status, 413);
  const at = await post('/small', 1024);
  assert.equal(at.status, 200, at.body);
  assert.equal((JSON.parse(at.body) as EchoBody).headers['content-length'], '1024');
  assert.equal((await post('/default', 512 * 1024)).status, 200);
  assert.equal((await post('/default', 1024 * 1024 + 1)).status, 413);
});

/** A WebSocket handshake through nginx; resolves to the response head once bytes sent after it came back through. */
async function upgradeAndEcho(): Promise<string> {
  const sock = net.connect(http(), '127.0.0.1');
  const received: Buffer[] = [];
  sock.on('data', (d) => received.push(d));
  try {
    await new Promise<void>((r) => sock.on('connect', () => r()));
    sock.write('GET /ws HTTP/1.1\r\nHost: hdr.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    const until = async (re: RegExp) => {
      for (let i = 0; i < 200 && !re.test(Buffer.concat(received).toString()); i++) await new Promise((r) => setTimeout(r, 10));
      return Buffer.concat(received).toString();
    };
    const head = (await until(/\r\n\r\n/)).split('\r\n\r\n')[0]!;
    assert.match(head, /^HTTP\/1\.1 101/);
    sock.write('ping-through-nginx');
    assert.match(await until(/ping-through-nginx/), /ping-through-nginx/);
    return head;
  } finally {
    sock.destroy();
  }
}

test('WebSocket upgrade is passed through', async () => {
  await upgradeAndEcho();
});

test('drain before a reload: every response says Connection: close until it is cleared; a WebSocket 101 keeps its Upgrade', async () => {
  const connectionHeaders = async () => {
    const r = await runner.run(['curl', '-sS', '-o', '/dev/null', '-D', '-', '-H', 'Host: hdr.test', `http://127.0.0.1:${http()}/drained`]);
    return r.stdout.split('\r\n').filter((l) => /^connection:/i.test(l)).map((l) => l.toLowerCase());
  };
  assert.deepEqual(await connectionHeaders(), ['connection: keep-alive']);
  assert.equal(await nginx.proc.setDrain(true), true);
  try {
    assert.ok((await connectionHeaders()).includes('connection: close'));
    // curl, asked for two URLs, opens a second connection because the first was told to close.
    const two = await runner.run(['curl', '-sv', '-o', '/dev/null', '-o', '/dev/null', '-H', 'Host: hdr.test', `http://127.0.0.1:${http()}/a`, `http://127.0.0.1:${http()}/b`]);
    assert.doesNotMatch(two.stderr, /Re-using existing connection/);
    assert.doesNotMatch(await upgradeAndEcho(), /connection: close/i);
    // HTTP/2 forbids the header: a client would reset the stream, so drained h2 requests must not get it
    const h2 = await curlTls('secure.test', '/drained');
    assert.equal(h2.code, 0, h2.stderr);
    assert.match(h2.stdout, /^HTTP\/2 200/);
    assert.doesNotMatch(h2.stdout, /^connection:/im);
  } finally {
    assert.equal(await nginx.proc.setDrain(false), true);
  }
  assert.deepEqual(await connectionHeaders(), ['connection: keep-alive']);
});

test('access log: JSON lines naming the Ingress, Service and chosen upstream', async () => {
  await get(http(), 'hdr.test', '/logged');
  let line: Record<string, unknown> | undefined;
  for (let i = 0; i < 100 && !line; i++) {
    const text = await readFile(accessLogPath(nginx.options.runtimeDir), 'utf8');
    const l = text.trim().split('\n').reverse().find((x) => x.includes('/logged'));
    if (l) line = JSON.parse(l) as Record<string, unknown>;
    else await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(line);
  assert.equal(line.ingress, 'default/hdr');
  assert.equal(line.service, 'default/echo:80');
  assert.equal(line.rule_path, '/');
  assert.equal(line.upstream_addr, `127.0.0.1:${backends[0]!.port}`);
  assert.equal(line.status, 200);
  assert.match(String(line.request_id), GENERATED_ID);
});

test('a client X-Request-ID passes through and names the access-log line (ingress-nginx $req_id)', async () => {
  const id = 'trace-4711-from-the-caller';
  const r = await get(http(), 'hdr.test', '/with-id', { 'x-request-id': id });
  assert.equal(r.status, 200);
  assert.equal((JSON.parse(r.body) as EchoBody).headers['x-request-id'], id);
  let line: Record<string, unknown> | undefined;
  for (let i = 0; i < 100 && !line; i++) {
    const text = await readFile(accessLogPath(nginx.options.runtimeDir), 'utf8');
    const l = text.trim().split('\n').reverse().find((x) => x.includes('/with-id'));
    if (l) line = JSON.parse(l) as Record<string, unknown>;
    else await new Promise((res) => setTimeout(res, 20));
  }
  assert.ok(line);
  assert.equal(line.request_id, id);
});

test('a conf nginx rejects is never loaded; the error names the Ingress', async () => {
  // A matching pair node:crypto reads (so the route table passes it on) that OpenSSL's default security level refuses: RSA below 2048 bits.
  const weakCrt = path.join(nginx.dir, 'weak.crt');
  const weakKey = path.join(nginx.dir, 'weak.key');
  await runner.run(['openssl', 'req', '-x509', '-nodes', '-newkey', 'rsa:512', '-keyout', weakKey, '-out', weakCrt, '-days', '2', '-subj', '/CN=bad.test']);
  const weak = tlsSecret('weak', await readFile(weakCrt, 'utf8'), await readFile(weakKey, 'utf8'));
  const broken = { ...input, secrets: [...input.secrets!, weak],
    ingresses: [...input.ingresses, ingress('bad-cert', { tls: [{ hosts: ['bad.test'], secretName: 'weak' }], rules: [{ host: 'bad.test', paths: [{ svc: 'echo' }] }] })] };
  assert.deepEqual(buildRouteTable(broken).warnings.filter((w) => w.ingress.name === 'bad-cert'), []);
  const table = buildRouteTable(broken);
  const rendered = nginx.render(table);
  const before = nginx.proc.current;
  const r = await nginx.apply(table);
  assert.equal(r.action, 'rejected');
  assert.ok('error' in r);
  assert.match(r.error, /certificate/);
  assert.deepEqual(attributeConfError(r.error, rendered.sections), [{ namespace: 'default', name: 'bad-cert' }]);
  assert.equal(nginx.proc.current, before);
  // The master refused it at SIGHUP and kept its conf; the file on disk is that conf again.
  assert.equal(await readFile(nginx.proc.paths.conf, 'utf8'), before);
  assert.equal((await get(http(), 'hdr.test', '/')).status, 200);
  // Without the culprit, the rest loads.
  const ok = await nginx.apply(buildRouteTable({ ...broken, exclude: new Set(['default/bad-cert']) }));
  assert.equal(ok.action, 'unchanged');
});

test('regression: a conf without any Ingress passes nginx -t ($podnet_* variables declared)', async () => {
  const empty = nginx.render(buildRouteTable({ ingresses: [] })).text;
  assert.equal(await nginx.proc.test(empty), undefined);
});
