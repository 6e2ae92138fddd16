// Backend sets → the router's `ip podnet-lb` table as one `nft -f -`
// transaction (pure). The table is the whole data path of the cloud load
// balancer and the only thing podnet adds to the router namespace:
//
//   prerouting, filter, dstnat-10   new connection to an LB address:port with
//                                   loadBalancerSourceRanges, from a source
//                                   outside them → drop (@firewall → fw-<id>),
//                                   as the security group of a cloud LB does;
//                                   one whose (addr . proto . port) is not in
//                                   @serving → reject (TCP reset / ICMP port
//                                   unreachable)
//   prerouting, nat, dstnat         (addr . proto . port) vmap @frontends
//                                   → goto lb-<ns>/<name>/<proto>/<port>
//   lb-<id>                         dnat to nodeIP . nodePort, picked by
//                                   numgen random mod N over the healthy nodes
//
// No SNAT: the node sees the outside client's own address (an NLB with
// instance targets keeps it too). The node answers through its default route,
// which is the router, and conntrack there undoes the DNAT on the way back.
// Only a connection's first packet passes the nat hook, so conntrack keeps
// every later packet on the node chosen first: a node that turns unhealthy
// stops receiving new connections only; established ones run to completion.
//
// Why two lookups: @serving is a plain set because a lookup of the verdict
// map from the filter chain would bind the lb-* chains to a filter hook, and
// the kernel then refuses their dnat (EOPNOTSUPP; dnat is for nat chains only).
// `delete table` after a bare `table` declaration makes the transaction work
// whether or not the table exists; the whole file commits atomically or not
// at all (nft(8), "ATOMIC RULE REPLACEMENT").

import { NFLOG_GROUP, nflogStatement } from '../net/nflog.js';
import type { LbBackendSet } from './lb-model.js';

export const LB_TABLE_FAMILY = 'ip';
export const LB_TABLE_NAME = 'podnet-lb';

export const LB_NAMES = {
  addresses: 'lb-addresses',
  serving: 'serving',
  frontends: 'frontends',
  firewall: 'firewall',
  /** per frontend with loadBalancerSourceRanges: fw-<ns>/<name>/<proto>/<port-name-or-number> */
  firewallChain: (id: string) => `fw-${id}`,
  filterPrerouting: 'filter-prerouting',
  natPrerouting: 'nat-prerouting',
  reject: 'reject-lb',
  /** per frontend: lb-<ns>/<name>/<proto>/<port-name-or-number> */
  frontendChain: (id: string) => `lb-${id}`,
} as const;

const TABLE = `${LB_TABLE_FAMILY} ${LB_TABLE_NAME}`;

function elements(items: readonly string[]): string[] {
  return items.length === 0 ? [] : [`\t\telements = { ${items.join(', ')} }`];
}

/** The full transaction that makes the table hold exactly `sets`. */
export function renderLbRuleset(sets: readonly LbBackendSet[]): string {
  const addresses = [...new Set(sets.map((s) => s.frontend.ip))];
  const serving = sets.filter((s) => s.backends.length > 0);
  const guarded = sets.filter((s) => s.frontend.sourceRanges.length > 0);
  const key = (s: LbBackendSet) => `${s.frontend.ip} . ${s.frontend.proto} . ${s.frontend.port}`;
  const lines = [
    `table ${TABLE}`,
    `delete table ${TABLE}`,
    `table ${TABLE} {`,
    '\tcomment "podnet cloud load balancer: LB address:port -> nodeIP:nodePort of healthy nodes"',
    `\tset ${LB_NAMES.addresses} {`,
    '\t\ttype ipv4_addr',
    ...elements(addresses),
    '\t}',
    `\tset ${LB_NAMES.serving} {`,
    '\t\ttype ipv4_addr . inet_proto . inet_service',
    ...elements(serving.map(key)),
    '\t}',
    `\tmap ${LB_NAMES.frontends} {`,
    '\t\ttype ipv4_addr . inet_proto . inet_service : verdict',
    ...elements(serving.map((s) => `${key(s)} : goto ${LB_NAMES.frontendChain(s.frontend.id)}`)),
    '\t}',
    `\tmap ${LB_NAMES.firewall} {`,
    '\t\ttype ipv4_addr . inet_proto . inet_service : verdict',
    ...elements(guarded.map((s) => `${key(s)} : jump ${LB_NAMES.firewallChain(s.frontend.id)}`)),
    '\t}',
    `\tchain ${LB_NAMES.filterPrerouting} {`,
    '\t\ttype filter hook prerouting priority dstnat - 10; policy accept;',
    `\t\tct state new ip daddr . meta l4proto . th dport vmap @${LB_NAMES.firewall}`,
    `\t\tct state new ip daddr @${LB_NAMES.addresses} meta l4proto { tcp, udp, sctp } ip daddr . meta l4proto . th dport != @${LB_NAMES.serving} jump ${LB_NAMES.reject}`,
    '\t}',
    // TCP gets a reset (curl: "Connection refused"), the rest ICMP port unreachable (RFC 1122 3.2.2.1).
    // Each refused packet is copied to a netlink log group for `podnet observe` first (src/net/nflog.ts).
    `\tchain ${LB_NAMES.reject} {`,
    `\t\tmeta l4proto tcp ${nflogStatement(NFLOG_GROUP.serviceReject)} reject with tcp reset`,
    `\t\t${nflogStatement(NFLOG_GROUP.serviceReject)} reject`,
    '\t}',
    `\tchain ${LB_NAMES.natPrerouting} {`,
    '\t\ttype nat hook prerouting priority dstnat; policy accept;',
    `\t\tip daddr . meta l4proto . th dport vmap @${LB_NAMES.frontends}`,
    '\t}',
  ];
  for (const s of guarded) {
    const f = s.frontend;
    lines.push(
      `\tchain ${LB_NAMES.firewallChain(f.id)} {`,
      `\t\tip saddr != { ${f.sourceRanges.join(', ')} } ${nflogStatement(NFLOG_GROUP.serviceDrop)} drop comment "${f.service} loadBalancerSourceRanges"`,
      '\t}',
    );
  }
  for (const s of serving) {
    const f = s.frontend;
    const map = s.backends.map((b, i) => `${i} : ${b.ip} . ${b.port}`).join(', ');
    const comment = `${f.service} ${f.proto}/${f.port} -> ${s.backends.map((b) => b.node).join(' ')}`;
    lines.push(
      `\tchain ${LB_NAMES.frontendChain(f.id)} {`,
      // nft needs the protocol pinned before a dnat that sets a port.
      `\t\tmeta l4proto ${f.proto} dnat ip to numgen random mod ${s.backends.length} map { ${map} } comment "${comment}"`,
      '\t}',
    );
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
