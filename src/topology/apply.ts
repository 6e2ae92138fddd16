// Makes the kernel match a TopologyPlan. Idempotent: namespaces and links that
// exist are kept, everything else is `replace`/`set`, pod routes are
// reconciled, the masquerade table is replaced atomically.
//
// Steps:
//   1. look at what exists: the named namespaces, and — only in namespaces
//      that existed already — the router's links and the nodes' pod routes
//      (a namespace this call creates holds nothing yet);
//   2. `ip -batch -` processes in the host namespace whose lines only create
//      namespaces or run programs inside them (buildSteps): one creates the
//      namespaces; then one creates the router's links and configures every
//      other namespace's end, while another sets sysctls and nftables
//      tables. Three processes spawned from Node instead of one per
//      namespace and tool (a spawn costs the daemon ~5 ms of CPU, and a new
//      cluster's build overlaps the daemon's module loading).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CommandError, PodnetError } from '../errors.js';
import { defaultRunner, type Runner } from '../net/runner.js';
import { deleteNetns, failedBatchLine, linkNames, listNetns, netnsBatch } from '../net/netns.js';
import { buildSteps, installedAfter, type BuildPhase, type InstalledRoute } from './commands.js';
import { nodeFacts, nodeNamespace, routerAttachment, type NodeSpec, type TopologyPlan } from './plan.js';
import { readPodRoutes } from './pod-routes.js';
import { routerPort, topologyNetns } from './names.js';
import { DEFAULT_PARALLELISM, mapLimit } from './parallel.js';
import { killNamespaceProcesses } from './teardown.js';

export interface ApplyResult {
  /** namespaces this call created (the others existed already) */
  created: string[];
  durationMs: number;
  /**
   * The host-gw routes (protocol 77) each node namespace holds afterwards. A
   * caller that is their only writer (the daemon) reconciles later changes
   * against this instead of reading them back (syncPodRoutes' `known`).
   */
  podRoutes: Map<string, InstalledRoute[]>;
}

function failure(verb: string, netns: string, err: unknown): PodnetError {
  return new PodnetError('ETOPOLOGY', `could not ${verb} in netns ${netns}: ${(err as Error).message}`, { cause: err });
}

export interface ApplyOptions {
  /**
   * Called once every namespace of the plan exists, before they are
   * configured: processes can be started inside them meanwhile (the daemon's
   * node agents, which wait for their Node object, registered only after
   * the whole build).
   */
  onNamespaces?: () => void;
  /**
   * An existing directory where the build's input files (ip batches, nft
   * rulesets) are written while it runs (default: the system's temp directory). The daemon passes
   * its cluster's state directory, so that `podnet down` removes what a
   * build killed halfway leaves behind.
   */
  workDir?: string;
}

export async function applyTopology(plan: TopologyPlan, runner: Runner = defaultRunner, options: ApplyOptions = {}): Promise<ApplyResult> {
  const started = performance.now();
  const existing = new Set(await listNetns(runner));
  const wanted = [...new Set(plan.namespaces.map((n) => n.name))];
  const created = wanted.filter((n) => !existing.has(n));

  const presentLinks = new Map<string, Set<string>>();
  const installedRoutes = new Map<string, InstalledRoute[]>();
  const looks = [
    ...plan.namespaces.filter((ns) => ns.links.length > 0 && existing.has(ns.name)).map((ns) => async () => {
      try { presentLinks.set(ns.name, await linkNames(runner, ns.name)); } catch (err) { throw failure('list links', ns.name, err); }
    }),
    ...plan.namespaces.filter((ns) => ns.podRoutes && existing.has(ns.name)).map((ns) => async () => {
      try { installedRoutes.set(ns.name, await readPodRoutes(runner, ns.name)); } catch (err) { throw failure('read pod routes', ns.name, err); }
    }),
  ];
  await mapLimit(looks, DEFAULT_PARALLELISM, (look) => look());

  const dir = mkdtempSync(path.join(options.workDir ?? tmpdir(), 'podnet-topology-'));
  try {
    const steps = buildSteps(plan, { create: created, presentLinks, installedRoutes }, dir);
    for (const s of steps) if (s.file) writeFileSync(s.file.name, s.file.content);
    const run = async (phase: BuildPhase) => {
      const batch = steps.filter((s) => s.phase === phase);
      try {
        await netnsBatch(runner, batch.map((s) => s.line));
      } catch (err) {
        const n = err instanceof CommandError ? failedBatchLine(err.stderr) : undefined;
        const step = n !== undefined ? batch[n - 1] : undefined;
        if (step) throw failure(step.verb, step.netns, err);
        throw new PodnetError('ETOPOLOGY', `could not build the network of cluster ${plan.cluster}: ${(err as Error).message}`, { cause: err });
      }
    };
    await run('namespaces');
    options.onNamespaces?.();
    // Both always run to their end, so the files are not removed under a running one.
    const [links, settings] = await Promise.allSettled([run('links'), run('settings')]);
    for (const r of [links, settings]) if (r.status === 'rejected') throw r.reason;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const podRoutes = new Map(plan.namespaces.filter((ns) => ns.podRoutes).map((ns) => [ns.name, installedAfter(ns.podRoutes!)]));
  return { created, durationMs: performance.now() - started, podRoutes };
}

/**
 * Attaches one more node to a running cluster's router. Pod routes are the
 * caller's to sync afterwards (syncPodRoutes with the full node list), since
 * only the caller knows every node's podCIDR.
 */
export async function addNode(cluster: string, node: NodeSpec, runner: Runner = defaultRunner): Promise<ApplyResult> {
  const router = topologyNetns.router(cluster);
  if (!(await listNetns(runner)).includes(router)) {
    throw new PodnetError('ETOPOLOGY', `could not add node ${node.name}: netns ${router} does not exist (the cluster network is not up)`);
  }
  const facts = nodeFacts(cluster, node);
  return applyTopology({ cluster, namespaces: [routerAttachment(cluster, facts), nodeNamespace(facts, [])], nodes: [facts] }, runner);
}

/**
 * Detaches a node: deletes the router's end of its uplink (which takes the
 * node's eth0 with it, synchronously, so a node of the same name can be added
 * at once), kills what still runs in the node's namespace and deletes it. Pod
 * namespaces of the node are the node agent's; other nodes' routes to its
 * podCIDR go with the caller's next syncPodRoutes. Idempotent.
 */
export async function removeNode(cluster: string, nodeName: string, runner: Runner = defaultRunner): Promise<void> {
  const port = routerPort(nodeName);
  const netns = topologyNetns.node(cluster, nodeName);
  await runner.run(['ip', 'link', 'del', port], { netns: topologyNetns.router(cluster), allowFailure: true });
  await killNamespaceProcesses(runner, [netns]);
  await deleteNetns(runner, [netns]);
}
