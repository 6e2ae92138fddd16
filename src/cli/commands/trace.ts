// `podnet trace URL [--from outside|POD] [-n NS]`: sends one HTTP request (or
// opens one tcp:// connection) from the outside client or from inside a pod
// with real tools (dig, then curl carrying an X-Request-ID, or nc), collects
// each layer's own record of it, and prints the layers it crossed, or the
// first one that failed and why (src/trace/ reads the evidence; this file
// only gathers it, and only reads: nothing in any namespace changes).

import type { Gateway, GatewayClass, HTTPRoute } from '../../api/gateway-types.js';
import { randomBytes, randomInt } from 'node:crypto';
import { isIPv4 } from 'node:net';
import path from 'node:path';
import type { Deployment, EndpointSlice, Ingress, IngressClass, Node, Pod, Service, StatefulSet } from '../../api/types.js';
import { runningPid } from '../../agent/container-exec.js';
import { podFiles } from '../../agent/pod-files.js';
import { joinPodArgv, joinSandboxArgv } from '../../agent/sandbox.js';
import { readLbStatus } from '../../cloud/lb-status.js';
import { accessLogPath } from '../../ingress/nginx-conf.js';
import { netnsNames, OUTSIDE_CLIENT_IP } from '../../config.js';
import { outsideFiles } from '../../daemon/outside-world.js';
import { LogTail } from '../../observe/log-tail.js';
import { PodnetError } from '../../errors.js';
import { defaultRunner, type RunOptions } from '../../net/runner.js';
import type { AccessLine, ClusterView, CurlResult, DnsLookup, EchoReply, PolicyDrop, TraceEvidence, TraceSource } from '../../trace/evidence.js';
import { explainTrace } from '../../trace/explain.js';
import { classify, destinationOf, INGRESS_NAMESPACE, reachesIngress } from '../../trace/lookup.js';
import { checkSource, traceURL } from '../../trace/url.js';
import { conntrackReplySource, digArgv, dropCounters, echoReply, ncResult, parseCurlJson, parseDig } from '../../trace/parse.js';
import { NETPOL_TABLE } from '../../netpol/render.js';
import type { CommonFlags } from '../args.js';
import type { Context } from '../context.js';
import { resolveLogsPod } from './logs.js';

/** curl's --max-time: long enough for a slow backend, short enough for a dropped SYN to say so */
const REQUEST_TIMEOUT_MS = 5_000;
/** NGINX flushes its access log at least every 100 ms (docs/ingress.md) */
const ACCESS_LOG_WAIT_MS = 1_000;
const ACCESS_LOG_POLL_MS = 20;
/** dig's one try, in seconds */
const DIG_TIMEOUT_S = 2;
/** the part of an answer's body kept (characters): enough for a podnet/echo reply, whatever size a backend sends */
const MAX_BODY_LENGTH = 64 * 1024;
/**
 * The request's source port: above the kernel's ephemeral range (Linux's
 * default 32768-60999), so no connection of the source's own holds it.
 */
const LOCAL_PORTS = { from: 61_000, count: 4_500 };

/** Where the request starts: who sends it, and the argv that runs a tool there. */
export interface Where { source: TraceSource; argv: (cmd: string[]) => string[] }

export function outsideClient(ctx: Context): Where {
  // the holder's namespaces are joined by pid: a pid no longer alive could be any process's now
  const holder = runningPid(outsideFiles(ctx.paths).holderPid);
  if (!holder) throw new PodnetError('ENOTRUNNING', `the outside client of cluster "${ctx.cluster}" is not running; start the cluster with: podnet up${ctx.cluster === 'podnet' ? '' : ` --cluster ${ctx.cluster}`}`);
  return { source: { kind: 'outside', ip: OUTSIDE_CLIENT_IP }, argv: (cmd) => joinSandboxArgv(holder, cmd) };
}

/** `outside`, or a pod as logs and exec name it: NAME, pod/NAME, or deploy|sts|svc/NAME (its first pod, as kubectl's). */
export async function sourceOf(ctx: Context, from: string, namespace: string): Promise<Where> {
  if (from === 'outside') return outsideClient(ctx);
  checkSource(from);
  return fromPod(ctx, namespace, from);
}

async function fromPod(ctx: Context, namespace: string, ref: string): Promise<Where> {
  const pod = await resolveLogsPod(ctx, namespace, ref, () => {});
  const sandbox = runningPid(podFiles(ctx.paths.pods, pod.metadata.uid!).sandboxPid);
  if (!sandbox || !pod.status?.podIP) throw new PodnetError('ENOTRUNNING', `pod ${pod.metadata.namespace}/${pod.metadata.name} is not running: it has no network to send from`);
  return {
    source: { kind: 'pod', ip: pod.status.podIP, pod: { namespace: pod.metadata.namespace!, name: pod.metadata.name!, node: pod.spec.nodeName ?? '' } },
    argv: (cmd) => joinPodArgv(sandbox, cmd),
  };
}

/** The cluster's objects; Secrets (listed whole, for their names) only for an HTTPS request, the one whose TLS Secret is looked for. */
export async function clusterView(ctx: Context, https: boolean): Promise<ClusterView> {
  const client = ctx.client();
  const [services, slices, pods, ingresses, ingressClasses, nodes, deployments, statefulsets, secrets, gatewayClasses, gateways, httpRoutes] = await Promise.all([
    client.list<Service>('services'), client.list<EndpointSlice>('endpointslices'), client.list<Pod>('pods'),
    client.list<Ingress>('ingresses'), client.list<IngressClass>('ingressclasses'), client.list<Node>('nodes'),
    client.list<Deployment>('deployments'), client.list<StatefulSet>('statefulsets'), https ? client.list('secrets') : { items: [] },
    client.list<GatewayClass>('gatewayclasses'), client.list<Gateway>('gateways'), client.list<HTTPRoute>('httproutes'),
  ]);
  const workloads = [...deployments.items.map((d) => ({ ...d, kind: 'Deployment' })), ...statefulsets.items.map((s) => ({ ...s, kind: 'StatefulSet' }))];
  return { services: services.items, slices: slices.items, pods: pods.items, ingresses: ingresses.items, ingressClasses: ingressClasses.items, nodes: nodes.items, workloads,
    secretNames: secrets.items.map((x) => `${x.metadata.namespace}/${x.metadata.name}`),
    gatewayClasses: gatewayClasses.items, gateways: gateways.items, httpRoutes: httpRoutes.items };
}

/** A node's NetworkPolicy drop counters, by rule comment; undefined where no policy has made the table. */
export async function nodePolicyDrops(ctx: Context, node: string): Promise<Map<string, number> | undefined> {
  const r = await defaultRunner.run(['nft', '-j', 'list', 'table', 'ip', NETPOL_TABLE], { netns: netnsNames.node(ctx.cluster, node), allowFailure: true });
  return r.code === 0 ? dropCounters(r.stdout) : undefined;
}

/** Each node's NetworkPolicy drop counters (none where no policy has made the table). */
async function policyCounters(ctx: Context, nodes: Node[]): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>();
  await Promise.all(nodes.map(async (node) => {
    const counters = await nodePolicyDrops(ctx, node.metadata.name!);
    if (counters) out.set(node.metadata.name!, counters);
  }));
  return out;
}

function grown(before: Map<string, Map<string, number>>, after: Map<string, Map<string, number>>): PolicyDrop[] {
  const drops: PolicyDrop[] = [];
  for (const [node, counters] of after) {
    for (const [rule, packets] of counters) {
      const delta = packets - (before.get(node)?.get(rule) ?? 0);
      if (delta > 0) drops.push({ node, rule, packets: delta });
    }
  }
  return drops;
}

/**
 * The host's address as the source would find it: /etc/hosts first (a pod's
 * hostAliases, localhost), as glibc and so curl look, then dig (with the
 * pod's search path).
 */
async function lookUp(run: (cmd: string[]) => Promise<{ stdout: string }>, host: string, inPod: boolean): Promise<DnsLookup> {
  const files = (await run(['getent', '-s', 'files', 'ahostsv4', host])).stdout;
  const fromFile = [...new Set(files.split('\n').map((l) => l.split(/\s+/)[0]!).filter((a) => isIPv4(a)))];
  if (fromFile.length > 0) return { qname: host, server: '/etc/hosts', rcode: 'NOERROR', addresses: fromFile, cnames: [] };
  return parseDig((await run(digArgv(host, DIG_TIMEOUT_S, inPod ? ['+search'] : []))).stdout, host);
}

/** The connection's conntrack entry in a namespace, by its original source address and port. */
async function conntrackEntry(netns: string, srcIP: string, srcPort: number, dst: string): Promise<{ ip: string; port: number } | undefined> {
  const r = await defaultRunner.run(['conntrack', '-L', '-p', 'tcp', '--orig-src', srcIP, '--sport', String(srcPort)], { netns, allowFailure: true });
  const line = r.stdout.split('\n').find((l) => l.includes(`dst=${dst} `));
  return line ? conntrackReplySource(line) : undefined;
}

/** The ingress controller's pods that run (each has an NGINX and its access log). */
export function runningControllers(pods: readonly Pod[]): Pod[] {
  return pods.filter((p) => p.metadata.namespace === INGRESS_NAMESPACE && p.status?.phase === 'Running');
}

/** A controller pod's access log, as its conf volume holds it on the host. */
export function accessLogFile(ctx: Context, pod: Pod): string {
  return accessLogPath(path.join(podFiles(ctx.paths.pods, pod.metadata.uid!).dir, 'volumes', 'nginx-conf', 'run'));
}

/** Each controller pod's access log, followed from where it stands now: the request's line is looked for in what it gains (across a rotation too). */
function accessLogs(ctx: Context, pods: Pod[]): { pod: string; tail: LogTail }[] {
  return runningControllers(pods).map((p) => ({ pod: p.metadata.name!, tail: new LogTail(accessLogFile(ctx, p)) }));
}

/** NGINX's access-log line carrying the request id, from any ingress controller pod; NGINX flushes it within 100 ms. */
async function accessLine(logs: { pod: string; tail: LogTail }[], requestId: string): Promise<{ pod: string; line?: AccessLine }> {
  const deadline = performance.now() + ACCESS_LOG_WAIT_MS;
  for (;;) {
    for (const { pod, tail } of logs) {
      const line = tail.read().find((l) => l.includes(requestId));
      if (!line) continue;
      try { return { pod, line: JSON.parse(line) as AccessLine }; } catch { return { pod }; }
    }
    if (performance.now() > deadline) return { pod: logs[0]?.pod ?? '' };
    await new Promise((r) => setTimeout(r, ACCESS_LOG_POLL_MS));
  }
}

export interface TraceOptions {
  /** verify HTTPS with this CA file (a path the source sees) instead of curl's -k */
  cacert?: string;
  /** `Name: value` headers the request carries (curl's -H), e.g. to take an HTTPRoute's header match */
  headers?: readonly string[];
  /** the request's method (curl's -X); GET when unset */
  method?: string;
}

/** Sends the request from `where` and gathers every layer's evidence of it. */
export async function traceRequest(ctx: Context, url: URL, where: Where, options: TraceOptions = {}): Promise<TraceEvidence> {
  const requestId = `podnet-trace-${randomBytes(6).toString('hex')}`;
  const run = (cmd: string[], extra: Pick<RunOptions, 'maxStdoutLength'> = {}) => defaultRunner.run(where.argv(cmd), { allowFailure: true, timeoutMs: REQUEST_TIMEOUT_MS + 5_000, ...extra });

  const host = url.hostname;
  const cluster = await clusterView(ctx, url.protocol === 'https:');
  // The drop counters around the name lookup and the request: a policy drops
  // a pod's queries, its connections, and also NGINX's and the nodes' (from outside).
  const counters = () => policyCounters(ctx, cluster.nodes);
  const beforeDig = await counters();
  const dns = isIPv4(host) ? undefined : await lookUp(run, host, where.source.kind === 'pod');
  const before = await counters();
  const dnsDrops = grown(beforeDig, before);
  const logs = accessLogs(ctx, cluster.pods);

  // A source port of its own: a connection that never opened reports no
  // local port, and the conntrack entries (a DNAT's choice) are found by it.
  const localPort = LOCAL_PORTS.from + randomInt(LOCAL_PORTS.count);
  let curl: CurlResult;
  let reply: EchoReply | undefined;
  if (url.protocol === 'tcp:') {
    // a connection only: nc opens it and closes it
    const to = dns?.addresses[0] ?? host;
    const started = performance.now();
    const c = await run(['nc', '-z', '-v', '-n', '-w', String(REQUEST_TIMEOUT_MS / 1000), '-p', String(localPort), to, url.port]);
    curl = ncResult(c.code ?? 1, c.stderr, to, Number(url.port), localPort, Math.round(performance.now() - started));
  } else {
    // the body on stdout (its first 64 KiB kept), curl's account of the request last on stderr
    const tls = options.cacert ? ['--cacert', options.cacert] : ['-k'];
    const shape = [...(options.method ? ['-X', options.method] : []), ...(options.headers ?? []).flatMap((h) => ['-H', h])];
    const c = await run(['curl', '-sS', ...tls, ...shape, '-w', '%{stderr}\n%{json}', '-H', `X-Request-ID: ${requestId}`, '--local-port', String(localPort), '--max-time', String(REQUEST_TIMEOUT_MS / 1000), url.href], { maxStdoutLength: MAX_BODY_LENGTH });
    curl = { ...parseCurlJson(c.stderr, c.code ?? 1), localPort };
    reply = echoReply(c.stdout);
  }
  const drops = grown(before, await counters());

  const evidence: TraceEvidence = { url, method: url.protocol === 'tcp:' ? 'CONNECT' : options.method ?? 'GET', source: where.source, requestId, curl, cluster, drops, dnsDrops, timeoutMs: REQUEST_TIMEOUT_MS, ...(dns ? { dns } : {}), ...(reply ? { reply } : {}) };
  const { ip, port } = destinationOf(evidence);
  const d = classify(cluster, where.source, ip, port);
  // The DNAT that picked the endpoint, read in the node that made it: the
  // source pod's (a ClusterIP, or an LB address the node short-circuits), the
  // node the load balancer chose, or the node whose NodePort was asked.
  const dnatIn = async (node: string, to: string) => {
    const entry = await conntrackEntry(netnsNames.node(ctx.cluster, node), where.source.ip, curl.localPort, to);
    if (entry && entry.ip !== to) evidence.dnat = { node, ip: entry.ip, port: entry.port };
  };
  const ingress = reachesIngress(d);
  if (d.kind === 'load-balancer') {
    const lb = readLbStatus(ctx.paths.dir)?.frontends.find((f) => f.address === `${ip}:${port}/tcp`);
    if (lb) evidence.lb = lb;
    const entry = await conntrackEntry(netnsNames.router(ctx.cluster), where.source.ip, curl.localPort, ip);
    if (entry) evidence.lbChoice = { nodeIP: entry.ip, nodePort: entry.port };
    const node = entry && lb?.targets.find((x) => x.nodeIP === entry.ip)?.node;
    if (node && !ingress) await dnatIn(node, entry.ip);
  } else if (d.kind === 'service' && where.source.kind === 'pod' && !ingress) {
    await dnatIn(where.source.pod!.node, ip);
  } else if (d.kind === 'node' && d.svc && !ingress) {
    await dnatIn(d.node, ip);
  }
  if (ingress) {
    const found = curl.status > 0 ? await accessLine(logs, requestId) : { pod: logs[0]?.pod ?? '' };
    if (found.pod) evidence.ingressPod = found.pod;
    if ('line' in found && found.line) evidence.access = found.line;
  }
  return evidence;
}

export async function traceCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  const target = flags.positionals[0];
  if (!target || flags.positionals.length > 1) throw new PodnetError('EUSAGE', 'usage: podnet trace URL|tcp://HOST:PORT [--from outside|POD|TYPE/NAME] [-n NS] [-H \'NAME: VALUE\']... [-X METHOD]');
  const url = traceURL(target);
  if (url.protocol === 'tcp:' && (flags.headers.length > 0 || flags.method)) throw new PodnetError('EUSAGE', '-H and -X shape an HTTP request: a tcp:// trace sends none');
  await ctx.ready();
  const where = await sourceOf(ctx, flags.from ?? 'outside', flags.namespace ?? 'default');
  const report = explainTrace(await traceRequest(ctx, url, where, { headers: flags.headers, ...(flags.method ? { method: flags.method } : {}) }));
  process.stdout.write(`${report.lines.join('\n')}\n`);
  if (!report.ok) {
    process.stderr.write(`error: the request failed at ${report.failure}\n`);
    return 1;
  }
  return 0;
}
