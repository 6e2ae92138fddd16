// ClusterIP allocation over one IPv4 CIDR (the service network). Pure state,
// no I/O: the registry rebuilds it from stored Services at startup.
//
// Like upstream's ipallocator, the network and broadcast addresses are never
// handed out. Addresses in `reserved` (10.96.0.1 for default/kubernetes,
// 10.96.0.10 for kube-system/kube-dns) are skipped by random allocation but can
// be requested explicitly.

export type AllocateResult = 'ok' | 'taken' | 'out-of-range';

/** Random picks before falling back to a linear scan (the range is almost never that full). */
const RANDOM_ATTEMPTS = 64;

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

  /** A free, non-reserved address, or undefined when the range is full. */
  allocateNext(): string | undefined {
    const hosts = this.size - 2;
    for (let i = 0; i < RANDOM_ATTEMPTS; i++) {
      const n = this.base + 1 + Math.floor(this.random() * hosts);
      if (!this.used.has(n) && !this.reserved.has(n)) {
        this.used.add(n);
        return intToIp(n);
      }
    }
    const start = Math.floor(this.random() * hosts);
    for (let i = 0; i < hosts; i++) {
      const n = this.base + 1 + ((start + i) % hosts);
      if (!this.used.has(n) && !this.reserved.has(n)) {
        this.used.add(n);
        return intToIp(n);
      }
    }
    return undefined;
  }

  release(ip: string): void {
    const n = ipToInt(ip);
    if (n !== undefined) this.used.delete(n);
  }
}
