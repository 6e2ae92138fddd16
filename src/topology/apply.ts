// Makes the kernel match a TopologyPlan. Idempotent: namespaces and links that
// exist are kept, everything else is `replace`/`set`, pod routes are
// reconciled, the masquerade table is replaced atomically.
//
// Three rounds, each as parallel as its dependencies allow:
//   1. one `ip -batch` adds the missing namespaces;
//   2. namespaces that own links (the router) create and configure them, and
//      every namespace gets its sysctls and nftables table (neither depends on
//      links: nft matches the uplink by name);
//   3. the other namespaces configure the veth ends round 2 put there.

import { PodnetError } from '../errors.js';
import { defaultRunner, type Runner } from '../net/runner.js';
import { addNetns, deleteNetns, ipBatch, linkNames, listNetns } from '../net/netns.js';
import { setSysctls } from '../net/sysctl.js';
import { applyNft } from '../net/nft.js';
import { configCommands, linkCommands, podRouteCommands } from './commands.js';
import { nodeFacts, nodeNamespace, routerAttachment, type NamespacePlan, type NodeSpec, type TopologyPlan } from './plan.js';
import { readPodRoutes } from './pod-routes.js';
import { routerPort, topologyNetns } from './names.js';
import { DEFAULT_PARALLELISM, mapLimit } from './parallel.js';
import { killNamespaceProcesses } from './teardown.js';

export interface ApplyResult {
  /** namespaces this call created (the others existed already) */
  created: string[];
  durationMs: number;
}

function failure(verb: string, netns: string, err: unknown): PodnetError {
  return new PodnetError('ETOPOLOGY', `could not ${verb} in netns ${netns}: ${(err as Error).message}`, { cause: err });
}

async function step(verb: string, netns: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    throw failure(verb, netns, err);
  }
}

export async function applyTopology(plan: TopologyPlan, runner: Runner = defaultRunner): Promise<ApplyResult> {
  const started = performance.now();
  const existing = new Set(await listNetns(runner));
  const wanted = [...new Set(plan.namespaces.map((n) => n.name))];
  const created = wanted.filter((n) => !existing.has(n));
  await addNetns(runner, created).catch((err) => { throw failure('create namespaces', created.join(' '), err); });
  const fresh = new Set(created);

  const linkOwners = plan.namespaces.filter((ns) => ns.links.length > 0);
  const linkTakers = plan.namespaces.filter((ns) => ns.links.length === 0);
  const round2: (() => Promise<void>)[] = [
    ...linkOwners.map((ns) => () => step('create links', ns.name, async () => {
      const present = fresh.has(ns.name) ? new Set<string>() : await linkNames(runner, ns.name);
      await ipBatch(runner, ns.name, [...linkCommands(ns, present, fresh), ...configCommands(ns)]);
    })),
    ...plan.namespaces.filter((ns) => ns.sysctls.length > 0).map((ns) => () =>
      step('set sysctls', ns.name, () => setSysctls(runner, ns.name, ns.sysctls))),
    ...plan.namespaces.filter((ns) => ns.nft !== undefined).map((ns) => () =>
      step('apply nftables table', ns.name, () => applyNft(runner, ns.name, ns.nft!))),
  ];
  await mapLimit(round2, DEFAULT_PARALLELISM, (work) => work());
  await mapLimit(linkTakers, DEFAULT_PARALLELISM, (ns) => step('configure links', ns.name, () => configureTaker(runner, ns, fresh.has(ns.name))));
  return { created, durationMs: performance.now() - started };
}

async function configureTaker(runner: Runner, ns: NamespacePlan, fresh: boolean): Promise<void> {
  let routes: string[] = [];
  if (ns.podRoutes) routes = podRouteCommands(ns.podRoutes, fresh ? [] : await readPodRoutes(runner, ns.name));
  await ipBatch(runner, ns.name, [...configCommands(ns), ...routes]);
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
