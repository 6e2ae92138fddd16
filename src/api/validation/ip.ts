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
