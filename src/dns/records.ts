// The record and message shapes shared by the answer functions, the message
// writer and the servers. Records use dns-packet's field names (name, type,
// class, ttl, data) so decoded upstream answers and our own mix freely.

export interface SoaData { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number }
export interface SrvData { priority: number; weight: number; port: number; target: string }

/** A resource record. `data` follows dns-packet's per-type shape (A: '1.2.3.4', SRV: SrvData, TXT: string[] ...). */
export interface Rr {
  name: string;
  type: string;
  class?: string;
  ttl: number;
  data: unknown;
}

export type Rcode = 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED';

/** RFC 1035 §4.1.1 RCODE values (plus the ones we send). */
export const RCODE: Record<Rcode, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };
export const RCODE_NAME: readonly string[] = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];

export interface DnsQuestion { name: string; type: string; class: string }

/** What an answer function decides; the server turns it into a message. */
export interface DnsAnswer {
  rcode: Rcode;
  /** AA bit (RFC 1035 §4.1.1): set for names in zones we are authoritative for */
  authoritative: boolean;
  answers: Rr[];
  authority: Rr[];
  additionals: Rr[];
  /** an ExternalName CNAME whose target lies outside our zones: the server resolves it upstream and appends */
  chase?: DnsQuestion;
}

export function rcodeName(code: number): string {
  return RCODE_NAME[code] ?? `RCODE${code}`;
}

/** One record as a zone-file line (RFC 1035 §5.1), as the tests and the query log write them. */
export function formatRr(rr: Rr): string {
  const name = rr.name === '' ? '.' : `${rr.name}.`;
  return `${name} ${rr.ttl} ${rr.class ?? 'IN'} ${rr.type} ${formatData(rr)}`;
}

function fq(name: string): string {
  return name === '' || name === '.' ? '.' : `${name.replace(/\.$/, '')}.`;
}

function formatData(rr: Rr): string {
  const d = rr.data as never;
  switch (rr.type) {
    case 'A': case 'AAAA': return String(d);
    case 'CNAME': case 'PTR': case 'NS': return fq(d);
    case 'SRV': { const s = rr.data as SrvData; return `${s.priority} ${s.weight} ${s.port} ${fq(s.target)}`; }
    case 'SOA': { const s = rr.data as SoaData; return `${fq(s.mname)} ${fq(s.rname)} ${s.serial} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`; }
    case 'TXT': {
      const parts = Array.isArray(rr.data) ? rr.data : [rr.data];
      return parts.map((p) => JSON.stringify(Buffer.isBuffer(p) ? p.toString() : String(p))).join(' ');
    }
    default: return JSON.stringify(rr.data);
  }
}
