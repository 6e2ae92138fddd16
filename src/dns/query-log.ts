// The query log: one JSON object per line per query, the evidence `podnet
// trace` reads to tell what DNS did for a pod (which names it asked, in what
// order — the ndots:5 search walk is visible here —, what came back, how long
// it took, whether it was cached or forwarded). Off unless configured: by the
// --query-log flag or PODNET_DNS_QUERY_LOG ("1"/"stdout" or a file path).
// Lines are batched and written once per tick, so logging costs no syscall per query.

import { BoundedLog } from '../bounded-log.js';

export const QUERY_LOG_ENV = 'PODNET_DNS_QUERY_LOG';

export interface QueryLogEntry {
  /** ISO time the query arrived */
  ts: string;
  /** client address:port */
  client: string;
  proto: 'udp' | 'tcp';
  id: number;
  /** as asked, with a trailing dot */
  qname: string;
  qtype: string;
  rcode: string;
  answers: number;
  /** the answer records, as tcpdump writes them (`A 203.0.113.10`, `CNAME db.shop.svc.cluster.local.`) */
  records?: string[];
  /** response size in bytes */
  size: number;
  truncated: boolean;
  durationMs: number;
  /** 'hit' when served from a cache, 'miss' otherwise */
  cache: 'hit' | 'miss';
  /** ip:port of the upstream that answered, when forwarded */
  upstream?: string;
}

export interface QueryLog {
  write(entry: QueryLogEntry): void;
  close(): Promise<void>;
}

/** Parses one line of the log (for `podnet trace` and tests); undefined for anything else. */
export function parseQueryLogLine(line: string): QueryLogEntry | undefined {
  try {
    const v = JSON.parse(line) as QueryLogEntry;
    return typeof v === 'object' && v && typeof v.qname === 'string' && typeof v.rcode === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Lines written together once per event-loop tick: a burst of queries costs one write. */
class PerTick {
  private pending: string[] = [];
  private scheduled = false;

  constructor(private readonly sink: (text: string) => void) {}

  push(line: string): void {
    this.pending.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (!this.pending.length) return;
    const text = `${this.pending.join('\n')}\n`;
    this.pending = [];
    this.sink(text);
  }
}

export class StreamQueryLog implements QueryLog {
  private readonly lines = new PerTick((text) => this.out.write(text));

  constructor(private readonly out: NodeJS.WritableStream, private readonly ownsStream = false) {}

  write(entry: QueryLogEntry): void {
    this.lines.push(JSON.stringify(entry));
  }

  async close(): Promise<void> {
    this.lines.flush();
    if (this.ownsStream) await new Promise<void>((resolve) => this.out.end(resolve));
  }
}

/** a query log file reaching this size is renamed to `.1` (the previous `.1` dropped): ~100,000 questions each */
const QUERY_LOG_MAX_BYTES = 16 * 1024 * 1024;

/**
 * The log in a file, bounded: appended once per tick, as the stream is, and
 * renamed to `.1` when it would pass `maxBytes` (readers such as `podnet
 * observe` read `.1` too), so a long-lived server's log stays under twice that.
 */
export class FileQueryLog implements QueryLog {
  private readonly lines = new PerTick((text) => this.append(text));
  private readonly log: BoundedLog;

  constructor(file: string, maxBytes = QUERY_LOG_MAX_BYTES) {
    this.log = new BoundedLog(file, maxBytes);
  }

  write(entry: QueryLogEntry): void {
    this.lines.push(JSON.stringify(entry));
  }

  private append(text: string): void {
    try {
      this.log.append(text);
    } catch {
      // a log that cannot be written loses its lines, never an answer
    }
  }

  async close(): Promise<void> {
    this.lines.flush();
  }
}

/** 'stdout', '1', 'true' → stdout; any other non-empty value is a file path (appended, bounded); '' / undefined / '0' → off. */
export function openQueryLog(setting: string | undefined): QueryLog | undefined {
  if (!setting || setting === '0' || setting === 'false') return undefined;
  if (setting === '1' || setting === 'true' || setting === 'stdout') return new StreamQueryLog(process.stdout);
  return new FileQueryLog(setting);
}

/** An answer record as tcpdump writes it: the type, then its data (a name with its trailing dot). */
export function recordText(rr: { type: string; data: unknown }): string {
  const text = (v: unknown): string => (Buffer.isBuffer(v) ? `"${v.toString()}"` : Array.isArray(v) ? v.map(text).join(' ') : typeof v === 'object' && v !== null ? Object.values(v).map(text).join(' ') : String(v));
  const data = text(rr.data);
  return `${rr.type} ${['CNAME', 'PTR', 'NS', 'DNAME'].includes(rr.type) && !data.endsWith('.') ? `${data}.` : data}`;
}
