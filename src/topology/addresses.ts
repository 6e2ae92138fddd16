// IPv4 arithmetic for the address plan (DESIGN.md, "Address plan"): node K
// (named `node-K`, K ≥ 1) is 172.18.0.(K+1) on the node network; the router is
// 172.18.0.1. Pure.

import { PodnetError } from '../errors.js';
import { NODE_NETWORK, NODE_ROUTER_IP, POD_NETWORK } from '../config.js';

const NODE_NAME_PATTERN = /^node-([1-9][0-9]*)$/;

export interface Cidr { base: number; prefix: number }

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255)) {
    throw new PodnetError('EINVALID', `invalid IPv4 address "${ip}"`);
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export function parseCidr(cidr: string): Cidr {
  const [ip, len, extra] = cidr.split('/');
  const prefix = Number(len);
  if (ip === undefined || extra !== undefined || !/^[0-9]{1,2}$/.test(len ?? '') || prefix > 32) {
    throw new PodnetError('EINVALID', `invalid IPv4 CIDR "${cidr}"`);
  }
  const size = 2 ** (32 - prefix);
  return { base: ipToInt(ip) - (ipToInt(ip) % size), prefix };
}

/** The CIDR's network in canonical form (`10.244.1.7/24` → `10.244.1.0/24`), as `ip route` prints it. */
export function canonicalCidr(cidr: string): string {
  const c = parseCidr(cidr);
  return `${intToIp(c.base)}/${c.prefix}`;
}

export function cidrContains(outer: string, addressOrCidr: string): boolean {
  const o = parseCidr(outer);
  const inner = addressOrCidr.includes('/') ? parseCidr(addressOrCidr) : { base: ipToInt(addressOrCidr), prefix: 32 };
  return inner.prefix >= o.prefix && inner.base - (inner.base % 2 ** (32 - o.prefix)) === o.base;
}

export const NODE_NETWORK_PREFIX = parseCidr(NODE_NETWORK).prefix;

/** The node network address of the K-th node (K ≥ 1): the router holds .1, nodes follow. */
export function nodeIP(k: number): string {
  const net = parseCidr(NODE_NETWORK);
  const last = net.base + 2 ** (32 - net.prefix) - 2; // highest host address; the top one is broadcast
  const ip = ipToInt(NODE_ROUTER_IP) + k;
  if (!Number.isInteger(k) || k < 1 || ip > last) throw new PodnetError('EINVALID', `node index ${k} is outside the node network ${NODE_NETWORK}`);
  return intToIp(ip);
}

/** K for a node named `node-K`, undefined for any other name. */
export function nodeIndex(name: string): number | undefined {
  const m = NODE_NAME_PATTERN.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Every node's podCIDR is a /24 of the pod network (DESIGN.md, "Address plan"). */
export const NODE_POD_CIDR_PREFIX = 24;

/**
 * The podCIDR the daemon's node IPAM controller gives the K-th node of a new
 * cluster: the next free /24 of the pod network in join order, and a new
 * cluster's nodes join in order node-1 … node-N (src/controllers/node-ipam.ts,
 * whose nextFreeSubnet a unit test holds this to). A forecast only: the
 * allocator decides, and the daemon reconciles the routes built from this
 * with the podCIDRs the Node objects get.
 */
export function joinOrderPodCIDR(k: number): string {
  const net = parseCidr(POD_NETWORK);
  const size = 2 ** (32 - NODE_POD_CIDR_PREFIX);
  if (!Number.isInteger(k) || k < 1 || k > 2 ** (NODE_POD_CIDR_PREFIX - net.prefix)) {
    throw new PodnetError('EINVALID', `node index ${k} is outside the pod network ${POD_NETWORK}`);
  }
  return `${intToIp(net.base + (k - 1) * size)}/${NODE_POD_CIDR_PREFIX}`;
}
