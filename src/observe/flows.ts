// Flows, as `podnet observe` prints them (pure): each event a layer recorded,
// turned into who talked to whom and what the layer did with it. A
// connection's first packet tracked by a node or by the router (the cloud
// load balancer), with the Service frontend it asked for and the endpoint
// its DNAT chose; a packet a NetworkPolicy dropped; a request NGINX proxied.

import type { AccessLine } from '../trace/evidence.js';
import { INGRESS_NAMESPACE } from '../trace/lookup.js';
import { inCidr } from '../proxy/ipv4.js';
import type { AddressBook, Frontend, Peer } from './address-book.js';
import type { ConntrackEvent, LoggedPacket } from './events.js';
import { LOAD_BALANCER_OBSERVER, type Refusal } from './refusal-log.js';
import { matchesRequirements, type Requirement } from '../api/labels.js';
import { NFLOG_GROUP } from '../net/nflog.js';
import { EXTERNAL_DNS_IP } from '../config.js';
import type { QueryLogEntry } from '../dns/query-log.js';

/** where a record was taken: a node's namespace, the router's (the cloud load balancer), or the ingress controller's NGINX */
export type Observer = { kind: 'node'; node: string } | { kind: 'load-balancer' } | { kind: 'ingress'; pod: string };

export type Verdict = 'FORWARDED' | 'DROPPED';

export interface HttpDetails {
  method: string;
  host: string;
  uri: string;
  status: number;
  /** `Ingress ns/name` or `HTTPRoute ns/name`; none for the default server */
  route?: string;
  service?: string;
  /** the upstreams NGINX tried, in order, with the pod each address is */
  upstreams: Peer[];
  durationMs: number;
  requestId?: string;
}

export interface DnsDetails {
  /** the name asked, as asked (with the search path's suffix, and the trailing dot) */
  query: string;
  type: string;
  /** NOERROR, NXDOMAIN, SERVFAIL, …; `no answer` when none came in time */
  rcode: string;
  /** the answer's records as tcpdump writes them: `A 10.96.0.10`, `CNAME db.shop.svc.cluster.local.` */
  records: string[];
  /** how long the answer took, ms */
  ms?: number;
  truncated?: boolean;
  /** the answer came in IP fragments: the records after the first fragment's are not known */
  fragmented?: boolean;
}

/**
 * Hubble's names (Cilium's flow.proto DropReason) for podnet's refusals: a
 * NetworkPolicy's drop; a frontend with no endpoint to send to (no ready
 * endpoint, none on the node for a Local traffic policy, a port no Service
 * has, no node passing the load balancer's health check); a source outside
 * loadBalancerSourceRanges.
 */
export const DROP_REASONS = ['POLICY_DENIED', 'SERVICE_BACKEND_NOT_FOUND', 'DENIED_BY_LB_SRC_RANGE_CHECK'] as const;
export type DropReasonDesc = typeof DROP_REASONS[number];

export interface Flow {
  /** ISO 8601, milliseconds */
  time: string;
  observer: string;
  verdict: Verdict;
  protocol: string;
  source: Peer;
  /** the address the packet was sent to */
  destination: Peer;
  /** the Service the destination is a frontend of */
  service?: Frontend;
  /** where the DNAT sent it: the endpoint (or, at the load balancer, the node) */
  translatedDestination?: Peer;
  /** the address the source was masqueraded to */
  translatedSource?: Peer;
  tcpFlags?: string;
  /** why a packet was dropped */
  reason?: string;
  /** the same as Hubble's drop reason names it (`drop_reason_desc`): a stable code for scripts */
  dropReasonDesc?: DropReasonDesc;
  http?: HttpDetails;
  dns?: DnsDetails;
}

const observerName = (o: Observer) => (o.kind === 'node' ? o.node : o.kind === 'load-balancer' ? LOAD_BALANCER_OBSERVER : 'ingress');

/** A record's time (seconds since the epoch) as flows carry it: ISO 8601, to the millisecond. */
export const isoTime = (seconds: number) => new Date(Math.round(seconds * 1000)).toISOString();

/** A time known to the second only (a connection's start as `conntrack -L` says it): ISO 8601 without a fraction. */
export const isoSecond = (seconds: number) => new Date(Math.floor(seconds) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * The flow a conntrack NEW event stands for, or undefined when the event is
 * another record of a flow shown elsewhere: each connection is shown where
 * it starts (the node whose pod range holds its source, or the outside
 * client's first hop, the router) and wherever a NAT changed it (the load
 * balancer's DNAT to a node, a NodePort's or Service's DNAT to a pod); its
 * arrival at a node that only forwards it is not shown again. Connections
 * the nodes and the router open (the kubelet's probes, the load balancer's
 * health checks, a node's masqueraded forward to another) are shown only
 * with `all`, and then once: where they start, or where a NAT changed them.
 */
export function flowFromConntrack(e: ConntrackEvent, at: Observer, book: AddressBook, all: boolean): Flow | undefined {
  if (e.type !== 'NEW' || at.kind === 'ingress') return undefined;
  const source = book.peer(e.orig.src, e.orig.sport);
  const dnat = e.reply.src !== e.orig.dst || e.reply.sport !== e.orig.dport;
  const snat = e.reply.dst !== e.orig.src;
  const machine = source.kind === 'node' || source.kind === 'router';
  if (machine && !all) return undefined;
  const own = at.kind === 'node' ? source.kind === 'node' && source.node === at.node : source.kind === 'router';
  // a pod's address by its node's range: a pod the names do not know yet (listed every 2 s) starts here too
  const podHere = at.kind === 'node' && source.kind !== 'node' && book.podRangeNode(e.orig.src) === at.node;
  const startsHere = at.kind === 'node' ? podHere || own : source.kind === 'outside' || own;
  if (!startsHere && !dnat) return undefined;
  const destination = book.peer(e.orig.dst, e.orig.dport);
  const service = book.frontend(e.orig.dst, e.orig.dport, e.protocol);
  return {
    time: isoTime(e.time), observer: observerName(at), verdict: 'FORWARDED', protocol: e.protocol, source, destination,
    ...(service ? { service } : {}),
    ...(dnat ? { translatedDestination: book.peer(e.reply.src, e.reply.sport) } : {}),
    ...(snat ? { translatedSource: book.peer(e.reply.dst, e.reply.dport) } : {}),
  };
}

/**
 * A packet the node's NetworkPolicy rules dropped: `direction` is the rule's
 * (ingress: to an isolated pod, egress: from one), `reasons` the drop rules'
 * comments of the node's ruleset ("ingress to NS/POD isolated by NS/POLICY, …").
 */
export function flowFromDrop(p: LoggedPacket, node: string, direction: 'ingress' | 'egress', book: AddressBook, reasons: readonly string[]): Flow {
  const isolated = book.peer(direction === 'ingress' ? p.dst : p.src);
  const pod = isolated.kind === 'pod' ? `${isolated.namespace}/${isolated.name}` : isolated.ip;
  const side = direction === 'ingress' ? `ingress to ${pod}` : `egress from ${pod}`;
  const reason = reasons.find((r) => r.startsWith(`${side} isolated by `)) ?? `${side}: no NetworkPolicy rule allows it`;
  return refused(p, node, book, undefined, `NetworkPolicy: ${reason}`, 'POLICY_DENIED');
}

/**
 * A new connection's first packet refused with a reject (the client's
 * connect is refused): in a node by the service proxy, as kube-proxy does
 * (a Service port without a ready endpoint, a port no Service has at a
 * ClusterIP; logged before the DNAT, so the packet names the frontend); at
 * the load balancer (`observer` load-balancer) because no node of the
 * Service passes its health check.
 */
export function flowFromReject(p: LoggedPacket, observer: string, book: AddressBook): Flow {
  const service = book.frontend(p.dst, p.dport, p.protocol);
  const port = `${p.protocol} port ${p.dport ?? '?'}`;
  const owner = book.serviceAt(p.dst);
  const reason = observer === LOAD_BALANCER_OBSERVER
    ? `rejected by the load balancer (connection refused): no node of ${service ? `Service ${service.service}` : p.dst} passes its health check`
    : `rejected by the service proxy (connection refused): ${service ? `${service.type} ${service.service} has no ready endpoint for ${port}`
      : owner ? `Service ${owner} has no ${port}` : `no Service has ${port} at ${p.dst}`}`;
  return refused(p, observer, book, service, reason, 'SERVICE_BACKEND_NOT_FOUND');
}

/**
 * A new connection's first packet dropped (the client's connect times
 * out): a source outside a LoadBalancer's loadBalancerSourceRanges (the load
 * balancer's check, or a node's for what reaches it past the load balancer),
 * externalTrafficPolicy Local with no ready endpoint on the node (the load
 * balancer's health check should have taken it out), or a pod's connection
 * to a ClusterIP with internalTrafficPolicy Local and no ready endpoint on
 * its node.
 */
export function flowFromServiceDrop(p: LoggedPacket, observer: string, book: AddressBook): Flow {
  const service = book.frontend(p.dst, p.dport, p.protocol);
  const by = observer === LOAD_BALANCER_OBSERVER ? 'the load balancer' : 'the service proxy';
  const outsideRanges = service?.sourceRanges && !service.sourceRanges.some((cidr) => inCidr(p.src, cidr));
  const reason = !service ? `dropped by ${by}`
    : outsideRanges ? `dropped by ${by}: ${p.src} is outside Service ${service.service}'s loadBalancerSourceRanges (${service.sourceRanges!.join(', ')})`
      : service.externalLocal ? `dropped by ${by}: Service ${service.service} has externalTrafficPolicy Local and no ready endpoint on ${observer}`
        : service.internalLocal ? `dropped by ${by}: Service ${service.service} has internalTrafficPolicy Local and no ready endpoint on ${observer}`
        : `dropped by ${by} for Service ${service.service}`;
  return refused(p, observer, book, service, reason, outsideRanges ? 'DENIED_BY_LB_SRC_RANGE_CHECK' : 'SERVICE_BACKEND_NOT_FOUND');
}


/**
 * A refused packet of a refusal log (refusal-log.ts) as its flow, by the log
 * group it came to: the proxy's or the load balancer's reject or drop, a
 * NetworkPolicy's drop (named by the node's drop rules' comments, `reasons`);
 * undefined for a group no rule of `observer` logs to.
 */
/** A NetworkPolicy's drop: the one refusal its node's rule comments name (flowFromRefusal's `reasons`). */
export const isPolicyRefusal = (r: Refusal) => r.group === NFLOG_GROUP.policyIngress || r.group === NFLOG_GROUP.policyEgress;

export function flowFromRefusal(r: Refusal, observer: string, book: AddressBook, reasons: readonly string[]): Flow | undefined {
  switch (r.group) {
    case NFLOG_GROUP.serviceReject: return flowFromReject(r, observer, book);
    case NFLOG_GROUP.serviceDrop: return flowFromServiceDrop(r, observer, book);
    case NFLOG_GROUP.policyIngress: return observer === LOAD_BALANCER_OBSERVER ? undefined : flowFromDrop(r, observer, 'ingress', book, reasons);
    case NFLOG_GROUP.policyEgress: return observer === LOAD_BALANCER_OBSERVER ? undefined : flowFromDrop(r, observer, 'egress', book, reasons);
    default: return undefined;
  }
}

function refused(p: LoggedPacket, observer: string, book: AddressBook, service: Frontend | undefined, reason: string, dropReasonDesc: DropReasonDesc): Flow {
  return {
    time: isoTime(p.time), observer, verdict: 'DROPPED', protocol: p.protocol,
    source: book.peer(p.src, p.sport), destination: book.peer(p.dst, p.dport),
    ...(service ? { service } : {}),
    ...(p.tcpFlags ? { tcpFlags: p.tcpFlags } : {}),
    reason, dropReasonDesc,
  };
}

/** The observer a DNS server's own query log speaks for (the external DNS's, the record `--last` reads) */
export const EXTERNAL_DNS_OBSERVER = 'external-dns';

/**
 * A question the external DNS answered, from its query log: who asked (the
 * outside client, or a node that masqueraded coredns's forwarded question),
 * the name, the answer and how long the server took. The live captures see
 * the same exchange on the wire; this is the record kept after it.
 */
export function flowFromQueryLog(e: QueryLogEntry, book: AddressBook): Flow | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(e.client);
  const time = Date.parse(e.ts);
  if (!m || Number.isNaN(time)) return undefined;
  return {
    time: new Date(time).toISOString(), observer: EXTERNAL_DNS_OBSERVER, verdict: 'FORWARDED', protocol: 'DNS',
    source: book.peer(m[1]!, Number(m[2])), destination: book.peer(EXTERNAL_DNS_IP, 53),
    dns: { query: e.qname, type: e.qtype, rcode: e.rcode, records: e.records ?? [], ms: Math.round(e.durationMs * 10) / 10, ...(e.truncated ? { truncated: true } : {}) },
  };
}

/** A request the ingress controller's NGINX answered, from its access-log line. */
export function flowFromAccessLine(line: AccessLine & { msec?: number; method?: string; host?: string; uri?: string }, pod: string, book: AddressBook): Flow | undefined {
  if (typeof line.remote_addr !== 'string' || typeof line.status !== 'number') return undefined;
  // NGINX writes `a, b` for the upstreams it tried in turn and `a : b` across an internal redirect; `-` or empty for none
  const upstreams = (line.upstream_addr ?? '').split(/\s*[,:]\s+/).map((u) => u.trim()).filter((u) => /^\d+\.\d+\.\d+\.\d+:\d+$/.test(u))
    .map((u) => { const [ip, port] = u.split(':'); return book.peer(ip!, Number(port)); });
  const logged = line.ingress ?? '';
  const route = logged === '' ? undefined : logged.startsWith('HTTPRoute/') ? `HTTPRoute ${logged.slice('HTTPRoute/'.length)}` : `Ingress ${logged}`;
  // $msec: when NGINX wrote the line, the request's end
  const time = typeof line.msec === 'number' ? isoTime(line.msec) : new Date().toISOString();
  const controllerIP = book.podIP(INGRESS_NAMESPACE, pod);
  return {
    time, observer: 'ingress', verdict: 'FORWARDED', protocol: 'HTTP',
    source: book.peer(line.remote_addr),
    destination: controllerIP ? book.peer(controllerIP) : { kind: 'pod', ip: '', namespace: INGRESS_NAMESPACE, name: pod },
    http: {
      method: line.method ?? '', host: line.host ?? '', uri: line.uri ?? '', status: line.status,
      ...(route ? { route } : {}),
      ...(line.service ? { service: line.service } : {}),
      upstreams, durationMs: Math.round(Number(line.request_time ?? 0) * 1000 * 10) / 10,
      ...(line.request_id ? { requestId: line.request_id } : {}),
    },
  };
}

export interface FlowFilter {
  /** flows with a pod or Service of this namespace on either side */
  namespace?: string;
  /** flows with this pod (`name` in `namespace`, or `ns/name`; a name prefix) on either side */
  pod?: string;
  /** flows from such a pod (the source) */
  fromPod?: string;
  /** flows to such a pod (where the packet was sent, the endpoint its NAT chose, NGINX's upstreams) */
  toPod?: string;
  /** flows a node recorded (the load balancer's and NGINX's are not a node's) */
  node?: string;
  verdict?: Verdict;
  /** TCP, UDP, ICMP, SCTP, DNS or HTTP */
  protocol?: string;
  /** flows to this Service (`ns/name`, or `name` in `namespace`): the frontend asked for, or the one NGINX proxied to */
  toService?: string;
  /** a port on either side / of the source / where the packet was sent or its NAT sent it */
  port?: number;
  fromPort?: number;
  toPort?: number;
  /** an address or CIDR on either side / of the source / where the packet was sent, its NAT sent it, or NGINX proxied it */
  ip?: string;
  fromIp?: string;
  toIp?: string;
  /** label selectors on a pod of either side / the source / a destination */
  label?: Requirement[];
  fromLabel?: Requirement[];
  toLabel?: Requirement[];
  /** NGINX's requests: the status (`503`) or its class (`5+`), the method, a regular expression on the URI's path (its query left out) */
  httpStatus?: string;
  httpMethod?: string;
  httpPath?: RegExp;
  /** refusals with this Hubble drop reason */
  dropReasonDesc?: DropReasonDesc;
}

const destinations = (f: Flow): Peer[] => [f.destination, ...(f.translatedDestination ? [f.translatedDestination] : []), ...(f.http?.upstreams ?? [])];
const sides = (f: Flow): Peer[] => [f.source, ...destinations(f)];

/** Whether one of `peers` is a pod `spec` names: `ns/name` or `name` in `namespace` (any, when none), the name a prefix as Hubble's. */
function anyPod(peers: readonly Peer[], spec: string, namespace: string | undefined): boolean {
  const [ns, name] = spec.includes('/') ? spec.split('/', 2) as [string, string] : [namespace, spec];
  return peers.some((p) => p.kind === 'pod' && p.name?.startsWith(name) === true && (ns === undefined || p.namespace === ns));
}

/** what `--since`/`--last` ask of the recorded flows */
export interface HistoryWindow {
  /** seconds since the epoch */
  since?: number;
  last?: number;
}

/** a log's lines are in time order but for requests that ended out of order: reading back stops this far before --since */
const OUT_OF_ORDER_S = 5;

/** A flow's time in seconds since the epoch. */
const flowSeconds = (f: Flow) => Date.parse(f.time) / 1000;

/** Whether a recorded flow is at or after `since`; one timed to the second (no fraction) counts from its second. */
export function inWindow(f: Flow, since: number | undefined): boolean {
  if (since === undefined) return true;
  const t = flowSeconds(f);
  return /\.\d+Z$/.test(f.time) ? t >= since : t >= Math.floor(since);
}

/**
 * The flows of one record `--since`/`--last` keep (those the filter keeps):
 * `flows` newest first, consumed only as far as needed: `last` of them, or
 * back to `since` when the record is in time order (a log; not conntrack's
 * table).
 */
export function newestRecorded(flows: Iterable<Flow | undefined>, filter: FlowFilter, window: HistoryWindow, ordered: boolean): Flow[] {
  const kept: Flow[] = [];
  for (const f of flows) {
    if (!f) continue;
    if (ordered && window.since !== undefined && flowSeconds(f) < window.since - OUT_OF_ORDER_S) break;
    if (!inWindow(f, window.since) || !matchesFilter(f, filter)) continue;
    kept.push(f);
    // a table in no order is read whole: its newest may come last (mergeRecorded takes the last N of all)
    if (ordered && window.last !== undefined && kept.length >= window.last) break;
  }
  return kept;
}

/** Every record's kept flows as one history, oldest first (a stable sort: a record's own order stays), the last `last`. */
export function mergeRecorded(records: readonly Flow[][], window: HistoryWindow): Flow[] {
  const all = records.flat().map((f) => ({ f, at: Date.parse(f.time) })).sort((a, b) => a.at - b.at).map(({ f }) => f);
  return window.last !== undefined ? all.slice(-window.last) : all;
}

/** A connection's identity across records: a live event of one the history already showed is not shown again. */
export function connectionKey(f: Flow): string {
  return `${f.observer} ${f.protocol} ${f.source.ip}:${f.source.port ?? ''} ${f.destination.ip}:${f.destination.port ?? ''}`;
}

/** Whether the flow went to the Service `spec` names (`ns/name`, or `name` in `namespace`). */
function toService(f: Flow, spec: string, namespace: string | undefined): boolean {
  const [ns, name] = spec.includes('/') ? spec.split('/', 2) as [string, string] : [namespace, spec];
  const services = [f.service?.service, f.http?.service?.replace(/:\d+$/, '')].filter((s) => s !== undefined);
  return services.some((s) => (ns === undefined ? s.split('/')[1] === name : s === `${ns}/${name}`));
}

/** What one peer must be: a pod (name prefix, in `namespace` when given), labels, an address or CIDR, a port. */
interface PeerSpec { pod?: string; namespace?: string; label?: Requirement[]; ip?: string; port?: number }

function peerMatches(p: Peer, spec: PeerSpec): boolean {
  if (spec.pod !== undefined && !anyPod([p], spec.pod, spec.namespace)) return false;
  if (spec.label !== undefined && !(p.kind === 'pod' && matchesRequirements(spec.label, p.labels ?? {}) && (spec.namespace === undefined || p.namespace === spec.namespace))) return false;
  if (spec.ip !== undefined && !(spec.ip.includes('/') ? inCidr(p.ip, spec.ip) : p.ip === spec.ip)) return false;
  return spec.port === undefined || p.port === spec.port;
}

/** Whether one of `peers` is all `spec` asks (as Hubble's filters of one side apply to one endpoint); no ask: yes. */
function onePeerMatches(peers: readonly Peer[], spec: PeerSpec): boolean {
  const asks = spec.pod !== undefined || spec.label !== undefined || spec.ip !== undefined || spec.port !== undefined;
  return !asks || peers.some((p) => peerMatches(p, spec));
}

function httpMatches(f: Flow, filter: FlowFilter): boolean {
  if (filter.httpStatus === undefined && filter.httpMethod === undefined && filter.httpPath === undefined) return true;
  const h = f.http;
  if (!h) return false;
  const status = String(h.status);
  if (filter.httpStatus !== undefined && (filter.httpStatus.endsWith('+') ? !status.startsWith(filter.httpStatus.slice(0, -1)) : status !== filter.httpStatus)) return false;
  if (filter.httpMethod !== undefined && h.method.toUpperCase() !== filter.httpMethod.toUpperCase()) return false;
  // Hubble matches the path, without the query
  return filter.httpPath === undefined || filter.httpPath.test(h.uri.split('?')[0]!);
}

/**
 * Whether the flow is one the filter keeps. Each side's filters apply to one
 * endpoint, as Hubble builds them: the `--from-*` ones to the source, the
 * `--to-*` ones together to one destination (the address sent to, the
 * endpoint its NAT chose, an upstream NGINX tried); the either-side ones
 * (`--pod`, `-l`, `--ip`, `--port`) together to the source or together to
 * one destination, `-n` binding a pod or label to its namespace.
 */
export function matchesFilter(f: Flow, filter: FlowFilter): boolean {
  if (filter.verdict && f.verdict !== filter.verdict) return false;
  if (filter.dropReasonDesc && f.dropReasonDesc !== filter.dropReasonDesc) return false;
  if (filter.protocol && f.protocol !== filter.protocol.toUpperCase()) return false;
  if (filter.node && f.observer !== filter.node) return false;
  if (filter.toService !== undefined && !toService(f, filter.toService, filter.namespace)) return false;
  if (!httpMatches(f, filter)) return false;
  const ns = filter.namespace;
  const from: PeerSpec = { namespace: ns, pod: filter.fromPod, label: filter.fromLabel, ip: filter.fromIp, port: filter.fromPort };
  const to: PeerSpec = { namespace: ns, pod: filter.toPod, label: filter.toLabel, ip: filter.toIp, port: filter.toPort };
  const either: PeerSpec = { namespace: ns, pod: filter.pod, label: filter.label, ip: filter.ip, port: filter.port };
  // the source's own masquerade address is its, for an address on either side
  const sourceSide = [f.source, ...(f.translatedSource ? [f.translatedSource] : [])];
  if (!onePeerMatches([f.source], from) || !onePeerMatches(destinations(f), to)) return false;
  if (!onePeerMatches(sourceSide, either) && !onePeerMatches(destinations(f), either)) return false;
  if (ns && !filter.pod && !filter.fromPod && !filter.toPod && !filter.label && !filter.fromLabel && !filter.toLabel) {
    const serviceNs = [f.service?.namespace, f.http?.service?.split('/')[0], f.http?.route?.split(' ')[1]?.split('/')[0]];
    if (!sides(f).some((p) => p.kind === 'pod' && p.namespace === ns) && !serviceNs.includes(ns)) return false;
  }
  return true;
}

/** The flow with every address named again by `book` (one that knows a pod the flow's did not). */
export function renamed(f: Flow, book: AddressBook): Flow {
  const again = (p: Peer) => book.peer(p.ip, p.port);
  const out: Flow = { ...f, source: again(f.source) };
  if (f.destination.ip) out.destination = again(f.destination);
  if (f.translatedDestination) out.translatedDestination = again(f.translatedDestination);
  if (f.translatedSource) out.translatedSource = again(f.translatedSource);
  if (f.http) out.http = { ...f.http, upstreams: f.http.upstreams.map(again) };
  return out;
}

/** Whether a flow names an address of the pod network no listed pod has (a pod newer than the names). */
export function namesUnknownPod(f: Flow, book: AddressBook): boolean {
  return sides(f).some((p) => p.kind === 'unknown' && book.podRangeNode(p.ip) !== undefined);
}

/** How a peer is written: a pod by namespace/name, a node, the router, the outside client, the external DNS, else its address. */
export function peerText(p: Peer): string {
  const port = p.port !== undefined ? `:${p.port}` : '';
  switch (p.kind) {
    case 'pod': return `${p.namespace}/${p.name}${port}`;
    case 'node': return `node/${p.node} ${p.ip}${port}`;
    case 'router': return `router ${p.ip}${port}`;
    case 'outside': return `outside ${p.ip}${port}`;
    case 'external-dns': return `external-dns ${p.ip}${port}`;
    default: return `${p.ip}${port}`;
  }
}

/** One line: time, where it was seen, source → destination (its Service) → where NAT sent it, protocol, verdict and why; a DNS exchange with its question and answer; a request with its route and status. */
export function flowText(f: Flow): string {
  // a time known to the second only has no fraction: its place is kept
  const time = f.time.slice(11, 23).replace(/Z$/, '').padEnd(12);
  if (f.http) {
    const h = f.http;
    const to = h.upstreams.length > 0 ? ` → ${h.upstreams.map(peerText).join(', ')}` : '';
    const via = [h.route, h.service ? `svc ${h.service}` : undefined].filter(Boolean).join(' ');
    return `${time} ${f.observer.padEnd(13)} ${peerText(f.source)} → ${h.method} ${h.host}${h.uri}${via ? ` (${via})` : ' (default server)'}${to}  HTTP ${h.status} ${h.durationMs} ms`;
  }
  const service = f.service ? ` (${f.service.type} ${f.service.service})` : '';
  const nat = f.translatedDestination ? ` → ${peerText(f.translatedDestination)}` : '';
  const masq = f.translatedSource ? ` [as ${peerText(f.translatedSource).replace(/:\d+$/, '')}]` : '';
  if (f.dns) {
    const d = f.dns;
    const answer = d.ms === undefined ? d.rcode : `${d.rcode}${d.records.length > 0 ? ` ${d.records.join(', ')}` : ''}${d.fragmented ? ', … (in fragments: the rest not decoded)' : ''}${d.truncated ? ' (truncated)' : ''}  ${d.ms} ms`;
    return `${time} ${f.observer.padEnd(13)} ${peerText(f.source)}${masq} → ${peerText(f.destination)}${service}${nat}  DNS ${d.type}? ${d.query} → ${answer}`;
  }
  const flags = f.tcpFlags ? ` ${tcpFlagsText(f.tcpFlags)}` : '';
  const why = f.reason ? `  ${f.reason}` : '';
  return `${time} ${f.observer.padEnd(13)} ${peerText(f.source)}${masq} → ${peerText(f.destination)}${service}${nat}  ${f.protocol}${flags}  ${f.verdict}${why}`;
}

/** tcpdump's flag letters in Hubble's words: `S` SYN, `S.` SYN-ACK, `F.` FIN-ACK, … */
export function tcpFlagsText(flags: string): string {
  const names: Record<string, string> = { S: 'SYN', F: 'FIN', R: 'RST', P: 'PSH', U: 'URG', E: 'ECE', W: 'CWR', '.': 'ACK' };
  return [...flags].map((c) => names[c]).filter(Boolean).join('-');
}
