// podnet test's file format and judging, as rows.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judge, parseConnectivityTests, resultTable } from '../../../src/trace/connectivity-test.js';

const FILE = `
tests:
  - name: outside reaches the api
    from: outside
    url: https://shop.example.test/api/orders
    expect: reachable
  - from: deploy/frontend
    namespace: shop
    url: http://db.shop:5432/
    expect: unreachable
    failsAt: NetworkPolicy
  - from: outside
    url: http://shop.example.test/nope
    expect: 404
  - from: outside
    url: http://store.example.test/
    method: POST
    headers: {X-Canary: "yes", X-Build: 7}
    expect: reachable
`;

test('a file of tests: names, namespaces, the three kinds of expectation, a method and headers', () => {
  const { cases, errors } = parseConnectivityTests(FILE);
  assert.deepEqual(errors, []);
  assert.deepEqual(cases, [
    { name: 'outside reaches the api', from: 'outside', namespace: 'default', url: 'https://shop.example.test/api/orders', expect: { kind: 'reachable' }, headers: [] },
    { name: 'deploy/frontend → http://db.shop:5432/', from: 'deploy/frontend', namespace: 'shop', url: 'http://db.shop:5432/', expect: { kind: 'unreachable', failsAt: 'NetworkPolicy' }, headers: [] },
    { name: 'outside → http://shop.example.test/nope', from: 'outside', namespace: 'default', url: 'http://shop.example.test/nope', expect: { kind: 'status', status: 404 }, headers: [] },
    { name: 'outside → http://store.example.test/', from: 'outside', namespace: 'default', url: 'http://store.example.test/', expect: { kind: 'reachable' }, headers: ['X-Canary: yes', 'X-Build: 7'], method: 'POST' },
  ]);
});

const INVALID = [
  ['no tests', 'x: 1', ['tests: Required value: a list of {from, url, expect}']],
  ['missing fields', 'tests: [{from: outside}]', ['tests[0].url: Required value', 'tests[0].expect: Required value']],
  ['an unknown field and an unknown expectation', 'tests: [{from: outside, url: "http://a/", expect: maybe, timeout: 3}]',
    ['tests[0].timeout: Unsupported value: "timeout": supported values: "name", "from", "namespace", "url", "expect", "failsAt", "method", "headers"', 'tests[0].expect: Unsupported value: "maybe": supported values: "reachable", "unreachable", "an HTTP status 100-599"']],
  ['failsAt without unreachable', 'tests: [{from: outside, url: "http://a/", expect: reachable, failsAt: DNS}]', ['tests[0].failsAt: Invalid value: "DNS": only with expect: unreachable']],
  ['a status out of range and a number where a string belongs', 'tests: [{from: 7, url: "http://a/", expect: 700}]', ['tests[0].from: Invalid value: 7: must be a string', 'tests[0].expect: Unsupported value: 700: supported values: "reachable", "unreachable", "an HTTP status 100-599"']],
  ['a status for a tcp:// test', 'tests: [{from: outside, url: "tcp://db:5432", expect: 200}]', ['tests[0].expect: Invalid value: 200: a tcp:// test opens a connection only: expect reachable or unreachable']],
  ['a URL trace refuses, a node as the source, a failsAt that is no layer', 'tests: [{from: node/node-1, url: "ftp://x/", expect: unreachable, failsAt: Policy}]',
    ['tests[0].failsAt: Unsupported value: "Policy": supported values: "DNS", "the network", "the load balancer", "the node", "the ingress", "the Service", "NetworkPolicy", "the pod", "the destination"',
      'tests[0].url: Invalid value: "ftp://x/": podnet trace follows HTTP and HTTPS requests and tcp://HOST:PORT connections, not ftp',
      'tests[0].from: Invalid value: "node/node-1": --from takes the outside client or a pod (NAME, pod/NAME, deploy|sts|svc/NAME); from a node, run: podnet exec node/node-1 -- curl -v URL']],
  ['a method in lower case, a header that is no token, a header value on two lines, headers on a tcp:// test',
    'tests: [{from: outside, url: "http://a/", expect: reachable, method: post, headers: {"X A": "1", X-B: "a\\nb"}}, {from: outside, url: "tcp://db:5432", expect: reachable, headers: {X-C: "1"}}]',
    ['tests[0].method: Invalid value: "post": must be an HTTP method in capitals (GET, POST, …)', 'tests[0].headers.X A: Invalid value: "X A": must be an HTTP header name',
      'tests[0].headers.X-B: Invalid value: "a\\nb": must be one line', 'tests[1].url: Invalid value: "tcp://db:5432": method and headers shape an HTTP request: a tcp:// test sends none']],
  ['tests as a map', 'tests: {a: 1}', ['tests: Invalid value: {"a":1}: must be a list of {from, url, expect}']],
  ['several documents', 'tests: []\n---\ntests: []', ['<file>: Invalid value: "": a test file is one YAML document (tests: [...]), not several']],
  ['not YAML', 'tests: [', ['<file>: Invalid value: "": not YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 1, column 9']],
] as const;

for (const [name, text, want] of INVALID) {
  test(`an invalid file runs nothing and says why, field by field: ${name}`, () => {
    const { cases, errors } = parseConnectivityTests(text);
    assert.deepEqual(cases, []);
    assert.deepEqual(errors.map((e) => e.toString()), want);
  });
}

const curl = (status: number) => ({ curl: { exit: 0, error: '', status, remoteIP: '', remotePort: 0, localPort: 0, timeMs: 1, connected: status > 0 } });
const answered = { lines: [], ok: true, by: 'pod' as const };
const dropped = { lines: [], ok: false, failure: 'NetworkPolicy: ingress to shop/db-0 isolated by shop/db-deny on node-1 (3 packets)' };

test('judging: reachable, unreachable (at a layer), a status', () => {
  assert.deepEqual(judge({ kind: 'reachable' }, answered, curl(200)), { pass: true, got: 'reachable (200)' });
  assert.deepEqual(judge({ kind: 'reachable' }, answered, curl(0)), { pass: true, got: 'reachable (connected)' });
  assert.deepEqual(judge({ kind: 'reachable' }, dropped, curl(0)), { pass: false, got: 'unreachable at NetworkPolicy' });
  assert.deepEqual(judge({ kind: 'unreachable' }, dropped, curl(0)), { pass: true, got: 'unreachable at NetworkPolicy' });
  assert.deepEqual(judge({ kind: 'unreachable', failsAt: 'networkpolicy' }, dropped, curl(0)), { pass: true, got: 'unreachable at NetworkPolicy' });
  assert.deepEqual(judge({ kind: 'unreachable', failsAt: 'Network' }, dropped, curl(0)), { pass: false, got: 'unreachable at NetworkPolicy' });
  assert.deepEqual(judge({ kind: 'unreachable', failsAt: 'DNS' }, dropped, curl(0)), { pass: false, got: 'unreachable at NetworkPolicy' });
  assert.deepEqual(judge({ kind: 'unreachable' }, answered, curl(200)), { pass: false, got: 'reachable (200)' });
  // NGINX's own redirect is no pod's answer; a name that does not resolve is no blocked request
  assert.deepEqual(judge({ kind: 'reachable' }, { lines: [], ok: true, by: 'ingress' }, curl(308)), { pass: false, got: 'answered 308 by NGINX itself' });
  const nxdomain = { lines: [], ok: false, failure: 'DNS: NXDOMAIN: no Service dbb in namespace shop' };
  assert.deepEqual(judge({ kind: 'unreachable' }, nxdomain, curl(0)), { pass: false, got: 'unreachable at DNS' });
  assert.deepEqual(judge({ kind: 'unreachable', failsAt: 'DNS' }, nxdomain, curl(0)), { pass: true, got: 'unreachable at DNS' });
  const notFound = { lines: [], ok: false, failure: 'the ingress: no rule of host a matches path /nope: …' };
  assert.deepEqual(judge({ kind: 'status', status: 404 }, notFound, curl(404)), { pass: true, got: '404' });
  assert.deepEqual(judge({ kind: 'status', status: 200 }, answered, curl(503)), { pass: false, got: '503' });
});

test('the result table lines up its columns', () => {
  assert.equal(resultTable([{ result: 'PASS', test: 'a', expect: 'reachable', got: 'reachable (200)' }, { result: 'FAIL', test: 'longer name', expect: '404', got: '200' }]),
    'RESULT   TEST          EXPECT      GOT\nPASS     a             reachable   reachable (200)\nFAIL     longer name   404         200');
});
