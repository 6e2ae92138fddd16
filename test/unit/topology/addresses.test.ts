import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalCidr, cidrContains, intToIp, ipToInt, joinOrderPodCIDR, nodeIP, nodeIndex } from '../../../src/topology/addresses.js';
import { nextFreeSubnet } from '../../../src/controllers/node-ipam.js';
import { POD_NETWORK } from '../../../src/config.js';

test('nodeIP: node K is 172.18.0.(K+1), carrying into the next octet', () => {
  const rows: [number, string][] = [
    [1, '172.18.0.2'],
    [2, '172.18.0.3'],
    [253, '172.18.0.254'],
    [254, '172.18.0.255'],
    [255, '172.18.1.0'],
    [65533, '172.18.255.254'],
  ];
  for (const [k, ip] of rows) assert.equal(nodeIP(k), ip, `node ${k}`);
});

test('nodeIP: rejects indexes outside the node network', () => {
  for (const k of [0, -1, 1.5, 65534]) assert.throws(() => nodeIP(k), /outside the node network/, String(k));
});

test('nodeIndex: only node-K names have an index', () => {
  const rows: [string, number | undefined][] = [
    ['node-1', 1], ['node-12', 12], ['node-0', undefined], ['node-01', undefined], ['worker-1', undefined], ['node-', undefined],
  ];
  for (const [name, k] of rows) assert.equal(nodeIndex(name), k, name);
});

test('ipToInt / intToIp round-trip', () => {
  for (const ip of ['0.0.0.0', '10.244.1.2', '172.18.0.1', '255.255.255.255']) assert.equal(intToIp(ipToInt(ip)), ip);
  for (const bad of ['1.2.3', '1.2.3.256', '01.2.3.4', 'a.b.c.d', '1.2.3.4.5']) assert.throws(() => ipToInt(bad), /invalid IPv4 address/, bad);
});

test('canonicalCidr and cidrContains', () => {
  assert.equal(canonicalCidr('10.244.1.7/24'), '10.244.1.0/24');
  assert.equal(canonicalCidr('10.96.0.0/12'), '10.96.0.0/12');
  assert.throws(() => canonicalCidr('10.0.0.0/33'), /invalid IPv4 CIDR/);
  assert.throws(() => canonicalCidr('10.0.0.0'), /invalid IPv4 CIDR/);
  const rows: [string, string, boolean][] = [
    ['10.244.0.0/16', '10.244.1.2', true],
    ['10.244.0.0/16', '10.244.1.0/24', true],
    ['10.244.0.0/16', '10.245.0.1', false],
    ['10.244.0.0/16', '10.0.0.0/8', false],
    ['10.96.0.0/12', '10.111.255.255', true],
    ['10.96.0.0/12', '10.112.0.0', false],
  ];
  for (const [outer, inner, want] of rows) assert.equal(cidrContains(outer, inner), want, `${outer} ∋ ${inner}`);
});

test('joinOrderPodCIDR: the K-th node to join gets what the node IPAM controller hands out K-th', () => {
  const taken = new Set<string>();
  for (let k = 1; k <= 256; k++) {
    const next = nextFreeSubnet(POD_NETWORK, taken)!;
    assert.equal(joinOrderPodCIDR(k), next, `node ${k}`);
    taken.add(next);
  }
  assert.equal(joinOrderPodCIDR(1), '10.244.0.0/24');
  assert.equal(joinOrderPodCIDR(2), '10.244.1.0/24');
  assert.throws(() => joinOrderPodCIDR(257), /outside the pod network/);
  assert.throws(() => joinOrderPodCIDR(0), /outside the pod network/);
});
