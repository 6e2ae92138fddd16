// Issue 6 inside the cluster, alone (bench:cloud runs the same pair among its
// LB paths): wrk from the ingress controller's node through the ingress to a
// 1-replica podnet/echo pod on the other node, against that same pod reached by
// its IP, in alternating rounds; rps, p99 and CPU µs per request of each
// process (wrk, the NGINX workers, the backend pod) from /proc, which holds on
// a shared machine where wall-clock rates do not.
//
//   node dist/bench/ingress/cluster-bench.js [--rounds 4] [--duration 5s] [--connections 10] [--keep]
//
// Brings up its own 2-node cluster `bning` in a temporary state directory and
// removes it at the end (--keep leaves it up and prints how to reach it).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Pod } from '../../src/api/types.js';
import { netnsNames } from '../../src/config.js';
import { eventually, podnet, run } from '../../test/support/cli.js';
import { echoApp } from '../../test/support/manifests.js';
import { median } from '../podnetwork/cluster.js';
import { parseWrk, type WrkResult } from '../wrk.js';
import { snapshot, since } from '../proc-stat.js';

const CLUSTER = 'bning';
const SOLO_HOST = 'solo.example.test';
/** the backend's container port (podnet/echo's default) */
const ECHO_PORT = 8080;

const MANIFEST = `${echoApp({ name: 'solo', replicas: 1 })}---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: solo}
spec:
  rules:
    - host: ${SOLO_HOST}
      http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: solo, port: {number: 80}}}}]}
`;

/** cluster steps (up, pods Ready, routes) take seconds: wait long, poll gently */
const until = <T>(what: string, fn: () => Promise<T | undefined>) => eventually(what, fn, 90_000, 200);

interface Wrk extends WrkResult { cpuMs: number }

/** wrk's report plus its user + system CPU from `/usr/bin/time -f 'cpu %U %S'` on stderr. */
function parseWrkWithCpu(out: string, timeErr: string): Wrk {
  const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(timeErr);
  return { ...parseWrk(out), cpuMs: (Number(cpu?.[1] ?? NaN) + Number(cpu?.[2] ?? NaN)) * 1000 };
}

/** Pids in a network namespace whose command name is `comm`. */
async function pidsIn(netns: string, comm: string): Promise<number[]> {
  const r = await run(['ip', 'netns', 'pids', netns]);
  return r.stdout.split('\n').filter(Boolean).map(Number).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm; } catch { return false; }
  });
}

/** Busy and softirq jiffies of the whole machine (proc(5) /proc/stat "cpu" line): the kernel's share of the hop. */
function machineJiffies(): { busy: number; softirq: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
  return { busy: user + nice + system + irq + softirq + steal, softirq };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    rounds: { type: 'string', default: '4' }, duration: { type: 'string', default: '5s' },
    connections: { type: 'string', default: '10' }, keep: { type: 'boolean', default: false },
  } });
  const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-bning-'));
  const pn = podnet(CLUSTER, stateDir);
  try {
    const up = await pn(['up', '--nodes', '2']);
    if (up.code !== 0) throw new Error(`podnet up failed: ${up.stderr}`);
    if ((await pn(['apply', '-f', '-'], { input: MANIFEST })).code !== 0) throw new Error('apply failed');
    const controller = (JSON.parse((await pn(['get', 'pods', '-n', 'ingress-nginx', '-o', 'json'])).stdout) as { items: Pod[] }).items[0]!;
    const solo = await until('the solo pod Ready', async () => (JSON.parse((await pn(['get', 'pods', '-l', 'app=solo', '-o', 'json'])).stdout) as { items: Pod[] }).items
      .find((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')));
    const clientNs = netnsNames.node(CLUSTER, controller.spec.nodeName!);
    const ingressUrl = `http://${controller.status!.podIP}/`;
    const soloUrl = `http://${solo.status!.podIP}:${ECHO_PORT}/`;
    await until('the solo Ingress rule routes', async () => ((await run(['ip', 'netns', 'exec', clientNs, 'curl', '-sf', '-m', '2', '-H', `Host: ${SOLO_HOST}`, ingressUrl])).code === 0 ? true : undefined));
    const nginxPids = await pidsIn(netnsNames.pod(CLUSTER, controller.metadata.uid!), 'nginx');
    const backendPids = await pidsIn(netnsNames.pod(CLUSTER, solo.metadata.uid!), 'node');

    const wrk = async (url: string, seconds: string, headers: string[]) => {
      const r = await run(['/usr/bin/time', '-f', 'cpu %U %S', 'ip', 'netns', 'exec', clientNs, 'wrk', '-t1', `-c${values.connections}`, `-d${seconds}`, '--latency', ...headers, url]);
      if (r.code !== 0) throw new Error(`wrk ${url}: ${r.stderr}`);
      return parseWrkWithCpu(r.stdout, r.stderr);
    };
    const sides = [
      { name: `ingress → solo pod (${solo.spec.nodeName})`, url: ingressUrl, headers: ['-H', `Host: ${SOLO_HOST}`] },
      { name: 'solo pod by its IP', url: soloUrl, headers: [] as string[] },
    ];
    // Warm-up: V8 optimises the backend, NGINX opens its upstream connections.
    for (const s of sides) await wrk(s.url, '2s', s.headers);

    interface Result { side: number; round: number; wrk: Wrk; nginx: number; backend: number; machine: number; softirq: number }
    const results: Result[] = [];
    for (let round = 0; round < Number(values.rounds); round++) {
      // alternate which side goes first so drift in the machine's load hits both alike
      for (const side of round % 2 === 0 ? [0, 1] : [1, 0]) {
        const n = snapshot(nginxPids);
        const b = snapshot(backendPids);
        const m0 = machineJiffies();
        const w = await wrk(sides[side]!.url, values.duration!, sides[side]!.headers);
        const m1 = machineJiffies();
        // jiffies are 1/100 s (USER_HZ, proc(5))
        results.push({ side, round, wrk: w, nginx: since(n), backend: since(b), machine: (m1.busy - m0.busy) * 10, softirq: (m1.softirq - m0.softirq) * 10 });
      }
    }

    const us = (msTotal: number, requests: number) => ((msTotal * 1000) / requests).toFixed(1);
    process.stdout.write(`wrk -t1 -c${values.connections} -d${values.duration} --latency from ${controller.spec.nodeName}'s netns, ${values.rounds} rounds alternating; nginx ${nginxPids.length} processes (master + workers)\n`);
    process.stdout.write('CPU µs/request: wrk, nginx, backend from /proc/PID/stat; machine = every CPU busy (includes other load), softirq = its softirq part\n\n');
    process.stdout.write('| path | round | req/s | p99 ms | errors | wrk | nginx | backend | machine | softirq |\n|---|---|---|---|---|---|---|---|---|---|\n');
    for (const r of results) {
      const q = r.wrk.requests;
      process.stdout.write(`| ${sides[r.side]!.name} | ${r.round + 1} | ${r.wrk.rps.toFixed(0)} | ${r.wrk.p99ms.toFixed(2)} | ${r.wrk.errors} | ${us(r.wrk.cpuMs, q)} | ${us(r.nginx, q)} | ${us(r.backend, q)} | ${us(r.machine, q)} | ${us(r.softirq, q)} |\n`);
    }
    const of = (side: number) => results.filter((r) => r.side === side);
    const perRound = (f: (a: Result, b: Result) => number) => median([...Array(Number(values.rounds)).keys()].map((k) => f(of(0)[k]!, of(1)[k]!)));
    const sum = (side: number, k: 'nginx' | 'backend') => of(side).reduce((a, r) => a + r[k], 0) * 1000 / of(side).reduce((a, r) => a + r.wrk.requests, 0);
    const wrkSum = (side: number) => of(side).reduce((a, r) => a + r.wrk.cpuMs, 0) * 1000 / of(side).reduce((a, r) => a + r.wrk.requests, 0);
    process.stdout.write(`\nCPU µs/request, all rounds: through the ingress wrk ${wrkSum(0).toFixed(1)}, nginx ${sum(0, 'nginx').toFixed(1)}, backend ${sum(0, 'backend').toFixed(1)}; direct wrk ${wrkSum(1).toFixed(1)}, backend ${sum(1, 'backend').toFixed(1)}\n`);
    process.stdout.write(`ingress hop (issue 6, in the cluster): rps ${perRound((a, b) => a.wrk.rps / b.wrk.rps).toFixed(2)}x of the same pod by its IP (goal >= 0.7), p99 ${perRound((a, b) => a.wrk.p99ms / b.wrk.p99ms).toFixed(2)}x (medians of the rounds' ratios)\n`);
    process.stdout.write(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores\n`);
    if (values.keep) process.stdout.write(`\nkept: PODNET_CLUSTER=${CLUSTER} PODNET_STATE_DIR=${stateDir}; ingress ${ingressUrl} (Host: ${SOLO_HOST}), pod ${soloUrl}, client netns ${clientNs}\n`);
  } finally {
    if (!values.keep) {
      await pn(['down']);
      rmSync(stateDir, { recursive: true, force: true });
    }
  }
}

main().catch((err) => {
  process.stderr.write(`cluster-bench: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
