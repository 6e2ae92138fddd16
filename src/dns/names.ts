// Domain-name helpers shared by the answer logic and the servers. Names are
// kept the way dns-packet decodes them: dotted, no trailing dot, the root is ''.
// Matching is case-insensitive (RFC 4343) but answers echo the question's case.

import net from 'node:net';

/** Lower-cases ASCII letters only (RFC 4343 §3: case folding is ASCII-only). */
export function foldCase(name: string): string {
  return name.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

/** 'a.b.' → 'a.b', '.' → '' */
export function trimDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** Is `name` equal to or below `zone`? Both already case-folded. */
export function inZone(name: string, zone: string): boolean {
  if (zone === '') return true;
  return name === zone || (name.length > zone.length && name.endsWith(zone) && name[name.length - zone.length - 1] === '.');
}

/** Labels of `name` left of `zone` (name must be in zone), e.g. ('a.b.c', 'c') → ['a','b']. */
export function labelsBelow(name: string, zone: string): string[] {
  if (name.length === zone.length) return [];
  const rest = zone === '' ? name : name.slice(0, name.length - zone.length - 1);
  return rest.split('.');
}

/** 10.244.0.5 → 10-244-0-5 (the spec's "dashed" form for pod and endpoint names). */
export function dashedIp(ip: string): string {
  return ip.includes(':') ? ip.replace(/:/g, '-') : ip.replace(/\./g, '-');
}

/** 10-244-0-5 → 10.244.0.5; fd00--5 → fd00::5; undefined when it is not an address. */
export function undashIp(label: string): string | undefined {
  const v4 = label.replace(/-/g, '.');
  if (net.isIPv4(v4)) return v4;
  const v6 = label.replace(/-/g, ':');
  if (label.includes('-') && net.isIPv6(v6)) return v6;
  return undefined;
}

/** 10.96.0.10 → 10.0.96.10.in-addr.arpa (RFC 1035 §3.5) */
export function reverseName(ip: string): string {
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
}

/**
 * Reverse zones (RFC 1035 §3.5) covering an IPv4 CIDR, on octet boundaries:
 * 10.96.0.0/12 → 96.10.in-addr.arpa … 111.10.in-addr.arpa (16 zones).
 */
export function reverseZonesForCidr(cidr: string): string[] {
  const [addr, lenText] = cidr.split('/');
  const len = Number(lenText);
  const octets = addr!.split('.').map(Number);
  const whole = Math.ceil(len / 8);
  if (whole === 0) return ['in-addr.arpa'];
  const spare = whole * 8 - len;
  const zones: string[] = [];
  const base = octets.slice(0, whole);
  const count = 1 << spare;
  for (let i = 0; i < count; i++) {
    const o = base.slice();
    o[whole - 1] = (o[whole - 1]! & ~(count - 1)) + i;
    zones.push(`${o.reverse().join('.')}.in-addr.arpa`);
  }
  return zones;
}

/** Parses the labels of an in-addr.arpa name below 'in-addr.arpa' into an address, if it names one host. */
export function ipFromReverse(name: string): string | undefined {
  const suffix = '.in-addr.arpa';
  if (!name.endsWith(suffix)) return undefined;
  const parts = name.slice(0, -suffix.length).split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) < 256)) return undefined;
  return parts.reverse().join('.');
}

/** True when every label is a plain octet: an empty non-terminal of a reverse zone (e.g. 0.96.10.in-addr.arpa). */
export function isReversePrefix(name: string): boolean {
  const suffix = '.in-addr.arpa';
  if (!name.endsWith(suffix)) return false;
  const parts = name.slice(0, -suffix.length).split('.');
  return parts.length < 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) < 256);
}
