// `podnet trace`'s reading of the evidence (pure): which layers the request
// crossed (DNS, the cloud load balancer, the ingress controller, a Service,
// the pod), what each one did with it, and, when it failed, the first layer
// that failed and why, in the words of what the user can change (a Service
// without ready pods, a host no Ingress routes, a NetworkPolicy that drops).

import { isIPv4 } from 'node:net';
import { isPodReady } from '../api/pod-helpers.js';
import { matchesServiceSelector } from '../api/labels.js';
import type { EndpointSlice, Ingress, Pod, Service, ServicePort } from '../api/types.js';
import { externalRecords } from '../controllers/external-dns.js';
import type { ClusterView, TraceEvidence } from './evidence.js';

export interface TraceReport {
  lines: string[];
  /** an answer came back from a pod (any HTTP status) */
  ok: boolean;
  /** one line: where and why it failed */
  failure?: string;
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const INGRESS_NAMESPACE = 'ingress-nginx';
/** the column the layer's text starts at */
const LAYER_WIDTH = 15;

const key = (o: { metadata: { namespace?: string; name?: string } }) => `${o.metadata.namespace}/${o.metadata.name}`;

function layerLine(n: number, layer: string, text: string): string {
  return `  ${n}. ${layer.padEnd(LAYER_WIDTH)}${text}`;
}
const more = (text: string) => `${' '.repeat(5 + LAYER_WIDTH)}${text}`;
const fail = (text: string) => `${' '.repeat(5 + LAYER_WIDTH)}✗ ${text}`;

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
  return cluster.services.find((s) => s.spec.ports?.some((p) => p.nodePort === port));
}

function portLabel(p: ServicePort): string {
  return `${p.port}${p.name ? ` (${p.name})` : ''}`;
}

function slicesOf(cluster: ClusterView, svc: Service): EndpointSlice[] {
  return cluster.slices.filter((s) => s.metadata.namespace === svc.metadata.namespace && s.metadata.labels?.[SERVICE_NAME_LABEL] === svc.metadata.name);
}

/** "10.244.1.5:8080 (api-7d9c on node-2)" for each ready endpoint of the Service port */
function readyEndpoints(cluster: ClusterView, svc: Service, port: ServicePort | undefined): string[] {
  const out: string[] = [];
  for (const slice of slicesOf(cluster, svc)) {
    const sp = slice.ports?.find((p) => (p.name ?? '') === (port?.name ?? '')) ?? slice.ports?.[0];
    for (const ep of slice.endpoints) {
      if (ep.conditions?.ready === false) continue;
      const who = ep.targetRef?.name ? ` (${ep.targetRef.name}${ep.nodeName ? ` on ${ep.nodeName}` : ''})` : '';
      out.push(`${ep.addresses[0]}:${sp?.port ?? '?'}${who}`);
    }
  }
  return out;
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

/** Why a Service has no ready endpoint, from its selector and the pods it matches. */
export function noEndpointsReason(cluster: ClusterView, svc: Service): string {
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
    return `Service ${name} has no ready endpoint: ${matching.length} pod${matching.length > 1 ? 's match' : ' matches'} its selector ${sel}, none is Ready: ${matching.slice(0, 4).map((p) => `${p.metadata.name} (${podNotReadyReason(p)})`).join(', ')}`;
  }
  return `Service ${name} has no ready endpoint yet: ${ready.length} Ready pod${ready.length > 1 ? 's match' : ' matches'} its selector ${sel}, not yet in its EndpointSlices`;
}

/** The Ingress rules of the host (exact or one-label wildcard), as "host path → ns/svc:port" lines. */
function rulesForHost(ingresses: Ingress[], host: string): string[] {
  const out: string[] = [];
  for (const ing of ingresses) {
    for (const rule of ing.spec.rules ?? []) {
      const h = rule.host ?? '';
      const matches = !h || h === host || (h.startsWith('*.') && host.endsWith(h.slice(1)) && !host.slice(0, host.length - h.length + 1).includes('.'));
      if (!matches) continue;
      for (const p of rule.http?.paths ?? []) {
        const b = p.backend.service;
        out.push(`${h || '*'} ${p.path ?? '/'} (${p.pathType}) → ${ing.metadata.namespace}/${b?.name ?? p.backend.resource?.name ?? '?'}${b?.port ? `:${b.port.number ?? b.port.name}` : ''} (Ingress ${key(ing)})`);
      }
    }
  }
  return out;
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

/** The address and port the request went to: curl's, else the URL's (an address, or the name's first A record). */
export function destinationOf(e: Pick<TraceEvidence, 'url' | 'curl' | 'dns'>): { ip: string; port: number } {
  const ip = e.curl.remoteIP || (isIPv4(e.url.hostname) ? e.url.hostname : e.dns?.addresses[0] ?? '');
  return { ip, port: e.curl.remotePort || Number(e.url.port || (e.url.protocol === 'https:' ? 443 : 80)) };
}

/** Reads the evidence into the layers the request crossed. */
export function explainTrace(e: TraceEvidence): TraceReport {
  const { cluster, curl } = e;
  const lines: string[] = [];
  let n = 0;
  const layer = (name: string, text: string) => lines.push(layerLine(++n, name, text));
  const from = e.source.kind === 'outside' ? `the outside client (${e.source.ip})` : `pod ${e.source.pod!.namespace}/${e.source.pod!.name} (${e.source.ip} on ${e.source.pod!.node})`;
  lines.push(`Trace of ${e.method} ${e.url.href} from ${from}, request id ${e.requestId}:`, '');
  const done = (failure?: string): TraceReport => {
    return { lines, ok: !failure, ...(failure ? { failure } : {}) };
  };
  const host = e.url.hostname;

  // 1. DNS
  if (e.dns) {
    const d = e.dns;
    const where = e.source.kind === 'outside' ? `the external DNS ${d.server}` : `cluster DNS ${d.server}`;
    if (d.addresses.length === 0) {
      layer('DNS', `${host}: ${d.rcode} from ${where || 'no server'}`);
      const why = dnsFailure(e, host, d.rcode);
      lines.push(fail(why));
      return done(`DNS: ${why}`);
    }
    const via = d.qname !== host ? ` (as ${d.qname}${e.source.kind === 'pod' ? ', through the pod\'s search path' : ''})` : '';
    const chain = d.cnames.length > 0 ? ` CNAME ${d.cnames.join(' → ')} →` : '';
    layer('DNS', `${host}${via} →${chain} A ${d.addresses.join(', ')} (${where}${d.ms !== undefined ? `, ${d.ms} ms` : ''})`);
    if (e.source.kind === 'outside') {
      const owner = publisherOf(cluster, host);
      if (owner) lines.push(more(`published by podnet's external-dns from ${owner}`));
    }
  }

  const { ip: dst, port: dstPort } = destinationOf(e);
  const lbSvc = serviceByLbIP(cluster, dst);
  const clusterSvc = serviceByClusterIP(cluster, dst);
  const nodeName = nodeIPs(cluster).get(dst);
  const dstPod = podByIP(cluster, dst);

  // the Service the connection reaches first, and the port of it
  let svc: Service | undefined;
  let svcPort: ServicePort | undefined;

  if (lbSvc) {
    svc = lbSvc;
    svcPort = lbSvc.spec.ports?.find((p) => p.port === dstPort);
    if (!svcPort) {
      layer('Load balancer', `${dst}:${dstPort} is Service ${key(lbSvc)}'s address, which has no port ${dstPort} (ports ${(lbSvc.spec.ports ?? []).map(portLabel).join(', ')})`);
      const why = `the load balancer has no listener on port ${dstPort} of ${dst}`;
      lines.push(fail(why));
      return done(`the load balancer: ${why}`);
    }
    const chosen = e.lbChoice ? `${nodeIPs(cluster).get(e.lbChoice.nodeIP) ?? '?'} (${e.lbChoice.nodeIP}:${e.lbChoice.nodePort}, the Service's NodePort)` : undefined;
    const health = e.lb ? e.lb.targets.map((t) => `${t.node} ${t.inService ? 'in service' : `out (${t.state}${t.detail ? `: ${t.detail}` : ''})`}`).join(', ') : 'no status';
    layer('Load balancer', `${dst}:${dstPort} (Service ${key(lbSvc)}, externalTrafficPolicy ${lbSvc.spec.externalTrafficPolicy ?? 'Cluster'})${chosen ? ` → ${chosen}` : ''}`);
    lines.push(more(`health checks: ${health}`));
    if (curl.status === 0 && e.lb && !e.lb.targets.some((t) => t.inService)) {
      const why = `no node passes the load balancer's health check, so it rejects the connection (${health})${e.lb.externalTrafficPolicy === 'Local' ? `; with externalTrafficPolicy Local a node is healthy only with a ready endpoint of its own: ${noEndpointsOrNone(cluster, lbSvc)}` : ''}`;
      lines.push(fail(why));
      return done(`the load balancer: ${why}`);
    }
  } else if (clusterSvc) {
    svc = clusterSvc;
    svcPort = clusterSvc.spec.ports?.find((p) => p.port === dstPort);
  } else if (nodeName) {
    svc = serviceByNodePort(cluster, dstPort);
    svcPort = svc?.spec.ports?.find((p) => p.nodePort === dstPort);
    layer('Node', `${dst}:${dstPort} is node ${nodeName}${svc ? `: the NodePort of Service ${key(svc)} port ${svcPort!.port}` : ', on no Service\'s NodePort'}`);
    if (!svc && curl.status === 0) {
      const why = `no Service has NodePort ${dstPort}`;
      lines.push(fail(`${connectionFailure(curl.exit, curl.error, e.timeoutMs)}: ${why}`));
      return done(`node ${nodeName}: ${why}`);
    }
  }

  const ingressController = svc?.metadata.namespace === INGRESS_NAMESPACE || dstPod?.metadata.namespace === INGRESS_NAMESPACE;

  if (svc && !ingressController) return serviceToPod(e, layer, lines, done, svc, svcPort, dst, dstPort);
  if (ingressController) return throughIngress(e, layer, lines, done, host);
  if (dstPod) {
    const headless = e.dns ? headlessServiceOf(cluster, e.dns.qname) : undefined;
    const how = headless ? `, reached by its own IP: ${key(headless)} is a headless Service (its name resolves to the pods, no ClusterIP, no DNAT)` : ', reached directly by its IP (no Service)';
    return answered(e, layer, lines, done, dstPod, how, dstPort);
  }
  layer('Destination', `${dst || host}:${dstPort} is no pod, Service, node or load-balancer address of the cluster`);
  if (curl.status === 0) {
    const why = connectionFailure(curl.exit, curl.error, e.timeoutMs);
    lines.push(fail(why));
    return done(`${dst || host}: ${why}`);
  }
  lines.push(more(`answered ${curl.status} in ${curl.timeMs} ms`));
  return done();
}

type Layer = (name: string, text: string) => void;
type Done = (failure?: string) => TraceReport;

function noEndpointsOrNone(cluster: ClusterView, svc: Service): string {
  return readyEndpoints(cluster, svc, undefined).length > 0 ? `it has ${readyEndpoints(cluster, svc, undefined).length} ready endpoints` : noEndpointsReason(cluster, svc);
}

/** Where the Service's DNAT sent the connection, and what came back. */
function serviceToPod(e: TraceEvidence, layer: Layer, lines: string[], done: Done, svc: Service, svcPort: ServicePort | undefined, dst: string, dstPort: number): TraceReport {
  const { cluster, curl } = e;
  const name = key(svc);
  if (!svcPort) {
    layer('Service', `${name} (${dst}) has no port ${dstPort}: its ports are ${(svc.spec.ports ?? []).map(portLabel).join(', ')}`);
    const why = `Service ${name} has no port ${dstPort}`;
    lines.push(fail(`${connectionFailure(curl.exit, curl.error, e.timeoutMs)}: ${why}`));
    return done(`the Service: ${why}`);
  }
  const eps = readyEndpoints(cluster, svc, svcPort);
  const ip = svc.spec.clusterIP && svc.spec.clusterIP !== 'None' ? `ClusterIP ${svc.spec.clusterIP}:${svcPort.port}` : 'headless';
  layer('Service', `${name} ${ip} → ${eps.length} ready endpoint${eps.length === 1 ? '' : 's'}${eps.length > 0 ? `: ${eps.slice(0, 6).join(', ')}${eps.length > 6 ? ', …' : ''}` : ''}`);
  const pod = e.dnat ? podByIP(cluster, e.dnat.ip) : undefined;
  if (e.dnat) lines.push(more(`${e.dnat.node}'s nftables DNAT chose ${e.dnat.ip}:${e.dnat.port}${pod ? ` (${pod.metadata.name})` : ''} (its conntrack entry)`));
  if (curl.status === 0) {
    if (eps.length === 0) {
      const why = noEndpointsReason(cluster, svc);
      lines.push(fail(`${connectionFailure(curl.exit, curl.error, e.timeoutMs)}: kube-proxy rejects connections to a Service without endpoints`));
      lines.push(fail(why));
      return done(`the Service: ${why}`);
    }
    return connectionFailed(e, lines, done, pod, svcPort);
  }
  return answered(e, layer, lines, done, pod);
}

/** The ingress controller's part: its access-log line, then the Service and pod it chose. */
function throughIngress(e: TraceEvidence, layer: Layer, lines: string[], done: Done, host: string): TraceReport {
  const { cluster, curl } = e;
  const path = e.url.pathname;
  const a = e.access;
  if (curl.status === 0) {
    layer('Ingress', `NGINX (${e.ingressPod ?? 'the ingress controller'}) gave no answer`);
    const why = connectionFailure(curl.exit, curl.error, e.timeoutMs);
    lines.push(fail(why));
    const drops = dropsLine(e);
    if (drops) lines.push(fail(drops));
    return done(`the ingress controller: ${why}`);
  }
  if (!a || !a.ingress) {
    layer('Ingress', `NGINX (${e.ingressPod ?? 'the ingress controller'}) answered ${curl.status} from its default server`);
    const rules = rulesForHost(cluster.ingresses, host);
    const why = curl.status === 308 || curl.status === 301 ? `it redirects to HTTPS (the host has TLS)` : rules.length === 0
      ? `no Ingress has a rule for host ${host}${cluster.ingresses.length > 0 ? ` (hosts with rules: ${[...new Set(cluster.ingresses.flatMap((i) => (i.spec.rules ?? []).map((r) => r.host ?? '*')))].join(', ')})` : ' (the cluster has no Ingress)'}`
      : `no rule of host ${host} matches path ${path}: ${rules.join('; ')}`;
    lines.push(fail(why));
    if (curl.status === 308 || curl.status === 301) return done();
    return done(`the ingress: ${why}`);
  }
  layer('Ingress', `NGINX (${e.ingressPod}) matched host ${a.rule_host || '*'} path ${a.rule_path} of Ingress ${a.ingress} → ${a.service}; saw the client as ${a.remote_addr}`);
  const [svcNs, rest] = a.service.split('/') as [string, string | undefined];
  const svcName = rest?.split(':')[0] ?? '';
  const svc = cluster.services.find((s) => s.metadata.namespace === svcNs && s.metadata.name === svcName);
  const upstreams = a.upstream_addr.split(/, | : /).filter(Boolean);
  const last = upstreams.at(-1) ?? '';
  if (upstreams.length === 0 && a.status !== 503) {
    // NGINX answered itself: the HTTPS redirect of a TLS host, or a rule that returns
    const redirect = a.status === 308 || a.status === 301;
    lines.push(more(redirect ? `NGINX redirected it to HTTPS (${a.status}): host ${a.rule_host} has TLS, and plain HTTP is redirected as ingress-nginx does; trace https://${host}${path} follows it` : `NGINX answered ${a.status} itself, without an upstream`));
    return done();
  }
  if (last.startsWith('unix:') || a.status === 503) {
    const why = svc ? noEndpointsReason(cluster, svc) : `Service ${a.service} does not exist`;
    layer('Service', `${a.service}: NGINX's balancer had no ready pod, its own 503 server answered`);
    lines.push(fail(why));
    return done(`the Service: ${why}`);
  }
  const eps = svc ? readyEndpoints(cluster, svc, undefined) : [];
  const svcPortText = rest?.split(':')[1];
  layer('Service', `${svcNs}/${svcName}${svc?.spec.clusterIP && svc.spec.clusterIP !== 'None' ? ` ClusterIP ${svc.spec.clusterIP}${svcPortText ? `:${svcPortText}` : ''}` : ''} → ${eps.length} ready endpoint${eps.length === 1 ? '' : 's'}${eps.length > 0 ? `: ${eps.slice(0, 6).join(', ')}` : ''}`);
  lines.push(more(`NGINX's balancer sent it to ${upstreams.join(', then ')} (pod IPs, as ingress-nginx; upstream status ${a.upstream_status || '-'})`));
  const pod = podByIP(cluster, last.split(':')[0] ?? '');
  if (a.status === 502 || a.status === 504) {
    const why = a.status === 502 ? `the backend ${last}${pod ? ` (${pod.metadata.name})` : ''} refused or reset the connection: NGINX answered 502` : `the backend ${last}${pod ? ` (${pod.metadata.name})` : ''} did not answer in time: NGINX answered 504`;
    layer('Pod', pod ? podLabel(pod) : last);
    lines.push(fail(why));
    return done(`the pod: ${why}`);
  }
  return answered(e, layer, lines, done, pod);
}

/**
 * The policy drops that were this request's: the destination pod's ingress
 * rule and the source pod's egress rule when the destination is known
 * (other traffic drops at the same time too), else every drop counted.
 */
function dropsLine(e: TraceEvidence, dstPod?: Pod): string | undefined {
  const src = e.source.pod ? `${e.source.pod.namespace}/${e.source.pod.name}` : undefined;
  const mine = dstPod ? e.drops.filter((d) => d.rule.startsWith(`ingress to ${key(dstPod)} `) || (src && d.rule.startsWith(`egress from ${src} `))) : e.drops;
  if (mine.length === 0) return undefined;
  return `dropped by NetworkPolicy: ${mine.map((d) => `${d.rule} on ${d.node} (${d.packets} packet${d.packets === 1 ? '' : 's'})`).join('; ')}`;
}

/** The connection to a Service with endpoints failed: a policy that dropped it, or a pod that does not listen. */
function connectionFailed(e: TraceEvidence, lines: string[], done: Done, pod: Pod | undefined, svcPort: ServicePort): TraceReport {
  const drops = dropsLine(e, pod);
  const base = connectionFailure(e.curl.exit, e.curl.error, e.timeoutMs);
  if (drops) {
    lines.push(fail(`${base}: ${drops}`));
    return done(`NetworkPolicy: ${drops.replace(/^dropped by NetworkPolicy: /, '')}`);
  }
  const target = svcPort.targetPort ?? svcPort.port;
  const why = e.curl.exit === 7
    ? `${pod ? `pod ${pod.metadata.name}` : 'the endpoint'} refused the connection: nothing listens on its targetPort ${target}`
    : base;
  lines.push(fail(why));
  return done(`${pod ? `pod ${key(pod)}` : 'the Service'}: ${why}`);
}

function answered(e: TraceEvidence, layer: Layer, lines: string[], done: Done, pod: Pod | undefined, how = '', port?: number): TraceReport {
  const { curl } = e;
  if (curl.status === 0) {
    if (how) layer('Pod', `${pod ? podLabel(pod) : 'a pod'}${how}`);
    const drops = dropsLine(e, pod);
    const refused = curl.exit === 7 && pod && port !== undefined ? `: nothing listens on port ${port} of pod ${pod.metadata.name} (${declaredPorts(pod)})` : '';
    const why = `${connectionFailure(curl.exit, curl.error, e.timeoutMs)}${drops ? `: ${drops}` : refused}`;
    lines.push(fail(why));
    return done(`${pod ? `pod ${key(pod)}` : 'the destination'}: ${why}`);
  }
  layer('Pod', `${pod ? podLabel(pod) : 'a pod'} answered ${curl.status} in ${curl.timeMs} ms${how}`);
  return done();
}

function declaredPorts(pod: Pod): string {
  const ports = pod.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => `${p.containerPort}${p.name ? `/${p.name}` : ''}`));
  return ports.length > 0 ? `its containers declare ${ports.join(', ')}` : 'its containers declare no ports';
}

/** The headless Service a DNS name (SVC.NS.svc.… or POD.SVC.NS.svc.…) belongs to. */
function headlessServiceOf(cluster: ClusterView, qname: string): Service | undefined {
  const labels = qname.split('.');
  const at = labels.indexOf('svc');
  if (at < 2) return undefined;
  const [name, ns] = [labels[at - 2], labels[at - 1]];
  return cluster.services.find((s) => s.metadata.name === name && s.metadata.namespace === ns && s.spec.clusterIP === 'None');
}

function publisherOf(cluster: ClusterView, host: string): string | undefined {
  const ing = cluster.ingresses.find((i) => (i.spec.rules ?? []).some((r) => r.host === host) || (i.spec.tls ?? []).some((t) => t.hosts?.includes(host)));
  if (ing) return `Ingress ${key(ing)}`;
  const svc = cluster.services.find((s) => (s.metadata.annotations?.['external-dns.alpha.kubernetes.io/hostname'] ?? '').split(',').map((h) => h.trim()).includes(host));
  return svc ? `Service ${key(svc)}` : undefined;
}

/** Why the name did not resolve, in terms of the objects that would publish it. */
function dnsFailure(e: TraceEvidence, host: string, rcode: string): string {
  const { cluster } = e;
  if (rcode === 'timeout') return `no DNS server answered (${e.source.kind === 'pod' ? 'is the cluster DNS running? podnet get pods -n kube-system' : 'the external DNS'})`;
  if (e.source.kind === 'outside') {
    const published = Object.keys(externalRecords(cluster.ingresses, cluster.services));
    const ing = cluster.ingresses.find((i) => (i.spec.rules ?? []).some((r) => r.host === host));
    if (ing) return `Ingress ${key(ing)} routes ${host} but has no load-balancer address yet, so external-dns has not published it`;
    return `${rcode}: no Ingress rule or annotated LoadBalancer Service names ${host}${published.length > 0 ? ` (published: ${published.slice(0, 8).join(', ')})` : ''}`;
  }
  // a Service name: NAME, NAME.NS, NAME.NS.svc, NAME.NS.svc.cluster.local
  const labels = host.replace(/\.$/, '').split('.');
  const name = labels[0]!;
  const namespace = labels.length >= 2 && (labels.length === 2 || labels[2] === 'svc') ? labels[1]! : e.source.pod!.namespace;
  const same = cluster.services.filter((s) => s.metadata.name === name);
  if (labels.length <= 2 || labels[2] === 'svc') {
    if (same.some((s) => s.metadata.namespace === namespace)) return `${rcode}: Service ${namespace}/${name} exists but has no record for this name`;
    const elsewhere = same.map((s) => s.metadata.namespace);
    return `${rcode}: no Service ${name} in namespace ${namespace}${elsewhere.length > 0 ? `; there is one in ${elsewhere.join(', ')} (use ${name}.${elsewhere[0]})` : ''}`;
  }
  return `${rcode}: ${host} is not a cluster name, and the outside world's DNS does not know it`;
}

