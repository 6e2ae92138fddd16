// CPU per pod start, split by process, on a bare 2-node cluster: one
// Deployment of N registry.k8s.io/pause replicas, apply -> all Ready. Wall
// times on a shared box swing with the load; the CPU a pod start costs does
// not (much), so this is the before/after number for issue 3's work.
//
// It sums utime+stime (self) and cutime+cstime (waited-for children) from
// /proc/<pid>/stat over the daemon's process tree before and after: the
// daemon, the agents (their children: the podnet-cni shim and nc), the CNI
// servers (their children: one-shot ip) and their resident ip (its children:
// the pod side of each ADD, `netns exec ... ip`), the pod processes (pause and containers,
// whose short-lived helpers such as mount are in their children's share).
// Kernel work outside process context (softirq, RCU) is not counted.
// /proc times tick at 10 ms per process, so a few ms per pod is noise at
// N = 50; take two runs.
//
//   node dist/bench/podnetwork/pod-cpu.js [N=50]   (needs root)

import { readFileSync } from 'node:fs';
import type { Deployment, Pod } from '../../src/api/types.js';
import { cmdline, processTree } from '../proc-stat.js';
import { benchCluster, load, mustSucceed, table, withCluster } from './cluster.js';

const N = Number(process.argv[2] ?? 50);
const IMAGE = 'registry.k8s.io/pause:3.10';
const NAMESPACE = 'default';
const SETTLE_MS = 2_000;
const POLL_MS = 300;
const TIMEOUT_MS = 300_000;

/** ms of CPU per role ("agent self", "pod:sleep children", ...) over the process tree under `root`. */
function snapshot(root: number): Map<string, number> {
  const tree = processTree(root);
  const roles = new Map<string, number>();
  const add = (k: string, v: number) => roles.set(k, (roles.get(k) ?? 0) + v);
  for (const [pid, t] of tree) {
    const cmd = cmdline(pid);
    const role = pid === root ? 'daemon'
      : cmd.includes('agent/main.js') ? 'agent'
        : cmd.includes('cni/server-main.js') ? 'cni server'
          // the server's long-lived `ip -batch` (net/resident-ip.ts); its children are the per-ADD `netns exec` ip
          : cmdline(t.ppid).includes('cni/server-main.js') ? 'cni server resident ip'
          : cmdline(t.ppid).includes('agent/main.js') ? `pod:${t.comm}` : `other:${t.comm}`;
    add(`${role} self`, t.cpuMs);
    add(`${role} children`, t.childrenCpuMs);
  }
  return roles;
}

function deployment(): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cpu', namespace: NAMESPACE },
    spec: { replicas: N, selector: { matchLabels: { app: 'cpu' } }, template: { metadata: { labels: { app: 'cpu' } }, spec: { containers: [{ name: 'c', image: IMAGE }] } } },
  } as Deployment;
}

const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function main(): Promise<void> {
  const cluster = benchCluster('bpn4');
  await withCluster(cluster, async () => {
    mustSucceed(await cluster.pn(['up', '--bare', '--nodes', '2']), 'podnet up');
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const root = Number(readFileSync(`${cluster.dir}/daemon.pid`, 'utf8'));
    const client = cluster.client();
    const loadBefore = load();
    const before = snapshot(root);
    const t0 = performance.now();
    await client.create(deployment());
    for (const until = Date.now() + TIMEOUT_MS; ;) {
      const pods = (await client.list<Pod>('pods', NAMESPACE, { labelSelector: 'app=cpu' })).items;
      if (pods.filter(isReady).length === N) break;
      if (Date.now() > until) throw new Error(`not all ${N} pods Ready after ${TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const wall = performance.now() - t0;
    const after = snapshot(root);
    const rows: [string, number][] = [];
    for (const k of new Set([...before.keys(), ...after.keys()])) {
      const d = (after.get(k) ?? 0) - (before.get(k) ?? 0);
      if (d > 0) rows.push([k, d / N]);
    }
    rows.sort((a, b) => b[1] - a[1]);
    const total = rows.reduce((s, [, v]) => s + v, 0);
    process.stdout.write(`CPU per pod start, ${N} ${IMAGE} replicas on a bare 2-node cluster (load average before: ${loadBefore})\n\n`);
    process.stdout.write(`${table(['process (self / waited-for children)', 'ms per pod'], [...rows.map(([k, v]) => [k, v.toFixed(1)]), ['total', total.toFixed(1)]])}\n\n`);
    process.stdout.write(`all ${N} Ready ${(wall / 1000).toFixed(2)} s after the create; load average after: ${load()}\n`);
  });
}

main().catch((err) => { process.stderr.write(`${(err as Error).stack ?? err}\n`); process.exit(1); });
