import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configCommands, linkCommands, podRouteCommands } from '../../../src/topology/commands.js';
import { planTopology } from '../../../src/topology/plan.js';

const plan = planTopology({ cluster: 'tt1', nodes: [{ name: 'node-1', podCIDR: '10.244.0.0/24' }, { name: 'node-2', podCIDR: '10.244.1.0/24' }] });
const router = plan.namespaces[0]!;
const node1 = plan.namespaces.find((n) => n.name === 'pn-tt1-node-1')!;

test('linkCommands: a fresh router creates bridges and veths with the peer end in its namespace', () => {
  assert.deepEqual(linkCommands(router, new Set()), [
    'link add br-nodes type bridge',
    'link add br-outside type bridge',
    'link add to-outside type veth peer name eth0 netns pn-tt1-outside',
    'link add to-extdns type veth peer name eth0 netns pn-tt1-extdns',
    'link add to-node-1 type veth peer name eth0 netns pn-tt1-node-1',
    'link add to-node-2 type veth peer name eth0 netns pn-tt1-node-2',
  ]);
});

test('linkCommands: links already present are not added again', () => {
  const present = new Set(['lo', 'br-nodes', 'br-outside', 'to-outside', 'to-extdns', 'to-node-1']);
  assert.deepEqual(linkCommands(router, present), ['link add to-node-2 type veth peer name eth0 netns pn-tt1-node-2']);
});

test('linkCommands: a port whose peer namespace was re-created is replaced, not reused', () => {
  const present = new Set(['br-nodes', 'br-outside', 'to-outside', 'to-extdns', 'to-node-1', 'to-node-2']);
  assert.deepEqual(linkCommands(router, present, new Set(['pn-tt1-node-2'])), [
    'link del to-node-2',
    'link add to-node-2 type veth peer name eth0 netns pn-tt1-node-2',
  ]);
});

test('configCommands: masters, then addresses, then up, then routes', () => {
  assert.deepEqual(configCommands(router), [
    'link set to-outside master br-outside',
    'link set to-extdns master br-outside',
    'link set to-node-1 master br-nodes',
    'link set to-node-2 master br-nodes',
    'addr replace 172.18.0.1/16 dev br-nodes',
    'addr replace 198.51.100.1/24 dev br-outside',
    'link set lo up',
    'link set br-nodes up',
    'link set br-outside up',
    'link set to-outside up',
    'link set to-extdns up',
    'link set to-node-1 up',
    'link set to-node-2 up',
  ]);
  assert.deepEqual(configCommands(node1), [
    'addr replace 172.18.0.2/16 dev eth0',
    'link set lo up',
    'link set eth0 up',
    'route replace default via 172.18.0.1 dev eth0',
  ]);
});

test('podRouteCommands: reconcile table', () => {
  const want = [
    { dst: '10.244.1.0/24', via: '172.18.0.3', dev: 'eth0', proto: 77 },
    { dst: '10.244.2.0/24', via: '172.18.0.4', dev: 'eth0', proto: 77 },
  ];
  const rows: [string, { dst: string; gateway?: string; dev?: string }[], string[]][] = [
    ['nothing installed', [], [
      'route replace 10.244.1.0/24 via 172.18.0.3 dev eth0 proto 77',
      'route replace 10.244.2.0/24 via 172.18.0.4 dev eth0 proto 77',
    ]],
    ['all in place', [
      { dst: '10.244.1.0/24', gateway: '172.18.0.3', dev: 'eth0' },
      { dst: '10.244.2.0/24', gateway: '172.18.0.4', dev: 'eth0' },
    ], []],
    ['gateway moved, stale node gone', [
      { dst: '10.244.1.0/24', gateway: '172.18.0.9', dev: 'eth0' },
      { dst: '10.244.2.0/24', gateway: '172.18.0.4', dev: 'eth0' },
      { dst: '10.244.7.0/24', gateway: '172.18.0.8', dev: 'eth0' },
    ], [
      'route replace 10.244.1.0/24 via 172.18.0.3 dev eth0 proto 77',
      'route del 10.244.7.0/24 via 172.18.0.8 dev eth0 proto 77',
    ]],
  ];
  for (const [what, installed, lines] of rows) assert.deepEqual(podRouteCommands(want, installed), lines, what);
  assert.deepEqual(podRouteCommands([], [{ dst: '10.244.1.0/24', gateway: '172.18.0.3', dev: 'eth0' }]), ['route del 10.244.1.0/24 via 172.18.0.3 dev eth0 proto 77']);
});
