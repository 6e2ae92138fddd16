// CPU cost of the server's own work per query, without the network: the
// bench's query mix (10,000 Services loaded) fed straight into the UDP
// handler, with the socket's send replaced by a no-op, after one warm-up
// pass that fills the response cache. Reports the fastest of many passes
// (the machine is shared) besides the median and CPU time. What dnsperf measures is this plus
// Node's dgram layer and the kernel; this isolates the part we control.
//   node dist/bench/dns/hot-path.js [--rounds 100]

import { parseArgs } from 'node:util';
import dnsPacket from 'dns-packet';
import { DEFAULT_CLUSTER_DNS_OPTIONS } from '../../src/dns/answer.js';
import { ClusterIndex } from '../../src/dns/cluster-records.js';
import { ClusterResolver } from '../../src/dns/cluster-resolver.js';
import { DnsMetrics } from '../../src/dns/metrics.js';
import { DnsServer } from '../../src/dns/server.js';
import { NAMESPACES, serviceIP, syntheticCluster } from './synthetic.js';

const SERVICES = 10_000;
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '100' } } });

function svcName(i: number): string { return `svc${i}.ns${i % NAMESPACES}.svc.cluster.local`; }

/** The same names as dns-bench's query files (cluster A names, and the mix), as query packets. */
function queries(kind: 'cluster' | 'mix'): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < SERVICES; i++) {
    let q: [string, string] = [svcName(i), 'A'];
    if (kind === 'mix') {
      switch (i % 10) {
        case 5: case 6: q = [`nosvc${i}.ns${i % NAMESPACES}.svc.cluster.local`, 'A']; break;
        case 7: q = [`_http._tcp.${svcName(i)}`, 'SRV']; break;
        case 8: q = [svcName(i), 'AAAA']; break;
        case 9: q = [`${serviceIP(i).split('.').reverse().join('.')}.in-addr.arpa`, 'PTR']; break;
        default:
      }
    }
    out.push(dnsPacket.encode({ type: 'query', id: i & 0xffff, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: q[0], type: q[1] as 'A', class: 'IN' }] }));
  }
  return out;
}

const index = new ClusterIndex();
for (const obj of syntheticCluster(SERVICES, 5)) index.apply('ADDED', obj);
index.markSynced();
const server = new DnsServer({ handler: new ClusterResolver(index, DEFAULT_CLUSTER_DNS_OPTIONS), host: '127.0.0.1', port: 0, metrics: new DnsMetrics() });
let sent = 0;
// The UDP path as the socket drives it, minus the socket.
const udp = server as unknown as { onUdp(msg: Buffer, rinfo: { address: string; port: number }): void; sendUdp(b: Buffer): void };
udp.sendUdp = () => { sent++; };
const rinfo = { address: '127.0.0.1', port: 40000, family: 'IPv4', size: 0 };
const result: Record<string, unknown> = {};
for (const kind of ['cluster', 'mix'] as const) {
  const qs = queries(kind);
  for (const q of qs) udp.onUdp(q, rinfo); // warm-up: fills the cache
  await new Promise((r) => setImmediate(r));
  // Many short passes, and the fastest one counts: on a shared machine a pass
  // that was preempted is slower for reasons that are not ours.
  const passes: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < Number(values.rounds); r++) {
    const t0 = process.hrtime.bigint();
    for (const q of qs) udp.onUdp(q, rinfo);
    passes.push(Number(process.hrtime.bigint() - t0) / qs.length);
  }
  const cpu = process.cpuUsage(cpu0);
  passes.sort((a, b) => a - b);
  result[kind] = {
    queries: passes.length * qs.length, minNsPerQuery: Math.round(passes[0]!), medianNsPerQuery: Math.round(passes[passes.length >> 1]!),
    cpuNsPerQuery: Math.round(((cpu.user + cpu.system) * 1000) / (passes.length * qs.length)),
  };
}
await new Promise((r) => setImmediate(r));
process.stdout.write(JSON.stringify({ ...result, sent }, null, 2) + '\n');
