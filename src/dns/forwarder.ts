// Forwarding of names outside our zones to upstream servers (CoreDNS's
// forward plugin plus its cache plugin, cut to what a cluster needs): UDP
// first, TCP when the answer comes back truncated (RFC 7766 §5), next upstream
// on timeout, and a cache that honours the records' TTLs for positive answers
// and the SOA for negative ones (RFC 2308 §5). When no upstream answers the
// caller gets an error and answers SERVFAIL.

import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import dnsPacket from 'dns-packet';
import { foldCase, trimDot } from './names.js';
import type { DnsQuestion, Rr } from './records.js';
import { SERVER_UDP_SIZE } from './wire.js';
import { PodnetError } from '../errors.js';

/** per-attempt wait for an upstream over UDP (CoreDNS forward: 2 s read timeout) */
const ATTEMPT_TIMEOUT_MS = 2000;
/** every upstream is tried this many times before we give up (SERVFAIL) */
const ROUNDS = 2;
/** CoreDNS cache defaults: success 3600 s, denial 1800 s at most */
const MAX_POSITIVE_TTL = 3600;
const MAX_NEGATIVE_TTL = 1800;
const MAX_CACHE_ENTRIES = 10_000;
const TCP_TIMEOUT_MS = 4000;

export interface Upstream { host: string; port: number }

/** "198.51.100.53:53", "198.51.100.53" (port 53), "[fd00::53]:53" */
export function parseUpstream(text: string): Upstream {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:]+)(?::(\d+))?$/.exec(text);
  if (!m || !net.isIP(m[1]!)) throw new PodnetError('EDNSCONFIG', `invalid upstream "${text}": want IP[:PORT]`);
  return { host: m[1]!, port: m[2] ? Number(m[2]) : 53 };
}

export function upstreamName(u: Upstream): string {
  return net.isIPv6(u.host) ? `[${u.host}]:${u.port}` : `${u.host}:${u.port}`;
}

export interface UpstreamReply {
  rcode: string;
  answers: Rr[];
  authority: Rr[];
  additionals: Rr[];
  upstream: string;
  /** true when served from the forward cache */
  cached: boolean;
  /** ms epoch until which this reply may be reused as it is */
  expiresAt: number;
}

interface CacheEntry { reply: UpstreamReply; storedAt: number; expiresAt: number }

interface Pending { resolve: (p: dnsPacket.Packet) => void; question: DnsQuestion; timer: NodeJS.Timeout }

export interface ForwarderOptions {
  upstreams: Upstream[];
  clock?: () => number;
  attemptTimeoutMs?: number;
  onRequest?: (to: string) => void;
  onResponse?: (to: string, rcode: string) => void;
}

type AnyRr = { name: string; type: string; class?: string; ttl?: number; data?: unknown };

function toRrs(list: AnyRr[] | undefined): Rr[] {
  return (list ?? []).filter((r) => r.type !== 'OPT').map((r) => ({ name: r.name, type: r.type, class: r.class ?? 'IN', ttl: r.ttl ?? 0, data: r.data }));
}

export class Forwarder {
  private readonly sockets = new Map<4 | 6, dgram.Socket>();
  private readonly pending = new Map<number, Pending>();
  private readonly inflight = new Map<string, Promise<UpstreamReply>>();
  private readonly cache = new Map<string, CacheEntry>();
  private readonly clock: () => number;
  private closed = false;

  constructor(private readonly options: ForwarderOptions) {
    this.clock = options.clock ?? Date.now;
  }

  get hasUpstreams(): boolean { return this.options.upstreams.length > 0; }

  /** Resolves through the cache, coalescing identical questions in flight. Rejects when no upstream answered. */
  resolve(q: DnsQuestion): Promise<UpstreamReply> {
    const key = `${foldCase(trimDot(q.name))}\0${q.type}\0${q.class}`;
    const now = this.clock();
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > now) return Promise.resolve(this.aged(hit, now));
    if (hit) this.cache.delete(key);
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.exchange(q).then((reply) => {
      this.store(key, reply);
      return reply;
    }).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  close(): void {
    this.closed = true;
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }

  /** The remaining TTL, as a cache that counts down (RFC 1035 §7.3). */
  private aged(entry: CacheEntry, now: number): UpstreamReply {
    const elapsed = Math.floor((now - entry.storedAt) / 1000);
    const age = (rrs: Rr[]) => rrs.map((r) => ({ ...r, ttl: Math.max(0, r.ttl - elapsed) }));
    const r = entry.reply;
    return { ...r, answers: age(r.answers), authority: age(r.authority), additionals: age(r.additionals), cached: true, expiresAt: Math.min(entry.expiresAt, entry.storedAt + (elapsed + 1) * 1000) };
  }

  private store(key: string, reply: UpstreamReply): void {
    const ttl = cacheTtl(reply);
    if (ttl <= 0) return;
    const now = this.clock();
    if (this.cache.size >= MAX_CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { reply, storedAt: now, expiresAt: now + ttl * 1000 });
    reply.expiresAt = Math.min(now + 1000, now + ttl * 1000);
  }

  private async exchange(q: DnsQuestion): Promise<UpstreamReply> {
    for (let round = 0; round < ROUNDS && !this.closed; round++) {
      for (const u of this.options.upstreams) {
        const to = upstreamName(u);
        this.options.onRequest?.(to);
        try {
          let packet = await this.udp(u, q);
          // RFC 7766 §5: a truncated UDP answer is retried over TCP.
          if ((packet.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE) packet = await tcpQuery(u, q);
          const rcode = (packet as { rcode?: string }).rcode ?? 'NOERROR';
          this.options.onResponse?.(to, rcode);
          return { rcode, answers: toRrs(packet.answers as AnyRr[]), authority: toRrs(packet.authorities as AnyRr[]), additionals: toRrs(packet.additionals as AnyRr[]), upstream: to, cached: false, expiresAt: 0 };
        } catch {
          // timeout or transport error: try the next upstream
        }
      }
    }
    throw new PodnetError('EDNSUPSTREAM', `no upstream answered ${q.name} ${q.type}`);
  }

  private socket(family: 4 | 6): dgram.Socket {
    let s = this.sockets.get(family);
    if (s) return s;
    s = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    s.on('message', (msg) => this.onMessage(msg));
    s.on('error', () => { /* per-send errors surface as timeouts */ });
    s.unref();
    this.sockets.set(family, s);
    return s;
  }

  private onMessage(msg: Buffer): void {
    if (msg.length < 12) return;
    const id = msg.readUInt16BE(0);
    const p = this.pending.get(id);
    if (!p) return;
    let packet: dnsPacket.Packet;
    try { packet = dnsPacket.decode(msg); } catch { return; }
    const q = packet.questions?.[0];
    // Only accept the reply to the question we asked (RFC 5452 §9.1).
    if (!q || foldCase(q.name) !== foldCase(trimDot(p.question.name)) || q.type !== p.question.type) return;
    clearTimeout(p.timer);
    this.pending.delete(id);
    p.resolve(packet);
  }

  private udp(u: Upstream, q: DnsQuestion): Promise<dnsPacket.Packet> {
    return new Promise((resolve, reject) => {
      let id = randomInt(0, 65536);
      for (let i = 0; this.pending.has(id) && i < 100; i++) id = randomInt(0, 65536);
      if (this.pending.has(id)) { reject(new Error('too many queries in flight')); return; }
      const query = encodeQuery(id, q);
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error('timeout'));
      }, this.options.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS);
      this.pending.set(id, { resolve, question: q, timer });
      this.socket(net.isIPv6(u.host) ? 6 : 4).send(query, u.port, u.host, (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.pending.delete(id);
        reject(err);
      });
    });
  }
}

function encodeQuery(id: number, q: DnsQuestion): Buffer {
  return dnsPacket.encode({
    id, type: 'query', flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name: trimDot(q.name), type: q.type as dnsPacket.RecordType, class: q.class as dnsPacket.RecordClass }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: SERVER_UDP_SIZE } as unknown as dnsPacket.Answer],
  });
}

/** One query over TCP with the 2-byte length prefix (RFC 1035 §4.2.2). */
export function tcpQuery(u: Upstream, q: DnsQuestion, timeoutMs = TCP_TIMEOUT_MS): Promise<dnsPacket.Packet> {
  return new Promise((resolve, reject) => {
    const id = randomInt(0, 65536);
    const query = encodeQuery(id, q);
    const sock = net.connect({ host: u.host, port: u.port });
    let buf = Buffer.alloc(0);
    const fail = (e: Error) => { sock.destroy(); reject(e); };
    sock.setTimeout(timeoutMs, () => fail(new Error('tcp timeout')));
    sock.on('error', fail);
    sock.on('connect', () => {
      const len = Buffer.allocUnsafe(2);
      len.writeUInt16BE(query.length);
      sock.write(Buffer.concat([len, query]));
    });
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      sock.destroy();
      try {
        const packet = dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        if (packet.id !== id) throw new Error('mismatched id');
        resolve(packet);
      } catch (e) {
        reject(e as Error);
      }
    });
    sock.on('end', () => fail(new Error('connection closed')));
  });
}

/** Seconds a reply may be cached: min TTL of the answers, or the SOA's for a negative answer (RFC 2308 §5). */
export function cacheTtl(reply: { rcode: string; answers: Rr[]; authority: Rr[] }): number {
  if (reply.rcode !== 'NOERROR' && reply.rcode !== 'NXDOMAIN') return 0;
  if (reply.rcode === 'NOERROR' && reply.answers.length) return Math.min(MAX_POSITIVE_TTL, ...reply.answers.map((r) => r.ttl));
  const soa = reply.authority.find((r) => r.type === 'SOA');
  if (!soa) return 0; // RFC 2308 §5: negative answers without SOA are not cached
  return Math.min(MAX_NEGATIVE_TTL, soa.ttl, (soa.data as { minimum?: number }).minimum ?? soa.ttl);
}
