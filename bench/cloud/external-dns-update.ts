// Issue 7's "external DNS updates within 1 s": with a cluster up (ingress
// controller, load balancer, external DNS), each round creates an Ingress for
// a new host through the API socket and times until the outside client's
// resolver (198.51.100.53) answers its A record with the load-balancer
// address, then deletes the Ingress and times until the name is NXDOMAIN.
// The clock starts when the API acknowledges the write, so the CLI's own
// start-up is not in the number (it is printed separately for reference).
// A probe loop runs inside the outside client's namespace (dig every 20 ms)
// and prints the first time it sees the wanted answer.
//
//   node dist/bench/cloud/external-dns-update.js [ROUNDS=7]      (needs root)

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Ingress, Service } from '../../src/api/types.js';
import { EXTERNAL_DNS_IP } from '../../src/config.js';
import { benchCluster, load, median, mustSucceed, percentile, table, withCluster } from '../podnetwork/cluster.js';

const ROUNDS = Number(process.argv[2] ?? 7);
const PROBE_INTERVAL_S = 0.02;
const GIVE_UP_MS = 30_000;

/** Resolves with the ms (from `since`) at which `dig` first printed `want` ('' = no address any more). */
function probeUntil(holderPid: string, name: string, want: string, since: number): Promise<number> {
  const check = want === ''
    ? `! dig +short +time=1 +tries=1 @${EXTERNAL_DNS_IP} ${name} A | grep -q .`
    : `dig +short +time=1 +tries=1 @${EXTERNAL_DNS_IP} ${name} A | grep -qx '${want}'`;
  const script = `until ${check}; do sleep ${PROBE_INTERVAL_S}; done; echo seen`;
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', ['-t', holderPid, '--net', '--', 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => { child.kill(); reject(new Error(`${name}: no answer ${want || 'NXDOMAIN'} after ${GIVE_UP_MS} ms`)); }, GIVE_UP_MS);
    child.stdout.on('data', () => { clearTimeout(timer); resolve(performance.now() - since); });
    child.on('exit', () => clearTimeout(timer));
  });
}

function ingressFor(name: string, host: string): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'default' },
    spec: { rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
  };
}

async function main(): Promise<void> {
  const cluster = benchCluster('bxdns');
  await withCluster(cluster, async () => {
    mustSucceed(await cluster.pn(['up']), 'podnet up');
    const client = cluster.client();
    const lb = (await client.get<Service>('services', 'ingress-nginx', 'ingress-nginx-controller')).status!.loadBalancer!.ingress![0]!.ip!;
    const holder = readFileSync(path.join(cluster.dir, 'outside.pid'), 'utf8').trim();
    const rows: (string | number)[][] = [];
    const appear: number[] = [];
    const vanish: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const host = `r${i}.bench.test`;
      const t0 = performance.now();
      await client.create(ingressFor(`r${i}`, host));
      const acked = performance.now();
      const seen = await probeUntil(holder, host, lb, acked);
      await new Promise((r) => setTimeout(r, 1200)); // past the ingress controller's reload interval
      const d0 = performance.now();
      await client.delete('ingresses', 'default', `r${i}`);
      const gone = await probeUntil(holder, host, '', performance.now());
      appear.push(seen);
      vanish.push(gone);
      rows.push([i + 1, (acked - t0).toFixed(0), seen.toFixed(0), (performance.now() - d0).toFixed(0), gone.toFixed(0)]);
      await new Promise((r) => setTimeout(r, 1200));
    }
    const cli = performance.now();
    mustSucceed(await cluster.pn(['get', 'ns']), 'podnet get');
    const cliMs = performance.now() - cli;
    process.stdout.write(`${table(['round', 'create acked ms', 'resolvable after ms', 'delete round ms', 'gone after ms'], rows)}\n`);
    process.stdout.write(`Ingress created → its host resolves to ${lb}: median ${median(appear).toFixed(0)} ms, max ${percentile(appear, 100).toFixed(0)} ms (goal ≤ 1000 ms)\n`);
    process.stdout.write(`Ingress deleted → its host no longer resolves: median ${median(vanish).toFixed(0)} ms, max ${percentile(vanish, 100).toFixed(0)} ms\n`);
    process.stdout.write(`for reference, one \`podnet get ns\` (CLI start included) takes ${cliMs.toFixed(0)} ms; load average ${load()}\n`);
  });
}

main().catch((err) => { process.stderr.write(`${(err as Error).stack ?? err}\n`); process.exit(1); });
