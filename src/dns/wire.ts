// DNS wire format for responses, and a fast parser for the common query.
// dns-packet decodes everything and encodes what we forward; responses are
// written here because they need two things dns-packet does not do: name
// compression (RFC 1035 §4.1.4 — without it 100 headless endpoints do not fit
// in 4096 bytes, with it they fit as they do with CoreDNS), and truncation to
// the client's size with the TC bit (RFC 1035 §4.2.1, RFC 2181 §9, RFC 6891 §7).
// Owner names equal to the question compress to a pointer at the question, so
// an encoded response echoes the question's case once its question bytes are
// patched — which is what the response cache relies on.

import dnsPacket from 'dns-packet';
import * as types from 'dns-packet/types.js';
import * as classes from 'dns-packet/classes.js';
import type { DnsQuestion, Rr, SoaData, SrvData } from './records.js';

export const HEADER_SIZE = 12;
/** RFC 1035 §2.3.4: UDP messages without EDNS are at most 512 bytes */
export const CLASSIC_UDP_SIZE = 512;
/** what we advertise in our OPT record: the DNS Flag Day 2020 recommendation */
export const SERVER_UDP_SIZE = 1232;
export const MAX_MESSAGE = 65535;
/** an OPT RR without options: root name, type, class, ttl, rdlength (RFC 6891 §6.1.2) */
const OPT_SIZE = 11;
const TYPE_OPT = 41;
const POINTER_LIMIT = 0x3fff;
/** FNV-1a, 32 bit (the question hash of parseQuickQuery); kept as int32 throughout so V8 never boxes it */
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

export const FLAG = { QR: 0x8000, AA: 0x0400, TC: 0x0200, RD: 0x0100, RA: 0x0080, AD: 0x0020, CD: 0x0010 } as const;
export const OPCODE_QUERY = 0;
export const EXT_RCODE_BADVERS = 16;

export interface Edns { udpSize: number; version: number; flags: number }

export interface ResponseMessage {
  id: number;
  /** QR/opcode/AA/TC/RD/RA/AD/CD bits; the RCODE comes from `rcode` */
  flags: number;
  /** 0–4095; values above 15 need `edns` (RFC 6891 §6.1.3) */
  rcode: number;
  question?: DnsQuestion;
  answers: readonly Rr[];
  authority: readonly Rr[];
  additionals: readonly Rr[];
  /** present when the query had EDNS: we answer with our own OPT */
  edns?: { udpSize: number };
}

const TYPE_NUMBERS: Record<string, number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, ANY: 255 };
const CLASS_NUMBERS: Record<string, number> = { IN: 1, CH: 3, HS: 4, ANY: 255 };

export function typeNumber(type: string): number {
  return TYPE_NUMBERS[type] ?? types.toType(type);
}
export function typeName(n: number): string {
  return types.toString(n);
}
export function classNumber(klass: string | undefined): number {
  return CLASS_NUMBERS[klass ?? 'IN'] ?? classes.toClass(klass ?? 'IN');
}
export function className(n: number): string {
  return classes.toString(n);
}

interface RdataCodec { encode(data: unknown, buf: Buffer, offset: number): Buffer & { bytes?: number }; }
const recordCodec = (dnsPacket as unknown as { record(type: string): RdataCodec & { encode: { bytes: number } } }).record;

/** Writes one message into a shared scratch buffer; single-threaded, so one is enough. */
class Writer {
  readonly buf = Buffer.allocUnsafe(MAX_MESSAGE + 512);
  pos = 0;
  private names = new Map<string, number>();
  private added: string[] = [];

  reset(): void {
    this.pos = 0;
    this.names.clear();
    this.added.length = 0;
  }

  mark(): { pos: number; added: number } { return { pos: this.pos, added: this.added.length }; }

  /** Undo everything written since `m`, including compression targets that no longer exist. */
  rollback(m: { pos: number; added: number }): void {
    for (let i = m.added; i < this.added.length; i++) this.names.delete(this.added[i]!);
    this.added.length = m.added;
    this.pos = m.pos;
  }

  u16(v: number): void { this.buf.writeUInt16BE(v & 0xffff, this.pos); this.pos += 2; }
  u32(v: number): void { this.buf.writeUInt32BE(v >>> 0, this.pos); this.pos += 4; }

  name(name: string, compress: boolean): void {
    const n = name.endsWith('.') ? name.slice(0, -1) : name;
    if (n === '') { this.buf[this.pos++] = 0; return; }
    const lower = n.toLowerCase();
    let start = 0;
    while (start < n.length) {
      const suffix = start === 0 ? lower : lower.slice(start);
      if (compress) {
        const at = this.names.get(suffix);
        if (at !== undefined) { this.u16(0xc000 | at); return; }
      }
      if (this.pos <= POINTER_LIMIT && !this.names.has(suffix)) { this.names.set(suffix, this.pos); this.added.push(suffix); }
      let end = n.indexOf('.', start);
      if (end < 0) end = n.length;
      const len = this.buf.write(n.slice(start, end), this.pos + 1, 'utf8');
      if (len > 63 || len === 0) throw new RangeError(`invalid label in ${name}`);
      this.buf[this.pos] = len;
      this.pos += len + 1;
      start = end + 1;
    }
    this.buf[this.pos++] = 0;
  }

  question(q: DnsQuestion): void {
    this.name(q.name, true);
    this.u16(typeNumber(q.type));
    this.u16(classNumber(q.class));
  }

  rr(r: Rr): void {
    this.name(r.name, true);
    const type = typeNumber(r.type);
    this.u16(type);
    this.u16(classNumber(r.class));
    this.u32(r.ttl);
    const lenAt = this.pos;
    this.pos += 2;
    const d = r.data;
    switch (r.type) {
      case 'A': {
        const parts = String(d).split('.');
        if (parts.length !== 4) throw new RangeError(`invalid A ${String(d)}`);
        for (const p of parts) this.buf[this.pos++] = Number(p);
        break;
      }
      case 'CNAME': case 'PTR': case 'NS': this.name(String(d), true); break;
      case 'SOA': {
        const s = d as SoaData;
        this.name(s.mname, true); this.name(s.rname, true);
        this.u32(s.serial ?? 0); this.u32(s.refresh ?? 0); this.u32(s.retry ?? 0); this.u32(s.expire ?? 0); this.u32(s.minimum ?? 0);
        break;
      }
      case 'SRV': {
        const s = d as SrvData;
        // RFC 2782: the SRV target is not compressed.
        this.u16(s.priority ?? 0); this.u16(s.weight ?? 0); this.u16(s.port); this.name(s.target, false);
        break;
      }
      case 'TXT': {
        const parts = Array.isArray(d) ? d : [d];
        for (const p of parts) {
          const b = Buffer.isBuffer(p) ? p : Buffer.from(String(p));
          for (let i = 0; i < b.length || i === 0; i += 255) {
            const chunk = b.subarray(i, i + 255);
            this.buf[this.pos++] = chunk.length;
            chunk.copy(this.buf, this.pos);
            this.pos += chunk.length;
          }
        }
        break;
      }
      default: {
        // Everything else as dns-packet encodes it (uncompressed), rdlength included.
        const codec = recordCodec(r.type);
        codec.encode(d, this.buf, lenAt);
        this.pos = lenAt + codec.encode.bytes;
        return;
      }
    }
    this.buf.writeUInt16BE(this.pos - lenAt - 2, lenAt);
  }

  opt(udpSize: number, extRcode: number): void {
    this.buf[this.pos++] = 0;
    this.u16(TYPE_OPT);
    this.u16(udpSize);
    this.buf[this.pos++] = extRcode;
    this.buf[this.pos++] = 0; // version 0
    this.u16(0); // no DO: we do not do DNSSEC
    this.u16(0);
  }
}

const writer = new Writer();

export interface Encoded { buf: Buffer; truncated: boolean }

/**
 * Encodes a response in at most `maxSize` bytes. Answer or authority records
 * that do not fit are dropped and TC set; additional records that do not fit
 * are dropped silently (RFC 2181 §9). The OPT record always fits.
 */
export function encodeResponse(msg: ResponseMessage, maxSize: number): Encoded {
  const w = writer;
  w.reset();
  const limit = Math.min(MAX_MESSAGE, maxSize) - (msg.edns ? OPT_SIZE : 0);
  w.pos = HEADER_SIZE;
  if (msg.question) w.question(msg.question);
  let truncated = false;
  const counts = [0, 0, 0];
  const sections: (readonly Rr[])[] = [msg.answers, msg.authority, msg.additionals];
  for (let s = 0; s < 3 && !truncated; s++) {
    for (const r of sections[s]!) {
      const m = w.mark();
      w.rr(r);
      if (w.pos > limit) {
        w.rollback(m);
        if (s < 2) truncated = true;
        break;
      }
      counts[s]!++;
    }
  }
  let arcount = counts[2]!;
  if (msg.edns) { w.opt(msg.edns.udpSize, msg.rcode >> 4); arcount++; }
  const b = w.buf;
  b.writeUInt16BE(msg.id & 0xffff, 0);
  b.writeUInt16BE(((msg.flags | (truncated ? FLAG.TC : 0)) & 0xfff0) | (msg.rcode & 0xf), 2);
  b.writeUInt16BE(msg.question ? 1 : 0, 4);
  b.writeUInt16BE(counts[0]!, 6);
  b.writeUInt16BE(counts[1]!, 8);
  b.writeUInt16BE(arcount, 10);
  const out = Buffer.allocUnsafe(w.pos);
  b.copy(out, 0, 0, w.pos);
  return { buf: out, truncated };
}

/** The ID, flags and question of a query, parsed without allocating records. */
export interface QuickQuery {
  id: number;
  flags: number;
  /** end of the question name (offset of QTYPE) */
  nameEnd: number;
  /** end of the question section */
  questionEnd: number;
  qtype: number;
  qclass: number;
  edns: Edns | undefined;
  /** true when the name has characters outside plain ASCII letters/digits/-/_ (then we take the slow path) */
  unusual: boolean;
  /** FNV-1a (int32) of the question bytes with ASCII letters folded to lower case (the response cache's hash) */
  hash: number;
}

/**
 * Parses the shape almost every query has: QUERY opcode, one question, no
 * answer/authority records, at most one additional record which is an OPT
 * right after the question, nothing trailing. Anything else → undefined, and
 * the caller takes the slow path through dns-packet.
 */
export function parseQuickQuery(buf: Buffer): QuickQuery | undefined {
  const len = buf.length;
  if (len < HEADER_SIZE + 5) return undefined;
  const flags = (buf[2]! << 8) | buf[3]!;
  // QR must be 0, opcode QUERY; exactly one question and no answers/authority.
  if ((flags & 0xf800) !== 0 || buf[4] !== 0 || buf[5] !== 1 || buf[6] !== 0 || buf[7] !== 0 || buf[8] !== 0 || buf[9] !== 0 || buf[10] !== 0) return undefined;
  const arcount = buf[11]!;
  if (arcount > 1) return undefined;
  let p = HEADER_SIZE;
  let unusual = false;
  let total = 0;
  // The hash is computed in the same pass that checks the name (one walk over the bytes per query).
  let hash = FNV_OFFSET;
  for (;;) {
    if (p >= len) return undefined;
    const l = buf[p]!;
    hash = Math.imul(hash ^ l, FNV_PRIME);
    if (l === 0) { p++; break; }
    if (l > 63) return undefined;
    total += l + 1;
    if (total > 254 || p + 1 + l > len) return undefined;
    for (let i = p + 1; i <= p + l; i++) {
      let c = buf[i]!;
      if (c >= 0x41 && c <= 0x5a) c |= 0x20; // RFC 4343: ASCII case folding only
      // letters, digits, '-', '_' are all a name can hold and still match ours case-insensitively
      else if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f)) unusual = true;
      hash = Math.imul(hash ^ c, FNV_PRIME);
    }
    p += l + 1;
  }
  const nameEnd = p;
  if (p + 4 > len) return undefined;
  const qtype = (buf[p]! << 8) | buf[p + 1]!;
  const qclass = (buf[p + 2]! << 8) | buf[p + 3]!;
  hash = Math.imul(Math.imul(hash ^ qtype, FNV_PRIME) ^ qclass, FNV_PRIME);
  p += 4;
  const questionEnd = p;
  let edns: Edns | undefined;
  if (arcount === 1) {
    // OPT: root name (0), type 41, class = UDP size, ttl = ext-rcode/version/flags, rdlength, options
    if (p + OPT_SIZE > len || buf[p] !== 0 || buf[p + 1] !== 0 || buf[p + 2] !== TYPE_OPT) return undefined;
    const rdlen = (buf[p + 9]! << 8) | buf[p + 10]!;
    if (p + OPT_SIZE + rdlen !== len) return undefined;
    edns = { udpSize: (buf[p + 3]! << 8) | buf[p + 4]!, version: buf[p + 6]!, flags: (buf[p + 7]! << 8) | buf[p + 8]! };
    if (edns.version !== 0) return undefined;
  } else if (p !== len) {
    return undefined;
  }
  return { id: (buf[0]! << 8) | buf[1]!, flags, nameEnd, questionEnd, qtype, qclass, edns, unusual, hash };
}

/** The question's name in dotted form (as dns-packet would decode it), from a buffer parseQuickQuery accepted. */
export function quickName(buf: Buffer, nameEnd: number): string {
  let p = HEADER_SIZE;
  let out = '';
  while (p < nameEnd - 1) {
    const l = buf[p]!;
    out += (out ? '.' : '') + buf.toString('latin1', p + 1, p + 1 + l);
    p += l + 1;
  }
  return out;
}

/**
 * Response-size classes for the cache key: a cached response is reused only
 * for clients whose size limit gives the same truncation (RFC 6891 §6.2.5
 * lets us use less than the client offers).
 */
export interface SizeClass { readonly code: number; readonly limit: number }
/** the classes by code, made once (the hot path asks for one per query) */
const SIZE_CLASSES: readonly SizeClass[] = [
  { code: 0, limit: CLASSIC_UDP_SIZE }, { code: 1, limit: CLASSIC_UDP_SIZE }, { code: 2, limit: SERVER_UDP_SIZE },
  { code: 3, limit: 4096 }, { code: 4, limit: MAX_MESSAGE }, { code: 5, limit: MAX_MESSAGE },
];
export function sizeClass(edns: Edns | undefined, tcp: boolean): SizeClass {
  if (tcp) return SIZE_CLASSES[edns ? 5 : 4]!;
  if (!edns) return SIZE_CLASSES[0]!;
  const size = edns.udpSize;
  if (size < SERVER_UDP_SIZE) return SIZE_CLASSES[1]!;
  if (size < 4096) return SIZE_CLASSES[2]!;
  return SIZE_CLASSES[3]!;
}

/** Skips a (possibly compressed) name at `p`; returns the offset after it, or -1 when malformed (RFC 1035 §4.1.4). */
function skipName(buf: Buffer, p: number): number {
  let end = -1;
  let total = 0;
  let jumps = 0;
  for (;;) {
    if (p >= buf.length) return -1;
    const l = buf[p]!;
    if (l === 0) return end < 0 ? p + 1 : end;
    if ((l & 0xc0) === 0xc0) {
      if (p + 1 >= buf.length) return -1;
      const target = ((l & 0x3f) << 8) | buf[p + 1]!;
      // pointers must go backwards (no loops) and at most 127 times (a name has ≤127 labels)
      if (target >= p || ++jumps > 127) return -1;
      if (end < 0) end = p + 2;
      p = target;
      continue;
    }
    if (l > 63) return -1;
    total += l + 1;
    if (total > 255) return -1;
    p += l + 1;
  }
}

/**
 * Walks the whole message: every name, every record's fixed part and RDATA
 * length, ending exactly at the end of the buffer. dns-packet only ever sees
 * messages that pass this — it is slow (milliseconds) on random bytes, which
 * would let a flood of garbage stall the server.
 */
export function wellFormed(buf: Buffer): boolean {
  if (buf.length < HEADER_SIZE) return false;
  const qd = buf.readUInt16BE(4);
  const rrs = buf.readUInt16BE(6) + buf.readUInt16BE(8) + buf.readUInt16BE(10);
  let p = HEADER_SIZE;
  for (let i = 0; i < qd; i++) {
    p = skipName(buf, p);
    if (p < 0 || p + 4 > buf.length) return false;
    p += 4;
  }
  for (let i = 0; i < rrs; i++) {
    p = skipName(buf, p);
    if (p < 0 || p + 10 > buf.length) return false;
    p += 10 + buf.readUInt16BE(p + 8);
    if (p > buf.length) return false;
  }
  return p === buf.length;
}
