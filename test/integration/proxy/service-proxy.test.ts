// The service proxy against the real kernel: a two-node world (world.ts),
// rules applied by ServiceProxy inside node 1's namespace, traffic with curl
// and nc from pods, the node and a host on the node network.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Service } from '../../../src/api/types.js';
import { ProxySyncError } from '../../../src/errors.js';
import { ServiceProxy } from '../../../src/proxy/service-proxy.js';
import { service, slice, type Ep } from '../../unit/proxy/fixtures.js';
import { World } from './world.js';

const world = new World(String(process.pid % 100000));
const N1 = { nodeName: 'node-1', nodeIP: '172.18.0.2', podCIDR: '10.244.0.0/24' };
let injectFault = false;
let proxy: ServiceProxy;

const P1: Ep = { ip: '10.244.0.5' };
const P2: Ep = { ip: '10.244.0.6' };
const P3: Ep = { ip: '10.244.1.5', node: 'node-2' };

function state(overrides: Record<string, Ep[]> = {}): { services: Service[]; slices: EndpointSlice[] } {
  const eps: Record<string, Ep[]> = { web: [P1, P2, P3], empty: [], self: [P1], dns: [P1], aff: [P1, P2, P3], local: [P1, P3], ...overrides };
  const services: Service[] = [
    service('web', '10.96.0.10', [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080 }], { type: 'NodePort' }),
    service('empty', '10.96.0.30', [{ port: 80 }]),
    service('self', '10.96.0.40', [{ port: 80 }]),
    service('dns', '10.96.0.53', [{ port: 53, protocol: 'UDP' }]),
    service('aff', '10.96.0.70', [{ port: 80 }], { sessionAffinity: 'ClientIP' }),
    service('local', '10.96.0.80', [{ port: 80, nodePort: 30090 }], { type: 'NodePort', externalTrafficPolicy: 'Local' }),
  ];
  const slices = [
    slice('web', [{ name: 'http', port: 8080 }], eps.web!),
    slice('empty', [{ port: 8080 }], eps.empty!),
    slice('self', [{ port: 8080 }], eps.self!),
    slice('dns', [{ port: 5353, protocol: 'UDP' }], eps.dns!),
    slice('aff', [{ port: 8080 }], eps.aff!),
    slice('local', [{ port: 8080 }], eps.local!),
  ];
  return { services, slices };
}

async function sync(s = state()) {
  return proxy.sync(s.services, s.slices);
}

before(async () => {
  await world.build();
  proxy = new ServiceProxy({
    runner: world.runner, netns: world.ns('n1'), ...N1,
    transformTransaction: (text) => (injectFault ? text.replace('10.96.0.99 . tcp . 80', '10.96.0.999 . tcp . 80') : text),
  });
  const first = await sync();
  assert.equal(first.applied, 'full');
});

after(async () => {
  await world.destroy();
});

const C = () => world.ns('c');

test('ClusterIP: 300 requests reach all three endpoints, none more than 60%', async () => {
  const answers = await world.curlMany(C(), 'http://10.96.0.10/', 300);
  assert.equal(answers.length, 300);
  const counts = new Map<string, number>();
  for (const a of answers) counts.set(a.pod, (counts.get(a.pod) ?? 0) + 1);
  assert.deepEqual([...counts.keys()].sort(), ['p1', 'p2', 'p3']);
  for (const [pod, n] of counts) assert.ok(n <= 180, `${pod} got ${n}/300`);
  // pod-to-pod through a Service: the endpoint sees the real client address
  assert.ok(answers.every((a) => a.client === '10.244.0.9'));
});

test('ClusterIP from the node itself works (masqueraded)', async () => {
  const answers = await world.curlMany(world.ns('n1'), 'http://10.96.0.10/', 20);
  assert.equal(answers.length, 20);
});

test('no endpoints: connection refused at once', async () => {
  const started = performance.now();
  const r = await world.curl(C(), 'http://10.96.0.30/');
  // curl 7.88 words ECONNREFUSED "Couldn't connect to server"; exit 7 either way, no timeout (28)
  assert.equal(r.code, 7, r.stderr);
  assert.match(r.stderr, /Connection refused|Couldn't connect to server/);
  process.stderr.write(`# no-endpoint refusal took ${(performance.now() - started).toFixed(0)} ms\n`);
  const fromNode = await world.curl(world.ns('n1'), 'http://10.96.0.30/');
  assert.equal(fromNode.code, 7, fromNode.stderr);
});

test('hairpin: a pod reaching itself through its Service', async () => {
  const [a] = await world.curlMany(world.pods[0]!.ns, 'http://10.96.0.40/', 1);
  assert.equal(a!.pod, 'p1');
  assert.equal(a!.client, '10.244.0.1', 'masqueraded to the cni0 address so the reply returns via the node');
});

test('NodePort from the node network: Cluster policy SNATs, Local keeps the client and stays local', async () => {
  const out = world.ns('out');
  const cluster = await world.curlMany(out, 'http://172.18.0.2:30080/', 30);
  assert.ok(cluster.every((a) => a.client !== '172.18.0.100'), 'SNAT with eTP Cluster');
  assert.ok(new Set(cluster.map((a) => a.pod)).size >= 2);
  const local = await world.curlMany(out, 'http://172.18.0.2:30090/', 20);
  assert.ok(local.every((a) => a.pod === 'p1' && a.client === '172.18.0.100'), JSON.stringify(local.slice(0, 3)));
});

test('NodePort answers on the node\'s primary address only (nftables mode\'s --nodeport-addresses primary)', async () => {
  const [viaNodeIP] = await world.curlMany(C(), 'http://172.18.0.2:30080/', 1);
  assert.ok(viaNodeIP!.pod);
  const viaGateway = await world.curl(C(), 'http://10.244.0.1:30080/');
  assert.notEqual(viaGateway.code, 0, 'the cni0 gateway address is no NodePort address');
  assert.match(viaGateway.stderr, /Connection refused|Failed to connect/);
});

test('session affinity: 50 requests from one client, one backend', async () => {
  const answers = await world.curlMany(C(), 'http://10.96.0.70/', 50);
  assert.equal(new Set(answers.map((a) => a.pod)).size, 1);
});

test('UDP through the VIP, and stale conntrack entries flushed when the endpoint goes', async () => {
  const reply = await world.udp(C(), '10.96.0.53', 53, 40053);
  assert.match(reply, /"pod":"p1"/);
  const listed = await world.runner.run(['conntrack', '-L', '-p', 'udp', '--orig-dst', '10.96.0.53'], { netns: world.ns('n1'), allowFailure: true });
  assert.match(listed.stdout, /src=10\.244\.0\.5/);
  const res = await sync(state({ dns: [P2] }));
  assert.equal(res.applied, 'incremental');
  assert.ok(res.conntrackDeleted >= 1);
  const after = await world.runner.run(['conntrack', '-L', '-p', 'udp', '--orig-dst', '10.96.0.53'], { netns: world.ns('n1'), allowFailure: true });
  assert.doesNotMatch(after.stdout, /src=10\.244\.0\.5/);
  // the same client socket now reaches the new endpoint instead of a dead one
  assert.match(await world.udp(C(), '10.96.0.53', 53, 40053), /"pod":"p2"/);
});

test('UDP: a client sending to a NodePort before its Service existed is answered once it does', async () => {
  const out = world.ns('out');
  // no Service yet: the datagram reaches node 1 itself (nothing listens) and leaves an un-NATed entry
  assert.equal(await world.udp(out, '172.18.0.2', 31000, 40000), '');
  const listed = await world.runner.run(['conntrack', '-L', '-p', 'udp', '--orig-port-dst', '31000'], { netns: world.ns('n1'), allowFailure: true });
  assert.match(listed.stdout, /sport=40000 dport=31000 .*src=172\.18\.0\.2 dst=172\.18\.0\.100/);
  const s = state({ dns: [P2] });
  s.services.push(service('late', '10.96.0.90', [{ port: 53, protocol: 'UDP', nodePort: 31000 }], { type: 'NodePort' }));
  s.slices.push(slice('late', [{ port: 5353, protocol: 'UDP' }], [P1]));
  const res = await sync(s);
  assert.equal(res.conntrackDeleted, 1);
  assert.match(await world.udp(out, '172.18.0.2', 31000, 40000), /"pod":"p1"/);
});

test('endpoint changes are incremental and take effect', async () => {
  const res = await sync(state({ web: [P3] }));
  assert.equal(res.applied, 'incremental');
  const answers = await world.curlMany(C(), 'http://10.96.0.10/', 10);
  assert.ok(answers.every((a) => a.pod === 'p3'));
});

test('a transaction nft rejects keeps the previous rules and names the Service', async () => {
  const good = state({ dns: [P2], web: [P3] });
  const before = await world.runner.run(['nft', 'list', 'set', 'ip', 'podnet', 'ruleset-version'], { netns: world.ns('n1') });
  injectFault = true;
  try {
    const bad = { services: [...good.services, service('broken', '10.96.0.99', [{ port: 80 }])], slices: [...good.slices, slice('broken', [{ port: 8080 }], [P2])] };
    await assert.rejects(proxy.sync(bad.services, bad.slices), (err: unknown) => {
      assert.ok(err instanceof ProxySyncError, String(err));
      assert.deepEqual(err.services, ['default/broken']);
      return true;
    });
  } finally {
    injectFault = false;
  }
  const afterList = await world.runner.run(['nft', 'list', 'set', 'ip', 'podnet', 'ruleset-version'], { netns: world.ns('n1') });
  assert.equal(afterList.stdout, before.stdout);
  const r = await world.curl(C(), 'http://10.96.0.99/');
  assert.notEqual(r.code, 0, 'the rejected Service was not programmed');
  const answers = await world.curlMany(C(), 'http://10.96.0.10/', 5);
  assert.ok(answers.every((a) => a.pod === 'p3'), 'previous rules still serve');
});

test('a restarted proxy adopts the identical table without touching it', async () => {
  const s = state({ dns: [P2], web: [P3] });
  await sync(s);
  const restarted = new ServiceProxy({ runner: world.runner, netns: world.ns('n1'), ...N1 });
  const res = await restarted.sync(s.services, s.slices);
  assert.equal(res.applied, 'none');
  const changed = await restarted.sync(state({ web: [P1, P2, P3] }).services, state({ web: [P1, P2, P3] }).slices);
  assert.equal(changed.applied, 'incremental', 'the adopted table is known exactly: diffs from it');
});

/** A table listing as a sorted bag of tokens: creation order and element order do not matter. */
async function tableTokens(): Promise<string[]> {
  const r = await world.runner.run(['nft', 'list', 'table', 'ip', 'podnet'], { netns: world.ns('n1') });
  return r.stdout.split(/[\n,{}]/).map((t) => t.trim()).filter(Boolean).sort();
}

test('a first load split over concurrent nft processes loads the same table and serves', async () => {
  const s = state();
  await proxy.delete();
  const single = new ServiceProxy({ runner: world.runner, netns: world.ns('n1'), ...N1, splitLoad: { parts: 1, minElements: 1 } });
  await single.sync(s.services, s.slices);
  const expected = await tableTokens();
  await single.delete();

  const log: string[] = [];
  const split = new ServiceProxy({ runner: world.runner, netns: world.ns('n1'), ...N1, splitLoad: { parts: 3, minElements: 1 }, log: (l) => log.push(l) });
  const res = await split.sync(s.services, s.slices);
  assert.equal(res.applied, 'full');
  assert.ok(log.some((l) => /in 3 concurrent transactions/.test(l)), log.join('\n'));
  assert.deepEqual(await tableTokens(), expected);
  const answers = await world.curlMany(C(), 'http://10.96.0.10/', 30);
  assert.deepEqual(new Set(answers.map((a) => a.pod)), new Set(['p1', 'p2', 'p3']));
  assert.notEqual((await world.curl(C(), 'http://10.96.0.30/')).code, 0, 'no endpoints: refused');
  assert.equal((await split.sync(state({ web: [P3] }).services, state({ web: [P3] }).slices)).applied, 'incremental');
  await split.delete();
});

test('a split first load whose part nft rejects falls back to the one transaction', async () => {
  const s = state();
  const log: string[] = [];
  const faulty = new ServiceProxy({
    runner: world.runner, netns: world.ns('n1'), ...N1, splitLoad: { parts: 2, minElements: 1 }, log: (l) => log.push(l),
    transformTransaction: (text) => (text.includes('add element ip podnet service-endpoints-tcp') ? text.replace(/10\.96\.0\.10 \. 80/, '10.96.0.999 . 80') : text),
  });
  const res = await faulty.sync(s.services, s.slices);
  assert.equal(res.applied, 'full');
  assert.ok(log.some((l) => /split load failed/.test(l)), log.join('\n'));
  const answers = await world.curlMany(C(), 'http://10.96.0.10/', 10);
  assert.equal(answers.length, 10);
  const adopter = new ServiceProxy({ runner: world.runner, netns: world.ns('n1'), ...N1 });
  assert.equal((await adopter.sync(s.services, s.slices)).applied, 'none', 'the one transaction wrote the whole table');
});
