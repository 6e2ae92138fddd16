// Names of everything the topology creates. Namespace names come from
// config.ts (`pn-<cluster>-…`, so `podnet down` finds them); link names live
// inside those namespaces, so they only need to be unique per namespace and
// fit IFNAMSIZ (16 bytes including the NUL, i.e. at most 15 characters).

import { createHash } from 'node:crypto';
import { netnsNames } from '../config.js';

export const MAX_IFNAME_LENGTH = 15;

/** The router's bridge for the node network (172.18.0.1/16). */
export const BRIDGE_NODES = 'br-nodes';
/** The router's bridge for the outside network (198.51.100.1/24). */
export const BRIDGE_OUTSIDE = 'br-outside';
/** Every node, the outside client and the external DNS see their uplink as eth0, like a cloud VM. */
export const UPLINK = 'eth0';

const ROUTER_PORT_PREFIX = 'to-';

export const topologyNetns = {
  router: netnsNames.router,
  outside: netnsNames.outside,
  /** the external DNS server's own namespace on the outside network (config.ts has no name for it yet) */
  extdns: (cluster: string) => `${netnsNames.prefix(cluster)}extdns`,
  node: netnsNames.node,
};

/**
 * The router-side end of the veth that connects the router to NAME's eth0:
 * `to-node-1`; names too long for IFNAMSIZ get a stable hash instead.
 */
export function routerPort(name: string): string {
  const readable = `${ROUTER_PORT_PREFIX}${name}`;
  if (readable.length <= MAX_IFNAME_LENGTH) return readable;
  return `${ROUTER_PORT_PREFIX}${createHash('sha256').update(name).digest('hex').slice(0, MAX_IFNAME_LENGTH - ROUTER_PORT_PREFIX.length)}`;
}

/** Router ports of the two outside-network hosts. */
export const OUTSIDE_PORT = routerPort('outside');
export const EXTDNS_PORT = routerPort('extdns');
