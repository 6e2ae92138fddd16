// `podnet doctor`: reads every layer of a running cluster and says what is
// wrong and what to change (src/doctor/ judges; this file only gathers, and
// only reads: it asks the API, lists the namespaces and IPAM files, and runs
// real tools where each layer lives: nft, dig, curl and conntrack's counters
// in the nodes, dig and curl on the outside client).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { EndpointSlice, Event, Job, NetworkPolicy, Node, Pod, Service } from '../../api/types.js';
import { readLbStatus, type LbStatus } from '../../cloud/lb-status.js';
import { nodeNetworkName } from '../../cni/config.js';
import { IpamStore } from '../../cni/ipam-store.js';
import { INGRESS_CONTROLLER, KUBE_DNS_SERVICE_IP, netnsNames } from '../../config.js';
import { externalRecords } from '../../controllers/external-dns.js';
import { agentArgv, lbAgentArgv } from '../../daemon/agent-supervisor.js';
import { CLUSTER_PROBE_NAME, hasClusterDnsService } from '../../doctor/check-dns.js';
import { RECENT_MS } from '../../doctor/check-events.js';
import { unrecordedPods } from '../../doctor/check-pod-network.js';
import { diagnose } from '../../doctor/doctor.js';
import type { DoctorEvidence, NodeProbe, PublishedName } from '../../doctor/evidence.js';
import { fail, ok, renderReport, warn, type Finding } from '../../doctor/findings.js';
import { PodnetError } from '../../errors.js';
import { listNetns } from '../../net/netns.js';
import { NFLOG_GROUP } from '../../net/nflog.js';
import { defaultRunner } from '../../net/runner.js';
import { AddressBook } from '../../observe/address-book.js';
import { flowFromRefusal } from '../../observe/flows.js';
import { LOAD_BALANCER_OBSERVER, recentRefusals, recorderAlive, refusalLogPath } from '../../observe/refusal-log.js';
import { expectedRulesetVersion, proxyConfigOf, rulesetVersionIn } from '../../proxy/service-proxy.js';
import { HEALTHZ_PORT } from '../../proxy/proxy-status.js';
import type { CurlResult } from '../../trace/evidence.js';
import { digArgv, parseCurlJson, parseDig } from '../../trace/parse.js';
import type { CommonFlags } from '../args.js';
import { clusterOption, type Context } from '../context.js';
import { clusterView, nodePolicyDrops, outsideClient, type Where } from './trace.js';

const PROBE_TIMEOUT_S = 2;
/** a node agent syncs its rules within about a second of a change: look again once before calling them stale */
const RESYNC_WAIT_MS = 2_500;
/** the published names asked of the external DNS, at most */
const MAX_PUBLISHED = 20;
/** a host no Ingress can name: the probe reaches NGINX's default server */
const PROBE_HOST = 'podnet-doctor.invalid';
const LOG_TAIL_LINES = 8;
const LB_SETTLE_MAX_MS = 5_000;
const LB_POLL_MS = 100;

type Objects = DoctorEvidence['objects'];

async function objects(ctx: Context): Promise<Objects> {
  const client = ctx.client();
  const [view, events, policies, jobs] = await Promise.all([clusterView(ctx, true), client.list<Event>('events'), client.list<NetworkPolicy>('networkpolicies'), client.list<Job>('jobs')]);
  return { ...view, events: events.items, policies: policies.items, jobs: jobs.items };
}

/** The IPAM's allocations in the node's pod network (its address files) */
function allocationsOf(ctx: Context, node: string) {
  return new IpamStore(path.join(ctx.paths.ipam, nodeNetworkName(ctx.cluster, node))).list();
}

/** What the node's proxy would load for the Services and EndpointSlices the API holds (its Node gives its address and podCIDR). */
function expectedVersion(node: Node, o: Pick<Objects, 'services' | 'slices'>): string | undefined {
  const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const podCIDR = node.spec?.podCIDR;
  return ip && podCIDR ? expectedRulesetVersion(proxyConfigOf({ nodeName: node.metadata.name!, nodeIP: ip, podCIDR }), o.services, o.slices) : undefined;
}

/** `hasClusterDns`: a cluster made with --bare has no cluster DNS to ask */
async function probeNode(ctx: Context, node: Node, o: Objects, present: Set<string>, hasClusterDns: boolean): Promise<NodeProbe> {
  const name = node.metadata.name!;
  const netns = netnsNames.node(ctx.cluster, name);
  const allocations = allocationsOf(ctx, name);
  const expected = expectedVersion(node, o);
  if (!present.has(netns)) return { name, netns: false, policyDrops: new Map(), allocations, ...(expected ? { expectedVersion: expected } : {}) };
  const run = (argv: string[]) => defaultRunner.run(argv, { netns, allowFailure: true, timeoutMs: (PROBE_TIMEOUT_S + 3) * 1000 });
  const [version, health, dig, conntrack, policyDrops] = await Promise.all([
    rulesetVersionIn(defaultRunner, netns),
    run(['curl', '-s', '-m', String(PROBE_TIMEOUT_S), '-w', '\n%{http_code}', `http://127.0.0.1:${HEALTHZ_PORT}/healthz`]),
    hasClusterDns ? run(digArgv(CLUSTER_PROBE_NAME, PROBE_TIMEOUT_S, [`@${KUBE_DNS_SERVICE_IP}`])) : undefined,
    run(['cat', '/proc/sys/net/netfilter/nf_conntrack_count', '/proc/sys/net/netfilter/nf_conntrack_max']),
    nodePolicyDrops(ctx, name),
  ]);
  const probe: NodeProbe = { name, netns: true, policyDrops: policyDrops ?? new Map(), allocations, recording: recorderAlive(refusalLogPath(ctx.paths.dir, name)) };
  if (policyDrops && [...policyDrops.values()].some((n) => n > 0)) probe.policyDropLast = lastPolicyDrops(ctx, name, o, [...policyDrops.keys()]);
  if (dig) probe.clusterDns = parseDig(dig.stdout, CLUSTER_PROBE_NAME);
  if (version) probe.rulesetVersion = version;
  if (expected) probe.expectedVersion = expected;
  const lines = health.stdout.trimEnd().split('\n');
  const status = Number(lines.pop());
  if (status > 0) {
    let lastUpdated = '';
    try { lastUpdated = (JSON.parse(lines.join('\n')) as { lastUpdated?: string }).lastUpdated ?? ''; } catch { /* not kube-proxy's body */ }
    probe.proxyHealth = { status, lastUpdated };
  }
  const [count, max] = conntrack.stdout.trim().split('\n').map(Number);
  if (conntrack.code === 0 && count !== undefined && max !== undefined) probe.conntrack = { count, max };
  return probe;
}

/** When each of a node's NetworkPolicy drop rules last dropped, from the node's refusal log (the last RECENT_MS), by the rule's comment. */
/** the names of the objects doctor read, built once for all nodes */
const books = new WeakMap<Objects, AddressBook>();

function lastPolicyDrops(ctx: Context, node: string, o: Objects, comments: string[]): Map<string, number> {
  let book = books.get(o);
  if (!book) books.set(o, book = new AddressBook({ pods: o.pods, services: o.services, nodes: o.nodes }));
  const last = new Map<string, number>();
  for (const r of recentRefusals(refusalLogPath(ctx.paths.dir, node), (Date.now() - RECENT_MS) / 1000)) {
    if (r.group !== NFLOG_GROUP.policyIngress && r.group !== NFLOG_GROUP.policyEgress) continue;
    const comment = flowFromRefusal(r, node, book, comments)?.reason?.replace(/^NetworkPolicy: /, '');
    // newest first: the first seen is the last drop
    if (comment && comments.includes(comment) && !last.has(comment)) last.set(comment, r.time * 1000);
  }
  return last;
}

/** The nodes' rules again, once, where they differ from what the API makes: a sync may have been on its way. */
async function settleRules(ctx: Context, probes: NodeProbe[]): Promise<void> {
  if (probes.every((p) => p.rulesetVersion === p.expectedVersion || !p.netns)) return;
  await new Promise((r) => setTimeout(r, RESYNC_WAIT_MS));
  const client = ctx.client();
  const [services, slices, nodes] = await Promise.all([client.list<Service>('services'), client.list<EndpointSlice>('endpointslices'), client.list<Node>('nodes')]);
  const o = { services: services.items, slices: slices.items };
  await Promise.all(probes.map(async (p) => {
    const node = nodes.items.find((n) => n.metadata.name === p.name);
    if (!node || !p.netns) return;
    const version = await rulesetVersionIn(defaultRunner, netnsNames.node(ctx.cluster, p.name));
    const expected = expectedVersion(node, o);
    if (version) p.rulesetVersion = version; else delete p.rulesetVersion;
    if (expected) p.expectedVersion = expected;
  }));
}

/**
 * The pods that hold an IP the IPAM does not record, looked at again: pods
 * were listed before the IPAM's files were read, and a pod that ended
 * meanwhile gave its IP back (the kubelet tears a finished pod's sandbox
 * down). Each is read anew, and its node's allocations with it.
 */
async function settleAddresses(ctx: Context, o: Objects, probes: NodeProbe[]): Promise<void> {
  const suspects = unrecordedPods(o.pods, probes);
  if (suspects.length === 0) return;
  const client = ctx.client();
  for (const pod of suspects) {
    const fresh = await client.get<Pod>('pods', pod.metadata.namespace, pod.metadata.name!).catch(() => undefined);
    const at = o.pods.indexOf(pod);
    if (fresh && fresh.metadata.uid === pod.metadata.uid) o.pods[at] = fresh; else o.pods.splice(at, 1);
  }
  for (const probe of probes) probe.allocations = allocationsOf(ctx, probe.name);
}

async function outsideCurl(where: Where, url: string, host: string): Promise<CurlResult> {
  const c = await defaultRunner.run(where.argv(['curl', '-sS', '-o', '/dev/null', '-H', `Host: ${host}`, '-m', String(PROBE_TIMEOUT_S * 2), '-w', '%{stderr}%{json}', url]), { allowFailure: true, timeoutMs: 15_000 });
  return parseCurlJson(c.stderr, c.code ?? 1);
}

async function published(where: Where, o: Objects): Promise<PublishedName[]> {
  const records = Object.entries(externalRecords(o.ingresses, o.services, { gateways: o.gateways, routes: o.httpRoutes })).filter(([name]) => !name.startsWith('*.')).slice(0, MAX_PUBLISHED);
  return Promise.all(records.map(async ([name, r]) => {
    const dig = await defaultRunner.run(where.argv(digArgv(name, PROBE_TIMEOUT_S)), { allowFailure: true, timeoutMs: 10_000 });
    return { name, expected: r.A ?? [], lookup: parseDig(dig.stdout, name) };
  }));
}

/**
 * The LB's status once no target is still in its first health checks (a
 * cluster just resumed, a Service just made): they end within the healthy
 * threshold's run of checks.
 */
async function settledLbStatus(ctx: Context): Promise<LbStatus | undefined> {
  let lb = readLbStatus(ctx.paths.dir);
  const deadline = Date.now() + Math.min(LB_SETTLE_MAX_MS, lb ? lb.health.intervalMs * lb.health.healthyThreshold + lb.health.timeoutMs : 0);
  while (lb?.frontends.some((f) => f.targets.some((t) => t.state === 'initial')) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, LB_POLL_MS));
    lb = readLbStatus(ctx.paths.dir);
  }
  return lb;
}

function daemonPid(ctx: Context): string {
  try { return readFileSync(ctx.paths.daemonPid, 'utf8').trim(); } catch { return '?'; }
}

function logTail(file: string): string[] {
  try { return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-LOG_TAIL_LINES); } catch { return []; }
}

/** What doctor can still say when the API does not answer: what it left behind, and the daemon's last words. */
async function daemonDown(ctx: Context, why: string): Promise<Finding[]> {
  const left = (await listNetns(defaultRunner)).filter((n) => n.startsWith(netnsNames.prefix(ctx.cluster)));
  const tail = logTail(ctx.paths.daemonLog);
  const up = `podnet up${clusterOption(ctx.cluster)}`;
  const findings = [fail('Control plane', why.replace(/^error: /, '').split('; start it with')[0]!,
    left.length > 0 ? `${up} starts the daemon again, and it finds its cluster (${left.length} network namespaces are still there); podnet down${clusterOption(ctx.cluster)} removes them` : `${up} starts it`)];
  if (tail.length > 0) findings.push(warn('Control plane', `the last lines of ${ctx.paths.daemonLog}:\n${tail.map((l) => `      ${l}`).join('\n')}`));
  return findings;
}

export async function gatherDoctorEvidence(ctx: Context): Promise<DoctorEvidence> {
  const o = await objects(ctx);
  const netns = (await listNetns(defaultRunner)).filter((n) => n.startsWith(netnsNames.prefix(ctx.cluster)));
  const present = new Set(netns);
  const hasClusterDns = hasClusterDnsService(o.services);
  const nodes = await Promise.all(o.nodes.map((n) => probeNode(ctx, n, o, present, hasClusterDns)));
  await settleRules(ctx, nodes);
  await settleAddresses(ctx, o, nodes);
  const lb = await settledLbStatus(ctx);
  const where = present.has(netnsNames.outside(ctx.cluster)) ? outsideClient(ctx) : undefined;
  const lbAddress = o.services.find((s) => s.metadata.namespace === INGRESS_CONTROLLER.namespace && s.metadata.name === INGRESS_CONTROLLER.name)?.status?.loadBalancer?.ingress?.find((i) => i.ip)?.ip;
  const [names, probe] = await Promise.all([
    where ? published(where, o) : Promise.resolve([]),
    where && lbAddress ? outsideCurl(where, `http://${lbAddress}/`, PROBE_HOST) : Promise.resolve(undefined),
  ]);
  return {
    cluster: ctx.cluster, now: Date.now(), objects: o, netns, nodes, published: names,
    logs: { agents: new Map(o.nodes.map((n) => [n.metadata.name!, path.join(ctx.paths.dir, `${agentArgv(ctx.cluster, n.metadata.name!).name}.log`)])), lbAgent: path.join(ctx.paths.dir, `${lbAgentArgv(ctx.cluster).name}.log`) },
    ...(lb ? { lb } : {}),
    lbRecording: recorderAlive(refusalLogPath(ctx.paths.dir, LOAD_BALANCER_OBSERVER)),
    ...(probe && lbAddress ? { ingressProbe: { address: `${lbAddress}:80`, curl: probe } } : {}),
  };
}

export async function doctorCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  if (flags.positionals.length > 0) throw new PodnetError('EUSAGE', 'usage: podnet doctor [--cluster NAME]');
  let findings: Finding[];
  try {
    await ctx.ready();
    findings = [ok('Control plane', `the daemon (pid ${daemonPid(ctx)}) answers on ${ctx.paths.socket}`), ...diagnose(await gatherDoctorEvidence(ctx))];
  } catch (err) {
    if (!(err instanceof PodnetError) || err.code !== 'ENOCLUSTER') throw err;
    findings = await daemonDown(ctx, err.message);
  }
  const report = renderReport(findings);
  process.stdout.write(`${report.lines.join('\n')}\n`);
  if (report.problems > 0) {
    const first = findings.find((f) => f.level === 'fail')!;
    process.stderr.write(`error: doctor found ${report.problems === 1 ? 'a problem' : `${report.problems} problems`}, the first in ${first.section}: ${first.text.split('\n')[0]}\n`);
    return 1;
  }
  return 0;
}
