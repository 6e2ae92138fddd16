import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Namespace, NetworkPolicy, Pod } from '../../../src/api/types.js';
import { nodePolicies, podViews } from '../../../src/netpol/model.js';
import { netpolTransaction, renderNetpol } from '../../../src/netpol/render.js';

function pod(name: string, ip: string, labels: Record<string, string>, o: { ns?: string; node?: string; ports?: { name: string; containerPort: number; protocol?: 'TCP' | 'UDP' }[]; hostNetwork?: boolean; phase?: string } = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: o.ns ?? 'default', labels },
    spec: { nodeName: o.node ?? 'node-1', ...(o.hostNetwork ? { hostNetwork: true } : {}), containers: [{ name: 'c', image: 'none', ...(o.ports ? { ports: o.ports } : {}) }] },
    status: { podIP: ip, phase: (o.phase ?? 'Running') as 'Running' },
  };
}

function policy(name: string, spec: NetworkPolicy['spec'], ns = 'default'): NetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec };
}

const namespaces: Namespace[] = ['default', 'prod', 'kube-system'].map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n, labels: { 'kubernetes.io/metadata.name': n, ...(n === 'prod' ? { env: 'prod' } : {}) } } }));

const pods = podViews([
  pod('nginx', '10.244.0.5', { app: 'nginx' }, { ports: [{ name: 'http', containerPort: 80 }] }),
  pod('client', '10.244.1.6', { access: 'true' }, { node: 'node-2' }),
  pod('stranger', '10.244.1.7', {}, { node: 'node-2' }),
  pod('api', '10.244.1.8', { app: 'api' }, { ns: 'prod', node: 'node-2', ports: [{ name: 'http', containerPort: 8080 }] }),
  pod('dns', '10.244.0.9', { 'k8s-app': 'kube-dns' }, { ns: 'kube-system', ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }] }),
  pod('host', '172.18.0.2', { app: 'nginx' }, { hostNetwork: true }),
  pod('done', '10.244.0.99', { access: 'true' }, { phase: 'Succeeded' }),
]);

test('podViews: pods with an address on the pod network that are not done, with their named ports', () => {
  assert.deepEqual(pods.map((p) => p.name), ['nginx', 'client', 'stranger', 'api', 'dns']);
  assert.deepEqual(pods[0]!.namedPorts.get('http'), [{ protocol: 'tcp', port: 80 }]);
});

test('the docs\' Declare Network Policy: nginx admits only pods labelled access=true; other pods, and pods of other nodes, are not isolated', () => {
  const access = policy('access-nginx', { podSelector: { matchLabels: { app: 'nginx' } }, ingress: [{ from: [{ podSelector: { matchLabels: { access: 'true' } } }] }] });
  const node1 = nodePolicies('node-1', [access], pods, namespaces);
  assert.deepEqual(node1, [{ pod: 'default/nginx', ip: '10.244.0.5', ingress: [{ peers: { addresses: ['10.244.1.6'] }, ports: ['any'] }], policies: ['default/access-nginx'] }]);
  assert.deepEqual(nodePolicies('node-2', [access], pods, namespaces), []);
});

test('default deny: no rules isolates and allows nothing; an empty rule allows everything; egress only with the Egress type', () => {
  const denyIn = policy('deny', { podSelector: {}, policyTypes: ['Ingress'] });
  assert.deepEqual(nodePolicies('node-1', [denyIn], pods, namespaces).map((p) => [p.pod, p.ingress, p.egress]), [['default/nginx', [], undefined]]);
  const allowAll = policy('all', { podSelector: {}, ingress: [{}] });
  assert.deepEqual(nodePolicies('node-1', [denyIn, allowAll], pods, namespaces)[0]!.ingress, [{ peers: 'any', ports: ['any'] }]);
  const denyOut = policy('deny-out', { podSelector: {}, policyTypes: ['Egress'] });
  assert.deepEqual(nodePolicies('node-1', [denyOut], pods, namespaces).map((p) => [p.ingress, p.egress]), [[undefined, []]]);
  // policyTypes left out: Ingress, and Egress when there are egress rules
  const implied = policy('implied', { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] });
  const p = nodePolicies('node-1', [implied], pods, namespaces)[0]!;
  assert.deepEqual([p.ingress, p.egress], [[], [{ peers: { cidr: '10.0.0.0/8', except: [] }, ports: ['any'] }]]);
});

test('peers: a namespaceSelector alone is every pod there; with a podSelector, those pods there; a podSelector alone, the policy\'s namespace', () => {
  const from = (peer: object) => nodePolicies('node-1', [policy('p', { podSelector: { matchLabels: { app: 'nginx' } }, ingress: [{ from: [peer] }] })], pods, namespaces)[0]!.ingress;
  assert.deepEqual(from({ namespaceSelector: { matchLabels: { env: 'prod' } } }), [{ peers: { addresses: ['10.244.1.8'] }, ports: ['any'] }]);
  assert.deepEqual(from({ namespaceSelector: { matchLabels: { env: 'prod' } }, podSelector: { matchLabels: { app: 'nope' } } }), [], 'selects nobody: allows nothing');
  assert.deepEqual(from({ namespaceSelector: {} }), [{ peers: { addresses: ['10.244.0.5', '10.244.1.6', '10.244.1.7', '10.244.1.8', '10.244.0.9'] }, ports: ['any'] }]);
  assert.deepEqual(from({ podSelector: {} }), [{ peers: { addresses: ['10.244.0.5', '10.244.1.6', '10.244.1.7'] }, ports: ['any'] }]);
  assert.deepEqual(from({ ipBlock: { cidr: '198.51.100.0/24', except: ['198.51.100.128/25'] } }), [{ peers: { cidr: '198.51.100.0/24', except: ['198.51.100.128/25'] }, ports: ['any'] }]);
  // an IPv6 block matches nothing on this IPv4 network (a dual-stack allow-all beside 0.0.0.0/0); an IPv6 exception is dropped
  assert.deepEqual(from({ ipBlock: { cidr: '::/0' } }), []);
  assert.deepEqual(from({ ipBlock: { cidr: '0.0.0.0/0', except: ['fd00::/8', '10.0.0.0/8'] } }), [{ peers: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] }, ports: ['any'] }]);
});

test('ports: numbered, ranges and protocols; a named port is the destination\'s (the isolated pod for ingress, each peer for egress)', () => {
  const ing = nodePolicies('node-1', [policy('p', { podSelector: { matchLabels: { app: 'nginx' } }, ingress: [{ ports: [{ port: 'http' }, { protocol: 'UDP', port: 5000, endPort: 5010 }, { port: 'missing' }] }] })], pods, namespaces)[0]!;
  assert.deepEqual(ing.ingress, [{ peers: 'any', ports: [{ protocol: 'tcp', from: 80, to: 80 }, { protocol: 'udp', from: 5000, to: 5010 }] }]);
  // egress from nginx to DNS by name: resolved on the DNS pod (udp 53); to the api pod by name: its 8080
  const egress = nodePolicies('node-1', [policy('out', { podSelector: { matchLabels: { app: 'nginx' } }, policyTypes: ['Egress'], egress: [
    { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 'dns' }] },
    { to: [{ namespaceSelector: {} }], ports: [{ port: 'http' }] },
  ] })], pods, namespaces)[0]!.egress;
  assert.deepEqual(egress, [
    { peers: { addresses: ['10.244.0.9'] }, ports: [{ protocol: 'udp', from: 53, to: 53 }] },
    { peers: { addresses: ['10.244.0.5'] }, ports: [{ protocol: 'tcp', from: 80, to: 80 }] },
    { peers: { addresses: ['10.244.1.8'] }, ports: [{ protocol: 'tcp', from: 8080, to: 8080 }] },
  ]);
  // a named port toward an ipBlock matches nothing; a protocol alone is every port of it
  const toBlock = nodePolicies('node-1', [policy('b', { podSelector: { matchLabels: { app: 'nginx' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 'http' }] }, { ports: [{ protocol: 'UDP' }] }] })], pods, namespaces)[0]!.egress;
  assert.deepEqual(toBlock, [{ peers: 'any', ports: [{ protocol: 'udp', from: 1, to: 65535 }] }]);
});

test('renderNetpol: one table; replies pass; an isolated pod\'s chain lets the pod reach itself, returns for what is allowed and drops the rest, counted', () => {
  const table = renderNetpol([
    { pod: 'default/nginx', ip: '10.244.0.5', ingress: [{ peers: { addresses: ['10.244.1.6', '10.244.1.6'] }, ports: [{ protocol: 'tcp', from: 80, to: 80 }] }, { peers: { cidr: '198.51.100.0/24', except: ['198.51.100.128/25'] }, ports: ['any'] }], egress: [{ peers: 'any', ports: [{ protocol: 'udp', from: 1, to: 65535 }, { protocol: 'tcp', from: 8000, to: 8080 }] }], policies: ['default/a', 'default/b'] },
    { pod: 'default/api', ip: '10.244.0.8', ingress: [], policies: ['default/deny'] },
  ]);
  assert.equal(table, `table ip podnet-netpol {
  chain forward {
    type filter hook forward priority filter; policy accept;
    ct state established,related accept
    ip daddr vmap { 10.244.0.8 : jump ingress-0, 10.244.0.5 : jump ingress-1 }
    ip saddr vmap { 10.244.0.5 : jump egress-1 }
  }
  chain ingress-0 {
    ip saddr 10.244.0.8 return
    counter log group 4001 snaplen 128 queue-threshold 1 drop comment "ingress to default/api isolated by default/deny"
  }
  chain ingress-1 {
    ip saddr 10.244.0.5 return
    ip saddr { 10.244.1.6 } meta l4proto tcp th dport 80 return
    ip saddr 198.51.100.0/24 ip saddr != { 198.51.100.128/25 } return
    counter log group 4001 snaplen 128 queue-threshold 1 drop comment "ingress to default/nginx isolated by default/a, default/b"
  }
  chain egress-1 {
    ip daddr 10.244.0.5 return
    meta l4proto udp return
    meta l4proto tcp th dport 8000-8080 return
    counter log group 4002 snaplen 128 queue-threshold 1 drop comment "egress from default/nginx isolated by default/a, default/b"
  }
}
`);
  assert.equal(renderNetpol([]), '');
  assert.equal(netpolTransaction(''), 'table ip podnet-netpol\ndelete table ip podnet-netpol\n');
  assert.ok(netpolTransaction(table).endsWith(table));
});
