// The control plane of issue 2's apply in one process, without the network:
//   npx tsc -p tsconfig.json && node [--cpu-prof] dist/bench/controlplane/in-process.js [--deployments 1000] [--watchers 7] [--http]
// An API server (real socket, real SQLite file, group commit), the daemon's
// controllers on a LocalClient, two Ready nodes, and N Deployments + N
// Services created like `podnet apply` does (over HTTP with --http, else
// through a LocalClient). `--watchers W` HTTP watchers of pods, services and
// endpointslices stand in for the node agents, DNS and ingress controller.
// Prints the process's CPU time and the time until every Service has its
// slice and every pod is marked Unschedulable. Everything runs on one thread,
// so a --cpu-prof profile of it shows where the daemon's time goes without
// the other processes of a cluster in the samples.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Deployment, EndpointSlice, KubeObject, Node, Pod, Service } from '../../src/api/types.js';
import { ApiServer } from '../../src/apiserver/server.js';
import type { Client } from '../../src/client/client.js';
import { HttpClient } from '../../src/client/http-client.js';
import { DeploymentController } from '../../src/controllers/deployment.js';
import { EndpointSliceController, SERVICE_NAME_LABEL } from '../../src/controllers/endpointslice.js';
import { ApiEventRecorder } from '../../src/controllers/events.js';
import { GarbageCollector } from '../../src/controllers/garbage-collector.js';
import { NamespaceController } from '../../src/controllers/namespace.js';
import { InformerFactory } from '../../src/controllers/informer-factory.js';
import { Scheduler } from '../../src/controllers/scheduler.js';
import { mapConcurrent } from '../../src/cli/commands/apply.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const N = flag('--deployments', 1000);
const WATCHERS = flag('--watchers', 7);
const OVER_HTTP = process.argv.includes('--http');
const CONCURRENCY = flag('--concurrency', 16);
const NAMESPACE = 'bench';
const WAIT_TIMEOUT_MS = 120_000;

function objects(): KubeObject[] {
  const out: KubeObject[] = [];
  for (let i = 0; i < N; i++) {
    const labels = { app: `app-${i}` };
    out.push({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `app-${i}`, namespace: NAMESPACE },
      spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { nodeSelector: { 'podnet.dev/bench': 'none' }, containers: [{ name: 'echo', image: 'podnet/echo', ports: [{ name: 'http', containerPort: 8080 }] }] } } },
    } as Deployment);
    out.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `app-${i}`, namespace: NAMESPACE }, spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } } as Service);
  }
  return out;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podnet-inproc-'));
const api = new ApiServer({ databasePath: path.join(dir, 'store.db'), socketPath: path.join(dir, 'api.sock') });
await api.start();
const local = api.localClient();
const informers = new InformerFactory(local);
// as the daemon does: Events wait for a quiet store (src/controllers/events.ts)
const store = api.store;
const recorderOptions = { activity: () => store.latestRv };
const events = new ApiEventRecorder(local, 'podnet-controller-manager', recorderOptions);
const schedulerEvents = new ApiEventRecorder(local, 'default-scheduler', recorderOptions);
const controllers = [
  new DeploymentController(informers, local, events),
  new EndpointSliceController(informers, local),
  new Scheduler(informers, local, schedulerEvents),
  new NamespaceController(informers, local),
  new GarbageCollector(informers, local),
];
informers.start();
await informers.waitForSync();
for (const c of controllers) c.run();
for (const name of ['node-1', 'node-2']) {
  const node = await local.create<Node>({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: {} });
  await local.update<Node>({ ...node, status: { conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
}
await local.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });

// lean: the CLI's client (watches stay on node:http)
const http = new HttpClient({ socketPath: path.join(dir, 'api.sock'), timeoutMs: WAIT_TIMEOUT_MS, lean: true });
const watchers = [];
for (let i = 0; i < WATCHERS; i++) {
  for (const plural of ['pods', 'services', 'endpointslices']) watchers.push(http.watch(plural, undefined, {}, () => {}));
}

const slices = new Set<string>();
const unschedulable = new Set<string>();
let resolveDone!: () => void;
const done = new Promise<void>((r) => { resolveDone = r; });
const check = () => { if (slices.size >= N && unschedulable.size >= N) resolveDone(); };
const sliceWatch = local.watch<EndpointSlice>('endpointslices', NAMESPACE, {}, (e) => { const s = e.object.metadata.labels?.[SERVICE_NAME_LABEL]; if (s && e.type !== 'DELETED') slices.add(s); check(); });
const podWatch = local.watch<Pod>('pods', NAMESPACE, {}, (e) => {
  if (e.object.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False')) unschedulable.add(e.object.metadata.name!);
  check();
});

const client: Client = OVER_HTTP ? http : local;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const results = await mapConcurrent(objects(), CONCURRENCY, (o) => client.create(o));
const failed = results.filter((r) => r.status === 'rejected');
if (failed.length > 0) throw new Error(`${failed.length} creates failed: ${(failed[0] as PromiseRejectedResult).reason}`);
const tApplied = performance.now() - t0;
let timer: NodeJS.Timeout | undefined;
await Promise.race([done, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out: ${slices.size} slices, ${unschedulable.size} unschedulable pods`)), WAIT_TIMEOUT_MS); })]);
clearTimeout(timer); // else the process lingers until the timeout (and a --cpu-prof profile with it)
const tDone = performance.now() - t0;
const eventsAtDone = api.store.count('events');
const cpu = process.cpuUsage(cpu0);
console.log(`${N} Deployments + ${N} Services ${OVER_HTTP ? 'over HTTP' : 'in-process'}, ${WATCHERS}×3 HTTP watchers:`);
console.log(`  creates acknowledged ${tApplied.toFixed(0)} ms; every slice and Unschedulable pod ${tDone.toFixed(0)} ms`);
console.log(`  CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms (user ${(cpu.user / 1000).toFixed(0)}, system ${(cpu.system / 1000).toFixed(0)}); store at rv ${api.store.currentRv}; ${eventsAtDone} Events written by then`);
console.log(`  (${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})`);

sliceWatch.stop();
podWatch.stop();
for (const w of watchers) w.stop();
http.close();
for (const c of controllers) c.stop();
informers.stop();
const cpuEvents0 = process.cpuUsage();
await Promise.all([events.close(), schedulerEvents.close()]);
await new Promise((r) => setImmediate(r)); // their group commit
const cpuEvents = process.cpuUsage(cpuEvents0);
console.log(`  then ${store.count('events')} Events written, the waiting ones in ${((cpuEvents.user + cpuEvents.system) / 1000).toFixed(0)} ms of CPU`);
await api.stop();
fs.rmSync(dir, { recursive: true, force: true });
