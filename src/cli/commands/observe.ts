// `podnet observe [-n NS] [--pod NAME] [--verdict V] [--protocol P] [--all]
// [--last N|--since D [-f]] [--count N] [--timeout D] [-o json]`: the
// cluster's flows as Hubble's `hubble observe` shows them, live (the default,
// `--follow`) or as recorded (`--last`, `--since`). It reads what each layer
// records and changes nothing: every node's and the router's conntrack
// (`conntrack -E` for each new connection as it comes, with the DNAT a
// Service, a NodePort or the load balancer made; `conntrack -L` for the
// connections still in the table), the refusal logs the agents write (every
// packet the service proxy, the load balancer or a NetworkPolicy refused:
// src/observe/refusal-recorder.ts), DNS questions and answers (tcpdump at
// each pod's veth and the outside client; live only) and the ingress
// controller's access log. src/observe/ turns these into flows.

import { parseSelector, type Requirement } from '../../api/labels.js';
import type { Node, Pod, Service } from '../../api/types.js';
import { netnsNames } from '../../config.js';
import { PodnetError } from '../../errors.js';
import { defaultRunner } from '../../net/runner.js';
import { AddressBook } from '../../observe/address-book.js';
import { Capture, type CaptureSpec } from '../../observe/capture.js';
import { DnsExchanges, nodeVantage, outsideVantage, type DnsVantage } from '../../observe/dns.js';
import { CONNTRACK_TABLE_ARGV, CONNTRACK_TABLE_ENV, parseConntrackEntry, parseConntrackEvent, parseDnsPacket } from '../../observe/events.js';
import { connectionKey, DROP_REASONS, flowFromAccessLine, flowFromConntrack, flowFromQueryLog, flowFromRefusal, isPolicyRefusal, flowText, isoSecond, EXTERNAL_DNS_OBSERVER, matchesFilter, mergeRecorded, namesUnknownPod, newestRecorded, renamed, type Flow, type FlowFilter, type Observer } from '../../observe/flows.js';
import { LogTail } from '../../observe/log-tail.js';
import { LOAD_BALANCER_OBSERVER, parseRefusalLine, recorderAlive, refusalLogPath } from '../../observe/refusal-log.js';
import { ipv4ToNumber } from '../../proxy/ipv4.js';
import type { AccessLine } from '../../trace/evidence.js';
import { parseDuration, type CommonFlags } from '../args.js';
import type { Context } from '../context.js';
import { outsideFiles } from '../../daemon/outside-world.js';
import { parseQueryLogLine } from '../../dns/query-log.js';
import { accessLogFile, nodePolicyDrops, runningControllers } from './trace.js';

/** how often the names of pods, Services and nodes are listed again */
const BOOK_REFRESH_MS = 2_000;
/** a flow naming a pod address no listed pod has lists them again, at most this often */
const BOOK_RETRY_MS = 250;
/** the logs are read this often: NGINX flushes its access log every 100 ms (docs/ingress.md), the recorders theirs every 50 */
const LOG_POLL_MS = 100;
/** a fresh cluster's agents start their refusal recorders right after the nodes are Ready */
const RECORDER_WAIT_MS = 3_000;
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

export interface ObserveOptions {
  filter: FlowFilter;
  all: boolean;
  count?: number;
  timeoutMs?: number;
  json: boolean;
  /** the last N recorded flows */
  last?: number;
  /** the recorded flows since then (seconds since the epoch) */
  since?: number;
  /** live flows after the recorded ones (live alone is the default) */
  follow: boolean;
}

function positiveInteger(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new PodnetError('EUSAGE', `invalid --${flag} "${text}": must be a positive integer`);
  return n;
}

/** `--since 5m` (that long ago) or `--since 2026-11-30T01:00:00Z` (RFC 3339, with its zone), as Hubble's --since */
function sinceTime(text: string | undefined, now: number): number | undefined {
  if (text === undefined) return undefined;
  if (/^\d+(\.\d+)?(ms|s|m|h)?$/.test(text.trim())) return now - parseDuration(text) / 1000;
  const m = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.exec(text.trim());
  const at = Date.parse(text);
  // Date.parse rolls 2026-02-30 over to March: the date must be one the calendar has
  const real = m && new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).toISOString().startsWith(`${m[1]}-${m[2]}-${m[3]}`);
  if (!real || Number.isNaN(at)) throw new PodnetError('EUSAGE', `invalid --since "${text}": a duration (30s, 5m, 1h) or an RFC 3339 time with its zone (2026-11-30T01:00:00Z)`);
  return at / 1000;
}

function portFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new PodnetError('EUSAGE', `invalid --${flag} "${text}": must be a port, 1-65535`);
  return n;
}

function addressFlag(flag: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const [ip, bits, extra] = text.split('/');
  const ok = ipv4ToNumber(ip ?? '') !== undefined && extra === undefined && (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= 32));
  if (!ok) throw new PodnetError('EUSAGE', `invalid --${flag} "${text}": must be an IPv4 address or CIDR`);
  return text;
}

function labelFlag(flag: string, text: string | undefined): Requirement[] | undefined {
  if (text === undefined) return undefined;
  try {
    return parseSelector(text);
  } catch (err) {
    throw new PodnetError('EUSAGE', `invalid --${flag} "${text}": ${(err as Error).message}`);
  }
}

/** Hubble's filters beyond pods, node, verdict and protocol (FLOW_FILTER_FLAGS), checked */
function flowFilterOptions(flags: CommonFlags): Partial<FlowFilter> {
  const f = flags.flowFilters;
  const status = f['http-status'];
  if (status !== undefined && !/^([1-5]\d\d|[1-5]\d?\+)$/.test(status)) throw new PodnetError('EUSAGE', `invalid --http-status "${status}": a status (503) or a class (5+, 50+)`);
  const method = f['http-method'];
  if (method !== undefined && !/^[A-Za-z]+$/.test(method)) throw new PodnetError('EUSAGE', `invalid --http-method "${method}": a method (GET, POST, …)`);
  let path: RegExp | undefined;
  if (f['http-path'] !== undefined) {
    try { path = new RegExp(f['http-path']); } catch (err) { throw new PodnetError('EUSAGE', `invalid --http-path "${f['http-path']}": ${(err as Error).message}`); }
  }
  if (f.service !== undefined && f['to-service'] !== undefined && f.service !== f['to-service']) throw new PodnetError('EUSAGE', '--service and --to-service are the same filter here: give one');
  const service = f['to-service'] ?? f.service;
  if (service !== undefined && !/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(service)) throw new PodnetError('EUSAGE', `invalid --to-service "${service}": NAME or NAMESPACE/NAME`);
  if (f.label !== undefined && flags.selector !== undefined && f.label !== flags.selector) throw new PodnetError('EUSAGE', '-l and --label are the same filter: give one');
  const label = labelFlag('label', f.label ?? flags.selector);
  const fromLabel = labelFlag('from-label', f['from-label']);
  const toLabel = labelFlag('to-label', f['to-label']);
  const dropReason = f['drop-reason-desc']?.toUpperCase();
  if (dropReason !== undefined && !(DROP_REASONS as readonly string[]).includes(dropReason)) throw new PodnetError('EUSAGE', `invalid --drop-reason-desc "${f['drop-reason-desc']}": must be one of ${DROP_REASONS.join(', ')}`);
  const entries = {
    toService: service,
    port: portFlag('port', f.port), fromPort: portFlag('from-port', f['from-port']), toPort: portFlag('to-port', f['to-port']),
    ip: addressFlag('ip', f.ip), fromIp: addressFlag('from-ip', f['from-ip']), toIp: addressFlag('to-ip', f['to-ip']),
    label, fromLabel, toLabel, httpStatus: status, httpMethod: method, httpPath: path, dropReasonDesc: dropReason,
  };
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as Partial<FlowFilter>;
}

export function observeOptions(flags: CommonFlags, now = Date.now() / 1000): ObserveOptions {
  if (flags.positionals.length > 0) throw new PodnetError('EUSAGE', `unexpected argument "${flags.positionals[0]}": podnet observe takes flags only`);
  const verdict = flags.verdict?.toUpperCase();
  if (verdict !== undefined && !(VERDICTS as readonly string[]).includes(verdict)) throw new PodnetError('EUSAGE', `invalid --verdict "${flags.verdict}": must be one of FORWARDED, DROPPED`);
  const protocol = flags.protocol?.toUpperCase();
  if (protocol !== undefined && !PROTOCOLS.includes(protocol)) throw new PodnetError('EUSAGE', `invalid --protocol "${flags.protocol}": must be one of ${PROTOCOLS.map((p) => p.toLowerCase()).join(', ')}`);
  const count = positiveInteger('count', flags.count);
  const last = positiveInteger('last', flags.last);
  const since = sinceTime(flags.since, now);
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
      ...flowFilterOptions(flags),
    },
    all: flags.all,
    ...(count !== undefined ? { count } : {}),
    ...(flags.timeout !== undefined ? { timeoutMs: parseDuration(flags.timeout) } : {}),
    json: flags.output === 'json',
    ...(last !== undefined ? { last } : {}),
    ...(since !== undefined ? { since } : {}),
    follow: flags.follow,
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
  try {
    return await observe(ctx, options, { finished, done, stopping: () => stopping, timers, captures });
  } finally {
    for (const t of timers) clearTimeout(t);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    for (const c of captures) c.stop();
  }
}

interface Run {
  finished: Promise<void>;
  done: () => void;
  stopping: () => boolean;
  /** what the command's end clears and stops */
  timers: NodeJS.Timeout[];
  captures: Capture[];
}

async function observe(ctx: Context, options: ObserveOptions, run: Run): Promise<number> {
  const { finished, done, timers, captures } = run;
  /** `p`'s value, or undefined once the observation is stopped first (Ctrl-C, --count, --timeout) */
  const untilStopped = <T>(p: Promise<T>) => Promise.race([p, finished.then(() => undefined)]);
  const first = await untilStopped(listBook(ctx));
  if (!first) return 0;
  let book = first.book;
  const nodeNames = first.nodes.map((n) => n.metadata.name!);
  const { controllers } = first;
  const observerNames = [...nodeNames, LOAD_BALANCER_OBSERVER, 'outside', 'ingress', EXTERNAL_DNS_OBSERVER];
  if (options.filter.node !== undefined && !observerNames.includes(options.filter.node)) {
    throw new PodnetError('EUSAGE', `invalid --node "${options.filter.node}": cluster "${ctx.cluster}" records flows on ${observerNames.join(', ')}`);
  }
  let shown = 0;
  const countReached = () => options.count !== undefined && shown >= options.count;
  // once the observation has ended nothing more is written (a flow waiting for its names included)
  let closed = false;

  // flows a capture reports before the header is written wait for it
  let early: Flow[] | undefined = [];
  const write = (flow: Flow) => {
    if (closed || countReached()) return;
    shown++;
    process.stdout.write(`${options.json ? JSON.stringify(flow) : flowText(flow)}\n`);
    if (countReached()) done();
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
    for (const p of r.controllers) if (!tails.has(p.metadata.uid!)) tails.set(p.metadata.uid!, { pod: p.metadata.name!, tail: new LogTail(accessLogFile(ctx, p), true) });
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
  const reasonCache = new Map<string, { at: number; comments: Promise<string[]> }>();
  const dropReasons = (node: string | undefined): Promise<string[]> => {
    if (node === undefined) return Promise.resolve([]);
    const cached = reasonCache.get(node);
    if (cached && performance.now() - cached.at < REASONS_TTL_MS) return cached.comments;
    const comments = nodePolicyDrops(ctx, node).then((m) => [...m?.keys() ?? []], () => []);
    reasonCache.set(node, { at: performance.now(), comments });
    return comments;
  };

  const observers: { netns: string; at: Observer }[] = [
    { netns: netnsNames.router(ctx.cluster), at: { kind: 'load-balancer' } },
    ...nodeNames.map((node) => ({ netns: netnsNames.node(ctx.cluster, node), at: { kind: 'node', node } as Observer })),
  ];
  // each namespace's refusal log (the service proxy's or the load balancer's rejects and drops, a node's NetworkPolicy drops):
  // what it holds now is the history, what it gains is live
  const refusals = observers.map(({ at }) => {
    // the load balancer's log is named as its observer is (flowFromRefusal takes `where` as the observer)
    const where = at.kind === 'node' ? at.node : LOAD_BALANCER_OBSERVER;
    return { where, node: at.kind === 'node' ? at.node : undefined, displayName: at.kind === 'node' ? at.node : 'the load balancer', tail: new LogTail(refusalLogPath(ctx.paths.dir, where)) };
  });
  type RefusalSource = (typeof refusals)[number];
  const refusalFlow = (source: RefusalSource, reasons: readonly string[]) => (line: string) => {
    const r = parseRefusalLine(line);
    return r && flowFromRefusal(r, source.where, book, reasons);
  };
  // a policy drop waits for its node's rule comments: the last read's flows are awaited before the end
  const pendingRefusals = new Set<Promise<void>>();
  const readRefusals = () => {
    for (const source of refusals) {
      const parsed = source.tail.read().map(parseRefusalLine).filter((r) => r !== undefined);
      if (parsed.length === 0) continue;
      // only a policy drop is named by the node's rule comments: a flood of rejects reads no ruleset
      const reasons = parsed.some(isPolicyRefusal) ? dropReasons(source.node) : Promise.resolve([]);
      const p = reasons.then((comments) => { for (const r of parsed) named(flowFromRefusal(r, source.where, book, comments)); });
      pendingRefusals.add(p);
      void p.finally(() => pendingRefusals.delete(p));
    }
  };

  // the access log of each controller pod: likewise
  const tails = new Map(controllers.map((p) => [p.metadata.uid!, { pod: p.metadata.name!, tail: new LogTail(accessLogFile(ctx, p)) }]));
  const accessFlow = (pod: string) => (line: string) => {
    try { return flowFromAccessLine(JSON.parse(line) as AccessLine, pod, book); } catch { return undefined; }
  };
  const readAccessLog = ({ pod, tail }: { pod: string; tail: LogTail }) => {
    const toFlow = accessFlow(pod);
    for (const line of tail.read()) named(toFlow(line));
  };
  const readAccessLogs = () => { for (const t of tails.values()) readAccessLog(t); };

  const window = { ...(options.since !== undefined ? { since: options.since } : {}), ...(options.last !== undefined ? { last: options.last } : {}) };
  /** The recorded flows the options ask for, oldest first: refusals and requests from the logs (read back only as far as needed), connections from the tables. */
  async function recordedFlows(): Promise<Flow[]> {
    const fromTables = Promise.all(observers.map(async ({ netns, at }) => {
      const r = await defaultRunner.run(CONNTRACK_TABLE_ARGV, { netns, env: { ...process.env, ...CONNTRACK_TABLE_ENV }, allowFailure: true });
      const flows = r.stdout.split('\n').map((line) => {
        const e = parseConntrackEntry(line);
        const f = e && flowFromConntrack(e, at, book, options.all);
        // conntrack says a start to the second
        return f && { ...f, time: isoSecond(e.time) };
      });
      return newestRecorded(flows.reverse(), options.filter, window, false);
    }));
    const fromRefusals = Promise.all(refusals.map(async (source) => {
      const reasons = await dropReasons(source.node);
      return newestRecorded(mapLines(source.tail.history(), refusalFlow(source, reasons)), options.filter, window, true);
    }));
    const fromAccessLogs = [...tails.values()].map(({ pod, tail }) => newestRecorded(mapLines(tail.history(), accessFlow(pod)), options.filter, window, true));
    // the external DNS's own query log: the outside client's questions, and the cluster DNS's forwarded ones
    const questions = new LogTail(outsideFiles(ctx.paths).queryLog).history();
    const fromExternalDns = newestRecorded(mapLines(questions, (line) => { const q = parseQueryLogLine(line); return q && flowFromQueryLog(q, book); }), options.filter, window, true);
    return mergeRecorded([...await fromTables, ...await fromRefusals, ...fromAccessLogs, fromExternalDns], window);
  }
  const warnUnrecorded = (listening: readonly boolean[]) => {
    const missing = refusals.filter((_, i) => !listening[i]);
    if (missing.length > 0) process.stderr.write(`warning: drops and rejects on ${missing.map((r) => r.displayName).join(', ')} are not shown: no refusal recorder runs there (its agent's log says why)\n`);
    return missing.length;
  };
  const wantsHistory = options.last !== undefined || options.since !== undefined;
  /** Writes the recorded flows under their header (`then` ends it: what follows them); undefined when stopped first. */
  const showRecorded = async (then = ''): Promise<Flow[] | undefined> => {
    const recorded = await untilStopped(recordedFlows());
    if (!recorded) return undefined;
    process.stderr.write(`Flows recorded in cluster "${ctx.cluster}": the connections conntrack still tracks, refusals, NGINX's requests, the external DNS's answers (the cluster DNS's are shown live only)${then}\n`);
    for (const f of recorded) write(f);
    return recorded;
  };

  if (wantsHistory && !options.follow) {
    warnUnrecorded(refusals.map((r) => recorderAlive(r.tail.file)));
    await showRecorded();
    return 0;
  }

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
  }

  // Ctrl-C while the captures start ends them too: that is a stop, not a failure
  const startup = withTimeout(Promise.all([Promise.all(captures.map((c) => c.ready)), recordersListening(refusals.map((r) => r.tail.file), run.stopping)]), READY_TIMEOUT_MS, 'the captures did not start');
  startup.catch(() => undefined);
  const started = await untilStopped(startup);
  if (started === undefined) return 0;
  const unrecorded = warnUnrecorded(started[1]);
  // with -f, the history (read while the captures already run, so no connection falls between the two), then live
  if (wantsHistory) {
    const recorded = await showRecorded('; then live');
    if (!recorded || countReached()) return 0;
    // a connection conntrack listed and also reported while the history was read is shown once
    const listed = new Set(recorded.filter(isConnection).map(connectionKey));
    early = early!.filter((f) => !(isConnection(f) && listed.has(connectionKey(f))));
  }
  const what = ['connections', ...(unrecorded === refusals.length ? [] : ['drops and rejects']), 'DNS', 'NGINX\'s requests'];
  process.stderr.write(`Observing cluster "${ctx.cluster}" (${nodeNames.join(', ')}, the load balancer, the outside client): ${what.join(', ')}; ${options.count !== undefined ? `until ${options.count} flows` : 'Ctrl-C to stop'}\n`);
  const waiting = early!;
  early = undefined;
  for (const f of waiting) write(f);
  timers.push(
    setInterval(() => { readAccessLogs(); readRefusals(); }, LOG_POLL_MS),
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
    // what the logs gained last (NGINX flushes every 100 ms), and the policy drops waiting for their rules' comments
    readAccessLogs();
    readRefusals();
    await Promise.all(pendingRefusals);
  } finally {
    closed = true;
  }
  return 0;
}

/** a connection conntrack reported (not a DNS exchange, a request, a refusal) */
const isConnection = (f: Flow) => f.verdict === 'FORWARDED' && !f.dns && !f.http;

function* mapLines<T>(lines: Iterable<string>, f: (line: string) => T): Generator<T> {
  for (const line of lines) yield f(line);
}

/** Whether each log's recorder listens, waiting a moment for those a fresh cluster is still starting (not past a stop). */
async function recordersListening(logs: readonly string[], stopping: () => boolean): Promise<boolean[]> {
  const deadline = performance.now() + RECORDER_WAIT_MS;
  for (;;) {
    const up = logs.map(recorderAlive);
    if (up.every(Boolean) || stopping() || performance.now() > deadline) return up;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new PodnetError('EOBSERVE', what)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}
