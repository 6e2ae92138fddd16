// Keeps the outside world's DNS in line with the cluster, as external-dns
// does with Route53: every host an Ingress names (its rules' hosts, its TLS
// hosts, and its `external-dns.alpha.kubernetes.io/hostname` annotation, as
// external-dns's ingress source reads them) resolves to that Ingress's
// load-balancer address, and every LoadBalancer Service with that annotation
// to its own; every hostname an accepted HTTPRoute serves through a Gateway
// (its hostnames as the Gateway's listeners narrow them, and the same
// annotation) resolves to that Gateway's addresses, as external-dns's
// gateway-httproute source publishes them. The records go to a
// JSON file (written whole, then renamed) that the external DNS server reloads.

import { renameSync, writeFileSync } from 'node:fs';
import type { Ingress, KubeObject, Service } from '../api/types.js';
import type { Gateway, HTTPRoute, Listener } from '../api/gateway-types.js';
import { hostnameIntersection } from '../ingress/gateway-hostnames.js';
import type { InformerSource, SharedInformer } from './informers.js';

export const HOSTNAME_ANNOTATION = 'external-dns.alpha.kubernetes.io/hostname';
const COALESCE_MS = 20;

export type RecordMap = Record<string, { A?: string[] }>;

function lbIPs(obj: { status?: { loadBalancer?: { ingress?: { ip?: string }[] } } }): string[] {
  return (obj.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => !!ip);
}

function annotatedHosts(obj: KubeObject): string[] {
  return (obj.metadata.annotations?.[HOSTNAME_ANNOTATION] ?? '').split(',').map((h) => h.trim()).filter(Boolean);
}

/** What external-dns's gateway-httproute source reads. */
export interface GatewayRoutes { gateways: readonly Gateway[]; routes: readonly HTTPRoute[] }

/** Pure: the public names the cluster publishes. Wildcard hosts are published as wildcards. */
export function externalRecords(ingresses: Ingress[], services: Service[], gateway: GatewayRoutes = { gateways: [], routes: [] }): RecordMap {
  const records = new Map<string, Set<string>>();
  const add = (host: string, ips: string[]) => {
    const name = host.toLowerCase().replace(/\.$/, '');
    if (!name || ips.length === 0) return;
    const set = records.get(name) ?? new Set<string>();
    for (const ip of ips) set.add(ip);
    records.set(name, set);
  };
  for (const ing of ingresses) {
    const ips = lbIPs(ing);
    for (const rule of ing.spec.rules ?? []) if (rule.host) add(rule.host, ips);
    for (const tls of ing.spec.tls ?? []) for (const host of tls.hosts ?? []) add(host, ips);
    for (const host of annotatedHosts(ing)) add(host, ips);
  }
  for (const svc of services) {
    if (svc.spec.type !== 'LoadBalancer') continue;
    for (const host of annotatedHosts(svc)) add(host, lbIPs(svc));
  }
  for (const { host, ips } of httpRouteHosts(gateway)) add(host, ips);
  const out: RecordMap = {};
  for (const name of [...records.keys()].sort()) out[name] = { A: [...records.get(name)!].sort() };
  return out;
}

/**
 * Does this listener take HTTPRoutes from this namespace? (A Selector is
 * taken as yes: the route's parent status, Accepted, already says it attached
 * somewhere, and this controller does not watch Namespaces' labels.)
 */
function admits(gw: Gateway, l: Listener, routeNamespace: string): boolean {
  if (l.protocol !== 'HTTP' && l.protocol !== 'HTTPS') return false;
  const kinds = l.allowedRoutes?.kinds;
  if (kinds?.length && !kinds.some((k) => k.kind === 'HTTPRoute')) return false;
  const from = l.allowedRoutes?.namespaces?.from ?? 'Same';
  return from !== 'Same' || routeNamespace === (gw.metadata.namespace ?? 'default');
}

/** Each hostname an HTTPRoute is accepted for by a Gateway, with that Gateway's addresses. */
function httpRouteHosts({ gateways, routes }: GatewayRoutes): { host: string; ips: string[] }[] {
  const out: { host: string; ips: string[] }[] = [];
  for (const route of routes) {
    const ns = route.metadata.namespace ?? 'default';
    for (const parent of route.status?.parents ?? []) {
      if (!parent.conditions.some((c) => c.type === 'Accepted' && c.status === 'True')) continue;
      const ref = parent.parentRef;
      const gw = gateways.find((g) => g.metadata.name === ref.name && (g.metadata.namespace ?? 'default') === (ref.namespace ?? ns));
      if (!gw) continue;
      const ips = (gw.status?.addresses ?? []).filter((a) => (a.type ?? 'IPAddress') === 'IPAddress').map((a) => a.value);
      const listeners = gw.spec.listeners.filter((l) => (ref.sectionName === undefined || l.name === ref.sectionName) && admits(gw, l, ns));
      const hosts = new Set([...listeners.flatMap((l) => hostnameIntersection(l.hostname, route.spec.hostnames ?? [])), ...annotatedHosts(route)]);
      for (const host of hosts) out.push({ host, ips });
    }
  }
  return out;
}

export class ExternalDnsController {
  private readonly ingresses: SharedInformer<Ingress>;
  private readonly services: SharedInformer<Service>;
  private readonly gateways: SharedInformer<Gateway>;
  private readonly routes: SharedInformer<HTTPRoute>;
  private timer: NodeJS.Timeout | undefined;
  private last = '';

  constructor(informers: InformerSource, private readonly file: string) {
    this.ingresses = informers.informer<Ingress>('ingresses');
    this.services = informers.informer<Service>('services');
    this.gateways = informers.informer<Gateway>('gateways');
    this.routes = informers.informer<HTTPRoute>('httproutes');
    const changed = (_a: KubeObject, _b?: KubeObject) => this.schedule();
    for (const inf of [this.ingresses, this.services, this.gateways, this.routes] as SharedInformer<KubeObject>[]) inf.addHandlers({ add: changed, update: changed, delete: changed });
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => { this.timer = undefined; this.sync(); }, COALESCE_MS);
  }

  sync(): void {
    const text = `${JSON.stringify(externalRecords(this.ingresses.list(), this.services.list(), { gateways: this.gateways.list(), routes: this.routes.list() }), null, 2)}\n`;
    if (text === this.last) return;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, this.file);
    this.last = text;
  }

  stop(): void { if (this.timer) clearTimeout(this.timer); }
}
