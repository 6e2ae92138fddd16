// The names a new cluster gives its nodes (node-1 … node-N, DESIGN.md), and
// the sealed network for a list of nodes: built by the daemon's entry point
// for a new cluster (while the rest loads) or by the daemon itself from the
// nodes in its store.

import { defaultRunner } from '../net/runner.js';
import { applyTopology, joinOrderPodCIDR, planTopology, type ApplyOptions, type ApplyResult, type NodeSpec } from '../topology/index.js';

export function nodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `node-${i + 1}`);
}

/**
 * A new cluster's nodes with the podCIDRs its node IPAM controller will give
 * them (joinOrderPodCIDR): the network is built before that controller runs,
 * and with them the host-gw routes go into the same build instead of a
 * read-and-change per node once the Node objects have their podCIDRs.
 */
export function newClusterNodes(count: number): NodeSpec[] {
  return nodeNames(count).map((name, i) => ({ name, podCIDR: joinOrderPodCIDR(i + 1) }));
}

export function buildNetwork(cluster: string, nodes: readonly NodeSpec[], options: ApplyOptions = {}): Promise<ApplyResult> {
  return applyTopology(planTopology({ cluster, nodes }), defaultRunner, options);
}
