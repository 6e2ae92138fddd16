// The LoadBalancer address pool (pure): which Service holds which address of
// 203.0.113.0/24. Addresses are handed out lowest-free-first from
// LOAD_BALANCER_FIRST up to the last host address (.254); a Service may ask for
// one with spec.loadBalancerIP, which must lie in that range and be free.
// Invariant: an address has at most one owner, an owner at most one address.
// The pool keeps no state of its own on disk: after a restart it is rebuilt
// from the Services' status.loadBalancer.ingress, which is where it wrote it.

import type { Service } from '../api/types.js';
import { LOAD_BALANCER_FIRST, LOAD_BALANCER_POOL } from '../config.js';
import { inCidr, ipv4ToNumber, isIPv4, numberToIpv4 } from '../proxy/ipv4.js';

export type AllocationFailure = 'exhausted' | 'invalid' | 'not-in-pool' | 'in-use';

export type AllocationResult =
  | { ok: true; ip: string; /** false when the owner already held this address */ changed: boolean; released?: string }
  | { ok: false; reason: AllocationFailure; message: string; released?: string };

export interface RebuildConflict { key: string; ip: string; owner: string }

export class LoadBalancerIpPool {
  private readonly first: number;
  private readonly last: number;
  private readonly owners = new Map<number, string>();
  private readonly byKey = new Map<string, number>();

  constructor(readonly cidr: string = LOAD_BALANCER_POOL, first: string = LOAD_BALANCER_FIRST) {
    const [base, bits] = cidr.split('/');
    const baseNum = ipv4ToNumber(base ?? '');
    const prefix = Number(bits);
    if (baseNum === undefined || !(prefix >= 0 && prefix <= 30)) throw new Error(`invalid load balancer pool ${cidr}`);
    const size = 2 ** (32 - prefix);
    // The network and broadcast addresses are never handed out (RFC 919 / RFC 922).
    this.last = baseNum + size - 2;
    const firstNum = ipv4ToNumber(first);
    if (firstNum === undefined || !inCidr(first, cidr) || firstNum > this.last) throw new Error(`first address ${first} is not in pool ${cidr}`);
    this.first = Math.max(firstNum, baseNum + 1);
  }

  /** "203.0.113.10-203.0.113.254": the addresses this pool hands out. */
  get range(): string { return `${numberToIpv4(this.first)}-${numberToIpv4(this.last)}`; }
  get capacity(): number { return this.last - this.first + 1; }
  get used(): number { return this.owners.size; }

  contains(ip: string): boolean {
    const n = isIPv4(ip) ? ipv4ToNumber(ip) : undefined;
    return n !== undefined && n >= this.first && n <= this.last;
  }

  owner(ip: string): string | undefined {
    const n = ipv4ToNumber(ip);
    return n === undefined ? undefined : this.owners.get(n);
  }

  ipOf(key: string): string | undefined {
    const n = this.byKey.get(key);
    return n === undefined ? undefined : numberToIpv4(n);
  }

  /** Every (key, ip) held, by address. */
  entries(): { key: string; ip: string }[] {
    return [...this.owners].sort((a, b) => a[0] - b[0]).map(([n, key]) => ({ key, ip: numberToIpv4(n) }));
  }

  /**
   * Gives `key` an address: `requested` if given (it must be in the pool and
   * free or already the key's), else the one it holds, else the lowest free.
   * A key that held a different address than the one it now asks for lets
   * the old one go (reported as `released`), whether or not the request succeeds.
   */
  allocate(key: string, requested?: string): AllocationResult {
    const held = this.byKey.get(key);
    if (requested !== undefined && requested !== '') {
      const want = isIPv4(requested) ? ipv4ToNumber(requested) : undefined;
      if (want === undefined) return this.fail(key, held, 'invalid', `requested IP "${requested}" is not a valid IPv4 address`);
      if (held === want) return { ok: true, ip: requested, changed: false };
      if (!this.contains(requested)) return this.fail(key, held, 'not-in-pool', `requested IP ${requested} is not in pool ${this.cidr} (${this.range})`);
      const other = this.owners.get(want);
      if (other !== undefined) return this.fail(key, held, 'in-use', `requested IP ${requested} is already in use by "${other}"`);
      const released = this.releaseNum(key);
      this.claim(key, want);
      return { ok: true, ip: requested, changed: true, ...(released ? { released } : {}) };
    }
    if (held !== undefined) return { ok: true, ip: numberToIpv4(held), changed: false };
    for (let n = this.first; n <= this.last; n++) {
      if (this.owners.has(n)) continue;
      this.claim(key, n);
      return { ok: true, ip: numberToIpv4(n), changed: true };
    }
    return { ok: false, reason: 'exhausted', message: `no available IPs in pool ${this.cidr} (${this.capacity} of ${this.capacity} in use)` };
  }

  /** Frees the key's address; returns it, or undefined when it held none. */
  release(key: string): string | undefined { return this.releaseNum(key); }

  /**
   * Forgets everything and re-reads who holds what from the Services' status,
   * oldest Service first so that, should two ever claim one address, the one
   * that had it first keeps it. Only LoadBalancer Services this pool serves
   * count (`serves`); a loser is reported and gets a new address at its sync.
   */
  rebuild(services: readonly Service[], serves: (svc: Service) => boolean): RebuildConflict[] {
    this.owners.clear();
    this.byKey.clear();
    const conflicts: RebuildConflict[] = [];
    const ordered = [...services].sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || serviceKey(a).localeCompare(serviceKey(b)));
    for (const svc of ordered) {
      if (!serves(svc)) continue;
      const key = serviceKey(svc);
      for (const ingress of svc.status?.loadBalancer?.ingress ?? []) {
        const ip = ingress.ip;
        if (!ip || !this.contains(ip) || this.byKey.has(key)) continue;
        const other = this.owner(ip);
        if (other !== undefined) { conflicts.push({ key, ip, owner: other }); continue; }
        this.claim(key, ipv4ToNumber(ip)!);
      }
    }
    return conflicts;
  }

  private fail(key: string, held: number | undefined, reason: AllocationFailure, message: string): AllocationResult {
    const released = held !== undefined ? this.releaseNum(key) : undefined;
    return { ok: false, reason, message, ...(released ? { released } : {}) };
  }

  private claim(key: string, n: number): void {
    this.owners.set(n, key);
    this.byKey.set(key, n);
  }

  private releaseNum(key: string): string | undefined {
    const n = this.byKey.get(key);
    if (n === undefined) return undefined;
    this.byKey.delete(key);
    this.owners.delete(n);
    return numberToIpv4(n);
  }
}

export function serviceKey(svc: Service): string {
  return `${svc.metadata.namespace ?? 'default'}/${svc.metadata.name ?? ''}`;
}

/** The field selector of a watch that sees every Service servesService can accept. */
export const LB_SERVICES_FIELD_SELECTOR = 'spec.type=LoadBalancer';

/** Services the pool serves: type LoadBalancer, and no other implementation asked for (spec.loadBalancerClass). */
export function servesService(svc: Service): boolean {
  return svc.spec.type === 'LoadBalancer' && !svc.spec.loadBalancerClass;
}
