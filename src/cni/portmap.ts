// A pod's hostPorts, as the CNI portmap plugin makes them (pure): a
// connection to one of the node's addresses (or the port's hostIP) on the
// hostPort goes to the pod's IP and containerPort, from other nodes, the
// outside and the node itself; a pod reaching its own hostPort is
// masqueraded, as portmap's hairpin rule does (the answer would otherwise go
// from the pod to itself, bypassing the DNAT's reverse). The node agent keeps
// the node's table in line with its running pods (src/agent/hostport-loop.ts).

import { isIPv4 } from 'node:net';
import { hostPortsOf } from '../api/pod-helpers.js';
import type { Pod } from '../api/types.js';

const HOSTPORT_TABLE = 'podnet-hostports';

export interface HostPortMapping {
  protocol: 'tcp' | 'udp' | 'sctp';
  /** the one host address it binds, or undefined for all of the node's */
  hostIP?: string;
  hostPort: number;
  podIP: string;
  containerPort: number;
  /** namespace/name, the rule's comment */
  pod: string;
}

/** The hostPorts of a node's pods that run with an address of their own (a hostNetwork pod's port is the node's already). */
export function hostPortMappings(pods: readonly Pod[]): HostPortMapping[] {
  const out: HostPortMapping[] = [];
  for (const p of pods) {
    const ip = p.status?.podIP;
    // a terminating pod keeps its ports while it drains (portmap removes them at CNI DEL; the scheduler counts them till then)
    if (!ip || p.spec.hostNetwork || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
    for (const use of hostPortsOf(p)) {
      // validation takes IPv4 only; a value stored before it is left out rather than written into the rules
      if (use.hostIP && !isIPv4(use.hostIP)) continue;
      out.push({
        protocol: use.protocol.toLowerCase() as HostPortMapping['protocol'],
        ...(use.hostIP ? { hostIP: use.hostIP } : {}),
        hostPort: use.port, podIP: ip, containerPort: use.containerPort, pod: `${p.metadata.namespace}/${p.metadata.name}`,
      });
    }
  }
  // one order whatever the informer's: an unchanged set renders the same text
  return out.sort((a, b) => a.hostPort - b.hostPort || a.protocol.localeCompare(b.protocol) || (a.hostIP ?? '').localeCompare(b.hostIP ?? '') || a.pod.localeCompare(b.pod));
}

/** The pod (and its containerPort) a TCP connection to `ip:port` of a node goes to by its hostPort, among the node's `pods`. */
export function hostPortOwner(pods: readonly Pod[], ip: string, port: number, protocol: HostPortMapping['protocol'] = 'tcp'): HostPortMapping | undefined {
  return hostPortMappings(pods).find((m) => m.hostPort === port && m.protocol === protocol && (m.hostIP === undefined || m.hostIP === ip));
}

/**
 * The node's table: DNAT in prerouting (other nodes, the outside, pods) and
 * output (the node itself), before the service proxy's chains; to a local
 * address only, and never from loopback (127.0.0.1 would need route_localnet,
 * which portmap leaves off too). Empty when no pod has a hostPort.
 */
export function renderHostPorts(mappings: readonly HostPortMapping[]): string {
  if (mappings.length === 0) return '';
  const dnat = mappings.map((m) => `\t\t${m.hostIP ? `ip daddr ${m.hostIP} ` : ''}${m.protocol} dport ${m.hostPort} dnat to ${m.podIP}:${m.containerPort} comment "${m.pod}"`);
  const hairpins = [...new Set(mappings.map((m) => `${m.podIP} . ${m.podIP}`))];
  return [
    `table ip ${HOSTPORT_TABLE} {`,
    '\tchain prerouting {',
    '\t\ttype nat hook prerouting priority dstnat - 5; policy accept;',
    '\t\tfib daddr type local jump hostports',
    '\t}',
    '\tchain output {',
    '\t\ttype nat hook output priority -105; policy accept;',
    '\t\tip daddr != 127.0.0.0/8 fib daddr type local jump hostports',
    '\t}',
    '\tchain hostports {',
    ...dnat,
    '\t}',
    '\tchain postrouting {',
    '\t\ttype nat hook postrouting priority srcnat - 5; policy accept;',
    `\t\tct status dnat ip saddr . ip daddr { ${hairpins.join(', ')} } masquerade`,
    '\t}',
    '}',
    '',
  ].join('\n');
}

/** The transaction that makes the kernel's table `table` (no table when empty), whatever was there. */
export function hostPortTransaction(table: string): string {
  return `add table ip ${HOSTPORT_TABLE}\ndelete table ip ${HOSTPORT_TABLE}\n${table}`;
}
