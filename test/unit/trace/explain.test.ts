// podnet trace's reading of the evidence, as rows: what the tools and each
// layer recorded → the layers printed and the one-line failure.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ingress, IngressClass, Pod } from '../../../src/api/types.js';
import { ingress, node, pod, service, slice } from '../../support/cluster-objects.js';
import type { ClusterView, CurlResult, TraceEvidence } from '../../../src/trace/evidence.js';
import { explainTrace, noEndpointsReason } from '../../../src/trace/explain.js';

const api = service('shop', 'api', '10.96.0.20', { app: 'api' });
const apiPods = [pod('shop', 'api-1', '10.244.1.5', 'node-2', { app: 'api' }), pod('shop', 'api-2', '10.244.0.7', 'node-1', { app: 'api' })];
const client = pod('shop', 'client', '10.244.0.9', 'node-1', { app: 'client' });
const controllerSvc = service('ingress-nginx', 'ingress-nginx-controller', '10.96.0.30', { app: 'ingress-nginx' }, { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, targetPort: 80, nodePort: 30080, protocol: 'TCP' }, { name: 'https', port: 443, targetPort: 443, nodePort: 30443, protocol: 'TCP' }] }, '203.0.113.10');
const controllerPod = pod('ingress-nginx', 'ingress-nginx-controller-x', '10.244.1.2', 'node-2', { app: 'ingress-nginx' });
const shopIngress = ingress('shop', 'shop', 'shop.example.test', [['/api', 'api']], '203.0.113.10');

function cluster(over: Partial<ClusterView> = {}): ClusterView {
  return {
    services: [api, controllerSvc],
    slices: [slice(api, [{ ip: '10.244.1.5', pod: 'api-1', node: 'node-2' }, { ip: '10.244.0.7', pod: 'api-2', node: 'node-1' }]), slice(controllerSvc, [{ ip: '10.244.1.2', pod: 'ingress-nginx-controller-x', node: 'node-2' }])],
    pods: [...apiPods, client, controllerPod],
    ingresses: [shopIngress],
    nodes: [node('node-1', '172.18.0.2'), node('node-2', '172.18.0.3')],
    workloads: [],
    secretNames: ['shop/shop-tls'],
    gatewayClasses: [], gateways: [], httpRoutes: [],
    ingressClasses: [{ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'k8s.io/ingress-nginx' } } as IngressClass],
    ...over,
  };
}

const ok = (status: number, remoteIP: string, remotePort: number): CurlResult => ({ exit: 0, error: '', status, remoteIP, remotePort, localPort: 40000, timeMs: 3, connected: true });
const failed = (exit: number, error: string, remoteIP = '', remotePort = 0): CurlResult => ({ exit, error, status: 0, remoteIP, remotePort, localPort: remoteIP ? 40000 : 0, timeMs: exit === 7 ? 1 : 5000, connected: false });

const fromPod = { kind: 'pod' as const, ip: '10.244.0.9', pod: { namespace: 'shop', name: 'client', node: 'node-1' } };
const fromOutside = { kind: 'outside' as const, ip: '198.51.100.10' };

function evidence(url: string, over: Partial<TraceEvidence>): TraceEvidence {
  return { url: new URL(url), method: 'GET', source: fromPod, requestId: 'podnet-trace-1', curl: ok(200, '10.96.0.20', 80), cluster: cluster(), drops: [], dnsDrops: [], timeoutMs: 5000, ...over };
}

const dnsOk = (qname: string, addresses: string[], server = '10.96.0.10') => ({ qname, server, rcode: 'NOERROR', addresses, cnames: [], ms: 1 });

test('from a pod through a Service: DNS with the search path, the Service and the DNAT the node chose, the pod that answered', () => {
  const r = explainTrace(evidence('http://api/orders', {
    dns: dnsOk('api.shop.svc.cluster.local', ['10.96.0.20']),
    dnat: { node: 'node-1', ip: '10.244.1.5', port: 8080 },
  }));
  assert.equal(r.ok, true);
  assert.deepEqual(r.lines.slice(2), [
    '  1. DNS            api (as api.shop.svc.cluster.local, through the pod\'s search path) → A 10.96.0.20 (cluster DNS 10.96.0.10, 1 ms)',
    '  2. Service        shop/api ClusterIP 10.96.0.20:80 → 2 ready endpoints: 10.244.1.5:8080 (api-1 on node-2), 10.244.0.7:8080 (api-2 on node-1)',
    '                    node-1\'s nftables DNAT chose 10.244.1.5:8080 (api-1) (its conntrack entry)',
    '  3. Pod            shop/api-1 on node-2 (10.244.1.5) answered 200 in 3 ms',
  ]);
  assert.equal(r.lines[0], 'Trace of GET http://api/orders from pod shop/client (10.244.0.9 on node-1), request id podnet-trace-1:');
});

test('a Service name in the wrong namespace: NXDOMAIN, and where the Service is', () => {
  const r = explainTrace(evidence('http://api/', {
    source: { kind: 'pod', ip: '10.244.0.9', pod: { namespace: 'default', name: 'client', node: 'node-1' } },
    dns: { qname: 'api', server: '10.96.0.10', rcode: 'NXDOMAIN', addresses: [], cnames: [] },
    curl: failed(6, 'Could not resolve host: api'),
  }));
  assert.equal(r.ok, false);
  assert.equal(r.failure, 'DNS: NXDOMAIN: no Service api in namespace default; there is one in shop (use api.shop)');
});

test('a Service whose pods are not ready: refused, and which pods match and why they are not ready', () => {
  const notReady = [pod('shop', 'api-1', '10.244.1.5', 'node-2', { app: 'api' }, false)];
  const r = explainTrace(evidence('http://api.shop/', {
    dns: dnsOk('api.shop.svc.cluster.local', ['10.96.0.20']),
    curl: failed(7, 'Failed to connect to api.shop port 80 after 1 ms: Couldn\'t connect to server', '10.96.0.20', 80),
    cluster: cluster({ pods: [...notReady, client], slices: [slice(api, [{ ip: '10.244.1.5', pod: 'api-1', node: 'node-2', ready: false }])] }),
  }));
  assert.equal(r.ok, false);
  assert.equal(r.failure, 'the Service: Service shop/api has no ready endpoint: 1 pod matches its selector app=api, none is Ready: api-1 (not ready (app))');
  assert.ok(r.lines.some((l) => l.includes('✗ connection refused or unreachable') && l.includes('kube-proxy rejects')));
});

test('a selector that matches no pod is named, and a workload scaled to 0 that would have them', () => {
  const typo = service('shop', 'api', '10.96.0.20', { app: 'apii' });
  assert.equal(noEndpointsReason(cluster({ services: [typo] }), typo), 'Service shop/api has no ready endpoint: no pod in namespace shop matches its selector app=apii');
  const idle = { kind: 'Deployment', metadata: { namespace: 'shop', name: 'api' }, spec: { replicas: 0, template: { metadata: { labels: { app: 'api' } } } } };
  assert.equal(noEndpointsReason(cluster({ pods: [client], workloads: [idle] }), api), 'Service shop/api has no ready endpoint: no pod in namespace shop matches its selector app=api (Deployment shop/api, whose pods it would select, is scaled to 0)');
});

test('a connection that times out while a NetworkPolicy drop counter grows: the policy is named, other pods\' drops are not', () => {
  const r = explainTrace(evidence('http://api.shop/', {
    dns: dnsOk('api.shop.svc.cluster.local', ['10.96.0.20']),
    curl: failed(28, 'Connection timed out after 5001 milliseconds', '10.96.0.20', 80),
    dnat: { node: 'node-1', ip: '10.244.1.5', port: 8080 },
    drops: [{ node: 'node-2', rule: 'ingress to shop/api-1 isolated by shop/deny-all', packets: 3 }, { node: 'node-1', rule: 'ingress to shop/api-2 isolated by shop/deny-all', packets: 1 }],
  }));
  assert.equal(r.ok, false);
  assert.equal(r.failure, 'NetworkPolicy: ingress to shop/api-1 isolated by shop/deny-all on node-2 (3 packets)');
});

test('a source pod\'s egress isolation is its drop too', () => {
  const r = explainTrace(evidence('http://api.shop/', {
    dns: dnsOk('api.shop.svc.cluster.local', ['10.96.0.20']),
    curl: failed(28, 'Connection timed out after 5001 milliseconds', '10.96.0.20', 80),
    dnat: { node: 'node-1', ip: '10.244.1.5', port: 8080 },
    drops: [{ node: 'node-1', rule: 'egress from shop/client isolated by shop/no-egress', packets: 2 }],
  }));
  assert.equal(r.failure, 'NetworkPolicy: egress from shop/client isolated by shop/no-egress on node-1 (2 packets)');
});

test('a Service port that does not exist is said to be missing', () => {
  const r = explainTrace(evidence('http://api.shop:8080/', {
    dns: dnsOk('api.shop.svc.cluster.local', ['10.96.0.20']),
    curl: failed(7, 'Couldn\'t connect to server', '10.96.0.20', 8080),
  }));
  assert.equal(r.failure, 'the Service: Service shop/api has no TCP port 8080');
});

/** a request from the outside client to shop.example.test, through the ingress controller */
const viaIngress = (over: Partial<TraceEvidence>) => evidence('http://shop.example.test/api', {
  source: fromOutside, dns: dnsOk('shop.example.test', ['203.0.113.10'], '198.51.100.53'), ingressPod: 'ingress-nginx-controller-x', ...over,
});

const access = { ingress: 'shop/shop', service: 'shop/api:80', rule_host: 'shop.example.test', rule_path: '/api', upstream_addr: '10.244.0.7:8080', upstream_status: '200', remote_addr: '198.51.100.10', status: 200, request_id: 'podnet-trace-1', request_time: 0.002 };

test('from outside through every layer: external DNS, the load balancer\'s node, the Ingress rule, the Service and the pod', () => {
  const r = explainTrace(viaIngress({
    url: new URL('https://shop.example.test/api/orders'),
    curl: ok(200, '203.0.113.10', 443),
    lb: { service: 'ingress-nginx/ingress-nginx-controller', id: 'x', address: '203.0.113.10:443/tcp', externalTrafficPolicy: 'Local', nodePort: 30443, targets: [
      { node: 'node-1', nodeIP: '172.18.0.2', nodePort: 30443, state: 'unhealthy', inService: false, check: 'http', detail: 'HTTP 503', since: '' },
      { node: 'node-2', nodeIP: '172.18.0.3', nodePort: 30443, state: 'healthy', inService: true, check: 'http', detail: '', since: '' }] },
    lbChoice: { nodeIP: '172.18.0.3', nodePort: 30443 },
    access,
  }));
  assert.equal(r.ok, true);
  assert.deepEqual(r.lines.slice(2), [
    '  1. DNS            shop.example.test → A 203.0.113.10 (the external DNS 198.51.100.53, 1 ms)',
    '                    published by podnet\'s external-dns from Ingress shop/shop',
    '  2. Load balancer  203.0.113.10:443 (Service ingress-nginx/ingress-nginx-controller, externalTrafficPolicy Local) → node-2 (172.18.0.3:30443, the Service\'s NodePort)',
    '                    health checks: node-1 out (unhealthy: HTTP 503), node-2 in service',
    '  3. Ingress        NGINX (ingress-nginx-controller-x) matched host shop.example.test path /api of Ingress shop/shop → shop/api:80; saw the client as 198.51.100.10',
    '  4. Service        shop/api ClusterIP 10.96.0.20:80 → 2 ready endpoints: 10.244.1.5:8080 (api-1 on node-2), 10.244.0.7:8080 (api-2 on node-1)',
    '                    NGINX\'s balancer sent it to 10.244.0.7:8080 (api-2) (pod IPs, as ingress-nginx; upstream status 200)',
    '  5. Pod            shop/api-2 on node-1 (10.244.0.7) answered 200 in 3 ms',
  ]);
});

test('a host no Ingress routes: NXDOMAIN from the external DNS, and the hosts that are published', () => {
  const r = explainTrace(evidence('http://nope.example.test/', {
    source: fromOutside,
    dns: { qname: 'nope.example.test', server: '198.51.100.53', rcode: 'NXDOMAIN', addresses: [], cnames: [] },
    curl: failed(6, 'Could not resolve host: nope.example.test'),
  }));
  assert.equal(r.failure, 'DNS: NXDOMAIN: no Ingress rule, accepted HTTPRoute or annotated LoadBalancer Service names nope.example.test (published: shop.example.test)');
});

test('an Ingress without a load-balancer address yet is why its host does not resolve', () => {
  const r = explainTrace(evidence('http://shop.example.test/', {
    source: fromOutside,
    dns: { qname: 'shop.example.test', server: '198.51.100.53', rcode: 'NXDOMAIN', addresses: [], cnames: [] },
    curl: failed(6, 'Could not resolve host'),
    cluster: cluster({ ingresses: [ingress('shop', 'shop', 'shop.example.test', [['/api', 'api']])] }),
  }));
  assert.equal(r.failure, 'DNS: Ingress shop/shop routes shop.example.test but has no load-balancer address yet, so external-dns has not published it');
});

test('a path no rule matches: the default server\'s 404, and the rules the host has', () => {
  const r = explainTrace(viaIngress({
    url: new URL('http://shop.example.test/other'),
    curl: ok(404, '203.0.113.10', 80),
    access: { ...access, ingress: '', service: '', status: 404, upstream_addr: '' },
  }));
  assert.equal(r.ok, false);
  assert.equal(r.failure, 'the ingress: no rule of host shop.example.test matches path /other: shop.example.test /api (Prefix) → shop/api:80 (Ingress shop/shop)');
});

test('an Ingress backend without ready pods: NGINX\'s own 503, and why the Service has none', () => {
  const r = explainTrace(viaIngress({
    curl: ok(503, '203.0.113.10', 80),
    cluster: cluster({ pods: [client, controllerPod], slices: [] }),
    access: { ...access, status: 503, upstream_addr: 'unix:/run/podnet-503.sock', upstream_status: '503' },
  }));
  assert.equal(r.failure, 'the Service: Service shop/api has no ready endpoint: no pod in namespace shop matches its selector app=api');
});

test('a load balancer with no healthy node rejects: the health checks say why', () => {
  const r = explainTrace(evidence('http://203.0.113.10/', {
    source: fromOutside,
    curl: failed(7, 'Couldn\'t connect to server', '203.0.113.10', 80),
    lb: { service: 'ingress-nginx/ingress-nginx-controller', id: 'x', address: '203.0.113.10:80/tcp', externalTrafficPolicy: 'Cluster', nodePort: 30080, targets: [
      { node: 'node-1', nodeIP: '172.18.0.2', nodePort: 30080, state: 'unhealthy', inService: false, check: 'tcp', detail: 'refused', since: '' }] },
  }));
  assert.equal(r.failure, 'the load balancer: no node passes the load balancer\'s health check, so it rejects the connection (node-1 out (unhealthy: refused))');
});

test('a pod IP reached directly, and a pod that does not listen behind a Service', () => {
  const direct = explainTrace(evidence('http://10.244.1.5:8080/', { curl: ok(200, '10.244.1.5', 8080) }));
  assert.equal(direct.ok, true);
  assert.deepEqual(direct.lines.slice(2), ['  1. Pod            shop/api-1 on node-2 (10.244.1.5) answered 200 in 3 ms, reached directly by its IP (no Service)']);
  const refused = explainTrace(evidence('http://10.96.0.20/', {
    curl: failed(7, 'Couldn\'t connect to server', '10.96.0.20', 80),
    dnat: { node: 'node-1', ip: '10.244.1.5', port: 8080 },
  }));
  assert.equal(refused.failure, 'the pod: pod shop/api-1: connection refused or unreachable (Couldn\'t connect to server): nothing listens on its targetPort 8080 (its containers declare no ports)');
});

test('a plain-HTTP request to a TLS host: NGINX\'s redirect is said, and is no failure', () => {
  const r = explainTrace(viaIngress({
    curl: ok(308, '203.0.113.10', 80),
    access: { ...access, status: 308, upstream_addr: '', upstream_status: '' },
  }));
  assert.equal(r.ok, true);
  assert.match(r.lines.at(-1)!, /NGINX redirected it to HTTPS \(308\): host shop\.example\.test has TLS.*trace https:\/\/shop\.example\.test\/api follows it$/);
});

test('a headless Service\'s name reaches a pod by its own IP; a port the pod does not listen on is named with the ports it declares', () => {
  const db = service('shop', 'db', 'None', { app: 'db' });
  const db0 = pod('shop', 'db-0', '10.244.0.5', 'node-1', { app: 'db' });
  db0.spec.containers[0]!.ports = [{ name: 'sql', containerPort: 5432 }];
  const r = explainTrace(evidence('http://db.shop/', {
    dns: dnsOk('db.shop.svc.cluster.local', ['10.244.0.5']),
    curl: failed(7, 'Couldn\'t connect to server', '10.244.0.5', 80),
    cluster: cluster({ services: [api, db], pods: [db0, client] }),
  }));
  assert.equal(r.lines[3], '  2. Pod            shop/db-0 on node-1 (10.244.0.5), reached by its own IP: shop/db is a headless Service (its name resolves to the pods, no ClusterIP, no DNAT)');
  assert.equal(r.failure, 'the pod: pod shop/db-0: connection refused or unreachable (Couldn\'t connect to server): nothing listens on port 80 of pod db-0 (its containers declare 5432/sql)');
});

test('from outside to a LoadBalancer Service of an app: the node the LB chose, then that node\'s DNAT to the pod', () => {
  const lbApi = service('shop', 'api-lb', '10.96.0.40', { app: 'api' }, { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30929, protocol: 'TCP' }] }, '203.0.113.11');
  const r = explainTrace(evidence('http://203.0.113.11/', {
    source: fromOutside,
    curl: ok(200, '203.0.113.11', 80),
    cluster: cluster({ services: [api, lbApi, controllerSvc], slices: [slice(lbApi, [{ ip: '10.244.1.5', pod: 'api-1', node: 'node-2' }])] }),
    lb: { service: 'shop/api-lb', id: 'y', address: '203.0.113.11:80/tcp', externalTrafficPolicy: 'Cluster', nodePort: 30929, targets: [
      { node: 'node-2', nodeIP: '172.18.0.3', nodePort: 30929, state: 'healthy', inService: true, check: 'tcp', detail: '', since: '' }] },
    lbChoice: { nodeIP: '172.18.0.3', nodePort: 30929 },
    dnat: { node: 'node-2', ip: '10.244.1.5', port: 8080 },
  }));
  assert.deepEqual(r.lines.slice(2), [
    '  1. Load balancer  203.0.113.11:80 (Service shop/api-lb, externalTrafficPolicy Cluster) → node-2 (172.18.0.3:30929, the Service\'s NodePort)',
    '                    health checks: node-2 in service',
    '  2. Service        shop/api-lb ClusterIP 10.96.0.40:80 → 1 ready endpoint: 10.244.1.5:8080 (api-1 on node-2)',
    '                    node-2\'s nftables DNAT chose 10.244.1.5:8080 (api-1) (its conntrack entry)',
    '  3. Pod            shop/api-1 on node-2 (10.244.1.5) answered 200 in 3 ms',
  ]);
});

// The probe's cases (2026-11-29): each was explained wrongly before.

test('a backend\'s own 503 or 502, passed through NGINX, is the pod\'s answer (bytes came from it), not NGINX\'s', () => {
  for (const status of [503, 502]) {
    const r = explainTrace(viaIngress({ curl: ok(status, '203.0.113.10', 80), access: { ...access, status, upstream_status: String(status), upstream_bytes_received: '212' } }));
    assert.equal(r.ok, true, r.failure);
    assert.match(r.lines.at(-1)!, new RegExp(`answered ${status} in 3 ms \\(its own answer: NGINX passed it through\\)$`));
  }
});

test('NGINX\'s own 502 after the pods and then the ClusterIP refused: the pods tried are named with the targetPort', () => {
  const r = explainTrace(viaIngress({
    curl: ok(502, '203.0.113.10', 80),
    access: { ...access, status: 502, upstream_addr: '10.244.1.5:8080, 10.244.0.7:8080, 10.96.0.20:80', upstream_status: '502, 502, 502', upstream_bytes_received: '0, 0, 0' },
  }));
  assert.match(r.lines.join('\n'), /sent it to 10\.244\.1\.5:8080 \(api-1\), then 10\.244\.0\.7:8080 \(api-2\), then the ClusterIP 10\.96\.0\.20:80 \(after the pods failed/);
  assert.equal(r.failure, 'the pod: api-1, api-2 refused or reset the connection on port 8080, the targetPort of shop/api (its containers declare no ports): NGINX answered 502');
});

test('NGINX\'s own 504 names the read timeout the Ingress set', () => {
  const slow = { ...shopIngress, metadata: { ...shopIngress.metadata, annotations: { 'nginx.ingress.kubernetes.io/proxy-read-timeout': '1' } } } as Ingress;
  const r = explainTrace(viaIngress({
    cluster: cluster({ ingresses: [slow] }),
    curl: ok(504, '203.0.113.10', 80),
    access: { ...access, status: 504, upstream_addr: '10.244.1.5:8080', upstream_status: '504', upstream_bytes_received: '0', request_time: 1.001 },
  }));
  assert.equal(r.failure, 'the pod: api-1 did not answer within NGINX\'s proxy-read-timeout (1 s): NGINX answered 504');
});

test('an Ingress backend that does not exist, or lacks the port, is named from the Ingress', () => {
  const missing = ingress('shop', 'shop', 'shop.example.test', [['/api', 'nosuchsvc']], '203.0.113.10');
  const r = explainTrace(viaIngress({ cluster: cluster({ ingresses: [missing] }), curl: ok(503, '203.0.113.10', 80), access: { ...access, service: '', status: 503, upstream_addr: '' } }));
  assert.equal(r.failure, 'the Service: Service shop/nosuchsvc does not exist (the Ingress\'s backend)');
  const wrongPort = ingress('shop', 'shop', 'shop.example.test', [['/api', 'api']], '203.0.113.10');
  wrongPort.spec.rules![0]!.http!.paths[0]!.backend.service!.port = { number: 8081 };
  const r2 = explainTrace(viaIngress({ cluster: cluster({ ingresses: [wrongPort] }), curl: ok(503, '203.0.113.10', 80), access: { ...access, service: '', status: 503, upstream_addr: '' } }));
  assert.equal(r2.failure, 'the Service: Service shop/api has no port 8081 (the Ingress\'s backend port; its ports are 80 (http))');
});

test('an egress policy that blocks DNS too: the DNS timeout names the policy and port 53', () => {
  const r = explainTrace(evidence('http://api.shop/', {
    dns: { qname: 'api.shop', server: '', rcode: 'timeout', addresses: [], cnames: [] },
    curl: failed(6, 'Could not resolve host'),
    dnsDrops: [{ node: 'node-1', rule: 'egress from shop/client isolated by shop/no-egress', packets: 1 }],
  }));
  assert.equal(r.lines[2], '  1. DNS            api.shop: no answer from cluster DNS');
  assert.equal(r.failure, 'NetworkPolicy: the DNS query was dropped: egress from shop/client isolated by shop/no-egress on node-1 (1 packet); an egress policy must allow UDP and TCP port 53 to the cluster DNS (kube-system/kube-dns) for names to resolve');
});

test('without the DNAT\'s choice, only the drops of the Service\'s own pods (and the source\'s egress) count', () => {
  const r = explainTrace(evidence('http://api.shop/', {
    dns: dnsOk('api.shop.svc.cluster.local', ['10.96.0.20']),
    curl: failed(28, 'Connection timed out', '10.96.0.20', 80),
    drops: [{ node: 'node-2', rule: 'ingress to other/web-1 isolated by other/deny', packets: 5 }, { node: 'node-2', rule: 'ingress to shop/api-1 isolated by shop/deny', packets: 2 }],
  }));
  assert.equal(r.failure, 'NetworkPolicy: ingress to shop/api-1 isolated by shop/deny on node-2 (2 packets)');
});

test('a ClusterIP or a pod IP from the outside client: only the cluster routes those', () => {
  for (const [ip, port] of [['10.96.0.20', 80], ['10.244.1.5', 8080]] as const) {
    const r = explainTrace(evidence(`http://${ip}:${port}/`, { source: fromOutside, curl: failed(7, 'Network is unreachable', ip, port) }));
    assert.match(r.failure!, /^the network: the outside client has no route to ClusterIPs and pod IPs/);
  }
});

test('a Local NodePort on a node without an endpoint of its own drops there', () => {
  const r = explainTrace(evidence('http://172.18.0.2:30080/', { source: fromOutside, curl: failed(28, 'Connection timed out', '172.18.0.2', 30080) }));
  assert.equal(r.failure, 'the node: node-1 has no ready endpoint of Service ingress-nginx/ingress-nginx-controller: with externalTrafficPolicy Local, kube-proxy drops its NodePort traffic there (forwarding to another node would lose the client\'s address)');
});

test('a policy dropping NGINX\'s connection to the backend fails at NetworkPolicy, not at the controller', () => {
  const r = explainTrace(viaIngress({ curl: { ...failed(28, 'Operation timed out', '203.0.113.10', 80), connected: true }, drops: [{ node: 'node-2', rule: 'ingress to shop/api-1 isolated by shop/deny', packets: 1 }] }));
  assert.equal(r.failure, 'NetworkPolicy: NGINX\'s connection to the backend was dropped: ingress to shop/api-1 isolated by shop/deny on node-2 (1 packet)');
});

test('a named targetPort no selected pod declares: the slices carry no port, and that is the reason', () => {
  const named = service('shop', 'api', '10.96.0.20', { app: 'api' }, { ports: [{ name: 'http', port: 80, targetPort: 'htttp', protocol: 'TCP' }] });
  const noPorts = { ...slice(named, [{ ip: '10.244.1.5', pod: 'api-1', node: 'node-2' }]), ports: [] };
  const r = explainTrace(evidence('http://api.shop/', {
    dns: dnsOk('api.shop.svc.cluster.local', ['10.96.0.20']),
    curl: failed(7, 'Couldn\'t connect to server', '10.96.0.20', 80),
    cluster: cluster({ services: [named], slices: [noPorts] }),
  }));
  assert.equal(r.failure, 'the Service: Service shop/api has no endpoint for port 80 (http): its targetPort htttp is a port name no selected pod declares (its containers declare no ports)');
});

test('host rules: a host\'s own rules hide the host-less ones; HTTPS to a host without TLS meets the default server', () => {
  const hostless = { ...ingress('shop', 'catchall', '', [['/anyhost', 'api']]), spec: { rules: [{ http: { paths: [{ path: '/anyhost', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } }] } }] } } as Ingress;
  const r = explainTrace(viaIngress({ url: new URL('http://shop.example.test/anyhost'), cluster: cluster({ ingresses: [shopIngress, hostless] }), curl: ok(404, '203.0.113.10', 80), access: undefined }));
  assert.equal(r.failure, 'the ingress: no rule of host shop.example.test matches path /anyhost: shop.example.test /api (Prefix) → shop/api:80 (Ingress shop/shop)');
  const r2 = explainTrace(viaIngress({ url: new URL('https://shop.example.test/api'), curl: ok(404, '203.0.113.10', 443), access: undefined }));
  assert.match(r2.failure!, /^the ingress: host shop\.example\.test has no TLS section in any Ingress: podnet's NGINX serves it on HTTP only/);
});

test('an Ingress of a class podnet does not serve, and an ExternalName whose target does not resolve', () => {
  const other = { ...ingress('shop', 'other', 'other.example.test', [['/', 'api']]), spec: { ingressClassName: 'traefik', rules: shopIngress.spec.rules!.map((x) => ({ ...x, host: 'other.example.test' })) } } as Ingress;
  const r = explainTrace(evidence('http://other.example.test/', {
    source: fromOutside, cluster: cluster({ ingresses: [shopIngress, other] }),
    dns: { qname: 'other.example.test', server: '198.51.100.53', rcode: 'NXDOMAIN', addresses: [], cnames: [] }, curl: failed(6, 'Could not resolve host'),
  }));
  assert.equal(r.failure, 'DNS: Ingress shop/other routes other.example.test, but its class traefik is not served by podnet\'s controller (class nginx): it gets no address and nothing is published');
  const ext = explainTrace(evidence('http://ext2/', {
    dns: { qname: 'ext2.shop.svc.cluster.local', server: '10.96.0.10', rcode: 'NXDOMAIN', addresses: [], cnames: ['www.example.org'] }, curl: failed(6, 'Could not resolve host'),
  }));
  assert.equal(ext.failure, 'DNS: ext2.shop.svc.cluster.local is a CNAME to www.example.org, which does not resolve (NXDOMAIN)');
});

test('a LoadBalancer Service (Cluster) whose pods are gone: every NodePort refuses, and why', () => {
  const lbApi = service('shop', 'api-lb', '10.96.0.40', { app: 'gone' }, { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30929, protocol: 'TCP' }] }, '203.0.113.11');
  const r = explainTrace(evidence('http://203.0.113.11/', {
    source: fromOutside, curl: failed(7, 'Couldn\'t connect to server', '203.0.113.11', 80), cluster: cluster({ services: [lbApi] }),
    lb: { service: 'shop/api-lb', id: 'y', address: '203.0.113.11:80/tcp', externalTrafficPolicy: 'Cluster', nodePort: 30929, targets: [
      { node: 'node-1', nodeIP: '172.18.0.2', nodePort: 30929, state: 'unhealthy', inService: false, check: 'tcp', detail: 'refused', since: '' }] },
  }));
  assert.equal(r.failure, 'the load balancer: no node passes the load balancer\'s health check, so it rejects the connection (node-1 out (unhealthy: refused)); every node\'s NodePort refuses: Service shop/api-lb has no ready endpoint: no pod in namespace shop matches its selector app=gone');
});

test('terminating endpoints still serving are kube-proxy\'s fallback, and said so; a trailing dot is no search path', () => {
  const terminating = { ...slice(api, [{ ip: '10.244.1.5', pod: 'api-1', node: 'node-2', ready: false }]) };
  terminating.endpoints[0]!.conditions = { ready: false, serving: true, terminating: true };
  const r = explainTrace(evidence('http://api.shop.svc.cluster.local./', {
    dns: dnsOk('api.shop.svc.cluster.local', ['10.96.0.20']),
    cluster: cluster({ slices: [terminating] }),
    dnat: { node: 'node-1', ip: '10.244.1.5', port: 8080 },
  }));
  assert.equal(r.ok, true);
  assert.equal(r.lines[2], '  1. DNS            api.shop.svc.cluster.local → A 10.96.0.20 (cluster DNS 10.96.0.10, 1 ms)');
  assert.equal(r.lines[4], '                    1 terminating endpoint still serving: 10.244.1.5:8080 (api-1 on node-2): with none ready, kube-proxy sends new connections to them');
});

test('a source outside the Service\'s loadBalancerSourceRanges is dropped by the load balancer', () => {
  const guarded = service('shop', 'api-lb', '10.96.0.40', { app: 'api' }, { type: 'LoadBalancer', loadBalancerSourceRanges: ['192.0.2.0/24'], ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30929, protocol: 'TCP' }] }, '203.0.113.11');
  const r = explainTrace(evidence('http://203.0.113.11/', { source: fromOutside, curl: failed(28, 'Connection timed out', '203.0.113.11', 80), cluster: cluster({ services: [guarded] }) }));
  assert.equal(r.failure, 'the load balancer: the load balancer drops 198.51.100.10: the Service\'s loadBalancerSourceRanges (192.0.2.0/24) do not include it, as a cloud\'s security group would');
});

test('HTTPS through the ingress: the TLS Secret chosen by SNI, and what a podnet/echo pod saw (the ingress pod, and the client in X-Forwarded-For)', () => {
  const tlsIngress = { ...shopIngress, spec: { ...shopIngress.spec, tls: [{ hosts: ['shop.example.test'], secretName: 'shop-tls' }] } } as Ingress;
  const r = explainTrace(viaIngress({
    url: new URL('https://shop.example.test/api'),
    cluster: cluster({ ingresses: [tlsIngress] }),
    curl: ok(200, '203.0.113.10', 443),
    access,
    reply: { pod: 'api-2', podIP: '10.244.0.7', clientIP: '10.244.1.2', forwardedFor: '198.51.100.10', message: 'hello from the shop api' },
  }));
  assert.equal(r.ok, true);
  assert.ok(r.lines.includes('                    TLS terminated by NGINX with the certificate of Secret shop/shop-tls (chosen by SNI shop.example.test)'), r.lines.join('\n'));
  assert.deepEqual(r.lines.slice(-2), [
    '  5. Pod            shop/api-2 on node-1 (10.244.0.7) answered 200 in 3 ms: "hello from the shop api"',
    '                    it saw the connection from 10.244.1.2 (the ingress controller pod) with X-Forwarded-For 198.51.100.10 (the outside client)',
  ]);
});

// The second probe's cases (2026-11-29).

test('one path as Exact and as Prefix: the rule NGINX used is the one the access log names', () => {
  const alt = service('shop', 'alt', '10.96.0.50', { app: 'api' }, { ports: [{ name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' }] });
  const both = ingress('shop', 'pp', 'shop.example.test', [['/foo', 'api'], ['/foo', 'alt']], '203.0.113.10');
  both.spec.rules![0]!.http!.paths[0]!.pathType = 'Exact';
  both.spec.rules![0]!.http!.paths[1]!.backend.service!.port = { number: 8080 };
  const r = explainTrace(viaIngress({
    url: new URL('http://shop.example.test/foo/bar'),
    cluster: cluster({ services: [api, alt, controllerSvc], ingresses: [both], slices: [slice(alt, [{ ip: '10.244.1.5', pod: 'api-1', node: 'node-2' }])] }),
    curl: ok(200, '203.0.113.10', 80),
    access: { ...access, ingress: 'shop/pp', service: 'shop/alt:8080', rule_path: '/foo', upstream_addr: '10.244.1.5:8080' },
  }));
  assert.equal(r.ok, true, r.failure);
  assert.match(r.lines.find((l) => l.includes('4. Service'))!, /4\. Service +shop\/alt ClusterIP 10\.96\.0\.50:8080 → 1 ready endpoint/);
});

test('a name from /etc/hosts (hostAliases, localhost) is no DNS failure', () => {
  const r = explainTrace(evidence('http://legacy-api.internal/', {
    dns: { qname: 'legacy-api.internal', server: '/etc/hosts', rcode: 'NOERROR', addresses: ['10.244.1.5'], cnames: [] },
    curl: ok(200, '10.244.1.5', 80),
  }));
  assert.equal(r.ok, true);
  assert.equal(r.lines[2], '  1. DNS            legacy-api.internal → 10.244.1.5 (the pod\'s /etc/hosts: its hostAliases or a local name; no DNS query)');
});

test('a pod that does not ask the cluster DNS (dnsPolicy Default, or hostNetwork with ClusterFirst) is told so; dnsPolicy None\'s search path is named', () => {
  const kubeDns = service('kube-system', 'kube-dns', '10.96.0.10', { k8s: 'dns' });
  const hostNet = { ...client, spec: { ...client.spec, hostNetwork: true, dnsPolicy: 'ClusterFirst' } } as Pod;
  const r = explainTrace(evidence('http://api.shop/', {
    cluster: cluster({ services: [api, kubeDns], pods: [hostNet, ...apiPods] }),
    dns: { qname: 'api.shop', server: '198.51.100.53', rcode: 'NXDOMAIN', addresses: [], cnames: [] }, curl: failed(6, 'Could not resolve host'),
  }));
  assert.equal(r.failure, 'DNS: NXDOMAIN: the pod does not ask the cluster DNS (dnsPolicy ClusterFirst, hostNetwork), so cluster names do not resolve there: a hostNetwork pod needs dnsPolicy ClusterFirstWithHostNet for cluster names');
  assert.match(r.lines[2]!, /NXDOMAIN from not the cluster DNS but the node's resolver \(dnsPolicy ClusterFirst, hostNetwork\) 198\.51\.100\.53$/);
  const none = { ...client, spec: { ...client.spec, dnsPolicy: 'None', dnsConfig: { nameservers: ['10.96.0.10'], searches: ['other.svc.cluster.local'] } } } as Pod;
  const r2 = explainTrace(evidence('http://api/', {
    cluster: cluster({ services: [api, kubeDns], pods: [none, ...apiPods] }),
    dns: { qname: 'api', server: '10.96.0.10', rcode: 'NXDOMAIN', addresses: [], cnames: [] }, curl: failed(6, 'Could not resolve host'),
  }));
  assert.equal(r2.failure, 'DNS: NXDOMAIN: Service shop/api exists, but the pod\'s own search path (dnsPolicy None: other.svc.cluster.local) does not make api its name: use api.shop.svc.cluster.local');
});

test('internalTrafficPolicy Local with no endpoint on the source pod\'s node: kube-proxy drops there', () => {
  const local = service('shop', 'api', '10.96.0.20', { app: 'api' }, { internalTrafficPolicy: 'Local' });
  const r = explainTrace(evidence('http://api.shop/', {
    dns: dnsOk('api.shop.svc.cluster.local', ['10.96.0.20']),
    curl: failed(28, 'Connection timed out', '10.96.0.20', 80),
    cluster: cluster({ services: [local], slices: [slice(local, [{ ip: '10.244.1.5', pod: 'api-1', node: 'node-2' }])] }),
  }));
  assert.equal(r.failure, 'the Service: Service shop/api has internalTrafficPolicy Local and node-1, the source pod\'s node, has none of its endpoints: kube-proxy drops the connection there instead of crossing to another node');
});

test('NGINX\'s own 403 for an Ingress allowlist, and a 502 from backend-protocol HTTPS to a plain-HTTP pod', () => {
  const allow = { ...shopIngress, metadata: { ...shopIngress.metadata, annotations: { 'nginx.ingress.kubernetes.io/allowlist-source-range': '10.0.0.0/8' } } } as Ingress;
  const r = explainTrace(viaIngress({ cluster: cluster({ ingresses: [allow] }), curl: ok(403, '203.0.113.10', 80), access: { ...access, status: 403, upstream_addr: '', upstream_status: '' } }));
  assert.equal(r.failure, 'the ingress: NGINX refused the client 198.51.100.10 (403): Ingress shop/shop allows only 10.0.0.0/8 (its allowlist-source-range annotation)');
  // an invalid list denies every source: the reason is the list, not a range it never allowed
  const invalid = { ...shopIngress, metadata: { ...shopIngress.metadata, annotations: { 'nginx.ingress.kubernetes.io/whitelist-source-range': '10.0.0.0/8, office' } } } as Ingress;
  const bad = explainTrace(viaIngress({ cluster: cluster({ ingresses: [invalid] }), curl: ok(403, '203.0.113.10', 80), access: { ...access, status: 403, upstream_addr: '', upstream_status: '' } }));
  assert.equal(bad.failure, 'the ingress: NGINX refused the client 198.51.100.10 (403): Ingress shop/shop has an invalid value "10.0.0.0/8, office" for annotation nginx.ingress.kubernetes.io/whitelist-source-range: "office" is not an IP address or CIDR; every source is denied');
  const tls = { ...shopIngress, metadata: { ...shopIngress.metadata, annotations: { 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS' } } } as Ingress;
  const r2 = explainTrace(viaIngress({ cluster: cluster({ ingresses: [tls] }), curl: ok(502, '203.0.113.10', 80), access: { ...access, status: 502, upstream_status: '502', upstream_bytes_received: '0' } }));
  assert.match(r2.failure!, /^the pod: api-2 failed NGINX's connection on port 8080: the Ingress's backend-protocol is HTTPS, so NGINX speaks TLS to the pod/);
});

test('a TLS section naming a Secret that is not there: NGINX\'s default certificate is said', () => {
  const missing = { ...shopIngress, spec: { ...shopIngress.spec, tls: [{ hosts: ['shop.example.test'], secretName: 'does-not-exist' }] } } as Ingress;
  const r = explainTrace(viaIngress({ url: new URL('https://shop.example.test/api'), cluster: cluster({ ingresses: [missing] }), curl: ok(200, '203.0.113.10', 443), access }));
  assert.ok(r.lines.includes('                    TLS terminated by NGINX with its default self-signed certificate: Secret shop/does-not-exist, which the Ingress names for shop.example.test, does not exist'), r.lines.join('\n'));
});

test('no answer through the ingress and no drop: NGINX still waits for the backend, up to its read timeout', () => {
  const r = explainTrace(viaIngress({ curl: { ...failed(28, 'Operation timed out after 5000 milliseconds', '203.0.113.10', 80), connected: true } }));
  assert.equal(r.failure, 'the pod: NGINX was still waiting for the backend (shop/api:80): no policy dropped anything, and NGINX waits up to its proxy-read-timeout (60 s) for a pod that accepted the connection without answering; trace the Service --from a pod to see the pod itself');
});

test('the LB\'s health checks dropped by a policy on the backends are the reason no node is in service', () => {
  const lbApi = service('shop', 'api-lb', '10.96.0.40', { app: 'api' }, { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30929, protocol: 'TCP' }] }, '203.0.113.11');
  const r = explainTrace(evidence('http://203.0.113.11/', {
    source: fromOutside, curl: failed(7, 'Couldn\'t connect to server', '203.0.113.11', 80),
    cluster: cluster({ services: [lbApi], slices: [slice(lbApi, [{ ip: '10.244.1.5', pod: 'api-1', node: 'node-2' }])] }),
    lb: { service: 'shop/api-lb', id: 'y', address: '203.0.113.11:80/tcp', externalTrafficPolicy: 'Cluster', nodePort: 30929, targets: [
      { node: 'node-2', nodeIP: '172.18.0.3', nodePort: 30929, state: 'unhealthy', inService: false, check: 'tcp', detail: 'timeout after 900 ms', since: '' }] },
    drops: [{ node: 'node-2', rule: 'ingress to shop/api-1 isolated by shop/only-shop', packets: 4 }],
  }));
  assert.match(r.failure!, /the checks \(from the nodes, through the NodePort\) are dropped by NetworkPolicy: ingress to shop\/api-1 isolated by shop\/only-shop on node-2 \(4 packets\)/);
});

test('a Service with one port number on UDP and TCP: the request is the TCP one\'s', () => {
  const dual = service('shop', 'api', '10.96.0.20', { app: 'api' }, { ports: [{ name: 'dns-udp', port: 80, targetPort: 5353, protocol: 'UDP' }, { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] });
  const r = explainTrace(evidence('http://api.shop/', { dns: dnsOk('api.shop.svc.cluster.local', ['10.96.0.20']), cluster: cluster({ services: [dual] }) }));
  assert.match(r.lines[3]!, /ClusterIP 10\.96\.0\.20:80 → 2 ready endpoints: 10\.244\.1\.5:8080/);
});

test('a TCP check: the connection is the answer, through a Service or refused by a policy', () => {
  const tcpOk = { exit: 0, error: '', status: 0, remoteIP: '10.96.0.20', remotePort: 80, localPort: 40000, timeMs: 4, connected: true };
  const r = explainTrace(evidence('tcp://api.shop:80', { method: 'CONNECT', dns: dnsOk('api.shop.svc.cluster.local', ['10.96.0.20']), curl: tcpOk, dnat: { node: 'node-1', ip: '10.244.1.5', port: 8080 } }));
  assert.equal(r.ok, true);
  assert.equal(r.lines.at(-1), '  3. Pod            shop/api-1 on node-2 (10.244.1.5) accepted the connection in 4 ms');
  const dropped = explainTrace(evidence('tcp://api.shop:80', {
    method: 'CONNECT', dns: dnsOk('api.shop.svc.cluster.local', ['10.96.0.20']), curl: { ...tcpOk, exit: 28, error: 'connect to 10.96.0.20 port 80 (tcp) timed out', connected: false },
    dnat: { node: 'node-1', ip: '10.244.1.5', port: 8080 }, drops: [{ node: 'node-2', rule: 'ingress to shop/api-1 isolated by shop/deny', packets: 2 }],
  }));
  assert.equal(dropped.failure, 'NetworkPolicy: ingress to shop/api-1 isolated by shop/deny on node-2 (2 packets)');
});

// The review's cases (2026-11-29).

test('an LB address from a pod is the Service itself: no cloud LB is crossed, the node\'s DNAT chose the pod', () => {
  const lbApi = service('shop', 'api-lb', '10.96.0.40', { app: 'api' }, { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30929, protocol: 'TCP' }] }, '203.0.113.11');
  const r = explainTrace(evidence('http://203.0.113.11/', {
    curl: ok(200, '203.0.113.11', 80), cluster: cluster({ services: [lbApi], slices: [slice(lbApi, [{ ip: '10.244.1.5', pod: 'api-1', node: 'node-2' }])] }),
    dnat: { node: 'node-1', ip: '10.244.1.5', port: 8080 },
  }));
  assert.equal(r.ok, true);
  assert.match(r.lines[2]!, /1\. Load balancer +203\.0\.113\.11:80 is Service shop\/api-lb's load-balancer address: from inside, the node's rules take it to the Service directly/);
  assert.equal(r.lines.at(-1), '  3. Pod            shop/api-1 on node-2 (10.244.1.5) answered 200 in 3 ms');
});

test('through the ingress with no access-log line: an answer is no failure, and says what is not known', () => {
  const r = explainTrace(viaIngress({ curl: ok(200, '203.0.113.10', 80), access: undefined }));
  assert.equal(r.ok, true);
  assert.match(r.lines.at(-1)!, /NGINX \(ingress-nginx-controller-x\) answered 200; its access-log line for request id podnet-trace-1 was not found/);
});

test('a connection to NGINX itself that never opened: a policy on the controller pod is named', () => {
  const r = explainTrace(viaIngress({ curl: failed(28, 'Connection timed out', '203.0.113.10', 80), drops: [{ node: 'node-2', rule: 'ingress to ingress-nginx/ingress-nginx-controller-x isolated by ingress-nginx/lockdown', packets: 3 }] }));
  assert.equal(r.failure, 'NetworkPolicy: ingress to ingress-nginx/ingress-nginx-controller-x isolated by ingress-nginx/lockdown on node-2 (3 packets)');
});

test('NGINX\'s 504 after a connect that never completed: the connect timeout, or the policy that dropped it', () => {
  const connect = explainTrace(viaIngress({ curl: ok(504, '203.0.113.10', 80), access: { ...access, status: 504, upstream_status: '504', upstream_bytes_received: '0', request_time: 5.002 } }));
  assert.equal(connect.failure, 'the pod: api-2 did not answer within NGINX\'s proxy-connect-timeout (5 s): the connection was not accepted: NGINX answered 504');
  const dropped = explainTrace(viaIngress({ curl: ok(504, '203.0.113.10', 80), access: { ...access, status: 504, upstream_status: '504', upstream_bytes_received: '0', request_time: 5.002 }, drops: [{ node: 'node-1', rule: 'ingress to shop/api-2 isolated by shop/deny', packets: 2 }] }));
  assert.equal(dropped.failure, 'NetworkPolicy: NGINX\'s connection to api-2 was dropped: ingress to shop/api-2 isolated by shop/deny on node-1 (2 packets): NGINX answered 504');
});

test('a refusal is said as one only when it came back at once', () => {
  const quick = explainTrace(evidence('http://10.244.1.5:9999/', { curl: { ...failed(7, 'Failed to connect: Connection refused', '10.244.1.5', 9999), timeMs: 1 } }));
  assert.match(quick.failure!, /: connection refused \(Failed to connect: Connection refused\): nothing listens on port 9999/);
  const slow = explainTrace(evidence('http://10.244.1.5:9999/', { curl: { ...failed(7, 'Failed to connect: No route to host', '10.244.1.5', 9999), timeMs: 3050 } }));
  assert.match(slow.failure!, /: connection refused or unreachable \(Failed to connect: No route to host\)/);
});

test('POD.SVC of a headless Service that does not resolve: the pod hostname is what is missing', () => {
  const db = service('shop', 'db', 'None', { app: 'db' });
  const r = explainTrace(evidence('http://db-9.db/', {
    cluster: cluster({ services: [api, db] }),
    dns: { qname: 'db-9.db', server: '10.96.0.10', rcode: 'NXDOMAIN', addresses: [], cnames: [] }, curl: failed(6, 'Could not resolve host'),
  }));
  assert.equal(r.failure, 'DNS: NXDOMAIN: headless Service shop/db has no ready pod with hostname db-9 (a StatefulSet\'s pod is published by its name once Ready)');
});

test('a node\'s own port (no NodePort) that answers is the node\'s answer, not a pod\'s', () => {
  const r = explainTrace(evidence('http://172.18.0.2:10256/healthz', { source: fromOutside, curl: ok(200, '172.18.0.2', 10256) }));
  assert.equal(r.ok, true);
  assert.equal(r.by, 'other');
  assert.match(r.lines.at(-1)!, /the node itself answered 200/);
});

test('podByIP: a finished pod that kept the IP in its status loses it to the pod the node gave it to, even one still starting', async () => {
  const { podByIP } = await import('../../../src/trace/lookup.js');
  const finished = { ...pod('shop', 'job-1', '10.244.0.9', 'node-1', { job: 'x' }, false), status: { phase: 'Succeeded', podIP: '10.244.0.9' } } as Pod;
  const starting = { ...pod('shop', 'web-1', '10.244.0.9', 'node-1', { app: 'web' }, false), status: { phase: 'Pending', podIP: '10.244.0.9' } } as Pod;
  assert.equal(podByIP(cluster({ pods: [finished, starting] }), '10.244.0.9')?.metadata.name, 'web-1');
  assert.equal(podByIP(cluster({ pods: [finished] }), '10.244.0.9')?.metadata.name, 'job-1');
});

test('an HTTPRoute\'s request: its publisher, the route NGINX matched, its redirect, and its 500 for a backendRef that cannot be used', () => {
  const route = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'store', namespace: 'shop' }, spec: { hostnames: ['store.example.test'] },
    status: { parents: [{ parentRef: { name: 'web' }, controllerName: 'podnet.dev/gateway-controller', conditions: [{ type: 'Accepted', status: 'True' as const }] }] } };
  const viaRoute = (over: Partial<TraceEvidence>) => viaIngress({
    url: new URL('http://store.example.test/api'), dns: dnsOk('store.example.test', ['203.0.113.10'], '198.51.100.53'), curl: ok(200, '203.0.113.10', 80),
    cluster: cluster({ ingresses: [], httpRoutes: [route] }), ...over,
  });
  const routed = { ...access, ingress: 'HTTPRoute/shop/store', rule_host: 'store.example.test' };
  const r = explainTrace(viaRoute({ access: routed }));
  assert.equal(r.ok, true);
  assert.equal(r.lines[3], '                    published by podnet\'s external-dns from HTTPRoute shop/store');
  assert.ok(r.lines.some((l) => l.endsWith('NGINX (ingress-nginx-controller-x) matched host store.example.test path /api of HTTPRoute shop/store → shop/api:80; saw the client as 198.51.100.10')), r.lines.join('\n'));
  const moved = explainTrace(viaRoute({ curl: ok(301, '203.0.113.10', 80), access: { ...routed, status: 301, service: '', upstream_addr: '', upstream_status: '' } }));
  assert.equal(moved.ok, true);
  assert.match(moved.lines.at(-1)!, /NGINX redirected it \(301\): a RequestRedirect filter of HTTPRoute shop\/store$/);
  const broken = explainTrace(viaRoute({ curl: ok(500, '203.0.113.10', 80), access: { ...routed, status: 500, service: '', upstream_addr: '', upstream_status: '' } }));
  assert.equal(broken.ok, false);
  assert.equal(broken.failure, 'the ingress: HTTPRoute shop/store has no usable backend for this request (500)');
});
