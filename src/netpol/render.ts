// One node's NetworkPolicy ruleset, pure: the nftables table `ip podnet-netpol`
// in the node's network namespace. Its forward hook sees every packet to or
// from a pod of the node after kube-proxy's DNAT (so a Service's traffic is
// judged by the pod it reaches) and, with br_netfilter on as the nodes have
// it, traffic between two pods of the node too. Replies and established
// connections pass; a new connection to an isolated pod jumps to that pod's
// ingress chain, one from an isolated pod to its egress chain, and each
// chain returns when a rule allows the packet and drops (counted, and logged
// to a netlink group for `podnet observe`) when none does. Traffic from the
// node itself (the agent's probes) never crosses the
// forward hook, so it is always allowed, as upstream requires.

import { NFLOG_GROUP, nflogStatement } from '../net/nflog.js';
import type { Allowance, PeerMatch, PodPolicy, PortMatch } from './model.js';

export const NETPOL_TABLE = 'podnet-netpol';


const comment = (text: string) => `comment ${JSON.stringify(text.slice(0, 128))}`;

function peerMatch(peers: PeerMatch, direction: 'saddr' | 'daddr'): string {
  if (peers === 'any') return '';
  if ('addresses' in peers) return `ip ${direction} { ${[...new Set(peers.addresses)].sort().join(', ')} } `;
  const except = peers.except.length > 0 ? `ip ${direction} != { ${peers.except.join(', ')} } ` : '';
  return `ip ${direction} ${peers.cidr} ${except}`;
}

function portMatch(port: PortMatch): string {
  if (port === 'any') return '';
  const range = port.from === port.to ? `${port.from}` : `${port.from}-${port.to}`;
  return port.from === 1 && port.to === 65535 ? `meta l4proto ${port.protocol} ` : `meta l4proto ${port.protocol} th dport ${range} `;
}

function allowRules(allowances: Allowance[], direction: 'saddr' | 'daddr'): string[] {
  const lines: string[] = [];
  for (const a of allowances) for (const p of a.ports) lines.push(`${peerMatch(a.peers, direction)}${portMatch(p)}return`);
  return [...new Set(lines)];
}

/** The whole table (`nft -f` replaces it in one transaction); an empty string when no pod of the node is isolated. */
export function renderNetpol(pods: readonly PodPolicy[]): string {
  if (pods.length === 0) return '';
  const chains: string[] = [];
  const ingressMap: string[] = [];
  const egressMap: string[] = [];
  const sorted = [...pods].sort((a, b) => a.pod.localeCompare(b.pod));
  sorted.forEach((p, i) => {
    const why = `${p.pod} isolated by ${p.policies.join(', ')}`;
    // a pod cannot block itself (through its own Service, DNAT brings it back to itself)
    if (p.ingress) {
      ingressMap.push(`${p.ip} : jump ingress-${i}`);
      chains.push(`  chain ingress-${i} {\n${[`ip saddr ${p.ip} return`, ...allowRules(p.ingress, 'saddr'), `counter ${nflogStatement(NFLOG_GROUP.policyIngress)} drop ${comment(`ingress to ${why}`)}`].map((l) => `    ${l}\n`).join('')}  }\n`);
    }
    if (p.egress) {
      egressMap.push(`${p.ip} : jump egress-${i}`);
      chains.push(`  chain egress-${i} {\n${[`ip daddr ${p.ip} return`, ...allowRules(p.egress, 'daddr'), `counter ${nflogStatement(NFLOG_GROUP.policyEgress)} drop ${comment(`egress from ${why}`)}`].map((l) => `    ${l}\n`).join('')}  }\n`);
    }
  });
  const forward = [
    'type filter hook forward priority filter; policy accept;',
    'ct state established,related accept',
    ...(ingressMap.length > 0 ? [`ip daddr vmap { ${ingressMap.join(', ')} }`] : []),
    ...(egressMap.length > 0 ? [`ip saddr vmap { ${egressMap.join(', ')} }`] : []),
  ];
  return `table ip ${NETPOL_TABLE} {\n  chain forward {\n${forward.map((l) => `    ${l}\n`).join('')}  }\n${chains.join('')}}\n`;
}

/** The `nft -f` input that makes the node's table exactly `table` (none when it is ''). */
export function netpolTransaction(table: string): string {
  // `table …` first: deleting a table that does not exist fails the transaction
  const reset = `table ip ${NETPOL_TABLE}\ndelete table ip ${NETPOL_TABLE}\n`;
  return table ? `${reset}${table}` : reset;
}
