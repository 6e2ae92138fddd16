// The program the kube-system/coredns pods run:
//   node dist/src/dns/cluster-dns-main.js --api-socket PATH [--listen 0.0.0.0:53]
//     [--upstream 198.51.100.53:53 ...] [--ttl 5] [--zone cluster.local]
//     [--metrics :9153] [--health :8080] [--ready :8181] [--pods insecure|verified|disabled]
//     [--query-log stdout|PATH]   (or PODNET_DNS_QUERY_LOG)
// --upstream may repeat or hold a comma list; without it, the nameservers of
// /etc/resolv.conf are used (CoreDNS's `forward . /etc/resolv.conf`).

import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { HttpClient } from '../client/http-client.js';
import { POD_NETWORK, SERVICE_NETWORK } from '../config.js';
import type { PodMode } from './answer.js';
import { ClusterDns } from './cluster-dns.js';
import { parseHostPort } from './host-port.js';
import { parseUpstream } from './forwarder.js';
import { reverseZonesForCidr } from './names.js';
import { openQueryLog, QUERY_LOG_ENV } from './query-log.js';
import { StartupTrace } from '../startup-trace.js';
import path from 'node:path';

function resolvConfNameservers(): string[] {
  try {
    return fs.readFileSync('/etc/resolv.conf', 'utf8').split('\n')
      .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]).filter((s): s is string => !!s);
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'api-socket': { type: 'string' },
      listen: { type: 'string', default: '0.0.0.0:53' },
      upstream: { type: 'string', multiple: true },
      ttl: { type: 'string', default: '5' },
      zone: { type: 'string', default: 'cluster.local' },
      metrics: { type: 'string', default: ':9153' },
      health: { type: 'string', default: ':8080' },
      ready: { type: 'string', default: ':8181' },
      pods: { type: 'string', default: 'insecure' },
      'service-cidr': { type: 'string', default: SERVICE_NETWORK },
      'pod-cidr': { type: 'string', default: POD_NETWORK },
      'query-log': { type: 'string' },
    },
  });
  const socketPath = values['api-socket'];
  if (!socketPath) throw new Error('--api-socket PATH is required');
  // The API socket lies in the cluster's state directory, where the start-up trace is.
  const trace = StartupTrace.open(path.dirname(socketPath), `dns ${process.env.POD_NAME ?? process.pid}`);
  trace.mark('main');
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 0) throw new Error(`invalid --ttl ${values.ttl}`);
  const pods = values.pods as PodMode;
  if (!['insecure', 'verified', 'disabled'].includes(pods)) throw new Error(`invalid --pods ${values.pods}`);
  const upstreamTexts = (values.upstream ?? []).flatMap((u) => u.split(',')).filter(Boolean);
  const upstreams = (upstreamTexts.length ? upstreamTexts : resolvConfNameservers()).map(parseUpstream);
  const optional = (v: string | undefined) => (v && v !== 'off' ? parseHostPort(v) : undefined);
  const dns = new ClusterDns({
    client: new HttpClient({ socketPath }),
    listen: parseHostPort(values.listen!),
    upstreams,
    dns: {
      zone: values.zone!.replace(/\.$/, '').toLowerCase(), ttl, podMode: pods,
      reverseZones: [...reverseZonesForCidr(values['service-cidr']!), ...reverseZonesForCidr(values['pod-cidr']!)],
    },
    metrics: optional(values.metrics), health: optional(values.health), ready: optional(values.ready),
    queryLog: openQueryLog(values['query-log'] ?? process.env[QUERY_LOG_ENV]),
  });
  await dns.start();
  trace.mark('serving');
  process.stderr.write(`cluster dns: listening on ${values.listen} (udp+tcp), zone ${values.zone}, upstreams ${upstreams.map((u) => `${u.host}:${u.port}`).join(',') || 'none'}\n`);
  const shutdown = () => { void dns.stop().then(() => process.exit(0)); };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((e: unknown) => {
  process.stderr.write(`cluster-dns: ${(e as Error).message}\n`);
  process.exit(1);
});
