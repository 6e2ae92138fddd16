// `podnet trace` on a real cluster: the built-in example (examples/) and a
// `probe` pod in namespace default, traced from the outside client and from
// pods. Each case checks the layers the command prints against what the API
// and the load balancer's own status say (pod names, pod IPs, the node in
// service), and each failure case its one-line verdict and exit code: a name
// in the wrong namespace, a Service scaled to no pod, a NetworkPolicy that
// drops, a host nobody publishes, an address no Ingress routes, bad usage.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPodReady } from '../../../src/api/pod-helpers.js';
import type { Ingress, Pod, Service } from '../../../src/api/types.js';
import { lbStatusPath, type LbStatus } from '../../../src/cloud/lb-status.js';
import { downOrKill, eventually, podnet, type Run } from '../../support/cli.js';

const CLUSTER = 'ittrace';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-ittrace-'));
const pn = podnet(CLUSTER, stateDir);

const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const OUTSIDE_CLIENT_IP = '198.51.100.10';
const SHOP_API = 'https://shop.example.test/api/orders';
const POLICY = 'api-deny';

/** a pod in namespace default, outside the shop, to send requests from */
const PROBE = 'apiVersion: v1\nkind: Pod\nmetadata: {name: probe, labels: {app: probe}}\nspec: {terminationGracePeriodSeconds: 0, containers: [{name: probe, image: podnet/echo}]}\n';

const DENY_API = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${POLICY}, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
`;

/** One numbered layer of the report: "  3. Ingress        NGINX …" and the lines under it. */
interface Layer { n: number; name: string; text: string; more: string[] }
interface Trace extends Run { layers: Layer[] }

/** the column a layer's text starts at (explain.ts pads the name to 15) */
const LAYER_TEXT_AT = 20;

function layersOf(stdout: string): Layer[] {
  const layers: Layer[] = [];
  for (const line of stdout.split('\n')) {
    const head = /^ {2}(\d+)\. (.{15})(.*)$/.exec(line);
    if (head) layers.push({ n: Number(head[1]), name: head[2]!.trim(), text: head[3]!, more: [] });
    else if (layers.length > 0 && line.startsWith(' '.repeat(LAYER_TEXT_AT))) layers.at(-1)!.more.push(line.slice(LAYER_TEXT_AT));
  }
  return layers;
}

async function trace(args: string[]): Promise<Trace> {
  const r = await pn(['trace', ...args], { timeoutMs: 60_000 });
  return { ...r, layers: layersOf(r.stdout) };
}

/**
 * Traces until the verdict is `stderr` (the cluster follows a change in a
 * moment: EndpointSlices, then NGINX's configuration); the last trace either
 * way, for the caller's assertions to show.
 */
async function traceUntil(what: string, args: string[], stderr: string, timeoutMs: number): Promise<Trace> {
  let last: Trace | undefined;
  await eventually(what, async () => {
    last = await trace(args);
    return last.stderr === stderr;
  }, timeoutMs, 250).catch(() => undefined);
  return last!;
}

function layer(t: Trace, name: string): Layer {
  const found = t.layers.find((l) => l.name === name);
  assert.ok(found, `no layer "${name}" in:\n${t.stdout}${t.stderr}`);
  return found;
}

/** The report's "Pod" layer: "NS/NAME on NODE (IP) answered STATUS in N ms". */
function answeringPod(t: Trace): { namespace: string; name: string; node: string; ip: string; status: number } {
  const m = /^(\S+)\/(\S+) on (\S+) \((\S+)\) answered (\d{3}) in \d+ ms(?:: "[^"]*")?$/.exec(layer(t, 'Pod').text);
  assert.ok(m, `the Pod layer names no answering pod:\n${t.stdout}`);
  return { namespace: m[1]!, name: m[2]!, node: m[3]!, ip: m[4]!, status: Number(m[5]) };
}

/** "node-1's nftables DNAT chose 10.244.0.3:8080 (api-…) (its conntrack entry)" under the Service layer */
function dnatChoice(t: Trace): { node: string; ip: string; port: number; pod: string } {
  const m = dnatLine(t);
  assert.ok(m, `no DNAT line naming a pod under the Service layer:\n${t.stdout}`);
  return m;
}

function dnatLine(t: Trace): { node: string; ip: string; port: number; pod: string } | undefined {
  const line = layer(t, 'Service').more.find((l) => l.includes('nftables DNAT chose'));
  const m = line && /^(\S+)'s nftables DNAT chose (\S+):(\d+) \((\S+)\) \(its conntrack entry\)$/.exec(line);
  return m ? { node: m[1]!, ip: m[2]!, port: Number(m[3]), pod: m[4]! } : undefined;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function apply(yaml: string): Promise<void> {
  const r = await pn(['apply', '-f', '-'], { input: yaml });
  assert.equal(r.code, 0, r.stderr);
}

async function getJson<T>(args: string[]): Promise<T> {
  const r = await pn(['get', ...args, '-o', 'json']);
  assert.equal(r.code, 0, `get ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

async function pods(namespace: string, selector?: string): Promise<Pod[]> {
  return (await getJson<{ items: Pod[] }>(['pods', '-n', namespace, ...(selector ? ['-l', selector] : [])])).items;
}

async function readyPods(namespace: string, selector: string): Promise<Pod[]> {
  return (await pods(namespace, selector)).filter((p) => isPodReady(p) && !p.metadata.deletionTimestamp);
}

async function loadBalancerIP(): Promise<string> {
  const svc = await getJson<Service>(['svc', 'ingress-nginx-controller', '-n', 'ingress-nginx']);
  const ip = svc.status?.loadBalancer?.ingress?.[0]?.ip;
  assert.ok(ip, 'the ingress controller\'s Service has no load-balancer address');
  return ip;
}

function lbStatus(): LbStatus | undefined {
  const file = lbStatusPath(path.join(stateDir, CLUSTER));
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as LbStatus : undefined;
}

/** Whether each api pod's node has (want true) or lacks (want false) the deny rule for that pod in its NetworkPolicy table. */
async function denyRulesInPlace(apiPods: Pod[], want: boolean): Promise<boolean> {
  for (const pod of apiPods) {
    const nft = await pn(['exec', `node/${pod.spec.nodeName}`, '--', 'nft', 'list', 'table', 'ip', 'podnet-netpol']);
    const has = nft.code === 0 && nft.stdout.includes(`ingress to shop/${pod.metadata.name} isolated by shop/${POLICY}`);
    if (has !== want) return false;
  }
  return true;
}

/**
 * Two api pods Ready, each node's Service rules sending to both (a trace
 * from a pod reads its node's DNAT choice), and NGINX routing /api.
 */
async function apiServing(): Promise<void> {
  const api = await eventually('2 ready api pods', async () => {
    const ready = await readyPods('shop', 'app=api');
    return ready.length === 2 && (await pods('shop', 'app=api')).length === 2 ? ready : undefined;
  }, 60_000, 200);
  await eventually('every node\'s Service rules to name both api pods', async () => {
    for (const node of ['node-1', 'node-2']) {
      const nft = await pn(['exec', `node/${node}`, '--', 'nft', 'list', 'table', 'ip', 'podnet']);
      if (!api.every((p) => new RegExp(`${escape(p.status!.podIP!)}(?!\\d)`).test(nft.stdout))) return false;
    }
    return true;
  }, 20_000, 200);
  await eventually('the outside client reaches /api by name through NGINX', async () => {
    const r = await pn(['outside', '--', 'curl', '-s', '-k', '-o', '/dev/null', '-w', '%{http_code}', '-m', '2', SHOP_API]);
    return r.stdout === '200';
  }, 60_000, 250);
}

describe('podnet trace: every layer of one request, or where and why it failed', { timeout: 300_000 }, () => {
  before(async () => {
    const up = await pn(['up', '--nodes', '2']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
    const applied = await pn(['apply', '-f', EXAMPLES]);
    assert.equal(applied.code, 0, applied.stderr);
    await apply(PROBE);
    await eventually('the shop, the probe and the ingress controller Ready', async () => {
      const shop = await pods('shop');
      return shop.length === 6 && shop.every(isPodReady)
        && (await readyPods('default', 'app=probe')).length === 1
        && (await readyPods('ingress-nginx', 'app.kubernetes.io/component=controller')).length === 1;
    }, 90_000, 250);
    // the outside world's DNS, the LB, NGINX and each node's Service rules
    await apiServing();
    await eventually('cluster DNS answers for api.shop', async () => {
      const r = await pn(['exec', 'probe', '--', 'dig', '+short', '+time=1', '+tries=1', 'api.shop.svc.cluster.local']);
      return /^\d+\.\d+\.\d+\.\d+$/m.test(r.stdout);
    }, 30_000, 250);
  });

  after(async () => {
    await downOrKill(pn, CLUSTER);
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('from outside: DNS, Load balancer, Ingress, Service and Pod, each as the API and the LB status say', async () => {
    const t = await trace([SHOP_API]);
    assert.equal(t.code, 0, `${t.stdout}${t.stderr}`);
    assert.equal(t.stderr, '');
    assert.match(t.stdout, new RegExp(`^Trace of GET ${escape(SHOP_API)} from the outside client \\(${escape(OUTSIDE_CLIENT_IP)}\\), request id podnet-trace-[0-9a-f]{12}:$`, 'm'));
    assert.deepEqual(t.layers.map((l) => `${l.n}. ${l.name}`), ['1. DNS', '2. Load balancer', '3. Ingress', '4. Service', '5. Pod']);

    const lbIP = await loadBalancerIP();
    assert.match(layer(t, 'DNS').text, new RegExp(`^shop\\.example\\.test → A ${escape(lbIP)} \\(the external DNS \\S+, \\d+ ms\\)$`));
    assert.deepEqual(layer(t, 'DNS').more, ['published by podnet\'s external-dns from Ingress shop/shop']);

    // The LB sent it to a node its own health checks keep in service, the
    // one running the ingress controller (its Service is Local).
    const lb = layer(t, 'Load balancer');
    const chosen = new RegExp(`^${escape(lbIP)}:443 \\(Service ingress-nginx/ingress-nginx-controller, externalTrafficPolicy (\\w+)\\) → (\\S+) \\((\\S+):(\\d+), the Service's NodePort\\)$`).exec(lb.text);
    assert.ok(chosen, lb.text);
    const [, policy, node] = chosen;
    assert.ok(lb.more.some((l) => l.startsWith('health checks: ') && l.includes(`${node} in service`)), lb.more.join('\n'));
    const frontend = lbStatus()?.frontends.find((f) => f.address === `${lbIP}:443/tcp`);
    assert.ok(frontend?.targets.some((x) => x.node === node && x.inService), `${node} is not in service in lb-status.json`);
    const [controller] = await readyPods('ingress-nginx', 'app.kubernetes.io/component=controller');
    if (policy === 'Local') assert.equal(node, controller!.spec.nodeName);

    assert.equal(layer(t, 'Ingress').text,
      `NGINX (${controller!.metadata.name}) matched host shop.example.test path /api of Ingress shop/shop → shop/api:80; saw the client as ${OUTSIDE_CLIENT_IP}`);
    const tlsSecret = (await getJson<Ingress>(['ingress', 'shop', '-n', 'shop'])).spec.tls![0]!.secretName;
    assert.deepEqual(layer(t, 'Ingress').more, [`TLS terminated by NGINX with the certificate of Secret shop/${tlsSecret} (chosen by SNI shop.example.test)`]);

    const api = await readyPods('shop', 'app=api');
    const svc = await getJson<Service>(['svc', 'api', '-n', 'shop']);
    assert.match(layer(t, 'Service').text, new RegExp(`^shop/api ClusterIP ${escape(svc.spec.clusterIP!)}:80 → 2 ready endpoints: `));
    for (const p of api) assert.ok(layer(t, 'Service').text.includes(`${p.status!.podIP}:8080 (${p.metadata.name} on ${p.spec.nodeName})`), `${p.metadata.name} not among the endpoints: ${layer(t, 'Service').text}`);

    const answered = answeringPod(t);
    const pod = api.find((p) => p.metadata.name === answered.name);
    assert.ok(pod, `${answered.name} is not one of the api pods ${api.map((p) => p.metadata.name).join(', ')}`);
    assert.deepEqual(answered, { namespace: 'shop', name: pod.metadata.name, node: pod.spec.nodeName, ip: pod.status!.podIP, status: 200 });
    assert.ok(layer(t, 'Service').more.includes(`NGINX's balancer sent it to ${answered.ip}:8080 (${answered.name}) (pod IPs, as ingress-nginx; upstream status 200)`), layer(t, 'Service').more.join('\n'));
    // podnet/echo's own answer: the connection came from the ingress controller pod, the client is in X-Forwarded-For
    assert.deepEqual(layer(t, 'Pod').more, [`it saw the connection from ${controller!.status!.podIP} (the ingress controller pod) with X-Forwarded-For ${OUTSIDE_CLIENT_IP} (the outside client)`]);
  });

  test('from a frontend pod: the search path finds api.shop.svc.cluster.local, the node\'s DNAT choice is the pod that answers', async () => {
    const [frontend] = await readyPods('shop', 'app=frontend');
    const t = await trace(['http://api/orders', '--from', frontend!.metadata.name!, '-n', 'shop']);
    assert.equal(t.code, 0, `${t.stdout}${t.stderr}`);
    assert.deepEqual(t.layers.map((l) => l.name), ['DNS', 'Service', 'Pod']);
    assert.match(t.stdout, new RegExp(`from pod shop/${escape(frontend!.metadata.name!)} \\(${escape(frontend!.status!.podIP!)} on ${frontend!.spec.nodeName}\\)`));
    const svc = await getJson<Service>(['svc', 'api', '-n', 'shop']);
    assert.match(layer(t, 'DNS').text, new RegExp(`^api \\(as api\\.shop\\.svc\\.cluster\\.local, through the pod's search path\\) → A ${escape(svc.spec.clusterIP!)} \\(cluster DNS \\S+, \\d+ ms\\)$`));

    const dnat = dnatChoice(t);
    const answered = answeringPod(t);
    const api = await readyPods('shop', 'app=api');
    const pod = api.find((p) => p.status?.podIP === dnat.ip);
    assert.ok(pod, `the DNAT chose ${dnat.ip}, no api pod's IP`);
    assert.deepEqual(dnat, { node: frontend!.spec.nodeName, ip: answered.ip, port: 8080, pod: pod.metadata.name });
    assert.deepEqual(answered, { namespace: 'shop', name: pod.metadata.name, node: pod.spec.nodeName, ip: pod.status!.podIP, status: 200 });
  });

  test('a Service name from the wrong namespace fails at DNS and says where the Service is', async () => {
    const t = await trace(['http://api/', '--from', 'probe']);
    assert.equal(t.code, 1, t.stdout);
    assert.equal(t.stderr, 'error: the request failed at DNS: NXDOMAIN: no Service api in namespace default; there is one in shop (use api.shop)\n');
    assert.deepEqual(t.layers.map((l) => l.name), ['DNS']);
    assert.match(layer(t, 'DNS').text, /^api: NXDOMAIN from cluster DNS \S+$/);
    assert.deepEqual(layer(t, 'DNS').more, ['✗ NXDOMAIN: no Service api in namespace default; there is one in shop (use api.shop)']);
  });

  test('a Service scaled to 0 fails at the Service, from a pod and through NGINX', async () => {
    const scaled = await pn(['scale', 'deployment/api', '--replicas=0', '-n', 'shop']);
    assert.equal(scaled.code, 0, scaled.stderr);
    try {
      await eventually('no api pod left', async () => (await pods('shop', 'app=api')).length === 0, 60_000, 200);
      const why = 'Service shop/api has no ready endpoint: no pod in namespace shop matches its selector app=api (Deployment shop/api, whose pods it would select, is scaled to 0)';

      const verdict = `error: the request failed at the Service: ${why}\n`;
      const fromPod = await traceUntil('the EndpointSlice to empty', ['http://api.shop/', '--from', 'probe'], verdict, 20_000);
      assert.equal(fromPod.stderr, verdict, fromPod.stdout);
      assert.equal(fromPod.code, 1);
      assert.match(layer(fromPod, 'Service').text, /^shop\/api ClusterIP \S+:80 → 0 ready endpoints$/);
      assert.ok(layer(fromPod, 'Service').more.includes(`✗ ${why}`), fromPod.stdout);

      // NGINX has no upstream left once its configuration follows the endpoints.
      const outside = await traceUntil('NGINX to drop the api upstreams', ['https://shop.example.test/api'], verdict, 30_000);
      assert.equal(outside.stderr, verdict, outside.stdout);
      assert.equal(outside.code, 1);
      assert.deepEqual(outside.layers.map((l) => l.name), ['DNS', 'Load balancer', 'Ingress', 'Service']);
      assert.equal(layer(outside, 'Service').text, 'shop/api:80: NGINX\'s balancer had no ready pod, its own 503 server answered');
    } finally {
      assert.equal((await pn(['scale', 'deployment/api', '--replicas=2', '-n', 'shop'])).code, 0);
      await apiServing();
    }
  });

  test('a NetworkPolicy that isolates the api pods: the trace names the policy and the pod the DNAT chose; without it the request passes', async () => {
    const api = await readyPods('shop', 'app=api');
    await apply(DENY_API);
    try {
      await eventually('each api pod\'s node to drop its ingress', () => denyRulesInPlace(api, true), 20_000, 200);
      const t = await trace(['http://api.shop/', '--from', 'probe']);
      assert.equal(t.code, 1, t.stdout);
      // A SYN dropped on the probe's own node (the DNAT chose the api pod there)
      // never confirms its conntrack entry, so there is no DNAT line: the drop
      // names the pod then, and each retransmit may have chosen either pod.
      const dnat = dnatLine(t);
      const probeNode = (await pods('default', 'app=probe'))[0]?.spec.nodeName;
      if (dnat) {
        const pod = api.find((p) => p.metadata.name === dnat.pod);
        assert.ok(pod, `the DNAT chose ${dnat.pod}, not an api pod`);
        assert.equal(dnat.ip, pod.status!.podIP);
        assert.match(t.stderr, new RegExp(`^error: the request failed at NetworkPolicy: ingress to shop/${escape(pod.metadata.name!)} isolated by shop/${POLICY} on ${escape(pod.spec.nodeName!)} \\(\\d+ packets?\\)\\n$`));
      } else {
        assert.ok(api.some((p) => p.spec.nodeName === probeNode), `no DNAT line, yet no api pod shares the probe's node ${probeNode}:\n${t.stdout}`);
        const names = api.map((p) => escape(p.metadata.name!)).join('|');
        assert.match(t.stderr, new RegExp(`^error: the request failed at NetworkPolicy: ingress to shop/(${names}) isolated by shop/${POLICY} on node-\\d \\(\\d+ packets?\\)(; ingress to shop/(${names}) isolated by shop/${POLICY} on node-\\d \\(\\d+ packets?\\))?\\n$`));
      }
      assert.ok(layer(t, 'Service').more.some((l) => l.startsWith('✗ no answer within 5 s') && l.includes(`isolated by shop/${POLICY}`)), t.stdout);
    } finally {
      assert.equal((await pn(['delete', 'networkpolicy', POLICY, '-n', 'shop'])).code, 0);
    }
    await eventually('the deny rules gone', () => denyRulesInPlace(api, false), 20_000, 200);
    const again = await trace(['http://api.shop/', '--from', 'probe']);
    assert.equal(again.code, 0, `${again.stdout}${again.stderr}`);
    assert.equal(answeringPod(again).status, 200);
  });

  test('a host nobody publishes fails at DNS and lists the published names', async () => {
    const t = await trace(['https://nope.example.test/']);
    assert.equal(t.code, 1, t.stdout);
    const m = /^error: the request failed at DNS: NXDOMAIN: no Ingress rule, accepted HTTPRoute or annotated LoadBalancer Service names nope\.example\.test \(published: (.*)\)\n$/.exec(t.stderr);
    assert.ok(m, t.stderr);
    assert.ok(m[1]!.split(', ').includes('shop.example.test'), m[1]);
    assert.deepEqual(t.layers.map((l) => l.name), ['DNS']);
  });

  test('the load balancer\'s address as the host fails at the ingress: no Ingress rule has that host', async () => {
    const lbIP = await loadBalancerIP();
    const ingresses = (await getJson<{ items: Ingress[] }>(['ingress', '-A'])).items;
    const hosts = [...new Set(ingresses.flatMap((i) => (i.spec.rules ?? []).map((r) => r.host ?? '*')))];
    assert.ok(hosts.includes('shop.example.test'), hosts.join(', '));
    const t = await trace([`http://${lbIP}/`]);
    assert.equal(t.code, 1, t.stdout);
    assert.equal(t.stderr, `error: the request failed at the ingress: no Ingress has a rule for host ${lbIP} (hosts with rules: ${hosts.join(', ')})\n`);
    assert.deepEqual(t.layers.map((l) => l.name), ['Load balancer', 'Ingress']);
    assert.match(layer(t, 'Ingress').text, /answered 404 from its default server$/);
  });

  test('from a pod, the load balancer\'s address is the Service itself (no cloud LB on the way); a TCP check to a port nobody listens on fails at the pod', async () => {
    const lbIP = await loadBalancerIP();
    const t = await trace([`http://${lbIP}/`, '--from', 'probe']);
    assert.deepEqual(t.layers.map((l) => l.name), ['Load balancer', 'Ingress'], t.stdout);
    assert.match(layer(t, 'Load balancer').text, /is Service ingress-nginx\/ingress-nginx-controller's load-balancer address: from inside, the node's rules take it to the Service directly/);
    assert.match(t.stderr, /^error: the request failed at the ingress: no Ingress has a rule for host /);

    const tcp = await trace(['tcp://db-0.db.shop:5433', '--from', 'probe']);
    assert.equal(tcp.code, 1, tcp.stdout);
    assert.match(tcp.stdout, /^Trace of CONNECT tcp:\/\/db-0\.db\.shop:5433 from pod default\/probe /m);
    assert.match(tcp.stderr, /^error: the request failed at the pod: pod shop\/db-0: connection refused \(.*\): nothing listens on port 5433 of pod db-0 \(its containers declare 5432\/sql\)\n$/);
  });

  test('usage: a URL is required, only HTTP and HTTPS are traced, and -H/-X only for HTTP', async () => {
    const none = await pn(['trace']);
    assert.equal(none.code, 1);
    assert.equal(none.stderr, 'error: usage: podnet trace URL|tcp://HOST:PORT [--from outside|POD|TYPE/NAME] [-n NS] [-H \'NAME: VALUE\']... [-X METHOD]\n');
    assert.equal(none.stdout, '');
    const ftp = await pn(['trace', 'ftp://x/']);
    assert.equal(ftp.code, 1);
    assert.match(ftp.stderr, /^error: .*\bHTTP and HTTPS\b.*\n$/);
    assert.equal(ftp.stdout, '');
    const tcpWithHeader = await pn(['trace', 'tcp://db:5432', '-H', 'X-A: 1']);
    assert.equal(tcpWithHeader.code, 1);
    assert.equal(tcpWithHeader.stderr, 'error: -H and -X shape an HTTP request: a tcp:// trace sends none\n');
  });

  test('podnet test: expectations in a file, each one trace; a failing one prints its trace and exits 1; an invalid file runs nothing', async () => {
    const file = path.join(stateDir, 'connectivity.yaml');
    writeFileSync(file, [
      'tests:',
      '  - {name: outside reaches the frontend, from: outside, url: "https://shop.example.test/", expect: reachable}',
      '  - {name: frontend reaches the db, from: deploy/frontend, namespace: shop, url: "http://db:5432/", expect: reachable}',
      '  - {name: probe is kept from the api, from: probe, url: "http://api.shop/", expect: unreachable, failsAt: NetworkPolicy}',
      '  - {name: api opens a connection to db-0, from: deploy/api, namespace: shop, url: "tcp://db-0.db:5432", expect: reachable}',
      '',
    ].join('\n'));
    // without the policy the probe reaches the api: that test fails, with its trace
    const open = await pn(['test', '-f', file]);
    assert.equal(open.code, 1, open.stdout);
    assert.match(open.stdout, /^PASS +outside reaches the frontend +reachable +reachable \(200\)$/m);
    assert.match(open.stdout, /^PASS +frontend reaches the db +reachable +reachable \(200\)$/m);
    assert.match(open.stdout, /^FAIL +probe is kept from the api +unreachable at NetworkPolicy +reachable \(200\)$/m);
    assert.match(open.stdout, /^probe is kept from the api: expected unreachable at NetworkPolicy, got reachable \(200\)\nTrace of GET http:\/\/api\.shop\/ from pod default\/probe /m);
    assert.match(open.stdout, /^PASS +api opens a connection to db-0 +reachable +reachable \(connected\)$/m);
    assert.match(open.stdout, /^3 passed, 1 failed$/m);
    assert.equal(open.stderr, 'error: 1 of 4 connectivity tests failed\n');

    const api = await readyPods('shop', 'app=api');
    await apply(DENY_API);
    try {
      await eventually('each api pod\'s node to drop its ingress', () => denyRulesInPlace(api, true), 20_000, 200);
      const closed = await pn(['test', '-f', file]);
      assert.equal(closed.code, 0, `${closed.stdout}${closed.stderr}`);
      assert.match(closed.stdout, /^PASS +probe is kept from the api +unreachable at NetworkPolicy +unreachable at NetworkPolicy$/m);
      assert.match(closed.stdout, /^4 passed, 0 failed$/m);
      assert.equal(closed.stderr, '');
    } finally {
      assert.equal((await pn(['delete', 'networkpolicy', POLICY, '-n', 'shop'])).code, 0);
    }
    await eventually('the deny rules gone', () => denyRulesInPlace(api, false), 20_000, 200);

    const bad = await pn(['test', '-f', '-'], { input: 'tests:\n  - from: outside\n    expect: sometimes\n' });
    assert.equal(bad.code, 1);
    assert.equal(bad.stdout, '');
    assert.equal(bad.stderr, 'error: the connectivity tests are invalid:\n* STDIN: tests[0].url: Required value\n* STDIN: tests[0].expect: Unsupported value: "sometimes": supported values: "reachable", "unreachable", "an HTTP status 100-599"\n');
  });
});
