// The node's ip-masq-agent: traffic from pods to anything that is neither a
// pod nor a Service leaves the node with the node's IP as source, so the
// outside world (which has no route to pod CIDRs, like a real VPC's internet
// gateway) can answer. Pod-to-pod traffic is never masqueraded: pods see each
// other's real IPs (DESIGN.md, "Address plan").
//
// Contract: this table belongs to the topology. The service proxy owns its own
// tables (`ip podnet` / `inet podnet`) and must not touch this one; this one
// never touches theirs. Pure.

import { POD_NETWORK, SERVICE_NETWORK } from '../config.js';
import { UPLINK } from './names.js';

export const MASQ_TABLE_FAMILY = 'ip';
export const MASQ_TABLE = 'podnet-nat-masq';
/** ip-masq-agent's `nonMasqueradeCIDRs`: destinations reached with the pod's own source IP. */
export const NO_MASQUERADE_SET = 'no-masquerade';

export interface MasqueradeOptions {
  podNetwork?: string;
  serviceNetwork?: string;
  uplink?: string;
}

/**
 * The whole table as one `nft -f -` transaction. `table` (create if absent)
 * then `delete table` then the full definition is the standard idiom for an
 * atomic, idempotent replace (nft(8), "ATOMIC RULE REPLACEMENT").
 */
export function masqueradeRuleset(options: MasqueradeOptions = {}): string {
  const podNetwork = options.podNetwork ?? POD_NETWORK;
  const serviceNetwork = options.serviceNetwork ?? SERVICE_NETWORK;
  const uplink = options.uplink ?? UPLINK;
  const table = `${MASQ_TABLE_FAMILY} ${MASQ_TABLE}`;
  return [
    `table ${table}`,
    `delete table ${table}`,
    `table ${table} {`,
    `\tset ${NO_MASQUERADE_SET} {`,
    `\t\ttype ipv4_addr`,
    `\t\tflags interval`,
    `\t\telements = { ${podNetwork}, ${serviceNetwork} }`,
    `\t}`,
    ``,
    `\tchain postrouting {`,
    // srcnat (100) runs after the proxy's DNAT at dstnat, so daddr is the chosen backend.
    `\t\ttype nat hook postrouting priority srcnat; policy accept;`,
    `\t\toifname "${uplink}" ip saddr ${podNetwork} ip daddr != @${NO_MASQUERADE_SET} masquerade`,
    `\t}`,
    `}`,
    ``,
  ].join('\n');
}
