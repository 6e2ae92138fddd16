// What `podnet observe --last/--since` costs and whether the record is whole
// (docs/observe.md "After the fact"): a client pod sends REFUSED UDP
// datagrams, as fast as it can, to a port no Service has at a ClusterIP
// (each one a new flow the service proxy rejects and logs: the kernel
// rate-limits the ICMP errors, not the log, so a flood is the recorder's
// worst case), and opens ACCEPTED TCP connections to a Service with a pod on
// the other node (each left in conntrack's table for 120 s after it closes);
// then:
//   - how many of the datagrams the refusal log holds, and what the recorder
//     (its tcpdump, and the agent that writes the log) cost per refusal;
//   - how long `podnet observe --last 100`, `--since 10m` (everything) and a
//     filtered `--since` take, against the floor of reading the same sources
//     raw (`conntrack -L` in each namespace, the logs with cat).
// Hubble (the peer) keeps a ring buffer in each Cilium agent and cannot run
// here.
//
//   node dist/bench/observe/history-bench.js [REFUSED=20000] [ACCEPTED=5000]    (needs root; npm run bench:observe-history)

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pod, Service } from '../../src/api/types.js';
import { netnsNames } from '../../src/config.js';
import { recorderMarkerPath, refusalLogPath } from '../../src/observe/refusal-log.js';
import { run } from '../../test/support/cli.js';
import { echoApp, echoService } from '../../test/support/manifests.js';
import { benchCluster, load, median, mustSucceed, table, withCluster } from '../podnetwork/cluster.js';
import { treeCpuMs } from '../proc-stat.js';

const REFUSED = Number(process.argv[2] ?? 20_000);
const ACCEPTED = Number(process.argv[3] ?? 5_000);
const QUERY_RUNS = 5;

const client = (node: string) => `
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 0
  containers: [{name: c, image: none, command: [sleep, infinity]}]
`;

/** N datagrams to HOST:PORT from one socket, as fast as it sends them: prints the seconds it took */
const FLOODER = `
const dgram = require('dgram');
const [total, host, port] = [Number(process.argv[1]), process.argv[2], Number(process.argv[3])];
const s = dgram.createSocket('udp4');
s.on('error', () => undefined);
const t0 = process.hrtime.bigint();
let sent = 0;
const burst = () => {
  for (let i = 0; i < 200 && sent < total; i++, sent++) s.send('x', port, host);
  if (sent < total) setImmediate(burst);
  else setTimeout(() => { console.log(Number(process.hrtime.bigint() - t0) / 1e9); s.close(); }, 100);
};
burst();
`;

/** N connections to HOST:PORT, 16 at a time, each closed at once: prints `accepted refused` */
const CONNECTOR = `
const net = require('net');
const [total, host, port] = [Number(process.argv[1]), process.argv[2], Number(process.argv[3])];
let started = 0, finished = 0, accepted = 0, refused = 0;
const next = () => {
  if (started >= total) return;
  started++;
  const s = net.connect(port, host);
  const end = () => { if (++finished === total) console.log(accepted + ' ' + refused); else next(); };
  s.once('connect', () => { accepted++; s.destroy(); end(); });
  s.once('error', () => { refused++; end(); });
};
for (let i = 0; i < 16; i++) next();
`;

const lines = (file: string) => { try { return readFileSync(file, 'utf8').split('\n').filter(Boolean).length; } catch { return 0; } };

async function timed(argv: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; stdout: string }> {
  const t0 = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${argv.join(' ')}: exit ${code}: ${stderr}`);
  return { ms: performance.now() - t0, stdout };
}

async function main(): Promise<void> {
  const cluster = benchCluster('bnhist');
  await withCluster(cluster, async () => {
    mustSucceed(await cluster.pn(['up', '--nodes', '2']), 'podnet up');
    mustSucceed(await cluster.pn(['apply', '-f', '-'], { input: `${echoApp({ name: 'web' })}---${echoService({ name: 'empty', app: 'nobody' })}` }), 'podnet apply');
    mustSucceed(await cluster.pn(['wait', '--for=condition=Ready', 'pods', '--all', '--timeout=60s']), 'podnet wait');
    const api = cluster.client();
    const web = (await api.list<Pod>('pods', 'default')).items.find((p) => p.metadata.labels?.app === 'web')!;
    const clientNode = web.spec.nodeName === 'node-1' ? 'node-2' : 'node-1';
    mustSucceed(await cluster.pn(['apply', '-f', '-'], { input: client(clientNode) }), 'podnet apply');
    mustSucceed(await cluster.pn(['wait', '--for=condition=Ready', 'pod/client', '--timeout=60s']), 'podnet wait');
    const clientPod = await api.get<Pod>('pods', 'default', 'client');
    const [webService, emptyService] = await Promise.all([api.get<Service>('services', 'default', 'web'), api.get<Service>('services', 'default', 'empty')]);
    const clientNs = netnsNames.pod(cluster.name, clientPod.metadata.uid!);
    const log = refusalLogPath(cluster.dir, clientNode);
    const recorderPid = Number(readFileSync(recorderMarkerPath(log), 'utf8'));
    const agentPid = Number((await run(['ps', '-o', 'ppid=', '-p', String(recorderPid)])).stdout.trim());
    const connect = async (n: number, host: string, port: number) => {
      const t0 = performance.now();
      const r = await run(['ip', 'netns', 'exec', clientNs, process.execPath, '-e', CONNECTOR, String(n), host, String(port)]);
      const [accepted, refused] = r.stdout.trim().split(' ').map(Number);
      return { accepted: accepted!, refused: refused!, seconds: (performance.now() - t0) / 1000 };
    };

    const before = lines(log);
    const cpu0 = { recorder: treeCpuMs(recorderPid), agent: treeCpuMs(agentPid) };
    const flood = await run(['ip', 'netns', 'exec', clientNs, process.execPath, '-e', FLOODER, String(REFUSED), emptyService.spec.clusterIP!, '9']);
    const refusedRun = { refused: REFUSED, seconds: Number(flood.stdout.trim()) };
    // the recorder writes every 50 ms
    await new Promise((r) => setTimeout(r, 1_000));
    const recorded = lines(log) - before;
    const tcpdumpUs = ((treeCpuMs(recorderPid) - cpu0.recorder) * 1000) / recorded;
    // the agent's tree holds the recorder's tcpdump: the agent's own share is the rest
    const agentUs = ((treeCpuMs(agentPid) - cpu0.agent - (treeCpuMs(recorderPid) - cpu0.recorder)) * 1000) / recorded;
    const acceptedRun = await connect(ACCEPTED, webService.spec.clusterIP!, 80);

    const env = { ...process.env, PODNET_CLUSTER: cluster.name, PODNET_STATE_DIR: cluster.stateDir };
    const cli = [process.execPath, path.resolve('dist/src/cli/main.js'), 'observe'];
    const watched = [netnsNames.router(cluster.name), netnsNames.node(cluster.name, 'node-1'), netnsNames.node(cluster.name, 'node-2')];
    const logs = ['node-1', 'node-2', 'load-balancer'].map((w) => refusalLogPath(cluster.dir, w));
    const queries: [string, string[]][] = [
      ['podnet observe --last 100', [...cli, '--last', '100']],
      ['podnet observe --since 10m (everything recorded)', [...cli, '--since', '10m']],
      ['podnet observe --since 10m --verdict DROPPED --count 10', [...cli, '--since', '10m', '--verdict', 'DROPPED', '--count', '10']],
      ['the floor: conntrack -L in each namespace, cat of the refusal logs', ['sh', '-c', `${watched.map((ns) => `ip netns exec ${ns} conntrack -L`).join('; ')}; cat ${logs.join(' ')}`]],
    ];
    const rows: string[][] = [];
    for (const [what, argv] of queries) {
      const ms: number[] = [];
      let out = '';
      for (let i = 0; i < QUERY_RUNS; i++) { const r = await timed(argv, env); ms.push(r.ms); out = r.stdout; }
      rows.push([what, median(ms).toFixed(0), `${Math.min(...ms).toFixed(0)}–${Math.max(...ms).toFixed(0)}`, String(out.split('\n').filter(Boolean).length)]);
    }

    process.stdout.write(`refused: ${refusedRun.refused} UDP datagrams to a port no Service has at a ClusterIP, sent in ${refusedRun.seconds.toFixed(2)} s (${(refusedRun.refused / refusedRun.seconds).toFixed(0)}/s); the refusal log gained ${recorded} (${((recorded / refusedRun.refused) * 100).toFixed(1)} %)\n`);
    process.stdout.write(`the recorder per refusal: tcpdump ${tcpdumpUs.toFixed(1)} µs, the agent itself (all of its work meanwhile, tcpdump not counted) ${agentUs.toFixed(1)} µs of CPU\n`);
    process.stdout.write(`accepted: ${acceptedRun.accepted} connections to a Service with a pod on the other node in ${acceptedRun.seconds.toFixed(1)} s, left in conntrack's tables\n\n`);
    process.stdout.write(`${table([`reading the history (${QUERY_RUNS} runs each)`, 'median ms', 'range ms', 'lines'], rows)}\n`);
    process.stdout.write(`load average ${load()}\n`);
  });
}

main().catch((err) => { process.stderr.write(`${(err as Error).stack ?? err}\n`); process.exit(1); });
