import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lbFrontends, lbNodes, probeTargets, selectBackends, type LbFrontend } from '../../../src/cloud/lb-model.js';
import { renderLbRuleset } from '../../../src/cloud/lb-ruleset.js';
import { lbNode, lbService } from './fakes.js';

const NODES = lbNodes([lbNode('node-2', '172.18.0.3'), lbNode('node-1', '172.18.0.2'), lbNode('node-3', '172.18.0.4', { ready: false })]);

test('frontends: one per (address, port) with a NodePort; the check follows the traffic policy', () => {
  const services = [
    lbService('web', {}, ['203.0.113.11']),
    lbService('local', { externalTrafficPolicy: 'Local', healthCheckNodePort: 31234, ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30081 }, { name: 'https', port: 443, protocol: 'TCP', nodePort: 30443 }] }, ['203.0.113.10']),
    lbService('dns', { ports: [{ port: 53, protocol: 'UDP', nodePort: 30053 }] }, ['203.0.113.12']),
    lbService('pending'),
    lbService('no-nodeport', { allocateLoadBalancerNodePorts: false, ports: [{ port: 80, protocol: 'TCP' }] }, ['203.0.113.13']),
    lbService('classed', { loadBalancerClass: 'x/y' }, ['203.0.113.14']),
    lbService('foreign-ip', {}, ['192.0.2.7']),
  ];
  const rows = lbFrontends(services).map((f) => [f.id, `${f.ip}:${f.port}/${f.proto}`, f.nodePort, f.policy, JSON.stringify(f.check)]);
  assert.deepEqual(rows, [
    ['default/local/tcp/http', '203.0.113.10:80/tcp', 30081, 'Local', '{"kind":"http","port":31234,"path":"/healthz"}'],
    ['default/local/tcp/https', '203.0.113.10:443/tcp', 30443, 'Local', '{"kind":"http","port":31234,"path":"/healthz"}'],
    ['default/web/tcp/80', '203.0.113.11:80/tcp', 30080, 'Cluster', '{"kind":"tcp","port":30080}'],
    ['default/dns/udp/53', '203.0.113.12:53/udp', 30053, 'Cluster', '{"kind":"node-ready"}'],
  ]);
});

test('nodes: by address; excluded label and nodes without an InternalIP left out', () => {
  const nodes = lbNodes([
    lbNode('node-2', '172.18.0.3'), lbNode('node-1', '172.18.0.2'),
    lbNode('edge', '172.18.0.9', { labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } }),
    { apiVersion: 'v1', kind: 'Node', metadata: { name: 'bare' } },
  ]);
  assert.deepEqual(nodes, [{ name: 'node-1', ip: '172.18.0.2', ready: true }, { name: 'node-2', ip: '172.18.0.3', ready: true }]);
});

test('probe targets: one per (Service, node, check); a Local Service\'s ports share one', () => {
  const frontends = lbFrontends([
    lbService('local', { externalTrafficPolicy: 'Local', healthCheckNodePort: 31234, ports: [{ name: 'a', port: 80, nodePort: 30081 }, { name: 'b', port: 81, nodePort: 30082 }] }, ['203.0.113.10']),
    lbService('web', {}, ['203.0.113.11']),
  ]);
  assert.deepEqual(probeTargets(frontends, NODES.slice(0, 2)).map((t) => t.id), [
    'default/local node-1 http 172.18.0.2:31234/healthz',
    'default/local node-2 http 172.18.0.3:31234/healthz',
    'default/web node-1 tcp 172.18.0.2:30080',
    'default/web node-2 tcp 172.18.0.3:30080',
  ]);
});

const web: LbFrontend = { service: 'default/web', id: 'default/web/tcp/80', ip: '203.0.113.10', proto: 'tcp', port: 80, nodePort: 30080, policy: 'Cluster', check: { kind: 'tcp', port: 30080 }, sourceRanges: [] };
const dns: LbFrontend = { service: 'kube-system/dns', id: 'kube-system/dns/udp/dns', ip: '203.0.113.11', proto: 'udp', port: 53, nodePort: 30053, policy: 'Cluster', check: { kind: 'node-ready' }, sourceRanges: [] };

test('renders the whole table: healthy nodes in the DNAT map, a frontend without any is rejected', () => {
  const healthy = new Set(['default/web node-1 tcp 172.18.0.2:30080', 'default/web node-2 tcp 172.18.0.3:30080']);
  const sets = selectBackends([web, dns], NODES, (id) => healthy.has(id));
  assert.equal(renderLbRuleset(sets), `table ip podnet-lb
delete table ip podnet-lb
table ip podnet-lb {
	comment "podnet cloud load balancer: LB address:port -> nodeIP:nodePort of healthy nodes"
	set lb-addresses {
		type ipv4_addr
		elements = { 203.0.113.10, 203.0.113.11 }
	}
	set serving {
		type ipv4_addr . inet_proto . inet_service
		elements = { 203.0.113.10 . tcp . 80 }
	}
	map frontends {
		type ipv4_addr . inet_proto . inet_service : verdict
		elements = { 203.0.113.10 . tcp . 80 : goto lb-default/web/tcp/80 }
	}
	map firewall {
		type ipv4_addr . inet_proto . inet_service : verdict
	}
	chain filter-prerouting {
		type filter hook prerouting priority dstnat - 10; policy accept;
		ct state new ip daddr . meta l4proto . th dport vmap @firewall
		ct state new ip daddr @lb-addresses meta l4proto { tcp, udp, sctp } ip daddr . meta l4proto . th dport != @serving jump reject-lb
	}
	chain reject-lb {
		meta l4proto tcp log group 4003 snaplen 128 queue-threshold 1 reject with tcp reset
		log group 4003 snaplen 128 queue-threshold 1 reject
	}
	chain nat-prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr . meta l4proto . th dport vmap @frontends
	}
	chain lb-default/web/tcp/80 {
		meta l4proto tcp dnat ip to numgen random mod 2 map { 0 : 172.18.0.2 . 30080, 1 : 172.18.0.3 . 30080 } comment "default/web tcp/80 -> node-1 node-2"
	}
}
`);
});

test('no frontends: an empty table, still a valid transaction', () => {
  const text = renderLbRuleset([]);
  assert.match(text, /set lb-addresses {\n\t\ttype ipv4_addr\n\t}/);
  assert.doesNotMatch(text, /elements/);
});

test('the DNAT map lists exactly the healthy nodes, in address order (rows: healthy → map)', () => {
  const rows: { healthy: string[]; map: string | undefined }[] = [
    { healthy: ['node-1', 'node-2', 'node-3'], map: '{ 0 : 172.18.0.2 . 30080, 1 : 172.18.0.3 . 30080, 2 : 172.18.0.4 . 30080 }' },
    { healthy: ['node-3', 'node-1'], map: '{ 0 : 172.18.0.2 . 30080, 1 : 172.18.0.4 . 30080 }' },
    { healthy: ['node-2'], map: '{ 0 : 172.18.0.3 . 30080 }' },
    { healthy: [], map: undefined },
  ];
  for (const row of rows) {
    const sets = selectBackends([web], NODES, (id) => row.healthy.some((n) => id.startsWith(`default/web ${n} `)));
    const m = /numgen random mod \d+ map ({[^}]*})/.exec(renderLbRuleset(sets));
    assert.equal(m?.[1], row.map, row.healthy.join(','));
  }
});

test('loadBalancerSourceRanges: a new connection from outside the ranges is dropped before anything else, as a security group does', () => {
  const guarded: LbFrontend = { ...web, sourceRanges: ['198.51.100.0/24', '10.0.0.0/8'] };
  const text = renderLbRuleset(selectBackends([guarded, dns], NODES, () => true));
  assert.match(text, /\tmap firewall {\n\t\ttype ipv4_addr \. inet_proto \. inet_service : verdict\n\t\telements = { 203\.0\.113\.10 \. tcp \. 80 : jump fw-default\/web\/tcp\/80 }\n\t}/);
  assert.match(text, /\tchain fw-default\/web\/tcp\/80 {\n\t\tip saddr != { 198\.51\.100\.0\/24, 10\.0\.0\.0\/8 } log group 4004 snaplen 128 queue-threshold 1 drop comment "default\/web loadBalancerSourceRanges"\n\t}/);
  assert.doesNotMatch(text, /fw-kube-system/);
});

test('loadBalancerSourceRanges reach every frontend of the Service as networks: trimmed, host bits cleared, repeats and non-IPv4 dropped', () => {
  const [front] = lbFrontends([lbService('web', { loadBalancerSourceRanges: [' 198.51.100.7/24', '198.51.100.0/24', '10.1.2.3/8', '2001:db8::/64', '0.0.0.0/0'] }, ['203.0.113.11'])]);
  assert.deepEqual(front!.sourceRanges, ['198.51.100.0/24', '10.0.0.0/8', '0.0.0.0/0']);
  assert.deepEqual(lbFrontends([lbService('web', {}, ['203.0.113.11'])])[0]!.sourceRanges, []);
});

test('the older load-balancer-source-ranges annotation counts when the field is empty; the field wins when both are set', () => {
  const annotated = (ranges?: string[]) => {
    const s = lbService('web', ranges ? { loadBalancerSourceRanges: ranges } : {}, ['203.0.113.11']);
    s.metadata.annotations = { 'service.beta.kubernetes.io/load-balancer-source-ranges': ' 198.51.100.0/24, 10.0.0.0/8 ' };
    return lbFrontends([s])[0]!.sourceRanges;
  };
  assert.deepEqual(annotated(), ['198.51.100.0/24', '10.0.0.0/8']);
  assert.deepEqual(annotated(['192.0.2.0/24']), ['192.0.2.0/24']);
});
