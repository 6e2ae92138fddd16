// Small IPv4 helpers the proxy's pure code needs (CIDR membership, ordering).
// IPv4 only: podnet's address plan is single-stack (DESIGN.md).

const DOT = 46;
const ZERO = 48;
const NINE = 57;

/**
 * The address as an unsigned 32-bit number, or undefined when it is not
 * dotted-quad IPv4 (four decimal octets of 1-3 digits, each <= 255).
 * Hand-rolled rather than a regular expression: the proxy parses every
 * endpoint address of every Service on a full sync (100k at 10,000 Services).
 */
export function ipv4ToNumber(ip: string): number | undefined {
  let n = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c >= ZERO && c <= NINE) {
      if (++digits > 3) return undefined;
      octet = octet * 10 + (c - ZERO);
    } else if (c === DOT) {
      if (digits === 0 || octet > 255 || ++dots > 3) return undefined;
      n = n * 256 + octet;
      octet = 0;
      digits = 0;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0 || octet > 255) return undefined;
  return n * 256 + octet;
}

export function isIPv4(ip: string): boolean {
  return ipv4ToNumber(ip) !== undefined;
}

export function numberToIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** True when ip lies inside cidr ("10.244.0.0/16"); false for malformed input. */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const addr = ipv4ToNumber(ip);
  const net = ipv4ToNumber(base ?? '');
  const bits = Number(bitsText ?? '32');
  if (addr === undefined || net === undefined || !(bits >= 0 && bits <= 32)) return false;
  if (bits === 0) return true;
  const mask = bits === 32 ? 0xffffffff : ~((1 << (32 - bits)) - 1) >>> 0;
  return ((addr & mask) >>> 0) === ((net & mask) >>> 0);
}

/** The first host address of a CIDR: the cni0 gateway of a node's podCIDR (10.244.K.1). */
export function gatewayOf(cidr: string): string {
  const base = ipv4ToNumber(cidr.split('/')[0] ?? '');
  if (base === undefined) throw new Error(`not an IPv4 CIDR: ${cidr}`);
  return numberToIpv4(base + 1);
}

/** Numeric address order, so rendered sets and endpoint indexes are stable. */
export function compareIpv4(a: string, b: string): number {
  return (ipv4ToNumber(a) ?? 0) - (ipv4ToNumber(b) ?? 0);
}

/**
 * CIDRs as the kernel wants them: trimmed (loadBalancerSourceRanges may be
 * space-padded), host bits cleared (`198.51.100.7/24` → `198.51.100.0/24`),
 * repeats and anything not IPv4 dropped, in the order given.
 */
export function ipv4Networks(ranges: readonly string[]): string[] {
  const out = new Set<string>();
  for (const raw of ranges) {
    const [ip, bits] = raw.trim().split('/');
    const n = ipv4ToNumber(ip ?? '');
    if (n === undefined || !/^\d{1,2}$/.test(bits ?? '') || Number(bits) > 32) continue;
    const len = Number(bits);
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    out.add(`${numberToIpv4((n & mask) >>> 0)}/${len}`);
  }
  return [...out];
}
