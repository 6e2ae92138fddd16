// Stale UDP conntrack entries (pure part + the command that deletes them).
// UDP has no connection teardown: a client that keeps sending to a VIP stays
// pinned by its conntrack entry to an endpoint that is gone, for as long as
// it keeps sending. kube-proxy deletes those entries when an endpoint is
// removed; so do we. TCP needs nothing: the old endpoint answers RST or the
// connection times out. Entries are never flushed on start, so an agent
// restart does not disturb established flows.

import { CommandError } from '../errors.js';
import type { Runner } from '../net/runner.js';
import type { ServicePortInfo } from './service-ports.js';

export interface ConntrackDeletion {
  argv: string[];
  /** the Service (`ns/name`) and why, for logs */
  reason: string;
}

const DELETED_PATTERN = /(\d+) flow entries have been deleted/;

function endpointSet(sp: ServicePortInfo | undefined): Map<string, { ip: string; port: number }> {
  const out = new Map<string, { ip: string; port: number }>();
  for (const ep of [...(sp?.clusterEndpoints ?? []), ...(sp?.localEndpoints ?? [])]) out.set(`${ep.ip}:${ep.port}`, ep);
  return out;
}

/**
 * conntrack deletions for UDP service ports whose endpoints went away between
 * prev and next (both as servicePorts() computes them). With prev undefined
 * (the first sync after a start) nothing is deleted.
 */
export function staleUdpDeletions(prev: readonly ServicePortInfo[] | undefined, next: readonly ServicePortInfo[]): ConntrackDeletion[] {
  if (!prev) return [];
  const nextById = new Map(next.map((sp) => [sp.id, sp]));
  const out: ConntrackDeletion[] = [];
  for (const old of prev) {
    if (old.proto !== 'udp') continue;
    const cur = nextById.get(old.id);
    const still = endpointSet(cur);
    const frontends = [old.clusterIP, ...old.externalAddrs];
    for (const [id, ep] of endpointSet(old)) {
      if (still.has(id)) continue;
      const reply = ['--reply-src', ep.ip, '--reply-port-src', String(ep.port)];
      const reason = `${old.namespace}/${old.name}: endpoint ${id} removed from ${old.id}`;
      for (const fe of frontends) {
        out.push({ argv: ['conntrack', '-D', '-p', 'udp', '--orig-dst', fe, '--orig-port-dst', String(old.port), ...reply], reason });
      }
      if (old.nodePort) out.push({ argv: ['conntrack', '-D', '-p', 'udp', '--orig-port-dst', String(old.nodePort), ...reply], reason });
    }
  }
  // A UDP port that had no endpoints and now has some: entries made while it had
  // none carry no NAT and would keep the client talking to nothing.
  const prevById = new Map(prev.map((sp) => [sp.id, sp]));
  for (const sp of next) {
    const old = prevById.get(sp.id);
    if (sp.proto !== 'udp' || !old || old.clusterEndpoints.length > 0 || sp.clusterEndpoints.length === 0) continue;
    const reason = `${sp.namespace}/${sp.name}: ${sp.id} got endpoints`;
    for (const fe of [sp.clusterIP, ...sp.externalAddrs]) {
      out.push({ argv: ['conntrack', '-D', '-p', 'udp', '--orig-dst', fe, '--orig-port-dst', String(sp.port)], reason });
    }
  }
  return out;
}

/** Runs the deletions; returns how many entries the kernel removed. "0 deleted" exits 1: not an error. */
export async function deleteConntrack(runner: Runner, netns: string | undefined, deletions: readonly ConntrackDeletion[]): Promise<number> {
  let total = 0;
  for (const d of deletions) {
    const res = await runner.run(d.argv, { ...(netns ? { netns } : {}), allowFailure: true });
    const m = DELETED_PATTERN.exec(res.stderr + res.stdout);
    if (m) total += Number(m[1]);
    else if (res.code !== 0) throw new CommandError(d.argv, res.code, res.stderr, res.stdout);
  }
  return total;
}
