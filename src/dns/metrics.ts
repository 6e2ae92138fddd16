// Prometheus metrics with CoreDNS's names (plugin/metrics, plugin/cache,
// plugin/forward), so dashboards and `podnet doctor` read them the same way,
// and the health/ready endpoints of CoreDNS's health and ready plugins.
// Counters are plain numbers bumped on the hot path; text is rendered on scrape.
// The hot path (a cached UDP answer) counts by number into flat typed arrays:
// no label string is built and no Map is hashed per query; names are only
// made when /metrics is scraped.

import http from 'node:http';
import { rcodeName } from './records.js';
import { typeName } from './wire.js';

/** CoreDNS plugin/metrics/vars: prometheus.ExponentialBuckets(0.00025, 2, 16) */
export const DURATION_BUCKETS = Array.from({ length: 16 }, (_, i) => 0.00025 * 2 ** i);

export type Proto = 'udp' | 'tcp';

/** query types 0–255 (all the ones we serve) are counted by number, the rest by name */
const TYPE_SLOTS = 256;
/** RCODEs 0–31 (RFC 1035 and RFC 6891's BADVERS=16) by number, the rest by name */
const RCODE_SLOTS = 32;

export class DnsMetrics {
  private readonly requests = new Map<string, number>(); // `${type}\0${proto}`
  /** [qtype * 2 + (tcp ? 1 : 0)] */
  private readonly requestsByType = new Float64Array(TYPE_SLOTS * 2);
  private readonly responses = new Map<string, number>(); // rcode name
  private readonly responsesByCode = new Float64Array(RCODE_SLOTS);
  private readonly bucketCounts = new Float64Array(DURATION_BUCKETS.length);
  private durationSum = 0;
  private durationCount = 0;
  private readonly cacheHits = { success: 0, denial: 0 };
  cacheMisses = 0;
  private readonly forwardRequests = new Map<string, number>();
  private readonly forwardResponses = new Map<string, number>(); // `${to}\0${rcode}`
  private readonly gauges = new Map<string, { help: string; read: () => number }>();

  request(type: string, proto: Proto): void {
    const k = `${type}\0${proto}`;
    this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
  }

  /** The hot path's request(): a query type by number. */
  requestType(qtype: number, proto: Proto): void {
    if (qtype < TYPE_SLOTS) this.requestsByType[qtype * 2 + (proto === 'tcp' ? 1 : 0)]!++;
    else this.request(typeName(qtype), proto);
  }

  response(rcode: string, seconds: number): void {
    this.responses.set(rcode, (this.responses.get(rcode) ?? 0) + 1);
    this.observe(seconds);
  }

  /** The hot path's response(): an RCODE by number. */
  responseCode(rcode: number, seconds: number): void {
    if (rcode < RCODE_SLOTS) this.responsesByCode[rcode]!++;
    else this.responses.set(rcodeName(rcode), (this.responses.get(rcodeName(rcode)) ?? 0) + 1);
    this.observe(seconds);
  }

  private observe(seconds: number): void {
    this.durationSum += seconds;
    this.durationCount++;
    for (let i = 0; i < DURATION_BUCKETS.length; i++) {
      if (seconds <= DURATION_BUCKETS[i]!) { this.bucketCounts[i]!++; break; }
    }
  }

  /** CoreDNS cache plugin: success = NOERROR with answers, denial = NXDOMAIN/NODATA */
  cacheHit(denial: boolean): void {
    if (denial) this.cacheHits.denial++; else this.cacheHits.success++;
  }

  forwardRequest(to: string): void {
    this.forwardRequests.set(to, (this.forwardRequests.get(to) ?? 0) + 1);
  }

  forwardResponse(to: string, rcode: string): void {
    const k = `${to}\0${rcode}`;
    this.forwardResponses.set(k, (this.forwardResponses.get(k) ?? 0) + 1);
  }

  gauge(name: string, help: string, read: () => number): void {
    this.gauges.set(name, { help, read });
  }

  /** requests by `${type}\0${proto}`, the counted-by-number ones merged in by name */
  private requestCounts(): Map<string, number> {
    const all = new Map<string, number>();
    for (let i = 0; i < this.requestsByType.length; i++) {
      const v = this.requestsByType[i]!;
      if (v > 0) all.set(`${typeName(i >> 1)}\0${i & 1 ? 'tcp' : 'udp'}`, v);
    }
    for (const [k, v] of this.requests) all.set(k, (all.get(k) ?? 0) + v);
    return all;
  }

  private responseCounts(): Map<string, number> {
    const all = new Map<string, number>();
    for (let i = 0; i < RCODE_SLOTS; i++) if (this.responsesByCode[i]! > 0) all.set(rcodeName(i), this.responsesByCode[i]!);
    for (const [k, v] of this.responses) all.set(k, (all.get(k) ?? 0) + v);
    return all;
  }

  render(): string {
    const out: string[] = [];
    const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    out.push('# HELP coredns_dns_requests_total Counter of DNS requests made per zone, protocol and family.');
    out.push('# TYPE coredns_dns_requests_total counter');
    for (const [k, v] of this.requestCounts()) {
      const [type, proto] = k.split('\0');
      out.push(`coredns_dns_requests_total{server="dns://:53",zone=".",proto="${proto}",family="1",type="${esc(type!)}"} ${v}`);
    }
    out.push('# HELP coredns_dns_responses_total Counter of response status codes.');
    out.push('# TYPE coredns_dns_responses_total counter');
    for (const [rcode, v] of this.responseCounts()) out.push(`coredns_dns_responses_total{server="dns://:53",zone=".",rcode="${rcode}"} ${v}`);
    out.push('# HELP coredns_dns_request_duration_seconds Histogram of the time (in seconds) each request took.');
    out.push('# TYPE coredns_dns_request_duration_seconds histogram');
    let cum = 0;
    for (let i = 0; i < DURATION_BUCKETS.length; i++) {
      cum += this.bucketCounts[i]!;
      out.push(`coredns_dns_request_duration_seconds_bucket{server="dns://:53",zone=".",le="${DURATION_BUCKETS[i]}"} ${cum}`);
    }
    out.push(`coredns_dns_request_duration_seconds_bucket{server="dns://:53",zone=".",le="+Inf"} ${this.durationCount}`);
    out.push(`coredns_dns_request_duration_seconds_sum{server="dns://:53",zone="."} ${this.durationSum}`);
    out.push(`coredns_dns_request_duration_seconds_count{server="dns://:53",zone="."} ${this.durationCount}`);
    out.push('# HELP coredns_cache_hits_total The count of cache hits.');
    out.push('# TYPE coredns_cache_hits_total counter');
    out.push(`coredns_cache_hits_total{server="dns://:53",type="success"} ${this.cacheHits.success}`);
    out.push(`coredns_cache_hits_total{server="dns://:53",type="denial"} ${this.cacheHits.denial}`);
    out.push('# HELP coredns_cache_misses_total The count of cache misses.');
    out.push('# TYPE coredns_cache_misses_total counter');
    out.push(`coredns_cache_misses_total{server="dns://:53"} ${this.cacheMisses}`);
    out.push('# HELP coredns_forward_requests_total Counter of requests made per upstream.');
    out.push('# TYPE coredns_forward_requests_total counter');
    for (const [to, v] of this.forwardRequests) out.push(`coredns_forward_requests_total{to="${esc(to)}"} ${v}`);
    out.push('# HELP coredns_forward_responses_total Counter of responses received per upstream.');
    out.push('# TYPE coredns_forward_responses_total counter');
    for (const [k, v] of this.forwardResponses) {
      const [to, rcode] = k.split('\0');
      out.push(`coredns_forward_responses_total{to="${esc(to!)}",rcode="${rcode}"} ${v}`);
    }
    for (const [name, g] of this.gauges) {
      out.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`, `${name} ${g.read()}`);
    }
    return out.join('\n') + '\n';
  }
}

export interface HttpEndpoints {
  metrics?: DnsMetrics;
  /** /health: the process is alive (CoreDNS health plugin answers "OK") */
  health?: boolean;
  /** /ready: answers 200 once this returns true (CoreDNS ready plugin: every plugin ready, here: index synced) */
  ready?: () => boolean;
}

/** One small HTTP server for /metrics, /health and /ready (any combination, per listen address). */
export function httpEndpointsServer(endpoints: HttpEndpoints): http.Server {
  return http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics' && endpoints.metrics) {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(endpoints.metrics.render());
    } else if (path === '/health' && endpoints.health) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('OK');
    } else if (path === '/ready' && endpoints.ready) {
      const ok = endpoints.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ok ? 'OK' : 'kubernetes');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('404 page not found\n');
    }
  });
}
