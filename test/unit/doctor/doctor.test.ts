// podnet doctor's checks, as rows: a cluster's evidence with one thing
// broken → the finding (its layer, level and words) and the report's count.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, IngressClass, Job, NetworkPolicy, Node, Pod } from '../../../src/api/types.js';
import type { Gateway, GatewayClass, HTTPRoute } from '../../../src/api/gateway-types.js';
import type { LbFrontendStatus, LbStatus } from '../../../src/cloud/lb-status.js';
import { diagnose } from '../../../src/doctor/doctor.js';
import type { DoctorEvidence, NodeProbe } from '../../../src/doctor/evidence.js';
import { renderReport, type Finding } from '../../../src/doctor/findings.js';
import { ingress, node, pod, service, slice } from '../../support/cluster-objects.js';

const NOW = Date.parse('2026-11-29T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

function readyNode(name: string, ip: string, podCIDR: string): Node {
  const n = node(name, ip);
  return { ...n, spec: { podCIDR }, status: { ...n.status, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: ago(1) }] } } as Node;
}

const uid = (name: string) => `${name}-0000-0000-0000-000000000000`;
const withUid = (p: Pod): Pod => ({ ...p, metadata: { ...p.metadata, uid: uid(p.metadata.name!), creationTimestamp: ago(600) } });

const api = service('shop', 'api', '10.96.0.20', { app: 'api' });
const controllerSvc = service('ingress-nginx', 'ingress-nginx-controller', '10.96.0.30', { app: 'ingress-nginx' }, { type: 'LoadBalancer', externalTrafficPolicy: 'Local' }, '203.0.113.10');
const kubeDns = service('kube-system', 'kube-dns', '10.96.0.10', { 'k8s-app': 'kube-dns' });
const dnsPod = withUid(pod('kube-system', 'coredns-1', '10.244.0.3', 'node-1', { 'k8s-app': 'kube-dns' }));
const apiPods: Pod[] = [withUid(pod('shop', 'api-1', '10.244.1.5', 'node-2', { app: 'api' })), withUid(pod('shop', 'api-2', '10.244.0.7', 'node-1', { app: 'api' }))];
const controllerPod = withUid(pod('ingress-nginx', 'controller-x', '10.244.1.2', 'node-2', { app: 'ingress-nginx' }));
const allPods = [...apiPods, controllerPod, dnsPod];
const nginxClass = { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'k8s.io/ingress-nginx' } } as IngressClass;
const netnsOf = (p: Pod) => `pn-t-pod-${p.metadata.uid!.replace(/-/g, '').slice(0, 12)}`;
const allocation = (p: Pod) => ({ ip: p.status!.podIP!, containerId: p.metadata.uid!.replace(/-/g, ''), ifName: 'eth0' });

function probe(name: string, pods: Pod[], over: Partial<NodeProbe> = {}): NodeProbe {
  return {
    name, netns: true, rulesetVersion: 'v1', expectedVersion: 'v1', proxyHealth: { status: 200, lastUpdated: ago(1) },
    clusterDns: { qname: 'kubernetes.default.svc.cluster.local', server: '10.96.0.10', rcode: 'NOERROR', addresses: ['10.96.0.1'], cnames: [], ms: 1 },
    conntrack: { count: 40, max: 262144 }, policyDrops: new Map(), allocations: pods.filter((p) => p.spec.nodeName === name).map(allocation), ...over,
  };
}

const target = (node: string, inService: boolean, state: 'healthy' | 'unhealthy' | 'initial' = inService ? 'healthy' : 'unhealthy') =>
  ({ node, nodeIP: node === 'node-1' ? '172.18.0.2' : '172.18.0.3', nodePort: 30080, state, inService, check: 'HTTP', detail: inService ? 'HTTP 200' : 'HTTP 503', since: ago(60) });
const frontend = (targets: ReturnType<typeof target>[], policy: 'Local' | 'Cluster' = 'Local'): LbFrontendStatus =>
  ({ service: 'ingress-nginx/ingress-nginx-controller', id: 'x', address: '203.0.113.10:80/tcp', externalTrafficPolicy: policy, nodePort: 30080, targets });
const lbStatus = (frontends: LbFrontendStatus[]): LbStatus => ({ table: 'lb', health: { intervalMs: 500, timeoutMs: 500, healthyThreshold: 2, unhealthyThreshold: 2 }, frontends });

function evidence(over: Partial<DoctorEvidence> = {}, objects: Partial<DoctorEvidence['objects']> = {}): DoctorEvidence {
  const pods = objects.pods ?? allPods;
  return {
    cluster: 't', now: NOW,
    logs: { agents: new Map([['node-1', '/s/agent-node-1.log'], ['node-2', '/s/agent-node-2.log']]), lbAgent: '/s/lb-agent.log' },
    objects: {
      services: [api, controllerSvc, kubeDns],
      slices: [slice(api, [{ ip: '10.244.1.5', pod: 'api-1', node: 'node-2' }, { ip: '10.244.0.7', pod: 'api-2', node: 'node-1' }]), slice(controllerSvc, [{ ip: '10.244.1.2', pod: 'controller-x', node: 'node-2' }]), slice(kubeDns, [{ ip: '10.244.0.3', pod: 'coredns-1', node: 'node-1' }])],
      pods, ingresses: [ingress('shop', 'shop', 'shop.example.test', [['/api', 'api']], '203.0.113.10')], ingressClasses: [nginxClass],
      nodes: [readyNode('node-1', '172.18.0.2', '10.244.0.0/24'), readyNode('node-2', '172.18.0.3', '10.244.1.0/24')],
      workloads: [], secretNames: [], events: [], policies: [], jobs: [], gatewayClasses: [], gateways: [], httpRoutes: [], ...objects,
    },
    netns: ['pn-t-router', 'pn-t-outside', 'pn-t-extdns', 'pn-t-node-1', 'pn-t-node-2', ...pods.map(netnsOf)],
    nodes: [probe('node-1', pods), probe('node-2', pods)],
    lb: lbStatus([frontend([target('node-1', false), target('node-2', true)])]),
    published: [{ name: 'shop.example.test', expected: ['203.0.113.10'], lookup: { qname: 'shop.example.test', server: '198.51.100.53', rcode: 'NOERROR', addresses: ['203.0.113.10'], cnames: [] } }],
    ingressProbe: { address: '203.0.113.10:80', curl: { exit: 0, error: '', status: 404, remoteIP: '203.0.113.10', remotePort: 80, localPort: 40000, timeMs: 2, connected: true } },
    ...over,
  };
}

const problems = (f: Finding[]) => f.filter((x) => x.level === 'fail');
const warnings = (f: Finding[]) => f.filter((x) => x.level === 'warn');
const only = (f: Finding[], level: 'fail' | 'warn'): Finding => {
  const found = f.filter((x) => x.level === level);
  assert.equal(found.length, 1, found.map((x) => x.text).join('\n'));
  return found[0]!;
};

test('a healthy cluster: every layer fine, no problem, no warning', () => {
  const findings = diagnose(evidence());
  assert.deepEqual([...problems(findings), ...warnings(findings)], []);
  const report = renderReport(findings);
  assert.equal(report.lines.at(-1), 'No problems found.');
  assert.deepEqual(report.lines.filter((l) => !l.startsWith(' ') && l !== '').slice(0, -1), ['Nodes', 'Pod network', 'Pods', 'Services', 'Cluster DNS', 'Load balancer', 'Ingress', 'External DNS']);
  assert.ok(report.lines.includes('  ✓ 2 nodes Ready: node-1, node-2'), report.lines.join('\n'));
  assert.ok(report.lines.includes('  ✓ the service rules in node-1, node-2 match the API\'s Services and EndpointSlices'));
  assert.ok(report.lines.includes('  ✓ 1 frontend with its nodes in service: 203.0.113.10:80/tcp → node-2'));
});

test('the report: a heading per layer, ✗ with its fix below, and the count', () => {
  const r = renderReport([{ section: 'Pods', level: 'fail', text: 'pod a/b is broken', fix: 'do this' }, { section: 'Nodes', level: 'warn', text: 'hm' }]);
  assert.deepEqual(r.lines, ['Nodes', '  ! hm', 'Pods', '  ✗ pod a/b is broken', '    → do this', '', '1 problem, 1 warning.']);
  assert.equal(r.problems, 1);
});

test('a node that stopped heartbeating: not Ready with the controller\'s reason, its agent\'s log, its pods not Ready because of it', () => {
  const stale = { ...readyNode('node-1', '172.18.0.2', '10.244.0.0/24'), status: { addresses: [{ type: 'InternalIP', address: '172.18.0.2' }], conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: ago(19) }] } } as Node;
  const notReady = { ...apiPods[1]!, status: { ...apiPods[1]!.status, conditions: [{ type: 'Ready', status: 'False', reason: 'NodeNotReady' }] } } as Pod;
  const pods = [apiPods[0]!, notReady, controllerPod];
  const e = evidence({ nodes: [probe('node-1', pods, { proxyHealth: undefined as never }), probe('node-2', pods)] }, { pods, nodes: [stale, readyNode('node-2', '172.18.0.3', '10.244.1.0/24')] });
  delete e.nodes[0]!.proxyHealth;
  const f = diagnose(e);
  const texts = problems(f).map((x) => x.text);
  assert.ok(texts.includes('node node-1 is not Ready: NodeStatusUnknown (Kubelet stopped posting node status.) (last heartbeat 19s ago)'), texts.join('\n'));
  assert.ok(texts.includes('node node-1\'s service proxy does not answer on :10256/healthz: its node agent is not running'));
  assert.ok(texts.includes('1 pod on node node-1 is not Ready because the node is not (see Nodes): shop/api-2'));
  assert.equal(problems(f).find((x) => x.text.startsWith('node node-1 is not Ready'))!.fix, 'its agent\'s log /s/agent-node-1.log says why it stopped; the daemon restarts a node agent that exits');
});

test('a proxy that has not synced yet is starting (a warning); one whose change waits is unhealthy', () => {
  const starting = diagnose(evidence({ nodes: [probe('node-1', allPods, { proxyHealth: { status: 503, lastUpdated: '' } }), probe('node-2', allPods)] }));
  assert.match(only(starting, 'warn').text, /^node node-1's service proxy has not loaded its first rules yet/);
  assert.deepEqual(problems(starting), []);
  const stuck = diagnose(evidence({ nodes: [probe('node-1', allPods, { proxyHealth: { status: 503, lastUpdated: ago(90) } }), probe('node-2', allPods)] }));
  assert.match(only(stuck, 'fail').text, /^node node-1's service proxy is unhealthy \(\/healthz 503, last sync at /);
});

test('a node without its network namespace, and a conntrack table near full', () => {
  const pods = allPods;
  const f = diagnose(evidence({ nodes: [probe('node-1', pods, { netns: false }), probe('node-2', pods, { conntrack: { count: 250_000, max: 262_144 } })] }));
  assert.equal(only(f, 'fail').text, 'node node-1 has no network namespace (pn-t-node-1): its pods and rules are gone with it');
  assert.equal(only(f, 'fail').fix, 'podnet down --cluster t and podnet up --cluster t rebuild the network');
  assert.equal(only(f, 'warn').text, 'node node-2\'s conntrack table holds 250000 of 262144 entries: when it is full, new connections are dropped');
});

test('pod network: an IP held twice, an IP outside the node\'s podCIDR, an IP the IPAM has no record of', () => {
  const twin = withUid(pod('shop', 'twin', '10.244.1.5', 'node-2', { app: 'x' }));
  const stray = withUid(pod('shop', 'stray', '10.244.9.9', 'node-1', { app: 'x' }));
  const pods = [...allPods, twin, stray];
  const nodes = [probe('node-1', pods.filter((p) => p !== stray)), probe('node-2', pods.filter((p) => p !== twin))];
  const texts = problems(diagnose(evidence({ nodes }, { pods }))).map((x) => x.text);
  assert.ok(texts.includes('10.244.1.5 is the IP of 2 pods: shop/api-1, shop/twin'), texts.join('\n'));
  assert.ok(texts.includes('pod shop/stray has IP 10.244.9.9, outside its node node-1\'s podCIDR 10.244.0.0/24: no route leads to it'));
  assert.ok(texts.includes('2 pods hold an IP the IPAM has no record of, so it could be handed out again: shop/twin (10.244.1.5), shop/stray (10.244.9.9)'));
});

test('pod network: an address held for a pod that is gone, and a namespace that belongs to nothing, are warnings', () => {
  const pods = allPods;
  const e = evidence({ nodes: [probe('node-1', pods, { allocations: [...pods.filter((p) => p.spec.nodeName === 'node-1').map(allocation), { ip: '10.244.0.9', containerId: 'deadbeef', ifName: 'eth0' }] }), probe('node-2', pods)] });
  e.netns.push('pn-t-pod-0123456789ab');
  const w = warnings(diagnose(e)).map((x) => x.text);
  assert.deepEqual(w, ['1 address held for pods that no longer exist: 10.244.0.9 on node-1', '1 network namespace of this cluster belongs to no node or pod: pn-t-pod-0123456789ab']);
});

test('pods: a crash loop is a problem with its last exit and the logs command; a young pod starting is a warning', () => {
  const crash = withUid(pod('shop', 'crash', '10.244.0.8', 'node-1', { app: 'crash' }, false));
  crash.status!.containerStatuses = [{ name: 'app', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 3, reason: 'Error' } } }];
  const young = { ...withUid(pod('shop', 'young', '10.244.1.8', 'node-2', { app: 'young' }, false)), metadata: { namespace: 'shop', name: 'young', uid: uid('young'), creationTimestamp: ago(5) } } as Pod;
  const pods = [...allPods, crash, young];
  const f = diagnose(evidence({ nodes: [probe('node-1', pods), probe('node-2', pods)] }, { pods }));
  const p = only(f, 'fail');
  assert.equal(p.text, 'pod shop/crash is not ready (app: CrashLoopBackOff); restarted: app 3 times, last exit 3 (Error)');
  assert.equal(p.fix, 'podnet logs -n shop crash --previous --cluster t shows its output');
  assert.equal(only(f, 'warn').text, 'pod shop/young is not ready (app) (created 5 s ago)');
});

test('services: a selector that matches no pod, a LoadBalancer without an address', () => {
  const typo = service('shop', 'typo', '10.96.0.40', { app: 'apii' });
  const pending = service('shop', 'lb', '10.96.0.41', { app: 'api' }, { type: 'LoadBalancer' });
  const f = diagnose(evidence({}, { services: [api, controllerSvc, typo, pending], slices: [...evidence().objects.slices, slice(pending, [{ ip: '10.244.1.5', pod: 'api-1', node: 'node-2' }])] }));
  const texts = problems(f).map((x) => x.text);
  assert.deepEqual(texts, [
    'Service shop/typo has no ready endpoint: no pod in namespace shop matches its selector app=apii',
    'Service shop/lb is of type LoadBalancer and has no address yet (EXTERNAL-IP <pending>)',
  ]);
});

test('services: a node whose rules differ from what the API makes, and one without the table', () => {
  const pods = allPods;
  const f = diagnose(evidence({ nodes: [probe('node-1', pods, { rulesetVersion: 'old' }), probe('node-2', pods, { rulesetVersion: undefined as never })] }));
  const [stale, none] = problems(f);
  assert.match(stale!.text, /^node node-1's service rules are not the ones the API's Services and EndpointSlices make now \(the kernel holds version old, the API makes v1\); its last sync was at /);
  assert.match(stale!.fix!, /a sync nft rejected, named in \/s\/agent-node-1\.log$/);
  // the probe object keeps the key: undefined is "no table"
  assert.equal(none!.text, 'node node-2 has no service rules (no nftables table ip podnet): no ClusterIP, NodePort or load-balancer address works there');
});

test('cluster DNS: a node that gets no answer', () => {
  const pods = allPods;
  const f = diagnose(evidence({ nodes: [probe('node-1', pods, { clusterDns: { qname: 'kubernetes.default.svc.cluster.local', server: '', rcode: 'timeout', addresses: [], cnames: [] } }), probe('node-2', pods)] }));
  assert.equal(only(f, 'fail').text, 'from node node-1, 10.96.0.10 answered kubernetes.default.svc.cluster.local with no answer, not 10.96.0.1');
});

test('cluster DNS: a cluster without one (up --bare) is not asked, and says so', () => {
  const pods = [...apiPods, controllerPod];
  const noDns = { ...probe('node-1', pods) };
  delete noDns.clusterDns;
  const f = diagnose(evidence({ nodes: [noDns, { ...noDns, name: 'node-2' }] }, { services: [api, controllerSvc], pods }));
  assert.deepEqual(f.filter((x) => x.section === 'Cluster DNS').map((x) => `${x.level} ${x.text}`),
    ['ok none: there is no Service kube-system/kube-dns (a cluster made with up --bare has none), so pods resolve no cluster name']);
});

test('load balancer: no node in service is a problem, still-starting checks a warning, Cluster nodes out of service a warning', () => {
  const none = diagnose(evidence({ lb: lbStatus([frontend([target('node-1', false), target('node-2', false)])]) }));
  assert.equal(only(none, 'fail').text, '203.0.113.10:80/tcp (Service ingress-nginx/ingress-nginx-controller) sends to no node: node-1 unhealthy (HTTP 503), node-2 unhealthy (HTTP 503)');
  assert.match(only(none, 'fail').fix!, /^externalTrafficPolicy Local/);
  const starting = diagnose(evidence({ lb: lbStatus([frontend([target('node-1', false, 'initial'), target('node-2', false, 'initial')])]) }));
  assert.deepEqual(problems(starting), []);
  assert.match(only(starting, 'warn').text, /its health checks are still starting/);
  const cluster = diagnose(evidence({ lb: lbStatus([frontend([target('node-1', false), target('node-2', true)], 'Cluster')]) }));
  assert.match(only(cluster, 'warn').text, /has nodes out of service: node-1 unhealthy \(HTTP 503\), node-2 in service$/);
  const unprogrammed = diagnose(evidence({ lb: lbStatus([]) }));
  assert.equal(only(unprogrammed, 'fail').text, 'Service ingress-nginx/ingress-nginx-controller has the address 203.0.113.10, which the router does not serve: the LB agent has not programmed it');
});

test('ingress: a missing Service, a missing port, no endpoints, a missing TLS Secret, and no answer from NGINX', () => {
  const broken = ingress('shop', 'bad', 'bad.example.test', [['/a', 'missing'], ['/b', 'api']], '203.0.113.10');
  broken.spec.rules![0]!.http!.paths[1]!.backend.service!.port = { name: 'grpc' };
  broken.spec.tls = [{ hosts: ['bad.example.test'], secretName: 'nope' }];
  const idle = service('shop', 'idle', '10.96.0.50', { app: 'idle' });
  const noEndpoints = ingress('shop', 'idle', 'idle.example.test', [['/', 'idle']], '203.0.113.10');
  const f = diagnose(evidence({ ingressProbe: { address: '203.0.113.10:80', curl: { exit: 7, error: 'Couldn\'t connect to server', status: 0, remoteIP: '', remotePort: 0, localPort: 0, timeMs: 1, connected: false } } },
    { ingresses: [broken, noEndpoints], services: [api, controllerSvc, idle] }));
  const texts = problems(f).filter((x) => x.section === 'Ingress').map((x) => x.text);
  assert.deepEqual(texts, [
    'the outside client gets no answer from NGINX through 203.0.113.10:80: connection refused or unreachable (Couldn\'t connect to server)',
    'Ingress shop/bad: its backend shop/missing:80 names a Service that does not exist: NGINX answers 503',
    'Ingress shop/bad: its backend shop/api:grpc names a port Service shop/api does not have (it has 80 (http)): NGINX answers 503',
    'Ingress shop/bad: its TLS Secret shop/nope does not exist: NGINX presents its self-signed default certificate for bad.example.test',
    'Ingress shop/idle: its backend shop/idle:80 has no ready endpoint, so NGINX answers 503: Service shop/idle has no ready endpoint: no pod in namespace shop matches its selector app=idle',
  ]);
});

test('ingress: another controller\'s Ingress is not judged; one without an address yet is a warning', () => {
  const theirs = { ...ingress('shop', 'theirs', 'x.example.test', [['/', 'missing']]), spec: { ingressClassName: 'other', rules: [] } };
  const waiting = ingress('shop', 'waiting', 'w.example.test', [['/api', 'api']]);
  const f = diagnose(evidence({}, { ingresses: [theirs, waiting] }));
  assert.deepEqual(problems(f), []);
  assert.equal(only(f, 'warn').text, 'Ingress shop/waiting has no address yet: the controller sets it once it serves the Ingress');
});

test('external DNS: a published name that resolves elsewhere or not at all', () => {
  const f = diagnose(evidence({ published: [
    { name: 'a.example.test', expected: ['203.0.113.10'], lookup: { qname: 'a.example.test', server: '198.51.100.53', rcode: 'NXDOMAIN', addresses: [], cnames: [] } },
    { name: 'b.example.test', expected: ['203.0.113.10'], lookup: { qname: 'b.example.test', server: '198.51.100.53', rcode: 'NOERROR', addresses: ['203.0.113.11'], cnames: [] } },
  ] }));
  assert.deepEqual(problems(f).map((x) => x.text), [
    'the outside client\'s lookup of a.example.test gave NXDOMAIN; the cluster publishes it at 203.0.113.10',
    'the outside client\'s lookup of b.example.test gave 203.0.113.11; the cluster publishes it at 203.0.113.10',
  ]);
});

test('network policy: the drops each node counted, most first', () => {
  const pods = allPods;
  const policy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'shop', name: 'deny' }, spec: { podSelector: {} } } as NetworkPolicy;
  const node2 = probe('node-2', pods, { policyDrops: new Map([['ingress to shop/api-1 isolated by shop/deny', 7]]), policyDropLast: new Map([['ingress to shop/api-1 isolated by shop/deny', Date.parse(ago(12))]]) });
  const f = diagnose(evidence({ nodes: [probe('node-1', pods, { policyDrops: new Map([['ingress to shop/api-2 isolated by shop/deny', 2], ['ingress to shop/x isolated by shop/deny', 0]]) }), node2] }, { policies: [policy] }));
  assert.deepEqual(f.filter((x) => x.section === 'Network policy').map((x) => `${x.level} ${x.text}${x.fix ? ` → ${x.fix}` : ''}`), [
    'ok 1 NetworkPolicy in the nodes\' nftables; the drops below are what they refused (a connection that hangs may be one)',
    'warn ingress to shop/api-1 isolated by shop/deny on node-2: 7 packets dropped, the last 12s ago → podnet observe --since 10m --verdict DROPPED --node node-2 shows each, with its source',
    'warn ingress to shop/api-2 isolated by shop/deny on node-1: 2 packets dropped',
  ], 'the last drop\'s time where the refusal log has it from the last minutes');
});

test('events: recent Warnings about objects that still exist, newest first; old ones and those of deleted objects left out', () => {
  const ev = (name: string, kind: string, objUid: string, secondsAgo: number, type: 'Warning' | 'Normal' = 'Warning', count = 1): Event => ({
    apiVersion: 'v1', kind: 'Event', metadata: { namespace: 'shop', name }, type, reason: 'R', message: name, count, lastTimestamp: ago(secondsAgo),
    involvedObject: { kind, namespace: 'shop', name: 'obj', uid: objUid },
  } as Event);
  const events = [ev('old', 'Pod', uid('api-1'), 3600), ev('gone', 'Pod', 'other-uid', 5), ev('normal', 'Pod', uid('api-1'), 5, 'Normal'),
    ev('first', 'Pod', uid('api-1'), 30), ev('newest', 'ReplicaSet', 'rs-uid', 2, 'Warning', 4)];
  const f = diagnose(evidence({}, { events }));
  assert.deepEqual(f.filter((x) => x.section === 'Events').map((x) => x.text), ['ReplicaSet shop/obj R: newest (4 times, last 2s ago)', 'Pod shop/obj R: first (30s ago)']);
});

test('events: a readiness probe that failed while its pod was starting is left out once the pod is Ready; one failing after stays', () => {
  const readyAt = (p: Pod, secondsAgo: number, startedSecondsAgo = secondsAgo + 5): Pod => ({ ...p, status: { ...p.status, startTime: ago(startedSecondsAgo), conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: ago(secondsAgo) }] } });
  const probeFailed = (p: Pod, secondsAgo: number): Event => ({
    apiVersion: 'v1', kind: 'Event', metadata: { namespace: p.metadata.namespace, name: `${p.metadata.name}.${secondsAgo}` }, type: 'Warning', reason: 'Unhealthy',
    message: 'Readiness probe failed: dial tcp 10.244.1.2:80: connect ECONNREFUSED', count: 1, lastTimestamp: ago(secondsAgo),
    involvedObject: { kind: 'Pod', namespace: p.metadata.namespace, name: p.metadata.name, uid: p.metadata.uid },
  } as Event);
  const started = readyAt(controllerPod, 50);
  const f = diagnose(evidence({}, { pods: [started, ...apiPods, dnsPod], events: [probeFailed(started, 52), probeFailed(apiPods[0]!, 5)] }));
  assert.deepEqual(f.filter((x) => x.section === 'Events').map((x) => x.text), [`Pod shop/api-1 Unhealthy: Readiness probe failed: dial tcp 10.244.1.2:80: connect ECONNREFUSED (5s ago)`],
    'api-1 is not Ready in this evidence: its failure stays');
  const later = diagnose(evidence({}, { pods: [started, ...apiPods, dnsPod], events: [probeFailed(started, 10)] }));
  assert.equal(later.filter((x) => x.section === 'Events').length, 1, 'a failure after the pod was Ready stays');
  // Ready since its start 10 minutes ago, then failing, then Ready again 5 s ago: a flap, not a start
  const flapped = readyAt(controllerPod, 5, 600);
  const flap = diagnose(evidence({}, { pods: [flapped, ...apiPods, dnsPod], events: [probeFailed(flapped, 20)] }));
  assert.equal(flap.filter((x) => x.section === 'Events').length, 1, 'a pod that failed and recovered long after its start keeps its failure');
});

test('a running agent whose refusal recorder is not: a warning in its layer, with the log that says why', () => {
  const f = diagnose(evidence({ nodes: [probe('node-1', allPods, { recording: false }), probe('node-2', allPods, { recording: true })], lb: lbStatus([frontend([target('node-2', true)])]), lbRecording: false }));
  assert.deepEqual(f.filter((x) => /refusal recorder/.test(x.text)).map((x) => `${x.section}: ${x.text}`), [
    'Nodes: node node-1\'s refusal recorder is not running: its drops and rejects are not recorded, and podnet observe shows none there',
    'Load balancer: the load balancer\'s refusal recorder is not running: its rejects and drops are not recorded, and podnet observe shows none there',
  ]);
  const stopped = diagnose(evidence({ nodes: [probe('node-1', allPods, { recording: false, proxyHealth: undefined })] }));
  assert.equal(stopped.filter((x) => /refusal recorder/.test(x.text)).length, 0, 'an agent that is not running is named for that, not for its recorder');
});

test('services: a headless Service over a finished Job\'s pods is fine; one whose pods are only starting is a warning', () => {
  const done = (name: string, phase: 'Succeeded' | 'Failed'): Pod => {
    const p = withUid(pod('shop', name, '10.244.0.20', 'node-1', { job: 'w' }, false));
    return { ...p, metadata: { ...p.metadata, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'w', uid: 'job-w', controller: true }] }, status: { phase, podIP: '10.244.0.20' } };
  };
  const workers = service('shop', 'w', 'None', { job: 'w' });
  const young = { ...withUid(pod('shop', 'web-1', '10.244.1.9', 'node-2', { app: 'web' }, false)), metadata: { namespace: 'shop', name: 'web-1', uid: uid('web-1'), labels: { app: 'web' }, creationTimestamp: ago(3) } } as Pod;
  young.status = { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] } as Pod['status'];
  const web = service('shop', 'web', '10.96.0.60', { app: 'web' });
  const pods = [...allPods, done('w-0', 'Succeeded'), done('w-1', 'Failed'), young];
  const webIngress = ingress('shop', 'web', 'web.example.test', [['/', 'web']], '203.0.113.10');
  const f = diagnose(evidence({}, { services: [api, controllerSvc, kubeDns, workers, web], pods, ingresses: [webIngress] }));
  assert.deepEqual(problems(f).filter((x) => x.section === 'Services' || x.section === 'Ingress'), []);
  // NGINX answers 503 for that moment: a warning under Ingress too
  assert.match(warnings(f).find((x) => x.section === 'Ingress')!.text, /^Ingress shop\/web: its backend shop\/web:80 has no ready endpoint, so NGINX answers 503: /);
  assert.ok(f.some((x) => x.level === 'ok' && x.text === 'Service shop/w selects only pods that have completed: it has no endpoint, as it should'), f.map((x) => x.text).join('\n'));
  assert.match(warnings(f).find((x) => x.section === 'Services')!.text, /^Service shop\/web has no ready endpoint: 1 pod matches its selector app=web, none is Ready: web-1 \(ContainerCreating\)$/);
  // a Job's failed pod is its retry, not a pod to look at
  assert.ok(!f.some((x) => x.section === 'Pods' && x.text.includes('w-1')));
});

test('cluster DNS: its Service deleted from a cluster that has the DNS Deployment is a problem, not a bare cluster', () => {
  const coredns = { kind: 'Deployment', metadata: { namespace: 'kube-system', name: 'coredns', uid: 'd1' }, spec: { replicas: 2 } };
  const nodes = ['node-1', 'node-2'].map((n) => { const p = probe(n, allPods); delete p.clusterDns; return p; });
  const f = diagnose(evidence({ nodes }, { services: [api, controllerSvc], workloads: [coredns] }));
  const p = only(f, 'fail');
  assert.equal(p.text, 'the cluster DNS\'s Service kube-system/kube-dns is gone: every pod with dnsPolicy ClusterFirst asks 10.96.0.10 and gets no answer');
});

test('workloads: a Deployment past its progress deadline is a problem; a failed Job a warning with its logs command', () => {
  const stuck = { kind: 'Deployment', metadata: { namespace: 'shop', name: 'web', uid: 'd1' }, spec: { replicas: 2 },
    status: { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-abc" has timed out progressing.' }] } };
  const fine = { kind: 'Deployment', metadata: { namespace: 'shop', name: 'api', uid: 'd2' }, spec: { replicas: 2 }, status: { conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }] } };
  const failedJob = { apiVersion: 'batch/v1', kind: 'Job', metadata: { namespace: 'shop', name: 'migrate' }, spec: { template: { spec: { containers: [] } } },
    status: { failed: 2, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }] } } as unknown as Job;
  const f = diagnose(evidence({}, { workloads: [stuck, fine], jobs: [failedJob] })).filter((x) => x.section === 'Workloads');
  assert.deepEqual(f.map((x) => `${x.level} ${x.text}`), [
    'ok 1 Deployment making progress or done',
    'fail Deployment shop/web stopped making progress: ReplicaSet "web-abc" has timed out progressing.',
    'warn Job shop/migrate failed: BackoffLimitExceeded (Job has reached the specified backoff limit), 2 failed pods',
  ]);
  assert.equal(f[2]!.fix, 'podnet logs job/migrate -n shop --cluster t shows its first pod\'s output');
});

test('gateway API: our class not accepted, a listener not programmed, a route not accepted, an unresolved ref, a backend without endpoints; others\' objects not judged', () => {
  const cond = (type: string, status: 'True' | 'False', reason: string, message = '') => ({ type, status, reason, message });
  const ours = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'podnet' }, spec: { controllerName: 'podnet.dev/gateway-controller' }, status: { conditions: [cond('Accepted', 'False', 'Pending', 'Waiting for controller')] } } as GatewayClass;
  const theirs = { ...ours, metadata: { name: 'other' }, spec: { controllerName: 'example.com/x' }, status: {} } as GatewayClass;
  const gw = (name: string, className: string, https: 'True' | 'False'): Gateway => ({
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name, namespace: 'shop' },
    spec: { gatewayClassName: className, listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }, { name: 'https', port: 8443, protocol: 'HTTPS' }] },
    status: { conditions: [cond('Programmed', 'True', 'Programmed')], listeners: [
      { name: 'http', attachedRoutes: 1, supportedKinds: [], conditions: [cond('Programmed', 'True', 'Programmed')] },
      { name: 'https', attachedRoutes: 0, supportedKinds: [], conditions: [cond('Programmed', https, https === 'True' ? 'Programmed' : 'Invalid', 'PortUnavailable: port 8443')] },
    ] },
  });
  const route = (name: string, conditions: ReturnType<typeof cond>[], backend = 'api', gateway = 'web'): HTTPRoute => ({
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name, namespace: 'shop' },
    spec: { parentRefs: [{ name: gateway }], rules: [{ backendRefs: [{ name: backend, port: 80 }] }] },
    status: { parents: [{ parentRef: { name: gateway }, controllerName: 'podnet.dev/gateway-controller', conditions }] },
  });
  const good = [cond('Accepted', 'True', 'Accepted'), cond('ResolvedRefs', 'True', 'ResolvedRefs')];
  const idle = service('shop', 'idle', '10.96.0.50', { app: 'idle' });
  const f = diagnose(evidence({}, {
    services: [api, controllerSvc, kubeDns, idle],
    gatewayClasses: [ours, theirs],
    gateways: [gw('web', 'podnet', 'False'), gw('elsewhere', 'other', 'False')],
    httpRoutes: [
      route('fine', good),
      route('lost', [cond('Accepted', 'False', 'NoMatchingListenerHostname', 'no listener hostname matches'), cond('ResolvedRefs', 'True', 'ResolvedRefs')]),
      route('typo', [cond('Accepted', 'True', 'Accepted'), cond('ResolvedRefs', 'False', 'BackendNotFound', 'service shop/apii not found')], 'apii'),
      route('idle', good, 'idle'),
      route('foreign', [], 'nosuch', 'elsewhere'),
    ],
  }));
  assert.deepEqual(problems(f).filter((x) => x.section === 'Gateway API').map((x) => x.text), [
    'GatewayClass podnet is not accepted: Accepted False (Pending: Waiting for controller)',
    'Gateway shop/web: listener https: Programmed False (Invalid: PortUnavailable: port 8443)',
    'HTTPRoute shop/lost: on Gateway shop/web: not served: Accepted False (NoMatchingListenerHostname: no listener hostname matches)',
    'HTTPRoute shop/typo: on Gateway shop/web: ResolvedRefs False (BackendNotFound: service shop/apii not found); its share of requests answers 500',
    'HTTPRoute shop/idle: its backend shop/idle:80 has no ready endpoint, so NGINX answers 503: Service shop/idle has no ready endpoint: no pod in namespace shop matches its selector app=idle',
  ]);
  assert.equal(f.find((x) => x.section === 'Gateway API' && x.level === 'ok')?.text, '0 Gateways programmed, 1 HTTPRoute accepted with every backend resolved and ready');
});
