// Pod start latency, created -> Ready, for pods with no probes, as a watcher
// of the API sees it. The Ready condition's lastTransitionTime has 1 s
// resolution, so instead the benchmark watches the pods (the project's
// HttpClient watch, from the resourceVersion of a list taken before the
// create) and stamps the wall clock of each pod's ADDED event and of its first
// MODIFIED event with Ready=True; also the intermediate steps: bound to a
// node, podIP set, phase Running.
//
// Three scenarios on a 2-node cluster, all with the same image (default
// registry.k8s.io/pause, as Kubernetes' own pod-startup SLO measurement,
// clusterloader2, uses; `--image podnet/echo` for a Node.js server per pod):
//   burst:      one Deployment of N replicas (default 100) at once
//               (issue 3's goal: p50 <= 200 ms, p99 <= 1 s)
//   steady:     N single pods created at a fixed rate (default 10 pods/s,
//               `--rate`), not waiting for each other
//   sequential: M single pods (default 20), each created after the previous
//               one is Ready: the latency of one pod on an idle cluster
//
//   node dist/bench/podnetwork/pod-start.js [N=100] [M=20] [--rate 10] [--image IMAGE]   (needs root)

import { parseArgs } from 'node:util';
import type { Deployment, Node, Pod, WatchEvent } from '../../src/api/types.js';
import type { HttpClient } from '../../src/client/http-client.js';
import { benchCluster, load, mustSucceed, percentile, table, withCluster } from './cluster.js';

const { values: opts, positionals } = parseArgs({ allowPositionals: true, options: { rate: { type: 'string' }, image: { type: 'string' } } });
const N = Number(positionals[0] ?? 100);
const M = Number(positionals[1] ?? 20);
const RATE = Number(opts.rate ?? 10);
const IMAGE = opts.image ?? 'registry.k8s.io/pause:3.10';
const NAMESPACE = 'default';
const BURST_TIMEOUT_MS = 300_000;
const ONE_TIMEOUT_MS = 30_000;
const API_PROBE_MS = 250;

interface Timeline { added: number; bound?: number; ip?: number; running?: number; ready?: number; node?: string }

const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Watches pods with `selector` and fills one timeline per pod; resolves when `expected` pods are Ready. */
async function watchStarts(client: HttpClient, selector: string, expected: number, timeoutMs: number, create: () => Promise<void>): Promise<Map<string, Timeline>> {
  const lines = new Map<string, Timeline>();
  const rv = (await client.list('pods', NAMESPACE, { labelSelector: selector })).metadata?.resourceVersion;
  let readyCount = 0;
  let resolveAll!: () => void;
  const allReady = new Promise<void>((r) => { resolveAll = r; });
  const handle = client.watch<Pod>('pods', NAMESPACE, { labelSelector: selector, ...(rv ? { resourceVersion: rv } : {}) }, (ev: WatchEvent<Pod>) => {
    const now = performance.now();
    const pod = ev.object;
    const uid = pod.metadata.uid!;
    let t = lines.get(uid);
    if (ev.type === 'ADDED' && !t) { t = { added: now }; lines.set(uid, t); }
    if (!t || ev.type === 'DELETED') return;
    if (t.bound === undefined && pod.spec.nodeName) { t.bound = now; t.node = pod.spec.nodeName; }
    if (t.ip === undefined && pod.status?.podIP) t.ip = now;
    if (t.running === undefined && pod.status?.phase === 'Running') t.running = now;
    if (t.ready === undefined && ev.type === 'MODIFIED' && isReady(pod)) {
      t.ready = now;
      if (++readyCount === expected) resolveAll();
    }
  });
  try {
    await create();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`only ${readyCount}/${expected} pods Ready after ${timeoutMs} ms`)), timeoutMs); });
    await Promise.race([allReady, timeout, handle.done.then(() => { throw new Error('the watch ended'); })]).finally(() => clearTimeout(timer));
  } finally {
    handle.stop();
  }
  return lines;
}

/**
 * While a burst runs: how long a plain GET of a Node takes from outside the
 * agents (is the API server slow?), and every node Ready transition to
 * not-True (did an agent's heartbeat fall behind the 10 s grace period?).
 */
function observeControlPlane(client: HttpClient): { stop(): { getP50: number; getMax: number; notReady: string[] } } {
  const latencies: number[] = [];
  const notReady: string[] = [];
  const t0 = performance.now();
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const s = performance.now();
      try { await client.get('nodes', undefined, 'node-1'); } catch { /* counted as its latency */ }
      latencies.push(performance.now() - s);
      await new Promise((r) => setTimeout(r, API_PROBE_MS));
    }
  })();
  const last = new Map<string, string>();
  const watch = client.watch<Node>('nodes', undefined, {}, (ev) => {
    const status = ev.object.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? '?';
    const name = ev.object.metadata.name!;
    if (status !== 'True' && last.get(name) !== status) notReady.push(`${name} ${status} at +${((performance.now() - t0) / 1000).toFixed(1)} s`);
    last.set(name, status);
  });
  return {
    stop() {
      stopped = true;
      watch.stop();
      return { getP50: percentile(latencies, 50), getMax: Math.max(...latencies), notReady };
    },
  };
}

function deployment(replicas: number): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'start', namespace: NAMESPACE },
    spec: {
      replicas, selector: { matchLabels: { app: 'start' } },
      template: { metadata: { labels: { app: 'start' } }, spec: { containers: [{ name: 'c', image: IMAGE }] } },
    },
  } as Deployment;
}

function pod(name: string, label = 'one'): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NAMESPACE, labels: { bench: label } }, spec: { containers: [{ name: 'c', image: IMAGE }] } };
}

async function waitGone(client: HttpClient, selector: string): Promise<void> {
  for (const until = Date.now() + 120_000; (await client.list('pods', NAMESPACE, { labelSelector: selector })).items.length > 0;) {
    if (Date.now() > until) throw new Error(`the pods ${selector} did not go away`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function summarize(label: string, lines: Timeline[]): (string | number)[][] {
  const step = (name: string, end: (t: Timeline) => number | undefined) => {
    const ms = lines.map((t) => { const e = end(t); return e === undefined ? undefined : e - t.added; }).filter((x): x is number => x !== undefined);
    return [`${label}: ADDED -> ${name}`, ms.length, percentile(ms, 50).toFixed(0), percentile(ms, 90).toFixed(0), percentile(ms, 99).toFixed(0), Math.max(...ms).toFixed(0)];
  };
  return [
    step('bound', (t) => t.bound),
    step('podIP', (t) => t.ip),
    step('Running', (t) => t.running),
    step('Ready', (t) => t.ready),
  ];
}

async function main(): Promise<void> {
  const cluster = benchCluster('bpn2');
  await withCluster(cluster, async () => {
    mustSucceed(await cluster.pn(['up', '--nodes', '2']), 'podnet up');
    const client = cluster.client();
    process.stdout.write(`pod start latency, 2 nodes, ${IMAGE} without probes (load average before: ${load()})\n\n`);

    const observer = observeControlPlane(client);
    const burstStart = performance.now();
    const burst = [...(await watchStarts(client, 'app=start', N, BURST_TIMEOUT_MS, async () => { await client.create(deployment(N)); })).values()];
    const makespan = Math.max(...burst.map((t) => t.ready!)) - burstStart;
    const perNode = new Map<string, number>();
    for (const t of burst) perNode.set(t.node ?? '?', (perNode.get(t.node ?? '?') ?? 0) + 1);
    const loadAfterBurst = load();
    const control = observer.stop();

    // Scale to 0 and wait for every pod to be gone before the next run.
    await client.patch('deployments', NAMESPACE, 'start', { spec: { replicas: 0 } });
    await waitGone(client, 'app=start');

    // N pods at a steady rate: pod i is created at i/RATE s, whether or not earlier ones are Ready.
    const loadBeforeSteady = load();
    const steady = [...(await watchStarts(client, 'bench=rate', N, BURST_TIMEOUT_MS, async () => {
      const t0 = performance.now();
      const creates: Promise<unknown>[] = [];
      for (let i = 0; i < N; i++) {
        const due = t0 + (i * 1000) / RATE;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        creates.push(client.create(pod(`rate-${i}`, 'rate')));
      }
      await Promise.all(creates);
    })).values()];
    const loadAfterSteady = load();
    for (let i = 0; i < N; i++) await client.delete('pods', NAMESPACE, `rate-${i}`);
    await waitGone(client, 'bench=rate');

    const sequential: Timeline[] = [];
    for (let i = 0; i < M; i++) {
      const lines = await watchStarts(client, 'bench=one', 1, ONE_TIMEOUT_MS, async () => { await client.create(pod(`one-${i}`)); });
      sequential.push(...[...lines.values()].filter((t) => t.ready !== undefined));
      await client.delete('pods', NAMESPACE, `one-${i}`);
    }

    process.stdout.write(`${table(['step (ms from the ADDED event)', 'pods', 'p50', 'p90', 'p99', 'max'], [...summarize(`burst of ${N}`, burst), ...summarize(`${N} at ${RATE}/s`, steady), ...summarize(`${M} one at a time`, sequential)])}\n\n`);
    process.stdout.write(`burst: all ${N} Ready ${(makespan / 1000).toFixed(2)} s after the create (${(N / (makespan / 1000)).toFixed(1)} pods/s); per node: ${[...perNode].map(([n, c]) => `${n} ${c}`).join(', ')}; load average after the burst: ${loadAfterBurst}\n`);
    process.stdout.write(`during the burst: GET node from outside p50 ${control.getP50.toFixed(0)} ms, max ${control.getMax.toFixed(0)} ms; node Ready transitions to not-True: ${control.notReady.length ? control.notReady.join(', ') : 'none'}\n`);
    process.stdout.write(`steady: load average before ${loadBeforeSteady}, after ${loadAfterSteady}\n`);
    for (const [label, lines] of [[`burst of ${N}`, burst], [`${N} at ${RATE}/s`, steady]] as const) {
      const ready = lines.map((t) => t.ready! - t.added);
      process.stdout.write(`goal (${label}): p50 <= 200 ms: ${percentile(ready, 50) <= 200 ? 'met' : 'NOT met'}; p99 <= 1000 ms: ${percentile(ready, 99) <= 1000 ? 'met' : 'NOT met'}; Kubernetes SLO p99 <= 5 s: ${percentile(ready, 99) <= 5000 ? 'met' : 'NOT met'}\n`);
    }
    process.stdout.write(`load average after: ${load()}\n`);
  });
}

main().catch((err) => { process.stderr.write(`${(err as Error).stack ?? err}\n`); process.exit(1); });
