// Stale UDP conntrack entries (pure part + the command that deletes them).
// UDP has no connection teardown: a client that keeps sending to a frontend
// stays pinned by its conntrack entry, for as long as it keeps sending, to
// whatever the entry's first packet got: an endpoint that is gone, or no NAT
// at all (it was sent before the Service, its NodePort or externalIP existed,
// or while it had no endpoints; the nat hooks only see a flow's first packet).
// kube-proxy's rule (CleanStaleEntries): an entry whose original destination
// is a UDP frontend (Service IP:port, or a NodePort) and whose reply source is
// not a serving endpoint of it is stale. Traffic policies, topology and
// terminating status do not count: changing them must not move existing flows,
// as it does not for TCP. kube-proxy lists the whole table on every sync; we
// plan from the sync's change instead, with `conntrack -D` filters, so a sync
// deletes what the change made stale:
//   - an endpoint that stopped serving a frontend: entries replying from it;
//   - a frontend that gets its first serving endpoint: entries that were
//     never NATed (reply source = original destination). Earlier NATed
//     entries cannot be left: their endpoints' removal deleted them.
// TCP needs nothing: the old endpoint answers RST or the connection times out.
// Entries are never flushed on start, so an agent restart does not disturb
// established flows.

import { CommandError } from '../errors.js';
import type { Runner } from '../net/runner.js';
import type { EndpointInfo, ServicePortInfo } from './service-ports.js';

export interface ConntrackDeletion {
  argv: string[];
  /** the Service (`ns/name`) and why, for logs */
  reason: string;
}

const DELETED_PATTERN = /(\d+) flow entries have been deleted/;
const DELETE_UDP = ['conntrack', '-D', '-p', 'udp'];

/** A UDP frontend: an address and port, or a NodePort (address undefined: served on the node's IP). */
interface Frontend {
  addr: string | undefined;
  port: number;
  /** the first service port claiming it, for the log reason */
  owner: ServicePortInfo;
  /** `ip:port` → endpoint, over every port claiming the frontend */
  serving: Map<string, EndpointInfo>;
}

/** The UDP frontends of these ports, keyed `addr:port` or `nodePort:port`. */
function udpFrontends(ports: readonly ServicePortInfo[]): Map<string, Frontend> {
  const out = new Map<string, Frontend>();
  const claim = (key: string, addr: string | undefined, port: number, sp: ServicePortInfo) => {
    let fe = out.get(key);
    if (!fe) out.set(key, fe = { addr, port, owner: sp, serving: new Map() });
    for (const ep of sp.servingEndpoints) fe.serving.set(`${ep.ip}:${ep.port}`, ep);
  };
  for (const sp of ports) {
    if (sp.proto !== 'udp') continue;
    for (const addr of [sp.clusterIP, ...sp.externalAddrs]) claim(`${addr}:${sp.port}`, addr, sp.port, sp);
    if (sp.nodePort) claim(`nodePort:${sp.nodePort}`, undefined, sp.nodePort, sp);
  }
  return out;
}

function label(fe: Frontend): string {
  return fe.addr === undefined ? `NodePort ${fe.port}` : `${fe.addr}:${fe.port}`;
}

/**
 * conntrack deletions for the UDP entries that the change from prev to next
 * (service ports as servicePorts() computes them, of the Services that
 * changed) made stale. With prev undefined (the first sync after a start)
 * nothing is deleted. NodePorts are served on nodeIP only, so that is where
 * un-NATed NodePort entries are looked for.
 */
export function staleUdpDeletions(prev: readonly ServicePortInfo[] | undefined, next: readonly ServicePortInfo[], nodeIP: string): ConntrackDeletion[] {
  if (!prev) return [];
  const before = udpFrontends(prev);
  const after = udpFrontends(next);
  const out: ConntrackDeletion[] = [];
  for (const [key, was] of before) {
    const still = after.get(key)?.serving;
    // A NodePort entry's original destination is whichever node address the client used.
    const dest = was.addr === undefined ? [] : ['--orig-dst', was.addr];
    for (const [id, ep] of was.serving) {
      if (still?.has(id)) continue;
      out.push({
        argv: [...DELETE_UDP, ...dest, '--orig-port-dst', String(was.port), '--reply-src', ep.ip, '--reply-port-src', String(ep.port)],
        reason: `${was.owner.namespace}/${was.owner.name}: endpoint ${id} no longer serves ${label(was)} (${was.owner.id})`,
      });
    }
  }
  for (const [key, now] of after) {
    if (now.serving.size === 0 || (before.get(key)?.serving.size ?? 0) > 0) continue;
    // Not NATed: the reply comes from where the client sent it.
    const addr = now.addr ?? nodeIP;
    out.push({
      argv: [...DELETE_UDP, '--orig-dst', addr, '--orig-port-dst', String(now.port), '--reply-src', addr],
      reason: `${now.owner.namespace}/${now.owner.name}: ${label(now)} got its first serving endpoint (${now.owner.id})`,
    });
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
