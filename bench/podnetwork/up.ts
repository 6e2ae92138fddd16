// `podnet up --nodes 2` wall time, then `podnet down`, RUNS times on a fresh
// cluster each time, in two variants run alternately:
//   --bare: the sealed network, the daemon and both node agents Ready (no
//           system pods) — issue 3's number, goal: median <= 1.5 s
//   full:   the same plus cluster DNS and the ingress controller Ready
// Wall time includes starting the CLI process (node), as a user sees it.
//
//   node dist/bench/podnetwork/up.js [RUNS=7] [NODES=2]      (needs root)

import { performance } from 'node:perf_hooks';
import { benchCluster, load, median, mustSucceed, table } from './cluster.js';

const RUNS = Number(process.argv[2] ?? 7);
const NODES = Number(process.argv[3] ?? 2);
const VARIANTS = [{ label: 'bare', flags: ['--bare'] }, { label: 'full', flags: [] }];

async function once(flags: string[]): Promise<{ up: number; reported: string; down: number }> {
  const cluster = benchCluster('bpn1');
  try {
    const t0 = performance.now();
    const r = mustSucceed(await cluster.pn(['up', '--nodes', String(NODES), ...flags]), 'podnet up');
    const up = performance.now() - t0;
    const t1 = performance.now();
    mustSucceed(await cluster.pn(['down']), 'podnet down');
    return { up, reported: /Ready in ([\d.]+)s/.exec(r.stdout)?.[1] ?? '?', down: performance.now() - t1 };
  } finally {
    await cluster.down();
  }
}

async function main(): Promise<void> {
  const rows: (string | number)[][] = [];
  const samples = new Map(VARIANTS.map((v) => [v.label, { up: [] as number[], down: [] as number[] }]));
  process.stdout.write(`podnet up --nodes ${NODES} [--bare] / down, ${RUNS} runs each (load average before: ${load()})\n`);
  for (let i = 1; i <= RUNS; i++) {
    for (const v of VARIANTS) {
      const r = await once(v.flags);
      samples.get(v.label)!.up.push(r.up);
      samples.get(v.label)!.down.push(r.down);
      rows.push([i, v.label, (r.up / 1000).toFixed(3), r.reported, (r.down / 1000).toFixed(3), load().split(' ')[0]!]);
    }
  }
  process.stdout.write(`${table(['run', 'variant', 'up wall s', 'up (CLI says) s', 'down wall s', 'load1'], rows)}\n\n`);
  const s = (xs: number[]) => `median ${(median(xs) / 1000).toFixed(3)} s, min ${(Math.min(...xs) / 1000).toFixed(3)} s, max ${(Math.max(...xs) / 1000).toFixed(3)} s`;
  for (const v of VARIANTS) {
    const { up, down } = samples.get(v.label)!;
    process.stdout.write(`${v.label.padEnd(4)} up:   ${s(up)}${v.label === 'bare' ? `   (goal: median <= 1.5 s: ${median(up) <= 1500 ? 'met' : 'NOT met'})` : ''}\n`);
    process.stdout.write(`${v.label.padEnd(4)} down: ${s(down)}\n`);
  }
  process.stdout.write(`load average after: ${load()}\n`);
}

main().catch((err) => { process.stderr.write(`${(err as Error).stack ?? err}\n`); process.exit(1); });
