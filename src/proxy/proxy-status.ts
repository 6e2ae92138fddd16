// kube-proxy's own HTTP endpoints, served by each node agent in its node's
// network namespace: the healthz server on 0.0.0.0:10256 (`/healthz`,
// `/livez`: what a cloud load balancer asks of every node for Services with
// externalTrafficPolicy Cluster) and the metrics server on 127.0.0.1:10249
// (`/proxyMode`, `/metrics`, `/healthz`, `/livez`), so the checks the docs
// show (`curl localhost:10249/proxyMode`) answer as on a kubeadm node.

import http from 'node:http';

export const HEALTHZ_PORT = 10256;
export const METRICS_PORT = 10249;
/** kube-proxy's healthTimeout: twice its 30 s syncPeriod */
const HEALTH_TIMEOUT_MS = 60_000;
/** kube-proxy's sync duration histogram buckets (metrics.go: exponential from 1 ms, factor 2, 15 buckets) */
const BUCKETS = Array.from({ length: 15 }, (_, i) => 0.001 * 2 ** i);

/** What the proxy loop tells: a change queued, a sync done. Time is injected for tests. */
export class ProxyHealth {
  private lastSynced: number | undefined;
  private pendingSince: number | undefined;
  /** per bucket, the syncs that took at most its bound (cumulative, as printed): counts rather than every duration, as an agent syncs for as long as it runs */
  private readonly bucketCounts = BUCKETS.map(() => 0);
  private durationSum = 0;
  private durationCount = 0;

  constructor(private readonly now: () => number = Date.now) {}

  queued(): void { this.pendingSince ??= this.now(); }

  synced(durationMs: number, startedAt: number): void {
    this.lastSynced = this.now();
    // a change queued while this sync ran is still waiting for the next one
    if (this.pendingSince !== undefined && this.pendingSince <= startedAt) this.pendingSince = undefined;
    const seconds = durationMs / 1000;
    BUCKETS.forEach((le, i) => { if (seconds <= le) this.bucketCounts[i]! += 1; });
    this.durationSum += seconds;
    this.durationCount += 1;
  }

  /**
   * kube-proxy's ProxierHealthServer: healthy once it has synced and while no
   * change has waited longer than the timeout for a sync.
   */
  healthy(): boolean {
    if (this.lastSynced === undefined) return false;
    return this.pendingSince === undefined || this.now() - this.pendingSince < HEALTH_TIMEOUT_MS;
  }

  /** the body of /healthz (nodeEligible: podnet never marks a node for deletion) */
  body(withNodeEligible: boolean): string {
    const iso = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());
    return JSON.stringify({ lastUpdated: iso(this.lastSynced), currentTime: iso(this.now()), ...(withNodeEligible ? { nodeEligible: true } : {}) });
  }

  /** Prometheus text: the sync duration histogram and the last sync's time, by kube-proxy's names. */
  metrics(): string {
    const name = 'kubeproxy_sync_proxy_rules_duration_seconds';
    const lines = [`# HELP ${name} [ALPHA] SyncProxyRules latency in seconds`, `# TYPE ${name} histogram`];
    BUCKETS.forEach((le, i) => lines.push(`${name}_bucket{le="${le}"} ${this.bucketCounts[i]}`));
    lines.push(`${name}_bucket{le="+Inf"} ${this.durationCount}`, `${name}_sum ${this.durationSum}`, `${name}_count ${this.durationCount}`);
    const last = 'kubeproxy_sync_proxy_rules_last_timestamp_seconds';
    lines.push(`# HELP ${last} [ALPHA] The last time proxy rules were successfully synced`, `# TYPE ${last} gauge`, `${last} ${this.lastSynced === undefined ? 0 : this.lastSynced / 1000}`);
    return `${lines.join('\n')}\n`;
  }
}

function healthHandler(health: ProxyHealth, res: http.ServerResponse, withNodeEligible: boolean): void {
  res.writeHead(health.healthy() ? 200 : 503, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' });
  res.end(health.body(withNodeEligible));
}

/** Starts both servers; a port another program holds is said and skipped, as the proxy works without them. */
export function serveProxyStatus(health: ProxyHealth, log: (line: string) => void, mode = 'nftables'): { stop(): void } {
  const healthz = http.createServer((req, res) => {
    const route = new URL(req.url ?? '/', 'http://x').pathname;
    if (route === '/healthz') return healthHandler(health, res, true);
    if (route === '/livez') return healthHandler(health, res, false);
    res.writeHead(404).end('404 page not found\n');
  });
  const metrics = http.createServer((req, res) => {
    const route = new URL(req.url ?? '/', 'http://x').pathname;
    switch (route) {
      case '/proxyMode': res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end(mode); return;
      case '/metrics': res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(health.metrics()); return;
      case '/healthz': return healthHandler(health, res, true);
      case '/livez': return healthHandler(health, res, false);
      default: res.writeHead(404).end('404 page not found\n');
    }
  });
  for (const [server, port, host] of [[healthz, HEALTHZ_PORT, '0.0.0.0'], [metrics, METRICS_PORT, '127.0.0.1']] as const) {
    server.on('error', (err) => log(`kube-proxy endpoint ${host}:${port} not served: ${err.message}`));
    server.listen(port, host);
    server.unref();
  }
  return { stop() { healthz.close(); metrics.close(); } };
}
