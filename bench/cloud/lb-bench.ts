// Cloud load balancer benchmark: requests/s and p99 from the outside client
// with wrk, through LB → node NodePort → pod, against the NodePort reached
// directly (what the LB adds: one DNAT hop in the router), in the same run,
// alternating so background load hits both alike.
//
//   node dist/bench/cloud/lb-bench.js [--rounds 2] [--duration 5s] [--connections 10]
//
// Brings up its own cluster `bnlb` in a temporary state directory, runs the
// ServiceLoadBalancerController in this process and the lb-agent in the router
// namespace (unless the daemon already runs them), and removes it all at the end.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Service } from '../../src/api/types.js';
import { HttpClient } from '../../src/client/http-client.js';
import type { LbStatus } from '../../src/cloud/lb-status.js';
import { ServiceLoadBalancerController } from '../../src/cloud/service-lb-controller.js';
import { ApiEventRecorder } from '../../src/controllers/events.js';
import { InformerFactory } from '../../src/controllers/informer-factory.js';

const CLUSTER = 'bnlb';
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const AGENT_MAIN = fileURLToPath(new URL('../../src/cloud/lb-agent-main.js', import.meta.url));
const NODE_1_IP = '172.18.0.2';

const MANIFEST = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: echo
          image: podnet/echo
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`;

interface Run { code: number; stdout: string; stderr: string }

function run(argv: string[], input = '', env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input);
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** wrk's "Requests/sec:" and the 99% line of --latency, in ms. */
export function parseWrk(out: string): { rps: number; p99ms: number; errors: number } {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const m = /\s99%\s+([\d.]+)(us|ms|s)\b/.exec(out);
  const scale = { us: 0.001, ms: 1, s: 1000 } as const;
  const p99ms = m ? Number(m[1]) * scale[m[2] as keyof typeof scale] : NaN;
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const errors = (errs ? errs.slice(1).reduce((a, b) => a + Number(b), 0) : 0) + non2xx;
  return { rps, p99ms, errors };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '2' }, duration: { type: 'string', default: '5s' }, connections: { type: 'string', default: '10' } } });
  const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-bnlb-'));
  const clusterDir = path.join(stateDir, CLUSTER);
  const env = { PODNET_CLUSTER: CLUSTER, PODNET_STATE_DIR: stateDir };
  const pn = (args: string[], input = '') => run([process.execPath, CLI, ...args], input, env);
  let agent: ChildProcess | undefined;
  let stopController: (() => void) | undefined;
  try {
    const up = await pn(['up', '--nodes', '2']);
    if (up.code !== 0) throw new Error(`podnet up failed: ${up.stderr}`);
    if ((await run(['ip', 'netns', 'exec', `pn-${CLUSTER}-router`, 'nft', 'list', 'table', 'ip', 'podnet-lb'])).code !== 0) {
      const log = createWriteStream(path.join(clusterDir, 'lb-agent.log'));
      agent = spawn('nsenter', [`--net=/run/netns/pn-${CLUSTER}-router`, '--', process.execPath, AGENT_MAIN, '--cluster', CLUSTER], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
      agent.stdout!.pipe(log);
      agent.stderr!.pipe(log);
    }
    const all = JSON.parse((await pn(['get', 'svc', '-A', '-o', 'json'])).stdout) as { items: Service[] };
    if (!all.items.some((s) => (s.status?.loadBalancer?.ingress ?? []).length > 0)) {
      const client = new HttpClient({ socketPath: path.join(clusterDir, 'api.sock') });
      const informers = new InformerFactory(client);
      const controller = new ServiceLoadBalancerController(informers, client, new ApiEventRecorder(client, 'service-lb-controller'));
      informers.start();
      await informers.waitForSync();
      controller.run();
      stopController = () => { controller.stop(); informers.stop(); };
    }
    if ((await pn(['apply', '-f', '-'], MANIFEST)).code !== 0) throw new Error('apply failed');
    const svc = await until('an LB address', async () => {
      const s = JSON.parse((await pn(['get', 'svc', 'web', '-o', 'json'])).stdout) as Service;
      return s.status?.loadBalancer?.ingress?.[0]?.ip ? s : undefined;
    });
    const lbIP = svc.status!.loadBalancer!.ingress![0]!.ip!;
    const nodePort = svc.spec.ports![0]!.nodePort!;
    await until('both nodes in service', async () => {
      const file = path.join(clusterDir, 'lb-status.json');
      if (!existsSync(file)) return undefined;
      const st = JSON.parse(readFileSync(file, 'utf8')) as LbStatus;
      return st.frontends.find((f) => f.address === `${lbIP}:80/tcp`)?.targets.every((t) => t.inService) ? true : undefined;
    });
    await until('the pods answer through the LB', async () => ((await pn(['outside', '--', 'curl', '-sf', '-m', '2', `http://${lbIP}/`])).code === 0 ? true : undefined));

    const targets = [
      { name: 'LB → NodePort → pod', url: `http://${lbIP}/` },
      { name: 'NodePort (node-1) → pod', url: `http://${NODE_1_IP}:${nodePort}/` },
    ];
    const results: { name: string; round: number; rps: number; p99ms: number; errors: number }[] = [];
    for (let round = 1; round <= Number(values.rounds); round++) {
      for (const t of targets) {
        const r = await run(['ip', 'netns', 'exec', `pn-${CLUSTER}-outside`, 'wrk', '-t1', `-c${values.connections}`, `-d${values.duration}`, '--latency', t.url]);
        if (r.code !== 0) throw new Error(`wrk ${t.url}: ${r.stderr}`);
        results.push({ name: t.name, round, ...parseWrk(r.stdout) });
      }
    }
    const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };
    process.stdout.write(`wrk -t1 -c${values.connections} -d${values.duration} --latency from pn-${CLUSTER}-outside (198.51.100.10), ${values.rounds} rounds alternating, podnet/echo ×2 (one per node), externalTrafficPolicy Cluster\n\n`);
    process.stdout.write('| path | requests/s (median) | p99 ms (median) | errors | rounds (rps / p99) |\n|---|---|---|---|---|\n');
    for (const t of targets) {
      const rows = results.filter((r) => r.name === t.name);
      process.stdout.write(`| ${t.name} | ${median(rows.map((r) => r.rps)).toFixed(0)} | ${median(rows.map((r) => r.p99ms)).toFixed(2)} | ${rows.reduce((a, r) => a + r.errors, 0)} | ${rows.map((r) => `${r.rps.toFixed(0)} / ${r.p99ms.toFixed(2)}`).join(', ')} |\n`);
    }
    process.stdout.write(`\n${JSON.stringify({ lbIP, nodePort, results })}\n`);
  } finally {
    stopController?.();
    if (agent && agent.exitCode === null) {
      const exited = new Promise((resolve) => agent!.once('exit', resolve));
      agent.kill('SIGTERM');
      await exited;
    }
    await pn(['down']);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`lb-bench: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
