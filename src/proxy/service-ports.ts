// Services + EndpointSlices → the service ports the proxy programs (pure).
// One ServicePortInfo per (Service, spec.ports[i]) that needs rules, with its
// frontends (ClusterIP, externalIPs, LoadBalancer ingress IPs, NodePort) and
// the two endpoint groups kube-proxy distinguishes: cluster-wide and node-local.

import type { Endpoint, EndpointSlice, Protocol, Service, ServicePort } from '../api/types.js';
import { compareIpv4, ipv4Networks, ipv4ToNumber, isIPv4 } from './ipv4.js';

/** discovery.k8s.io/v1: slices point at their Service with this label. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** core/v1 default for sessionAffinityConfig.clientIP.timeoutSeconds (3 hours). */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;

export type Proto = 'tcp' | 'udp' | 'sctp';

export interface EndpointInfo {
  ip: string;
  port: number;
  /** endpoint.nodeName === this node */
  local: boolean;
}

export interface ServicePortInfo {
  namespace: string;
  name: string;
  /** `ns/name/proto/portname` (the port number for the one unnamed port), as kube-proxy names them */
  id: string;
  portName: string;
  proto: Proto;
  port: number;
  clusterIP: string;
  /** externalIPs and status.loadBalancer.ingress[].ip: "external" frontends */
  externalAddrs: string[];
  /** the status.loadBalancer.ingress[].ip among them: loadBalancerSourceRanges guard these */
  loadBalancerAddrs: string[];
  /** loadBalancerSourceRanges as IPv4 networks; empty: any source */
  sourceRanges: string[];
  nodePort?: number;
  /** ready endpoints, or serving-terminating ones when none is ready (KEP-1669) */
  clusterEndpoints: EndpointInfo[];
  /** the same rule restricted to endpoints on this node */
  localEndpoints: EndpointInfo[];
  /**
   * every endpoint that serves (ready, or serving while terminating), on any
   * node, whatever the traffic policies: a UDP flow NATed to one of these is
   * not stale (conntrack.ts), as kube-proxy's CleanStaleEntries decides
   */
  servingEndpoints: EndpointInfo[];
  /** internalTrafficPolicy Local: ClusterIP traffic only to local endpoints */
  internalLocal: boolean;
  /** externalTrafficPolicy Local: external traffic only to local endpoints, source kept */
  externalLocal: boolean;
  /** 0 = no session affinity */
  affinityTimeout: number;
}

export interface HealthCheckInfo {
  namespace: string;
  name: string;
  port: number;
  /** distinct ready endpoint addresses on this node */
  localEndpoints: number;
}

function toProto(p: Protocol | undefined): Proto {
  return (p ?? 'TCP').toLowerCase() as Proto;
}

/** Headless and ExternalName Services get no rules (DNS alone serves them). */
export function needsRules(svc: Service): boolean {
  if (svc.spec.type === 'ExternalName') return false;
  const ip = svc.spec.clusterIP;
  return ip !== undefined && ip !== '' && ip !== 'None' && isIPv4(ip);
}

function key(ns: string, name: string): string {
  return `${ns}/${name}`;
}

interface Candidate { ip: string; port: number; node: string | undefined; ready: boolean; serving: boolean; terminating: boolean }

/** Endpoint conditions with their API defaults: ready nil → true, serving nil → ready. */
function conditions(ep: Endpoint): { ready: boolean; serving: boolean; terminating: boolean } {
  const ready = ep.conditions?.ready ?? true;
  return { ready, serving: ep.conditions?.serving ?? ready, terminating: ep.conditions?.terminating ?? false };
}

/** Ready endpoints; if there are none, the serving-but-terminating ones (kube-proxy's fallback). */
function usable(cands: Candidate[]): Candidate[] {
  const ready = cands.filter((c) => c.ready);
  if (ready.length > 0) return ready;
  return cands.filter((c) => c.serving && c.terminating);
}

function sortEndpoints(eps: EndpointInfo[]): EndpointInfo[] {
  if (eps.length < 2) return eps;
  const n = new Map<EndpointInfo, number>();
  for (const e of eps) n.set(e, ipv4ToNumber(e.ip) ?? 0);
  return eps.sort((a, b) => n.get(a)! - n.get(b)! || a.port - b.port);
}

// API objects are immutable once the informer hands them out (a change is a
// new object), so what is read off an object can be remembered per object.
const serviceKeys = new WeakMap<Service, string>();
const sliceKeys = new WeakMap<EndpointSlice, string | null>();

/** `namespace/name` of a Service. */
export function serviceKeyOf(svc: Service): string {
  let k = serviceKeys.get(svc);
  if (k === undefined) {
    k = key(svc.metadata.namespace ?? 'default', svc.metadata.name ?? '');
    serviceKeys.set(svc, k);
  }
  return k;
}

/** `namespace/serviceName` a slice belongs to; undefined when it has no Service label or is not IPv4 (the proxy is single-stack). */
export function sliceServiceKey(s: EndpointSlice): string | undefined {
  let k = sliceKeys.get(s);
  if (k === undefined) {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
    k = s.addressType === 'IPv4' && svc ? key(s.metadata.namespace ?? 'default', svc) : null;
    sliceKeys.set(s, k);
  }
  return k ?? undefined;
}

/** Slices grouped by `namespace/serviceName`. */
function slicesByService(slices: readonly EndpointSlice[]): Map<string, EndpointSlice[]> {
  const out = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const k = sliceServiceKey(s);
    if (k === undefined) continue;
    const list = out.get(k);
    if (list) list.push(s); else out.set(k, [s]);
  }
  return out;
}

/**
 * Endpoints of one service port: every slice contributes its endpoints at the
 * port it lists under the same name and protocol. A named targetPort is
 * resolved per pod by the EndpointSlice controller, so different slices may
 * carry different numbers for the same name.
 */
function candidatesFor(sp: ServicePort, slices: readonly EndpointSlice[]): Candidate[] {
  const name = sp.name ?? '';
  const proto = sp.protocol ?? 'TCP';
  const seen = new Set<string>();
  const out: Candidate[] = [];
  for (const slice of slices) {
    const port = (slice.ports ?? []).find((p) => (p.name ?? '') === name && (p.protocol ?? 'TCP') === proto);
    if (port?.port === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      const ip = ep.addresses[0]; // one address per endpoint (API: "consumers must use the first")
      if (ip === undefined || !isIPv4(ip)) continue;
      const id = `${ip}:${port.port}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const c = conditions(ep);
      out.push({ ip, port: port.port, node: ep.nodeName, ready: c.ready, serving: c.serving, terminating: c.terminating });
    }
  }
  return out;
}

function isExternalType(svc: Service): boolean {
  return svc.spec.type === 'NodePort' || svc.spec.type === 'LoadBalancer';
}

/** The service ports of one Service, given the slices labelled with its name (sorted by id). */
export function servicePortsOf(svc: Service, svcSlices: readonly EndpointSlice[], nodeName: string): ServicePortInfo[] {
  if (!needsRules(svc)) return [];
  const ns = svc.metadata.namespace ?? 'default';
  const name = svc.metadata.name ?? '';
  const lbAddrs = svc.spec.type === 'LoadBalancer' ? [...new Set((svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter(isIPv4))].sort(compareIpv4) : [];
  const sourceRanges = lbAddrs.length > 0 ? ipv4Networks(svc.spec.loadBalancerSourceRanges ?? []) : [];
  const externalAddrs = [...(svc.spec.externalIPs ?? []), ...lbAddrs].filter(isIPv4);
  const uniqueExternal = [...new Set(externalAddrs)].sort(compareIpv4);
  const externalLocal = svc.spec.externalTrafficPolicy === 'Local' && (isExternalType(svc) || uniqueExternal.length > 0);
  const affinity = svc.spec.sessionAffinity === 'ClientIP'
    ? svc.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS
    : 0;
  const out: ServicePortInfo[] = [];
  for (const sp of svc.spec.ports ?? []) {
    const cands = candidatesFor(sp, svcSlices);
    const toInfo = (c: Candidate): EndpointInfo => ({ ip: c.ip, port: c.port, local: c.node === nodeName });
    const proto = toProto(sp.protocol);
    out.push({
      namespace: ns,
      name,
      id: `${ns}/${name}/${proto}/${sp.name || sp.port}`,
      portName: sp.name ?? '',
      proto,
      port: sp.port,
      clusterIP: svc.spec.clusterIP!,
      externalAddrs: uniqueExternal,
      loadBalancerAddrs: lbAddrs,
      sourceRanges,
      ...(isExternalType(svc) && sp.nodePort ? { nodePort: sp.nodePort } : {}),
      clusterEndpoints: sortEndpoints(usable(cands).map(toInfo)),
      localEndpoints: sortEndpoints(usable(cands.filter((c) => c.node === nodeName)).map(toInfo)),
      servingEndpoints: cands.filter((c) => c.ready || c.serving).map(toInfo),
      internalLocal: svc.spec.internalTrafficPolicy === 'Local',
      externalLocal,
      affinityTimeout: affinity,
    });
  }
  return out.sort(byId);
}

function byId(a: ServicePortInfo, b: ServicePortInfo): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The slices of one Service, from an index built once per sync. */
export function sliceIndex(slices: readonly EndpointSlice[]): (svc: Service) => EndpointSlice[] {
  const bySvc = slicesByService(slices);
  return (svc) => bySvc.get(serviceKeyOf(svc)) ?? [];
}

export function servicePorts(services: readonly Service[], slices: readonly EndpointSlice[], nodeName: string): ServicePortInfo[] {
  const slicesOf = sliceIndex(slices);
  return services.flatMap((svc) => servicePortsOf(svc, slicesOf(svc), nodeName)).sort(byId);
}

/**
 * healthCheckNodePort listeners this node should serve: LoadBalancer/NodePort
 * Services with externalTrafficPolicy Local (the cloud LB asks each node).
 */
export function healthChecks(services: readonly Service[], slices: readonly EndpointSlice[], nodeName: string): HealthCheckInfo[] {
  const slicesOf = sliceIndex(slices);
  return services.flatMap((svc) => healthCheckOf(svc, slicesOf(svc), nodeName) ?? []).sort((a, b) => a.port - b.port);
}

/** One Service's healthCheckNodePort entry, if it needs one. */
export function healthCheckOf(svc: Service, svcSlices: readonly EndpointSlice[], nodeName: string): HealthCheckInfo | undefined {
  const port = svc.spec.healthCheckNodePort;
  if (!port || svc.spec.externalTrafficPolicy !== 'Local' || !needsRules(svc)) return undefined;
  const ips = new Set<string>();
  for (const slice of svcSlices) {
    for (const ep of slice.endpoints ?? []) {
      if (ep.nodeName === nodeName && conditions(ep).ready && ep.addresses[0]) ips.add(ep.addresses[0]);
    }
  }
  return { namespace: svc.metadata.namespace ?? 'default', name: svc.metadata.name ?? '', port, localEndpoints: ips.size };
}
