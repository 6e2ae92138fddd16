// CPU per watch event of a watching process (the cluster DNS, the ingress
// controller, the LB agent and the node agents all pay it during a burst of
// API changes such as bench:controlplane's 2,000-object apply):
//   npx tsc -p tsconfig.json && node dist/bench/client/watch-cost.js [--services 1000] [--watchers 2] [--replay K] [--cpu-prof DIR]
// Runs the API server alone in its own process (dist/src/apiserver/main.js),
// starts W watcher processes, each with Informers for Services and
// EndpointSlices over HttpClient (what a node agent or the cluster DNS has),
// then creates N Services and N EndpointSlices with 16 requests in flight
// (the shape of `podnet apply`'s burst, so the watchers get the live stream
// in the chunks a burst makes, not one replay). Each watcher reports the CPU
// (user + system, process.cpuUsage) it spent from the first event after its
// informers' sync until it had seen all 2·N objects: CPU per event is the
// number to compare.
// --replay K: no API server; a stub serves an empty list and a watch stream
// that writes K events per write every millisecond, so the watchers' CPU per
// event can be compared at a fixed chunking without the API server's and
// the writer's share of a loaded box.
// Bounded: every wait has a timeout; the temp dir and processes are removed.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EndpointSlice, KubeObject, Service } from '../../src/api/types.js';
import { HttpClient } from '../../src/client/http-client.js';
import { Informer } from '../../src/client/informer.js';
import { procStat } from '../proc-stat.js';
import { startApiServer } from '../apiserver/standalone.js';

const SELF = fileURLToPath(import.meta.url);
const WRITE_CONCURRENCY = 16;
const WAIT_TIMEOUT_MS = 120_000;
const NAMESPACE = 'default';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const service = (i: number): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: `app-${i}`, namespace: NAMESPACE, labels: { app: `app-${i}` } },
  spec: { selector: { app: `app-${i}` }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
});
const slice = (i: number): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
  metadata: { name: `app-${i}-x7k2p`, namespace: NAMESPACE, labels: { 'kubernetes.io/service-name': `app-${i}`, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
  addressType: 'IPv4', endpoints: [], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
} as EndpointSlice);

/** The watcher process: informers like a node agent's; prints its CPU for the burst as one JSON line. */
async function watcher(socketPath: string, expect: number): Promise<void> {
  const client = new HttpClient({ socketPath });
  const byName = { namespace: (o: KubeObject) => [o.metadata.namespace ?? ''] };
  const services = new Informer<Service>(client, 'services', { indexers: byName });
  const slices = new Informer<EndpointSlice>(client, 'endpointslices', { indexers: byName });
  let seen = 0;
  let cpu0: NodeJS.CpuUsage | undefined;
  let threads0 = new Map<string, { comm: string; ms: number }>();
  let t0 = 0;
  const done = new Promise<void>((resolve) => {
    const count = () => { if (++seen === expect) resolve(); };
    services.onAdd(count);
    slices.onAdd(count);
  });
  services.start();
  slices.start();
  await Promise.all([services.synced, slices.synced]);
  process.stdout.write('synced\n');
  // the first event starts the clock: the process idles until the burst
  await new Promise<void>((resolve) => {
    const first = () => { if (!cpu0) { cpu0 = process.cpuUsage(); threads0 = threadCpu(); t0 = performance.now(); resolve(); } };
    services.onAdd(first);
    slices.onAdd(first);
  });
  await done;
  const cpu = process.cpuUsage(cpu0);
  const threads1 = threadCpu();
  const byThread = [...threads1].map(([tid, t]) => `${t.comm}:${(t.ms - (threads0.get(tid)?.ms ?? 0)).toFixed(0)}`).filter((x) => !x.endsWith(':0')).join(' ');
  process.stdout.write(`${JSON.stringify({ byThread, userMs: cpu.user / 1000, systemMs: cpu.system / 1000, wallMs: performance.now() - t0, events: seen })}\n`);
  services.stop();
  slices.stop();
  client.close();
  process.exit(0);
}

/** The objects of the bench's apply as the API server serializes them (~880 and ~620 bytes). */
function servedService(i: number, rv: number): Service {
  const svc = service(i);
  svc.metadata = {
    ...svc.metadata,
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: `app-${i}`, namespace: NAMESPACE }, spec: svc.spec }) },
    creationTimestamp: '2026-11-27T13:20:26Z', generation: 1, resourceVersion: String(rv), uid: `fc47f6c1-ed10-4f7d-b22b-${String(i).padStart(12, '0')}`,
  };
  svc.spec = { clusterIP: `10.96.${i >> 8}.${i & 255}`, clusterIPs: [`10.96.${i >> 8}.${i & 255}`], internalTrafficPolicy: 'Cluster', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', ...svc.spec, sessionAffinity: 'None', type: 'ClusterIP' } as Service['spec'];
  (svc as Service & { status: unknown }).status = { loadBalancer: {} };
  return svc;
}
function servedSlice(i: number, rv: number): EndpointSlice {
  const s = slice(i);
  s.metadata = { ...s.metadata, creationTimestamp: '2026-11-27T13:20:26Z', generation: 1, resourceVersion: String(rv), uid: `68f7a0dc-492f-4228-834d-${String(i).padStart(12, '0')}`,
    ownerReferences: [{ apiVersion: 'v1', blockOwnerDeletion: true, controller: true, kind: 'Service', name: `app-${i}`, uid: `fc47f6c1-ed10-4f7d-b22b-${String(i).padStart(12, '0')}` }] };
  return s;
}

/** A stub API server: empty lists at rv 1; each watch gets n Services (or slices), k per write, one write per ms. */
function stubServer(socketPath: string, n: number, k: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const kind = url.pathname.endsWith('/services') ? 'Service' : 'EndpointSlice';
    if (url.searchParams.get('watch') !== 'true') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: `${kind}List`, apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] }));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    let i = 0;
    const tick = () => {
      const lines: string[] = [];
      for (let j = 0; j < k && i < n; j++, i++) {
        const obj = kind === 'Service' ? servedService(i, 2 + 2 * i) : servedSlice(i, 3 + 2 * i);
        lines.push(`{"type":"ADDED","object":${JSON.stringify(obj)}}\n`);
      }
      res.write(lines.join(''));
      if (i < n) setTimeout(tick, 1);
    };
    // the watchers report "synced" first: start the stream a moment after
    setTimeout(tick, 200);
    req.on('close', () => { i = n; });
  });
  return new Promise((resolve) => server.listen(socketPath, () => resolve(server)));
}

/** CPU ms of each thread of this process so far (proc(5): /proc/self/task/TID/stat). */
function threadCpu(): Map<string, { comm: string; ms: number }> {
  const out = new Map<string, { comm: string; ms: number }>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    const st = procStat(Number(tid), `/proc/self/task/${tid}/stat`);
    if (st) out.set(tid, { comm: st.comm, ms: st.cpuMs });
  }
  return out;
}

interface WatcherResult { byThread: string; userMs: number; systemMs: number; wallMs: number; events: number }

function lines(child: ChildProcess, onLine: (line: string) => void): void {
  let buf = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) { onLine(buf.slice(0, nl)); buf = buf.slice(nl + 1); }
  });
}

/** Creates n Services and n slices, a Service then its slice, as the apply and the EndpointSlice controller interleave them. */
async function writeAll(socketPath: string, n: number): Promise<void> {
  const client = new HttpClient({ socketPath, lean: true });
  let next = 0;
  const worker = async () => {
    while (next < 2 * n) {
      const i = next++;
      await client.create(i % 2 === 0 ? service(i >> 1) : slice(i >> 1));
    }
  };
  await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, worker));
  client.close();
}

/**
 * Starts a watcher process. WATCHER_NODE_OPTIONS adds node flags (e.g.
 * --single-threaded, --trace-gc), WATCHER_PREFIX a wrapper (e.g. `perf record -o FILE --`).
 */
function startWatcher(socketPath: string, expect: number, profDir: string | undefined): ChildProcess {
  const flags = [...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), ...(process.env.WATCHER_NODE_OPTIONS?.split(' ').filter(Boolean) ?? [])];
  const argv = [process.execPath, ...flags, SELF, '--watcher', socketPath, '--expect', String(expect)];
  const wrap = process.env.WATCHER_PREFIX?.split(' ').filter(Boolean) ?? [];
  const all = [...wrap, ...argv];
  return spawn(all[0]!, all.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
}

async function main(): Promise<void> {
  const n = Number(flag('--services') ?? 1000);
  const w = Number(flag('--watchers') ?? 2);
  const profDir = flag('--cpu-prof');
  const replay = flag('--replay');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podnet-watch-cost-'));
  const socketPath = path.join(dir, 'api.sock');
  const children: ChildProcess[] = [];
  const watcherChildren: ChildProcess[] = [];
  let stub: http.Server | undefined;
  try {
    if (replay) stub = await stubServer(socketPath, n, Number(replay));
    else children.push(await startApiServer(dir, socketPath));
    const results: Promise<WatcherResult>[] = [];
    const synced: Promise<void>[] = [];
    for (let i = 0; i < w; i++) {
      const child = startWatcher(socketPath, 2 * n, profDir);
      children.push(child);
      watcherChildren.push(child);
      let onSynced!: () => void;
      synced.push(new Promise((r) => { onSynced = r; }));
      results.push(new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('watcher timed out')), WAIT_TIMEOUT_MS);
        lines(child, (l) => {
          if (l === 'synced') onSynced();
          else if (l.startsWith('{')) { clearTimeout(timer); resolve(JSON.parse(l) as WatcherResult); }
          else console.error(`watcher ${i + 1}: ${l}`); // e.g. --trace-gc
        });
        child.once('exit', (c) => { if (c !== 0) reject(new Error(`watcher exited (${c})`)); });
      }));
    }
    await Promise.all(synced);
    const t0 = performance.now();
    if (!replay) await writeAll(socketPath, n);
    const writesMs = performance.now() - t0;
    const rs = await Promise.all(results);
    // the watchers exit by themselves (a --cpu-prof profile is written at exit)
    await Promise.all(watcherChildren.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    console.log(`${2 * n} watch events (${n} Services + ${n} EndpointSlices) ${replay ? `replayed by a stub, ${replay} per write` : `written in ${writesMs.toFixed(0)} ms`}; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    for (const [i, r] of rs.entries()) {
      const cpu = r.userMs + r.systemMs;
      console.log(`watcher ${i + 1}: CPU ${cpu.toFixed(0)} ms (user ${r.userMs.toFixed(0)}, system ${r.systemMs.toFixed(0)}) = ${(cpu * 1000 / r.events).toFixed(1)} µs/event, wall ${r.wallMs.toFixed(0)} ms; by thread ${r.byThread}`);
    }
  } finally {
    stub?.closeAllConnections();
    stub?.close();
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--watcher')) await watcher(process.argv[process.argv.indexOf('--watcher') + 1]!, Number(flag('--expect')));
else await main();
