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
import { machineMs, snapshot, since } from '../proc-stat.js';
import { formatSpread, roundOrder, spread } from './paired-rounds.js';
import { SOLO_HOST, SOLO_MANIFEST, soloPair, wrkIn, type Wrk, type WrkOptions } from './solo-pair.js';

const CLUSTER = 'bning';
/**
 * A round counts as quiet when the rest of the machine (other load, kernel
 * threads, softirq outside our processes) used less than this share of the
 * busy time in both of its runs. Other load hurts the two sides unequally: by
 * pod IP the single-threaded backend needs one core, through the ingress
 * three processes need both, so a busy neighbour takes more from the ingress
 * side. Quiet rounds are reported beside all rounds, never instead of them.
 */
const QUIET_SHARE = 0.2;

interface Result { side: number; round: number; wrk: Wrk; nginx: number; backend: number; machine: number; softirq: number; idle: number }

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
    const pair = await soloPair(CLUSTER, pn, path.join(stateDir, CLUSTER));
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
        results.push({ side, round, wrk: w, nginx: since(n), backend: since(b), machine: m1.busy - m0.busy, softirq: m1.softirq - m0.softirq, idle: m1.idle - m0.idle });
      }
    }

    const us = (ms: number, requests: number) => (ms * 1000) / requests;
    // Softirq run in our processes' context is already in their stime (tick accounting), so only our processes are subtracted.
    const other = (r: Result) => r.machine - r.wrk.cpuMs - r.nginx - r.backend;
    const f1 = (x: number) => x.toFixed(1);
    const out = (s: string) => process.stdout.write(s);
    out(`wrk -t${wrkOpts.threads} -c${wrkOpts.connections} -d${wrkOpts.duration} --latency from ${pair.controller.spec.nodeName}'s netns for both sides, ${values.warmup} warm-up each, ${rounds} paired rounds (ABBA order); nginx ${pair.nginxPids.length} processes (master + workers)\n`);
    out('CPU µs/request: wrk, nginx, backend from /proc/PID/stat; softirq = the machine\'s (partly inside our processes\' time); rest = the machine\'s busy time minus our processes (other load, kernel threads, softirq elsewhere)\n\n');
    out('| path | round | req/s | p99 ms | errors | wrk | nginx | backend | softirq | rest | rest share |\n|---|---|---|---|---|---|---|---|---|---|---|\n');
    for (const r of results) {
      const q = r.wrk.requests;
      out(`| ${sides[r.side]!.name} | ${r.round + 1} | ${r.wrk.rps.toFixed(0)} | ${r.wrk.p99ms.toFixed(2)} | ${r.wrk.errors} | ${f1(us(r.wrk.cpuMs, q))} | ${f1(us(r.nginx, q))} | ${f1(us(r.backend, q))} | ${f1(us(r.softirq, q))} | ${f1(us(other(r), q))} | ${(other(r) / r.machine).toFixed(2)} |\n`);
    }
    const of = (side: number) => results.filter((r) => r.side === side).sort((a, b) => a.round - b.round);
    const [via, direct] = [of(0), of(1)];
    const perRound = (fn: (a: Result, b: Result) => number) => spread(via.map((a, k) => fn(a, direct[k]!)));
    const cpu = (rs: Result[], pick: (r: Result) => number) => formatSpread(spread(rs.map((r) => us(pick(r), r.wrk.requests))), 1).replace(/ rounds\)$/, ')');
    out('\nCPU µs/request, medians of the rounds (IQR, range):\n');
    out(`  through the ingress: nginx ${cpu(via, (r) => r.nginx)}; backend ${cpu(via, (r) => r.backend)}; wrk ${cpu(via, (r) => r.wrk.cpuMs)}; softirq ${cpu(via, (r) => r.softirq)}\n`);
    out(`  direct:              backend ${cpu(direct, (r) => r.backend)}; wrk ${cpu(direct, (r) => r.wrk.cpuMs)}; softirq ${cpu(direct, (r) => r.softirq)}\n`);
    out(`  the rest of the machine's share of its busy time: ${formatSpread(spread(results.map((r) => other(r) / r.machine)))}\n`);
    // The hop in absolute terms: what a proxied request costs the whole machine beyond a direct one.
    // Unlike the ratio it does not depend on how cheap the backend is, nor on idle time.
    out(`  the whole machine (every process and the kernel): through the ingress ${cpu(via, (r) => r.machine)}; direct ${cpu(direct, (r) => r.machine)}\n`);
    out(`  the hop's cost, per round (through − direct): ${formatSpread(perRound((a, b) => us(a.machine, a.wrk.requests) - us(b.machine, b.wrk.requests)), 1).replace(/ rounds\)$/, ')')} µs per request\n`);
    const idleShare = (rs: Result[]) => formatSpread(spread(rs.map((r) => r.idle / (r.idle + r.machine))), 2).replace(/ rounds\)$/, ')');
    out(`  idle share of the cores while wrk ran: through the ingress ${idleShare(via)}; direct ${idleShare(direct)}\n`);
    out(`\ningress hop (issue 6, in the cluster): rps ${formatSpread(perRound((a, b) => a.wrk.rps / b.wrk.rps))} of the same pod by its IP (goal >= 0.7; median of the per-round ratios)\n`);
    out(`  p99 latency ${formatSpread(perRound((a, b) => a.wrk.p99ms / b.wrk.p99ms))}\n`);
    const quiet = via.map((a, k) => [a, direct[k]!] as const).filter(([a, b]) => other(a) / a.machine < QUIET_SHARE && other(b) / b.machine < QUIET_SHARE);
    out(quiet.length > 0
      ? `  quiet rounds only (rest < ${QUIET_SHARE} of the machine in both runs): rps ${formatSpread(spread(quiet.map(([a, b]) => a.wrk.rps / b.wrk.rps)))}, p99 ${formatSpread(spread(quiet.map(([a, b]) => a.wrk.p99ms / b.wrk.p99ms)))}\n`
      : `  no quiet round (rest < ${QUIET_SHARE} of the machine in both runs): the machine was busy with other work, the ratio above is not the hop's\n`);
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
