// Small IPv4 helpers the proxy's pure code needs (CIDR membership, ordering).
// IPv4 only: podnet's address plan is single-stack (DESIGN.md).

const IPV4_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The address as an unsigned 32-bit number, or undefined when it is not dotted-quad IPv4. */
export function ipv4ToNumber(ip: string): number | undefined {
  const m = IPV4_PATTERN.exec(ip);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

export function isIPv4(ip: string): boolean {
  return ipv4ToNumber(ip) !== undefined;
}

export function numberToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
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
