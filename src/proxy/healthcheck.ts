// healthCheckNodePort servers for externalTrafficPolicy: Local Services.
// The cloud load balancer asks every node; only nodes with a ready local
// endpoint answer 200, so traffic (and its client source IP) goes only where
// it can be served without a second hop. The body is kube-proxy's
// (pkg/proxy/healthcheck/service_health.go). The agent runs this inside the
// node's network namespace, so listening on 0.0.0.0 means the node's addresses.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HealthCheckInfo } from './service-ports.js';

const DEFAULT_HOST = '0.0.0.0';

export interface HealthCheckBody {
  service: { namespace: string; name: string };
  localEndpoints: number;
  serviceProxyHealthy: boolean;
}

/** Status and body for one Service (pure). */
export function healthResponse(info: HealthCheckInfo): { status: number; body: HealthCheckBody } {
  return {
    status: info.localEndpoints > 0 ? 200 : 503,
    body: { service: { namespace: info.namespace, name: info.name }, localEndpoints: info.localEndpoints, serviceProxyHealthy: true },
  };
}

interface Listener { server: http.Server; requestedPort: number; info: HealthCheckInfo }

export class HealthCheckServer {
  private readonly listeners = new Map<string, Listener>();

  constructor(private readonly host = DEFAULT_HOST, private readonly log: (line: string) => void = () => {}) {}

  /** Opens, updates and closes listeners to match `checks` (from SyncResult.healthChecks). */
  async sync(checks: readonly HealthCheckInfo[]): Promise<void> {
    const wanted = new Map(checks.map((c) => [`${c.namespace}/${c.name}`, c]));
    for (const [key, l] of this.listeners) {
      const w = wanted.get(key);
      if (!w || w.port !== l.requestedPort) {
        this.listeners.delete(key);
        await close(l.server);
      }
    }
    for (const [key, info] of wanted) {
      const existing = this.listeners.get(key);
      if (existing) { existing.info = info; continue; }
      const listener: Listener = { server: http.createServer(), requestedPort: info.port, info };
      listener.server.on('request', (_req, res) => {
        const { status, body } = healthResponse(listener.info);
        res.writeHead(status, {
          'Content-Type': 'application/json',
          'X-Content-Type-Options': 'nosniff',
          'X-Load-Balancing-Endpoint-Weight': String(listener.info.localEndpoints),
        });
        res.end(JSON.stringify(body));
      });
      try {
        await listen(listener.server, info.port, this.host);
        this.listeners.set(key, listener);
      } catch (err) {
        // Another process holds the port: report and carry on with the others.
        this.log(`could not serve healthCheckNodePort ${info.port} for ${key}: ${(err as Error).message}`);
      }
    }
  }

  /** The bound port for a Service (useful when it asked for port 0). */
  port(namespace: string, name: string): number | undefined {
    const l = this.listeners.get(`${namespace}/${name}`);
    return l ? (l.server.address() as AddressInfo).port : undefined;
  }

  async close(): Promise<void> {
    const all = [...this.listeners.values()];
    this.listeners.clear();
    await Promise.all(all.map((l) => close(l.server)));
  }
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
}
