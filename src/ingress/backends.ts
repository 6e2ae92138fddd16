// An Ingress service backend → the addresses NGINX should send to: the
// Service's port (by number or by name), the EndpointSlice port of the same
// name, and the ready endpoint addresses (discovery.k8s.io/v1 EndpointConditions:
// a nil `ready` counts as ready; serving-but-terminating endpoints are used only
// when no endpoint is ready, as kube-proxy does since KEP-1669).

import type { EndpointSlice, IngressServiceBackend, Service } from '../api/types.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface EndpointAddress { ip: string; port: number }

export interface Backend {
  /** upstream name: `<ns>_<service>_<port>`; '_' cannot occur in DNS-1123 names, so keys never collide */
  key: string;
  namespace: string;
  service: string;
  /** the Service port number (resolved from a port name when the Ingress used one) */
  servicePort: number;
  /** ClusterIP:servicePort, the kernel-balanced fallback; absent for headless Services */
  clusterIP?: string;
  /** sorted by ip then port */
  endpoints: EndpointAddress[];
}

export type BackendResolution = { ok: true; backend: Backend } | { ok: false; reason: string; message: string };

export function backendKey(namespace: string, service: string, port: number | string): string {
  return `${namespace}_${service}_${port}`;
}

export interface ServiceIndex {
  service(namespace: string, name: string): Service | undefined;
  slices(namespace: string, service: string): readonly EndpointSlice[];
  /** the addresses an ExternalName Service's name resolves to (external-names.ts); none known: [] */
  externalAddresses?(name: string): readonly string[];
}

export function resolveBackend(namespace: string, ref: IngressServiceBackend, index: ServiceIndex): BackendResolution {
  const svc = index.service(namespace, ref.name);
  const wanted = ref.port?.number ?? ref.port?.name;
  if (!svc) return { ok: false, reason: 'ServiceNotFound', message: `service ${namespace}/${ref.name} not found` };
  if (svc.spec?.type === 'ExternalName') return externalNameBackend(namespace, ref, svc, index);
  const ports = svc.spec?.ports ?? [];
  const port = ref.port?.number !== undefined
    ? ports.find((p) => p.port === ref.port!.number && (p.protocol ?? 'TCP') === 'TCP')
    : ports.find((p) => p.name === ref.port?.name && (p.protocol ?? 'TCP') === 'TCP');
  if (!port) {
    return { ok: false, reason: 'PortNotFound', message: `service ${namespace}/${ref.name} has no TCP port ${JSON.stringify(wanted ?? '')}` };
  }
  const portName = port.name ?? '';
  const ready: EndpointAddress[] = [];
  const terminating: EndpointAddress[] = [];
  for (const slice of index.slices(namespace, ref.name)) {
    if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    const sp = (slice.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === 'TCP');
    if (!sp || sp.port === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      const c = ep.conditions ?? {};
      const isReady = c.ready ?? true;
      const isServing = c.serving ?? isReady;
      const bucket = isReady ? ready : isServing && c.terminating ? terminating : undefined;
      for (const ip of ep.addresses ?? []) bucket?.push({ ip, port: sp.port });
    }
  }
  const chosen = ready.length > 0 ? ready : terminating;
  const clusterIP = svc.spec.clusterIP && svc.spec.clusterIP !== 'None' ? svc.spec.clusterIP : undefined;
  return {
    ok: true,
    backend: {
      key: backendKey(namespace, ref.name, port.port),
      namespace,
      service: ref.name,
      servicePort: port.port,
      ...(clusterIP ? { clusterIP } : {}),
      endpoints: dedupeSorted(chosen),
    },
  };
}

/**
 * An ExternalName Service as ingress-nginx proxies to it: the addresses its
 * name resolves to, on the Ingress's port number (or the number of the
 * Service port it names: an ExternalName Service has no endpoints to map a
 * target port). No ClusterIP to fall back on; no address yet: the balancer's 503.
 */
function externalNameBackend(namespace: string, ref: IngressServiceBackend, svc: Service, index: ServiceIndex): BackendResolution {
  const number = ref.port?.number ?? svc.spec.ports?.find((p) => p.name === ref.port?.name)?.port;
  if (number === undefined) {
    return { ok: false, reason: 'PortNotFound', message: `service ${namespace}/${ref.name} has no port ${JSON.stringify(ref.port?.name ?? '')}` };
  }
  const ips = index.externalAddresses?.(svc.spec.externalName ?? '') ?? [];
  return {
    ok: true,
    backend: {
      key: backendKey(namespace, ref.name, number), namespace, service: ref.name, servicePort: number,
      endpoints: dedupeSorted(ips.map((ip) => ({ ip, port: number }))),
    },
  };
}

function dedupeSorted(list: EndpointAddress[]): EndpointAddress[] {
  const seen = new Map<string, EndpointAddress>();
  for (const a of list) seen.set(`${a.ip}|${a.port}`, a);
  return [...seen.values()].sort((a, b) => compareIp(a.ip, b.ip) || a.port - b.port);
}

/** Numeric order for IPv4 (10.0.0.9 before 10.0.0.10); plain text order otherwise. */
function compareIp(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  if (pa.length === 4 && pb.length === 4) {
    for (let i = 0; i < 4; i++) {
      const d = Number(pa[i]) - Number(pb[i]);
      if (d !== 0) return d;
    }
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
