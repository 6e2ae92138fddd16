import { test } from 'node:test';
import assert from 'node:assert/strict';
import { POD_ROUTE_PROTO, planTopology, type NamespacePlan, type TopologyPlan } from '../../../src/topology/plan.js';
import { MAX_IFNAME_LENGTH, routerPort } from '../../../src/topology/names.js';
import { cidrContains } from '../../../src/topology/addresses.js';
import { POD_NETWORK } from '../../../src/config.js';

const TWO_NODES = { cluster: 'tt1', nodes: [{ name: 'node-1', podCIDR: '10.244.0.0/24' }, { name: 'node-2', podCIDR: '10.244.1.0/24' }] };

function ns(plan: TopologyPlan, name: string): NamespacePlan {
  const found = plan.namespaces.find((n) => n.name === name);
  assert.ok(found, `namespace ${name} planned`);
  return found;
}

test('planTopology: the address table of DESIGN.md', () => {
  const plan = planTopology(TWO_NODES);
  const rows = plan.namespaces.flatMap((n) => n.addresses.map((a) => `${n.name} ${a.dev} ${a.cidr}`));
  assert.deepEqual(rows, [
    'pn-tt1-router br-nodes 172.18.0.1/16',
    'pn-tt1-router br-outside 198.51.100.1/24',
    'pn-tt1-outside eth0 198.51.100.10/24',
    'pn-tt1-extdns eth0 198.51.100.53/24',
    'pn-tt1-node-1 eth0 172.18.0.2/16',
    'pn-tt1-node-2 eth0 172.18.0.3/16',
  ]);
});

test('planTopology: every veth end lands in a podnet namespace, never the host', () => {
  const plan = planTopology(TWO_NODES);
  const router = ns(plan, 'pn-tt1-router');
  const veths = router.links.flatMap((l) => (l.kind === 'veth' ? [`${l.name} ${l.master} -> ${l.peer.netns} ${l.peer.name}`] : []));
  assert.deepEqual(veths, [
    'to-outside br-outside -> pn-tt1-outside eth0',
    'to-extdns br-outside -> pn-tt1-extdns eth0',
    'to-node-1 br-nodes -> pn-tt1-node-1 eth0',
    'to-node-2 br-nodes -> pn-tt1-node-2 eth0',
  ]);
  for (const n of plan.namespaces) {
    assert.ok(n.name.startsWith('pn-tt1-'), n.name);
    for (const l of n.links) assert.ok(l.name.length <= MAX_IFNAME_LENGTH, l.name);
  }
});

test('planTopology: routes — default via the router everywhere, the router routes no pod CIDR', () => {
  const plan = planTopology(TWO_NODES);
  const rows = plan.namespaces.flatMap((n) => [...n.routes, ...(n.podRoutes ?? [])].map((r) => `${n.name} ${r.dst} via ${r.via}${r.proto ? ` proto ${r.proto}` : ''}`));
  assert.deepEqual(rows, [
    'pn-tt1-outside default via 198.51.100.1',
    'pn-tt1-extdns default via 198.51.100.1',
    'pn-tt1-node-1 default via 172.18.0.1',
    `pn-tt1-node-1 10.244.1.0/24 via 172.18.0.3 proto ${POD_ROUTE_PROTO}`,
    'pn-tt1-node-2 default via 172.18.0.1',
    `pn-tt1-node-2 10.244.0.0/24 via 172.18.0.2 proto ${POD_ROUTE_PROTO}`,
  ]);
  const router = ns(plan, 'pn-tt1-router');
  assert.equal(router.routes.length, 0);
  assert.ok(!router.addresses.some((a) => cidrContains(POD_NETWORK, a.cidr)));
});

test('planTopology: sysctls only inside forwarding namespaces, masquerade only on nodes', () => {
  const plan = planTopology(TWO_NODES);
  const forwarding = plan.namespaces.filter((n) => n.sysctls.some(([k, v]) => k === 'net.ipv4.ip_forward' && v === '1')).map((n) => n.name);
  assert.deepEqual(forwarding, ['pn-tt1-router', 'pn-tt1-node-1', 'pn-tt1-node-2']);
  assert.deepEqual(plan.namespaces.filter((n) => n.nft).map((n) => n.name), ['pn-tt1-node-1', 'pn-tt1-node-2']);
  for (const n of plan.namespaces) assert.equal(n.sysctls[0]?.[0] ?? 'net.ipv4.ip_forward', 'net.ipv4.ip_forward', 'ip_forward is written first');
});

test('planTopology: a node without a podCIDR yet gets no route and attracts none', () => {
  const plan = planTopology({ cluster: 'tt1', nodes: [{ name: 'node-1', podCIDR: '10.244.0.0/24' }, { name: 'node-2' }] });
  assert.deepEqual(ns(plan, 'pn-tt1-node-1').podRoutes, []);
  assert.deepEqual(ns(plan, 'pn-tt1-node-2').podRoutes?.map((r) => r.dst), ['10.244.0.0/24']);
});

test('planTopology: node facts, explicit IPs, and collisions', () => {
  const plan = planTopology({ cluster: 'tt1', nodes: [{ name: 'node-3', podCIDR: '10.244.2.9/24' }, { name: 'worker', ip: '172.18.0.50' }] });
  assert.deepEqual(plan.nodes.map((n) => [n.name, n.netns, n.ip, n.podCIDR, n.routerPort]), [
    ['node-3', 'pn-tt1-node-3', '172.18.0.4', '10.244.2.0/24', 'to-node-3'],
    ['worker', 'pn-tt1-worker', '172.18.0.50', undefined, 'to-worker'],
  ]);
  const rows: [string, TopologyPlanInput, RegExp][] = [
    ['name without index or ip', { cluster: 'tt1', nodes: [{ name: 'worker' }] }, /not node-K and no IP/],
    ['duplicate node', { cluster: 'tt1', nodes: [{ name: 'node-1' }, { name: 'node-1' }] }, /collides/],
    ['duplicate ip', { cluster: 'tt1', nodes: [{ name: 'node-1' }, { name: 'w', ip: '172.18.0.2' }] }, /172\.18\.0\.2 .* collides/],
    ['duplicate podCIDR', { cluster: 'tt1', nodes: [{ name: 'node-1', podCIDR: '10.244.0.0/24' }, { name: 'node-2', podCIDR: '10.244.0.1/24' }] }, /podCIDR .* collides/],
    ['router port taken', { cluster: 'tt1', nodes: [{ name: 'outside', ip: '172.18.0.9' }] }, /router port to-outside .* collides with the outside client/],
  ];
  for (const [what, input, re] of rows) assert.throws(() => planTopology(input), re, what);
});

type TopologyPlanInput = Parameters<typeof planTopology>[0];

test('routerPort: readable when it fits IFNAMSIZ, a stable hash otherwise', () => {
  assert.equal(routerPort('node-1'), 'to-node-1');
  assert.equal(routerPort('node-1234567'), 'to-node-1234567');
  assert.match(routerPort('node-12345678'), /^to-[0-9a-f]{12}$/);
  const long = routerPort('a-very-long-node-name');
  assert.equal(long.length, MAX_IFNAME_LENGTH);
  assert.match(long, /^to-[0-9a-f]{12}$/);
  assert.equal(routerPort('a-very-long-node-name'), long);
  assert.notEqual(routerPort('a-very-long-node-name-2'), long);
});
