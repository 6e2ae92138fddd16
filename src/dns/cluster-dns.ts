// Cluster DNS as a component: informers for Services, EndpointSlices and
// Namespaces (and Pods in `pods verified` mode) feed the ClusterIndex; the
// DnsServer answers from it through the ClusterResolver and forwards the rest; metrics, health and readiness are
// served over HTTP. Informer events update the index synchronously, so an API
// change is visible to the next query (well inside the 1 s the spec allows
// for).

import type http from 'node:http';
import type { EndpointSlice, KubeObject, Namespace, Pod, Service } from '../api/types.js';
import type { Client } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { DEFAULT_CLUSTER_DNS_OPTIONS, type ClusterDnsOptions } from './answer.js';
import { ClusterIndex } from './cluster-records.js';
import { ClusterResolver } from './cluster-resolver.js';
import { Forwarder, type Upstream } from './forwarder.js';
import { DnsMetrics, httpEndpointsServer, type HttpEndpoints } from './metrics.js';
import type { QueryLog } from './query-log.js';
import { DnsServer } from './server.js';

import type { HostPort } from './host-port.js';

export interface ClusterDnsConfig {
  client: Client;
  listen: HostPort;
  upstreams: Upstream[];
  dns?: Partial<ClusterDnsOptions>;
  /** /metrics (CoreDNS prometheus plugin, :9153) */
  metrics?: HostPort;
  /** /health (CoreDNS health plugin, :8080) */
  health?: HostPort;
  /** /ready (CoreDNS ready plugin, :8181) */
  ready?: HostPort;
  queryLog?: QueryLog;
  log?: (msg: string) => void;
}

export class ClusterDns {
  readonly index = new ClusterIndex();
  readonly metrics = new DnsMetrics();
  readonly server: DnsServer;
  private readonly forwarder: Forwarder;
  private readonly informers: Informer[] = [];
  private readonly httpServers: http.Server[] = [];
  private readonly options: ClusterDnsOptions;

  constructor(private readonly config: ClusterDnsConfig) {
    this.options = { ...DEFAULT_CLUSTER_DNS_OPTIONS, ...config.dns };
    this.forwarder = new Forwarder({
      upstreams: config.upstreams,
      onRequest: (to) => this.metrics.forwardRequest(to),
      onResponse: (to, rcode) => this.metrics.forwardResponse(to, rcode),
    });
    this.server = new DnsServer({
      handler: new ClusterResolver(this.index, this.options, this.forwarder),
      host: config.listen.host, port: config.listen.port, metrics: this.metrics, queryLog: config.queryLog,
    });
    this.metrics.gauge('podnet_dns_index_services', 'Services in the DNS index.', () => this.index.size().services);
    this.metrics.gauge('podnet_dns_index_endpoints', 'Endpoint addresses in the DNS index.', () => this.index.size().endpoints);
    this.metrics.gauge('podnet_dns_index_synced', '1 once Services, EndpointSlices and Namespaces (and Pods in verified mode) are listed.', () => (this.index.synced() ? 1 : 0));
  }

  /** The DNS port actually bound (for listen port 0). */
  get port(): number { return this.server.port; }

  /** Starts serving at once (SERVFAIL for cluster names until synced) and the informers; resolves when listening. */
  async start(): Promise<void> {
    const log = this.config.log ?? ((m: string) => process.stderr.write(`${m}\n`));
    const c = this.config.client;
    const idx = this.index;
    const watch = <T extends KubeObject>(plural: string, upsert: (o: T) => void, del: (o: T) => void): void => {
      const inf = new Informer<T>(c, plural, { log });
      inf.onAdd(upsert).onUpdate((_old, o) => upsert(o)).onDelete(del);
      this.informers.push(inf as unknown as Informer);
    };
    const ns = (o: KubeObject) => o.metadata.namespace ?? 'default';
    const name = (o: KubeObject) => o.metadata.name ?? '';
    watch<Service>('services', (o) => idx.upsertService(o), (o) => idx.deleteService(ns(o), name(o)));
    watch<EndpointSlice>('endpointslices', (o) => idx.upsertEndpointSlice(o), (o) => idx.deleteEndpointSlice(ns(o), name(o)));
    watch<Namespace>('namespaces', (o) => idx.upsertNamespace(o), (o) => idx.deleteNamespace(name(o)));
    // Only `pods verified` reads pods (podExists); CoreDNS's kubernetes plugin
    // starts its pod informer in that mode alone. Pods are the busiest kind
    // (every status write is an event): in the other modes the watch would be
    // half of this process's work during a large apply, for nothing.
    if (this.options.podMode === 'verified') watch<Pod>('pods', (o) => idx.upsertPod(o), (o) => idx.deletePod(ns(o), name(o)));
    await this.server.start();
    for (const inf of this.informers) inf.start();
    // CoreDNS: nothing is answered from a half-listed cache; SERVFAIL until every informer has synced.
    void Promise.all(this.informers.map((i) => i.synced)).then(() => {
      idx.markSynced();
      log(`cluster dns: synced ${JSON.stringify(idx.size())}`);
    });
    const servers = new Map<string, HttpEndpoints & { at: HostPort }>();
    const add = (at: HostPort | undefined, e: HttpEndpoints) => {
      if (!at) return;
      const k = `${at.host}:${at.port}`;
      servers.set(k, { ...(servers.get(k) ?? { at }), ...e });
    };
    add(this.config.metrics, { metrics: this.metrics });
    add(this.config.health, { health: true });
    add(this.config.ready, { ready: () => this.index.synced() });
    for (const { at, ...e } of servers.values()) {
      const srv = httpEndpointsServer(e);
      await new Promise<void>((resolve, reject) => { srv.once('error', reject); srv.listen(at.port, at.host, () => resolve()); });
      this.httpServers.push(srv);
    }
  }

  /** The address an HTTP endpoint bound (for port 0), by which kind it serves. */
  httpPort(i = 0): number {
    const a = this.httpServers[i]?.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  async stop(): Promise<void> {
    for (const inf of this.informers) inf.stop();
    this.forwarder.close();
    await this.server.stop();
    await Promise.all(this.httpServers.map((s) => new Promise<void>((resolve) => { s.closeAllConnections?.(); s.close(() => resolve()); })));
    await this.config.queryLog?.close();
  }
}

