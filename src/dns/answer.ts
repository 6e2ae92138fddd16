// The cluster DNS answer: a pure function of the index and one question,
// following the Kubernetes DNS-Based Service Discovery specification, schema
// 1.1.0 (github.com/kubernetes/dns/blob/master/docs/specification.md; "spec §"
// below). Shaped like CoreDNS's kubernetes plugin: resolve the name to what
// exists there, then one switch on the query type. NXDOMAIN (the name does not
// exist) and NODATA (it exists, not with that type) stay distinct, both with
// the zone's SOA in the authority section (RFC 2308 §3); SERVFAIL, never
// NXDOMAIN, until the index has synced.

import { CLUSTER_DNS_SERVICE, CLUSTER_DOMAIN, POD_NETWORK, SERVICE_NETWORK } from '../config.js';
import type { DnsEndpoint, DnsIndex, DnsPort, DnsService } from './cluster-records.js';
import { dashedIp, foldCase, inZone, ipFromReverse, isReversePrefix, labelsBelow, reverseZonesForCidr, trimDot, undashIp } from './names.js';
import type { DnsAnswer, DnsQuestion, Rcode, Rr } from './records.js';
import net from 'node:net';

/** spec §2.2: the schema version this server implements */
export const SCHEMA_VERSION = '1.1.0';
export const DEFAULT_TTL = 5;
/** SOA timers as CoreDNS's kubernetes plugin sets them (refresh, retry, expire); minimum = ttl */
const SOA_REFRESH = 7200;
const SOA_RETRY = 1800;
const SOA_EXPIRE = 86400;
/** how many in-cluster CNAME hops we follow (ExternalName → another Service ...) */
const MAX_CHASE = 8;

export type PodMode = 'insecure' | 'verified' | 'disabled';

export interface ClusterDnsOptions {
  zone: string;
  ttl: number;
  /** in-addr.arpa zones we answer PTR for; everything else in-addr.arpa is forwarded */
  reverseZones: readonly string[];
  /** CoreDNS `pods` option: insecure answers any dashed IP, verified only IPs of pods in that namespace */
  podMode: PodMode;
  /** the Service whose ClusterIP is the address of ns.dns.<zone> (the NS target) */
  dnsService: { namespace: string; name: string };
}

export const DEFAULT_CLUSTER_DNS_OPTIONS: ClusterDnsOptions = {
  zone: CLUSTER_DOMAIN,
  ttl: DEFAULT_TTL,
  reverseZones: [...reverseZonesForCidr(SERVICE_NETWORK), ...reverseZonesForCidr(POD_NETWORK)],
  podMode: 'insecure',
  dnsService: CLUSTER_DNS_SERVICE,
};

/** The zone (case-folded) that serves `name`, or undefined when the name must be forwarded. */
export function servingZone(name: string, options: ClusterDnsOptions): string | undefined {
  const n = foldCase(trimDot(name));
  if (inZone(n, options.zone)) return options.zone;
  if (!n.endsWith('in-addr.arpa')) return undefined;
  return options.reverseZones.find((z) => inZone(n, z));
}

/** What exists at a name. `undefined` from resolveName means NXDOMAIN. */
type Node =
  | { kind: 'apex'; zone: string }
  | { kind: 'empty' }
  | { kind: 'version' }
  | { kind: 'nameserver' }
  | { kind: 'service'; svc: DnsService }
  | { kind: 'port'; svc: DnsService; ports: DnsPort[] }
  | { kind: 'endpoint'; svc: DnsService; endpoints: DnsEndpoint[] }
  | { kind: 'pod'; ip: string }
  | { kind: 'reverse'; targets: string[] };

export function soaRecord(zone: string, options: ClusterDnsOptions, serial: number): Rr {
  return {
    name: zone, type: 'SOA', class: 'IN', ttl: options.ttl,
    data: { mname: `ns.dns.${options.zone}`, rname: `hostmaster.${options.zone}`, serial, refresh: SOA_REFRESH, retry: SOA_RETRY, expire: SOA_EXPIRE, minimum: options.ttl },
  };
}

/** Answers one question for the cluster zone or one of the reverse zones. */
export function answer(index: DnsIndex, question: DnsQuestion, options: ClusterDnsOptions = DEFAULT_CLUSTER_DNS_OPTIONS): DnsAnswer {
  return answerChasing(index, question, options, new Set());
}

/** `seen`: the names this answer's CNAME chain already passed through (a loop ends there). */
function answerChasing(index: DnsIndex, question: DnsQuestion, options: ClusterDnsOptions, seen: Set<string>): DnsAnswer {
  const owner = trimDot(question.name);
  const name = foldCase(owner);
  seen.add(name);
  const zone = servingZone(name, options);
  if (zone === undefined) return result('REFUSED', false);
  if (question.class !== 'IN' && question.class !== 'ANY') return result('REFUSED', false);
  // CoreDNS: "SERVFAIL until synced", so clients retry instead of caching a wrong NXDOMAIN.
  if (!index.synced()) return result('SERVFAIL', false);
  const soa = soaRecord(zone, options, index.serial());
  const node = zone === options.zone ? resolveClusterName(index, name, options) : resolveReverseName(index, name, zone, options);
  if (!node) return result('NXDOMAIN', true, [], [soa]);

  const ttl = options.ttl;
  const rr = (type: string, data: unknown, at = owner): Rr => ({ name: at, type, class: 'IN', ttl, data });

  // spec §2.5: an ExternalName Service is a CNAME whatever the type asked.
  if (node.kind === 'service' && node.svc.kind === 'ExternalName' && question.type !== 'CNAME') {
    const cname = rr('CNAME', node.svc.externalName);
    const target = node.svc.externalName;
    if (servingZone(target, options) === undefined) {
      return { ...result('NOERROR', true, [cname]), chase: { name: target, type: question.type, class: question.class } };
    }
    // A target we serve is never forwarded (the upstream does not know our zones,
    // and must not learn cluster names). A chain that loops or runs past
    // MAX_CHASE ends with the CNAMEs so far, as CoreDNS's DuplicateCNAME check does.
    if (seen.has(foldCase(trimDot(target))) || seen.size > MAX_CHASE) return result('NOERROR', true, [cname]);
    const next = answerChasing(index, { ...question, name: target }, options, seen);
    return { ...next, answers: [cname, ...next.answers] };
  }

  const answers: Rr[] = [];
  const additionals: Rr[] = [];
  switch (question.type) {
    case 'A': case 'AAAA':
      for (const ip of addresses(index, node, options, question.type === 'AAAA' ? 6 : 4)) answers.push(rr(question.type, ip));
      break;
    case 'ANY': // RFC 8482 allows a subset; we give the addresses and the TXT, which is all most names have
      for (const ip of addresses(index, node, options, 4)) answers.push(rr('A', ip));
      for (const ip of addresses(index, node, options, 6)) answers.push(rr('AAAA', ip));
      if (node.kind === 'version') answers.push(rr('TXT', [SCHEMA_VERSION]));
      break;
    case 'SRV':
      for (const s of srv(index, node, options)) {
        answers.push(rr('SRV', { priority: 0, weight: s.weight, port: s.port, target: s.target }));
        for (const ip of s.ips) additionals.push(rr(net.isIPv6(ip) ? 'AAAA' : 'A', ip, s.target));
      }
      break;
    case 'PTR':
      if (node.kind === 'reverse') for (const t of node.targets) answers.push(rr('PTR', t));
      break;
    case 'TXT':
      if (node.kind === 'version') answers.push(rr('TXT', [SCHEMA_VERSION]));
      break;
    case 'SOA':
      if (node.kind === 'apex') answers.push({ ...soa, name: owner });
      break;
    case 'NS':
      if (node.kind === 'apex') {
        answers.push(rr('NS', `ns.dns.${options.zone}`));
        for (const ip of dnsServiceIPs(index, options)) additionals.push(rr(net.isIPv6(ip) ? 'AAAA' : 'A', ip, `ns.dns.${options.zone}`));
      }
      break;
    case 'CNAME':
      if (node.kind === 'service' && node.svc.kind === 'ExternalName') answers.push(rr('CNAME', node.svc.externalName));
      break;
    default:
      break;
  }
  // NODATA (RFC 2308 §2.2): NOERROR, no answers, SOA in authority.
  return answers.length ? result('NOERROR', true, answers, [], dedupe(additionals)) : result('NOERROR', true, [], [soa]);
}

function result(rcode: Rcode, authoritative: boolean, answers: Rr[] = [], authority: Rr[] = [], additionals: Rr[] = []): DnsAnswer {
  return { rcode, authoritative, answers, authority, additionals };
}

function dedupe(rrs: Rr[]): Rr[] {
  const seen = new Set<string>();
  return rrs.filter((r) => {
    const k = `${r.name}|${r.type}|${String(r.data)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** spec §2.3.2 / §2.4.2: headless Services list ready endpoints, and not-ready ones too when publishNotReadyAddresses is set. */
function published(svc: DnsService, endpoints: readonly DnsEndpoint[]): DnsEndpoint[] {
  return svc.publishNotReadyAddresses ? endpoints.slice() : endpoints.filter((e) => e.ready);
}

/** published(svc, endpoints).length > 0, without building the list */
function hasPublished(svc: DnsService, endpoints: readonly DnsEndpoint[]): boolean {
  return svc.publishNotReadyAddresses ? endpoints.length > 0 : endpoints.some((e) => e.ready);
}

/** spec §2.4.1: an endpoint's name is its hostname, else a unique name we choose — CoreDNS uses the dashed IP. */
function endpointLabel(ep: DnsEndpoint): string {
  return ep.hostname ?? dashedIp(ep.ip);
}

function serviceName(svc: DnsService, options: ClusterDnsOptions): string {
  return `${svc.name}.${svc.namespace}.svc.${options.zone}`;
}

function dnsServiceIPs(index: DnsIndex, options: ClusterDnsOptions): readonly string[] {
  return index.service(options.dnsService.namespace, options.dnsService.name)?.ips ?? [];
}

function family(ip: string): 4 | 6 {
  return ip.includes(':') ? 6 : 4;
}

function addresses(index: DnsIndex, node: Node, options: ClusterDnsOptions, fam: 4 | 6): string[] {
  switch (node.kind) {
    case 'service':
      if (node.svc.kind === 'ClusterIP') return node.svc.ips.filter((ip) => family(ip) === fam);
      if (node.svc.kind === 'Headless') return published(node.svc, index.endpoints(node.svc.namespace, node.svc.name)).map((e) => e.ip).filter((ip) => family(ip) === fam);
      return [];
    case 'endpoint': return node.endpoints.map((e) => e.ip).filter((ip) => family(ip) === fam);
    case 'pod': return family(node.ip) === fam ? [node.ip] : [];
    case 'nameserver': return dnsServiceIPs(index, options).filter((ip) => family(ip) === fam);
    default: return [];
  }
}

interface SrvTarget { port: number; target: string; weight: number; ips: string[] }

/** spec §2.3.3 (ClusterIP: target the Service name) and §2.4.3 (headless: one per endpoint, target its name). */
function srv(index: DnsIndex, node: Node, options: ClusterDnsOptions): SrvTarget[] {
  if (node.kind !== 'service' && node.kind !== 'port') return [];
  const svc = node.svc;
  // A plain `<svc>.<ns>.svc` SRV query lists every port, as CoreDNS does; `_port._proto.` names one.
  const wanted = node.kind === 'port' ? node.ports : svc.ports;
  const out: SrvTarget[] = [];
  if (svc.kind === 'ClusterIP' || svc.kind === 'ExternalName') {
    const target = svc.kind === 'ClusterIP' ? serviceName(svc, options) : svc.externalName;
    for (const p of wanted) out.push({ port: p.port, target, weight: 0, ips: svc.kind === 'ClusterIP' ? svc.ips.slice() : [] });
  } else {
    for (const ep of published(svc, index.endpoints(svc.namespace, svc.name))) {
      for (const p of wanted) {
        // The endpoint's own port number for that port name and protocol (the slice carries the target port).
        const epPort = ep.ports.find((q) => q.name === p.name && q.protocol === p.protocol);
        if (!epPort) continue;
        out.push({ port: epPort.port, target: `${endpointLabel(ep)}.${serviceName(svc, options)}`, weight: 0, ips: [ep.ip] });
      }
    }
  }
  // Equal weights summing to ~100, as CoreDNS computes them.
  const weight = out.length ? Math.max(1, Math.floor(100 / out.length)) : 0;
  for (const s of out) s.weight = weight;
  return out;
}

/** Maps a case-folded name inside the cluster zone to what exists there (spec §2.1–§2.5). */
function resolveClusterName(index: DnsIndex, name: string, options: ClusterDnsOptions): Node | undefined {
  const labels = labelsBelow(name, options.zone);
  const n = labels.length;
  if (n === 0) return { kind: 'apex', zone: options.zone };
  const last = labels[n - 1];
  if (n === 1) {
    if (last === 'dns-version') return { kind: 'version' };
    return last === 'svc' || last === 'pod' || last === 'dns' ? { kind: 'empty' } : undefined;
  }
  if (last === 'dns') return n === 2 && labels[0] === 'ns' ? { kind: 'nameserver' } : undefined;
  const ns = labels[n - 2]!;
  if (last === 'pod') {
    if (!index.namespaceExists(ns)) return undefined;
    if (n === 2) return { kind: 'empty' };
    if (n !== 3 || options.podMode === 'disabled') return undefined;
    const ip = undashIp(labels[0]!);
    if (!ip) return undefined;
    if (options.podMode === 'verified' && !index.podExists(ns, ip)) return undefined;
    return { kind: 'pod', ip };
  }
  if (last !== 'svc') return undefined;
  if (n === 2) return index.namespaceExists(ns) ? { kind: 'empty' } : undefined;
  const svc = index.service(ns, labels[n - 3]!);
  if (!svc) return undefined;
  // spec §2.4.1 (NXDOMAIN since schema 1.0.1, kubernetes/dns#245): a headless
  // Service with no ready (published) endpoints has no name, so every type is
  // NXDOMAIN there and below (its _port._proto SRV names), as CoreDNS's
  // findServices answers (coredns#1814). RFC 8020: nothing exists below an
  // NXDOMAIN name, and there are no endpoint names to contradict that.
  if (svc.kind === 'Headless' && !hasPublished(svc, index.endpoints(ns, svc.name))) return undefined;
  if (n === 3) return { kind: 'service', svc };
  const first = labels[0]!;
  if (first.startsWith('_')) {
    // _<port>._<proto>.<svc>.<ns>.svc (spec §2.3.3), and _<proto>.<svc>... as its empty non-terminal.
    if (n === 5 && labels[1]!.startsWith('_')) {
      const port = first.slice(1);
      const proto = labels[1]!.slice(1);
      const ports = svc.ports.filter((p) => p.name !== '' && p.name === port && p.protocol === proto);
      return ports.length ? { kind: 'port', svc, ports } : undefined;
    }
    if (n === 4) return svc.ports.some((p) => p.name !== '' && p.protocol === first.slice(1)) ? { kind: 'empty' } : undefined;
    return undefined;
  }
  // <hostname>.<svc>.<ns>.svc (spec §2.4.1 names them for headless Services;
  // CoreDNS's findServices answers an endpoint name under any Service with
  // endpoints, ClusterIP ones too, and so does podnet: what kind users see).
  if (n === 4 && svc.kind !== 'ExternalName') {
    const endpoints = published(svc, index.endpoints(ns, svc.name)).filter((e) => endpointLabel(e) === first);
    return endpoints.length ? { kind: 'endpoint', svc, endpoints } : undefined;
  }
  return undefined;
}

/**
 * spec §2.3.4 / §2.4.4: PTR for ClusterIPs and for endpoints (hostname, else
 * the dashed IP). The spec names headless endpoints; CoreDNS's
 * serviceRecordForIP answers for the endpoints of every Service, as podnet does.
 */
function resolveReverseName(index: DnsIndex, name: string, zone: string, options: ClusterDnsOptions): Node | undefined {
  if (name === zone) return { kind: 'apex', zone };
  const ip = ipFromReverse(name);
  if (!ip) return isReversePrefix(name) ? { kind: 'empty' } : undefined;
  const targets = new Set<string>();
  for (const svc of index.servicesByIP(ip)) if (svc.kind === 'ClusterIP') targets.add(serviceName(svc, options));
  for (const { service, endpoint } of index.endpointsByIP(ip)) {
    if (service.kind === 'ExternalName' || !(endpoint.ready || service.publishNotReadyAddresses)) continue;
    targets.add(`${endpointLabel(endpoint)}.${serviceName(service, options)}`);
  }
  return targets.size ? { kind: 'reverse', targets: [...targets] } : undefined;
}
