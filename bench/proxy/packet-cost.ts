// What the service proxy costs a packet (issue 4, "Packet cost"), in a sealed
// two-node world of its own (test/integration/proxy/world.ts, namespaces
// pn-pxt-pc<pid>-*), the proxy programming node 1:
//
//   1. request latency, pod → ClusterIP against pod → pod IP, in the same run:
//      sequential short HTTP requests (each on a new TCP connection, so every
//      one pays the NAT lookup and a conntrack entry) from the client pod on
//      node 1 to a pod on node 2, the two addresses alternating in one curl
//      run; p50 and p99 of curl's time_total, ratio = pod IP / ClusterIP.
//   2. first-packet latency with 10 versus 10,000 Services programmed (each
//      with 10 endpoints; the measured Service is one of them): curl's
//      time_connect (SYN → SYN-ACK, i.e. the first packet's trip through the
//      rules) of new connections through the ClusterIP; rounds alternate
//      between the two rulesets so machine load drifts hit both alike.
//
// Run: node dist/bench/proxy/packet-cost.js [requests per address, default 300] [rounds, default 3]

import type { EndpointSlice, Service } from '../../src/api/types.js';
import { ServiceProxy } from '../../src/proxy/service-proxy.js';
import { service, slice } from '../../test/unit/proxy/fixtures.js';
import { World } from '../../test/integration/proxy/world.js';
import { syntheticServices } from './synthetic.js';

const VIP = '10.96.0.50';
const SERVICE_PORT = 80;
const POD_PORT = 8080;
const FEW = 10;
const MANY = 10_000;
const ENDPOINTS = 10;
const CONNECTS_PER_ROUND = 200;
const CURL_TIMEOUT_MS = 600_000;
const MARK = 'timing:'; // not '@…': curl reads a -w format starting with @ from a file

interface Sample { addr: string; connectMs: number; totalMs: number }

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const sortNum = (xs: number[]) => [...xs].sort((a, b) => a - b);
const ms = (x: number) => x.toFixed(3);

/** The measured Service (→ the pod on node 2) plus n - 1 synthetic ones. */
function state(n: number, backend: string): { services: Service[]; slices: EndpointSlice[] } {
  const synthetic = syntheticServices(n - 1, ENDPOINTS);
  return {
    services: [service('echo', VIP, [{ name: 'http', port: SERVICE_PORT }]), ...synthetic.services],
    slices: [slice('echo', [{ name: 'http', port: POD_PORT }], [{ ip: backend, node: 'node-2' }]), ...synthetic.slices],
  };
}

/** One curl run over the URLs in order, each a new connection (the servers close after answering). */
async function curl(world: World, urls: string[]): Promise<Sample[]> {
  // bodies go to stdout too (-o applies to one URL only); the timing lines carry a marker
  const r = await world.runner.run(['curl', '-s', '--max-time', '5', '-H', 'Connection: close',
    '-w', `${MARK} %{remote_ip} %{time_connect} %{time_total}\\n`, ...urls], { netns: world.ns('c'), timeoutMs: CURL_TIMEOUT_MS, allowFailure: true });
  if (r.code !== 0) throw new Error(`curl in ${world.ns('c')} exited ${r.code}: ${r.stderr.trim() || r.stdout.slice(-300)}`);
  return r.stdout.split('\n').filter((l) => l.startsWith(MARK)).map((l) => {
    const [, addr, connect, total] = l.split(' ');
    return { addr: addr!, connectMs: Number(connect) * 1000, totalMs: Number(total) * 1000 };
  });
}

async function main(): Promise<void> {
  const perAddress = Number(process.argv[2] ?? 300);
  const rounds = Number(process.argv[3] ?? 3);
  const world = new World(`pc${process.pid}`);
  try {
    await world.build();
    const backend = world.pods.find((p) => p.name === 'p3')!.ip;
    const proxy = new ServiceProxy({ runner: world.runner, netns: world.ns('n1'), nodeName: 'node-1', nodeIP: '172.18.0.2', podCIDR: '10.244.0.0/24' });
    const few = state(FEW, backend);
    const many = state(MANY, backend);
    await proxy.sync(few.services, few.slices);
    const vipUrl = `http://${VIP}:${SERVICE_PORT}/`;
    const podUrl = `http://${backend}:${POD_PORT}/`;
    await curl(world, [vipUrl, podUrl]); // warm up ARP and the servers

    // 1. latency: the two paths interleaved in one run
    const samples = await curl(world, Array.from({ length: perAddress * 2 }, (_, i) => (i % 2 === 0 ? vipUrl : podUrl)));
    if (samples.length !== perAddress * 2 || samples.some((s, i) => s.addr !== (i % 2 === 0 ? VIP : backend))) {
      throw new Error(`expected ${perAddress * 2} answers alternating ${VIP} and ${backend}, got ${samples.length}: ${JSON.stringify(samples.slice(0, 3))}`);
    }
    const viaVip = sortNum(samples.filter((_, i) => i % 2 === 0).map((s) => s.totalMs));
    const direct = sortNum(samples.filter((_, i) => i % 2 === 1).map((s) => s.totalMs));

    // 2. first-packet latency, 10 vs 10,000 Services, alternating rounds
    const connect: Record<'few' | 'many', number[]> = { few: [], many: [] };
    for (let r = 0; r < rounds; r++) {
      for (const which of ['few', 'many'] as const) {
        const s = which === 'few' ? few : many;
        await proxy.sync(s.services, s.slices);
        const got = await curl(world, Array<string>(CONNECTS_PER_ROUND).fill(vipUrl));
        if (got.length !== CONNECTS_PER_ROUND) throw new Error(`round ${r} (${which}): ${got.length} of ${CONNECTS_PER_ROUND} connections answered`);
        connect[which].push(...got.map((g) => g.connectMs));
      }
    }
    await proxy.delete();

    const f = sortNum(connect.few);
    const m = sortNum(connect.many);
    const row = {
      latency: { samplesPerPath: perAddress, clusterIP: { p50: quantile(viaVip, 0.5), p99: quantile(viaVip, 0.99) }, podIP: { p50: quantile(direct, 0.5), p99: quantile(direct, 0.99) } },
      firstPacket: { samplesPerCase: f.length, services10: { p50: quantile(f, 0.5), p99: quantile(f, 0.99) }, services10000: { p50: quantile(m, 0.5), p99: quantile(m, 0.99) } },
    };
    console.error(JSON.stringify(row));
    console.log('\nRequest latency (new TCP connection + HTTP request each; client pod on node 1 → pod on node 2), ms');
    console.log('| path | p50 | p99 |');
    console.log('|---|---|---|');
    console.log(`| pod → ClusterIP | ${ms(row.latency.clusterIP.p50)} | ${ms(row.latency.clusterIP.p99)} |`);
    console.log(`| pod → pod IP | ${ms(row.latency.podIP.p50)} | ${ms(row.latency.podIP.p99)} |`);
    console.log(`| ratio pod IP / ClusterIP | ${(row.latency.podIP.p50 / row.latency.clusterIP.p50).toFixed(3)} | ${(row.latency.podIP.p99 / row.latency.clusterIP.p99).toFixed(3)} |`);
    console.log(`\nFirst-packet latency through the ClusterIP (connect: SYN → SYN-ACK), ${rounds} alternating rounds of ${CONNECTS_PER_ROUND}, ms`);
    console.log('| Services programmed | p50 | p99 |');
    console.log('|---|---|---|');
    console.log(`| ${FEW} | ${ms(row.firstPacket.services10.p50)} | ${ms(row.firstPacket.services10.p99)} |`);
    console.log(`| ${MANY.toLocaleString('en-US')} | ${ms(row.firstPacket.services10000.p50)} | ${ms(row.firstPacket.services10000.p99)} |`);
    console.log(`| ratio ${MANY} / ${FEW} (p50) | ${(row.firstPacket.services10000.p50 / row.firstPacket.services10.p50).toFixed(3)} | |`);
  } finally {
    await world.destroy();
  }
}

await main();
