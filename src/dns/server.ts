// The DNS server shell: UDP and TCP on one address, EDNS0 (RFC 6891), the
// response cache, metrics and the query log around a QueryHandler that decides
// the answer (the cluster resolver or the authoritative zones).
//
// Hot path: a query of the usual shape (one question, optional OPT) is looked
// up in the response cache by its lower-cased question bytes and size class;
// a hit is the cached encoded response with the ID, RD/CD bits and question
// bytes patched in (owner names point at the question, so the case is echoed
// everywhere). Cluster answers stay valid until the index generation moves,
// forwarded ones until their TTL ticks. Everything else goes through
// dns-packet. No query can crash the server: malformed messages get FORMERR
// when the header can be read and are dropped otherwise (RFC 1035 §4.1.1).

import dgram from 'node:dgram';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import dnsPacket from 'dns-packet';
import type { DnsMetrics, Proto } from './metrics.js';
import { recordText, type QueryLog } from './query-log.js';
import { RCODE, rcodeName, type DnsQuestion, type Rr } from './records.js';
import { ResponseCache, type CachedResponse } from './response-cache.js';
import { attachUdp, type SendDatagram, type UdpPeer } from './udp-fast-path.js';
import { batchSends } from './udp-send-batch.js';
import {
  encodeResponse, EXT_RCODE_BADVERS, FLAG, HEADER_SIZE, parseQuickQuery, quickName, sizeClass, typeName, wellFormed,
  SERVER_UDP_SIZE, type Edns, type QuickQuery, type ResponseMessage,
} from './wire.js';

/** RFC 7766 §6.2.3: close idle TCP connections; CoreDNS uses 10 s */
const TCP_IDLE_MS = 10_000;
const MAX_TCP_CONNECTIONS = 1000;
/**
 * Socket buffers: dnsperf keeps hundreds of queries in flight and a burst must
 * not overflow the receive queue while one event-loop turn answers the last
 * one (Linux caps both at net.core.{r,w}mem_max unless privileged).
 */
const UDP_RECV_BUFFER = 4 << 20;
const UDP_SEND_BUFFER = 4 << 20;
const OPCODE_MASK = 0x7800;

/** How an encoded response may be reused; undefined when never (an answer that depends on the RD bit must say so: the cache key is the question alone). */
export type Reuse = { generation: number } | { until: number } | undefined;

export interface Resolution {
  rcode: number;
  /** AA and RA as the handler decides; QR, RD, CD, TC are the server's */
  flags: number;
  answers: readonly Rr[];
  authority: readonly Rr[];
  additionals: readonly Rr[];
  reuse: Reuse;
  /** served from a cache below the server (the forward cache) */
  cached?: boolean;
  upstream?: string;
}

export interface QueryContext {
  client: string;
  proto: Proto;
  /** the query's RD bit: the external DNS answers names outside its zones only to recursive queries */
  recursionDesired: boolean;
}

/** Decides answers; the server does the protocol. */
export interface QueryHandler {
  /** cached responses made at an older generation are stale */
  generation(): number;
  resolve(question: DnsQuestion, ctx: QueryContext): Resolution | Promise<Resolution>;
}

export interface DnsServerOptions {
  handler: QueryHandler;
  host: string;
  port: number;
  metrics?: DnsMetrics;
  queryLog?: QueryLog;
  tcpIdleMs?: number;
  clock?: () => number;
}

export class DnsServer {
  private udp?: dgram.Socket;
  private sendUdp: SendDatagram = () => {};
  private tcp?: net.Server;
  private readonly connections = new Set<net.Socket>();
  private readonly cache = new ResponseCache();
  private readonly handler: QueryHandler;
  private readonly metrics?: DnsMetrics;
  private readonly log?: QueryLog;
  private readonly clock: () => number;
  private boundPort = 0;

  constructor(private readonly options: DnsServerOptions) {
    this.handler = options.handler;
    this.metrics = options.metrics;
    this.log = options.queryLog;
    this.clock = options.clock ?? Date.now;
  }

  /** The bound port (useful with port 0). UDP and TCP share it. */
  get port(): number { return this.boundPort; }

  async start(): Promise<void> {
    // An IPv6 literal has a colon, an IPv4 one or a name never; net.isIPv6
    // would compile Node's large IPv6 pattern, ~15 ms of CPU at every start.
    const family = this.options.host.includes(':') ? 'udp6' : 'udp4';
    // Bind UDP first (port 0 → the kernel picks), then TCP on the same port; retry if TCP's is taken.
    for (let attempt = 0; ; attempt++) {
      const udp = dgram.createSocket({ type: family, recvBufferSize: UDP_RECV_BUFFER, sendBufferSize: UDP_SEND_BUFFER, lookup: literalLookup } as dgram.SocketOptions);
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(this.options.port, this.options.host, () => { udp.off('error', reject); resolve(); });
      });
      const port = udp.address().port;
      const tcp = net.createServer((sock) => this.onConnection(sock));
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen(port, this.options.host, () => { tcp.off('error', reject); resolve(); });
        });
      } catch (e) {
        udp.close();
        if (this.options.port !== 0 || attempt > 20) throw e;
        continue;
      }
      this.sendUdp = batchSends(attachUdp(udp, (msg, from) => this.onUdp(msg, from)).send);
      udp.on('error', () => { /* ICMP errors on send: nothing to do */ });
      tcp.maxConnections = MAX_TCP_CONNECTIONS;
      this.udp = udp;
      this.tcp = tcp;
      this.boundPort = port;
      return;
    }
  }

  async stop(): Promise<void> {
    this.sendUdp = () => {}; // answers still being resolved have nowhere to go
    for (const c of this.connections) c.destroy();
    await Promise.all([
      new Promise<void>((resolve) => (this.udp ? this.udp.close(() => resolve()) : resolve())),
      new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve())),
    ]);
  }

  /** Drops every cached response (the handler's data changed in a way generation does not capture). */
  flushCache(): void { this.cache.clear(); }

  private onUdp(msg: Buffer, from: UdpPeer): void {
    const out = this.handle(msg, 'udp', from.address, from.port);
    if (out === undefined) return;
    if (out instanceof Promise) {
      out.then((buf) => { if (buf && this.udp) this.sendUdp(buf, from.port, from.address); }, () => {});
    } else {
      this.sendUdp(out, from.port, from.address);
    }
  }

  private onConnection(sock: net.Socket): void {
    this.connections.add(sock);
    sock.setNoDelay(true);
    sock.setTimeout(this.options.tcpIdleMs ?? TCP_IDLE_MS, () => sock.destroy());
    let buf: Buffer = Buffer.alloc(0);
    const reply = (out: Buffer | undefined) => {
      if (!out || sock.destroyed) return;
      const len = Buffer.allocUnsafe(2);
      len.writeUInt16BE(out.length);
      sock.write(Buffer.concat([len, out]));
    };
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      // RFC 7766 §8: several length-prefixed queries may arrive in one segment, or one across several.
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        if (len < HEADER_SIZE) { sock.destroy(); return; }
        const out = this.handle(Buffer.from(msg), 'tcp', sock.remoteAddress ?? '', sock.remotePort ?? 0);
        if (out instanceof Promise) out.then(reply, () => {}); else reply(out);
      }
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => this.connections.delete(sock));
  }

  /** One message in, one response out (or nothing for a message we must not answer). Never throws. */
  handle(msg: Buffer, proto: Proto, address: string, port: number): Buffer | Promise<Buffer | undefined> | undefined {
    const started = performance.now();
    try {
      const q = parseQuickQuery(msg);
      if (q !== undefined && !q.unusual) {
        const size = sizeClass(q.edns, proto === 'tcp');
        const cache = this.cache;
        const hit = cache.find(msg, q, size.code);
        if (hit >= 0 && cache.fresh(hit, this.handler.generation(), this.clock)) {
          const out = cache.respond(hit, msg, q);
          const rcode = cache.rcode(hit);
          this.count(proto, q.qtype, rcode, started, cache.denial(hit));
          if (this.log) this.logQuery(msg, q, proto, address, port, rcode, cache.answers(hit), out, cache.truncated(hit), started, true);
          return out;
        }
        return this.slow(msg, proto, address, port, started, q, size.code, size.limit);
      }
      return this.slow(msg, proto, address, port, started, undefined, 0, 0);
    } catch {
      return errorResponse(msg, RCODE.SERVFAIL);
    }
  }

  /** Everything but a fresh cache hit: dns-packet decodes, the handler resolves, we encode (and cache when `q` is given). */
  private async slow(msg: Buffer, proto: Proto, address: string, port: number, started: number, q: QuickQuery | undefined, sizeCode: number, quickLimit: number): Promise<Buffer | undefined> {
    if (msg.length > 2 && (msg[2]! & 0x80)) return undefined; // never answer a response (loops)
    let packet: dnsPacket.DecodedPacket;
    try {
      if (!wellFormed(msg)) throw new Error('malformed');
      packet = dnsPacket.decode(msg);
    } catch {
      this.metrics?.request('other', proto);
      const out = errorResponse(msg, RCODE.FORMERR);
      if (out) this.metrics?.response('FORMERR', (performance.now() - started) / 1000);
      return out;
    }
    if (packet.type === 'response') return undefined; // never answer a response (loops)
    const flags = packet.flags ?? 0;
    const opt = (packet.additionals ?? []).find((a) => a.type === 'OPT') as { udpPayloadSize?: number; ednsVersion?: number; flags?: number } | undefined;
    const edns: Edns | undefined = opt ? { udpSize: opt.udpPayloadSize ?? 512, version: opt.ednsVersion ?? 0, flags: opt.flags ?? 0 } : undefined;
    const questions = packet.questions ?? [];
    const base = { id: packet.id ?? 0, edns: edns ? { udpSize: SERVER_UDP_SIZE } : undefined };
    const echo = FLAG.QR | (flags & (FLAG.RD | FLAG.CD)) | (flags & OPCODE_MASK);
    const q0 = questions[0];
    const question: DnsQuestion | undefined = questions.length === 1 && q0 ? { name: q0.name, type: q0.type, class: q0.class ?? 'IN' } : undefined;
    this.metrics?.request(question?.type ?? 'other', proto);
    const limit = quickLimit || sizeClass(edns, proto === 'tcp').limit;
    const finish = (m: ResponseMessage, reuse: Reuse, cached = false, upstream?: string): Buffer => {
      const { buf, truncated } = encodeResponse(m, limit);
      const seconds = (performance.now() - started) / 1000;
      const denial = m.rcode === RCODE.NXDOMAIN || (m.rcode === 0 && m.answers.length === 0);
      this.metrics?.response(rcodeName(m.rcode), seconds);
      if (this.metrics) { if (cached) this.metrics.cacheHit(denial); else this.metrics.cacheMisses++; }
      if (q && reuse) this.remember(msg, q, sizeCode, { buf, generation: 'generation' in reuse ? reuse.generation : 0, until: 'until' in reuse ? reuse.until : 0, rcode: m.rcode, answers: m.answers.length, denial, truncated });
      if (this.log && question) {
        this.log.write({
          ts: new Date(Date.now() - seconds * 1000).toISOString(), client: `${address}:${port}`, proto, id: base.id,
          qname: fq(question.name), qtype: question.type, rcode: rcodeName(m.rcode), answers: m.answers.length, records: m.answers.map(recordText), size: buf.length,
          truncated, durationMs: round(seconds * 1000), cache: cached ? 'hit' : 'miss', ...(upstream ? { upstream } : {}),
        });
      }
      return buf;
    };
    const empty = { answers: [], authority: [], additionals: [] };
    // RFC 1035 §4.1.1: opcodes other than QUERY are not implemented.
    if ((flags & OPCODE_MASK) >> 11 !== 0) return finish({ ...base, ...empty, flags: echo, rcode: RCODE.NOTIMP, question }, undefined);
    if (!question) return finish({ ...base, ...empty, flags: echo, rcode: RCODE.FORMERR }, undefined);
    // RFC 6891 §6.1.1: a query with more than one OPT RR MUST get FORMERR.
    if ((packet.additionals ?? []).filter((a) => a.type === 'OPT').length > 1) return finish({ ...base, ...empty, flags: echo, rcode: RCODE.FORMERR, question }, undefined);
    // RFC 6891 §6.1.3: an EDNS version we do not speak gets BADVERS.
    if (edns && edns.version !== 0) return finish({ ...base, ...empty, flags: echo, rcode: EXT_RCODE_BADVERS, question }, undefined);
    let res: Resolution;
    try {
      res = await this.handler.resolve(question, { client: `${address}:${port}`, proto, recursionDesired: (flags & FLAG.RD) !== 0 });
    } catch {
      res = { rcode: RCODE.SERVFAIL, flags: FLAG.RA, ...empty, reuse: undefined };
    }
    try {
      return finish({ ...base, flags: echo | res.flags, rcode: res.rcode, question, answers: res.answers, authority: res.authority, additionals: res.additionals }, res.reuse, res.cached, res.upstream);
    } catch {
      // A name we cannot write back (a label holding a '.', an empty label): FORMERR, header only.
      this.metrics?.response('FORMERR', (performance.now() - started) / 1000);
      return errorResponse(msg, RCODE.FORMERR);
    }
  }

  private remember(msg: Buffer, q: QuickQuery, sizeCode: number, entry: CachedResponse): void {
    this.cache.set(msg, q, sizeCode, entry);
  }

  /** Metrics of a response-cache hit, by number: no label strings on the hot path. */
  private count(proto: Proto, qtype: number, rcode: number, started: number, denial: boolean): void {
    const m = this.metrics;
    if (!m) return;
    m.requestType(qtype, proto);
    m.responseCode(rcode, (performance.now() - started) / 1000);
    m.cacheHit(denial);
  }

  private logQuery(msg: Buffer, q: QuickQuery, proto: Proto, address: string, port: number, rcode: number, answers: number, response: Buffer, truncated: boolean, started: number, cached: boolean): void {
    const ms = performance.now() - started;
    this.log!.write({
      ts: new Date().toISOString(), client: `${address}:${port}`, proto, id: q.id, qname: fq(quickName(msg, q.nameEnd)), qtype: typeName(q.qtype),
      rcode: rcodeName(rcode), answers, records: cachedRecords(response, answers), size: response.length, truncated, durationMs: round(ms), cache: cached ? 'hit' : 'miss',
    });
  }
}

/** A cached response's answer records for the query log: decoded again, only while the log is on. */
function cachedRecords(response: Buffer, answers: number): string[] {
  if (answers === 0) return [];
  try {
    return (dnsPacket.decode(response).answers ?? []).map((rr) => recordText(rr as { type: string; data: unknown }));
  } catch {
    return [];
  }
}

/**
 * We only ever send to the literal address a query came from; dgram's default
 * lookup defers every send through dns.lookup and a tick, measurably slower.
 */
function literalLookup(address: string, _options: unknown, callback: (err: Error | null, address: string, family: number) => void): void {
  callback(null, address, address.includes(':') ? 6 : 4);
}

function fq(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * FORMERR/SERVFAIL for a message we could not take apart: header only, ID and
 * opcode echoed, no sections (RFC 1035 §4.1.1). Undefined when even the header
 * is not there, or the message is a response: those are dropped.
 */
function errorResponse(msg: Buffer, rcode: number): Buffer | undefined {
  if (msg.length < HEADER_SIZE || (msg[2]! & 0x80)) return undefined;
  const out = Buffer.alloc(HEADER_SIZE);
  msg.copy(out, 0, 0, 2);
  out[2] = 0x80 | (msg[2]! & 0x79); // QR, opcode, RD
  out[3] = rcode & 0xf;
  return out;
}
