// The pod network at scale and under faults, checked with real tools (ip,
// /proc, the IPAM directory on disk): 100 pods get 100 distinct IPs inside
// their nodes' podCIDRs and scaling to 0 gives everything back; `kill -9` of
// an agent while it creates pods leaks nothing; a stopped agent makes its
// node NotReady and its pods not Ready; a missing CNI plugin gives
// FailedCreatePodSandBox and the pod recovers once the plugin is back.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Event, Node, Pod } from '../../../src/api/types.js';
import { downOrKill, eventually, podnet, run } from '../../support/cli.js';

const CLUSTER = 'itpf1';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itpf1-'));
const clusterDir = path.join(stateDir, CLUSTER);
const pn = podnet(CLUSTER, stateDir);
const NODES = ['node-1', 'node-2'];
const IPV4_FILE = /^\d+\.\d+\.\d+\.\d+$/;
/** what `up --bare` leaves (router, outside, extdns, the nodes; no system pods), taken after `up`, not assumed */
let baseNamespaces: string[] = [];
let baseAllocations: string[] = [];

function deployment(name: string, replicas: number): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: echo, image: podnet/echo}]
`;
}

function barePod(name: string, node: string): string {
  return `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n  nodeName: ${node}\n  containers: [{name: echo, image: podnet/echo}]\n`;
}

async function getJSON<T>(args: string[]): Promise<T> {
  const r = await pn([...args, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

const listPods = async (selector: string) => (await getJSON<{ items: Pod[] }>(['get', 'pods', '-l', selector])).items;
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function apply(manifest: string): Promise<void> {
  const r = await pn(['apply', '-f', '-'], { input: manifest });
  assert.equal(r.code, 0, r.stderr);
}

async function waitReady(selector: string, count: number, timeoutMs: number): Promise<Pod[]> {
  return eventually(`${count} Ready pods with ${selector}`, async () => {
    const pods = await listPods(selector);
    return pods.length === count && pods.every(isReady) ? pods : undefined;
  }, timeoutMs, 1_000);
}

async function waitGone(selector: string, timeoutMs: number): Promise<void> {
  await eventually(`no pods with ${selector}`, async () => (await listPods(selector)).length === 0, timeoutMs, 500);
}

/** Scales a Deployment to 0, waits for its pods to be gone, and deletes it (also after a failed assertion). */
async function scaleToZero(name: string): Promise<void> {
  await apply(deployment(name, 0));
  await waitGone(`app=${name}`, 120_000);
  await pn(['delete', 'deployment', name]);
}

async function clusterNamespaces(): Promise<string[]> {
  const out = (await run(['ip', 'netns', 'list'])).stdout;
  return out.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`pn-${CLUSTER}-`)).sort();
}

function ipAllocations(): string[] {
  const ipam = path.join(clusterDir, 'ipam');
  if (!existsSync(ipam)) return [];
  return readdirSync(ipam).flatMap((net) => readdirSync(path.join(ipam, net)).filter((f) => IPV4_FILE.test(f)).map((f) => `${net}/${f}`));
}

/** veths in a node namespace other than its own eth0 (itself a veth to the router), and cni0's ports */
async function podVeths(node: string): Promise<string[]> {
  const ns = `pn-${CLUSTER}-${node}`;
  const names = (out: string) => out.split('\n').map((l) => /^\d+: ([^@:]+)/.exec(l)?.[1]).filter((n): n is string => !!n);
  const veths = names((await run(['ip', '-n', ns, '-o', 'link', 'show', 'type', 'veth'])).stdout).filter((n) => n !== 'eth0');
  const ports = names((await run(['ip', '-n', ns, '-o', 'link', 'show', 'master', 'cni0'])).stdout);
  return [...new Set([...veths, ...ports])];
}

/** processes this cluster started for pods: containers carry PODNET_API_SOCKET; pause processes are `sh` (before: `sleep`) with the agents' environment. */
function podProcesses(): string[] {
  const socket = `PODNET_API_SOCKET=${path.join(clusterDir, 'api', 'api.sock')}`;
  const state = `PODNET_STATE_DIR=${stateDir}`;
  const found: string[] = [];
  // The outside client's holder is a `sleep` the daemon started too; it is not a pod's.
  let outsideHolder = '';
  try { outsideHolder = readFileSync(path.join(clusterDir, 'outside.pid'), 'utf8').trim(); } catch { /* not started */ }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || entry === outsideHolder) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (env.includes(socket) || (env.includes(state) && (comm === 'sh' || comm === 'sleep'))) found.push(`${entry}(${comm})`);
    } catch { /* exited */ }
  }
  return found;
}

async function assertNothingLeaked(what: string): Promise<void> {
  assert.deepEqual(await clusterNamespaces(), baseNamespaces, `${what}: pod namespaces left`);
  assert.deepEqual(ipAllocations(), baseAllocations, `${what}: IP allocations left`);
  for (const node of NODES) assert.deepEqual(await podVeths(node), [], `${what}: veths left on ${node}`);
  assert.deepEqual(readdirSync(path.join(clusterDir, 'pods')), [], `${what}: pod state directories left`);
  // a killed process is reaped asynchronously: give it a moment before naming it
  await eventually(`${what}: no pod processes`, async () => podProcesses().length === 0, 5_000, 100).catch(() => {
    const left = podProcesses();
    // named in the failure, then killed, so that the next test starts clean
    for (const p of left) { try { process.kill(Number(p.split('(')[0]), 'SIGKILL'); } catch { /* gone */ } }
    assert.deepEqual(left, [], `${what}: pod processes left`);
  });
}

function ipInCidr(ip: string, cidr: string): boolean {
  const toInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toInt(ip) / size) === Math.floor(toInt(base!) / size);
}

function agentPid(node: string): number {
  return Number(readFileSync(path.join(clusterDir, 'procs', `agent-${node}.pid`), 'utf8'));
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

async function eventsFor(name: string): Promise<Event[]> {
  return (await getJSON<{ items: Event[] }>(['get', 'events'])).items.filter((e) => e.involvedObject?.name === name);
}

describe('pod network at scale and under faults', { timeout: 420_000 }, () => {
  before(async () => {
    // --bare: no cluster DNS or ingress controller pods, so every pod namespace is one of ours
    const up = await pn(['up', '--nodes', '2', '--bare']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
    baseNamespaces = await clusterNamespaces();
    baseAllocations = ipAllocations();
  });

  after(async () => {
    await downOrKill(pn, CLUSTER);
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('the base namespaces are the router, outside, extdns and one per node', () => {
    for (const n of ['router', 'outside', 'extdns', ...NODES]) assert.ok(baseNamespaces.includes(`pn-${CLUSTER}-${n}`), baseNamespaces.join(' '));
    assert.ok(!baseNamespaces.some((n) => n.includes('-pod-')), baseNamespaces.join(' '));
    assert.deepEqual(baseAllocations, []);
  });

  test('100 pods on 2 nodes: 100 distinct IPs inside their nodes\' podCIDRs; scale to 0 gives everything back', async () => {
    await apply(deployment('many', 100));
    try {
      const pods = await waitReady('app=many', 100, 180_000);
      const nodes = (await getJSON<{ items: Node[] }>(['get', 'nodes'])).items;
      const cidr = new Map(nodes.map((n) => [n.metadata.name!, n.spec?.podCIDR ?? '']));
      const ips = pods.map((p) => p.status!.podIP!);
      assert.equal(new Set(ips).size, 100, 'distinct IPs');
      for (const p of pods) assert.ok(ipInCidr(p.status!.podIP!, cidr.get(p.spec.nodeName!)!), `${p.metadata.name} ${p.status!.podIP} in ${p.spec.nodeName} ${cidr.get(p.spec.nodeName!)}`);
      assert.deepEqual(new Set(pods.map((p) => p.spec.nodeName)), new Set(NODES));
      assert.equal((await clusterNamespaces()).length, baseNamespaces.length + 100);
      assert.equal(ipAllocations().length, baseAllocations.length + 100);
    } finally {
      await scaleToZero('many');
    }
    await assertNothingLeaked('after scaling 100 pods to 0');
  });

  test('kill -9 of an agent while it creates pods: it is restarted, all pods become Ready, and scaling to 0 leaks nothing', async () => {
    const killed = agentPid('node-1');
    await apply(deployment('crashy', 30));
    await new Promise((r) => setTimeout(r, 300));
    process.kill(killed, 'SIGKILL');
    const restarted = await eventually('the supervisor restarted the agent', async () => {
      const pid = agentPid('node-1');
      return pid !== killed && alive(pid) ? pid : undefined;
    }, 15_000, 100);
    assert.notEqual(restarted, killed);
    try {
      const pods = await waitReady('app=crashy', 30, 120_000);
      assert.equal(new Set(pods.map((p) => p.status!.podIP)).size, 30);
      assert.ok(pods.some((p) => p.spec.nodeName === 'node-1'), 'node-1 got pods');
      assert.equal(ipAllocations().length, baseAllocations.length + 30, `IP allocations: ${ipAllocations().join(' ')}`);
    } finally {
      await scaleToZero('crashy');
    }
    await assertNothingLeaked('after the agent crash and scaling to 0');
  });

  test('a stopped agent makes its node NotReady and its pods not Ready; resumed, both are Ready again', async () => {
    await apply(barePod('on-node-2', 'node-2'));
    await waitReady('!app', 1, 60_000);
    const pid = agentPid('node-2');
    process.kill(pid, 'SIGSTOP');
    try {
      await eventually('node-2 NotReady', async () => /^node-2\s+NotReady\s/m.test((await pn(['get', 'nodes'])).stdout), 30_000, 500);
      const node = await getJSON<Node>(['get', 'node', 'node-2']);
      const ready = node.status!.conditions!.find((c) => c.type === 'Ready')!;
      assert.equal(ready.status, 'Unknown');
      assert.equal(ready.reason, 'NodeStatusUnknown');
      await eventually('the pod on node-2 is not Ready', async () => {
        const [p] = await listPods('!app');
        return p !== undefined && !isReady(p);
      }, 15_000, 500);
      assert.match((await pn(['get', 'nodes'])).stdout, /^node-1\s+Ready\s/m, 'the other node stays Ready');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    try {
      await eventually('node-2 Ready again', async () => /^node-2\s+Ready\s/m.test((await pn(['get', 'nodes'])).stdout), 20_000, 500);
      await eventually('the pod on node-2 Ready again', async () => {
        const [p] = await listPods('!app');
        return p !== undefined && isReady(p);
      }, 20_000, 500);
      assert.equal(agentPid('node-2'), pid, 'a stopped agent is not restarted');
    } finally {
      await pn(['delete', 'pod', 'on-node-2']);
      await waitGone('!app', 60_000);
    }
  });

  test('without its CNI plugin a pod stays ContainerCreating with FailedCreatePodSandBox, and recovers when the plugin is back', async () => {
    // each node agent installs its own podnet-cni (the shim pointing at its resident CNI server)
    const plugin = path.join(clusterDir, 'cni', 'node-1', 'bin', 'podnet-cni');
    const hidden = `${plugin}.hidden`;
    renameSync(plugin, hidden);
    try {
      await apply(barePod('no-cni', 'node-1'));
      const event = await eventually('FailedCreatePodSandBox', async () => (await eventsFor('no-cni')).find((e) => e.reason === 'FailedCreatePodSandBox'), 30_000, 500);
      assert.equal(event.type, 'Warning');
      assert.match(event.message ?? '', /podnet-cni/);
      assert.match((await pn(['get', 'pod', 'no-cni'])).stdout, /no-cni\s+0\/1\s+ContainerCreating\s/);
      const p = await getJSON<Pod>(['get', 'pod', 'no-cni']);
      assert.equal(p.status?.podIP, undefined);
    } finally {
      renameSync(hidden, plugin);
    }
    try {
      const [p] = await waitReady('!app', 1, 30_000);
      assert.ok(ipInCidr(p!.status!.podIP!, '10.244.0.0/24'), p!.status!.podIP);
    } finally {
      await pn(['delete', 'pod', 'no-cni']);
      await waitGone('!app', 60_000);
    }
    await assertNothingLeaked('after the plugin outage');
  });
});
