// The addresses of the ExternalName Services' names, for Ingress backends of
// that type: ingress-nginx proxies to the name (its Lua balancer resolves it),
// so an Ingress in one namespace can reach a Service of another through an
// ExternalName Service (`svc.other.svc.cluster.local`) or leave the cluster.
// Names are looked up as the controller's pod resolves them (getaddrinfo with
// its resolv.conf: the cluster DNS, which forwards the rest), again every
// REFRESH_MS, and a change is reported so the balancer's endpoints follow.
// A dotted name is looked up as absolute (`name.`), as a client of the
// Service's CNAME would end up asking; a single label goes through the search path.

import { promises as dns } from 'node:dns';
import net from 'node:net';
import type { Service } from '../api/types.js';

const REFRESH_MS = 30_000;
const LOOKUP_TIMEOUT_MS = 2_000;

export type Lookup = (name: string) => Promise<string[]>;

async function lookupIPv4(name: string): Promise<string[]> {
  const found = await dns.lookup(name, { all: true, family: 4 });
  return [...new Set(found.map((a) => a.address))].sort();
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    p.then((v) => { clearTimeout(timer); resolve(v); }, (e: unknown) => { clearTimeout(timer); reject(e); });
  });
}

export class ExternalNames {
  private readonly addresses = new Map<string, string[]>();
  private tracked = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly onChange: () => void, private readonly log: (m: string) => void, private readonly lookup: Lookup = lookupIPv4) {}

  /** The addresses last found for `name`; [] while it has none (the balancer then answers 503). */
  get(name: string): string[] {
    return this.addresses.get(normalize(name)) ?? [];
  }

  /** Tracks the names of these Services' ExternalName ones (others are forgotten), looking new ones up now. */
  async track(services: readonly Service[]): Promise<void> {
    const names = new Set(services.filter((s) => s.spec?.type === 'ExternalName' && s.spec.externalName).map((s) => normalize(s.spec.externalName!)));
    this.tracked = names;
    for (const n of [...this.addresses.keys()]) if (!names.has(n)) this.addresses.delete(n);
    const fresh = [...names].filter((n) => !this.addresses.has(n));
    if (fresh.length > 0) await this.resolve(fresh);
    if (names.size > 0 && !this.timer) {
      this.timer = setInterval(() => { void this.resolve([...this.addresses.keys()]); }, REFRESH_MS);
      this.timer.unref();
    }
  }

  stop(): void { clearInterval(this.timer); this.timer = undefined; }

  private async resolve(names: string[]): Promise<void> {
    let changed = false;
    await Promise.all(names.map(async (n) => {
      let found: string[] = [];
      if (net.isIP(n)) found = [n]; // an address is used as it is (getaddrinfo refuses `10.0.0.5.`)
      else {
        try { found = await withTimeout(this.lookup(n.includes('.') ? `${n}.` : n), LOOKUP_TIMEOUT_MS); } catch (e) { this.log(`ExternalName ${n}: ${(e as Error).message}`); }
      }
      // ingress-nginx refuses localhost and loopback: NGINX would proxy to itself, over and over
      const loopback = found.filter((ip) => ip.startsWith('127.') || ip === '::1');
      if (n === 'localhost' || loopback.length > 0) {
        if (found.length > 0) this.log(`ExternalName ${n}: refused, it is this pod itself (${found.join(', ')})`);
        found = [];
      }
      if (!this.tracked.has(n)) return; // dropped while the lookup ran
      const before = this.addresses.get(n);
      if (before === undefined || before.join() !== found.join()) changed = true;
      this.addresses.set(n, found);
    }));
    if (changed) this.onChange();
  }
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
