// Service proxy benchmark, inside a throwaway netns (pn-pxt-bench-<pid>):
//   - full programming of N Services x 10 endpoints: from "state known" to
//     "nft has committed" (ServiceProxy.sync, first call);
//   - one endpoint change at that scale (second sync: incremental);
//   - the kube-proxy-shaped peer (chain per Service and per endpoint), full load,
//     at 1,000 always and at 10,000 only when 1,000 extrapolates under 3 minutes.
// Run: node dist/bench/proxy/bench.js [sizes, default 1000,10000]

import type { EndpointSlice, Service } from '../../src/api/types.js';
import { ExecRunner } from '../../src/net/runner.js';
import { ServiceProxy } from '../../src/proxy/service-proxy.js';
import { servicePorts } from '../../src/proxy/service-ports.js';
import { syntheticServices } from './synthetic.js';
import { renderKubeProxyShaped } from './kube-proxy-shaped.js';

const ENDPOINTS = 10;
const PEER_LIMIT_MS = 180_000;
const NODE = { nodeName: 'node-1', nodeIP: '172.18.0.2', podCIDR: '10.244.0.0/24' };
const runner = new ExecRunner();
const netns = `pn-pxt-bench-${process.pid}`;

function world(n: number): { services: Service[]; slices: EndpointSlice[] } {
  return syntheticServices(n, ENDPOINTS);
}

async function time<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const v = await f();
  return [performance.now() - t, v];
}

interface Row { design: string; services: number; full: string; change: string; note: string }

async function ours(n: number): Promise<Row> {
  const w = world(n);
  const proxy = new ServiceProxy({ runner, netns, ...NODE });
  await runner.run(['nft', 'add table ip podnet; delete table ip podnet'], { netns, allowFailure: true });
  const [full, r1] = await time(() => proxy.sync(w.services, w.slices));
  // one endpoint of one Service replaced by a new pod
  const changed = w.slices.map((s, i) => (i === Math.floor(n / 2)
    ? { ...s, endpoints: s.endpoints.map((e, j) => (j === 3 ? { ...e, addresses: ['10.250.0.1'] } : e)) } : s));
  const [change, r2] = await time(() => proxy.sync(w.services, changed));
  // and one endpoint removed (count 10 → 9: new shared chain)
  const removed = changed.map((s, i) => (i === 7 ? { ...s, endpoints: s.endpoints.slice(1) } : s));
  const [removal, r3] = await time(() => proxy.sync(w.services, removed));
  const split = (r: typeof r1) => `nft ${r.nftMs.toFixed(0)} + js ${(r.durationMs - r.nftMs).toFixed(0)}`;
  return { design: 'podnet (maps)', services: n, full: `${full.toFixed(0)}`, change: `${change.toFixed(0)} / ${removal.toFixed(0)}`,
    note: `full: ${r1.transactionLines} lines, ${split(r1)}; change: ${r2.applied} ${r2.transactionLines} lines, ${split(r2)}; removal: ${r3.transactionLines} lines, ${split(r3)}` };
}

async function peer(n: number): Promise<Row> {
  const w = world(n);
  const [render, text] = await time(async () => renderKubeProxyShaped(servicePorts(w.services, w.slices, NODE.nodeName), '10.244.0.0/16'));
  const [load] = await time(() => runner.run(['nft', '-f', '-'], { netns, input: text, timeoutMs: PEER_LIMIT_MS }));
  await runner.run(['nft', 'delete table ip kp'], { netns, allowFailure: true });
  return { design: 'kube-proxy-shaped', services: n, full: `${(render + load).toFixed(0)}`, change: 'n/a', note: `render ${render.toFixed(0)} ms + nft ${load.toFixed(0)} ms` };
}

async function main(): Promise<void> {
  const sizes = (process.argv[2] ?? '1000,10000').split(',').map(Number);
  await runner.run(['ip', 'netns', 'add', netns]);
  const rows: Row[] = [];
  try {
    for (const n of sizes) { rows.push(await ours(n)); console.error(JSON.stringify(rows.at(-1))); }
    const p1k = await peer(1000);
    rows.push(p1k);
    console.error(JSON.stringify(p1k));
    const est10k = Number(p1k.full) * 10;
    if (process.env.PODNET_BENCH_SKIP_PEER_10K) rows.push({ design: 'kube-proxy-shaped', services: 10000, full: `~${est10k.toFixed(0)}+ (linear extrapolation)`, change: 'n/a', note: 'not run (PODNET_BENCH_SKIP_PEER_10K)' });
    else
    if (sizes.includes(10000)) {
      if (est10k < PEER_LIMIT_MS) {
        try {
          rows.push(await peer(10000));
        } catch {
          rows.push({ design: 'kube-proxy-shaped', services: 10000, full: `> ${PEER_LIMIT_MS}`, change: 'n/a', note: `nft killed at the ${PEER_LIMIT_MS / 1000} s cap (1,000 took ${p1k.full} ms)` });
        }
      }
      else rows.push({ design: 'kube-proxy-shaped', services: 10000, full: `~${est10k.toFixed(0)} (extrapolated)`, change: 'n/a', note: 'skipped: 1,000 x 10 extrapolates over 3 minutes' });
    }
  } finally {
    await runner.run(['ip', 'netns', 'del', netns], { allowFailure: true });
  }
  console.log(`\n${ENDPOINTS} endpoints per Service, TCP ClusterIP; times in ms, from state known to nft committed`);
  console.log('| design | Services | full programming | one endpoint change (replace / remove) | notes |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.design} | ${r.services} | ${r.full} | ${r.change} | ${r.note} |`);
}

await main();
