// The raw events `podnet observe` reads, parsed (pure): a line of
// `conntrack -E -o timestamp` (a connection the kernel started tracking in one
// namespace, with its original and reply tuples, so a DNAT or SNAT shows as
// the reply differing from the original) and a line of
// `tcpdump -n -tt -l -i nflog:GROUP` (a packet a NetworkPolicy rule dropped
// and logged to that netlink group).

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
  const tuples: Partial<Tuple>[] = [{}, {}];
  let which = -1;
  for (const word of m[4]!.split(/\s+/)) {
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
  return { time: Number(m[1]), type: m[2] as ConntrackEvent['type'], protocol: KNOWN[m[3]!] ?? m[3]!.toUpperCase(), orig: orig as Tuple, reply: reply as Tuple };
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
