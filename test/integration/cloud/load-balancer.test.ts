// The cloud load balancer end to end, on the real kernel: `podnet up` (the
// daemon runs the ServiceLoadBalancerController and supervises the lb-agent
// in the router namespace), then real curl from the outside client through
// LB → node NodePort → pod.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pod, Service } from '../../../src/api/types.js';
import type { LbStatus } from '../../../src/cloud/lb-status.js';
import { eventually, podnet, run } from '../../support/cli.js';
import { echoDeployment, echoService } from '../../support/manifests.js';

const CLUSTER = 'itlb';
const ROUTER = `pn-${CLUSTER}-router`;
const OUTSIDE_CLIENT_IP = '198.51.100.10';
const NODE_IPS: Record<string, string> = { 'node-1': '172.18.0.2', 'node-2': '172.18.0.3' };
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itlb-'));
const clusterDir = path.join(stateDir, CLUSTER);
const pn = podnet(CLUSTER, stateDir);

function web(replicas: number, args?: string[]): string {
  return echoDeployment({ name: 'web', replicas, ...(args ? { args } : {}) });
}

function lbService(name: string, extraSpec: string): string {
  return echoService({ name, app: 'web', type: 'LoadBalancer', extraSpec });
}

async function apply(yaml: string): Promise<void> {
  const r = await pn(['apply', '-f', '-'], { input: yaml });
  assert.equal(r.code, 0, r.stderr);
}

async function svc(name: string): Promise<Service> {
  const r = await pn(['get', 'svc', name, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Service;
}

async function lbIP(name: string): Promise<string> {
  return eventually(`an address for ${name}`, async () => (await svc(name)).status?.loadBalancer?.ingress?.[0]?.ip, 20_000, 100);
}

async function readyPods(): Promise<Pod[]> {
  const r = await pn(['get', 'pods', '-l', 'app=web', '-o', 'json']);
  const pods = (JSON.parse(r.stdout) as { items: Pod[] }).items;
  return pods.filter((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
}

function lbStatus(): LbStatus | undefined {
  const file = path.join(clusterDir, 'lb-status.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as LbStatus : undefined;
}

/** Nodes the LB sends new connections of `address` ("ip:80/tcp") to, by name. */
function inService(address: string): string[] | undefined {
  return lbStatus()?.frontends.find((f) => f.address === address)?.targets.filter((t) => t.inService).map((t) => t.node);
}

async function curl(ip: string): Promise<{ pod: string; node: string; clientIP: string }> {
  const r = await pn(['outside', '--', 'curl', '-s', '-m', '3', `http://${ip}/`]);
  assert.equal(r.code, 0, `curl ${ip}: exit ${r.code} ${r.stderr}`);
  return JSON.parse(r.stdout) as { pod: string; node: string; clientIP: string };
}

/** A client looping curl through the LB for `seconds`; one line per request: "<http code> <clientIP> <unix time>". */
function loop(ip: string, seconds: number): Promise<string[]> {
  const script = `end=$((SECONDS+${seconds})); while [ $SECONDS -lt $end ]; do
    out=$(curl -s -m 2 -w ' %{http_code}' http://${ip}/); code=\${out##* }
    cip=$(printf '%s' "$out" | grep -o '"clientIP": "[^"]*"' | cut -d'"' -f4)
    echo "$code $cip $(date +%s.%3N)"; sleep 0.05; done`;
  return pn(['outside', '--', 'bash', '-c', script], { timeoutMs: (seconds + 30) * 1000 }).then((r) => r.stdout.trim().split('\n').filter(Boolean));
}

describe('cloud load balancer', { timeout: 600_000 }, () => {
  before(async () => {
    const up = await pn(['up', '--nodes', '2']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
    // up returns once the LB serves the ingress controller: the very first request from outside answers
    assert.match(up.stderr, /^ {2}load balancer 203\.0\.113\.10 serving \(→ node-\d\)$/m);
    const first = await pn(['outside', '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '-m', '2', 'http://203.0.113.10/']);
    assert.equal(first.stdout, '404', `the outside client's first request after up: ${first.stdout} ${first.stderr}`);
    await apply(web(2) + '---' + lbService('web', ''));
    await eventually('2 ready web pods, one per node', async () => {
      const pods = await readyPods();
      return new Set(pods.map((p) => p.spec.nodeName)).size === 2 && pods.length === 2;
    }, 90_000, 250);
  });

  after(async () => {
    await pn(['down']);
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('every LoadBalancer Service gets the next address of the pool, from 203.0.113.10', async () => {
    const ip = await lbIP('web');
    const all = JSON.parse((await pn(['get', 'svc', '-A', '-o', 'json'])).stdout) as { items: Service[] };
    const ips = all.items.flatMap((s) => (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip!)).sort();
    // web was the last LoadBalancer created (ingress-nginx's, if any, came with `up`).
    assert.deepEqual(ips, Array.from({ length: ips.length }, (_, i) => `203.0.113.${10 + i}`));
    assert.equal(ip, `203.0.113.${10 + ips.length - 1}`);
    const table = await pn(['get', 'svc', 'web']);
    assert.match(table.stdout, new RegExp(`web\\s+LoadBalancer\\s+\\S+\\s+${ip.replace(/\./g, '\\.')}\\s+80:3\\d{4}/TCP`));
    const described = await pn(['describe', 'svc', 'web']);
    assert.match(described.stdout, new RegExp(`IPAllocated\\s.*Assigned IP \\["${ip.replace(/\./g, '\\.')}"\\]`));
    // the cloud service controller's finalizer, as the External Load Balancer task shows it
    const finalizers = await pn(['get', 'svc', 'web', '-o', 'jsonpath={.metadata.finalizers}']);
    assert.equal(finalizers.stdout, '["service.kubernetes.io/load-balancer-cleanup"]', finalizers.stderr);
  });

  test('the outside client reaches the pods through LB → NodePort; the nodes also know the LB IP', async () => {
    const ip = await lbIP('web');
    await eventually('both nodes in service', async () => inService(`${ip}:80/tcp`)?.length === 2, 20_000, 100);
    const reply = await curl(ip);
    assert.match(reply.pod, /^web-/);
    // externalTrafficPolicy Cluster: the node masquerades, so the pod sees an address of
    // a node: its eth0 when forwarding to another node, its cni0 gateway (10.244.K.1) when
    // the endpoint is local (masquerade takes the outgoing interface's address, as kube-proxy's).
    assert.ok(Object.values(NODE_IPS).includes(reply.clientIP) || /^10\.244\.\d+\.1$/.test(reply.clientIP), reply.clientIP);
    // The node proxy handles the LB address too (ipMode VIP), as kube-proxy does.
    await eventually('node-1\'s proxy rules name the LB address', async () => {
      const nft = await pn(['exec', 'node/node-1', '--', 'nft', 'list', 'table', 'ip', 'podnet']);
      return nft.code === 0 && nft.stdout.includes(`${ip} . tcp . 80 :`);
    }, 20_000, 200);
    const router = await run(['ip', 'netns', 'exec', ROUTER, 'nft', 'list', 'table', 'ip', 'podnet-lb']);
    assert.match(router.stdout, new RegExp(`${ip.replace(/\./g, '\\.')} \\. tcp \\. 80 : goto lb-default/web/tcp/http`));
    assert.match(router.stdout, /numgen random mod 2 map \{ 0 : 172\.18\.0\.2 \. 3\d{4}, 1 : 172\.18\.0\.3 \. 3\d{4} \}/);
  });

  test('kube-proxy\'s own endpoints on every node: /proxyMode on localhost:10249, /healthz on the node\'s address :10256 (a cloud LB\'s node check)', async () => {
    const mode = await pn(['exec', 'node/node-1', '--', 'curl', '-s', 'http://localhost:10249/proxyMode']);
    assert.equal(mode.stdout, 'nftables', mode.stderr);
    const metrics = await pn(['exec', 'node/node-1', '--', 'curl', '-s', 'http://127.0.0.1:10249/metrics']);
    assert.match(metrics.stdout, /^kubeproxy_sync_proxy_rules_duration_seconds_count [1-9]\d*$/m);
    const health = await pn(['outside', '--', 'curl', '-s', '-w', ' %{http_code}', `http://${NODE_IPS['node-2']}:10256/healthz`]);
    const [body, code] = health.stdout.split(/ (?=\d{3}$)/);
    assert.equal(code, '200', health.stdout);
    const parsed = JSON.parse(body!) as { lastUpdated: string; currentTime: string; nodeEligible: boolean };
    assert.equal(parsed.nodeEligible, true);
    assert.ok(Date.parse(parsed.lastUpdated) <= Date.parse(parsed.currentTime));
    // the metrics server is the node's own, not its network's
    assert.notEqual((await pn(['outside', '--', 'curl', '-s', '-m', '2', `http://${NODE_IPS['node-1']}:10249/proxyMode`])).code, 0);
  });

  test('a requested loadBalancerIP is honoured; asking for a taken one leaves the Service pending with an event', async () => {
    await apply(lbService('fixed', '  loadBalancerIP: 203.0.113.200'));
    assert.equal(await lbIP('fixed'), '203.0.113.200');
    await eventually('fixed in service', async () => (inService('203.0.113.200:80/tcp')?.length ?? 0) > 0, 20_000, 100);
    assert.match((await curl('203.0.113.200')).pod, /^web-/);

    await apply(lbService('dup', '  loadBalancerIP: 203.0.113.200'));
    await eventually('an AllocationFailed event', async () => /AllocationFailed/.test((await pn(['describe', 'svc', 'dup'])).stdout), 20_000, 200);
    assert.match((await pn(['get', 'svc', 'dup'])).stdout, /dup\s+LoadBalancer\s+\S+\s+<pending>/);
    assert.match((await pn(['describe', 'svc', 'dup'])).stdout, /Warning\s+AllocationFailed\s.*Failed to allocate IP for "default\/dup": requested IP 203\.0\.113\.200 is already in use by "default\/fixed"/);
    // Not in the pool at all: pending too.
    await apply(lbService('stray', '  loadBalancerIP: 192.0.2.10'));
    await eventually('stray refused', async () => /is not in pool 203\.0\.113\.0\/24/.test((await pn(['describe', 'svc', 'stray'])).stdout), 20_000, 200);

    // The address comes free: the waiting Service gets it.
    assert.equal((await pn(['delete', 'svc', 'fixed'])).code, 0);
    assert.equal(await eventually('dup gets .200', async () => ((await svc('dup')).status?.loadBalancer?.ingress?.[0]?.ip === '203.0.113.200' ? true : undefined), 20_000, 200), true);
    await eventually('dup in service', async () => (inService('203.0.113.200:80/tcp')?.length ?? 0) > 0, 20_000, 100);
    // A type change releases the address and clears the status.
    await apply(lbService('dup', '  loadBalancerIP: 203.0.113.200').replace('type: LoadBalancer', 'type: ClusterIP').replace('  loadBalancerIP: 203.0.113.200\n', ''));
    await eventually('dup released', async () => ((await svc('dup')).status?.loadBalancer?.ingress ?? []).length === 0, 20_000, 200);
    // The LB agent watches LoadBalancer Services only: dup leaves its watch as DELETED, and its frontend goes.
    await eventually('dup\'s frontend gone', async () => inService('203.0.113.200:80/tcp') === undefined, 20_000, 100);
    await pn(['delete', 'svc', 'dup']);
    await pn(['delete', 'svc', 'stray']);
  });

  test('loadBalancerSourceRanges: the LB drops other sources, as a security group does; the nodes drop pods outside them', async () => {
    await apply(lbService('guarded', '  loadBalancerSourceRanges: [192.0.2.0/24]'));
    const ip = await lbIP('guarded');
    await eventually('guarded in service', async () => (inService(`${ip}:80/tcp`)?.length ?? 0) > 0, 20_000, 100);
    await eventually('the router drops the outside client', async () => {
      const router = await run(['ip', 'netns', 'exec', ROUTER, 'nft', 'list', 'table', 'ip', 'podnet-lb']);
      // (nft lists a one-element set without its braces)
      return /ip saddr != 192\.0\.2\.0\/24 log group 4004 snaplen 128 queue-threshold 1 drop comment "default\/guarded loadBalancerSourceRanges"/.test(router.stdout);
    }, 20_000, 100);
    const refused = await pn(['outside', '--', 'curl', '-s', '-m', '1', `http://${ip}/`]);
    assert.equal(refused.code, 28, `dropped, so curl times out: exit ${refused.code}`);
    // from a node (the short-circuited path kube-proxy guards too)
    await eventually('node-1 drops it as well', async () => (await pn(['exec', 'node/node-1', '--', 'curl', '-s', '-m', '1', `http://${ip}/`])).code === 28, 20_000, 200);
    // the ranges widened to the outside network: the client gets through
    await apply(lbService('guarded', `  loadBalancerSourceRanges: [192.0.2.0/24, ${OUTSIDE_CLIENT_IP}/24]`));
    const reply = await eventually('the outside client is let in', async () => {
      const r = await pn(['outside', '--', 'curl', '-s', '-m', '1', `http://${ip}/`]);
      return r.code === 0 ? JSON.parse(r.stdout) as { pod: string } : undefined;
    }, 20_000, 200);
    assert.match(reply.pod, /^web-/);
    await pn(['delete', 'svc', 'guarded']);
  });

  test('Cluster: scaling pods off one node moves no traffic and fails no request', async (t) => {
    const ip = await lbIP('web');
    await eventually('both nodes in service', async () => inService(`${ip}:80/tcp`)?.length === 2, 20_000, 100);
    const client = loop(ip, 8);
    await new Promise((r) => setTimeout(r, 2_000));
    await apply(web(1));
    const lines = await client;
    const failed = lines.filter((l) => !l.startsWith('200 '));
    t.diagnostic(`${lines.length} requests, ${failed.length} failed`);
    assert.ok(lines.length >= 5, `only ${lines.length} requests`);
    assert.deepEqual(failed, []);
    // With Cluster every node stays healthy: it forwards to the remaining pod.
    assert.equal(inService(`${ip}:80/tcp`)?.length, 2);
  });

  test('Local: the pod sees the outside client\'s own IP and only nodes with endpoints receive traffic', async (t) => {
    const ip = await lbIP('web');
    await eventually('1 ready web pod', async () => (await readyPods()).length === 1, 60_000, 200);
    const [pod] = await readyPods();
    const podNode = pod!.spec.nodeName!;
    await apply(lbService('web', '  externalTrafficPolicy: Local'));
    await eventually(`only ${podNode} in service`, async () => JSON.stringify(inService(`${ip}:80/tcp`)) === JSON.stringify([podNode]), 30_000, 100);
    const other = lbStatus()!.frontends.find((f) => f.address === `${ip}:80/tcp`)!.targets.find((x) => x.node !== podNode)!;
    assert.equal(other.state, 'unhealthy');
    assert.match(other.check, /^http 172\.18\.0\.\d:3\d{4}\/healthz$/);
    assert.equal(other.detail, 'HTTP 503');

    await run(['ip', 'netns', 'exec', ROUTER, 'conntrack', '-D', '-p', 'tcp', '--orig-dst', ip]);
    const lines = await loop(ip, 3);
    assert.ok(lines.length >= 3);
    for (const l of lines) assert.match(l, new RegExp(`^200 ${OUTSIDE_CLIENT_IP.replaceAll('.', '\\.')} `));
    // The router's conntrack shows where each connection went: only the node with the endpoint.
    const ct = await run(['ip', 'netns', 'exec', ROUTER, 'conntrack', '-L', '-p', 'tcp', '--orig-dst', ip]);
    const chosen = new Set([...ct.stdout.matchAll(/src=(172\.18\.0\.\d+) dst=198\.51\.100\.10/g)].map((m) => m[1]));
    t.diagnostic(`router conntrack: ${ct.stdout.trim().split('\n').length} entries, reply sources ${[...chosen].join(',')}`);
    assert.deepEqual([...chosen], [NODE_IPS[podNode]]);
  });

  test('Local: scaling back to both nodes brings the other node into service', async () => {
    const ip = await lbIP('web');
    await apply(web(2));
    await eventually('both nodes in service', async () => inService(`${ip}:80/tcp`)?.length === 2, 60_000, 200);
    const nodes = new Set<string>();
    for (let i = 0; i < 12 && nodes.size < 2; i++) {
      const r = await curl(ip);
      assert.equal(r.clientIP, OUTSIDE_CLIENT_IP);
      nodes.add(r.node);
    }
    assert.equal(nodes.size, 2);
  });

  test('a node that stops answering its NodePort leaves within 5 s and returns when healthy (measured)', async (t) => {
    const ip = await lbIP('web');
    await apply(lbService('web', '  externalTrafficPolicy: Cluster'));
    await eventually('both nodes in service', async () => inService(`${ip}:80/tcp`)?.length === 2, 30_000, 100);
    const nodePort = (await svc('web')).spec.ports![0]!.nodePort!;
    // Blackhole node-2's NodePort in a table of this test's own, inside node-2.
    const blackhole = `table ip podnet-lbtest {\n\tchain in {\n\t\ttype filter hook prerouting priority raw; policy accept;\n\t\ttcp dport ${nodePort} drop\n\t}\n}\n`;
    assert.equal((await run(['ip', 'netns', 'exec', `pn-${CLUSTER}-node-2`, 'nft', '-f', '-'], { input: blackhole })).code, 0);
    const t0 = Date.now();
    await eventually('node-2 out of service', async () => JSON.stringify(inService(`${ip}:80/tcp`)) === '["node-1"]', 30_000, 50);
    const outMs = Date.now() - t0;
    const target = lbStatus()!.frontends.find((f) => f.address === `${ip}:80/tcp`)!.targets.find((x) => x.node === 'node-2')!;
    assert.match(target.detail, /^timeout after \d+ ms$/);
    assert.equal((await run(['ip', 'netns', 'exec', `pn-${CLUSTER}-node-2`, 'nft', 'delete', 'table', 'ip', 'podnet-lbtest'])).code, 0);
    const t1 = Date.now();
    await eventually('node-2 back in service', async () => inService(`${ip}:80/tcp`)?.length === 2, 30_000, 50);
    const backMs = Date.now() - t1;
    t.diagnostic(`node-2 out after ${outMs} ms, back after ${backMs} ms`);
    // The daemon keeps the agent's output in <state>/<cluster>/lb-agent.log.
    const log = readFileSync(path.join(clusterDir, 'lb-agent.log'), 'utf8');
    assert.match(log, /lb: default\/web node-2 unhealthy \(tcp 172\.18\.0\.3:\d+: timeout after \d+ ms\)/);
    for (const line of log.split('\n').filter((l) => /lb: default\/web (node-2|\S+:80\/tcp)/.test(l)).slice(-6)) t.diagnostic(line);
  });

  // With Local, the node's healthCheckNodePort answers 503 as soon as its last
  // local endpoint is terminating, while the Service rules keep sending the
  // connections already routed there to that serving-but-terminating pod
  // (KEP-1669). The LB needs two failed checks (≤ 2.9 s) to drain the node,
  // so — as the Kubernetes docs advise — the pod keeps serving that long
  // after SIGTERM; then no request of a client looping through the LB fails.
  test('Local: scaling pods off one node fails no request when pods drain longer than the LB health check', async (t) => {
    const ip = await lbIP('web');
    const drain = ['--shutdown-delay', '4000'];
    await apply(lbService('web', '  externalTrafficPolicy: Local'));
    // Fresh long-draining pods (a rollout would itself move pods off a node
    // while the old ones drain for 1 s only, and could place both new pods on
    // one node), settled one per node, both nodes in service under the Local
    // (HTTP) check.
    assert.equal((await pn(['delete', 'deployment', 'web'])).code, 0);
    await eventually('the old pods gone', async () => (JSON.parse((await pn(['get', 'pods', '-l', 'app=web', '-o', 'json'])).stdout) as { items: Pod[] }).items.length === 0, 60_000, 200);
    await apply(web(2, drain));
    await eventually('2 ready long-draining pods, one per node', async () => {
      const all = (JSON.parse((await pn(['get', 'pods', '-l', 'app=web', '-o', 'json'])).stdout) as { items: Pod[] }).items;
      const ready = await readyPods();
      return all.length === 2 && ready.length === 2 && new Set(ready.map((p) => p.spec.nodeName)).size === 2
        && ready.every((p) => JSON.stringify(p.spec.containers[0]!.args) === JSON.stringify(drain));
    }, 90_000, 200);
    await eventually('both nodes in service, checked over HTTP', async () => {
      const f = lbStatus()?.frontends.find((x) => x.address === `${ip}:80/tcp`);
      return f?.externalTrafficPolicy === 'Local' && f.targets.filter((x) => x.inService && x.check.startsWith('http')).length === 2;
    }, 60_000, 200);
    // The LB kept both nodes in service while the old pods went (the gap is
    // shorter than its two failed checks), so its view says nothing about the
    // new pods: wait until each node's NodePort answers from its new pod.
    const nodePort = (await svc('web')).spec.ports![0]!.nodePort!;
    const newPods = new Set((await readyPods()).map((p) => p.metadata.name));
    await eventually('each node serves from its new local pod', async () => {
      for (const nodeIP of Object.values(NODE_IPS)) {
        const r = await run(['ip', 'netns', 'exec', ROUTER, 'curl', '-s', '-m', '2', `http://${nodeIP}:${nodePort}/`]);
        if (r.code !== 0 || !newPods.has((JSON.parse(r.stdout) as { pod: string }).pod)) return false;
      }
      return true;
    }, 30_000, 100);
    const client = loop(ip, 10);
    await new Promise((r) => setTimeout(r, 2_000));
    await apply(web(1, drain));
    const lines = await client;
    const failed = lines.filter((l) => !l.startsWith('200 '));
    t.diagnostic(`Local scale 2→1: ${lines.length} requests, ${failed.length} failed`);
    assert.ok(lines.length > 20, `the client made only ${lines.length} requests`);
    if (failed.length > 0) {
      t.diagnostic(`first request ${lines[0]}, last ${lines.at(-1)}, failed ${failed.join('; ')}`);
      for (const line of readFileSync(path.join(clusterDir, 'lb-agent.log'), 'utf8').split('\n').slice(-12)) t.diagnostic(line);
    }
    assert.deepEqual(failed, []);
    assert.equal(inService(`${ip}:80/tcp`)?.length, 1);
  });
});
