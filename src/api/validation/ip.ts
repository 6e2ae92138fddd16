// IP and CIDR checks used by validation (apimachinery util/validation/ip.go).
// node:net's isIP family checks are pure string parsers; nothing here touches
// the network.

import { isIPv4, isIPv6 } from 'node:net';
import { field, type FieldError } from '../../errors.js';

export const INVALID_IP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
export const INVALID_CIDR = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

export function isIP(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

export function validateIP(path: string, value: string): FieldError[] {
  return isIP(value) ? [] : [field.invalid(path, value, INVALID_IP)];
}

export function isCIDR(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const ip = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  const n = Number(bits);
  if (isIPv4(ip)) return n <= 32;
  if (isIPv6(ip)) return n <= 128;
  return false;
}

export function validateCIDR(path: string, value: string): FieldError[] {
  return isCIDR(value) ? [] : [field.invalid(path, value, INVALID_CIDR)];
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => (acc * 256) + Number(o), 0);
}

/** Whether an IPv4 address lies inside an IPv4 CIDR (IPv6 is not served by podnet: false). */
export function ipv4InCIDR(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  if (!net || !bitsText || !isIPv4(ip) || !isIPv4(net)) return false;
  const bits = Number(bitsText);
  const size = 2 ** (32 - bits);
  const base = Math.floor(ipv4ToInt(net) / size) * size;
  const v = ipv4ToInt(ip);
  return v >= base && v < base + size;
}

/** ValidateNonSpecialIP: endpoint addresses may not be unspecified, loopback or link-local. */
export function validateNonSpecialIP(path: string, ip: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isIP(ip)) return [field.invalid(path, ip, 'must be a valid IP address')];
  const v6 = isIPv6(ip);
  const lower = ip.toLowerCase();
  if (ip === '0.0.0.0' || lower === '::') errs.push(field.invalid(path, ip, `may not be unspecified (${ip})`));
  if ((!v6 && ip.startsWith('127.')) || lower === '::1') errs.push(field.invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if ((!v6 && ip.startsWith('169.254.')) || /^fe[89ab]/.test(lower)) errs.push(field.invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if ((!v6 && ip.startsWith('224.0.0.')) || lower.startsWith('ff02:')) errs.push(field.invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}

/** A CIDR as numbers: its family's width in bits (32 or 128), its prefix length, and its network address. */
interface Prefix { width: number; length: number; network: bigint }

/** The eight 16-bit groups of an IPv6 address, `::` expanded. */
function ipv6Groups(ip: string): number[] {
  const lastColon = ip.lastIndexOf(':');
  const tail = ip.slice(lastColon + 1);
  // a dotted IPv4 tail (::ffff:10.0.0.1) is the last two groups
  const v4 = isIPv4(tail) ? ipv4ToInt(tail) : undefined;
  const text = v4 === undefined ? ip : `${ip.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  const parse = (part: string) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const [head = '', rest] = text.split('::');
  if (rest === undefined) return parse(head);
  const left = parse(head);
  const right = parse(rest);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function parsePrefix(cidr: string): Prefix | undefined {
  if (!isCIDR(cidr)) return undefined;
  const [ip, bits] = cidr.split('/') as [string, string];
  const v4 = isIPv4(ip);
  const width = v4 ? 32 : 128;
  const value = v4 ? BigInt(ipv4ToInt(ip)) : ipv6Groups(ip).reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
  const hostBits = BigInt(width - Number(bits));
  return { width, length: Number(bits), network: (value >> hostBits) << hostBits };
}

/**
 * Whether `inner` is a strictly smaller block inside `outer` (what a
 * NetworkPolicy's ipBlock.except must be): the same family, a longer prefix,
 * and its network address within `outer`. False when either is no CIDR.
 */
export function isStrictSubnet(outer: string, inner: string): boolean {
  const o = parsePrefix(outer);
  const i = parsePrefix(inner);
  if (!o || !i || o.width !== i.width || i.length <= o.length) return false;
  const hostBits = BigInt(o.width - o.length);
  return i.network >> hostBits === o.network >> hostBits;
}
