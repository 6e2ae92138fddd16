// What watching costs (docs/observe.md): a new connection's handshake from a
// client pod to a Service whose pod is on the other node (curl's
// time_connect, 300 sequential connections per round), with nobody
// observing, with a bare `conntrack -E` listener in every node and the
// router (the kernel's event cost and the least a conntrack-based observer
// can read: the floor), and with `podnet observe -o json` (its DNS captures
// and the refusal logs' tail too; the agents' refusal recorders and
// conntrack's start timestamps are on in all three); rounds rotate the
// order so load drifts evenly. For the observers: their CPU per connection
// (/proc, the whole process tree), and for podnet observe whether every
// connection was shown and how long after the kernel's event its line came.
// Hubble (the peer) needs Cilium's eBPF datapath and cannot run here; the
// bare listener is the comparison in the same run.
//
//   node dist/bench/observe/observe-bench.js [ROUNDS=5]      (needs root; npm run bench:observe)

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Pod, Service } from '../../src/api/types.js';
import { HttpClient } from '../../src/client/http-client.js';
import { netnsNames } from '../../src/config.js';
import type { Flow } from '../../src/observe/flows.js';
import { CONNTRACK_EVENTS_ARGV } from '../../src/cli/commands/observe.js';
import { CLI } from '../../test/support/cli.js';
import { echoApp } from '../../test/support/manifests.js';
import { benchCluster, load, median, mustSucceed, percentile, table, withCluster } from '../podnetwork/cluster.js';
import { treeCpuMs } from '../proc-stat.js';
import { roundOrder } from '../ingress/paired-rounds.js';

const ROUNDS = Number(process.argv[2] ?? 5);
const CONNECTS = 300;

/** the client pod, on the node the server is not on */
const client = (node: string) => `
apiVersion: v1
kind: Pod
metadata: {name: client, labels: {role: client}}
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 0
  containers: [{name: c, image: none, command: [sleep, infinity]}]
`;

interface Observer { stop(): Promise<void>; cpuMs(): number; flows: { flow: Flow; arrivedMs: number }[] }

const treeCpu = (pids: number[]) => pids.reduce((sum, pid) => sum + treeCpuMs(pid), 0);

async function main(): Promise<void> {
  const cluster = benchCluster('bnobs');
  await withCluster(cluster, async () => {
    mustSucceed(await cluster.pn(['up', '--nodes', '2']), 'podnet up');
    mustSucceed(await cluster.pn(['apply', '-f', '-'], { input: echoApp({ name: 'web' }) }), 'podnet apply');
    mustSucceed(await cluster.pn(['wait', '--for=condition=Ready', 'pods', '--all', '--timeout=60s']), 'podnet wait');
    const api = new HttpClient({ socketPath: path.join(cluster.dir, 'api.sock') });
    const web = (await api.list<Pod>('pods', 'default')).items.find((p) => p.metadata.labels?.app === 'web')!;
    mustSucceed(await cluster.pn(['apply', '-f', '-'], { input: client(web.spec.nodeName === 'node-1' ? 'node-2' : 'node-1') }), 'podnet apply');
    mustSucceed(await cluster.pn(['wait', '--for=condition=Ready', 'pod/client', '--timeout=60s']), 'podnet wait');
    const clientPod = (await api.get<Pod>('pods', 'default', 'client'));
    const service = (await api.get<Service>('services', 'default', 'web'));
    api.close();
    const clientNs = netnsNames.pod(cluster.name, clientPod.metadata.uid!);
    const url = `http://${service.spec.clusterIP}/`;
    const watched = [netnsNames.router(cluster.name), netnsNames.node(cluster.name, 'node-1'), netnsNames.node(cluster.name, 'node-2')];

    // asynchronous: the bench's own loop must stay free to take podnet observe's lines as they come
    const connects = () => new Promise<number[]>((resolve, reject) => {
      const script = `for i in $(seq ${CONNECTS}); do curl -s -o /dev/null -w '%{time_connect}\\n' ${url}; done`;
      const child = spawn('ip', ['netns', 'exec', clientNs, 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
      child.once('exit', (code) => (code === 0 ? resolve(out.trim().split('\n').map((l) => Number(l) * 1e6)) : reject(new Error(`curl: ${err}`))));
    });
    const stopAll = (children: ChildProcess[]) => Promise.all(children.map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) { resolve(); return; }
      c.once('exit', () => resolve());
      c.kill('SIGINT');
    }))).then(() => undefined);

    const bareListeners = async (): Promise<Observer> => {
      // the argv podnet observe runs, its lines read and thrown away
      const children = watched.map((ns) => spawn('ip', ['netns', 'exec', ns, ...CONNTRACK_EVENTS_ARGV], { stdio: ['ignore', 'pipe', 'ignore'] }));
      for (const c of children) c.stdout!.resume();
      await new Promise((r) => setTimeout(r, 300));
      const pids = children.map((c) => c.pid!);
      const cpu0 = treeCpu(pids);
      return { flows: [], stop: () => stopAll(children), cpuMs: () => treeCpu(pids) - cpu0 };
    };
    const podnetObserve = async (): Promise<Observer> => {
      const child = spawn(process.execPath, [CLI, 'observe', '-o', 'json', '--pod', 'client'], { env: { ...process.env, PODNET_CLUSTER: cluster.name, PODNET_STATE_DIR: cluster.stateDir }, stdio: ['ignore', 'pipe', 'pipe'] });
      const flows: Observer['flows'] = [];
      let rest = '';
      child.stdout!.on('data', (d: Buffer) => {
        const now = Date.now();
        const lines = (rest + d.toString()).split('\n');
        rest = lines.pop()!;
        for (const l of lines) if (l) flows.push({ flow: JSON.parse(l) as Flow, arrivedMs: now });
      });
      let stderr = '';
      await new Promise<void>((resolve, reject) => {
        child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); if (stderr.includes('Observing cluster')) resolve(); });
        child.once('exit', () => reject(new Error(`podnet observe: ${stderr}`)));
      });
      const pids = [child.pid!];
      // the captures are children of the CLI: their CPU is counted while they live
      const cpu0 = treeCpu(pids);
      let cpuAtStop = 0;
      return { flows, stop: async () => { cpuAtStop = treeCpu(pids) - cpu0; await stopAll([child]); }, cpuMs: () => cpuAtStop };
    };

    const sides = ['nobody observing', 'a bare conntrack -E in every node and the router', 'podnet observe -o json'];
    const samples: number[][] = sides.map(() => []);
    const medians: number[][] = sides.map(() => []);
    const cpuPerConnect: number[][] = sides.map(() => []);
    const shown: number[] = [];
    const lags: number[] = [];
    await connects(); // warm-up: the first curls of a fresh pod are slower whatever runs beside them
    for (const order of roundOrder(sides.length, ROUNDS)) {
      for (const side of order) {
        const observer = side === 1 ? await bareListeners() : side === 2 ? await podnetObserve() : undefined;
        const us = await connects();
        // conntrack's events come at once: 200 ms lets the last lines through before the observer stops
        if (observer) await new Promise((r) => setTimeout(r, 200));
        await observer?.stop();
        samples[side]!.push(...us);
        medians[side]!.push(median(us));
        if (observer) cpuPerConnect[side]!.push((observer.cpuMs() * 1000) / CONNECTS);
        if (side === 2) {
          const tcp = observer!.flows.filter((f) => f.flow.protocol === 'TCP' && f.flow.service?.service === 'default/web');
          shown.push(tcp.length / CONNECTS);
          for (const f of tcp) lags.push(f.arrivedMs - Date.parse(f.flow.time));
        }
      }
    }
    process.stdout.write(`${table([`TCP connect, client pod → Service → pod on the other node (${CONNECTS} sequential curls × ${ROUNDS} rounds)`, 'p50 µs', 'p90 µs', 'round medians', 'observer CPU µs per connection (rounds; 10 ms ticks)'],
      sides.map((s, i) => [s, median(samples[i]!).toFixed(0), percentile(samples[i]!, 90).toFixed(0), medians[i]!.map((x) => x.toFixed(0)).join(' '), cpuPerConnect[i]!.length ? `${median(cpuPerConnect[i]!).toFixed(0)} (${cpuPerConnect[i]!.map((x) => x.toFixed(0)).join(' ')})` : '—']))}\n`);
    process.stdout.write(`connections podnet observe showed: ${shown.map((x) => `${(x * 100).toFixed(1)} %`).join(', ')} of ${CONNECTS} per round; its line came p50 ${percentile(lags, 50).toFixed(1)} ms, p99 ${percentile(lags, 99).toFixed(1)} ms after conntrack's event\n`);
    process.stdout.write(`cost per connection against nobody observing: bare listener ${(median(samples[1]!) - median(samples[0]!)).toFixed(0)} µs, podnet observe ${(median(samples[2]!) - median(samples[0]!)).toFixed(0)} µs; load average ${load()}\n`);
  });
}

main().catch((err) => { process.stderr.write(`${(err as Error).stack ?? err}\n`); process.exit(1); });
