// The outside world's DNS (the "Route53" of podnet, at 198.51.100.53): the
// authoritative server of the zones of a record map that the cloud side
// updates at runtime with setRecords(), and the only resolver of podnet's
// sealed network, whose internet is exactly those zones.
//
// In its zones it sets AA on everything and answers NXDOMAIN/NODATA with the
// zone's SOA (RFC 2308 §3). Outside them, a recursive query (RD=1) gets what
// a resolver of that world would say, as a real resolver says NXDOMAIN for a
// name under a TLD that does not exist: NXDOMAIN with a root-like SOA, RA and
// no AA. glibc then reports "not found" (EAI_NONAME) where REFUSED gave the
// EAI_AGAIN that applications retry. A non-recursive query (RD=0)
// outside the zones stays REFUSED, as an authoritative-only server answers
// it and as Unbound (access-control allow) and PowerDNS Recursor 5 refuse
// what would need the resolver. A zone is the registrable part of a name —
// its last two labels (shop.example.test → example.test) — unless zones are
// given.

import { foldCase, inZone, trimDot } from './names.js';
import { RCODE, type DnsAnswer, type DnsQuestion, type Rr } from './records.js';
import type { QueryContext, QueryHandler, Resolution } from './server.js';
import { FLAG } from './wire.js';

export const DEFAULT_RECORD_TTL = 60;
/** SOA timers (RFC 1912 §2.2 ranges); the minimum doubles as the negative-caching TTL */
const SOA_REFRESH = 3600;
const SOA_RETRY = 600;
const SOA_EXPIRE = 604800;
const MAX_CNAME_HOPS = 8;
/** The root zone's SOA names and timers, as the real root publishes them; its minimum is ours (see rootSoa). */
const ROOT_SOA_MNAME = 'a.root-servers.net';
const ROOT_SOA_RNAME = 'nstld.verisign-grs.com';
const ROOT_SOA_REFRESH = 1800;
const ROOT_SOA_RETRY = 900;
const ROOT_SOA_EXPIRE = 604800;

export interface NameRecords {
  A?: string[];
  AAAA?: string[];
  CNAME?: string;
  TXT?: string[];
  MX?: { preference: number; exchange: string }[];
  /** TTL for this name's records (default 60) */
  ttl?: number;
}

export type RecordMap = Record<string, NameRecords>;

export interface AuthoritativeOptions {
  /** explicit zones; default: the registrable part of every name in the map */
  zones?: string[];
  /** the server's own address, published as ns1.<zone> A */
  nameserverAddress?: string;
  ttl?: number;
}

/** 'shop.example.test' → 'example.test' (the last two labels: podnet's test TLDs have no public suffixes) */
export function registrableZone(name: string): string {
  const labels = foldCase(trimDot(name)).split('.');
  return labels.slice(-2).join('.');
}

interface Zones {
  zones: string[];
  names: Map<string, NameRecords>;
  /** every name that has records or descendants with records (empty non-terminals answer NODATA) */
  existing: Set<string>;
  serial: number;
}

/**
 * `hosted`: the zones served before this update. They stay, as a Route53
 * hosted zone outlives its last record: a name deleted from it is then
 * NXDOMAIN (cached negatively, RFC 2308), not REFUSED (which sends stub
 * resolvers to their next server).
 */
function build(records: RecordMap, options: AuthoritativeOptions, serial: number, hosted: readonly string[] = []): Zones {
  const names = new Map<string, NameRecords>();
  for (const [name, recs] of Object.entries(records)) names.set(foldCase(trimDot(name)), recs);
  const zones = options.zones?.map((z) => foldCase(trimDot(z))) ?? [...new Set([...hosted, ...[...names.keys()].map(registrableZone)])];
  const existing = new Set<string>();
  for (const name of names.keys()) {
    const zone = zones.find((z) => inZone(name, z));
    if (!zone) continue;
    for (let n = name; n.length >= zone.length; n = n.slice(n.indexOf('.') + 1)) {
      existing.add(n);
      if (n === zone || !n.includes('.')) break;
    }
  }
  for (const z of zones) existing.add(z);
  return { zones: zones.sort((a, b) => b.length - a.length), names, existing, serial };
}

export function soaFor(zone: string, ttl: number, serial: number): Rr {
  return { name: zone, type: 'SOA', class: 'IN', ttl, data: { mname: `ns1.${zone}`, rname: `hostmaster.${zone}`, serial, refresh: SOA_REFRESH, retry: SOA_RETRY, expire: SOA_EXPIRE, minimum: ttl } };
}

/**
 * The SOA that negative answers outside our zones carry, owned by the root
 * (''). Its TTL and minimum are the zones' negative TTL rather than the real
 * root's day, so a name published later is seen within that time (RFC 2308
 * §5: caches keep the denial for min(TTL, MINIMUM)). The serial is the
 * zones' own: the world changes when they do.
 */
function rootSoa(ttl: number, serial: number): Rr {
  return { name: '', type: 'SOA', class: 'IN', ttl, data: { mname: ROOT_SOA_MNAME, rname: ROOT_SOA_RNAME, serial, refresh: ROOT_SOA_REFRESH, retry: ROOT_SOA_RETRY, expire: ROOT_SOA_EXPIRE, minimum: ttl } };
}

function servedZone(z: Zones, name: string): string | undefined {
  return z.zones.find((zone) => inZone(name, zone));
}

function isInternetClass(klass: string): boolean {
  return klass === 'IN' || klass === 'ANY';
}

/**
 * The pure answer to a recursive query for a name outside every zone, as the
 * world's resolver gives it (RA, not AA: a resolver relays what it learnt).
 * The names above a zone (the root, `test` for `example.test`) exist as empty
 * non-terminals and get NODATA, not NXDOMAIN: RFC 8020 lets a resolver take
 * an NXDOMAIN to mean that nothing exists below the name either. The root's
 * SOA is answered when asked for.
 */
function answerOutsideZones(z: Zones, q: DnsQuestion, options: AuthoritativeOptions): DnsAnswer {
  const name = foldCase(trimDot(q.name));
  const soa = rootSoa(options.ttl ?? DEFAULT_RECORD_TTL, z.serial);
  const none = { answers: [], additionals: [] };
  const exists = name === '' || z.zones.some((zone) => inZone(zone, name));
  if (!exists) return { rcode: 'NXDOMAIN', authoritative: false, ...none, authority: [soa] };
  if (name === '' && (q.type === 'SOA' || q.type === 'ANY')) return { rcode: 'NOERROR', authoritative: false, ...none, answers: [soa], authority: [] };
  return { rcode: 'NOERROR', authoritative: false, ...none, authority: [soa] };
}

/** The pure answer of the authoritative server (REFUSED outside its zones). */
export function answerAuthoritative(z: Zones, q: DnsQuestion, options: AuthoritativeOptions, depth = 0): DnsAnswer {
  const owner = trimDot(q.name);
  const name = foldCase(owner);
  const zone = servedZone(z, name);
  const none = { answers: [], authority: [], additionals: [] };
  if (!zone || !isInternetClass(q.class)) return { rcode: 'REFUSED', authoritative: false, ...none };
  const ttl = options.ttl ?? DEFAULT_RECORD_TTL;
  const soa = soaFor(zone, ttl, z.serial);
  let recs = z.names.get(name);
  const nsName = `ns1.${zone}`;
  const isNs = name === nsName && options.nameserverAddress !== undefined;
  if (!recs && !z.existing.has(name) && !isNs) {
    // RFC 4592 §3.3.1: a name that does not exist is answered from `*.<closest
    // encloser>` when that wildcard exists (a wildcard Ingress host); the owner stays QNAME.
    let encloser = name;
    while (encloser !== zone && !z.existing.has(encloser)) encloser = encloser.slice(encloser.indexOf('.') + 1);
    const wildcard = z.names.get(`*.${encloser}`);
    if (!wildcard) return { rcode: 'NXDOMAIN', authoritative: true, ...none, authority: [soa] };
    recs = wildcard;
  }
  const rttl = recs?.ttl ?? ttl;
  const rr = (type: string, data: unknown): Rr => ({ name: owner, type, class: 'IN', ttl: rttl, data });
  if (recs?.CNAME && q.type !== 'CNAME') {
    const cname = rr('CNAME', trimDot(recs.CNAME));
    const target = foldCase(trimDot(recs.CNAME));
    if (depth < MAX_CNAME_HOPS && servedZone(z, target) !== undefined) {
      const next = answerAuthoritative(z, { ...q, name: target }, options, depth + 1);
      return { ...next, authoritative: true, answers: [cname, ...next.answers] };
    }
    return { rcode: 'NOERROR', authoritative: true, ...none, answers: [cname] };
  }
  const answers: Rr[] = [];
  const additionals: Rr[] = [];
  const want = (t: string) => q.type === t || q.type === 'ANY';
  if (want('A')) for (const ip of recs?.A ?? (isNs ? [options.nameserverAddress!] : [])) answers.push(rr('A', ip));
  if (want('AAAA')) for (const ip of recs?.AAAA ?? []) answers.push(rr('AAAA', ip));
  if (want('TXT')) for (const t of recs?.TXT ?? []) answers.push(rr('TXT', [t]));
  if (want('MX')) for (const m of recs?.MX ?? []) answers.push(rr('MX', { preference: m.preference, exchange: trimDot(m.exchange) }));
  if (q.type === 'CNAME' && recs?.CNAME) answers.push(rr('CNAME', trimDot(recs.CNAME)));
  if (name === zone && want('SOA')) answers.push({ ...soa, name: owner });
  if (name === zone && want('NS')) {
    answers.push({ name: owner, type: 'NS', class: 'IN', ttl, data: nsName });
    if (options.nameserverAddress) additionals.push({ name: nsName, type: 'A', class: 'IN', ttl, data: options.nameserverAddress });
  }
  return answers.length
    ? { rcode: 'NOERROR', authoritative: true, answers, authority: [], additionals }
    : { rcode: 'NOERROR', authoritative: true, ...none, authority: [soa] };
}

/** The external DNS's QueryHandler; setRecords() swaps the data atomically. */
export class AuthoritativeZones implements QueryHandler {
  private gen = 0;
  private zones: Zones;

  constructor(records: RecordMap = {}, private readonly options: AuthoritativeOptions = {}) {
    this.zones = build(records, options, Math.floor(Date.now() / 1000));
  }

  generation(): number { return this.gen; }

  setRecords(records: RecordMap): void {
    // SOA serials must grow (RFC 1982); seconds, bumped if two updates land in one second.
    const serial = Math.max(this.zones.serial + 1, Math.floor(Date.now() / 1000));
    this.zones = build(records, this.options, serial, this.zones.zones);
    this.gen++;
  }

  zoneNames(): string[] { return [...this.zones.zones]; }

  /** The answer to `q`, sent with RD (`recursionDesired`) or without. */
  answer(q: DnsQuestion, recursionDesired = false): DnsAnswer {
    return this.answerAs(q, recursionDesired && this.outsideZones(q));
  }

  resolve(q: DnsQuestion, ctx?: Pick<QueryContext, 'recursionDesired'>): Resolution {
    const outside = this.outsideZones(q);
    const recursive = outside && ctx?.recursionDesired === true;
    const a = this.answerAs(q, recursive);
    return {
      rcode: RCODE[a.rcode as keyof typeof RCODE], flags: a.authoritative ? FLAG.AA : recursive ? FLAG.RA : 0,
      answers: a.answers, authority: a.authority, additionals: a.additionals,
      // Outside the zones the answer depends on RD, which the server's response cache does not key on.
      reuse: outside ? undefined : { generation: this.gen },
    };
  }

  /** `recursive`: a recursive query outside our zones, which the world's resolver answers. */
  private answerAs(q: DnsQuestion, recursive: boolean): DnsAnswer {
    return recursive ? answerOutsideZones(this.zones, q, this.options) : answerAuthoritative(this.zones, q, this.options);
  }

  /** A name in the Internet class that none of our zones holds. */
  private outsideZones(q: DnsQuestion): boolean {
    return isInternetClass(q.class) && servedZone(this.zones, foldCase(trimDot(q.name))) === undefined;
  }
}
