// The names a new cluster gives its nodes (node-1 … node-N, DESIGN.md), and
// the sealed network for a list of node names: built by the daemon's entry
// point for a new cluster (while the rest loads) or by the daemon itself from
// the nodes in its store.

import { defaultRunner } from '../net/runner.js';
import { applyTopology, planTopology, type ApplyResult } from '../topology/index.js';

export function nodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `node-${i + 1}`);
}

export function buildNetwork(cluster: string, names: readonly string[]): Promise<ApplyResult> {
  return applyTopology(planTopology({ cluster, nodes: names.map((name) => ({ name })) }), defaultRunner);
}
