// `podnet up --nodes 2` wall time (the sealed network, the daemon, both node
// agents Ready; no system pods), then `podnet down`, RUNS times on a fresh
// cluster each time. Goal (issue 3): median up <= 1.5 s.
//
//   node dist/bench/podnetwork/up.js [RUNS=7] [NODES=2]      (needs root)

import { performance } from 'node:perf_hooks';
import { benchCluster, load, median, mustSucceed, table } from './cluster.js';

const RUNS = Number(process.argv[2] ?? 7);
const NODES = Number(process.argv[3] ?? 2);

async function main(): Promise<void> {
  const rows: (string | number)[][] = [];
  const up: number[] = [];
  const down: number[] = [];
  process.stdout.write(`podnet up --nodes ${NODES} / down, ${RUNS} runs (load average before: ${load()})\n`);
  for (let i = 1; i <= RUNS; i++) {
    const cluster = benchCluster('bpn1');
    try {
      const t0 = performance.now();
      const r = mustSucceed(await cluster.pn(['up', '--nodes', String(NODES)]), 'podnet up');
      const upMs = performance.now() - t0;
      const reported = /Ready in ([\d.]+)s/.exec(r.stdout)?.[1] ?? '?';
      const t1 = performance.now();
      mustSucceed(await cluster.pn(['down']), 'podnet down');
      const downMs = performance.now() - t1;
      up.push(upMs);
      down.push(downMs);
      rows.push([i, (upMs / 1000).toFixed(3), reported, (downMs / 1000).toFixed(3), load().split(' ')[0]!]);
    } finally {
      await cluster.down();
    }
  }
  process.stdout.write(`${table(['run', 'up wall s', 'up (CLI says) s', 'down wall s', 'load1'], rows)}\n\n`);
  const s = (xs: number[]) => `median ${(median(xs) / 1000).toFixed(3)} s, min ${(Math.min(...xs) / 1000).toFixed(3)} s, max ${(Math.max(...xs) / 1000).toFixed(3)} s`;
  process.stdout.write(`up:   ${s(up)}   (goal: median <= 1.5 s: ${median(up) <= 1500 ? 'met' : 'NOT met'})\n`);
  process.stdout.write(`down: ${s(down)}\n`);
  process.stdout.write(`load average after: ${load()}\n`);
}

main().catch((err) => { process.stderr.write(`${(err as Error).stack ?? err}\n`); process.exit(1); });
