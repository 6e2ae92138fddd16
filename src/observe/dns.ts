// DNS exchanges for `podnet observe` (pure): tcpdump sees each query and
// its answer on the asking side's interface (a pod's veth in its node, the
// outside client's eth0); a query is kept until its answer comes on the same
// interface with the ports and id reversed, and the pair becomes one flow:
// who asked, which server (the Service frontend, e.g. kube-dns), the name
// and type, the rcode and records, and how long the answer took. A query
// with no answer after ANSWER_WAIT_S is a flow of its own. The exchange's
// UDP connection (conntrack's flow of the same addresses and ports) is not
// shown again: its DNAT (which kube-dns pod) and masquerade are the DNS
// flow's, and stay known for every later question on the same socket while
// conntrack keeps the connection (it reports a connection once); one that
// no exchange claims within CONNECTION_WAIT_S is shown alone.

import type { AddressBook } from './address-book.js';
import type { DnsPacket } from './events.js';
import { isoTime, type Flow } from './flows.js';

/** how long a query waits for its answer before it is shown unanswered (a resolver gives up after 5 s) */
export const ANSWER_WAIT_S = 5;

/** Where packets were captured and which direction is the asking side's: a pod's veth in a node (P/In: from the pod), the outside client's own eth0 (Out). */
export interface DnsVantage { observer: string; asks: (p: DnsPacket) => boolean; answered: (p: DnsPacket) => boolean }

export const nodeVantage = (node: string): DnsVantage => ({
  observer: node,
  asks: (p) => p.ifname.startsWith('veth') && (p.direction === 'P' || p.direction === 'In'),
  answered: (p) => p.ifname.startsWith('veth') && p.direction === 'Out',
});

export const outsideVantage: DnsVantage = {
  observer: 'outside',
  asks: (p) => p.ifname === 'eth0' && p.direction === 'Out',
  answered: (p) => p.ifname === 'eth0' && p.direction === 'In',
};

/** how long a DNS connection waits for the exchange that claims it */
export const CONNECTION_WAIT_S = ANSWER_WAIT_S + 1;
/**
 * How long a claimed connection's NAT is kept after its last question:
 * conntrack forgets an answered UDP connection 120 s after its last packet
 * (nf_conntrack_udp_timeout_stream), and reports a new one after that.
 */
const NAT_KEEP_S = 125;
/** the most connections kept at once (the oldest go first): a bound on a long observation's memory */
const MAX_CONNECTIONS = 50_000;

const tuple = (src: string, sport: number | undefined, dst: string, dport: number | undefined) => `${src}:${sport} ${dst}:${dport}`;

export class DnsExchanges {
  private readonly pending = new Map<string, { packet: DnsPacket; vantage: DnsVantage }>();
  /** UDP connections to port 53 by their tuple: conntrack's flow (none when the exchange came first), when it came, when a question last used it, whether one has */
  private readonly connections = new Map<string, { flow?: Flow; since: number; used: number; claimed: boolean }>();

  constructor(private book: () => AddressBook) {}

  private static key(v: DnsVantage, ifname: string, client: string, cport: number, server: string, sport: number, id: number): string {
    return `${v.observer} ${ifname} ${client}:${cport} ${server}:${sport} ${id}`;
  }

  /** A captured packet: a query to remember, or the flow of the query its answer closes; undefined otherwise. */
  packet(p: DnsPacket, v: DnsVantage): Flow | undefined {
    if (p.query && v.asks(p)) {
      // a resend (same socket, same id) keeps the first: the answer's time is measured from it
      const key = DnsExchanges.key(v, p.ifname, p.src, p.sport, p.dst, p.dport, p.id);
      if (!this.pending.has(key)) this.pending.set(key, { packet: p, vantage: v });
      return undefined;
    }
    if (!p.answer || !v.answered(p)) return undefined;
    const key = DnsExchanges.key(v, p.ifname, p.dst, p.dport, p.src, p.sport, p.id);
    const asked = this.pending.get(key);
    if (!asked) return undefined;
    this.pending.delete(key);
    return this.flow(asked.packet, v, p);
  }

  /** A connection flow: a UDP one to port 53 waits for its DNS exchange (undefined); any other is returned as it is. */
  connection(f: Flow, now: number): Flow | undefined {
    if (f.protocol !== 'UDP' || f.destination.port !== 53) return f;
    const key = tuple(f.source.ip, f.source.port, f.destination.ip, f.destination.port);
    const known = this.connections.get(key);
    if (known) known.flow = f;
    else this.remember(key, { flow: f, since: now, used: now, claimed: false });
    return undefined;
  }

  private remember(key: string, c: { flow?: Flow; since: number; used: number; claimed: boolean }): void {
    this.connections.delete(key);
    this.connections.set(key, c);
    for (const oldest of this.connections.keys()) {
      if (this.connections.size <= MAX_CONNECTIONS) break;
      this.connections.delete(oldest);
    }
  }

  /** The queries unanswered for ANSWER_WAIT_S by `now` (seconds since the epoch), each a flow, and the DNS connections no exchange claimed, forgotten. */
  expired(now: number): Flow[] {
    const out: Flow[] = [];
    for (const [key, c] of this.connections) {
      if (c.claimed ? now - c.used < NAT_KEEP_S : now - c.since < CONNECTION_WAIT_S) continue;
      this.connections.delete(key);
      if (!c.claimed && c.flow) out.push(c.flow);
    }
    for (const [key, { packet, vantage }] of this.pending) {
      if (now - packet.time < ANSWER_WAIT_S) continue;
      this.pending.delete(key);
      out.push(this.flow(packet, vantage, undefined));
    }
    return out;
  }

  private flow(q: DnsPacket, v: DnsVantage, a: DnsPacket | undefined): Flow {
    const book = this.book();
    const service = book.frontend(q.dst, q.dport, 'UDP');
    const key = tuple(q.src, q.sport, q.dst, q.dport);
    const connection = this.connections.get(key) ?? { since: q.time, used: q.time, claimed: true };
    connection.claimed = true;
    connection.used = Math.max(connection.used, q.time);
    this.remember(key, connection);
    const nat = connection.flow;
    return {
      time: isoTime(q.time), observer: v.observer, verdict: 'FORWARDED', protocol: 'DNS',
      source: book.peer(q.src, q.sport), destination: book.peer(q.dst, q.dport),
      ...(service ? { service } : {}),
      ...(nat?.translatedDestination ? { translatedDestination: nat.translatedDestination } : {}),
      ...(nat?.translatedSource ? { translatedSource: nat.translatedSource } : {}),
      dns: {
        query: q.query!.name, type: q.query!.type,
        ...(a ? {
          rcode: a.answer!.rcode, records: a.answer!.records, ms: Math.round((a.time - q.time) * 10_000) / 10,
          ...(a.answer!.truncated ? { truncated: true } : {}), ...(a.answer!.fragmented ? { fragmented: true } : {}),
        } : { rcode: 'no answer', records: [] }),
      },
    };
  }
}
