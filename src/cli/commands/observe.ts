// `podnet observe [-n NS] [--pod NAME] [--verdict V] [--protocol P] [--all]
// [--count N] [--timeout D] [-o json]`: the cluster's flows, live, as Hubble's
// `hubble observe --follow` shows them. It reads what each layer records as
// it happens and changes nothing: every node's and the router's conntrack
// events (`conntrack -E`: each new connection, with the DNAT a Service, a
// NodePort or the load balancer made), the packets NetworkPolicy rules drop
// (their netlink log groups, through `tcpdump -i nflog:N`), DNS questions and
// answers (tcpdump at each pod's veth and the outside client), and the
// ingress controller's access log. Nothing is kept while nobody observes: a
// flow is shown only while the command runs. src/observe/ turns events into
// flows and runs the captures.

import type { Node, Pod, Service } from '../../api/types.js';
import { netnsNames } from '../../config.js';
import { PodnetError } from '../../errors.js';
import { NFLOG_GROUP } from '../../net/nflog.js';
import { NETPOL_LOG_GROUP } from '../../netpol/render.js';
import { AccessLogTail } from '../../observe/access-log-tail.js';
import { AddressBook } from '../../observe/address-book.js';
import { Capture, type CaptureSpec } from '../../observe/capture.js';
import { DnsExchanges, nodeVantage, outsideVantage, type DnsVantage } from '../../observe/dns.js';
import { parseConntrackEvent, parseDnsPacket, parseLoggedPacket, type LoggedPacket } from '../../observe/events.js';
import { flowFromAccessLine, flowFromConntrack, flowFromDrop, flowFromReject, flowFromServiceDrop, flowText, matchesFilter, namesUnknownPod, renamed, type Flow, type FlowFilter, type Observer } from '../../observe/flows.js';
import type { AccessLine } from '../../trace/evidence.js';
import { parseDuration, type CommonFlags } from '../args.js';
import type { Context } from '../context.js';
import { accessLogFile, nodePolicyDrops, runningControllers } from './trace.js';

/** how often the names of pods, Services and nodes are listed again */
const BOOK_REFRESH_MS = 2_000;
/** a flow naming a pod address no listed pod has lists them again, at most this often */
const BOOK_RETRY_MS = 250;
/** NGINX flushes its access log every 100 ms (docs/ingress.md) */
const ACCESS_LOG_POLL_MS = 100;
/** a node's drop rules' comments are read again after this long */
const REASONS_TTL_MS = 1_000;
const READY_TIMEOUT_MS = 5_000;

/** the event socket's receive buffer: a burst of new connections overflows the default (conntrack then says ENOBUFS and events are lost) */
const CONNTRACK_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Each new connection the namespace's conntrack starts tracking, one line
 * each as it comes: conntrack writes through stdio, which a pipe would
 * buffer by 4 KiB (seconds of a quiet node's events), hence stdbuf.
 */
export const CONNTRACK_EVENTS_ARGV = ['stdbuf', '-oL', 'conntrack', '-E', '-e', 'NEW', '-o', 'timestamp', '--buffer-size', String(CONNTRACK_BUFFER_BYTES)];

const VERDICTS = ['FORWARDED', 'DROPPED'] as const;
const PROTOCOLS = ['TCP', 'UDP', 'ICMP', 'SCTP', 'DNS', 'HTTP'];

export interface ObserveOptions { filter: FlowFilter; all: boolean; count?: number; timeoutMs?: number; json: boolean }

export function observeOptions(flags: CommonFlags): ObserveOptions {
  if (flags.positionals.length > 0) throw new PodnetError('EUSAGE', `unexpected argument "${flags.positionals[0]}": podnet observe takes flags only`);
  const verdict = flags.verdict?.toUpperCase();
  if (verdict !== undefined && !(VERDICTS as readonly string[]).includes(verdict)) throw new PodnetError('EUSAGE', `invalid --verdict "${flags.verdict}": must be one of FORWARDED, DROPPED`);
  const protocol = flags.protocol?.toUpperCase();
  if (protocol !== undefined && !PROTOCOLS.includes(protocol)) throw new PodnetError('EUSAGE', `invalid --protocol "${flags.protocol}": must be one of ${PROTOCOLS.map((p) => p.toLowerCase()).join(', ')}`);
  const count = flags.count !== undefined ? Number(flags.count) : undefined;
  if (count !== undefined && (!Number.isInteger(count) || count < 1)) throw new PodnetError('EUSAGE', `invalid --count "${flags.count}": must be a positive integer`);
  if (flags.output !== undefined && flags.output !== 'json') throw new PodnetError('EUSAGE', `invalid -o "${flags.output}": podnet observe writes text or json (one flow per line)`);
  return {
    filter: {
      ...(flags.namespace !== undefined && !flags.allNamespaces ? { namespace: flags.namespace } : {}),
      ...(flags.pod !== undefined ? { pod: flags.pod } : {}),
      ...(flags.fromPod !== undefined ? { fromPod: flags.fromPod } : {}),
      ...(flags.toPod !== undefined ? { toPod: flags.toPod } : {}),
      ...(flags.node !== undefined ? { node: flags.node } : {}),
      ...(verdict !== undefined ? { verdict: verdict as FlowFilter['verdict'] } : {}),
      ...(protocol !== undefined ? { protocol } : {}),
    },
    all: flags.all,
    ...(count !== undefined ? { count } : {}),
    ...(flags.timeout !== undefined ? { timeoutMs: parseDuration(flags.timeout) } : {}),
    json: flags.output === 'json',
  };
}

async function listBook(ctx: Context): Promise<{ book: AddressBook; nodes: Node[]; controllers: Pod[] }> {
  const client = ctx.client();
  const [pods, services, nodes] = await Promise.all([client.list<Pod>('pods'), client.list<Service>('services'), client.list<Node>('nodes')]);
  const controllers = runningControllers(pods.items);
  return { book: new AddressBook({ pods: pods.items, services: services.items, nodes: nodes.items }), nodes: nodes.items, controllers };
}

/** the longest `setTimeout` Node keeps (2^31 − 1 ms, ~24.8 days): a longer --timeout is waited for in steps */
const MAX_TIMER_MS = 2 ** 31 - 1;

export async function observeCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  const options = observeOptions(flags);
  let stopping = false;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => { done = () => { stopping = true; resolve(); }; });
  // Ctrl-C at any moment is a stop (the captures get it too: the whole process group does)
  const onSignal = () => done();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const timers: NodeJS.Timeout[] = [];
  const captures: Capture[] = [];
  const dropCaptures: { node: string; capture: Capture }[] = [];
  try {
    return await observe(ctx, options, { finished, done, stopping: () => stopping, timers, captures, dropCaptures });
  } finally {
    for (const t of timers) clearTimeout(t);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    for (const c of captures) c.stop();
    for (const d of dropCaptures) d.capture.stop();
  }
}

interface Run {
  finished: Promise<void>;
  done: () => void;
  stopping: () => boolean;
  /** what the command's end clears and stops */
  timers: NodeJS.Timeout[];
  captures: Capture[];
  dropCaptures: { node: string; capture: Capture }[];
}

async function observe(ctx: Context, options: ObserveOptions, run: Run): Promise<number> {
  const { finished, done, timers, captures, dropCaptures } = run;
  const first = await Promise.race([listBook(ctx), finished.then(() => undefined)]);
  if (!first) return 0;
  let book = first.book;
  const nodeNames = first.nodes.map((n) => n.metadata.name!);
  const { controllers } = first;
  const observerNames = [...nodeNames, 'load-balancer', 'outside', 'ingress'];
  if (options.filter.node !== undefined && !observerNames.includes(options.filter.node)) {
    throw new PodnetError('EUSAGE', `invalid --node "${options.filter.node}": cluster "${ctx.cluster}" records flows on ${observerNames.join(', ')}`);
  }
  let shown = 0;
  // once the observation has ended nothing more is written (a flow waiting for its names included)
  let closed = false;

  // flows a capture reports before the header is written wait for it
  let early: Flow[] | undefined = [];
  const write = (flow: Flow) => {
    if (closed || (options.count !== undefined && shown >= options.count)) return;
    shown++;
    process.stdout.write(`${options.json ? JSON.stringify(flow) : flowText(flow)}\n`);
    if (options.count !== undefined && shown >= options.count) done();
  };
  const emit = (flow: Flow | undefined) => {
    if (!flow || !matchesFilter(flow, options.filter)) return;
    if (early) early.push(flow);
    else write(flow);
  };

  // names: listed every BOOK_REFRESH_MS; a flow with a pod address no listed pod has waits BOOK_RETRY_MS for a listing
  // that starts after it (a pod's address reaches the API a moment after its first packets) and is named by it
  let listing: Promise<void> | undefined;
  const relist = () => listing ??= listBook(ctx).then((r) => {
    book = r.book;
    const live = new Set(r.controllers.map((p) => p.metadata.uid!));
    // a controller pod that came since: its log from its start; one that went: its last lines, then no more
    for (const p of r.controllers) if (!tails.has(p.metadata.uid!)) tails.set(p.metadata.uid!, { pod: p.metadata.name!, tail: new AccessLogTail(accessLogFile(ctx, p), true) });
    for (const uid of [...tails.keys()].filter((u) => !live.has(u))) { readAccessLog(tails.get(uid)!); tails.delete(uid); }
  }, () => undefined).finally(() => { listing = undefined; });
  let unnamed: Flow[] = [];
  const named = (flow: Flow | undefined) => {
    if (!flow || !namesUnknownPod(flow, book)) { emit(flow); return; }
    unnamed.push(flow);
    if (unnamed.length > 1) return;
    timers.push(setTimeout(() => {
      const waiting = unnamed;
      unnamed = [];
      // after the listing in flight, if any (it may have started before the pod had its address), a new one
      void (listing ?? Promise.resolve()).then(() => relist()).then(() => { for (const f of waiting) emit(renamed(f, book)); });
    }, BOOK_RETRY_MS));
  };

  // the drop rules' comments of a node, read once per REASONS_TTL_MS (one nft at a time per node)
  const reasons = new Map<string, { at: number; comments: Promise<string[]> }>();
  const dropReasons = (node: string) => {
    const cached = reasons.get(node);
    if (cached && performance.now() - cached.at < REASONS_TTL_MS) return cached.comments;
    const comments = nodePolicyDrops(ctx, node).then((m) => [...m?.keys() ?? []], () => []);
    reasons.set(node, { at: performance.now(), comments });
    return comments;
  };

  const start = (spec: CaptureSpec) => { const c = new Capture(spec); captures.push(c); return c; };
  const lostEvents = new Set<string>();
  const onLost = (netns: string) => () => {
    if (lostEvents.has(netns)) return;
    lostEvents.add(netns);
    process.stderr.write(`warning: conntrack in ${netns} lost events (ENOBUFS): some connections there are not shown\n`);
  };

  /** tcpdump on `iface`, its lines as they come, as root (see capture.ts) */
  const tcpdump = (iface: string, ...filter: string[]) => ['tcpdump', '-Z', 'root', '-n', '-tt', '-l', '-i', iface, ...filter];

  // DNS over UDP as tcpdump decodes it, where the asking side's packets pass: each pod's veth in its node, the outside client's eth0
  const dns = new DnsExchanges(() => book);
  const captureDns = (netns: string, vantage: DnsVantage) => start({
    netns, argv: tcpdump('any', 'udp port 53'), readyPattern: /listening on/,
    onLine: (line) => { const p = parseDnsPacket(line); if (p) named(dns.packet(p, vantage)); },
  });
  captureDns(netnsNames.outside(ctx.cluster), outsideVantage);
  for (const node of nodeNames) captureDns(netnsNames.node(ctx.cluster, node), nodeVantage(node));

  /** A netlink log group's refused packets (src/net/nflog.ts): one listener per namespace, so a second observer goes without */
  const captureRefusals = (netns: string, label: string, group: number, onPacket: (p: LoggedPacket) => void) => {
    dropCaptures.push({ node: label, capture: start({
      netns, argv: tcpdump(`nflog:${group}`), readyPattern: /listening on/,
      onLine: (line) => { const p = parseLoggedPacket(line); if (p) onPacket(p); },
    }) });
  };
  const observers: { netns: string; at: Observer }[] = [
    { netns: netnsNames.router(ctx.cluster), at: { kind: 'load-balancer' } },
    ...nodeNames.map((node) => ({ netns: netnsNames.node(ctx.cluster, node), at: { kind: 'node', node } as Observer })),
  ];
  for (const { netns, at } of observers) {
    start({
      netns, argv: CONNTRACK_EVENTS_ARGV, warningPattern: /ENOBUFS/, onWarning: onLost(netns),
      onLine: (line) => {
        const e = parseConntrackEvent(line);
        const f = e ? flowFromConntrack(e, at, book, options.all) : undefined;
        // a DNS exchange's connection is shown with it
        if (f) named(dns.connection(f, Date.now() / 1000));
      },
    });
    // the service proxy's (in a node) or the load balancer's (in the router) rejects and drops; a node's NetworkPolicy drops
    const where = at.kind === 'node' ? at.node : 'load-balancer';
    const label = at.kind === 'node' ? at.node : 'the load balancer';
    captureRefusals(netns, label, NFLOG_GROUP.serviceReject, (p) => named(flowFromReject(p, where, book)));
    captureRefusals(netns, label, NFLOG_GROUP.serviceDrop, (p) => named(flowFromServiceDrop(p, where, book)));
    if (at.kind !== 'node') continue;
    for (const direction of ['ingress', 'egress'] as const) {
      captureRefusals(netns, label, NETPOL_LOG_GROUP[direction], (p) => void dropReasons(at.node).then((r) => named(flowFromDrop(p, at.node, direction, book, r))));
    }
  }

  // the access log of each controller pod, from its end now on
  const tails = new Map(controllers.map((p) => [p.metadata.uid!, { pod: p.metadata.name!, tail: new AccessLogTail(accessLogFile(ctx, p)) }]));
  const readAccessLog = ({ pod, tail }: { pod: string; tail: AccessLogTail }) => {
    for (const line of tail.read()) {
      let parsed: AccessLine;
      try { parsed = JSON.parse(line) as AccessLine; } catch { continue; }
      named(flowFromAccessLine(parsed, pod, book));
    }
  };
  const readAccessLogs = () => { for (const t of tails.values()) readAccessLog(t); };

  // Ctrl-C while the captures start ends them too: that is a stop, not a failure
  const startup = (async () => {
    // a netlink log group has one listener per namespace: a second observer goes on without those drops
    const dropsReady = await withTimeout(Promise.allSettled(dropCaptures.map((d) => d.capture.ready)), READY_TIMEOUT_MS, 'the captures did not start');
    const missing = dropCaptures.filter((_, i) => dropsReady[i]!.status === 'rejected');
    for (const m of missing) captures.splice(captures.indexOf(m.capture), 1);
    await withTimeout(Promise.all(captures.map((c) => c.ready)), READY_TIMEOUT_MS, 'the captures did not start');
    return missing;
  })();
  startup.catch(() => undefined);
  const missing = await Promise.race([startup, finished.then(() => undefined)]);
  if (missing === undefined) return 0;
  if (missing.length > 0) {
    const why = await missing[0]!.capture.stopped.catch((err: Error) => err.message);
    const taken = /Can't listen on group index/.test(why);
    const where = [...new Set(missing.map((m) => m.node))].join(', ');
    process.stderr.write(`warning: drops and rejects on ${where} are not shown: ${why}${taken ? ' (a log group takes one listener per namespace: another podnet observe of this cluster has them)' : ''}\n`);
  }
  const what = ['connections', ...(missing.length === dropCaptures.length ? [] : ['drops and rejects']), 'DNS', 'NGINX\'s requests'];
  process.stderr.write(`Observing cluster "${ctx.cluster}" (${nodeNames.join(', ')}, the load balancer, the outside client): ${what.join(', ')}; ${options.count !== undefined ? `until ${options.count} flows` : 'Ctrl-C to stop'}\n`);
  const waiting = early;
  early = undefined;
  for (const f of waiting) write(f);
  timers.push(
    setInterval(readAccessLogs, ACCESS_LOG_POLL_MS),
    setInterval(() => { for (const f of dns.expired(Date.now() / 1000)) named(f); }, 1_000),
    setInterval(() => void relist(), BOOK_REFRESH_MS),
  );
  if (options.timeoutMs !== undefined) {
    const arm = (ms: number) => { timers.push(setTimeout(() => (ms > MAX_TIMER_MS ? arm(ms - MAX_TIMER_MS) : done()), Math.min(ms, MAX_TIMER_MS))); };
    arm(options.timeoutMs);
  }
  try {
    // a capture that ends (its namespace gone at `podnet down`) ends the observation with its reason
    await Promise.race([finished, ...captures.map((c) => c.stopped.catch((err: unknown) => { if (!run.stopping()) throw err; }))]);
    // what NGINX flushed in the last 100 ms
    readAccessLogs();
  } finally {
    closed = true;
  }
  return 0;
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new PodnetError('EOBSERVE', what)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}
