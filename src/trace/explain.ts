// `podnet trace`'s reading of the evidence (pure): which layers the request
// crossed (DNS, the cloud load balancer, the ingress controller, a Service,
// the pod), what each one did with it, and, when it failed, the first layer
// that failed and why, in the words of what the user can change (a Service
// without ready pods, a host no Ingress routes, a NetworkPolicy that drops).

import { isIPv4 } from 'node:net';
import { isPodReady } from '../api/pod-helpers.js';
import { matchesServiceSelector } from '../api/labels.js';
import type { EndpointSlice, Ingress, IngressBackend, Pod, Service, ServicePort } from '../api/types.js';
import { externalRecords, HOSTNAME_ANNOTATION } from '../controllers/external-dns.js';
import { parseAnnotations } from '../ingress/annotations.js';
import { servedByUs } from '../ingress/ingress-class.js';
import { inCidr } from '../proxy/ipv4.js';
import type { AccessLine, ClusterView, PolicyDrop, TraceEvidence } from './evidence.js';

export interface TraceReport {
  lines: string[];
  /** an answer came back (from a pod, or NGINX's own redirect) */
  ok: boolean;
  /** one line: where and why it failed */
  failure?: string;
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const INGRESS_NAMESPACE = 'ingress-nginx';
/** the column the layer's text starts at */
const LAYER_WIDTH = 15;
const INDENT = ' '.repeat(5 + LAYER_WIDTH);
/** endpoints listed on a Service line */
const SHOWN_ENDPOINTS = 6;

const key = (o: { metadata: { namespace?: string; name?: string } }) => `${o.metadata.namespace}/${o.metadata.name}`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The lines of the report as they are written, numbered layer by layer. */
class Report {
  readonly lines: string[] = [];
  private layers = 0;

  layer(name: string, text: string): void { this.lines.push(`  ${++this.layers}. ${name.padEnd(LAYER_WIDTH)}${text}`); }
  note(text: string): void { this.lines.push(`${INDENT}${text}`); }
  ok(): TraceReport { return { lines: this.lines, ok: true }; }
  /** a ✗ line with `why`, and the report failed at `where` */
  failed(where: string, why: string, shown = why): TraceReport {
    this.lines.push(`${INDENT}✗ ${shown}`);
    return { lines: this.lines, ok: false, failure: `${where}: ${why}` };
  }
}

function nodeIPs(cluster: ClusterView): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of cluster.nodes) {
    const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    if (ip) out.set(ip, n.metadata.name!);
  }
  return out;
}

function podByIP(cluster: ClusterView, ip: string): Pod | undefined {
  const candidates = cluster.pods.filter((p) => !p.spec.hostNetwork && (p.status?.podIP === ip || p.status?.podIPs?.some((a) => a.ip === ip)));
  return candidates.find((p) => p.status?.phase === 'Running') ?? candidates[0];
}

export function serviceByClusterIP(cluster: ClusterView, ip: string): Service | undefined {
  return cluster.services.find((s) => s.spec.clusterIP === ip || s.spec.clusterIPs?.includes(ip));
}

export function serviceByLbIP(cluster: ClusterView, ip: string): Service | undefined {
  return cluster.services.find((s) => s.spec.type === 'LoadBalancer' && s.status?.loadBalancer?.ingress?.some((i) => i.ip === ip));
}

function serviceByNodePort(cluster: ClusterView, port: number): Service | undefined {
  return cluster.services.find((s) => s.spec.ports?.some((p) => p.nodePort === port && isTCP(p)));
}

/** trace's requests are HTTP over TCP: a UDP port of the same number is another port */
const isTCP = (p: ServicePort) => (p.protocol ?? 'TCP') === 'TCP';

function tcpPort(svc: Service, port: number): ServicePort | undefined {
  return svc.spec.ports?.find((p) => p.port === port && isTCP(p));
}

function portLabel(p: ServicePort): string {
  return `${p.port}${p.name ? ` (${p.name})` : ''}`;
}

function slicesOf(cluster: ClusterView, svc: Service): EndpointSlice[] {
  return cluster.slices.filter((s) => s.metadata.namespace === svc.metadata.namespace && s.metadata.labels?.[SERVICE_NAME_LABEL] === svc.metadata.name);
}

interface EndpointsOf {
  /** "10.244.1.5:8080 (api-7d9c on node-2)" for each ready endpoint */
  ready: string[];
  /** serving but terminating ones: kube-proxy's fallback when none is ready (KEP-1669) */
  terminating: string[];
  /** the pods behind them */
  pods: string[];
  /** the nodes with a ready endpoint */
  nodes: Set<string>;
}

/**
 * The endpoints of one Service port. A slice without that port (a named
 * targetPort no selected pod declares leaves the slice's ports empty) gives
 * kube-proxy no endpoint for it, as upstream.
 */
function endpointsOf(cluster: ClusterView, svc: Service, port: ServicePort | undefined): EndpointsOf {
  const out: EndpointsOf = { ready: [], terminating: [], pods: [], nodes: new Set() };
  for (const slice of slicesOf(cluster, svc)) {
    const sp = port ? slice.ports?.find((p) => (p.name ?? '') === (port.name ?? '')) : slice.ports?.[0];
    if (!sp) continue;
    for (const ep of slice.endpoints) {
      const who = ep.targetRef?.name ? ` (${ep.targetRef.name}${ep.nodeName ? ` on ${ep.nodeName}` : ''})` : '';
      const text = `${ep.addresses[0]}:${sp.port ?? '?'}${who}`;
      if (ep.conditions?.ready !== false) {
        out.ready.push(text);
        if (ep.nodeName) out.nodes.add(ep.nodeName);
      } else if (ep.conditions?.serving && ep.conditions.terminating) out.terminating.push(text);
      else continue;
      if (ep.targetRef?.name) out.pods.push(`${svc.metadata.namespace}/${ep.targetRef.name}`);
    }
  }
  return out;
}

function endpointList(list: string[]): string {
  return list.length > 0 ? `: ${list.slice(0, SHOWN_ENDPOINTS).join(', ')}${list.length > SHOWN_ENDPOINTS ? ', …' : ''}` : '';
}

function podNotReadyReason(pod: Pod): string {
  if (pod.metadata.deletionTimestamp) return 'terminating';
  const phase = pod.status?.phase ?? 'Pending';
  if (phase !== 'Running') {
    const waiting = pod.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting?.reason;
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    return waiting ?? (scheduled ? `unschedulable: ${scheduled.message ?? scheduled.reason ?? ''}` : phase);
  }
  const notReady = (pod.status?.containerStatuses ?? []).filter((c) => !c.ready).map((c) => c.state?.waiting?.reason ? `${c.name}: ${c.state.waiting.reason}` : c.name);
  return notReady.length > 0 ? `not ready (${notReady.join(', ')})` : 'not ready';
}

function declaredPorts(pod: Pod): string {
  const ports = pod.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => `${p.containerPort}${p.name ? `/${p.name}` : ''}`));
  return ports.length > 0 ? `its containers declare ${ports.join(', ')}` : 'its containers declare no ports';
}

/** Why a Service (port) has no ready endpoint, from its selector, the pods it matches and their ports. */
export function noEndpointsReason(cluster: ClusterView, svc: Service, port?: ServicePort): string {
  const ns = svc.metadata.namespace;
  const name = `${ns}/${svc.metadata.name}`;
  if (svc.spec.type === 'ExternalName') return `Service ${name} is an ExternalName (${svc.spec.externalName}): it has no endpoints`;
  const selector = svc.spec.selector;
  if (!selector || Object.keys(selector).length === 0) return `Service ${name} has no selector and no ready endpoint in the EndpointSlices made for it by hand`;
  const sel = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
  const matching = cluster.pods.filter((p) => p.metadata.namespace === ns && matchesServiceSelector(selector, p.metadata.labels ?? {}));
  if (matching.length === 0) {
    const idle = cluster.workloads.filter((w) => w.metadata.namespace === ns && (w.spec?.replicas ?? 1) === 0 && matchesServiceSelector(selector, w.spec?.template?.metadata?.labels ?? {}));
    const hint = idle.length > 0 ? ` (${idle.map((w) => `${w.kind} ${key(w)}`).join(', ')}, whose pods it would select, ${idle.length > 1 ? 'are' : 'is'} scaled to 0)` : '';
    return `Service ${name} has no ready endpoint: no pod in namespace ${ns} matches its selector ${sel}${hint}`;
  }
  const ready = matching.filter((p) => isPodReady(p) && !p.metadata.deletionTimestamp);
  if (ready.length === 0) {
    const listed = matching.slice(0, 4).map((p) => `${p.metadata.name} (${podNotReadyReason(p)})`).join(', ');
    return `Service ${name} has no ready endpoint: ${matching.length} ${matching.length > 1 ? 'pods match' : 'pod matches'} its selector ${sel}, none is Ready: ${listed}`;
  }
  const target = port?.targetPort;
  if (typeof target === 'string' && !ready.some((p) => p.spec.containers.some((c) => c.ports?.some((cp) => cp.name === target)))) {
    return `Service ${name} has no endpoint for port ${portLabel(port!)}: its targetPort ${target} is a port name no selected pod declares (${declaredPorts(ready[0]!)})`;
  }
  return `Service ${name} has no ready endpoint yet: ${ready.length} Ready ${ready.length > 1 ? 'pods match' : 'pod matches'} its selector ${sel}, not yet in its EndpointSlices`;
}

/** The Ingress rules NGINX routes a host by: its own host's, else a wildcard's, else the host-less ones (exact beats wildcard beats none). */
function rulesForHost(ingresses: Ingress[], host: string): { ing: Ingress; host: string; path: string; pathType: string | undefined; backend: IngressBackend }[] {
  const all = ingresses.flatMap((ing) => (ing.spec.rules ?? []).flatMap((rule) => (rule.http?.paths ?? []).map((p) => ({ ing, host: rule.host ?? '', path: p.path ?? '/', pathType: p.pathType, backend: p.backend }))));
  const wildcard = (h: string) => h.startsWith('*.') && host.endsWith(h.slice(1)) && !host.slice(0, host.length - h.length + 1).includes('.');
  for (const matches of [(h: string) => h === host, wildcard, (h: string) => h === '']) {
    const found = all.filter((r) => matches(r.host));
    if (found.length > 0) return found;
  }
  return [];
}

function backendText(ns: string | undefined, b: IngressBackend): string {
  const s = b.service;
  return `${ns}/${s?.name ?? b.resource?.name ?? '?'}${s?.port ? `:${s.port.number ?? s.port.name}` : ''}`;
}

function podLabel(pod: Pod): string {
  return `${key(pod)} on ${pod.spec.nodeName ?? '?'} (${pod.status?.podIP ?? '?'})`;
}

/** What curl's exit code says happened to the connection. */
function connectionFailure(exit: number, error: string, timeoutMs: number): string {
  switch (exit) {
    case 7: return `connection refused or unreachable (${error})`;
    case 28: return `no answer within ${timeoutMs / 1000} s (${error})`;
    case 52: return `the connection closed with no answer (${error})`;
    case 56: return `the connection was reset (${error})`;
    case 35: case 60: return `TLS failed (${error})`;
    default: return `curl exit ${exit}: ${error}`;
  }
}

function dropsText(drops: PolicyDrop[]): string {
  return drops.map((d) => `${d.rule} on ${d.node} (${plural(d.packets, 'packet')})`).join('; ');
}

/**
 * The policy drops that were this request's: the source pod's egress rule
 * and the ingress rules of the pods it may have gone to (other traffic drops
 * at the same moment too, and is left out).
 */
function dropsOf(drops: PolicyDrop[], source: TraceEvidence['source'], targets: string[]): PolicyDrop[] {
  const src = source.pod ? `${source.pod.namespace}/${source.pod.name}` : undefined;
  return drops.filter((d) => (src !== undefined && d.rule.startsWith(`egress from ${src} `)) || targets.some((t) => d.rule.startsWith(`ingress to ${t} `)));
}

/** The address and port the request went to: curl's, else the URL's (an address, or the name's first A record). */
export function destinationOf(e: Pick<TraceEvidence, 'url' | 'curl' | 'dns'>): { ip: string; port: number } {
  const ip = e.curl.remoteIP || (isIPv4(e.url.hostname) ? e.url.hostname : e.dns?.addresses[0] ?? '');
  return { ip, port: e.curl.remotePort || Number(e.url.port || (e.url.protocol === 'https:' ? 443 : 80)) };
}

/** Reads the evidence into the layers the request crossed. */
export function explainTrace(e: TraceEvidence): TraceReport {
  return new Explanation(e).run();
}

class Explanation {
  private readonly r = new Report();
  private readonly cluster: ClusterView;
  private readonly host: string;

  constructor(private readonly e: TraceEvidence) {
    this.cluster = e.cluster;
    this.host = e.url.hostname.replace(/\.$/, '');
  }

  /** a TCP check: a connection, no request */
  private get tcp(): boolean { return this.e.url.protocol === 'tcp:'; }

  /** something answered: an HTTP status, or for a TCP check the connection opened */
  private get gotAnswer(): boolean { return this.e.curl.status > 0 || (this.tcp && this.e.curl.exit === 0); }

  run(): TraceReport {
    const { e, r } = this;
    const from = e.source.kind === 'outside' ? `the outside client (${e.source.ip})` : `pod ${e.source.pod!.namespace}/${e.source.pod!.name} (${e.source.ip} on ${e.source.pod!.node})`;
    r.lines.push(`Trace of ${e.method} ${e.url.href} from ${from}, request id ${e.requestId}:`, '');
    if (e.dns) {
      const failed = this.dns();
      if (failed) return failed;
    }
    const { ip: dst, port } = destinationOf(e);
    const lbSvc = serviceByLbIP(this.cluster, dst);
    const clusterSvc = serviceByClusterIP(this.cluster, dst);
    const node = nodeIPs(this.cluster).get(dst);
    const pod = podByIP(this.cluster, dst);
    if (e.source.kind === 'outside' && (clusterSvc || pod) && !this.gotAnswer) return this.insideOnly(dst, clusterSvc, pod);
    const ingress = (s: Service | undefined) => s?.metadata.namespace === INGRESS_NAMESPACE;
    if (lbSvc) {
      const failed = this.loadBalancer(lbSvc, dst, port);
      if (failed) return failed;
      return ingress(lbSvc) ? this.ingress() : this.service(lbSvc, tcpPort(lbSvc, port), dst, port);
    }
    if (clusterSvc) return ingress(clusterSvc) ? this.ingress() : this.service(clusterSvc, tcpPort(clusterSvc, port), dst, port);
    if (node) return this.nodePort(node, dst, port);
    if (pod) return pod.metadata.namespace === INGRESS_NAMESPACE ? this.ingress() : this.directPod(pod, port);
    r.layer('Destination', `${dst || this.host}:${port} is no pod, Service, node or load-balancer address of the cluster`);
    if (!this.gotAnswer) return r.failed(dst || this.host, connectionFailure(e.curl.exit, e.curl.error, e.timeoutMs));
    r.note(this.tcp ? `accepted the connection in ${e.curl.timeMs} ms` : `answered ${e.curl.status} in ${e.curl.timeMs} ms`);
    return r.ok();
  }

  /** The source pod's object, for its DNS settings. */
  private sourcePod(): Pod | undefined {
    const p = this.e.source.pod;
    return p ? this.cluster.pods.find((x) => x.metadata.namespace === p.namespace && x.metadata.name === p.name) : undefined;
  }

  /** How the source resolves names: the external DNS (outside), the cluster DNS, or (dnsPolicy) the node's resolver. */
  private resolver(server: string): string {
    if (this.e.source.kind === 'outside') return 'the external DNS';
    const clusterDNS = this.cluster.services.find((s) => s.metadata.namespace === 'kube-system' && s.metadata.name === 'kube-dns')?.spec.clusterIP;
    if (!server || !clusterDNS || server === clusterDNS) return 'cluster DNS';
    const pod = this.sourcePod();
    return `not the cluster DNS but ${pod?.spec.dnsPolicy === 'None' ? 'the nameserver of its dnsConfig' : 'the node\'s resolver'} (dnsPolicy ${pod?.spec.dnsPolicy ?? 'ClusterFirst'}${pod?.spec.hostNetwork ? ', hostNetwork' : ''})`;
  }

  /** 1. DNS; a report when the name did not resolve */
  private dns(): TraceReport | undefined {
    const { e, r, host } = this;
    const d = e.dns!;
    if (d.server === '/etc/hosts') {
      r.layer('DNS', `${host} → ${d.addresses.join(', ')} (${e.source.kind === 'pod' ? 'the pod\'s /etc/hosts: its hostAliases or a local name' : 'the outside client\'s /etc/hosts'}; no DNS query)`);
      return undefined;
    }
    const resolver = this.resolver(d.server);
    const where = d.server ? `${resolver} ${d.server}` : resolver;
    const chain = d.cnames.length > 0 ? ` CNAME ${d.cnames.join(' → ')} →` : '';
    if (d.addresses.length === 0) {
      r.layer('DNS', d.rcode === 'timeout' ? `${host}: no answer from ${where}` : `${host}:${chain} ${d.rcode} from ${where}`);
      return r.failed('DNS', this.dnsFailure());
    }
    const via = d.qname !== host ? ` (as ${d.qname}${e.source.kind === 'pod' ? ', through the pod\'s search path' : ''})` : '';
    r.layer('DNS', `${host}${via} →${chain} A ${d.addresses.join(', ')} (${where}${d.ms !== undefined ? `, ${d.ms} ms` : ''})`);
    if (e.source.kind === 'outside') {
      const owner = this.publisherOf();
      if (owner) r.note(`published by podnet's external-dns from ${owner}`);
    }
    return undefined;
  }

  private publisherOf(): string | undefined {
    const ing = this.cluster.ingresses.find((i) => (i.spec.rules ?? []).some((rule) => rule.host === this.host) || (i.spec.tls ?? []).some((t) => t.hosts?.includes(this.host)));
    if (ing) return `Ingress ${key(ing)}`;
    const svc = this.cluster.services.find((s) => (s.metadata.annotations?.[HOSTNAME_ANNOTATION] ?? '').split(',').map((h) => h.trim()).includes(this.host));
    return svc ? `Service ${key(svc)}` : undefined;
  }

  /** Why the name did not resolve, in terms of the objects that would publish it. */
  private dnsFailure(): string {
    const { e, cluster, host } = this;
    const d = e.dns!;
    if (d.rcode === 'timeout') {
      const dropped = dropsOf(e.dnsDrops, e.source, []);
      if (dropped.length > 0) return `the DNS query was dropped by NetworkPolicy: ${dropsText(dropped)}; an egress policy must allow UDP and TCP port 53 to the cluster DNS (kube-system/kube-dns) for names to resolve`;
      return e.source.kind === 'pod' ? 'no DNS server answered: is the cluster DNS running? (podnet get pods -n kube-system)' : 'the external DNS did not answer';
    }
    if (d.cnames.length > 0) return `${d.qname} is a CNAME to ${d.cnames.at(-1)}, which does not resolve (${d.rcode})`;
    if (e.source.kind === 'outside') {
      const ing = cluster.ingresses.find((i) => (i.spec.rules ?? []).some((rule) => rule.host === host));
      if (ing && !servedByUs(ing, cluster.ingressClasses)) return `Ingress ${key(ing)} routes ${host}, but its class ${ing.spec.ingressClassName ?? '(annotation)'} is not served by podnet's controller (class nginx): it gets no address and nothing is published`;
      if (ing) return `Ingress ${key(ing)} routes ${host} but has no load-balancer address yet, so external-dns has not published it`;
      const published = Object.keys(externalRecords(cluster.ingresses, cluster.services));
      return `${d.rcode}: no Ingress rule or annotated LoadBalancer Service names ${host}${published.length > 0 ? ` (published: ${published.slice(0, 8).join(', ')})` : ''}`;
    }
    const pod = this.sourcePod();
    if (this.resolver(d.server) !== 'cluster DNS') {
      const hint = pod?.spec.hostNetwork && (pod.spec.dnsPolicy ?? 'ClusterFirst') === 'ClusterFirst' ? ': a hostNetwork pod needs dnsPolicy ClusterFirstWithHostNet for cluster names' : '';
      return `${d.rcode}: the pod does not ask the cluster DNS (dnsPolicy ${pod?.spec.dnsPolicy ?? 'ClusterFirst'}${pod?.spec.hostNetwork ? ', hostNetwork' : ''}), so cluster names do not resolve there${hint}`;
    }
    // a Service name: NAME, NAME.NS, NAME.NS.svc, NAME.NS.svc.cluster.local
    const labels = host.split('.');
    const name = labels[0]!;
    const namespace = labels.length >= 2 && (labels.length === 2 || labels[2] === 'svc') ? labels[1]! : e.source.pod!.namespace;
    const same = cluster.services.filter((s) => s.metadata.name === name);
    if (labels.length <= 2 || labels[2] === 'svc') {
      if (same.some((s) => s.metadata.namespace === namespace)) {
        if (pod?.spec.dnsPolicy === 'None') return `${d.rcode}: Service ${namespace}/${name} exists, but the pod's own search path (dnsPolicy None: ${(pod.spec.dnsConfig?.searches ?? []).join(', ') || 'no searches'}) does not make ${host} its name: use ${name}.${namespace}.svc.cluster.local`;
        return `${d.rcode}: Service ${namespace}/${name} exists but has no record for this name`;
      }
      const elsewhere = same.map((s) => s.metadata.namespace);
      return `${d.rcode}: no Service ${name} in namespace ${namespace}${elsewhere.length > 0 ? `; there is one in ${elsewhere.join(', ')} (use ${name}.${elsewhere[0]})` : ''}`;
    }
    return `${d.rcode}: ${host} is not a cluster name, and the outside world's DNS does not know it`;
  }

  /** From the outside client, a ClusterIP or a pod IP: only the cluster routes those. */
  private insideOnly(dst: string, svc: Service | undefined, pod: Pod | undefined): TraceReport {
    this.r.layer('Destination', `${dst} is ${svc ? `Service ${key(svc)}'s ClusterIP` : `pod ${key(pod!)}'s IP`}`);
    const why = 'the outside client has no route to ClusterIPs and pod IPs, which only the cluster\'s nodes route: reach it through a LoadBalancer Service or an Ingress (or trace --from a pod)';
    return this.r.failed('the network', why, `${connectionFailure(this.e.curl.exit, this.e.curl.error, this.e.timeoutMs)}: ${why}`);
  }

  /** The load balancer's layer; a report when it stopped the request there. */
  private loadBalancer(svc: Service, dst: string, port: number): TraceReport | undefined {
    const { e, r, cluster } = this;
    const svcPort = tcpPort(svc, port);
    if (!svcPort) {
      r.layer('Load balancer', `${dst}:${port} is Service ${key(svc)}'s address, which has no port ${port} (ports ${(svc.spec.ports ?? []).map(portLabel).join(', ')})`);
      return r.failed('the load balancer', `the load balancer has no listener on port ${port} of ${dst}`);
    }
    const chosen = e.lbChoice ? ` → ${nodeIPs(cluster).get(e.lbChoice.nodeIP) ?? '?'} (${e.lbChoice.nodeIP}:${e.lbChoice.nodePort}, the Service's NodePort)` : '';
    const health = e.lb ? e.lb.targets.map((t) => `${t.node} ${t.inService ? 'in service' : `out (${t.state}${t.detail ? `: ${t.detail}` : ''})`}`).join(', ') : 'no status';
    r.layer('Load balancer', `${dst}:${port} (Service ${key(svc)}, externalTrafficPolicy ${svc.spec.externalTrafficPolicy ?? 'Cluster'})${chosen}`);
    r.note(`health checks: ${health}`);
    const ranges = svc.spec.loadBalancerSourceRanges ?? [];
    if (!this.gotAnswer && ranges.length > 0 && !ranges.some((c) => inCidr(e.source.ip, c))) {
      return r.failed('the load balancer', `the load balancer drops ${e.source.ip}: the Service's loadBalancerSourceRanges (${ranges.join(', ')}) do not include it, as a cloud's security group would`);
    }
    if (!this.gotAnswer && e.lb && !e.lb.targets.some((t) => t.inService)) {
      const eps = endpointsOf(cluster, svc, svcPort);
      // the checks go on while the request waits: their drops show in the counters too
      const dropped = dropsOf(e.drops, e.source, eps.pods);
      const cause = dropped.length > 0 ? `; the checks (from the nodes, through the NodePort) are dropped by NetworkPolicy: ${dropsText(dropped)}: a policy on the backends must allow the nodes' addresses for a cloud LB's health checks (docs/network-policy.md)`
        : eps.ready.length > 0 ? '' : e.lb.externalTrafficPolicy === 'Local'
        ? `; with externalTrafficPolicy Local a node is healthy only with a ready endpoint of its own: ${noEndpointsReason(cluster, svc, svcPort)}`
        : `; every node's NodePort refuses: ${noEndpointsReason(cluster, svc, svcPort)}`;
      return r.failed('the load balancer', `no node passes the load balancer's health check, so it rejects the connection (${health})${cause}`);
    }
    return undefined;
  }

  /** A node's address: the NodePort of a Service, and whether the node may forward it. */
  private nodePort(node: string, dst: string, port: number): TraceReport {
    const { e, r, cluster } = this;
    const svc = serviceByNodePort(cluster, port);
    const svcPort = svc?.spec.ports?.find((p) => p.nodePort === port && isTCP(p));
    r.layer('Node', `${dst}:${port} is node ${node}${svc ? `: the NodePort of Service ${key(svc)} port ${svcPort!.port}` : ', on no Service\'s NodePort'}`);
    if (!svc) {
      if (this.gotAnswer) return this.answered(undefined);
      const why = `no Service has NodePort ${port}`;
      return r.failed(node, why, `${connectionFailure(e.curl.exit, e.curl.error, e.timeoutMs)}: ${why}`);
    }
    if (svc.spec.externalTrafficPolicy === 'Local' && !this.gotAnswer && !endpointsOf(cluster, svc, svcPort).nodes.has(node)) {
      const why = `${node} has no ready endpoint of Service ${key(svc)}: with externalTrafficPolicy Local, kube-proxy drops its NodePort traffic there (forwarding to another node would lose the client's address)`;
      return r.failed(node, why);
    }
    return svc.metadata.namespace === INGRESS_NAMESPACE ? this.ingress() : this.service(svc, svcPort, dst, port);
  }

  /** Where the Service's DNAT sent the connection, and what came back. */
  private service(svc: Service, svcPort: ServicePort | undefined, dst: string, port: number): TraceReport {
    const { e, r, cluster } = this;
    const name = key(svc);
    if (!svcPort) {
      r.layer('Service', `${name} (${dst}) has no port ${port}: its ports are ${(svc.spec.ports ?? []).map(portLabel).join(', ')}`);
      const why = `Service ${name} has no port ${port}`;
      return r.failed('the Service', why, `${connectionFailure(e.curl.exit, e.curl.error, e.timeoutMs)}: ${why}`);
    }
    const eps = endpointsOf(cluster, svc, svcPort);
    const address = svc.spec.clusterIP && svc.spec.clusterIP !== 'None' ? `ClusterIP ${svc.spec.clusterIP}:${svcPort.port}` : 'headless';
    const node = e.source.pod?.node;
    if (svc.spec.internalTrafficPolicy === 'Local' && node && !this.gotAnswer && eps.ready.length > 0 && !eps.nodes.has(node)) {
      r.layer('Service', `${name} ${address} → ${plural(eps.ready.length, 'ready endpoint')}${endpointList(eps.ready)}`);
      return r.failed('the Service', `Service ${name} has internalTrafficPolicy Local and ${node}, the source pod's node, has none of its endpoints: kube-proxy drops the connection there instead of crossing to another node`);
    }
    const fallback = eps.ready.length === 0 && eps.terminating.length > 0;
    r.layer('Service', `${name} ${address} → ${plural(eps.ready.length, 'ready endpoint')}${endpointList(eps.ready)}`);
    if (fallback) r.note(`${plural(eps.terminating.length, 'terminating endpoint')} still serving${endpointList(eps.terminating)}: with none ready, kube-proxy sends new connections to them`);
    const pod = e.dnat ? podByIP(cluster, e.dnat.ip) : undefined;
    if (e.dnat) r.note(`${e.dnat.node}'s nftables DNAT chose ${e.dnat.ip}:${e.dnat.port}${pod ? ` (${pod.metadata.name})` : ''} (its conntrack entry)`);
    if (this.gotAnswer) return this.answered(pod);
    if (eps.ready.length === 0 && !fallback) {
      const why = noEndpointsReason(cluster, svc, svcPort);
      r.note(`✗ ${connectionFailure(e.curl.exit, e.curl.error, e.timeoutMs)}: kube-proxy rejects connections to a Service port without endpoints`);
      return r.failed('the Service', why);
    }
    const base = connectionFailure(e.curl.exit, e.curl.error, e.timeoutMs);
    const dropped = dropsOf(e.drops, e.source, pod ? [key(pod)] : eps.pods);
    if (dropped.length > 0) return r.failed('NetworkPolicy', dropsText(dropped), `${base}: dropped by NetworkPolicy: ${dropsText(dropped)}`);
    const target = svcPort.targetPort ?? svcPort.port;
    if (e.curl.exit !== 7) return r.failed(pod ? `pod ${key(pod)}` : 'the Service', base);
    return r.failed(pod ? `pod ${key(pod)}` : 'the Service', `${pod ? `pod ${pod.metadata.name}` : 'the endpoint'} refused the connection: nothing listens on its targetPort ${target}${pod ? ` (${declaredPorts(pod)})` : ''}`);
  }

  /** A pod reached by its own IP: directly, or through a headless Service's name. */
  private directPod(pod: Pod, port: number): TraceReport {
    const { e, r } = this;
    const headless = e.dns ? headlessServiceOf(this.cluster, e.dns.qname) : undefined;
    const how = headless ? `, reached by its own IP: ${key(headless)} is a headless Service (its name resolves to the pods, no ClusterIP, no DNAT)` : ', reached directly by its IP (no Service)';
    if (this.gotAnswer) return this.answered(pod, how);
    r.layer('Pod', `${podLabel(pod)}${how}`);
    const base = connectionFailure(e.curl.exit, e.curl.error, e.timeoutMs);
    const dropped = dropsOf(e.drops, e.source, [key(pod)]);
    if (dropped.length > 0) return r.failed('NetworkPolicy', dropsText(dropped), `${base}: dropped by NetworkPolicy: ${dropsText(dropped)}`);
    const refused = e.curl.exit === 7 ? `: nothing listens on port ${port} of pod ${pod.metadata.name} (${declaredPorts(pod)})` : '';
    return r.failed(`pod ${key(pod)}`, `${base}${refused}`);
  }

  private answered(pod: Pod | undefined, how = '', own = ''): TraceReport {
    const reply = this.e.reply;
    const who = pod ?? (reply?.podIP ? podByIP(this.cluster, reply.podIP) : undefined);
    const message = reply?.message ? `: "${reply.message}"` : '';
    const what = this.tcp ? 'accepted the connection' : `answered ${this.e.curl.status}`;
    this.r.layer('Pod', `${who ? podLabel(who) : 'a pod'} ${what} in ${this.e.curl.timeMs} ms${message}${own}${how}`);
    if (reply) {
      const forwarded = reply.forwardedFor ? ` with X-Forwarded-For ${reply.forwardedFor}${this.whoIs(reply.forwardedFor.split(',')[0]!.trim())}` : '';
      this.r.note(`it saw the connection from ${reply.clientIP}${this.whoIs(reply.clientIP)}${forwarded}`);
    }
    return this.r.ok();
  }

  /** " (the outside client)", " (node-1: masqueraded)", " (the ingress controller pod)", … for an address a pod saw */
  private whoIs(ip: string): string {
    const { e, cluster } = this;
    if (ip === e.source.ip) return e.source.kind === 'outside' ? ' (the outside client)' : ' (the source pod)';
    const node = nodeIPs(cluster).get(ip);
    if (node) return ` (${node}: the source was masqueraded to its node)`;
    const pod = podByIP(cluster, ip);
    if (pod) return pod.metadata.namespace === INGRESS_NAMESPACE ? ' (the ingress controller pod)' : ` (pod ${key(pod)})`;
    return '';
  }

  /** The ingress controller's part: its access-log line, then the Service and pod it chose. */
  private ingress(): TraceReport {
    const { e, r, cluster, host } = this;
    const a = e.access;
    const nginx = `NGINX (${e.ingressPod ?? 'the ingress controller'})`;
    if (!this.gotAnswer) {
      r.layer('Ingress', `${nginx} gave no answer`);
      const base = connectionFailure(e.curl.exit, e.curl.error, e.timeoutMs);
      // NGINX still waits on the backend: the pods of the Services the host's rules route to
      const targets = rulesForHost(cluster.ingresses, host).flatMap((rule) => {
        const svc = cluster.services.find((s) => s.metadata.namespace === rule.ing.metadata.namespace && s.metadata.name === rule.backend.service?.name);
        return svc ? endpointsOf(cluster, svc, undefined).pods : [];
      });
      const dropped = dropsOf(e.drops, e.source, targets);
      if (dropped.length > 0) return r.failed('NetworkPolicy', `NGINX's connection to the backend was dropped: ${dropsText(dropped)}`, `${base}: NGINX's connection to the backend was dropped by NetworkPolicy: ${dropsText(dropped)}`);
      const rules = rulesForHost(cluster.ingresses, host);
      if (rules.length > 0 && e.curl.exit === 28 && !this.tcp) {
        const read = Math.max(...rules.map((x) => parseAnnotations(x.ing.metadata.annotations).options.proxyReadTimeoutS));
        const backends = [...new Set(rules.map((x) => backendText(x.ing.metadata.namespace, x.backend)))].join(', ');
        return r.failed('the backend', `NGINX was still waiting for the backend (${backends}): no policy dropped anything, and NGINX waits up to its proxy-read-timeout (${read} s) for a pod that accepted the connection without answering; trace the Service --from a pod to see the pod itself`, `${base}: NGINX was still waiting for the backend (${backends}) after ${e.timeoutMs / 1000} s; it waits up to its proxy-read-timeout (${read} s)`);
      }
      return r.failed('the ingress controller', base);
    }
    if (this.tcp) {
      r.layer('Ingress', `${nginx} accepted the connection in ${e.curl.timeMs} ms (a TCP check sends no request, so no Ingress rule is chosen)`);
      return r.ok();
    }
    if (!a?.ingress) return this.defaultServer(nginx);
    const ing = cluster.ingresses.find((i) => key(i) === a.ingress);
    // the rule NGINX matched: its path, and the Service the log names (one path may be there as Exact and as Prefix)
    const loggedName = a.service.split('/')[1]?.split(':')[0];
    const candidates = ing ? rulesForHost([ing], host).filter((x) => x.path === a.rule_path) : [];
    const rule = candidates.find((x) => x.backend.service?.name === loggedName) ?? candidates[0];
    const backend = a.service || (rule ? backendText(ing!.metadata.namespace, rule.backend) : '?');
    r.layer('Ingress', `${nginx} matched host ${a.rule_host || '*'} path ${a.rule_path} of Ingress ${a.ingress} → ${backend}; saw the client as ${a.remote_addr}`);
    const tls = e.url.protocol === 'https:' ? cluster.ingresses.flatMap((i) => (i.spec.tls ?? []).filter((t) => t.hosts?.includes(host)).map((t) => `${i.metadata.namespace}/${t.secretName}`))[0] : undefined;
    if (tls) {
      r.note(cluster.secretNames.includes(tls) ? `TLS terminated by NGINX with the certificate of Secret ${tls} (chosen by SNI ${host})`
        : `TLS terminated by NGINX with its default self-signed certificate: Secret ${tls}, which the Ingress names for ${host}, does not exist`);
    }
    const upstreams = a.upstream_addr.split(/, | : /).filter(Boolean);
    if (upstreams.length === 0 && a.status === 403 && ing) {
      const ranges = ing.metadata.annotations?.['nginx.ingress.kubernetes.io/allowlist-source-range'] ?? ing.metadata.annotations?.['nginx.ingress.kubernetes.io/whitelist-source-range'];
      if (ranges) return r.failed('the ingress', `NGINX refused the client ${a.remote_addr} (403): Ingress ${a.ingress} allows only ${ranges} (its allowlist-source-range annotation)`);
    }
    if (upstreams.length === 0 && a.status !== 503 && a.status !== 502) {
      const redirect = a.status === 308 || a.status === 301;
      r.note(redirect ? `NGINX redirected it to HTTPS (${a.status}): host ${a.rule_host} has TLS, and plain HTTP is redirected as ingress-nginx does; trace https://${host}${e.url.pathname} follows it` : `NGINX answered ${a.status} itself, without an upstream`);
      return r.ok();
    }
    const svc = this.backendService(a, rule?.backend, ing?.metadata.namespace);
    if (typeof svc === 'string') {
      r.layer('Service', `${backend}: NGINX has no upstream for it, its own ${a.status} server answered`);
      return r.failed('the Service', svc);
    }
    const last = upstreams.at(-1) ?? '';
    if (last.startsWith('unix:') || upstreams.length === 0) {
      r.layer('Service', `${backend}: NGINX's balancer had no ready pod, its own 503 server answered`);
      return r.failed('the Service', noEndpointsReason(cluster, svc, this.servicePortOf(svc, rule?.backend)));
    }
    const eps = endpointsOf(cluster, svc, this.servicePortOf(svc, rule?.backend));
    const svcPortText = a.service.split(':')[1];
    const address = svc.spec.clusterIP && svc.spec.clusterIP !== 'None' ? ` ClusterIP ${svc.spec.clusterIP}${svcPortText ? `:${svcPortText}` : ''}` : '';
    r.layer('Service', `${key(svc)}${address} → ${plural(eps.ready.length, 'ready endpoint')}${endpointList(eps.ready)}`);
    const tried = upstreams.map((u) => {
      const ip = u.split(':')[0]!;
      if (ip === svc.spec.clusterIP) return `the ClusterIP ${u} (after the pods failed, podnet's controller tries the Service's ClusterIP)`;
      const p = podByIP(cluster, ip);
      return `${u}${p ? ` (${p.metadata.name})` : ''}`;
    });
    r.note(`NGINX's balancer sent it to ${tried.join(', then ')} (pod IPs, as ingress-nginx; upstream status ${a.upstream_status || '-'})`);
    const lastIP = last.split(':')[0]!;
    const pod = podByIP(cluster, lastIP);
    if (lastIP === svc.spec.clusterIP && e.reply?.podIP) r.note(`the node's nftables DNAT chose ${e.reply.podIP} behind the ClusterIP`);
    // a 502/503/504 with bytes from the upstream is the backend's own answer, passed through
    const bytes = (a.upstream_bytes_received ?? '').split(/, | : /).at(-1) ?? '';
    const backendAnswered = Number(bytes) > 0;
    if ((a.status === 502 || a.status === 504) && !backendAnswered) return this.upstreamFailed(a, upstreams, svc, ing);
    return this.answered(pod, '', a.status >= 500 ? ' (its own answer: NGINX passed it through)' : '');
  }

  /** The backend Service NGINX routed to, or why there is none: it does not exist, or has no such port. */
  private backendService(a: AccessLine, backend: IngressBackend | undefined, ns: string | undefined): Service | string {
    const name = a.service ? a.service.split('/')[1]!.split(':')[0]! : backend?.service?.name;
    const namespace = a.service ? a.service.split('/')[0]! : ns;
    const svc = this.cluster.services.find((s) => s.metadata.namespace === namespace && s.metadata.name === name);
    if (!svc) return `Service ${namespace}/${name ?? '?'} does not exist (the Ingress's backend)`;
    // the access log's "ns/name:port" is what NGINX used; the rule's port only when the log has none
    const logged = a.service.split(':')[1];
    const want = logged ? (/^\d+$/.test(logged) ? { number: Number(logged) } : { name: logged }) : backend?.service?.port;
    if (want && !svc.spec.ports?.some((p) => (want.number !== undefined ? p.port === want.number : p.name === want.name))) {
      return `Service ${key(svc)} has no port ${want.number ?? want.name} (the Ingress's backend port; its ports are ${(svc.spec.ports ?? []).map(portLabel).join(', ')})`;
    }
    return svc;
  }

  private servicePortOf(svc: Service, backend: IngressBackend | undefined): ServicePort | undefined {
    const want = backend?.service?.port;
    return svc.spec.ports?.find((p) => (want?.number !== undefined ? p.port === want.number : want?.name !== undefined ? p.name === want.name : true));
  }

  /** NGINX's own 502 or 504: every upstream it tried refused, reset or was too slow. */
  private upstreamFailed(a: AccessLine, upstreams: string[], svc: Service, ing: Ingress | undefined): TraceReport {
    const { r, cluster } = this;
    const pods = upstreams.map((u) => podByIP(cluster, u.split(':')[0]!)).filter((p): p is Pod => p !== undefined);
    const last = pods.at(-1);
    r.layer('Pod', last ? `${podLabel(last)}${pods.length > 1 ? ` and ${plural(pods.length - 1, 'other')}` : ''}` : upstreams.join(', '));
    const names = pods.map((p) => p.metadata.name).join(', ') || upstreams.join(', ');
    if (a.status === 504) {
      const timeout = parseAnnotations(ing?.metadata.annotations).options.proxyReadTimeoutS;
      return r.failed('the pod', `${names} did not answer within NGINX's proxy-read-timeout (${timeout} s${ing?.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-read-timeout'] ? ', the Ingress\'s annotation' : ', the default'}): NGINX answered 504`);
    }
    const port = upstreams[0]?.split(':')[1];
    if (parseAnnotations(ing?.metadata.annotations).options.backendProtocol === 'HTTPS') {
      return r.failed('the pod', `${names} failed NGINX's connection on port ${port}: the Ingress's backend-protocol is HTTPS, so NGINX speaks TLS to the pod, and a pod serving plain HTTP fails the handshake (NGINX's error.log: SSL_do_handshake() failed): NGINX answered 502`);
    }
    const declared = last ? ` (${declaredPorts(last)})` : '';
    return r.failed('the pod', `${names} refused or reset the connection on port ${port}, the targetPort of ${key(svc)}${declared}: NGINX answered 502`);
  }

  /** NGINX's default server answered: no rule for the host, no rule for the path, or HTTPS to a host without TLS. */
  private defaultServer(nginx: string): TraceReport {
    const { e, r, cluster, host } = this;
    r.layer('Ingress', `${nginx} answered ${e.curl.status} from its default server`);
    const rules = rulesForHost(cluster.ingresses, host);
    if (rules.length === 0) {
      const hosts = [...new Set(cluster.ingresses.flatMap((i) => (i.spec.rules ?? []).map((rule) => rule.host ?? '*')))];
      return r.failed('the ingress', `no Ingress has a rule for host ${host}${hosts.length > 0 ? ` (hosts with rules: ${hosts.join(', ')})` : ' (the cluster has no Ingress)'}`);
    }
    const tls = cluster.ingresses.some((i) => (i.spec.tls ?? []).some((t) => t.hosts?.includes(host)));
    if (e.url.protocol === 'https:' && !tls && rules.some((x) => x.host === host)) {
      return r.failed('the ingress', `host ${host} has no TLS section in any Ingress: podnet's NGINX serves it on HTTP only, so HTTPS meets the default server (ingress-nginx would serve it with its default certificate)`);
    }
    const listed = rules.map((x) => `${x.host || '*'} ${x.path} (${x.pathType}) → ${backendText(x.ing.metadata.namespace, x.backend)} (Ingress ${key(x.ing)})`);
    return r.failed('the ingress', `no rule of host ${host} matches path ${e.url.pathname}: ${listed.join('; ')}`);
  }
}

/** The headless Service a DNS name (SVC.NS.svc.… or POD.SVC.NS.svc.…) belongs to. */
function headlessServiceOf(cluster: ClusterView, qname: string): Service | undefined {
  const labels = qname.split('.');
  const at = labels.indexOf('svc');
  if (at < 2) return undefined;
  const [name, ns] = [labels[at - 2], labels[at - 1]];
  return cluster.services.find((s) => s.metadata.name === name && s.metadata.namespace === ns && s.spec.clusterIP === 'None');
}
