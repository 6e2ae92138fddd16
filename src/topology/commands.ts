// Plan → ip(8) batch lines. Pure. Every line is idempotent except `link add`,
// which is emitted only for links not already present, so applying a plan to
// a namespace that already matches it changes nothing.

import { POD_ROUTE_PROTO, type LinkPlan, type NamespacePlan, type RoutePlan } from './plan.js';

export function linkAddLine(link: LinkPlan): string {
  switch (link.kind) {
    case 'bridge':
      // STP stays off (the default): ports forward at once instead of after
      // forward_delay, and the node network is a single segment without loops.
      return `link add ${link.name} type bridge`;
    case 'veth':
      // Run inside the owning namespace with the peer named into its own one:
      // the kernel creates each end directly in its namespace (RTM_NEWLINK with
      // IFLA_NET_NS_FD), so neither end ever appears in the host namespace.
      return `link add ${link.name} type veth peer name ${link.peer.name} netns ${link.peer.netns}`;
  }
}

/**
 * `link add` lines for the links not in PRESENT. A veth whose peer namespace
 * was just created cannot have its peer end there: the old end still present
 * here belongs to a pair whose other half died with a deleted namespace
 * (the kernel destroys it asynchronously), so it is replaced.
 */
export function linkCommands(ns: NamespacePlan, present: ReadonlySet<string>, freshNetns: ReadonlySet<string> = new Set()): string[] {
  return ns.links.flatMap((l) => {
    if (!present.has(l.name)) return [linkAddLine(l)];
    if (l.kind === 'veth' && freshNetns.has(l.peer.netns)) return [`link del ${l.name}`, linkAddLine(l)];
    return [];
  });
}

function routeSpec(r: RoutePlan): string {
  return `${r.dst} via ${r.via} dev ${r.dev}${r.proto !== undefined ? ` proto ${r.proto}` : ''}`;
}

/** Masters, addresses, link states and routes: all `replace`/`set`, safe to repeat. */
export function configCommands(ns: NamespacePlan): string[] {
  return [
    ...ns.links.flatMap((l) => (l.kind === 'veth' && l.master ? [`link set ${l.name} master ${l.master}`] : [])),
    ...ns.addresses.map((a) => `addr replace ${a.cidr} dev ${a.dev}`),
    ...ns.up.map((d) => `link set ${d} up`),
    // After the addresses: a gateway must be on a connected network.
    ...ns.routes.map((r) => `route replace ${routeSpec(r)}`),
  ];
}

export interface InstalledRoute { dst: string; gateway?: string; dev?: string }

/**
 * Reconcile host-gw routes: replace the missing or changed ones, delete the
 * ones (with our protocol tag) that are no longer wanted; nothing when they match.
 */
export function podRouteCommands(desired: readonly RoutePlan[], installed: readonly InstalledRoute[]): string[] {
  const want = new Map(desired.map((r) => [r.dst, r]));
  const have = new Map(installed.map((r) => [r.dst, r]));
  const lines: string[] = [];
  for (const r of desired) {
    const h = have.get(r.dst);
    if (!h || h.gateway !== r.via || h.dev !== r.dev) lines.push(`route replace ${routeSpec(r)}`);
  }
  for (const h of installed) {
    if (!want.has(h.dst)) lines.push(`route del ${h.dst}${h.gateway ? ` via ${h.gateway}` : ''}${h.dev ? ` dev ${h.dev}` : ''} proto ${POD_ROUTE_PROTO}`);
  }
  return lines;
}

/** The routes podRouteCommands(desired, …) leaves installed, in `ip -j route` terms. */
export function installedAfter(desired: readonly RoutePlan[]): InstalledRoute[] {
  return desired.map((r) => ({ dst: r.dst, gateway: r.via, dev: r.dev }));
}

/**
 * One step of the network build: a line of a host `ip -batch` that is either
 * `netns add NAME` or `netns exec NAME PROGRAM …`, with the input file
 * PROGRAM reads (ip -batch FILE, nft -f FILE) when it needs one. Steps of
 * one phase run in order in one ip process; `namespaces` comes first, then
 * `links` and `settings` run side by side (neither needs the other: nft
 * matches the uplink by name, sysctls are per namespace).
 */
export type BuildPhase = 'namespaces' | 'links' | 'settings';

export interface BuildStep {
  phase: BuildPhase;
  verb: string;
  netns: string;
  line: string;
  file?: { name: string; content: string };
}

export interface BuildInput {
  /** namespaces to create */
  create: readonly string[];
  /** link names already present per link-owning namespace (absent: none, the namespace is new) */
  presentLinks: ReadonlyMap<string, ReadonlySet<string>>;
  /** host-gw routes already installed per node namespace (absent: none, the namespace is new) */
  installedRoutes: ReadonlyMap<string, readonly InstalledRoute[]>;
}

/**
 * The whole build of a plan as the lines of a few `ip -batch -` run in the
 * host namespace (pure). In batch mode `ip netns exec` forks, enters the
 * namespace in the child only and waits for it (iproute2 lib/exec.c
 * cmd_exec), so one ip process configures many namespaces in order — instead
 * of a process spawned from Node per namespace and per tool, each costing the
 * spawner ~5 ms of CPU — and stops at the first failing line. Phases:
 * `namespaces` creates them; `links` creates the links of the namespaces
 * that own them (a veth's peer end is created straight into its namespace),
 * then every other namespace configures the end it was given; `settings`
 * sets sysctls and nftables tables. Files are named `<dir>/<index>`.
 */
export function buildSteps(plan: { namespaces: readonly NamespacePlan[] }, input: BuildInput, dir: string): BuildStep[] {
  const steps: BuildStep[] = input.create.map((n) => ({ phase: 'namespaces', verb: 'create namespaces', netns: n, line: `netns add ${n}` }));
  const withFile = (phase: BuildPhase, verb: string, netns: string, program: string, content: string): BuildStep => {
    const name = `${dir}/${steps.length}`;
    return { phase, verb, netns, line: `netns exec ${netns} ${program} ${name}`, file: { name, content } };
  };
  const ipLines = (lines: readonly string[]) => lines.map((l) => `${l}\n`).join('');
  for (const ns of plan.namespaces.filter((n) => n.links.length > 0)) {
    const lines = [...linkCommands(ns, input.presentLinks.get(ns.name) ?? new Set(), new Set(input.create)), ...configCommands(ns)];
    if (lines.length > 0) steps.push(withFile('links', 'create links', ns.name, 'ip -batch', ipLines(lines)));
  }
  for (const ns of plan.namespaces.filter((n) => n.links.length === 0)) {
    const routes = ns.podRoutes ? podRouteCommands(ns.podRoutes, input.installedRoutes.get(ns.name) ?? []) : [];
    const lines = [...configCommands(ns), ...routes];
    if (lines.length > 0) steps.push(withFile('links', 'configure links', ns.name, 'ip -batch', ipLines(lines)));
  }
  for (const ns of plan.namespaces.filter((n) => n.sysctls.length > 0)) {
    steps.push({ phase: 'settings', verb: 'set sysctls', netns: ns.name, line: `netns exec ${ns.name} sysctl -q -w ${ns.sysctls.map(([k, v]) => `${k}=${v}`).join(' ')}` });
  }
  for (const ns of plan.namespaces.filter((n) => n.nft !== undefined)) steps.push(withFile('settings', 'apply nftables table', ns.name, 'nft -f', ns.nft!));
  return steps;
}
