import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordingRunner } from '../../../src/net/runner.js';
import { addNode, applyTopology, removeNode } from '../../../src/topology/apply.js';
import { planTopology } from '../../../src/topology/plan.js';
import { syncPodRoutes } from '../../../src/topology/pod-routes.js';
import type { InstalledRoute } from '../../../src/topology/commands.js';

const INPUT = { cluster: 'tt1', nodes: [{ name: 'node-1', podCIDR: '10.244.0.0/24' }, { name: 'node-2', podCIDR: '10.244.1.0/24' }] };
const ALL = ['pn-tt1-router', 'pn-tt1-outside', 'pn-tt1-extdns', 'pn-tt1-node-1', 'pn-tt1-node-2'];

function netnsList(names: string[]): string {
  return JSON.stringify(names.map((name) => ({ name })));
}

const line = (c: { argv: string[] }) => c.argv.join(' ');

/**
 * A runner for applyTopology: scripted answers, and the host batch's lines
 * with the content of the file each `netns exec … FILE` line reads (the files
 * exist only while the batch runs).
 */
function buildRunner(answers: (l: string) => { stdout?: string; code?: number; stderr?: string } | undefined = () => undefined) {
  const batches: { line: string; file?: string }[][] = [];
  const runner = new RecordingRunner((argv, input) => {
    const l = argv.join(' ');
    if (l === 'ip -batch -' && input !== undefined) {
      batches.push(input.trimEnd().split('\n').map((line) => {
        const file = /^netns exec \S+ (?:ip -batch|nft -f) (\S+)$/.exec(line)?.[1];
        return { line, ...(file ? { file: readFileSync(file, 'utf8') } : {}) };
      }));
    }
    return answers(l) ?? (l === 'ip -j netns list' ? { stdout: '' } : undefined);
  });
  return { runner, batches };
}

/** `netns exec NS ip -batch FILE` → `ip -batch NS` (file names are temporary) */
const shape = (line: string) => line.replace(/^netns exec (\S+) (ip -batch|nft -f) \S+$/, '$2 $1');

test('applyTopology on a clean machine: ip processes in the host create the namespaces, then link and set them up side by side', async () => {
  const { runner, batches } = buildRunner();
  let namespacesSeen = -1;
  const result = await applyTopology(planTopology(INPUT), runner, { onNamespaces: () => { namespacesSeen = batches.length; } });
  assert.deepEqual(result.created, ALL);
  assert.deepEqual(runner.calls.map(line), ['ip -j netns list', 'ip -batch -', 'ip -batch -', 'ip -batch -']);
  assert.equal(namespacesSeen, 1, 'onNamespaces runs once the namespaces exist, before anything else');
  const [namespaces, links, settings] = batches.map((b) => b.map((s) => shape(s.line)));
  assert.deepEqual(namespaces, ALL.map((n) => `netns add ${n}`));
  // the router's links exist before any namespace configures its end of them
  assert.deepEqual(links, ['ip -batch pn-tt1-router', 'ip -batch pn-tt1-outside', 'ip -batch pn-tt1-extdns', 'ip -batch pn-tt1-node-1', 'ip -batch pn-tt1-node-2']);
  assert.deepEqual(settings, [
    'netns exec pn-tt1-router sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=2 net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0',
    'netns exec pn-tt1-node-1 sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=2',
    'netns exec pn-tt1-node-2 sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=2',
    'nft -f pn-tt1-node-1',
    'nft -f pn-tt1-node-2',
  ]);
  const file = (s: string) => batches.flat().find((x) => shape(x.line) === s)!.file!;
  assert.match(file('ip -batch pn-tt1-router'), /^link add br-nodes type bridge\n/);
  assert.match(file('nft -f pn-tt1-node-1'), /^table ip podnet-nat-masq\n/);
  // a fresh namespace's pod routes are added with the rest, without reading any
  assert.match(file('ip -batch pn-tt1-node-1'), /route replace 10\.244\.1\.0\/24 via 172\.18\.0\.3 dev eth0 proto 77\n$/);
  assert.deepEqual(Object.fromEntries(result.podRoutes), {
    'pn-tt1-node-1': [{ dst: '10.244.1.0/24', gateway: '172.18.0.3', dev: 'eth0' }],
    'pn-tt1-node-2': [{ dst: '10.244.0.0/24', gateway: '172.18.0.2', dev: 'eth0' }],
  });
});

test('applyTopology again: nothing created, present links kept, matching pod routes left alone', async () => {
  const { runner, batches } = buildRunner((l) => {
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
  const steps = batches.flat();
  assert.ok(!steps.some((s) => s.line.startsWith('netns add')), 'no netns add');
  const file = (s: string) => steps.find((x) => shape(x.line) === s)!.file!;
  assert.doesNotMatch(file('ip -batch pn-tt1-router'), /link add/);
  assert.doesNotMatch(file('ip -batch pn-tt1-node-1'), /10\.244\./);
  assert.match(file('ip -batch pn-tt1-node-2'), /route del 10\.244\.9\.0\/24 via 172\.18\.0\.9 dev eth0 proto 77\n$/);
});

test('applyTopology: a failing line of the batch names the verb and the namespace', async () => {
  const { runner } = buildRunner((l) => (l === 'ip -batch -' && runner.calls.length === 4 ? { code: 1, stderr: 'internal:0:0-0: Error: syntax error\nCommand failed -:5\n' } : undefined));
  await assert.rejects(applyTopology(planTopology(INPUT), runner), /could not apply nftables table in netns pn-tt1-node-2: .*syntax error/);
  const { runner: silent } = buildRunner((l) => (l === 'ip -batch -' ? { code: 1, stderr: 'killed' } : undefined));
  await assert.rejects(applyTopology(planTopology(INPUT), silent), /could not build the network of cluster tt1: .*killed/);
});

test('applyTopology: the temporary files are gone afterwards, also after a failure', async () => {
  const files: string[] = [];
  const runner = new RecordingRunner((argv, input) => {
    if (argv.join(' ') === 'ip -j netns list') return { stdout: '' };
    for (const m of (input ?? '').matchAll(/ (\/\S+)$/gm)) files.push(m[1]!);
    // the settings batch fails at once, while the links batch is still running
    return argv.join(' ') === 'ip -batch -' && (input ?? '').includes('sysctl') ? { code: 1, stderr: 'Command failed -:1\n' } : undefined;
  });
  await assert.rejects(applyTopology(planTopology(INPUT), runner));
  assert.ok(files.length > 0);
  for (const f of files) assert.equal(existsSync(f), false, f);
});

test('addNode: refuses without the router, attaches one veth otherwise', async () => {
  await assert.rejects(addNode('tt1', { name: 'node-3' }, new RecordingRunner(() => ({ stdout: '' }))), /netns pn-tt1-router does not exist/);
  const { runner, batches } = buildRunner((l) => {
    if (l === 'ip -j netns list') return { stdout: netnsList(ALL) };
    if (l === 'ip -n pn-tt1-router -j link show') return { stdout: JSON.stringify([{ ifname: 'br-nodes' }]) };
    return undefined;
  });
  const result = await addNode('tt1', { name: 'node-3', podCIDR: '10.244.2.0/24' }, runner);
  assert.deepEqual(result.created, ['pn-tt1-node-3']);
  const file = (s: string) => batches.flat().find((x) => shape(x.line) === s)!.file!;
  assert.equal(file('ip -batch pn-tt1-router'), 'link add to-node-3 type veth peer name eth0 netns pn-tt1-node-3\nlink set to-node-3 master br-nodes\nlink set to-node-3 up\n');
  assert.match(file('ip -batch pn-tt1-node-3'), /addr replace 172\.18\.0\.4\/16 dev eth0/);
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

test('syncPodRoutes with what the caller knows: reads nothing, changes only the difference, remembers it', async () => {
  const runner = new RecordingRunner();
  const nodes = [
    { name: 'node-1', ip: '172.18.0.2', podCIDR: '10.244.0.0/24' },
    { name: 'node-2', ip: '172.18.0.3', podCIDR: '10.244.1.0/24' },
  ];
  const known = new Map([
    ['pn-tt1-node-1', [{ dst: '10.244.1.0/24', gateway: '172.18.0.3', dev: 'eth0' }]],
    ['pn-tt1-node-2', [{ dst: '10.244.0.0/24', gateway: '172.18.0.2', dev: 'eth0' }]],
  ]);
  await syncPodRoutes('tt1', nodes, runner, known);
  assert.equal(runner.calls.length, 0, 'nothing changed: no process at all');
  const three = [...nodes, { name: 'node-3', ip: '172.18.0.4', podCIDR: '10.244.2.0/24' }];
  await syncPodRoutes('tt1', three, runner, known);
  // node-3 was not known, so it is read; the others only get the new route
  assert.deepEqual(runner.calls.map(line), [
    'ip -n pn-tt1-node-1 -batch -', 'ip -n pn-tt1-node-2 -batch -', 'ip -n pn-tt1-node-3 -j route show proto 77', 'ip -n pn-tt1-node-3 -batch -',
  ]);
  assert.equal(runner.calls[0]!.input, 'route replace 10.244.2.0/24 via 172.18.0.4 dev eth0 proto 77\n');
  assert.deepEqual(known.get('pn-tt1-node-3'), [{ dst: '10.244.0.0/24', gateway: '172.18.0.2', dev: 'eth0' }, { dst: '10.244.1.0/24', gateway: '172.18.0.3', dev: 'eth0' }]);
});

test('syncPodRoutes: a node whose change failed is forgotten, so the next sync reads it', async () => {
  const runner = new RecordingRunner((argv) => (argv.join(' ') === 'ip -n pn-tt1-node-1 -batch -' ? { code: 2, stderr: 'RTNETLINK answers: Network is unreachable' } : undefined));
  const known = new Map<string, InstalledRoute[]>([['pn-tt1-node-1', []], ['pn-tt1-node-2', []]]);
  await assert.rejects(syncPodRoutes('tt1', [
    { name: 'node-1', ip: '172.18.0.2', podCIDR: '10.244.0.0/24' },
    { name: 'node-2', ip: '172.18.0.3', podCIDR: '10.244.1.0/24' },
  ], runner, known), /could not sync pod routes of node node-1/);
  assert.equal(known.has('pn-tt1-node-1'), false);
});
