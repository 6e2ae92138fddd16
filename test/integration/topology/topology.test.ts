// The sealed network, for real: two clusters with the same addresses side by
// side, pod-to-pod across nodes with source IPs preserved, masquerade towards
// the outside, no route from the outside to pods, teardown after a crash, and
// a host network namespace left exactly as it was.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { addNode, applyTopology, listClusterNamespaces, removeNode, planTopology, syncPodRoutes, teardownCluster, readPodRoutes } from '../../../src/topology/index.js';
import { listNftTable } from '../../../src/net/nft.js';
import { readSysctl } from '../../../src/net/sysctl.js';
import { fakePod, request, runner, snapshotHost, startServer, stop, type HostSnapshot } from './helpers.js';

const CLUSTERS = ['tt1', 'tt2'];
const NODES = [{ name: 'node-1', podCIDR: '10.244.0.0/24' }, { name: 'node-2', podCIDR: '10.244.1.0/24' }];
const PORT = 9000;
const POD_A = { ip: '10.244.0.2', gw: '10.244.0.1', node: 'node-1' };
const POD_B = { ip: '10.244.1.2', gw: '10.244.1.1', node: 'node-2' };

const podNetns = (cluster: string, name: string) => `pn-${cluster}-pod-${name}`;

describe('topology (real namespaces)', () => {
  let host: HostSnapshot;
  let monitor: ChildProcess | undefined;
  let monitorOutput = '';
  const servers: ChildProcess[] = [];

  before(async () => {
    for (const c of CLUSTERS) await teardownCluster(c, runner); // leftovers of an earlier crashed run
    host = await snapshotHost();
    // Anything created in the host namespace, even briefly, shows up here.
    monitor = spawn('ip', ['monitor', 'link', 'address', 'route', 'rule'], { stdio: ['ignore', 'pipe', 'ignore'] });
    monitor.stdout!.setEncoding('utf8').on('data', (d: string) => { monitorOutput += d; });
    await new Promise((r) => setTimeout(r, 200));
    // Both clusters at once, with identical addresses.
    const results = await Promise.all(CLUSTERS.map((cluster) => applyTopology(planTopology({ cluster, nodes: NODES }), runner)));
    for (const r of results) console.log(`# topology built in ${r.durationMs.toFixed(0)} ms (concurrently with the other cluster)`);
    for (const cluster of CLUSTERS) {
      await fakePod(`pn-${cluster}-${POD_A.node}`, podNetns(cluster, 'a'), POD_A.ip, POD_A.gw);
      await fakePod(`pn-${cluster}-${POD_B.node}`, podNetns(cluster, 'b'), POD_B.ip, POD_B.gw);
      servers.push(await startServer(podNetns(cluster, 'b'), `${cluster}-pod-b`, PORT));
      servers.push(await startServer(`pn-${cluster}-node-2`, `${cluster}-node-2`, PORT, '172.18.0.3'));
      servers.push(await startServer(`pn-${cluster}-outside`, `${cluster}-outside`, PORT));
    }
  });

  after(async () => {
    servers.forEach(stop);
    stop(monitor);
    for (const c of CLUSTERS) await teardownCluster(c, runner);
  });

  test('the namespaces of each cluster are listed under its own prefix', async () => {
    for (const c of CLUSTERS) {
      assert.deepEqual(await listClusterNamespaces(c, runner), [
        `pn-${c}-extdns`, `pn-${c}-node-1`, `pn-${c}-node-2`, `pn-${c}-outside`, `pn-${c}-pod-a`, `pn-${c}-pod-b`, `pn-${c}-router`,
      ]);
    }
  });

  test('node-1 reaches node-2 over the node network', async () => {
    assert.deepEqual(await request('pn-tt1-node-1', '172.18.0.3', PORT), { data: 'tt1-node-2 172.18.0.2' });
    if (existsSync('/usr/bin/ping') || existsSync('/bin/ping')) {
      const ping = await runner.run(['ping', '-c', '1', '-W', '2', '172.18.0.3'], { netns: 'pn-tt1-node-1', allowFailure: true });
      assert.equal(ping.code, 0, ping.stdout);
    }
  });

  test('a pod on node-1 reaches a pod on node-2 with its source IP preserved', async () => {
    assert.deepEqual(await request(podNetns('tt1', 'a'), POD_B.ip, PORT), { data: `tt1-pod-b ${POD_A.ip}` });
  });

  test('clusters with the same addresses are isolated from each other', async () => {
    assert.deepEqual(await request(podNetns('tt2', 'a'), POD_B.ip, PORT), { data: `tt2-pod-b ${POD_A.ip}` });
    assert.deepEqual(await request('pn-tt2-outside', '198.51.100.10', PORT), { data: 'tt2-outside 198.51.100.10' });
  });

  test('a pod reaching the outside client is masqueraded to its node IP', async () => {
    assert.deepEqual(await request(podNetns('tt1', 'a'), '198.51.100.10', PORT), { data: 'tt1-outside 172.18.0.2' });
  });

  test('the outside client has no route to pods: the router answers unreachable at once', async () => {
    const reply = await request('pn-tt1-outside', POD_B.ip, PORT);
    assert.ok(reply.error === 'ENETUNREACH' || reply.error === 'EHOSTUNREACH', JSON.stringify(reply));
    const route = await runner.run(['ip', '-j', 'route', 'get', POD_B.ip], { netns: 'pn-tt1-router', allowFailure: true });
    assert.notEqual(route.code, 0, 'the router has no route to a pod');
  });

  test('sysctls and the masquerade table are set inside the namespaces', async () => {
    assert.equal(await readSysctl(runner, 'pn-tt1-node-1', 'net.ipv4.ip_forward'), '1');
    assert.equal(await readSysctl(runner, 'pn-tt1-router', 'net.ipv4.ip_forward'), '1');
    assert.equal(await readSysctl(runner, 'pn-tt1-node-1', 'net.ipv4.conf.all.rp_filter'), '2');
    assert.equal(await readSysctl(runner, 'pn-tt1-outside', 'net.ipv4.ip_forward'), '0');
    assert.match((await listNftTable(runner, 'pn-tt1-node-1', 'ip', 'podnet-nat-masq')) ?? '', /masquerade/);
  });

  test('applying the same plan again changes nothing', async () => {
    // IPv4 view: IPv6 link-local addresses change state by themselves (DAD "tentative").
    const state = async () => Promise.all(['pn-tt1-router', 'pn-tt1-node-1', 'pn-tt1-outside'].map(async (n) => {
      const links = JSON.parse((await runner.run(['ip', '-j', 'addr'], { netns: n })).stdout) as IpAddrLink[];
      const addrs = links.map((l) => [l.ifindex, l.ifname, l.master, l.flags.join(','), l.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`)]);
      return JSON.stringify(addrs) + (await runner.run(['ip', '-j', 'route'], { netns: n })).stdout;
    }));
    const before = await state();
    const result = await applyTopology(planTopology({ cluster: 'tt1', nodes: NODES }), runner);
    assert.deepEqual(result.created, []);
    assert.deepEqual(await state(), before);
    assert.deepEqual(await request(podNetns('tt1', 'a'), POD_B.ip, PORT), { data: `tt1-pod-b ${POD_A.ip}` });
  });

  test('syncPodRoutes removes a departed node\'s route and restores it', async () => {
    const nodes = [{ name: 'node-1', ip: '172.18.0.2', podCIDR: '10.244.0.0/24' }, { name: 'node-2', ip: '172.18.0.3', podCIDR: '10.244.1.0/24' }];
    const changes = await syncPodRoutes('tt1', [nodes[0]!], runner);
    assert.deepEqual(changes.get('node-1'), ['route del 10.244.1.0/24 via 172.18.0.3 dev eth0 proto 77']);
    assert.deepEqual(await readPodRoutes(runner, 'pn-tt1-node-1'), []);
    assert.ok((await request(podNetns('tt1', 'a'), POD_B.ip, PORT, 1000)).error, 'no route, no reply');
    await syncPodRoutes('tt1', nodes, runner);
    const unchanged = await syncPodRoutes('tt1', nodes, runner);
    assert.deepEqual([...unchanged.values()], [[], []]);
    assert.deepEqual(await request(podNetns('tt1', 'a'), POD_B.ip, PORT), { data: `tt1-pod-b ${POD_A.ip}` });
  });

  test('addNode attaches a third node, removeNode detaches it again', async () => {
    const three = [
      { name: 'node-1', ip: '172.18.0.2', podCIDR: '10.244.0.0/24' },
      { name: 'node-2', ip: '172.18.0.3', podCIDR: '10.244.1.0/24' },
      { name: 'node-3', ip: '172.18.0.4', podCIDR: '10.244.2.0/24' },
    ];
    const added = await addNode('tt1', { name: 'node-3', podCIDR: '10.244.2.0/24' }, runner);
    assert.deepEqual(added.created, ['pn-tt1-node-3']);
    await syncPodRoutes('tt1', three, runner);
    await fakePod('pn-tt1-node-3', podNetns('tt1', 'c'), '10.244.2.2', '10.244.2.1');
    servers.push(await startServer(podNetns('tt1', 'c'), 'tt1-pod-c', PORT));
    assert.deepEqual(await request(podNetns('tt1', 'a'), '10.244.2.2', PORT), { data: `tt1-pod-c ${POD_A.ip}` });

    await removeNode('tt1', 'node-3', runner);
    await syncPodRoutes('tt1', three.slice(0, 2), runner);
    assert.ok(!(await listClusterNamespaces('tt1', runner)).includes('pn-tt1-node-3'));
    const routerLinks = await runner.run(['ip', '-br', 'link'], { netns: 'pn-tt1-router' });
    assert.doesNotMatch(routerLinks.stdout, /to-node-3/);
    assert.deepEqual((await readPodRoutes(runner, 'pn-tt1-node-1')).map((r) => r.dst), ['10.244.1.0/24']);
    // a node of the same name can come back at once
    await addNode('tt1', { name: 'node-3', podCIDR: '10.244.2.0/24' }, runner);
    await removeNode('tt1', 'node-3', runner);
  });

  test('teardown after a crash kills orphans inside the namespaces and leaves no pn-tt1- namespace', async () => {
    // A "daemon" in node-1 starts a long-running child in pod-a, then dies by SIGKILL: the child is orphaned inside.
    const daemon = spawn('ip', ['netns', 'exec', 'pn-tt1-node-1', process.execPath, '-e', `
      const { spawn } = require('node:child_process');
      const c = spawn('ip', ['netns', 'exec', 'pn-tt1-pod-a', 'sleep', '600'], { detached: true, stdio: 'ignore' });
      console.log(c.pid);
      setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const orphan = Number(await new Promise<string>((r) => daemon.stdout!.setEncoding('utf8').once('data', r)));
    process.kill(daemon.pid!, 'SIGKILL');
    await new Promise((r) => daemon.once('exit', r));
    assert.ok(isRunning(orphan), 'the orphan survives its parent');

    const result = await teardownCluster('tt1', runner);
    assert.ok(result.killed.includes(orphan), `killed ${result.killed.join(' ')}`);
    assert.deepEqual(await listClusterNamespaces('tt1', runner), []);
    assert.ok(!isRunning(orphan), 'the orphan is gone');
    assert.deepEqual(await teardownCluster('tt1', runner), { namespaces: [], killed: [] }, 'a second teardown finds nothing');
    // tt2 is untouched by tt1's teardown
    assert.deepEqual(await request(podNetns('tt2', 'a'), POD_B.ip, PORT), { data: `tt2-pod-b ${POD_A.ip}` });
  });

  test('the host network namespace is exactly as before', async () => {
    servers.forEach(stop);
    await teardownCluster('tt2', runner);
    assert.deepEqual(await snapshotHost(), host);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(monitorOutput, '', 'nothing appeared in the host namespace, not even briefly');
  });
});

interface IpAddrLink { ifindex: number; ifname: string; master?: string; flags: string[]; addr_info: { family: string; local: string; prefixlen: number }[] }

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // a zombie waiting for its reaper is not running
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
