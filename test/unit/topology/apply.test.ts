import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordingRunner } from '../../../src/net/runner.js';
import { addNode, applyTopology, removeNode } from '../../../src/topology/apply.js';
import { planTopology } from '../../../src/topology/plan.js';
import { syncPodRoutes } from '../../../src/topology/pod-routes.js';

const INPUT = { cluster: 'tt1', nodes: [{ name: 'node-1', podCIDR: '10.244.0.0/24' }, { name: 'node-2', podCIDR: '10.244.1.0/24' }] };
const ALL = ['pn-tt1-router', 'pn-tt1-outside', 'pn-tt1-extdns', 'pn-tt1-node-1', 'pn-tt1-node-2'];

function netnsList(names: string[]): string {
  return JSON.stringify(names.map((name) => ({ name })));
}

const line = (c: { argv: string[] }) => c.argv.join(' ');

test('applyTopology on a clean machine: one batch of netns adds, no observation, every namespace configured', async () => {
  const runner = new RecordingRunner((argv) => (argv.join(' ') === 'ip -j netns list' ? { stdout: '' } : undefined));
  const result = await applyTopology(planTopology(INPUT), runner);
  assert.deepEqual(result.created, ALL);
  const calls = runner.calls.map(line);
  assert.equal(calls[0], 'ip -j netns list');
  assert.equal(calls[1], 'ip -batch -');
  assert.equal(runner.calls[1]!.input, ALL.map((n) => `netns add ${n}\n`).join(''));
  assert.deepEqual(calls.slice(2).sort(), [
    'ip -n pn-tt1-extdns -batch -',
    'ip -n pn-tt1-node-1 -batch -',
    'ip -n pn-tt1-node-2 -batch -',
    'ip -n pn-tt1-outside -batch -',
    'ip -n pn-tt1-router -batch -',
    'ip netns exec pn-tt1-node-1 nft -f -',
    'ip netns exec pn-tt1-node-1 sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=2',
    'ip netns exec pn-tt1-node-2 nft -f -',
    'ip netns exec pn-tt1-node-2 sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=2',
    'ip netns exec pn-tt1-router sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=2 net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0',
  ]);
  // the router's links exist before any namespace configures its end of them
  const routerBatch = calls.indexOf('ip -n pn-tt1-router -batch -');
  for (const n of ['outside', 'extdns', 'node-1', 'node-2']) assert.ok(calls.indexOf(`ip -n pn-tt1-${n} -batch -`) > routerBatch, n);
  const node1 = runner.calls.find((c) => line(c) === 'ip -n pn-tt1-node-1 -batch -')!;
  assert.match(node1.input!, /route replace 10\.244\.1\.0\/24 via 172\.18\.0\.3 dev eth0 proto 77\n$/);
});

test('applyTopology again: nothing created, present links kept, matching pod routes left alone', async () => {
  const runner = new RecordingRunner((argv) => {
    const l = argv.join(' ');
    if (l === 'ip -j netns list') return { stdout: netnsList(ALL) };
    if (l === 'ip -n pn-tt1-router -j link show') {
      return { stdout: JSON.stringify(['lo', 'br-nodes', 'br-outside', 'to-outside', 'to-extdns', 'to-node-1', 'to-node-2'].map((ifname) => ({ ifname }))) };
    }
    if (l === 'ip -n pn-tt1-node-1 -j route show proto 77') return { stdout: JSON.stringify([{ dst: '10.244.1.0/24', gateway: '172.18.0.3', dev: 'eth0' }]) };
    if (l === 'ip -n pn-tt1-node-2 -j route show proto 77') return { stdout: JSON.stringify([{ dst: '10.244.0.0/24', gateway: '172.18.0.2', dev: 'eth0' }, { dst: '10.244.9.0/24', gateway: '172.18.0.9', dev: 'eth0' }]) };
    return undefined;
  });
  const result = await applyTopology(planTopology(INPUT), runner);
  assert.deepEqual(result.created, []);
  assert.ok(!runner.calls.some((c) => line(c) === 'ip -batch -'), 'no netns add');
  const router = runner.calls.find((c) => line(c) === 'ip -n pn-tt1-router -batch -')!;
  assert.doesNotMatch(router.input!, /link add/);
  const node1 = runner.calls.find((c) => line(c) === 'ip -n pn-tt1-node-1 -batch -')!;
  assert.doesNotMatch(node1.input!, /10\.244\./);
  const node2 = runner.calls.find((c) => line(c) === 'ip -n pn-tt1-node-2 -batch -')!;
  assert.match(node2.input!, /route del 10\.244\.9\.0\/24 via 172\.18\.0\.9 dev eth0 proto 77\n$/);
});

test('applyTopology: a failing command names the verb and the namespace', async () => {
  const runner = new RecordingRunner((argv) => {
    if (argv.join(' ') === 'ip -j netns list') return { stdout: '' };
    if (argv.includes('nft')) return { code: 1, stderr: 'Error: syntax error' };
    return undefined;
  });
  await assert.rejects(applyTopology(planTopology(INPUT), runner), /could not apply nftables table in netns pn-tt1-node-\d: .*syntax error/);
});

test('addNode: refuses without the router, attaches one veth otherwise', async () => {
  await assert.rejects(addNode('tt1', { name: 'node-3' }, new RecordingRunner(() => ({ stdout: '' }))), /netns pn-tt1-router does not exist/);
  const runner = new RecordingRunner((argv) => {
    const l = argv.join(' ');
    if (l === 'ip -j netns list') return { stdout: netnsList(ALL) };
    if (l === 'ip -n pn-tt1-router -j link show') return { stdout: JSON.stringify([{ ifname: 'br-nodes' }]) };
    return undefined;
  });
  const result = await addNode('tt1', { name: 'node-3', podCIDR: '10.244.2.0/24' }, runner);
  assert.deepEqual(result.created, ['pn-tt1-node-3']);
  const router = runner.calls.find((c) => line(c) === 'ip -n pn-tt1-router -batch -')!;
  assert.equal(router.input, 'link add to-node-3 type veth peer name eth0 netns pn-tt1-node-3\nlink set to-node-3 master br-nodes\nlink set to-node-3 up\n');
  const node3 = runner.calls.find((c) => line(c) === 'ip -n pn-tt1-node-3 -batch -')!;
  assert.match(node3.input!, /addr replace 172\.18\.0\.4\/16 dev eth0/);
});

test('removeNode: router port first, then processes, then the namespace', async () => {
  const runner = new RecordingRunner((argv) => (argv.join(' ') === 'ip netns pids pn-tt1-node-2' ? { code: 1 } : undefined));
  await removeNode('tt1', 'node-2', runner);
  assert.deepEqual(runner.calls.map(line), ['ip -n pn-tt1-router link del to-node-2', 'ip netns pids pn-tt1-node-2', 'ip -force -batch -']);
  assert.equal(runner.calls[2]!.input, 'netns del pn-tt1-node-2\n');
});

test('syncPodRoutes: changes only nodes whose routes differ', async () => {
  const runner = new RecordingRunner((argv) => {
    const l = argv.join(' ');
    if (l === 'ip -n pn-tt1-node-1 -j route show proto 77') return { stdout: JSON.stringify([{ dst: '10.244.1.0/24', gateway: '172.18.0.3', dev: 'eth0' }]) };
    if (l === 'ip -n pn-tt1-node-2 -j route show proto 77') return { stdout: '[]' };
    return undefined;
  });
  const changes = await syncPodRoutes('tt1', [
    { name: 'node-1', ip: '172.18.0.2', podCIDR: '10.244.0.0/24' },
    { name: 'node-2', ip: '172.18.0.3', podCIDR: '10.244.1.0/24' },
  ], runner);
  assert.deepEqual(Object.fromEntries(changes), { 'node-1': [], 'node-2': ['route replace 10.244.0.0/24 via 172.18.0.2 dev eth0 proto 77'] });
  assert.deepEqual(runner.calls.filter((c) => c.argv.includes('-batch')).map(line), ['ip -n pn-tt1-node-2 -batch -']);
});
