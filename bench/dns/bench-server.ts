// A cluster DNS server process loaded with a synthetic cluster, for dnsperf:
//   node dist/bench/dns/bench-server.js --port 5353 [--services 10000] [--endpoints 5] [--upstream IP:PORT] [--query-log PATH]
// 10,000 Services in 100 namespaces (every 10th headless), each with one
// EndpointSlice of --endpoints addresses (50,000 endpoints by default).
// Prints "ready <rss-bytes>" once loaded and listening; SIGTERM stops it.

import { parseArgs } from 'node:util';
import { DEFAULT_CLUSTER_DNS_OPTIONS } from '../../src/dns/answer.js';
import { ClusterIndex } from '../../src/dns/cluster-records.js';
import { ClusterResolver } from '../../src/dns/cluster-resolver.js';
import { Forwarder, parseUpstream } from '../../src/dns/forwarder.js';
import { DnsMetrics } from '../../src/dns/metrics.js';
import { openQueryLog } from '../../src/dns/query-log.js';
import { DnsServer } from '../../src/dns/server.js';
import { syntheticCluster } from './synthetic.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '5353' },
    services: { type: 'string', default: '10000' },
    endpoints: { type: 'string', default: '5' },
    upstream: { type: 'string', multiple: true },
    'query-log': { type: 'string' },
  },
});
const index = new ClusterIndex();
for (const obj of syntheticCluster(Number(values.services), Number(values.endpoints))) index.apply('ADDED', obj);
index.markSynced();
const forwarder = new Forwarder({ upstreams: (values.upstream ?? []).map(parseUpstream) });
const server = new DnsServer({
  handler: new ClusterResolver(index, DEFAULT_CLUSTER_DNS_OPTIONS, forwarder),
  host: '127.0.0.1', port: Number(values.port), metrics: new DnsMetrics(), queryLog: openQueryLog(values['query-log']),
});
await server.start();
global.gc?.();
process.stdout.write(`ready ${process.memoryUsage().rss} ${JSON.stringify(index.size())}\n`);
process.on('SIGTERM', () => { forwarder.close(); void server.stop().then(() => process.exit(0)); });
