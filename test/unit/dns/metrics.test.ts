import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsMetrics } from '../../../src/dns/metrics.js';

test('counts by number (hot path) and by name (slow path) render as one series per label set', () => {
  const m = new DnsMetrics();
  m.requestType(1, 'udp');
  m.request('A', 'udp');
  m.requestType(33, 'tcp');
  m.request('other', 'udp');
  m.responseCode(3, 0.0001);
  m.response('NXDOMAIN', 0.0001);
  m.responseCode(0, 0.002);
  m.responseCode(16, 0.0001); // BADVERS (RFC 6891)
  const text = m.render();
  const rows = [
    'coredns_dns_requests_total{server="dns://:53",zone=".",proto="udp",family="1",type="A"} 2',
    'coredns_dns_requests_total{server="dns://:53",zone=".",proto="tcp",family="1",type="SRV"} 1',
    'coredns_dns_requests_total{server="dns://:53",zone=".",proto="udp",family="1",type="other"} 1',
    'coredns_dns_responses_total{server="dns://:53",zone=".",rcode="NXDOMAIN"} 2',
    'coredns_dns_responses_total{server="dns://:53",zone=".",rcode="NOERROR"} 1',
    'coredns_dns_responses_total{server="dns://:53",zone=".",rcode="RCODE16"} 1',
    'coredns_dns_request_duration_seconds_bucket{server="dns://:53",zone=".",le="0.00025"} 3',
    'coredns_dns_request_duration_seconds_bucket{server="dns://:53",zone=".",le="0.002"} 4',
    'coredns_dns_request_duration_seconds_count{server="dns://:53",zone="."} 4',
  ];
  for (const row of rows) assert.ok(text.split('\n').includes(row), `missing: ${row}\n${text}`);
  assert.equal(text.match(/type="A"/g)?.length, 1, 'one series for A');
});
