// Pure IPv4 range arithmetic for the built-in host-local-like IPAM.
//
// Rules follow host-local (plugins/ipam/host-local, allocator/range.go):
// the network and broadcast addresses are never handed out, rangeStart
// defaults to network+1, rangeEnd to broadcast-1, the gateway to network+1,
// and the gateway is skipped while allocating. Allocation is round-robin: the
// search starts after the last reserved address and wraps around, so a freed
// address is not reused at once (a departing pod's peers may still hold it in
// their conntrack and ARP tables).

import { CNI_ERROR, CniError } from '../errors.js';
import type { IpamRangeConfig } from './types.js';

/** host-local refuses networks smaller than /30: /31 and /32 leave nothing to hand out */
const MAX_PREFIX = 30;

export interface IpRange {
  /** network address and prefix length */
  network: number;
  prefix: number;
  broadcast: number;
  start: number;
  end: number;
  gateway: number;
}

export function parseIp(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return ((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) + octets[3]!;
}

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** `10.244.0.7/24` → { ip, prefix }; undefined when malformed. */
export function parseCidr(text: string): { ip: number; prefix: number } | undefined {
  const [addr, len, ...rest] = text.split('/');
  if (rest.length > 0 || addr === undefined || len === undefined || !/^\d{1,2}$/.test(len)) return undefined;
  const ip = parseIp(addr);
  const prefix = Number(len);
  if (ip === undefined || prefix > 32) return undefined;
  return { ip, prefix };
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function invalid(msg: string): CniError {
  return new CniError(CNI_ERROR.invalidNetworkConfig, msg);
}

/** Validates a range configuration and fills in host-local's defaults. Throws CNI code 7. */
export function buildRange(config: IpamRangeConfig): IpRange {
  const cidr = parseCidr(config.subnet);
  if (!cidr) {
    if (config.subnet.includes(':')) throw invalid(`invalid ipam subnet "${config.subnet}": only IPv4 is supported`);
    throw invalid(`invalid ipam subnet "${config.subnet}": want an IPv4 CIDR like 10.244.0.0/24`);
  }
  if (cidr.prefix > MAX_PREFIX) throw invalid(`ipam subnet ${config.subnet} is too small to allocate from (needs /${MAX_PREFIX} or larger)`);
  const mask = maskOf(cidr.prefix);
  const network = (cidr.ip & mask) >>> 0;
  const broadcast = (network | (~mask >>> 0)) >>> 0;
  const inHosts = (n: number) => n > network && n < broadcast;
  const address = (field: 'rangeStart' | 'rangeEnd' | 'gateway', fallback: number): number => {
    const text = config[field];
    if (text === undefined) return fallback;
    const n = parseIp(text);
    if (n === undefined) throw invalid(`invalid ipam ${field} "${text}": want an IPv4 address`);
    if (!inHosts(n)) throw invalid(`ipam ${field} ${text} is not a usable address of ${formatIp(network)}/${cidr.prefix}`);
    return n;
  };
  const start = address('rangeStart', network + 1);
  const end = address('rangeEnd', broadcast - 1);
  const gateway = address('gateway', network + 1);
  if (start > end) throw invalid(`ipam rangeStart ${formatIp(start)} is after rangeEnd ${formatIp(end)}`);
  return { network, prefix: cidr.prefix, broadcast, start, end, gateway };
}

export function rangeText(r: IpRange): string {
  return `${formatIp(r.start)}-${formatIp(r.end)}`;
}

export function subnetText(r: IpRange): string {
  return `${formatIp(r.network)}/${r.prefix}`;
}

export function contains(r: IpRange, ip: number): boolean {
  return ip >= r.start && ip <= r.end;
}

/** How many addresses the range can hand out (the gateway excluded). */
export function capacity(r: IpRange): number {
  return r.end - r.start + 1 - (contains(r, r.gateway) ? 1 : 0);
}

/**
 * The next free address after `lastReserved` (wrapping), or undefined when
 * every address is taken. `lastReserved` outside the range restarts at
 * rangeStart, as host-local does when the range changed.
 */
export function nextFree(r: IpRange, used: ReadonlySet<number>, lastReserved?: number): number | undefined {
  const size = r.end - r.start + 1;
  const first = lastReserved !== undefined && contains(r, lastReserved) ? lastReserved + 1 : r.start;
  for (let i = 0; i < size; i++) {
    let candidate = first + i;
    if (candidate > r.end) candidate -= size;
    if (candidate === r.gateway || used.has(candidate)) continue;
    return candidate;
  }
  return undefined;
}
