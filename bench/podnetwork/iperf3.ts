// Pod-to-pod TCP throughput with iperf3, same node and across nodes, against
// the host loopback in the same run (and a pod's own loopback, for scale), and
// the same pod-to-pod transfers through a Service's ClusterIP (issue 4's packet cost).
// Server and client run inside the pods' network namespaces with
// `nsenter -t <sandbox pid> -n` (the pause process holds each pod's netns);
// the host-loopback pair binds 127.0.0.1 only. Traffic never leaves this
// machine's own namespaces or loopback.
//
//   node dist/bench/podnetwork/iperf3.js [SECONDS=3] [ROUNDS=1]      (needs root, iperf3)

import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import type { Pod } from '../../src/api/types.js';
import { benchCluster, load, median, mustSucceed, table, withCluster } from './cluster.js';

const SECONDS = Number(process.argv[2] ?? 3);
const ROUNDS = Number(process.argv[3] ?? 1);
const POD_PORT = 5201;

const PODS = `
apiVersion: v1
kind: Pod
metadata: {name: server, labels: {bench: iperf, role: server}}
spec: {nodeName: node-1, containers: [{name: c, image: none, command: [sleep, infinity]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client-same, labels: {bench: iperf}}
spec: {nodeName: node-1, containers: [{name: c, image: none, command: [sleep, infinity]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client-cross, labels: {bench: iperf}}
spec: {nodeName: node-2, containers: [{name: c, image: none, command: [sleep, infinity]}]}
---
apiVersion: v1
kind: Service
metadata: {name: iperf}
spec: {selector: {role: server}, ports: [{port: 5201}]}
`;

/** a free TCP port on 127.0.0.1 for the host-loopback iperf3 server */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address() as net.AddressInfo; s.close(() => resolve(port)); });
  });
}

/** `prefix` runs a command in a namespace ([] = here). Returns received Gbit/s. */
async function iperf(serverPrefix: string[], clientPrefix: string[], bind: string, target: string, port: number): Promise<number> {
  const srvArgv = [...serverPrefix, 'iperf3', '-s', '-1', '-B', bind, '-p', String(port)];
  const server = spawn(srvArgv[0]!, srvArgv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    // wait until the server listens: iperf3 -c fails at once on a closed port
    let out = '';
    for (let attempt = 0; attempt < 50; attempt++) {
      await new Promise((r) => setTimeout(r, 100));
      const cliArgv = [...clientPrefix, 'iperf3', '-c', target, '-p', String(port), '-t', String(SECONDS), '-J'];
      const r = spawnSync(cliArgv[0]!, cliArgv.slice(1), { encoding: 'utf8', timeout: (SECONDS + 20) * 1000 });
      out = r.stdout;
      if (r.status === 0) {
        const result = JSON.parse(r.stdout) as { end: { sum_received: { bits_per_second: number } } };
        return result.end.sum_received.bits_per_second / 1e9;
      }
      if (!/Connection refused|unable to connect/.test(r.stdout + r.stderr)) throw new Error(`iperf3 client failed: ${r.stdout}${r.stderr}`);
    }
    throw new Error(`iperf3 server on ${bind}:${port} never answered: ${out}`);
  } finally {
    server.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  if (spawnSync('iperf3', ['--version']).status !== 0) throw new Error('iperf3 is not installed');
  const cluster = benchCluster('bpn3');
  await withCluster(cluster, async () => {
    mustSucceed(await cluster.pn(['up', '--nodes', '2', '--bare']), 'podnet up');
    mustSucceed(await cluster.pn(['apply', '-f', '-'], { input: PODS }), 'podnet apply');
    mustSucceed(await cluster.pn(['wait', '--for=condition=Ready', 'pods', '-l', 'bench=iperf', '--timeout=60s']), 'podnet wait');
    const pods = new Map(JSON.parse(mustSucceed(await cluster.pn(['get', 'pods', '-l', 'bench=iperf', '-o', 'json']), 'podnet get').stdout).items.map((p: Pod) => [p.metadata.name!, p]) as [string, Pod][]);
    const inPod = (name: string) => ['nsenter', '-t', String(cluster.sandboxPid(pods.get(name)!.metadata.uid!)), '-n', '--'];
    const serverIP = pods.get('server')!.status!.podIP!;
    // issue 4's packet cost: the same transfer through the Service's ClusterIP (DNAT in the kernel)
    const clusterIP = JSON.parse(mustSucceed(await cluster.pn(['get', 'svc', 'iperf', '-o', 'json']), 'podnet get svc').stdout).spec.clusterIP as string;
    process.stdout.write(`iperf3 TCP, ${SECONDS} s per run, ${ROUNDS} round(s); server pod ${serverIP} on node-1 (load average before: ${load()})\n\n`);

    const paths = [
      { name: 'host loopback 127.0.0.1', run: async () => { const port = await freePort(); return iperf([], [], '127.0.0.1', '127.0.0.1', port); } },
      { name: 'pod loopback (inside one pod)', run: () => iperf(inPod('server'), inPod('server'), '127.0.0.1', '127.0.0.1', POD_PORT) },
      { name: 'pod -> pod, same node', run: () => iperf(inPod('server'), inPod('client-same'), serverIP, serverIP, POD_PORT) },
      { name: 'pod -> pod, cross node', run: () => iperf(inPod('server'), inPod('client-cross'), serverIP, serverIP, POD_PORT) },
      { name: 'pod -> ClusterIP, same node', run: () => iperf(inPod('server'), inPod('client-same'), serverIP, clusterIP, POD_PORT) },
      { name: 'pod -> ClusterIP, cross node', run: () => iperf(inPod('server'), inPod('client-cross'), serverIP, clusterIP, POD_PORT) },
    ];
    const results = new Map<string, number[]>(paths.map((p) => [p.name, []]));
    // rounds interleave the paths so load drift on this shared machine hits all of them
    for (let round = 0; round < ROUNDS; round++) for (const p of paths) results.get(p.name)!.push(await p.run());

    const host = median(results.get(paths[0]!.name)!);
    const rows = paths.map((p) => {
      const xs = results.get(p.name)!;
      return [p.name, median(xs).toFixed(2), xs.map((x) => x.toFixed(2)).join(' '), (median(xs) / host).toFixed(2)];
    });
    process.stdout.write(`${table(['path', 'Gbit/s (median)', 'runs', 'ratio to host loopback'], rows)}\n\n`);
    process.stdout.write(`load average after: ${load()}\n`);
  });
}

main().catch((err) => { process.stderr.write(`${(err as Error).stack ?? err}\n`); process.exit(1); });
