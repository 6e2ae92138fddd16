// The refusal log: every packet the cluster's rules refused and copied to a
// netlink log group (src/net/nflog.ts), one JSON line each, written by the
// process that lives in the namespace (each node agent, the load balancer's
// agent). A log group takes one listener per namespace, so the agents hold
// them and anyone may read what they recorded: several `podnet observe`s at
// once, and `podnet observe --last` after the fact. This file is the format
// and where it lives (pure); refusal-recorder.ts writes it.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseLoggedPacket, type LoggedPacket } from './events.js';
import { LogTail } from './log-tail.js';

/** a refusal log reaching this size is renamed to `.1` (the previous `.1` dropped): ~30,000 refusals each (a line is ~140 bytes) */
export const REFUSAL_LOG_MAX_BYTES = 4 * 1024 * 1024;

export interface Refusal extends LoggedPacket {
  /** the netlink log group the rule copied it to: why it was refused */
  group: number;
}

/** the load balancer's name as an observer of flows, and so its refusal log's name among the nodes' (a node's log is named by its node) */
export const LOAD_BALANCER_OBSERVER = 'load-balancer';

/** The log of the node `where` or of the load balancer (`load-balancer`). */
export function refusalLogPath(clusterDir: string, where: string): string {
  return path.join(clusterDir, 'refusals', `${where}.log`);
}

/** The file beside a log that says a recorder listens: its tcpdump's pid, removed when that ends. */
export function recorderMarkerPath(logFile: string): string {
  return `${logFile}.recorder`;
}

// `1796000574.525183 version 0, resource ID 4001, family IPv4 (2), length 108: 10.244.1.3.58240 > 10.244.0.5.80: Flags [S], …`
const NFLOG_LINE = /^(\d+(?:\.\d+)?)\s+version \d+, resource ID (\d+), family IPv4 \(2\), length \d+:\s+(.*)$/;

/** One line of `tcpdump -n -tt -e -i nflog:G1,G2,…` (IPv4 only); undefined for anything else. */
export function parseNflogLine(line: string): Refusal | undefined {
  const m = NFLOG_LINE.exec(line.trim());
  if (!m) return undefined;
  const packet = parseLoggedPacket(`${m[1]} IP ${m[3]}`);
  return packet ? { ...packet, group: Number(m[2]) } : undefined;
}

/** One line of the log; undefined for a line that is not a refusal (a torn last line, anything else). */
export function parseRefusalLine(line: string): Refusal | undefined {
  try {
    const v = JSON.parse(line) as Refusal;
    return typeof v === 'object' && v !== null && typeof v.time === 'number' && typeof v.group === 'number' && typeof v.src === 'string' && typeof v.dst === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The refusals a log holds since `since` (seconds since the epoch), newest first: read back only that far. */
export function recentRefusals(logFile: string, since: number): Refusal[] {
  const out: Refusal[] = [];
  for (const line of new LogTail(logFile).history()) {
    const r = parseRefusalLine(line);
    if (!r) continue;
    if (r.time < since) break;
    out.push(r);
  }
  return out;
}

/** Whether a log's recorder listens: its marker names a live tcpdump on the log groups (not a process that got its pid since). */
export function recorderAlive(logFile: string): boolean {
  try {
    const pid = Number(readFileSync(recorderMarkerPath(logFile), 'utf8'));
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('nflog:');
  } catch {
    return false;
  }
}
