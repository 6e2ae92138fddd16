// Gateway API on a real cluster, from the outside client through every layer
// (external DNS → cloud load balancer → the ingress controller's NGINX →
// Service → pod), with curl: the GatewayClass made at `up` is Accepted; a
// Gateway of it gets the controller's load-balancer address and Programmed;
// an HTTPRoute's hostnames resolve outside and its rules route by header, by
// weight and by path, over HTTP and over its HTTPS listener (the certificate
// chosen by SNI); a RequestRedirect answers 301; a backendRef to a missing
// Service is reported (ResolvedRefs False, BackendNotFound) and answers 500;
// a backendRef into another namespace waits for a ReferenceGrant; a route
// whose hostname no listener takes is not accepted.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Gateway, HTTPRoute } from '../../../src/api/gateway-types.js';
import type { Service } from '../../../src/api/types.js';
import { GATEWAY_CLASS, INGRESS_CONTROLLER } from '../../../src/config.js';
import { eventually, podnet, withCluster } from '../../support/cli.js';
import { echoDeployment, echoService } from '../../support/manifests.js';

const CLUSTER = 'itgw';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itgw-'));
const pn = podnet(CLUSTER, stateDir);

async function ok(args: string[], input?: string): Promise<string> {
  const r = await pn(args, input === undefined ? {} : { input });
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const apply = (text: string) => ok(['apply', '-f', '-'], text);
const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await ok([...args, '-o', 'json'])) as T;

/** A self-signed certificate for *.gw.example.test, made with openssl. */
function certificate(): { crt: string; key: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'podnet-itgw-cert-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=*.gw.example.test',
      '-addext', 'subjectAltName=DNS:*.gw.example.test', '-keyout', path.join(dir, 'k'), '-out', path.join(dir, 'c')], { stdio: 'ignore' });
    return { crt: readFileSync(path.join(dir, 'c'), 'utf8'), key: readFileSync(path.join(dir, 'k'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Reply { status: number; redirect: string; pod?: string; path?: string }

/** One curl per row on the outside client, in one podnet call (each CLI start costs ~0.3 s). */
async function curlAll(rows: string[][]): Promise<Reply[]> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const script = rows.map((args) => `curl -s -m 5 -w '\\t%{http_code}\\t%{redirect_url}' ${args.map(quote).join(' ')} | tr -d '\\n\\r'; echo`).join('\n');
  const out = await ok(['outside', '--', 'bash', '-c', script]);
  return out.split('\n').slice(0, rows.length).map((line) => {
    const fields = line.split('\t');
    const redirect = fields.pop()!;
    const status = Number(fields.pop());
    let pod: string | undefined;
    let p: string | undefined;
    try { ({ pod, path: p } = JSON.parse(fields.join('\t')) as { pod: string; path: string }); } catch { /* an error page */ }
    return { status, redirect, ...(pod ? { pod: pod.replace(/-[a-z0-9]+-[a-z0-9]+$/, '') } : {}), ...(p ? { path: p } : {}) };
  });
}

const condition = (conditions: { type: string; status: string; reason?: string }[] | undefined, type: string) => {
  const c = conditions?.find((x) => x.type === type);
  return c ? `${c.status} ${c.reason}` : 'none';
};

async function routeParent(name: string, ns = 'shop'): Promise<HTTPRoute['status']> {
  return (await getJson<HTTPRoute>(['get', 'httproute', name, '-n', ns])).status;
}

describe('Gateway API through every layer', () => {
  withCluster(pn, CLUSTER, stateDir);
  let lbIP = '';

  test('the GatewayClass made at up is Accepted; a Gateway of it gets the load balancer\'s address and is Programmed', async () => {
    await eventually('GatewayClass Accepted', async () => (await ok(['get', 'gatewayclass', GATEWAY_CLASS])).includes('True'), 20_000, 200);
    const { crt, key } = certificate();
    await apply(`
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: payments}
---
apiVersion: v1
kind: Secret
type: kubernetes.io/tls
metadata: {name: gw-cert, namespace: shop}
data: {tls.crt: ${Buffer.from(crt).toString('base64')}, tls.key: ${Buffer.from(key).toString('base64')}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web, namespace: shop}
spec:
  gatewayClassName: ${GATEWAY_CLASS}
  listeners:
    - {name: http, port: 80, protocol: HTTP, hostname: "*.gw.example.test"}
    - name: https
      port: 443
      protocol: HTTPS
      hostname: "*.gw.example.test"
      tls: {certificateRefs: [{name: gw-cert}]}
---
${echoDeployment({ name: 'stable', namespace: 'shop' })}
---
${echoService({ name: 'stable', namespace: 'shop' })}
---
${echoDeployment({ name: 'canary', namespace: 'shop' })}
---
${echoService({ name: 'canary', namespace: 'shop' })}
---
${echoDeployment({ name: 'billing', namespace: 'payments' })}
---
${echoService({ name: 'billing', namespace: 'payments' })}
`);
    const svc = await getJson<Service>(['get', 'svc', INGRESS_CONTROLLER.name, '-n', INGRESS_CONTROLLER.namespace]);
    lbIP = svc.status?.loadBalancer?.ingress?.[0]?.ip ?? '';
    assert.match(lbIP, /^203\.0\.113\./);
    const gw = await eventually('Gateway Programmed', async () => {
      const g = await getJson<Gateway>(['get', 'gtw', 'web', '-n', 'shop']);
      return condition(g.status?.conditions, 'Programmed').startsWith('True') ? g : undefined;
    }, 20_000, 200);
    assert.deepEqual(gw.status?.addresses, [{ type: 'IPAddress', value: lbIP }]);
    assert.equal(condition(gw.status?.conditions, 'Accepted'), 'True Accepted');
    assert.deepEqual(gw.status?.listeners?.map((l) => [l.name, condition(l.conditions, 'Programmed')]), [['http', 'True Programmed'], ['https', 'True Programmed']]);
    const table = await ok(['get', 'gtw', '-n', 'shop']);
    assert.match(table, new RegExp(`web\\s+${GATEWAY_CLASS}\\s+${lbIP.replace(/\./g, '\\.')}\\s+True`));
  });

  test('an HTTPRoute routes by header and by path, over HTTP and HTTPS, reached by name from outside', async () => {
    await apply(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: store, namespace: shop}
spec:
  parentRefs: [{name: web}]
  hostnames: [store.gw.example.test]
  rules:
    - matches: [{headers: [{name: x-canary, value: "yes"}]}]
      backendRefs: [{name: canary, port: 80}]
    - matches: [{path: {type: PathPrefix, value: /api}, method: POST}]
      backendRefs: [{name: canary, port: 80}]
    - matches: [{path: {type: PathPrefix, value: /v1}}]
      filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}}]
      backendRefs: [{name: stable, port: 80}]
    - backendRefs: [{name: stable, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: old-store, namespace: shop}
spec:
  parentRefs: [{name: web, sectionName: http}]
  hostnames: [old.gw.example.test]
  rules:
    - filters: [{type: RequestRedirect, requestRedirect: {hostname: store.gw.example.test, statusCode: 301}}]
`);
    await eventually('store accepted', async () => condition((await routeParent('store'))?.parents?.[0]?.conditions, 'Accepted') === 'True Accepted', 20_000, 200);
    assert.equal(condition((await routeParent('store'))?.parents?.[0]?.conditions, 'ResolvedRefs'), 'True ResolvedRefs');
    // the name resolves outside (external-dns publishes it) and the pods are ready
    const replies = await eventually('store answers', async () => {
      const r = await curlAll([
        ['http://store.gw.example.test/'],
        ['-H', 'X-Canary: yes', 'http://store.gw.example.test/anything'],
        ['-X', 'POST', 'http://store.gw.example.test/api/orders'],
        ['http://store.gw.example.test/api/orders'],
        ['http://store.gw.example.test/v1/items?id=7'],
        ['-k', 'https://store.gw.example.test/secure'],
        ['http://old.gw.example.test/a?b=c'],
        ['-k', 'https://old.gw.example.test/a'],
      ]);
      return r.every((x) => x.status !== 0 && x.status !== 503) ? r : undefined;
    }, 60_000, 500);
    assert.deepEqual(replies.map((r) => [r.status, r.pod, r.path, r.redirect].filter(Boolean).join(' ')), [
      '200 stable /',
      '200 canary /anything',
      '200 canary /api/orders',
      '200 stable /api/orders',
      '200 stable /items?id=7',
      '200 stable /secure',
      '301 http://store.gw.example.test/a?b=c',
      '404', // old-store attached to the HTTP listener only
    ]);
    // trace takes the header match too, and names the route NGINX matched
    const traced = await ok(['trace', 'http://store.gw.example.test/anything', '-H', 'X-Canary: yes']);
    assert.match(traced, /published by podnet's external-dns from HTTPRoute shop\/store/);
    assert.match(traced, /matched host store\.gw\.example\.test path \/ of HTTPRoute shop\/store → shop\/canary:80/);
    assert.match(traced, /Pod +shop\/canary-/);
    // and so does podnet test, from a file
    const file = path.join(stateDir, 'gateway-connectivity.yaml');
    writeFileSync(file, [
      'tests:',
      '  - {name: canary by header, from: outside, url: "http://store.gw.example.test/x", headers: {X-Canary: "yes"}, expect: reachable}',
      '  - {name: old name redirected, from: outside, url: "http://old.gw.example.test/a", expect: 301}',
      '  - {name: POST to the api prefix, from: outside, url: "http://store.gw.example.test/api/orders", method: POST, expect: reachable}',
    ].join('\n'));
    const tested = await pn(['test', '-f', file]);
    assert.equal(tested.code, 0, `${tested.stdout}${tested.stderr}`);
    assert.match(tested.stdout, /3 passed/);
    const dig = await ok(['outside', '--', 'dig', '+short', 'store.gw.example.test']);
    assert.equal(dig.trim(), lbIP);
    const tls = await pn(['outside', '--', 'curl', '-s', '-v', '-k', '-o', '/dev/null', 'https://store.gw.example.test/']);
    assert.match(tls.stderr, /subject: CN=\*\.gw\.example\.test/);
  });

  test('listener isolation and hostname precedence: an HTTP-only name is the HTTPS wildcard listener\'s over HTTPS; a precise route\'s rules come before a wildcard route\'s', async () => {
    await apply(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: secure-all, namespace: shop}
spec:
  parentRefs: [{name: web, sectionName: https}]
  rules: [{backendRefs: [{name: canary, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: plain, namespace: shop}
spec:
  parentRefs: [{name: web, sectionName: http}]
  hostnames: [plain.gw.example.test]
  rules:
    - matches: [{path: {type: PathPrefix, value: /only}}]
      backendRefs: [{name: stable, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: wide, namespace: shop}
spec:
  parentRefs: [{name: web, sectionName: http}]
  hostnames: ["*.gw.example.test"]
  rules: [{backendRefs: [{name: canary, port: 80}]}]
`);
    const replies = await eventually('plain answers', async () => {
      const r = await curlAll([
        ['http://plain.gw.example.test/only/x'],
        ['http://plain.gw.example.test/'],
        ['-k', 'https://plain.gw.example.test/only/x'],
        ['-k', 'https://store.gw.example.test/'],
      ]);
      return r.every((x) => x.status === 200) ? r : undefined;
    }, 30_000, 500);
    assert.deepEqual(replies.map((r) => r.pod), [
      'stable', // the precise route's rule
      'canary', // no rule of it matches: the wildcard route's, on the same listener
      'canary', // over HTTPS the name is the wildcard HTTPS listener's: its route, not the HTTP-only one
      'stable', // store's own rules come before the HTTPS listener's catch-all route
    ]);
    const tls = await pn(['outside', '--', 'curl', '-s', '-v', '-k', '-o', '/dev/null', 'https://plain.gw.example.test/']);
    assert.match(tls.stderr, /subject: CN=\*\.gw\.example\.test/);
  });

  test('weights split the requests of one rule', async () => {
    await apply(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: split, namespace: shop}
spec:
  parentRefs: [{name: web}]
  hostnames: [split.gw.example.test]
  rules:
    - backendRefs: [{name: stable, port: 80, weight: 3}, {name: canary, port: 80, weight: 1}]
`);
    // served once the route's own backend answers (before it, the name is the wildcard route's: canary)
    await eventually('split served', async () => (await curlAll(Array.from({ length: 8 }, () => ['http://split.gw.example.test/']))).some((x) => x.pod === 'stable'), 30_000, 500);
    const replies = await curlAll(Array.from({ length: 60 }, () => ['http://split.gw.example.test/']));
    const stable = replies.filter((r) => r.pod === 'stable').length;
    const canary = replies.filter((r) => r.pod === 'canary').length;
    assert.equal(stable + canary, 60);
    assert.ok(canary > 0 && stable > canary, `stable ${stable}, canary ${canary}`);
  });

  test('a missing Service is BackendNotFound (500); another namespace\'s Service waits for a ReferenceGrant; a hostname no listener takes is not accepted', async () => {
    await apply(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: broken, namespace: shop}
spec:
  parentRefs: [{name: web}]
  hostnames: [broken.gw.example.test]
  rules: [{backendRefs: [{name: nosuch, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: pay, namespace: shop}
spec:
  parentRefs: [{name: web}]
  hostnames: [pay.gw.example.test]
  rules: [{backendRefs: [{name: billing, namespace: payments, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: elsewhere, namespace: shop}
spec:
  parentRefs: [{name: web}]
  hostnames: [www.other.test]
  rules: [{backendRefs: [{name: stable, port: 80}]}]
`);
    await eventually('statuses', async () => (await routeParent('elsewhere'))?.parents?.length === 1, 20_000, 200);
    assert.equal(condition((await routeParent('broken'))?.parents?.[0]?.conditions, 'ResolvedRefs'), 'False BackendNotFound');
    assert.equal(condition((await routeParent('pay'))?.parents?.[0]?.conditions, 'ResolvedRefs'), 'False RefNotPermitted');
    assert.equal(condition((await routeParent('elsewhere'))?.parents?.[0]?.conditions, 'Accepted'), 'False NoMatchingListenerHostname');
    const [broken, pay] = await eventually('published', async () => {
      const r = await curlAll([['http://broken.gw.example.test/'], ['http://pay.gw.example.test/']]);
      return r.every((x) => x.status !== 0) ? r : undefined;
    }, 30_000, 500);
    assert.equal(broken!.status, 500);
    assert.equal(pay!.status, 500);

    await apply(`
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: shop-routes, namespace: payments}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: shop}]
  to: [{group: "", kind: Service}]
`);
    await eventually('granted', async () => condition((await routeParent('pay'))?.parents?.[0]?.conditions, 'ResolvedRefs') === 'True ResolvedRefs', 20_000, 200);
    const [granted] = await eventually('pay answers', async () => {
      const r = await curlAll([['http://pay.gw.example.test/']]);
      return r[0]!.status === 200 ? r : undefined;
    }, 30_000, 500);
    assert.equal(granted!.pod, 'billing');
    const describe = await ok(['describe', 'httproute', 'pay', '-n', 'shop']);
    assert.match(describe, /ResolvedRefs/);
  });
});
