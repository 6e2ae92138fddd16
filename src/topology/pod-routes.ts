// Host-gw routes between nodes, reconciled: compute the routes each node
// should have (every other node's podCIDR via that node's IP), read the ones
// it has (tagged with POD_ROUTE_PROTO), change only the difference.

import { defaultRunner, type Runner } from '../net/runner.js';
import { ipBatch } from '../net/netns.js';
import { PodnetError } from '../errors.js';
import { installedAfter, podRouteCommands, type InstalledRoute } from './commands.js';
import { POD_ROUTE_PROTO, desiredPodRoutes } from './plan.js';
import { topologyNetns } from './names.js';
import { DEFAULT_PARALLELISM, mapLimit } from './parallel.js';

export interface PodRouteNode { name: string; ip: string; podCIDR?: string }

/** podnet's host-gw routes in NETNS (`ip -j route show proto 77`). */
export async function readPodRoutes(runner: Runner, netns: string): Promise<InstalledRoute[]> {
  const { stdout } = await runner.run(['ip', '-j', 'route', 'show', 'proto', String(POD_ROUTE_PROTO)], { netns });
  const text = stdout.trim();
  if (!text) return [];
  return (JSON.parse(text) as { dst: string; gateway?: string; dev?: string }[]).map((r) => ({
    dst: r.dst,
    ...(r.gateway !== undefined ? { gateway: r.gateway } : {}),
    ...(r.dev !== undefined ? { dev: r.dev } : {}),
  }));
}

/**
 * Makes every node's routing table hold exactly the other nodes' podCIDRs.
 * Returns the ip commands run per node (empty when nothing changed).
 *
 * `known` (netns → routes), when given, is what the caller knows each node
 * holds: a node found there is not read back, and every node synced is
 * recorded there afterwards (forgotten when its sync fails, so it is read
 * next time). Only for a caller that is the routes' one writer (the daemon,
 * seeded by applyTopology's podRoutes): then most syncs run no process at all.
 */
export async function syncPodRoutes(cluster: string, nodes: readonly PodRouteNode[], runner: Runner = defaultRunner, known?: Map<string, InstalledRoute[]>): Promise<Map<string, string[]>> {
  const changes = await mapLimit(nodes, DEFAULT_PARALLELISM, async (node) => {
    const netns = topologyNetns.node(cluster, node.name);
    try {
      const desired = desiredPodRoutes(node.name, nodes);
      const lines = podRouteCommands(desired, known?.get(netns) ?? await readPodRoutes(runner, netns));
      known?.delete(netns);
      await ipBatch(runner, netns, lines);
      known?.set(netns, installedAfter(desired));
      return [node.name, lines] as const;
    } catch (err) {
      throw new PodnetError('ETOPOLOGY', `could not sync pod routes of node ${node.name} in netns ${netns}: ${(err as Error).message}`, { cause: err });
    }
  });
  return new Map(changes);
}
