// The peer for the benchmark: the ruleset shape kube-proxy's nftables mode
// generates — a chain per Service port and a chain per endpoint, the Service
// chain picking an endpoint with `numgen random mod N vmap {...}` — rendered
// as one full transaction, for the same Services.

import type { ServicePortInfo } from '../../src/proxy/service-ports.js';
import { shortHash } from '../../src/proxy/ruleset.js';

export const PEER_TABLE = 'kp';

export function renderKubeProxyShaped(ports: readonly ServicePortInfo[], clusterCIDR: string): string {
  const out: string[] = [`add table ip ${PEER_TABLE}`, `delete table ip ${PEER_TABLE}`, `table ip ${PEER_TABLE} {`];
  const vmap: string[] = [];
  const chains: string[] = [];
  for (const sp of ports) {
    const svc = `service-${shortHash(sp.id)}-${sp.id}`;
    vmap.push(`${sp.clusterIP} . ${sp.proto} . ${sp.port} : goto ${svc}`);
    const eps = sp.clusterEndpoints.map((ep) => ({ ep, chain: `endpoint-${shortHash(`${sp.id}${ep.ip}`)}-${sp.id}__${ep.ip}/${ep.port}` }));
    chains.push(`\tchain ${svc} {`,
      `\t\tip daddr ${sp.clusterIP} ${sp.proto} dport ${sp.port} ip saddr != ${clusterCIDR} jump mark-for-masquerade`,
      `\t\tnumgen random mod ${eps.length} vmap { ${eps.map((e, i) => `${i} : goto ${e.chain}`).join(', ')} }`, '\t}');
    for (const { ep, chain } of eps) {
      chains.push(`\tchain ${chain} {`, `\t\tip saddr ${ep.ip} jump mark-for-masquerade`, `\t\tmeta l4proto ${sp.proto} dnat to ${ep.ip}:${ep.port}`, '\t}');
    }
  }
  out.push('\tchain mark-for-masquerade {', '\t\tmeta mark set meta mark | 0x00004000', '\t}');
  out.push('\tmap service-ips {', '\t\ttype ipv4_addr . inet_proto . inet_service : verdict', `\t\telements = { ${vmap.join(',\n\t\t\t')} }`, '\t}');
  for (const line of chains) out.push(line);
  out.push('\tchain nat-prerouting {', '\t\ttype nat hook prerouting priority dstnat; policy accept;', '\t\tip daddr . meta l4proto . th dport vmap @service-ips', '\t}', '}');
  return out.join('\n') + '\n';
}
