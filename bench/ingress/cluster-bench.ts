// Issue 6 inside the cluster, alone (bench:cloud runs the same pair among its
// LB paths): wrk from the ingress controller's node through the ingress to a
// 1-replica podnet/echo pod on the other node, against that same pod reached by
// its IP. Both sides: the same wrk argv (threads, connections, duration) from
// the same netns, warmed up, in paired rounds whose order alternates (ABBA);
// the ratio is the median of the per-round ratios, with its quartiles and
// range. CPU µs per request of each process (wrk, the NGINX workers, the
// backend pod) from /proc, which holds on a shared machine where wall-clock
// rates do not, and the rest of the machine's busy time per request ("other":
// load that is not ours) so a noisy round shows itself. docs/ingress.md,
// "Measuring the hop", says why each choice.
//
//   node dist/bench/ingress/cluster-bench.js [--rounds 10] [--duration 3s] [--warmup 2s] [--connections 10] [--threads 1] [--keep]
//
// Brings up its own 2-node cluster `bning` in a temporary state directory and
// removes it at the end (--keep leaves it up and prints how to reach it; the
// A/B tool for NGINX confs, conf-ab.ts, runs against a kept cluster).

import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { podnet } from '../../test/support/cli.js';
import { snapshot, since } from '../proc-stat.js';
import { formatSpread, roundOrder, spread } from './paired-rounds.js';
import { machineMs, SOLO_HOST, SOLO_MANIFEST, soloPair, wrkIn, type Wrk, type WrkOptions } from './solo-pair.js';

const CLUSTER = 'bning';

interface Result { side: number; round: number; wrk: Wrk; nginx: number; backend: number; machine: number; softirq: number }

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    rounds: { type: 'string', default: '10' }, duration: { type: 'string', default: '3s' }, warmup: { type: 'string', default: '2s' },
    connections: { type: 'string', default: '10' }, threads: { type: 'string', default: '1' }, keep: { type: 'boolean', default: false },
  } });
  const rounds = Number(values.rounds);
  const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-bning-'));
  const pn = podnet(CLUSTER, stateDir);
  try {
    const up = await pn(['up', '--nodes', '2']);
    if (up.code !== 0) throw new Error(`podnet up failed: ${up.stderr}`);
    if ((await pn(['apply', '-f', '-'], { input: SOLO_MANIFEST })).code !== 0) throw new Error('apply failed');
    const pair = await soloPair(CLUSTER, pn);
    const wrkOpts: WrkOptions = { threads: Number(values.threads), connections: Number(values.connections), duration: values.duration! };
    const sides = [
      { name: `ingress → solo pod (${pair.solo.spec.nodeName})`, url: pair.ingressUrl, headers: ['-H', `Host: ${SOLO_HOST}`] },
      { name: 'solo pod by its IP', url: pair.soloUrl, headers: ['-H', `Host: ${SOLO_HOST}`] },
    ];
    // Warm-up: V8 optimises the backend, NGINX fills its upstream keep-alive pool.
    for (const s of sides) await wrkIn(pair.clientNs, s.url, { ...wrkOpts, duration: values.warmup! }, s.headers);

    const load0 = loadavg();
    const results: Result[] = [];
    for (const [round, order] of roundOrder(sides.length, rounds).entries()) {
      for (const side of order) {
        const n = snapshot(pair.nginxPids);
        const b = snapshot(pair.backendPids);
        const m0 = machineMs();
        const w = await wrkIn(pair.clientNs, sides[side]!.url, wrkOpts, sides[side]!.headers);
        const m1 = machineMs();
        results.push({ side, round, wrk: w, nginx: since(n), backend: since(b), machine: m1.busy - m0.busy, softirq: m1.softirq - m0.softirq });
      }
    }

    const us = (ms: number, requests: number) => (ms * 1000) / requests;
    const other = (r: Result) => r.machine - r.softirq - r.wrk.cpuMs - r.nginx - r.backend;
    const f1 = (x: number) => x.toFixed(1);
    const out = (s: string) => process.stdout.write(s);
    out(`wrk -t${wrkOpts.threads} -c${wrkOpts.connections} -d${wrkOpts.duration} --latency from ${pair.controller.spec.nodeName}'s netns for both sides, ${values.warmup} warm-up each, ${rounds} paired rounds (ABBA order); nginx ${pair.nginxPids.length} processes (master + workers)\n`);
    out('CPU µs/request: wrk, nginx, backend from /proc/PID/stat; softirq = the machine\'s; other = the rest of the machine\'s busy time (load that is not ours)\n\n');
    out('| path | round | req/s | p99 ms | errors | wrk | nginx | backend | softirq | other |\n|---|---|---|---|---|---|---|---|---|---|\n');
    for (const r of results) {
      const q = r.wrk.requests;
      out(`| ${sides[r.side]!.name} | ${r.round + 1} | ${r.wrk.rps.toFixed(0)} | ${r.wrk.p99ms.toFixed(2)} | ${r.wrk.errors} | ${f1(us(r.wrk.cpuMs, q))} | ${f1(us(r.nginx, q))} | ${f1(us(r.backend, q))} | ${f1(us(r.softirq, q))} | ${f1(us(other(r), q))} |\n`);
    }
    const of = (side: number) => results.filter((r) => r.side === side).sort((a, b) => a.round - b.round);
    const [via, direct] = [of(0), of(1)];
    const perRound = (fn: (a: Result, b: Result) => number) => spread(via.map((a, k) => fn(a, direct[k]!)));
    const cpu = (rs: Result[], pick: (r: Result) => number) => formatSpread(spread(rs.map((r) => us(pick(r), r.wrk.requests))), 1).replace(/ rounds\)$/, ')');
    out('\nCPU µs/request, medians of the rounds (IQR, range):\n');
    out(`  through the ingress: nginx ${cpu(via, (r) => r.nginx)}; backend ${cpu(via, (r) => r.backend)}; wrk ${cpu(via, (r) => r.wrk.cpuMs)}; softirq ${cpu(via, (r) => r.softirq)}\n`);
    out(`  direct:              backend ${cpu(direct, (r) => r.backend)}; wrk ${cpu(direct, (r) => r.wrk.cpuMs)}; softirq ${cpu(direct, (r) => r.softirq)}\n`);
    out(`  other load's share of the machine's busy time: ${formatSpread(spread(results.map((r) => other(r) / r.machine)))}\n`);
    out(`\ningress hop (issue 6, in the cluster): rps ${formatSpread(perRound((a, b) => a.wrk.rps / b.wrk.rps))} of the same pod by its IP (goal >= 0.7; median of the per-round ratios)\n`);
    out(`  p99 latency ${formatSpread(perRound((a, b) => a.wrk.p99ms / b.wrk.p99ms))}\n`);
    out(`load average ${load0.map((l) => l.toFixed(1)).join(' ')} before the rounds, ${loadavg().map((l) => l.toFixed(1)).join(' ')} after, on ${cpus().length} cores\n`);
    if (values.keep) out(`\nkept: PODNET_CLUSTER=${CLUSTER} PODNET_STATE_DIR=${stateDir}; ingress ${pair.ingressUrl} (Host: ${SOLO_HOST}), pod ${pair.soloUrl}, client netns ${pair.clientNs}\n`);
  } finally {
    if (!values.keep) {
      await pn(['down']);
      rmSync(stateDir, { recursive: true, force: true });
    }
  }
}

main().catch((err) => {
  process.stderr.write(`cluster-bench: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
