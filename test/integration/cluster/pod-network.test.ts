// The pod network end to end through the CLI: `podnet up`, real pods from the
// built-in images, and real clients (curl, ip, cat, hostname) checking the
// Kubernetes networking rules: unique routable pod IPs, no NAT between pods,
// masquerade to the outside, per-pod hostname and resolv.conf, and `down`
// leaving the host exactly as it was.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pod } from '../../../src/api/types.js';
import { eventually, podnet, run } from '../../support/cli.js';
import { echoDeployment } from '../../support/manifests.js';
import { snapshotHost, type HostSnapshot } from '../topology/helpers.js';

const CLUSTER = 'itpod';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itpod-'));
const pn = podnet(CLUSTER, stateDir);
let hostBefore: HostSnapshot;

const MANIFEST = `${echoDeployment({ name: 'web', replicas: 4 })}---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  nodeName: node-1
  containers:
    - name: sh
      image: none
      command: [sleep, infinity]
`;

async function pods(selector?: string): Promise<Pod[]> {
  const r = await pn(['get', 'pods', '-o', 'json', ...(selector ? ['-l', selector] : [])]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { items: Pod[] }).items;
}

describe('pod network', { timeout: 240_000 }, () => {
  before(async () => {
    hostBefore = await snapshotHost();
    const up = await pn(['up', '--nodes', '2']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
    const applied = await pn(['apply', '-f', '-'], { input: MANIFEST });
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /deployment\.apps\/web created/);
    await eventually('4 ready web pods and a running client', async () => {
      const all = await pods();
      const ready = all.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready.length === 5 ? all : undefined;
    }, 60_000, 200);
  });

  after(async () => {
    await pn(['down']);
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('every node agent\'s resident CNI server kept running (no pod\'s CNI call fell back to standalone)', () => {
    // Regression: an agent that started its CNI server before the node's CNI
    // directory existed lost it at once, and every CNI call on that node then
    // paid a Node start of its own.
    for (const node of ['node-1', 'node-2']) {
      const log = readFileSync(path.join(stateDir, CLUSTER, `agent-${node}.log`), 'utf8');
      assert.doesNotMatch(log, /CNI server exited/, `${node}: ${log}`);
    }
  });

  test('the daemon\'s session outweighs the others; the node agents run in sessions of their own', () => {
    const dir = path.join(stateDir, CLUSTER);
    const daemon = Number(readFileSync(path.join(dir, 'daemon.pid'), 'utf8'));
    // proc(5): the fields after the parenthesised command name; session is field 6
    const sessionOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[3]);
    for (const node of ['node-1', 'node-2']) {
      const agent = Number(readFileSync(path.join(dir, 'procs', `agent-${node}.pid`), 'utf8'));
      assert.equal(sessionOf(agent), agent, `${node}'s agent leads a session of its own`);
      assert.notEqual(sessionOf(agent), sessionOf(daemon));
    }
    // kernels built without autogroup have no such file, and no group weight to raise
    if (existsSync('/proc/self/autogroup')) assert.match(readFileSync(`/proc/${daemon}/autogroup`, 'utf8'), /nice -10\b/);
  });

  test('nodes are Ready with podCIDRs, InternalIPs and the well-known labels', async () => {
    const r = await pn(['get', 'nodes', '-o', 'json']);
    const nodes = JSON.parse(r.stdout).items as { metadata: { name: string; labels: Record<string, string> }; spec: { podCIDR: string }; status: { addresses: { type: string; address: string }[] } }[];
    assert.deepEqual(nodes.map((n) => [n.metadata.name, n.spec.podCIDR]), [['node-1', '10.244.0.0/24'], ['node-2', '10.244.1.0/24']]);
    assert.deepEqual(nodes.map((n) => n.status.addresses.find((a) => a.type === 'InternalIP')!.address), ['172.18.0.2', '172.18.0.3']);
    assert.equal(nodes[0]!.metadata.labels['kubernetes.io/hostname'], 'node-1');
    assert.equal(nodes[0]!.metadata.labels['kubernetes.io/os'], 'linux');
    const table = await pn(['get', 'nodes']);
    assert.match(table.stdout, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\nnode-1\s+Ready\s/m);
  });

  test('pods spread over both nodes with unique IPs inside their node\'s podCIDR', async () => {
    const web = await pods('app=web');
    assert.deepEqual(new Set(web.map((p) => p.spec.nodeName)), new Set(['node-1', 'node-2']));
    const ips = web.map((p) => p.status!.podIP!);
    assert.equal(new Set(ips).size, ips.length);
    for (const p of web) {
      const third = p.spec.nodeName === 'node-1' ? '0' : '1';
      assert.match(p.status!.podIP!, new RegExp(`^10\\.244\\.${third}\\.\\d+$`));
      assert.equal(p.status!.hostIP, p.spec.nodeName === 'node-1' ? '172.18.0.2' : '172.18.0.3');
    }
  });

  test('curl from a pod reaches pods on the same node and across nodes, and they see its own IP (no NAT)', async () => {
    const [client] = await pods('!app');
    const clientIP = client!.status!.podIP!;
    for (const target of await pods('app=web')) {
      const r = await pn(['exec', 'client', '--', 'curl', '-s', '--max-time', '3', `http://${target.status!.podIP}:8080/`]);
      assert.equal(r.code, 0, r.stderr);
      const body = JSON.parse(r.stdout);
      assert.equal(body.pod, target.metadata.name);
      assert.equal(body.node, target.spec.nodeName);
      assert.equal(body.clientIP, clientIP, `pod on ${target.spec.nodeName} saw ${body.clientIP}`);
    }
  });

  test('hostname is the pod name and resolv.conf follows ClusterFirst', async () => {
    const h = await pn(['exec', 'client', '--', 'hostname']);
    assert.equal(h.stdout.trim(), 'client');
    const r = await pn(['exec', 'client', '--', 'cat', '/etc/resolv.conf']);
    assert.equal(r.stdout, 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
  });

  test('a pod reaches the outside network masqueraded to its node IP; the outside cannot reach pods', async () => {
    const server = run(['ip', 'netns', 'exec', `pn-${CLUSTER}-outside`, 'timeout', '10', 'nc', '-n', '-l', '-p', '9099', '-v'], { timeoutMs: 15_000 });
    await new Promise((r) => setTimeout(r, 300));
    const c = await pn(['exec', 'client', '--', 'sh', '-c', 'echo hello | nc -w 2 -q 0 198.51.100.10 9099']);
    assert.equal(c.code, 0, c.stderr);
    const s = await server;
    assert.match(s.stderr, /Connection received on 172\.18\.0\.2 /, s.stderr);
    assert.match(s.stdout, /hello/);
    const [web] = await pods('app=web');
    const out = await pn(['outside', '--', 'curl', '-s', '--max-time', '2', `http://${web!.status!.podIP}:8080/`]);
    assert.notEqual(out.code, 0);
  });

  test('two pods on one node both listen on :8080 (separate network namespaces)', async () => {
    const node1 = (await pods('app=web')).filter((p) => p.spec.nodeName === 'node-1');
    assert.ok(node1.length >= 2);
  });

  test('an image that is not built in fails the pod with ErrImagePull and a reason', async () => {
    const r = await pn(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Pod\nmetadata: {name: nginx}\nspec:\n  containers: [{name: web, image: "nginx:1.27"}]\n' });
    assert.equal(r.code, 0, r.stderr);
    const pod = await eventually('ErrImagePull', async () => {
      const p = JSON.parse((await pn(['get', 'pod', 'nginx', '-o', 'json'])).stdout) as Pod;
      return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull' ? p : undefined;
    });
    assert.match(pod.status!.containerStatuses![0]!.state!.waiting!.message!, /not a built-in image/);
    const table = await pn(['get', 'pod', 'nginx']);
    assert.match(table.stdout, /nginx\s+0\/1\s+ErrImagePull/);
  });

  test('a crashing container goes into CrashLoopBackOff with a growing restart count', async () => {
    await pn(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Pod\nmetadata: {name: crash}\nspec:\n  containers: [{name: c, image: x, command: [sh, -c, "echo boom; exit 3"]}]\n' });
    const pod = await eventually('two restarts', async () => {
      const p = JSON.parse((await pn(['get', 'pod', 'crash', '-o', 'json'])).stdout) as Pod;
      return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 ? p : undefined;
    }, 30_000, 250);
    const cs = pod.status!.containerStatuses![0]!;
    assert.equal(cs.lastState?.terminated?.exitCode, 3);
    const logs = await pn(['logs', 'crash']);
    assert.match(logs.stdout, /boom/);
    const events = await pn(['describe', 'pod', 'crash']);
    assert.match(events.stdout, /BackOff/);
    // as the kubelet: every instance is Started, and the back-off follows the first restart, not the first failure
    const list = JSON.parse((await pn(['get', 'events', '-o', 'json'])).stdout) as { items: { involvedObject: { name: string }; reason: string; count?: number }[] };
    const mine = list.items.filter((e) => e.involvedObject.name === 'crash');
    const count = (reason: string) => mine.filter((e) => e.reason === reason).reduce((n, e) => n + (e.count ?? 1), 0);
    assert.ok(count('Started') >= 3, `Started ${count('Started')} times`);
    assert.ok(count('BackOff') <= count('Started') - 1, `BackOff ${count('BackOff')} times, Started ${count('Started')}`);
  });

  test('deleting a pod frees its IP and namespace', async () => {
    const [victim] = await pods('app=web');
    const netnsBefore = (await run(['ip', 'netns', 'list'])).stdout;
    const uidPart = victim!.metadata.uid!.replace(/-/g, '').slice(0, 12);
    assert.match(netnsBefore, new RegExp(`pn-${CLUSTER}-pod-${uidPart}`));
    const d = await pn(['delete', 'pod', victim!.metadata.name!]);
    assert.equal(d.code, 0, d.stderr);
    await eventually('pod gone', async () => (await pn(['get', 'pod', victim!.metadata.name!])).code !== 0, 40_000, 200);
    const netnsAfter = (await run(['ip', 'netns', 'list'])).stdout;
    assert.doesNotMatch(netnsAfter, new RegExp(`pn-${CLUSTER}-pod-${uidPart}`));
  });

  test('podnet down removes every namespace and state, and the host is unchanged', async () => {
    const d = await pn(['down']);
    assert.equal(d.code, 0, d.stderr);
    const ns = (await run(['ip', 'netns', 'list'])).stdout;
    assert.doesNotMatch(ns, new RegExp(`pn-${CLUSTER}-`));
    const procs = await run(['pgrep', '-f', '--', `--cluster ${CLUSTER}`]);
    assert.equal(procs.stdout.trim(), '');
    assert.deepEqual(await snapshotHost(), hostBefore);
    const again = await pn(['down']);
    assert.equal(again.code, 0);
  });
});
