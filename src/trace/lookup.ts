// Finding the cluster's objects behind an address (pure): which pod, node,
// Service or load-balancer address the request went to, as kube-proxy and
// the cloud load balancer would see it, and a Service port's endpoints.

import { isIPv4 } from 'node:net';
import type { EndpointSlice, Pod, Service, ServicePort } from '../api/types.js';
import { SERVICE_NAME_LABEL } from '../ingress/backends.js';
import { INGRESS_CONTROLLER } from '../config.js';
import type { ClusterView, TraceEvidence, TraceSource } from './evidence.js';

export const INGRESS_NAMESPACE = INGRESS_CONTROLLER.namespace;
/** endpoints listed on a Service line */
const SHOWN_ENDPOINTS = 6;

export const key = (o: { metadata: { namespace?: string; name?: string } }) => `${o.metadata.namespace}/${o.metadata.name}`;

export function nodeIPs(cluster: ClusterView): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of cluster.nodes) {
    const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    if (ip) out.set(ip, n.metadata.name!);
  }
  return out;
}

export function podByIP(cluster: ClusterView, ip: string): Pod | undefined {
  const candidates = cluster.pods.filter((p) => !p.spec.hostNetwork && (p.status?.podIP === ip || p.status?.podIPs?.some((a) => a.ip === ip)));
  // a finished pod keeps the IP it had in its status after the node gave it to another pod
  return candidates.find((p) => p.status?.phase === 'Running') ?? candidates.find((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed') ?? candidates[0];
}

export function podLabel(pod: Pod): string {
  return `${key(pod)} on ${pod.spec.nodeName ?? '?'} (${pod.status?.podIP ?? '?'})`;
}

function serviceByClusterIP(cluster: ClusterView, ip: string): Service | undefined {
  return cluster.services.find((s) => s.spec.clusterIP === ip || s.spec.clusterIPs?.includes(ip));
}

function serviceByLbIP(cluster: ClusterView, ip: string): Service | undefined {
  return cluster.services.find((s) => s.spec.type === 'LoadBalancer' && s.status?.loadBalancer?.ingress?.some((i) => i.ip === ip));
}

/** trace's requests are TCP: a UDP port of the same number is another port */
export const isTCP = (p: ServicePort) => (p.protocol ?? 'TCP') === 'TCP';

export function tcpPort(svc: Service, port: number): ServicePort | undefined {
  return svc.spec.ports?.find((p) => p.port === port && isTCP(p));
}

/**
 * Where a connection to ip:port goes, as the cluster sees it. From a pod, a
 * load-balancer address is the Service itself: the node's rules short-circuit
 * it (kube-proxy does), so no cloud LB is crossed.
 */
export type Destination =
  | { kind: 'load-balancer'; svc: Service; port: ServicePort | undefined }
  | { kind: 'service'; svc: Service; port: ServicePort | undefined; via: 'ClusterIP' | 'load-balancer address' }
  | { kind: 'node'; node: string; svc: Service | undefined; port: ServicePort | undefined }
  | { kind: 'pod'; pod: Pod }
  | { kind: 'unknown' };

export function classify(cluster: ClusterView, source: TraceSource, ip: string, port: number): Destination {
  const lb = serviceByLbIP(cluster, ip);
  if (lb) return source.kind === 'outside' ? { kind: 'load-balancer', svc: lb, port: tcpPort(lb, port) } : { kind: 'service', svc: lb, port: tcpPort(lb, port), via: 'load-balancer address' };
  const svc = serviceByClusterIP(cluster, ip);
  if (svc) return { kind: 'service', svc, port: tcpPort(svc, port), via: 'ClusterIP' };
  const node = nodeIPs(cluster).get(ip);
  if (node) {
    const nodePortSvc = cluster.services.find((s) => s.spec.ports?.some((p) => p.nodePort === port && isTCP(p)));
    return { kind: 'node', node, svc: nodePortSvc, port: nodePortSvc?.spec.ports?.find((p) => p.nodePort === port && isTCP(p)) };
  }
  const pod = podByIP(cluster, ip);
  return pod ? { kind: 'pod', pod } : { kind: 'unknown' };
}

/** The destination is the ingress controller: its Service (any way in) or its pod. */
export function reachesIngress(d: Destination): boolean {
  if (d.kind === 'pod') return d.pod.metadata.namespace === INGRESS_NAMESPACE;
  return d.kind !== 'unknown' && d.svc?.metadata.namespace === INGRESS_NAMESPACE;
}

/** The address and port the request went to: curl's, else the URL's (an address, or the name's first A record). */
export function destinationOf(e: Pick<TraceEvidence, 'url' | 'curl' | 'dns'>): { ip: string; port: number } {
  const ip = e.curl.remoteIP || (isIPv4(e.url.hostname) ? e.url.hostname : e.dns?.addresses[0] ?? '');
  return { ip, port: e.curl.remotePort || Number(e.url.port || (e.url.protocol === 'https:' ? 443 : 80)) };
}

/** The headless Service a DNS name (SVC.NS.svc.… or POD.SVC.NS.svc.…) belongs to. */
export function headlessServiceOf(cluster: ClusterView, qname: string): Service | undefined {
  const labels = qname.split('.');
  const at = labels.indexOf('svc');
  if (at < 2) return undefined;
  const [name, ns] = [labels[at - 2], labels[at - 1]];
  return cluster.services.find((s) => s.metadata.name === name && s.metadata.namespace === ns && s.spec.clusterIP === 'None');
}

function slicesOf(cluster: ClusterView, svc: Service): EndpointSlice[] {
  return cluster.slices.filter((s) => s.metadata.namespace === svc.metadata.namespace && s.metadata.labels?.[SERVICE_NAME_LABEL] === svc.metadata.name);
}

export interface EndpointsOf {
  /** "10.244.1.5:8080 (api-7d9c on node-2)" for each ready endpoint */
  ready: string[];
  /** serving but terminating ones: kube-proxy's fallback when none is ready (KEP-1669) */
  terminating: string[];
  /** the pods behind them, "namespace/name" */
  pods: string[];
  /** the nodes with a ready endpoint */
  nodes: Set<string>;
}

/**
 * The endpoints of one Service port. A slice without that port (a named
 * targetPort no selected pod declares leaves the slice's ports empty) gives
 * kube-proxy no endpoint for it, as upstream.
 */
export function endpointsOf(cluster: ClusterView, svc: Service, port: ServicePort | undefined): EndpointsOf {
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

export function endpointList(list: string[]): string {
  return list.length > 0 ? `: ${list.slice(0, SHOWN_ENDPOINTS).join(', ')}${list.length > SHOWN_ENDPOINTS ? ', …' : ''}` : '';
}
