// The raw events `podnet observe` reads, parsed (pure): a line of
// `conntrack -E -o timestamp` (a connection the kernel started tracking in one
// namespace, with its original and reply tuples, so a DNAT or SNAT shows as
// the reply differing from the original), a line of `conntrack -L -o
// ktimestamp` (a connection still in the table, placed at its start), a
// packet line of `tcpdump -n -tt` (a packet a rule refused and logged to a
// netlink group: refusal-log.ts adds the group) and tcpdump's DNS lines.

export interface Tuple {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
}

export type Protocol = 'TCP' | 'UDP' | 'ICMP' | 'SCTP';

export interface ConntrackEvent {
  /** seconds since the epoch, with microseconds */
  time: number;
  type: 'NEW' | 'UPDATE' | 'DESTROY';
  protocol: Protocol | string;
  orig: Tuple;
  reply: Tuple;
}

const EVENT = /^\[(\d+(?:\.\d+)?)\]\s+\[(NEW|UPDATE|DESTROY)\]\s+(\S+)\s+\d+\s+(.*)$/;
const KNOWN: Record<string, Protocol> = { tcp: 'TCP', udp: 'UDP', icmp: 'ICMP', sctp: 'SCTP' };

/** One event line; undefined for anything else (conntrack's own messages). */
export function parseConntrackEvent(line: string): ConntrackEvent | undefined {
  const m = EVENT.exec(line.trim());
  if (!m) return undefined;
  const tuples = parseTuples(m[4]!);
  return tuples && { time: Number(m[1]), type: m[2] as ConntrackEvent['type'], protocol: KNOWN[m[3]!] ?? m[3]!.toUpperCase(), ...tuples };
}

// `tcp      6 118 TIME_WAIT src=10.244.1.3 … [ASSURED] mark=0 delta-time=2 [start=Mon Nov 30 01:15:44 2026] use=1`
const ENTRY = /^(\S+)\s+\d+\s+\d+\s+(.*\[start=\w+ (\w+) +(\d+) (\d+:\d+:\d+) (\d+)\].*)$/;

/**
 * One line of `conntrack -L -o ktimestamp` (run with TZ=UTC) as a NEW event
 * at the connection's start, to the second as conntrack prints it;
 * undefined for anything else and for an entry without a start
 * (nf_conntrack_timestamp off, src/net/conntrack-timestamps.ts).
 */
export function parseConntrackEntry(line: string): ConntrackEvent | undefined {
  const m = ENTRY.exec(line.trim());
  if (!m) return undefined;
  const start = Date.parse(`${m[3]} ${m[4]} ${m[6]} ${m[5]} UTC`);
  const tuples = parseTuples(m[2]!);
  return tuples && !Number.isNaN(start) ? { time: start / 1000, type: 'NEW', protocol: KNOWN[m[1]!] ?? m[1]!.toUpperCase(), ...tuples } : undefined;
}

/** what `parseConntrackEntry` reads: absolute starts, in UTC */
export const CONNTRACK_TABLE_ARGV = ['conntrack', '-L', '-o', 'ktimestamp'];
export const CONNTRACK_TABLE_ENV = { TZ: 'UTC' };

function parseTuples(text: string): { orig: Tuple; reply: Tuple } | undefined {
  const tuples: Partial<Tuple>[] = [{}, {}];
  let which = -1;
  for (const word of text.split(/\s+/)) {
    const eq = word.indexOf('=');
    if (eq < 0) continue;
    const key = word.slice(0, eq);
    const value = word.slice(eq + 1);
    // each tuple starts with its src=
    if (key === 'src') which++;
    const t = tuples[which];
    if (!t) continue;
    if (key === 'src' || key === 'dst') t[key] = value;
    else if (key === 'sport' || key === 'dport') t[key] = Number(value);
  }
  const [orig, reply] = tuples;
  if (!orig?.src || !orig.dst || !reply?.src || !reply.dst) return undefined;
  return { orig: orig as Tuple, reply: reply as Tuple };
}

export interface LoggedPacket {
  time: number;
  protocol: Protocol | string;
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  /** TCP flags as tcpdump writes them: S (SYN), S. (SYN-ACK), P. … */
  tcpFlags?: string;
}

const PACKET = /^(\d+(?:\.\d+)?)\s+IP\s+(\S+)\s+>\s+(\S+?):\s+(.*)$/;
const ADDRESS_PORT = /^(\d+\.\d+\.\d+\.\d+)(?:\.(\d+))?$/;

/** One IPv4 packet line of `tcpdump -n -tt`; undefined for tcpdump's own messages and what is not IPv4. */
export function parseLoggedPacket(line: string): LoggedPacket | undefined {
  const m = PACKET.exec(line.trim());
  if (!m) return undefined;
  const src = ADDRESS_PORT.exec(m[2]!);
  const dst = ADDRESS_PORT.exec(m[3]!);
  if (!src || !dst) return undefined;
  const rest = m[4]!;
  const flags = /^Flags \[([^\]]*)\]/.exec(rest);
  // tcpdump names TCP by its flags; a UDP packet is decoded by its port (DNS, …) or said as `UDP, length N`
  const protocol = flags ? 'TCP' : /^ICMP\b/.test(rest) ? 'ICMP' : /^sctp\b/i.test(rest) ? 'SCTP' : src[2] ? 'UDP' : 'IP';
  return {
    time: Number(m[1]), protocol, src: src[1]!, dst: dst[1]!,
    ...(src[2] ? { sport: Number(src[2]) } : {}),
    ...(dst[2] ? { dport: Number(dst[2]) } : {}),
    ...(flags ? { tcpFlags: flags[1]! } : {}),
  };
}

/** A DNS message over UDP as `tcpdump -n -tt -l -i any` decodes it, with the interface and direction it was seen on. */
export interface DnsPacket {
  time: number;
  /** the interface (a pod's veth in a node, eth0 on the outside client) */
  ifname: string;
  /** Linux's packet type: `In`, `Out`, `P` (to another host: a frame a pod sent to its gateway), `B`, `M` */
  direction: string;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  id: number;
  /** a query: its type and name */
  query?: { type: string; name: string };
  /**
   * an answer: its rcode (NOERROR when tcpdump names none), its answer
   * records (`A 10.96.0.10`, `CNAME db.shop.svc.cluster.local.`), whether
   * the server truncated it (TC), and whether it came in IP fragments, of
   * which tcpdump decodes the first only (`records` then ends early)
   */
  answer?: { rcode: string; records: string[]; truncated: boolean; fragmented?: boolean };
}

const ANY_LINE = /^(\d+(?:\.\d+)?)\s+(\S+)\s+(In|Out|P|B|M)\s+IP\s+(\d+\.\d+\.\d+\.\d+)\.(\d+)\s+>\s+(\d+\.\d+\.\d+\.\d+)\.(\d+):\s+(.*)$/;
// `3037+ A? api.shop.svc.cluster.local. (44)`, `32456+ [1au] AAAA? nothere. (36)`, `22+ TXT CHAOS? version.bind. (30)` (a class other than IN)
const DNS_QUERY = /^(\d+)\S*\s+(?:\[[^\]]*\]\s+)*([A-Za-z0-9]+)(?:\s+[A-Z]+)?\?\s+(\S+)\s+\(\d+\)$/;
// `3037* 1/0/0 A 10.110.194.144 (60)`, `3509 NXDomain* 0/1/0 (102)`, `7| 0/0/0 (12)`; an answer in IP fragments
// is decoded from its first only and ends `[|domain]`
const DNS_ANSWER = /^(\d+)(\S*)\s+(?:([A-Z][A-Za-z]+)(\S*)\s+)?(?:\[[^\]]*\]\s+)*(\d+)\/(\d+)\/(\d+)\s*(.*?)\s*(\(\d+\)|\[\|domain\])$/;
/** between two records: `, ` before a record's type (a TXT record's own text may hold `, `) */
const RECORD_SEPARATOR = /,\s+(?=[A-Z][A-Z0-9]*\s)/;

/** One DNS line of `tcpdump -i any … udp port 53`; undefined for anything else (tcpdump's own lines, messages it could not decode). */
export function parseDnsPacket(line: string): DnsPacket | undefined {
  const m = ANY_LINE.exec(line.trim());
  if (!m) return undefined;
  const base = { time: Number(m[1]), ifname: m[2]!, direction: m[3]!, src: m[4]!, sport: Number(m[5]), dst: m[6]!, dport: Number(m[7]) };
  const text = m[8]!;
  const q = DNS_QUERY.exec(text);
  if (q) return { ...base, id: Number(q[1]), query: { type: q[2]!, name: q[3]! } };
  const a = DNS_ANSWER.exec(text);
  if (!a) return undefined;
  const fragmented = a[9] === '[|domain]';
  const records = a[8] ? a[8].split(RECORD_SEPARATOR).filter((r) => /^[A-Z0-9]+ \S/.test(r)) : [];
  // the first fragment's last record may be cut short
  if (fragmented) records.pop();
  // tcpdump's flags after the id and after the rcode: `|` is a truncated answer (TC)
  return {
    ...base, id: Number(a[1]),
    answer: { rcode: a[3] ? a[3].toUpperCase() : 'NOERROR', records, truncated: `${a[2]}${a[4] ?? ''}`.includes('|'), ...(fragmented ? { fragmented } : {}) },
  };
}
