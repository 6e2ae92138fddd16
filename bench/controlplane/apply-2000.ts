// Control-plane benchmark through the real CLI and daemon (issue 2's numbers):
//   npx tsc -p tsconfig.json && node dist/bench/controlplane/apply-2000.js [--deployments 1000] [--rounds 1] [--running 100] [--bare] [--cpu-prof DIR]
// 1. `podnet apply -f` of N Deployments (replicas 1) + N Services whose pods
//    are unschedulable (nodeSelector podnet.dev/bench=none), so the control
//    plane is measured alone: every Service gets its (empty) EndpointSlice and
//    every Deployment its Pending pod without starting N processes.
// 2. the same shape with M Deployments whose pods really run: until every
//    slice has its Ready endpoint.
// Observes progress with watches over the API socket (HttpClient), not by
// polling lists, so the observer adds little load. Reports daemon RSS and the
// CPU time the daemon and the `podnet apply` process spent (on a shared box
// CPU time is the steadier number; wall time grows with the load).
// --cpu-prof DIR starts the daemon under `node --cpu-prof` (NODE_OPTIONS
// cannot carry it) before `podnet up`, which then finds it running; the
// profile is written to DIR when `podnet down` stops the daemon.
// --rounds R repeats step 1 R times on the same cluster (each into a fresh
// namespace, deleted before the next) and prints the median: the same build's
// runs differ by a third on this VM, so one run says little.
// --bare measures the control plane of issue 2 alone: `podnet up --bare`
// (API server, controllers, node agents; no cluster DNS, ingress controller,
// load balancer or external DNS watching the burst too).
// Bounded: every wait has a timeout; the cluster is torn down at the end.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EndpointSlice, KubeObject, Pod, WatchEvent } from '../../src/api/types.js';
import { clusterPaths } from '../../src/config.js';
import { HttpClient } from '../../src/client/http-client.js';
import { cmdline, cpuMs, machineMs, processTree, rssKb, schedNs } from '../proc-stat.js';
import { daemonArgv, daemonEnv } from '../../src/cli/commands/up-down.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/** BENCH_CLUSTER names the cluster, so that two checkouts can run the bench side by side */
const CLUSTER = process.env.BENCH_CLUSTER ?? 'bcp1';
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const WAIT_TIMEOUT_MS = 180_000;
/** issue 2's goal for apply start → every EndpointSlice */
const GOAL_MS = 2000;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const N = flag('--deployments', 1000);
const M = flag('--running', 100);
const BARE = process.argv.includes('--bare');
/** --rounds R: R applies one after the other (each into a fresh namespace, deleted after it), with their median */
const ROUNDS = flag('--rounds', 1);
const profIndex = process.argv.indexOf('--cpu-prof');
const PROF_DIR = profIndex >= 0 ? process.argv[profIndex + 1] : undefined;

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `podnet-${CLUSTER}-`));
process.env.PODNET_STATE_DIR = stateDir;
const paths = clusterPaths(CLUSTER);
const env = { ...process.env, PODNET_CLUSTER: CLUSTER, PODNET_STATE_DIR: stateDir };

interface Run { code: number; stdout: string; stderr: string; ms: number; cpuMs: number }

const TIME_BIN = '/usr/bin/time';
const TIME_MARK = 'podnet-bench-cpu';

/** Runs the CLI; under /usr/bin/time (when present) to learn its user+system CPU time. */
function podnet(args: string[]): Promise<Run> {
  const t0 = performance.now();
  const timed = fs.existsSync(TIME_BIN);
  const argv = timed ? [TIME_BIN, '-f', `${TIME_MARK} %U %S`, process.execPath, CLI, ...args] : [process.execPath, CLI, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      let cpuMs = NaN;
      const m = new RegExp(`${TIME_MARK} ([\\d.]+) ([\\d.]+)\\n?$`).exec(stderr);
      if (m) {
        cpuMs = (Number(m[1]) + Number(m[2])) * 1000;
        stderr = stderr.slice(0, m.index);
      }
      resolve({ code: code ?? 1, stdout, stderr, ms: performance.now() - t0, cpuMs });
    });
  });
}

function daemonPid(): number { return Number(fs.readFileSync(paths.daemonPid, 'utf8')); }

/** user+system CPU time of the daemon so far. */
function daemonCpuMs(): number {
  return cpuMs(daemonPid());
}

/**
 * CPU time so far of every process the daemon started, and theirs (node
 * agents with their pods, cluster DNS, the ingress controller and NGINX), by
 * pid: the cores they take are the cores the apply cannot have. Each counts
 * its short-lived children it has waited for too (cutime + cstime): a node
 * agent's `nft` and `conntrack` runs live a few ms and are never in a
 * snapshot, but their CPU is the agent's work.
 */
function clusterProcessesCpuMs(): Map<number, number> {
  const root = daemonPid();
  const cpu = new Map<number, number>();
  for (const [pid, stat] of processTree(root)) if (pid !== root) cpu.set(pid, stat.cpuMs + stat.childrenCpuMs);
  return cpu;
}

/** Which of the cluster's processes a pid is, by its command line. */
type ProcessGroup = 'agents' | 'dns' | 'ingress' | 'rest';
const PROCESS_GROUPS: [string, ProcessGroup][] = [
  ['/agent/main.js', 'agents'],
  ['/images/cluster-dns.js', 'dns'],
  ['/images/ingress-controller.js', 'ingress'],
];

function groupOf(pid: number): ProcessGroup {
  const command = cmdline(pid);
  return PROCESS_GROUPS.find(([mark]) => command.includes(mark))?.[1] ?? 'rest';
}

/** CPU spent between two snapshots by group (a process that exited meanwhile counts what it had at the first). */
function cpuSince(before: Map<number, number>, after: Map<number, number>): Record<ProcessGroup, number> {
  const sum: Record<ProcessGroup, number> = { agents: 0, dns: 0, ingress: 0, rest: 0 };
  for (const [pid, ms] of after) sum[groupOf(pid)] += ms - (before.get(pid) ?? 0);
  return sum;
}

/** Starts the daemon under the V8 profiler; `podnet up` then adopts it. */
async function startProfiledDaemon(dir: string): Promise<void> {
  fs.mkdirSync(paths.dir, { recursive: true });
  const log = fs.openSync(paths.daemonLog, 'a');
  const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`, ...daemonArgv(CLUSTER, 2, BARE)], { env: daemonEnv(env), detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  child.unref();
  const deadline = Date.now() + WAIT_TIMEOUT_MS;
  while (!fs.existsSync(paths.daemonPid)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('the profiled daemon did not start');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function must(args: string[]): Promise<Run> {
  const r = await podnet(args);
  if (r.code !== 0) throw new Error(`podnet ${args.join(' ')} failed (${r.code}): ${r.stderr.slice(0, 2000)}`);
  return r;
}

function rssMiB(): number {
  return rssKb(daemonPid()) / 1024;
}

function manifest(namespace: string, count: number, runnable: boolean): string {
  const docs = [`apiVersion: v1\nkind: Namespace\nmetadata: {name: ${namespace}}\n`];
  for (let i = 0; i < count; i++) {
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata: {name: app-${i}, namespace: ${namespace}}
spec:
  replicas: 1
  selector: {matchLabels: {app: app-${i}}}
  template:
    metadata: {labels: {app: app-${i}}}
    spec:
${runnable ? '' : '      nodeSelector: {podnet.dev/bench: none}\n'}      containers:
        - name: echo
          image: podnet/echo
          ports: [{name: http, containerPort: 8080}]
`);
    docs.push(`apiVersion: v1
kind: Service
metadata: {name: app-${i}, namespace: ${namespace}}
spec:
  selector: {app: app-${i}}
  ports: [{name: http, port: 80, targetPort: http}]
`);
  }
  return docs.join('---\n');
}

/**
 * Resolves with the time (ms after t0()) at which `target` distinct keys are
 * counted, where `keyOf` gives what an object counts for (undefined: nothing
 * yet). The count moves by O(1) per event: the observer shares the two cores
 * with what it measures, and recounting every object on every event cost it
 * ~2 million condition checks per apply.
 */
function watchUntil<T extends KubeObject>(client: HttpClient, plural: string, namespace: string, rv: string, keyOf: (obj: T) => string | undefined, target: number, t0: () => number): { at: Promise<number>; stop(): void } {
  const keyByName = new Map<string, string>();
  const refs = new Map<string, number>();
  const drop = (name: string) => {
    const key = keyByName.get(name);
    if (key === undefined) return;
    keyByName.delete(name);
    const n = refs.get(key)! - 1;
    if (n === 0) refs.delete(key); else refs.set(key, n);
  };
  let stop = () => {};
  const at = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out watching ${plural} (${refs.size} of ${target} counted)`)), WAIT_TIMEOUT_MS);
    const h = client.watch<T>(plural, namespace, { resourceVersion: rv }, (e: WatchEvent<T>) => {
      const name = e.object.metadata.name!;
      drop(name);
      const key = e.type === 'DELETED' ? undefined : keyOf(e.object);
      if (key !== undefined) {
        keyByName.set(name, key);
        refs.set(key, (refs.get(key) ?? 0) + 1);
      }
      if (refs.size >= target) { clearTimeout(timer); resolve(performance.now() - t0()); }
    });
    h.done.catch(reject);
    stop = () => { clearTimeout(timer); h.stop(); };
  });
  return { at, stop: () => stop() };
}

/** the Service a slice is for */
const slicedService = (s: EndpointSlice) => s.metadata.labels?.[SERVICE_NAME_LABEL];
/** the Service a slice is for, once it holds a Ready endpoint */
const readyService = (s: EndpointSlice) => (s.endpoints?.some((e) => e.conditions?.ready) ? slicedService(s) : undefined);
const createdPod = (p: Pod) => p.metadata.name;
const unschedulablePod = (p: Pod) => (p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False') ? p.metadata.name : undefined);

const rows: [string, string][] = [];
const row = (what: string, value: string) => { rows.push([what, value]); console.error(`${what}: ${value}`); };
const ms = (v: number) => `${v.toFixed(0)} ms`;
/** median and range, in ms */
function spread(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return `median ${ms(median)} (${sorted.map((v) => v.toFixed(0)).join(', ')}), ${sorted.filter((v) => v <= GOAL_MS).length} of ${sorted.length} ≤ ${GOAL_MS} ms (the goal)`;
}

/** Applies a manifest of `count` Deployments + Services into `namespace`; returns when `ready` holds for the slices. */
async function applyAndWatch(client: HttpClient, namespace: string, count: number, runnable: boolean): Promise<number> {
  const file = path.join(stateDir, `${namespace}.yaml`);
  fs.writeFileSync(file, manifest(namespace, count, runnable));
  // watches start before the apply, from the store's current resourceVersion
  const rv = (await client.list('namespaces')).metadata.resourceVersion!;
  let t0 = 0;
  const slices = watchUntil<EndpointSlice>(client, 'endpointslices', namespace, rv, runnable ? readyService : slicedService, count, () => t0);
  const pods = watchUntil<Pod>(client, 'pods', namespace, rv, runnable ? createdPod : unschedulablePod, count, () => t0);
  const sched0 = schedNs(daemonPid());
  const cpu0 = daemonCpuMs();
  const others0 = clusterProcessesCpuMs();
  const machine0 = machineMs().busy;
  t0 = performance.now();
  // CLOCK_MONOTONIC in µs, the clock of a --cpu-prof profile's timestamps: lets a profile be cut to the apply
  if (PROF_DIR) console.error(`[${namespace}] apply window starts at ${process.hrtime.bigint() / 1000n} µs`);
  const applied = await must(['apply', '-f', file]);
  const lines = applied.stdout.trim().split('\n').length;
  if (lines !== 2 * count + 1) throw new Error(`apply printed ${lines} lines, expected ${2 * count + 1}`);
  row(`[${namespace}] podnet apply -f (${count} Deployments + ${count} Services, CLI wall time)`, ms(applied.ms));
  row(`[${namespace}] podnet apply -f: CPU time of the CLI process`, ms(applied.cpuMs));
  const timedOut = (what: string) => (err: Error) => { row(`[${namespace}] TIMEOUT ${what}`, err.message); return NaN; };
  const [slicesMs, podsMs] = await Promise.all([slices.at.catch(timedOut('slices')), pods.at.catch(timedOut('pods'))]);
  row(`[${namespace}] daemon CPU time from apply start until slices and pods are done`, ms(daemonCpuMs() - cpu0));
  const sched1 = schedNs(daemonPid());
  row(`[${namespace}] the daemon's main thread meanwhile: on a CPU / runnable but waiting for one`, `${ms((sched1.onCpu - sched0.onCpu) / 1e6)} / ${ms((sched1.waiting - sched0.waiting) / 1e6)}`);
  const others = cpuSince(others0, clusterProcessesCpuMs());
  row(`[${namespace}] CPU time of the node agents meanwhile, their nft runs included (service proxies resync as Services arrive)`, ms(others.agents));
  row(`[${namespace}] CPU time of the cluster DNS meanwhile (it watches Services and EndpointSlices)`, ms(others.dns));
  row(`[${namespace}] CPU time of the ingress controller meanwhile`, ms(others.ingress));
  row(`[${namespace}] CPU time of the cluster's other processes meanwhile (NGINX, the LB agent, pods)`, ms(others.rest));
  row(`[${namespace}] busy CPU time of the whole machine meanwhile (every process and the kernel; 2 cores give 2 ms per ms)`, ms(machineMs().busy - machine0));
  if (PROF_DIR) console.error(`[${namespace}] apply window ends at ${process.hrtime.bigint() / 1000n} µs`);
  slices.stop();
  pods.stop();
  if (Number.isNaN(slicesMs) && runnable) {
    const notReady = (await client.list<Pod>('pods', namespace)).items.filter((p) => !p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    row(`[${namespace}] pods not Ready at the timeout`, notReady.map((p) => `${p.metadata.name} ${p.status?.phase} ${JSON.stringify(p.status?.containerStatuses?.[0]?.state ?? {})}`).join('; ') || 'none');
  }
  if (runnable) {
    row(`[${namespace}] apply start → all ${count} pods created`, ms(podsMs));
    row(`[${namespace}] apply start → every slice has its Ready endpoint (pods running)`, ms(slicesMs));
  } else {
    row(`[${namespace}] apply start → every Service has its EndpointSlice`, ms(slicesMs));
    row(`[${namespace}] apply start → all ${count} pods created and marked Unschedulable`, ms(podsMs));
  }
  return slicesMs;
}

async function deleteNamespace(client: HttpClient, namespace: string): Promise<void> {
  const t0 = performance.now();
  await must(['delete', 'namespace', namespace]);
  for (;;) {
    try { await client.get('namespaces', undefined, namespace); } catch { break; }
    if (performance.now() - t0 > WAIT_TIMEOUT_MS) throw new Error(`namespace ${namespace} not gone`);
    await new Promise((r) => setTimeout(r, 100));
  }
  row(`[${namespace}] delete namespace → gone (cascade)`, ms(performance.now() - t0));
}

let client: HttpClient | undefined;
try {
  if (PROF_DIR) await startProfiledDaemon(PROF_DIR);
  const up = await must(['up', ...(BARE ? ['--bare'] : [])]);
  row(BARE ? 'podnet up --bare (2 nodes: API server, controllers, node agents)' : 'podnet up (2 nodes, DNS, ingress controller, LB)', ms(up.ms));
  client = new HttpClient({ socketPath: paths.socket, timeoutMs: 120_000 });
  row('daemon RSS after up', `${rssMiB().toFixed(0)} MiB`);

  const slicesMs: number[] = [];
  for (let round = 1; N > 0 && round <= ROUNDS; round++) {
    const namespace = ROUNDS > 1 ? `bench-${round}` : 'bench';
    slicesMs.push(await applyAndWatch(client, namespace, N, false));
    row(`daemon RSS with ${N} Deployments + ${N} Services + ${N} Pending pods`, `${rssMiB().toFixed(0)} MiB`);
    await deleteNamespace(client, namespace);
  }
  if (slicesMs.length > 1) row(`apply start → every Service has its EndpointSlice, ${slicesMs.length} rounds`, spread(slicesMs));

  if (M > 0) {
    await applyAndWatch(client, 'bench-run', M, true);
    row(`daemon RSS with ${M} running pods`, `${rssMiB().toFixed(0)} MiB`);
  }
} finally {
  client?.close();
  const down = await podnet(['down']);
  if (down.code !== 0) console.error(`podnet down failed: ${down.stderr}`);
  fs.rmSync(stateDir, { recursive: true, force: true });
}

const width = Math.max(...rows.map((r) => r[0].length));
console.log(`\n${'measurement'.padEnd(width)} | result`);
console.log(`${'-'.repeat(width)}-|-${'-'.repeat(24)}`);
for (const [k, v] of rows) console.log(`${k.padEnd(width)} | ${v}`);
console.log(`\n(${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at the end)`);
