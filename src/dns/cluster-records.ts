// The cluster DNS index: trimmed copies of Services, EndpointSlices,
// Namespaces and (in 'pods verified' mode only) Pods, kept up to date one
// object at a time (O(1) per event apart from the object's own size), and
// read through the DnsIndex interface that answer.ts depends on — tests fake
// it or fill a ClusterIndex directly. Like
// CoreDNS's kubernetes plugin (its dnsController) it keeps only what DNS needs,
// so 10,000 Services and 50,000 endpoints cost a few MB.

import type { EndpointSlice, KubeObject, Namespace, Pod, Service, WatchEventType } from '../api/types.js';

/** The label that ties an EndpointSlice to its Service (discovery.k8s.io/v1). */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface DnsPort {
  /** '' for an unnamed port (no SRV record of its own, spec §2.4.2) */
  name: string;
  /** lower case: tcp, udp, sctp — as it appears in `_<proto>` labels */
  protocol: string;
  port: number;
}

export type DnsServiceKind = 'ClusterIP' | 'Headless' | 'ExternalName';

export interface DnsService {
  name: string;
  namespace: string;
  kind: DnsServiceKind;
  /** the Service's ClusterIPs (empty while not yet allocated, and for Headless/ExternalName) */
  ips: readonly string[];
  externalName: string;
  ports: readonly DnsPort[];
  publishNotReadyAddresses: boolean;
}

export interface DnsEndpoint {
  ip: string;
  hostname: string | undefined;
  ready: boolean;
  /** the ports of the slice the endpoint came from (shared array) */
  ports: readonly DnsPort[];
}

export interface EndpointOfService { service: DnsService; endpoint: DnsEndpoint }

/** What answer.ts reads. Everything it returns is treated as immutable. */
export interface DnsIndex {
  /** false until Services, EndpointSlices (and Namespaces, Pods) have been listed: answer SERVFAIL till then */
  synced(): boolean;
  /** changes whenever anything DNS-visible changes; cached responses of an older generation are stale */
  generation(): number;
  /** SOA serial: seconds since the epoch of the last change */
  serial(): number;
  namespaceExists(namespace: string): boolean;
  service(namespace: string, name: string): DnsService | undefined;
  /** all endpoints of a Service over all its slices, de-duplicated by IP */
  endpoints(namespace: string, name: string): readonly DnsEndpoint[];
  /** Services whose ClusterIP is `ip` */
  servicesByIP(ip: string): readonly DnsService[];
  /** endpoints with address `ip`, with their Service (any kind; answer.ts keeps the headless ones) */
  endpointsByIP(ip: string): readonly EndpointOfService[];
  /** is there a pod with this IP in this namespace ('pods verified' mode) */
  podExists(namespace: string, ip: string): boolean;
}

interface SliceEntry {
  serviceKey: string;
  namespace: string;
  endpoints: DnsEndpoint[];
}

interface PodEntry { namespace: string; ips: string[] }

const EMPTY: readonly never[] = Object.freeze([]);

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Trims a Service to what DNS serves (spec §2.3, §2.4). */
export function trimService(svc: Service): DnsService {
  const spec = svc.spec ?? {};
  const kind: DnsServiceKind = spec.type === 'ExternalName' ? 'ExternalName' : spec.clusterIP === 'None' ? 'Headless' : 'ClusterIP';
  const ips = kind === 'ClusterIP' ? (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter((ip) => ip && ip !== 'None') : [];
  return {
    name: svc.metadata.name ?? '',
    namespace: svc.metadata.namespace ?? 'default',
    kind,
    ips,
    externalName: kind === 'ExternalName' ? (spec.externalName ?? '').toLowerCase().replace(/\.$/, '') : '',
    ports: (spec.ports ?? []).map((p) => ({ name: (p.name ?? '').toLowerCase(), protocol: (p.protocol ?? 'TCP').toLowerCase(), port: p.port })),
    publishNotReadyAddresses: spec.publishNotReadyAddresses === true,
  };
}

function sameService(a: DnsService, b: DnsService): boolean {
  return a.kind === b.kind && a.externalName === b.externalName && a.publishNotReadyAddresses === b.publishNotReadyAddresses &&
    a.ips.join() === b.ips.join() && JSON.stringify(a.ports) === JSON.stringify(b.ports);
}

function trimSlice(slice: EndpointSlice): { serviceName: string | undefined; endpoints: DnsEndpoint[] } {
  const serviceName = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  if (slice.addressType === 'FQDN') return { serviceName, endpoints: [] };
  const ports: DnsPort[] = (slice.ports ?? []).filter((p) => p.port !== undefined)
    .map((p) => ({ name: (p.name ?? '').toLowerCase(), protocol: (p.protocol ?? 'TCP').toLowerCase(), port: p.port! }));
  const endpoints: DnsEndpoint[] = [];
  for (const ep of slice.endpoints ?? []) {
    // discovery.k8s.io/v1: a nil `ready` condition means ready.
    const ready = ep.conditions?.ready !== false;
    const hostname = ep.hostname ? ep.hostname.toLowerCase() : undefined;
    for (const ip of ep.addresses ?? []) endpoints.push({ ip, hostname, ready, ports });
  }
  return { serviceName, endpoints };
}

function podIPs(pod: Pod): string[] {
  const ips = pod.status?.podIPs?.map((p) => p.ip) ?? (pod.status?.podIP ? [pod.status.podIP] : []);
  return pod.spec?.hostNetwork ? [] : ips.filter(Boolean);
}

function addTo<K, V>(map: Map<K, V[]>, k: K, v: V): void {
  const list = map.get(k);
  if (list) list.push(v); else map.set(k, [v]);
}

function removeFrom<K, V>(map: Map<K, V[]>, k: K, v: V): void {
  const list = map.get(k);
  if (!list) return;
  const i = list.indexOf(v);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(k);
}

export class ClusterIndex implements DnsIndex {
  private isSynced = false;
  private gen = 0;
  private lastChange = Math.floor(Date.now() / 1000);
  private readonly services = new Map<string, DnsService>();
  private readonly serviceIPs = new Map<string, DnsService[]>();
  private readonly slices = new Map<string, SliceEntry>();
  private readonly slicesOfService = new Map<string, Set<string>>();
  private readonly mergedEndpoints = new Map<string, DnsEndpoint[]>();
  private readonly endpointIPs = new Map<string, string[]>(); // ip → slice keys
  private readonly pods = new Map<string, PodEntry>();
  private readonly podIPsIndex = new Map<string, string[]>(); // ip → namespaces
  private readonly namespaceObjects = new Set<string>();
  /** namespace → number of Services and Pods in it: a namespace with objects exists even unwatched */
  private readonly namespaceRefs = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  // ---- DnsIndex ----
  synced(): boolean { return this.isSynced; }
  generation(): number { return this.gen; }
  serial(): number { return this.lastChange; }
  namespaceExists(namespace: string): boolean { return this.namespaceObjects.has(namespace) || this.namespaceRefs.has(namespace); }
  service(namespace: string, name: string): DnsService | undefined { return this.services.get(key(namespace, name)); }
  servicesByIP(ip: string): readonly DnsService[] { return this.serviceIPs.get(ip) ?? EMPTY; }
  podExists(namespace: string, ip: string): boolean { return this.podIPsIndex.get(ip)?.includes(namespace) ?? false; }

  endpoints(namespace: string, name: string): readonly DnsEndpoint[] {
    const k = key(namespace, name);
    const cached = this.mergedEndpoints.get(k);
    if (cached) return cached;
    const sliceKeys = this.slicesOfService.get(k);
    if (!sliceKeys) return EMPTY;
    // Merge lazily: a Service's endpoints change far less often than they are read.
    const seen = new Map<string, DnsEndpoint>();
    for (const sk of sliceKeys) {
      for (const ep of this.slices.get(sk)!.endpoints) {
        const prev = seen.get(ep.ip);
        // The same address can sit in two slices while the controller moves it: prefer the ready copy.
        if (!prev || (!prev.ready && ep.ready)) seen.set(ep.ip, ep);
      }
    }
    const merged = [...seen.values()];
    this.mergedEndpoints.set(k, merged);
    return merged;
  }

  endpointsByIP(ip: string): readonly EndpointOfService[] {
    const sliceKeys = this.endpointIPs.get(ip);
    if (!sliceKeys) return EMPTY;
    const out: EndpointOfService[] = [];
    for (const sk of sliceKeys) {
      const slice = this.slices.get(sk)!;
      const service = this.services.get(slice.serviceKey);
      if (!service) continue;
      for (const endpoint of slice.endpoints) if (endpoint.ip === ip) out.push({ service, endpoint });
    }
    return out;
  }

  // ---- maintenance ----

  /** Call once Services, EndpointSlices, Namespaces (and Pods, when watched) have had their initial list. */
  markSynced(): void {
    if (this.isSynced) return;
    this.isSynced = true;
    this.changed();
  }

  /** Applies one watch event of any kind DNS cares about; other kinds are ignored. */
  apply(type: WatchEventType, obj: KubeObject): void {
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return;
    const del = type === 'DELETED';
    switch (obj.kind) {
      case 'Service': return del ? this.deleteService(obj.metadata.namespace ?? 'default', obj.metadata.name ?? '') : this.upsertService(obj as Service);
      case 'EndpointSlice': return del ? this.deleteEndpointSlice(obj.metadata.namespace ?? 'default', obj.metadata.name ?? '') : this.upsertEndpointSlice(obj as EndpointSlice);
      case 'Pod': return del ? this.deletePod(obj.metadata.namespace ?? 'default', obj.metadata.name ?? '') : this.upsertPod(obj as Pod);
      case 'Namespace': return del ? this.deleteNamespace(obj.metadata.name ?? '') : this.upsertNamespace(obj as Namespace);
      default: return;
    }
  }

  upsertService(svc: Service): void {
    const trimmed = trimService(svc);
    const k = key(trimmed.namespace, trimmed.name);
    const prev = this.services.get(k);
    if (prev && sameService(prev, trimmed)) return;
    if (prev) this.unindexService(k, prev); else this.ref(trimmed.namespace, 1);
    this.services.set(k, trimmed);
    for (const ip of trimmed.ips) addTo(this.serviceIPs, ip, trimmed);
    this.changed();
  }

  deleteService(namespace: string, name: string): void {
    const k = key(namespace, name);
    const prev = this.services.get(k);
    if (!prev) return;
    this.unindexService(k, prev);
    this.ref(namespace, -1);
    this.changed();
  }

  upsertEndpointSlice(slice: EndpointSlice): void {
    const namespace = slice.metadata.namespace ?? 'default';
    const sk = key(namespace, slice.metadata.name ?? '');
    const { serviceName, endpoints } = trimSlice(slice);
    const prev = this.slices.get(sk);
    if (prev) this.unindexSlice(sk, prev);
    if (serviceName) {
      const entry: SliceEntry = { serviceKey: key(namespace, serviceName), namespace, endpoints };
      this.slices.set(sk, entry);
      let set = this.slicesOfService.get(entry.serviceKey);
      if (!set) this.slicesOfService.set(entry.serviceKey, set = new Set());
      set.add(sk);
      this.mergedEndpoints.delete(entry.serviceKey);
      for (const ep of endpoints) addTo(this.endpointIPs, ep.ip, sk);
    }
    if (prev || serviceName) this.changed();
  }

  deleteEndpointSlice(namespace: string, name: string): void {
    const sk = key(namespace, name);
    const prev = this.slices.get(sk);
    if (!prev) return;
    this.unindexSlice(sk, prev);
    this.changed();
  }

  upsertPod(pod: Pod): void {
    const namespace = pod.metadata.namespace ?? 'default';
    const k = key(namespace, pod.metadata.name ?? '');
    const ips = podIPs(pod);
    const prev = this.pods.get(k);
    // Pods change status often; only an address change is visible to DNS.
    if (prev && prev.ips.join() === ips.join()) return;
    if (prev) for (const ip of prev.ips) removeFrom(this.podIPsIndex, ip, namespace);
    else this.ref(namespace, 1);
    this.pods.set(k, { namespace, ips });
    for (const ip of ips) addTo(this.podIPsIndex, ip, namespace);
    this.changed();
  }

  deletePod(namespace: string, name: string): void {
    const k = key(namespace, name);
    const prev = this.pods.get(k);
    if (!prev) return;
    for (const ip of prev.ips) removeFrom(this.podIPsIndex, ip, namespace);
    this.pods.delete(k);
    this.ref(namespace, -1);
    this.changed();
  }

  upsertNamespace(ns: Namespace): void {
    const name = ns.metadata.name ?? '';
    if (this.namespaceObjects.has(name)) return;
    this.namespaceObjects.add(name);
    this.changed();
  }

  deleteNamespace(name: string): void {
    if (this.namespaceObjects.delete(name)) this.changed();
  }

  /** Object counts, for metrics and the bench. */
  size(): { services: number; endpointSlices: number; endpoints: number; pods: number } {
    let endpoints = 0;
    for (const s of this.slices.values()) endpoints += s.endpoints.length;
    return { services: this.services.size, endpointSlices: this.slices.size, endpoints, pods: this.pods.size };
  }

  private unindexService(k: string, svc: DnsService): void {
    for (const ip of svc.ips) removeFrom(this.serviceIPs, ip, svc);
    this.services.delete(k);
  }

  private unindexSlice(sk: string, slice: SliceEntry): void {
    for (const ep of slice.endpoints) removeFrom(this.endpointIPs, ep.ip, sk);
    const set = this.slicesOfService.get(slice.serviceKey);
    set?.delete(sk);
    if (set?.size === 0) this.slicesOfService.delete(slice.serviceKey);
    this.mergedEndpoints.delete(slice.serviceKey);
    this.slices.delete(sk);
  }

  private ref(namespace: string, delta: number): void {
    const n = (this.namespaceRefs.get(namespace) ?? 0) + delta;
    if (n <= 0) this.namespaceRefs.delete(namespace); else this.namespaceRefs.set(namespace, n);
  }

  private changed(): void {
    this.gen++;
    this.lastChange = Math.floor(this.clock() / 1000);
  }
}
