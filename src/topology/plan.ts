// What the sealed network of one cluster should look like, as data: which
// namespaces exist, which links each creates, and the addresses, routes,
// sysctls and nftables table inside each. Pure; apply.ts makes the kernel match.
//
//   outside 198.51.100.10 ─┐            ┌─ node-1 eth0 172.18.0.2
//   extdns  198.51.100.53 ─┤ br-outside │  br-nodes
//                          router 198.51.100.1 / 172.18.0.1
//                                       └─ node-2 eth0 172.18.0.3
//
// The router routes only the node and outside networks. It has no route to any
// pod CIDR and no default route, so the outside cannot reach pods (like a VPC
// whose internet gateway knows only public addresses), and nothing leaves the
// sealed network.

import { PodnetError } from '../errors.js';
import { EXTERNAL_DNS_IP, NODE_ROUTER_IP, OUTSIDE_CLIENT_IP, OUTSIDE_NETWORK, OUTSIDE_ROUTER_IP } from '../config.js';
import { NODE_NETWORK_PREFIX, canonicalCidr, nodeIP, nodeIndex, parseCidr } from './addresses.js';
import { masqueradeRuleset } from './masquerade.js';
import { BRIDGE_NODES, BRIDGE_OUTSIDE, EXTDNS_PORT, OUTSIDE_PORT, UPLINK, routerPort, topologyNetns } from './names.js';

/** Routes podnet owns are tagged with this protocol number so a reconcile can tell them from the kernel's and the CNI's. */
export const POD_ROUTE_PROTO = 77;

const OUTSIDE_PREFIX = parseCidr(OUTSIDE_NETWORK).prefix;

/**
 * Sysctls of every forwarding namespace. ip_forward first: writing it resets
 * the per-device `forwarding` flags (Documentation/networking/ip-sysctl.rst).
 * rp_filter: the kernel uses max(conf.all, conf.<dev>), so `all` and
 * `default` (inherited by cni0 and pod veths created later) are both set to
 * loose mode (RFC 3704 §2.4): a source only has to be routable at all. Strict
 * mode would drop packets whose reply would leave by another device, which the
 * proxy's NodePort and load-balancer paths produce.
 */
const FORWARDING_SYSCTLS: [string, string][] = [
  ['net.ipv4.ip_forward', '1'],
  ['net.ipv4.conf.all.rp_filter', '2'],
  ['net.ipv4.conf.default.rp_filter', '2'],
];

/**
 * The router hairpins traffic between nodes on br-nodes once the load
 * balancer forwards LB IPs to NodePorts; ICMP redirects would teach the
 * outside client shortcuts a real cloud LB never offers.
 */
const ROUTER_SYSCTLS: [string, string][] = [
  ...FORWARDING_SYSCTLS,
  ['net.ipv4.conf.all.send_redirects', '0'],
  ['net.ipv4.conf.default.send_redirects', '0'],
];

export interface NodeSpec {
  name: string;
  /** unset until the daemon's allocator has given the node one */
  podCIDR?: string;
  /** defaults to nodeIP(K) for a node named `node-K` */
  ip?: string;
}

export interface TopologyInput { cluster: string; nodes: readonly NodeSpec[] }

export interface NodeFacts {
  name: string;
  netns: string;
  ip: string;
  podCIDR?: string;
  /** the node's uplink to the router (always eth0) */
  uplink: string;
  /** the router's end of the uplink veth */
  routerPort: string;
}

export type LinkPlan =
  | { kind: 'bridge'; name: string }
  | { kind: 'veth'; name: string; master?: string; peer: { name: string; netns: string } };

export interface AddressPlan { dev: string; cidr: string }
export interface RoutePlan { dst: string; via: string; dev: string; proto?: number }

export interface NamespacePlan {
  name: string;
  role: 'router' | 'outside' | 'extdns' | 'node';
  /** links created from inside this namespace (a veth's peer is created directly in the peer's namespace) */
  links: LinkPlan[];
  addresses: AddressPlan[];
  /** devices to bring up, in order */
  up: string[];
  routes: RoutePlan[];
  /** desired host-gw routes (other nodes' podCIDRs), reconciled: stale ones are removed */
  podRoutes?: RoutePlan[];
  sysctls: [string, string][];
  /** a complete `nft -f -` transaction */
  nft?: string;
}

export interface TopologyPlan {
  cluster: string;
  namespaces: NamespacePlan[];
  nodes: NodeFacts[];
}

export function nodeFacts(cluster: string, node: NodeSpec): NodeFacts {
  let ip = node.ip;
  if (ip === undefined) {
    const k = nodeIndex(node.name);
    if (k === undefined) throw new PodnetError('EINVALID', `could not plan node ${node.name}: its name is not node-K and no IP was given`);
    ip = nodeIP(k);
  }
  return {
    name: node.name,
    netns: topologyNetns.node(cluster, node.name),
    ip,
    ...(node.podCIDR !== undefined ? { podCIDR: canonicalCidr(node.podCIDR) } : {}),
    uplink: UPLINK,
    routerPort: routerPort(node.name),
  };
}

/** Host-gw routing (flannel's host-gw, kindnet): every other node's podCIDR via that node's IP. */
export function desiredPodRoutes(self: string, nodes: readonly Pick<NodeFacts, 'name' | 'ip' | 'podCIDR'>[]): RoutePlan[] {
  return nodes
    .filter((n) => n.name !== self && n.podCIDR !== undefined)
    .map((n) => ({ dst: canonicalCidr(n.podCIDR!), via: n.ip, dev: UPLINK, proto: POD_ROUTE_PROTO }));
}

/** The router's side of one node's uplink: a veth port on br-nodes. */
export function routerAttachment(cluster: string, node: NodeFacts): NamespacePlan {
  return {
    name: topologyNetns.router(cluster),
    role: 'router',
    links: [{ kind: 'veth', name: node.routerPort, master: BRIDGE_NODES, peer: { name: UPLINK, netns: node.netns } }],
    addresses: [],
    up: [node.routerPort],
    routes: [],
    sysctls: [],
  };
}

/** A node's own namespace: eth0 on the node network, default route via the router, masquerade. */
export function nodeNamespace(node: NodeFacts, podRoutes: RoutePlan[]): NamespacePlan {
  return {
    name: node.netns,
    role: 'node',
    links: [],
    addresses: [{ dev: UPLINK, cidr: `${node.ip}/${NODE_NETWORK_PREFIX}` }],
    up: ['lo', UPLINK],
    routes: [{ dst: 'default', via: NODE_ROUTER_IP, dev: UPLINK }],
    podRoutes,
    sysctls: FORWARDING_SYSCTLS,
    nft: masqueradeRuleset(),
  };
}

function outsideHost(cluster: string, role: 'outside' | 'extdns', ip: string): NamespacePlan {
  return {
    name: role === 'outside' ? topologyNetns.outside(cluster) : topologyNetns.extdns(cluster),
    role,
    links: [],
    addresses: [{ dev: UPLINK, cidr: `${ip}/${OUTSIDE_PREFIX}` }],
    up: ['lo', UPLINK],
    routes: [{ dst: 'default', via: OUTSIDE_ROUTER_IP, dev: UPLINK }],
    sysctls: [],
  };
}

export function planTopology(input: TopologyInput): TopologyPlan {
  const { cluster } = input;
  const nodes = input.nodes.map((n) => nodeFacts(cluster, n));
  checkUnique(cluster, nodes);
  const outside = topologyNetns.outside(cluster);
  const extdns = topologyNetns.extdns(cluster);
  const router: NamespacePlan = {
    name: topologyNetns.router(cluster),
    role: 'router',
    links: [
      { kind: 'bridge', name: BRIDGE_NODES },
      { kind: 'bridge', name: BRIDGE_OUTSIDE },
      { kind: 'veth', name: OUTSIDE_PORT, master: BRIDGE_OUTSIDE, peer: { name: UPLINK, netns: outside } },
      { kind: 'veth', name: EXTDNS_PORT, master: BRIDGE_OUTSIDE, peer: { name: UPLINK, netns: extdns } },
      ...nodes.flatMap((n) => routerAttachment(cluster, n).links),
    ],
    addresses: [
      { dev: BRIDGE_NODES, cidr: `${NODE_ROUTER_IP}/${NODE_NETWORK_PREFIX}` },
      { dev: BRIDGE_OUTSIDE, cidr: `${OUTSIDE_ROUTER_IP}/${OUTSIDE_PREFIX}` },
    ],
    up: ['lo', BRIDGE_NODES, BRIDGE_OUTSIDE, OUTSIDE_PORT, EXTDNS_PORT, ...nodes.map((n) => n.routerPort)],
    routes: [],
    sysctls: ROUTER_SYSCTLS,
  };
  return {
    cluster,
    namespaces: [
      router,
      outsideHost(cluster, 'outside', OUTSIDE_CLIENT_IP),
      outsideHost(cluster, 'extdns', EXTERNAL_DNS_IP),
      ...nodes.map((n) => nodeNamespace(n, desiredPodRoutes(n.name, nodes))),
    ],
    nodes,
  };
}

function checkUnique(cluster: string, nodes: readonly NodeFacts[]): void {
  const seen = new Map<string, string>();
  const claim = (key: string, what: string) => {
    const prior = seen.get(key);
    if (prior !== undefined) throw new PodnetError('EINVALID', `could not plan cluster ${cluster}: ${what} collides with ${prior}`);
    seen.set(key, what);
  };
  claim(`port:${OUTSIDE_PORT}`, 'the outside client');
  claim(`port:${EXTDNS_PORT}`, 'the external DNS');
  for (const n of nodes) {
    claim(`name:${n.name}`, `node ${n.name}`);
    claim(`ip:${n.ip}`, `the IP ${n.ip} of node ${n.name}`);
    claim(`port:${n.routerPort}`, `the router port ${n.routerPort} of node ${n.name}`);
    if (n.podCIDR !== undefined) claim(`cidr:${n.podCIDR}`, `the podCIDR ${n.podCIDR} of node ${n.name}`);
  }
}
