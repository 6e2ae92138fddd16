// `podnet observe [-n NS] [--pod NAME] [--verdict V] [--protocol P] [--all]
// [--count N] [--timeout D] [-o json]`: the cluster's flows, live, as Hubble's
// `hubble observe --follow` shows them. It reads what each layer records as
// it happens and changes nothing: every node's and the router's conntrack
// events (`conntrack -E`: each new connection, with the DNAT a Service, a
// NodePort or the load balancer made), the packets NetworkPolicy rules drop
// (their netlink log groups, through `tcpdump -i nflog:N`), and the ingress
// controller's access log. Nothing is kept while nobody observes: a flow is
// shown only while the command runs. src/observe/ turns events into flows.

import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Node, Pod, Service } from '../../api/types.js';
import { podFiles } from '../../agent/pod-files.js';
import { netnsNames } from '../../config.js';
import { PodnetError } from '../../errors.js';
import { accessLogPath } from '../../ingress/nginx-conf.js';
import { NETPOL_LOG_GROUP } from '../../netpol/render.js';
import { AddressBook } from '../../observe/address-book.js';
import { DnsExchanges, nodeVantage, outsideVantage, type DnsVantage } from '../../observe/dns.js';
import { parseConntrackEvent, parseDnsPacket, parseLoggedPacket } from '../../observe/events.js';
import { flowFromAccessLine, flowFromConntrack, flowFromDrop, flowText, matchesFilter, type Flow, type FlowFilter, type Observer } from '../../observe/flows.js';
import type { AccessLine } from '../../trace/evidence.js';
import { INGRESS_NAMESPACE } from '../../trace/lookup.js';
import { parseDuration, type CommonFlags } from '../args.js';
import type { Context } from '../context.js';
import { nodePolicyDrops, readFrom } from './trace.js';

/** how often the names of pods, Services and nodes are listed again */
const BOOK_REFRESH_MS = 2_000;
/** NGINX flushes its access log every 100 ms (docs/ingress.md) */
const ACCESS_LOG_POLL_MS = 100;
/** a node's drop rules' comments are read again after this long */
const REASONS_TTL_MS = 1_000;
/** conntrack -E gives no sign it has subscribed: the time it takes, with a margin */
const CONNTRACK_SETTLE_MS = 150;
const READY_TIMEOUT_MS = 5_000;

/**
 * Each new connection the namespace's conntrack starts tracking, one line
 * each as it comes: conntrack writes through stdio, which a pipe would
 * buffer by 4 KiB (seconds of a quiet node's events), hence stdbuf.
 */
export const CONNTRACK_EVENTS_ARGV = ['stdbuf', '-oL', 'conntrack', '-E', '-e', 'NEW', '-o', 'timestamp'];

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
  const controllers = pods.items.filter((p) => p.metadata.namespace === INGRESS_NAMESPACE && p.status?.phase === 'Running');
  return { book: new AddressBook({ pods: pods.items, services: services.items, nodes: nodes.items }), nodes: nodes.items, controllers };
}

interface Capture { child: ChildProcess; ready: Promise<void>; stopped: Promise<never> }

/**
 * A tool run in a namespace, its stdout read line by line. `ready` resolves
 * once it says it listens (`readyPattern` on its stderr; conntrack says
 * nothing, so after CONNTRACK_SETTLE_MS) and rejects if it ends first;
 * `stopped` rejects when it ends, with its last stderr line.
 */
function capture(netns: string, argv: string[], onLine: (line: string) => void, readyPattern?: RegExp): Capture {
  // `ip netns exec` and setpriv exec in place: the tool is this process's child, and the
  // parent-death signal ends it when the CLI ends, however it ends (kill -9 too): a
  // tcpdump left behind would hold its log group from the next observer. (tcpdump
  // runs with -Z root: switching to its own user would clear that signal.)
  const child = spawn('ip', ['netns', 'exec', netns, 'setpriv', '--pdeathsig', 'TERM', '--', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  createInterface({ input: child.stdout! }).on('line', onLine);
  let stderr = '';
  const stopped = new Promise<never>((_, reject) => {
    const fail = (why: string) => reject(new PodnetError('EOBSERVE', `${argv[0]} in ${netns} stopped (${why})${stderr.trim() ? `: ${stderr.trim().split('\n').pop()}` : ''}`));
    child.once('error', (err) => fail(err.message));
    child.once('exit', (code, signal) => fail(signal ? `signal ${signal}` : `exit ${code}`));
  });
  const ready = new Promise<void>((resolve, reject) => {
    if (!readyPattern) setTimeout(resolve, CONNTRACK_SETTLE_MS);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (readyPattern?.test(stderr)) resolve();
    });
    stopped.catch(reject);
  });
  stopped.catch(() => undefined);
  return { child, ready, stopped };
}

export async function observeCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  const options = observeOptions(flags);
  let { book, nodes, controllers } = await listBook(ctx);
  let shown = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => { done = resolve; });

  const emit = (flow: Flow | undefined) => {
    if (!flow || !matchesFilter(flow, options.filter) || (options.count !== undefined && shown >= options.count)) return;
    shown++;
    process.stdout.write(`${options.json ? JSON.stringify(flow) : flowText(flow)}\n`);
    if (options.count !== undefined && shown >= options.count) done();
  };

  const reasons = new Map<string, { at: number; comments: string[] }>();
  const dropReasons = async (node: string) => {
    const cached = reasons.get(node);
    if (cached && performance.now() - cached.at < REASONS_TTL_MS) return cached.comments;
    const comments = [...(await nodePolicyDrops(ctx, node))?.keys() ?? []];
    reasons.set(node, { at: performance.now(), comments });
    return comments;
  };

  const captures: Capture[] = [];
  const warnings: string[] = [];
  const start = (netns: string, argv: string[], onLine: (line: string) => void, readyPattern?: RegExp) => {
    const c = capture(netns, argv, onLine, readyPattern);
    captures.push(c);
    return c;
  };
  // DNS over UDP as tcpdump decodes it, where the asking side's packets pass: each pod's veth in its node, the outside client's eth0
  const dns = new DnsExchanges(() => book);
  const captureDns = (netns: string, vantage: DnsVantage) => start(netns, ['tcpdump', '-Z', 'root', '-n', '-tt', '-l', '-i', 'any', 'udp port 53'], (line) => {
    const p = parseDnsPacket(line);
    if (p) emit(dns.packet(p, vantage));
  }, /listening on/);
  captureDns(netnsNames.outside(ctx.cluster), outsideVantage);
  for (const n of nodes) captureDns(netnsNames.node(ctx.cluster, n.metadata.name!), nodeVantage(n.metadata.name!));
  const observers: { netns: string; at: Observer }[] = [
    { netns: netnsNames.router(ctx.cluster), at: { kind: 'load-balancer' } },
    ...nodes.map((n) => ({ netns: netnsNames.node(ctx.cluster, n.metadata.name!), at: { kind: 'node', node: n.metadata.name! } as Observer })),
  ];
  const dropCaptures: Capture[] = [];
  for (const { netns, at } of observers) {
    start(netns, CONNTRACK_EVENTS_ARGV, (line) => {
      const e = parseConntrackEvent(line);
      const f = e ? flowFromConntrack(e, at, book, options.all) : undefined;
      // a DNS exchange's connection is shown with it
      if (f) emit(dns.connection(f, Date.now() / 1000));
    });
    if (at.kind !== 'node') continue;
    for (const direction of ['ingress', 'egress'] as const) {
      dropCaptures.push(start(netns, ['tcpdump', '-Z', 'root', '-n', '-tt', '-l', '-i', `nflog:${NETPOL_LOG_GROUP[direction]}`], (line) => {
        const p = parseLoggedPacket(line);
        if (p) void dropReasons(at.node).then((r) => emit(flowFromDrop(p, at.node, direction, book, r)));
      }, /listening on/));
    }
  }

  // the access log of each controller pod, from its end now on
  const offsets = new Map<string, number>();
  const logFile = (p: Pod) => accessLogPath(path.join(podFiles(ctx.paths.pods, p.metadata.uid!).dir, 'volumes', 'nginx-conf', 'run'));
  const sizeOf = (file: string) => { try { return statSync(file).size; } catch { return 0; } };
  for (const p of controllers) offsets.set(logFile(p), sizeOf(logFile(p)));
  const readAccessLogs = () => {
    for (const p of controllers) {
      const file = logFile(p);
      const size = sizeOf(file);
      // a log the controller rotated (at 64 MiB) is read from its start; the old one's last lines are not shown
      const from = size < (offsets.get(file) ?? 0) ? 0 : offsets.get(file) ?? 0;
      if (size === from) continue;
      const text = readFrom(file, from);
      // a line NGINX has not finished writing is read next time
      const end = text.lastIndexOf('\n') + 1;
      offsets.set(file, from + Buffer.byteLength(text.slice(0, end)));
      for (const line of text.slice(0, end).split('\n')) {
        if (!line) continue;
        let parsed: AccessLine;
        try { parsed = JSON.parse(line) as AccessLine; } catch { continue; }
        emit(flowFromAccessLine(parsed, p.metadata.name!, book));
      }
    }
  };

  const onSignal = () => done();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // a netlink log group has one listener per namespace: a second observer goes on without the drops
    const dropsTaken = await withTimeout(Promise.allSettled(dropCaptures.map((c) => c.ready)), READY_TIMEOUT_MS, 'the captures did not start');
    const taken = dropsTaken.filter((r) => r.status === 'rejected');
    if (taken.length > 0) warnings.push(`NetworkPolicy drops are not shown: ${(taken[0] as PromiseRejectedResult).reason.message} (a log group takes one listener per node: another podnet observe of this cluster has them)`);
    const live = captures.filter((c) => !dropCaptures.includes(c) || dropsTaken[dropCaptures.indexOf(c)]!.status === 'fulfilled');
    await withTimeout(Promise.all(live.map((c) => c.ready)), READY_TIMEOUT_MS, 'the captures did not start');
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    const what = ['connections', ...(taken.length > 0 ? [] : ['NetworkPolicy drops']), 'DNS', 'NGINX\'s requests'];
    process.stderr.write(`Observing cluster "${ctx.cluster}" (${nodes.map((n) => n.metadata.name).join(', ')}, the load balancer, the outside client): ${what.join(', ')}; ${options.count !== undefined ? `until ${options.count} flows` : 'Ctrl-C to stop'}\n`);
    const timers = [
      setInterval(readAccessLogs, ACCESS_LOG_POLL_MS),
      setInterval(() => { for (const f of dns.expired(Date.now() / 1000)) emit(f); }, 1_000),
      setInterval(() => { void listBook(ctx).then((r) => { book = r.book; controllers = r.controllers; for (const p of controllers) if (!offsets.has(logFile(p))) offsets.set(logFile(p), 0); }, () => undefined); }, BOOK_REFRESH_MS),
    ];
    const deadline = options.timeoutMs !== undefined ? setTimeout(done, options.timeoutMs) : undefined;
    try {
      // a capture that ends (its namespace gone at `podnet down`) ends the observation with its reason
      await Promise.race([finished, ...live.map((c) => c.stopped)]);
    } finally {
      for (const t of timers) clearInterval(t);
      if (deadline) clearTimeout(deadline);
    }
    readAccessLogs();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    for (const c of captures) c.child.kill('SIGTERM');
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
