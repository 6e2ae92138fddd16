// ClusterIP allocation over one IPv4 CIDR (the service network). Pure state,
// no I/O: the registry rebuilds it from stored Services at startup.
//
// Like upstream's ipallocator, the network and broadcast addresses are never
// handed out. Addresses in `reserved` (10.96.0.1 for default/kubernetes,
// 10.96.0.10 for kube-system/kube-dns) are skipped by random allocation but can
// be requested explicitly.
//
// The host addresses are split in two bands (KEP-3070, the "Service ClusterIP
// allocation" page): the lower band, staticBandSize(size) addresses from the
// first host, is left for Services that ask for a fixed address, and dynamic
// allocation takes from the upper band, falling back to the lower one only
// when the upper is full. So a well-known address such as the DNS Service's
// .10 is rarely taken by an earlier Service that did not care which it got.

export type AllocateResult = 'ok' | 'taken' | 'out-of-range';

/** Random picks before falling back to a linear scan (a band is almost never that full). */
const RANDOM_ATTEMPTS = 64;

/** The lower band is never smaller than this, nor larger than STATIC_BAND_MAX ... */
const STATIC_BAND_MIN = 16;
const STATIC_BAND_MAX = 256;
/** ... and in between it is this fraction of the range. */
const STATIC_BAND_DIVISOR = 16;

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): { base: number; size: number } {
  const [ip, bits] = cidr.split('/');
  const base = ip === undefined ? undefined : ipToInt(ip);
  const prefix = Number(bits);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 30) throw new RangeError(`invalid CIDR ${cidr}`);
  const size = 2 ** (32 - prefix);
  return { base: base - (base % size), size };
}

/**
 * How many host addresses, from the first, form the lower band of a range of
 * `size` addresses (network and broadcast included): min(max(16, size/16), 256),
 * and none at all for a range of 16 addresses or fewer, whose hosts would not
 * even fill it (upstream calculateRangeOffset).
 */
export function staticBandSize(size: number): number {
  if (size <= STATIC_BAND_MIN) return 0;
  return Math.min(Math.max(STATIC_BAND_MIN, Math.floor(size / STATIC_BAND_DIVISOR)), STATIC_BAND_MAX);
}

export class IpAllocator {
  private readonly base: number;
  private readonly size: number;
  private readonly used = new Set<number>();
  private readonly reserved: Set<number>;

  constructor(readonly cidr: string, reserved: readonly string[] = [], private readonly random: () => number = Math.random) {
    ({ base: this.base, size: this.size } = parseCidr(cidr));
    this.reserved = new Set(reserved.map((r) => ipToInt(r)!));
  }

  get allocatedCount(): number { return this.used.size; }

  /** true when ip is a usable host address of the range */
  inRange(ip: string): boolean {
    const n = ipToInt(ip);
    return n !== undefined && n > this.base && n < this.base + this.size - 1;
  }

  isAllocated(ip: string): boolean {
    const n = ipToInt(ip);
    return n !== undefined && this.used.has(n);
  }

  allocate(ip: string): AllocateResult {
    if (!this.inRange(ip)) return 'out-of-range';
    const n = ipToInt(ip)!;
    if (this.used.has(n)) return 'taken';
    this.used.add(n);
    return 'ok';
  }

  /**
   * A free, non-reserved address, or undefined when the range is full: from
   * the upper band while it has one, else from the lower band.
   */
  allocateNext(): string | undefined {
    const hosts = this.size - 2;
    const lowerBand = staticBandSize(this.size);
    const first = this.base + 1;
    const n = this.takeFree(first + lowerBand, hosts - lowerBand) ?? this.takeFree(first, lowerBand);
    return n === undefined ? undefined : intToIp(n);
  }

  /** Marks and returns a free, non-reserved address of [from, from + count), picked at random. */
  private takeFree(from: number, count: number): number | undefined {
    if (count <= 0) return undefined;
    const isFree = (n: number) => !this.used.has(n) && !this.reserved.has(n);
    const take = (n: number) => { this.used.add(n); return n; };
    for (let i = 0; i < RANDOM_ATTEMPTS; i++) {
      const n = from + Math.floor(this.random() * count);
      if (isFree(n)) return take(n);
    }
    const start = Math.floor(this.random() * count);
    for (let i = 0; i < count; i++) {
      const n = from + ((start + i) % count);
      if (isFree(n)) return take(n);
    }
    return undefined;
  }

  release(ip: string): void {
    const n = ipToInt(ip);
    if (n !== undefined) this.used.delete(n);
  }
}
