// Cloud load balancer benchmark: requests/s and p99 with wrk, in the same
// run, alternating so background load hits every path alike:
//   - from the outside client through LB → node NodePort → pod, against the
//     NodePort reached directly (what the LB adds: one DNAT hop in the router);
//   - from the outside client through LB → ingress (NGINX) → pod, against
//     ingress → pod alone (wrk in the ingress pod's node, to the controller
//     pod's IP: no LB, no NodePort);
//   - issue 6's pair inside the cluster: from the controller's node, ingress →
//     a 1-replica backend (`solo`) against that same pod reached by its IP.
//
//   node dist/bench/cloud/lb-bench.js [--rounds 4] [--duration 3s] [--connections 10]
//
// Every round runs every path once, in an order that rotates and reverses from
// round to round (bench/ingress/paired-rounds.ts), so no path always runs right
// after the same neighbour; each pair's ratio is the median of its per-round
// ratios (docs/ingress.md, "Measuring the hop").
//
// Brings up its own cluster `bnlb` (with the ingress controller, the load
// balancer and external DNS) in a temporary state directory and removes it
// all at the end.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isPodReady } from '../../src/api/pod-helpers.js';
import type { Pod, Service } from '../../src/api/types.js';
import type { LbStatus } from '../../src/cloud/lb-status.js';
import { eventually, podnet, run } from '../../test/support/cli.js';
import { echoApp } from '../../test/support/manifests.js';
import { median } from '../podnetwork/cluster.js';
import { parseWrk } from '../wrk.js';
import { formatSpread, roundOrder, spread } from '../ingress/paired-rounds.js';
import { ECHO_PORT, SOLO_HOST, untilNginxProxiesToPods } from '../ingress/solo-pair.js';
import { netnsNames } from '../../src/config.js';

const CLUSTER = 'bnlb';
/** cluster steps (up, pods Ready, routes) take seconds: wait long, poll gently */
const until = <T>(what: string, fn: () => Promise<T | undefined>) => eventually(what, fn, 90_000, 200);
const NODE_1_IP = '172.18.0.2';
const INGRESS_HOST = 'bench.example.test';

const MANIFEST = `${echoApp({ name: 'web', replicas: 2, type: 'LoadBalancer' })}---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - host: ${INGRESS_HOST}
      http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
    - host: ${SOLO_HOST}
      http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: solo, port: {number: 80}}}}]}
---${echoApp({ name: 'solo', replicas: 1 })}`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '4' }, duration: { type: 'string', default: '3s' }, connections: { type: 'string', default: '10' } } });
  const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-bnlb-'));
  const clusterDir = path.join(stateDir, CLUSTER);
  const pn = podnet(CLUSTER, stateDir);
  try {
    const up = await pn(['up', '--nodes', '2']);
    if (up.code !== 0) throw new Error(`podnet up failed: ${up.stderr}`);
    if ((await pn(['apply', '-f', '-'], { input: MANIFEST })).code !== 0) throw new Error('apply failed');
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
    const ingressLB = (JSON.parse((await pn(['get', 'svc', '-n', 'ingress-nginx', 'ingress-nginx-controller', '-o', 'json'])).stdout) as Service).status!.loadBalancer!.ingress![0]!.ip!;
    const controller = (JSON.parse((await pn(['get', 'pods', '-n', 'ingress-nginx', '-o', 'json'])).stdout) as { items: Pod[] }).items[0]!;
    const hostHeader = ['-H', `Host: ${INGRESS_HOST}`];
    const solo = await until('the solo pod Ready', async () => (JSON.parse((await pn(['get', 'pods', '-l', 'app=solo', '-o', 'json'])).stdout) as { items: Pod[] }).items.find(isPodReady));
    const controllerNode = `pn-${CLUSTER}-${controller.spec.nodeName}`;
    await until('the solo Ingress rule routes', async () => ((await run(['ip', 'netns', 'exec', controllerNode, 'curl', '-sf', '-m', '2', '-H', `Host: ${SOLO_HOST}`, `http://${controller.status!.podIP}/`])).code === 0 ? true : undefined));
    await until('the Ingress routes through the LB', async () => ((await pn(['outside', '--', 'curl', '-sf', '-m', '2', '-H', `Host: ${INGRESS_HOST}`, `http://${ingressLB}/`])).code === 0 ? true : undefined));
    const webPods = await until('both web pods Ready', async () => {
      const pods = (JSON.parse((await pn(['get', 'pods', '-l', 'app=web', '-o', 'json'])).stdout) as { items: Pod[] }).items.filter(isPodReady);
      return pods.length === 2 ? pods : undefined;
    });
    await untilNginxProxiesToPods(clusterDir, controller, netnsNames.pod(CLUSTER, controller.metadata.uid!), [...webPods, solo].map((p) => `${p.status!.podIP}:${ECHO_PORT}`));

    const outside = `pn-${CLUSTER}-outside`;
    const targets = [
      { name: 'LB → NodePort → pod', netns: outside, url: `http://${lbIP}/`, headers: [] as string[] },
      { name: 'NodePort (node-1) → pod', netns: outside, url: `http://${NODE_1_IP}:${nodePort}/`, headers: [] as string[] },
      { name: 'LB → ingress → pod', netns: outside, url: `http://${ingressLB}/`, headers: hostHeader },
      { name: `ingress → pod (from ${controller.spec.nodeName})`, netns: `pn-${CLUSTER}-${controller.spec.nodeName}`, url: `http://${controller.status!.podIP}/`, headers: hostHeader },
      { name: `ingress → solo pod (from ${controller.spec.nodeName}, pod on ${solo.spec.nodeName})`, netns: controllerNode, url: `http://${controller.status!.podIP}/`, headers: ['-H', `Host: ${SOLO_HOST}`] },
      // the same request line and Host as through the ingress: only the hop differs
      { name: `solo pod by its IP (from ${controller.spec.nodeName})`, netns: controllerNode, url: `http://${solo.status!.podIP}:${ECHO_PORT}/`, headers: ['-H', `Host: ${SOLO_HOST}`] },
    ];
    const results: { name: string; round: number; rps: number; p99ms: number; errors: number }[] = [];
    for (const [i, order] of roundOrder(targets.length, Number(values.rounds)).entries()) {
      const round = i + 1;
      for (const t of order.map((k) => targets[k]!)) {
        const r = await run(['ip', 'netns', 'exec', t.netns, 'wrk', '-t1', `-c${values.connections}`, `-d${values.duration}`, '--latency', ...t.headers, t.url]);
        if (r.code !== 0) throw new Error(`wrk ${t.url}: ${r.stderr}`);
        const { rps, p99ms, errors } = parseWrk(r.stdout);
        results.push({ name: t.name, round, rps, p99ms, errors });
      }
    }
    process.stdout.write(`wrk -t1 -c${values.connections} -d${values.duration} --latency, ${values.rounds} rounds, order rotating, podnet/echo ×2 (one per node); the Service web is externalTrafficPolicy Cluster, the ingress controller's Local\n\n`);
    process.stdout.write('| path | requests/s (median) | p99 ms (median) | errors | rounds (rps / p99) |\n|---|---|---|---|---|\n');
    for (const t of targets) {
      const rows = results.filter((r) => r.name === t.name);
      process.stdout.write(`| ${t.name} | ${median(rows.map((r) => r.rps)).toFixed(0)} | ${median(rows.map((r) => r.p99ms)).toFixed(2)} | ${rows.reduce((a, r) => a + r.errors, 0)} | ${rows.map((r) => `${r.rps.toFixed(0)} / ${r.p99ms.toFixed(2)}`).join(', ')} |\n`);
    }
    /** median of the per-round ratios of path a to path b (b by name prefix) */
    const perRound = (a: string, b: string) => spread(results.filter((r) => r.name === a).map((ra) => ra.rps / results.find((rb) => rb.round === ra.round && rb.name.startsWith(b))!.rps));
    const ratio = (a: string, b: string) => perRound(a, b).median;
    process.stdout.write(`\nLB cost: LB → NodePort ${ratio(targets[0]!.name, targets[1]!.name).toFixed(2)} of NodePort direct; LB → ingress ${ratio(targets[2]!.name, 'ingress → pod').toFixed(2)} of ingress direct\n`);
    process.stdout.write(`ingress hop (issue 6, in the cluster): ingress → solo pod ${formatSpread(perRound(targets[4]!.name, 'solo pod by its IP'))} of the same pod reached by its IP\n`);
    process.stdout.write(`\n${JSON.stringify({ lbIP, nodePort, ingressLB, results })}\n`);
  } finally {
    await pn(['down']);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`lb-bench: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
