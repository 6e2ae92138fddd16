// The DNS specification as rows: {qname, qtype} → {rcode, answer, authority, additional},
// records written as zone-file lines (spec = Kubernetes DNS-Based Service Discovery 1.1.0).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answer, DEFAULT_CLUSTER_DNS_OPTIONS } from '../../../src/dns/answer.js';
import { ClusterIndex } from '../../../src/dns/cluster-records.js';
import { formatRr } from '../../../src/dns/records.js';
import { fixture, SERIAL } from './fixture.js';

const SOA = `cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. ${SERIAL} 7200 1800 86400 5`;
const SOA_SVC_REV = `96.10.in-addr.arpa. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. ${SERIAL} 7200 1800 86400 5`;
const SOA_POD_REV = `244.10.in-addr.arpa. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. ${SERIAL} 7200 1800 86400 5`;

interface Row {
  why: string;
  qname: string;
  qtype: string;
  qclass?: string;
  rcode: string;
  answer?: string[];
  authority?: string[];
  additional?: string[];
  chase?: string;
}

const NODATA = { rcode: 'NOERROR', answer: [], authority: [SOA] };
const NXDOMAIN = { rcode: 'NXDOMAIN', answer: [], authority: [SOA] };

const rows: Row[] = [
  { why: 'spec 2.2 schema version', qname: 'dns-version.cluster.local', qtype: 'TXT', rcode: 'NOERROR', answer: ['dns-version.cluster.local. 5 IN TXT "1.1.0"'] },
  { why: 'dns-version has no A', qname: 'dns-version.cluster.local', qtype: 'A', ...NODATA },
  { why: 'spec 2.3.1 ClusterIP A', qname: 'web.default.svc.cluster.local', qtype: 'A', rcode: 'NOERROR', answer: ['web.default.svc.cluster.local. 5 IN A 10.96.0.20'] },
  { why: 'case-insensitive, question case echoed', qname: 'WEB.Default.SVC.cluster.LOCAL', qtype: 'A', rcode: 'NOERROR', answer: ['WEB.Default.SVC.cluster.LOCAL. 5 IN A 10.96.0.20'] },
  { why: 'trailing dot accepted', qname: 'web.default.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['web.default.svc.cluster.local. 5 IN A 10.96.0.20'] },
  { why: 'IPv4-only Service: AAAA is NODATA', qname: 'web.default.svc.cluster.local', qtype: 'AAAA', ...NODATA },
  { why: 'dual-stack Service AAAA', qname: 'v6.default.svc.cluster.local', qtype: 'AAAA', rcode: 'NOERROR', answer: ['v6.default.svc.cluster.local. 5 IN AAAA fd00::30'] },
  { why: 'dual-stack Service A', qname: 'v6.default.svc.cluster.local', qtype: 'A', rcode: 'NOERROR', answer: ['v6.default.svc.cluster.local. 5 IN A 10.96.0.30'] },
  { why: 'Service without that type (TXT) is NODATA', qname: 'web.default.svc.cluster.local', qtype: 'TXT', ...NODATA },
  { why: 'ANY gives the addresses', qname: 'web.default.svc.cluster.local', qtype: 'ANY', rcode: 'NOERROR', answer: ['web.default.svc.cluster.local. 5 IN A 10.96.0.20'] },
  {
    why: 'spec 2.3.3 ClusterIP SRV for a named port, A in additional', qname: '_http._tcp.web.default.svc.cluster.local', qtype: 'SRV', rcode: 'NOERROR',
    answer: ['_http._tcp.web.default.svc.cluster.local. 5 IN SRV 0 100 80 web.default.svc.cluster.local.'],
    additional: ['web.default.svc.cluster.local. 5 IN A 10.96.0.20'],
  },
  {
    why: 'SRV on the Service name lists every port (CoreDNS)', qname: 'web.default.svc.cluster.local', qtype: 'SRV', rcode: 'NOERROR',
    answer: ['web.default.svc.cluster.local. 5 IN SRV 0 50 80 web.default.svc.cluster.local.', 'web.default.svc.cluster.local. 5 IN SRV 0 50 443 web.default.svc.cluster.local.'],
    additional: ['web.default.svc.cluster.local. 5 IN A 10.96.0.20'],
  },
  { why: 'SRV for a port with the wrong protocol: NXDOMAIN', qname: '_http._udp.web.default.svc.cluster.local', qtype: 'SRV', ...NXDOMAIN },
  { why: 'SRV for an unknown port: NXDOMAIN', qname: '_grpc._tcp.web.default.svc.cluster.local', qtype: 'SRV', ...NXDOMAIN },
  { why: 'the SRV name exists, A is NODATA', qname: '_http._tcp.web.default.svc.cluster.local', qtype: 'A', ...NODATA },
  { why: '_proto.<svc> is an empty non-terminal', qname: '_tcp.web.default.svc.cluster.local', qtype: 'SRV', ...NODATA },
  { why: 'unnamed port has no _port SRV', qname: '_._tcp.api.default.svc.cluster.local', qtype: 'SRV', ...NXDOMAIN },
  { why: 'kube-dns UDP SRV', qname: '_dns._udp.kube-dns.kube-system.svc.cluster.local', qtype: 'SRV', rcode: 'NOERROR',
    answer: ['_dns._udp.kube-dns.kube-system.svc.cluster.local. 5 IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local.'],
    additional: ['kube-dns.kube-system.svc.cluster.local. 5 IN A 10.96.0.10'] },
  {
    why: 'spec 2.4.1 headless A: one per ready endpoint', qname: 'db.default.svc.cluster.local', qtype: 'A', rcode: 'NOERROR',
    answer: ['db.default.svc.cluster.local. 5 IN A 10.244.0.5', 'db.default.svc.cluster.local. 5 IN A 10.244.1.6', 'db.default.svc.cluster.local. 5 IN A 10.244.1.7'],
  },
  { why: 'headless endpoint by hostname', qname: 'db-0.db.default.svc.cluster.local', qtype: 'A', rcode: 'NOERROR', answer: ['db-0.db.default.svc.cluster.local. 5 IN A 10.244.0.5'] },
  { why: 'headless endpoint without hostname by dashed IP', qname: '10-244-1-7.db.default.svc.cluster.local', qtype: 'A', rcode: 'NOERROR', answer: ['10-244-1-7.db.default.svc.cluster.local. 5 IN A 10.244.1.7'] },
  { why: 'endpoint with a hostname is not named by its dashed IP', qname: '10-244-0-5.db.default.svc.cluster.local', qtype: 'A', ...NXDOMAIN },
  { why: 'not-ready endpoint is not published', qname: 'db-3.db.default.svc.cluster.local', qtype: 'A', ...NXDOMAIN },
  { why: 'headless endpoint AAAA is NODATA', qname: 'db-0.db.default.svc.cluster.local', qtype: 'AAAA', ...NODATA },
  {
    why: 'spec 2.4.3 headless SRV: one per endpoint, targets the endpoint name, A in additional', qname: '_pg._tcp.db.default.svc.cluster.local', qtype: 'SRV', rcode: 'NOERROR',
    answer: [
      '_pg._tcp.db.default.svc.cluster.local. 5 IN SRV 0 33 5432 db-0.db.default.svc.cluster.local.',
      '_pg._tcp.db.default.svc.cluster.local. 5 IN SRV 0 33 5432 db-1.db.default.svc.cluster.local.',
      '_pg._tcp.db.default.svc.cluster.local. 5 IN SRV 0 33 5432 10-244-1-7.db.default.svc.cluster.local.',
    ],
    additional: ['db-0.db.default.svc.cluster.local. 5 IN A 10.244.0.5', 'db-1.db.default.svc.cluster.local. 5 IN A 10.244.1.6', '10-244-1-7.db.default.svc.cluster.local. 5 IN A 10.244.1.7'],
  },
  { why: 'publishNotReadyAddresses publishes not-ready endpoints', qname: 'db-all.default.svc.cluster.local', qtype: 'A', rcode: 'NOERROR', answer: ['db-all.default.svc.cluster.local. 5 IN A 10.244.0.9'] },
  // spec 2.4.1 (since 1.0.1) and CoreDNS (coredns#1814): no ready endpoints → NXDOMAIN, for every type and below the name
  { why: 'regression: headless Service without endpoints is NXDOMAIN (was NODATA)', qname: 'empty.default.svc.cluster.local', qtype: 'A', ...NXDOMAIN },
  { why: 'headless Service without endpoints: AAAA NXDOMAIN', qname: 'empty.default.svc.cluster.local', qtype: 'AAAA', ...NXDOMAIN },
  { why: 'headless Service without endpoints: SRV NXDOMAIN', qname: 'empty.default.svc.cluster.local', qtype: 'SRV', ...NXDOMAIN },
  { why: 'headless Service without endpoints: TXT NXDOMAIN (the name does not exist)', qname: 'empty.default.svc.cluster.local', qtype: 'TXT', ...NXDOMAIN },
  { why: 'headless Service without endpoints: ANY NXDOMAIN', qname: 'empty.default.svc.cluster.local', qtype: 'ANY', ...NXDOMAIN },
  { why: 'only not-ready endpoints: A NXDOMAIN', qname: 'idle.default.svc.cluster.local', qtype: 'A', ...NXDOMAIN },
  { why: 'only not-ready endpoints: SRV NXDOMAIN', qname: 'idle.default.svc.cluster.local', qtype: 'SRV', ...NXDOMAIN },
  { why: 'only not-ready endpoints: the named port\'s SRV is NXDOMAIN', qname: '_pg._tcp.idle.default.svc.cluster.local', qtype: 'SRV', ...NXDOMAIN },
  { why: 'only not-ready endpoints: _proto is no empty non-terminal', qname: '_tcp.idle.default.svc.cluster.local', qtype: 'SRV', ...NXDOMAIN },
  { why: 'only not-ready endpoints: the endpoint name is NXDOMAIN', qname: 'idle-0.idle.default.svc.cluster.local', qtype: 'A', ...NXDOMAIN },
  { why: 'a headless Service with one ready endpoint and no IPv6: AAAA stays NODATA', qname: 'db.default.svc.cluster.local', qtype: 'AAAA', ...NODATA },
  { why: 'a headless Service with ready endpoints: TXT stays NODATA', qname: 'db.default.svc.cluster.local', qtype: 'TXT', ...NODATA },
  {
    why: 'spec 2.5 ExternalName: CNAME, target left to the server', qname: 'ext.default.svc.cluster.local', qtype: 'A', rcode: 'NOERROR',
    answer: ['ext.default.svc.cluster.local. 5 IN CNAME shop.example.test.'], chase: 'shop.example.test',
  },
  { why: 'ExternalName CNAME query', qname: 'ext.default.svc.cluster.local', qtype: 'CNAME', rcode: 'NOERROR', answer: ['ext.default.svc.cluster.local. 5 IN CNAME shop.example.test.'] },
  {
    why: 'ExternalName into the cluster zone is chased here', qname: 'alias.default.svc.cluster.local', qtype: 'A', rcode: 'NOERROR',
    answer: ['alias.default.svc.cluster.local. 5 IN CNAME web.default.svc.cluster.local.', 'web.default.svc.cluster.local. 5 IN A 10.96.0.20'],
  },
  {
    why: 'an ExternalName loop inside the zone ends at the repeat, never forwarded (CoreDNS DuplicateCNAME)', qname: 'loopa.default.svc.cluster.local', qtype: 'A', rcode: 'NOERROR',
    answer: ['loopa.default.svc.cluster.local. 5 IN CNAME loopb.default.svc.cluster.local.', 'loopb.default.svc.cluster.local. 5 IN CNAME loopa.default.svc.cluster.local.'],
  },
  {
    why: 'an ExternalName to a missing name of the zone: the CNAME and the target\'s NXDOMAIN, never forwarded', qname: 'dangling.default.svc.cluster.local', qtype: 'A', rcode: 'NXDOMAIN',
    answer: ['dangling.default.svc.cluster.local. 5 IN CNAME gone.default.svc.cluster.local.'], authority: [SOA],
  },
  { why: 'CoreDNS: an endpoint of a ClusterIP Service by hostname', qname: 'api-0.api.default.svc.cluster.local', qtype: 'A', rcode: 'NOERROR', answer: ['api-0.api.default.svc.cluster.local. 5 IN A 10.244.2.5'] },
  { why: 'CoreDNS: an endpoint of a ClusterIP Service by dashed IP', qname: '10-244-2-6.api.default.svc.cluster.local', qtype: 'A', rcode: 'NOERROR', answer: ['10-244-2-6.api.default.svc.cluster.local. 5 IN A 10.244.2.6'] },
  { why: 'a not-ready endpoint of a ClusterIP Service has no name', qname: '10-244-2-7.api.default.svc.cluster.local', qtype: 'A', ...NXDOMAIN },
  { why: 'the ClusterIP Service itself still answers its ClusterIP', qname: 'api.default.svc.cluster.local', qtype: 'A', rcode: 'NOERROR', answer: ['api.default.svc.cluster.local. 5 IN A 10.96.0.21'] },
  { why: 'unknown Service: NXDOMAIN', qname: 'nope.default.svc.cluster.local', qtype: 'A', ...NXDOMAIN },
  { why: 'unknown namespace: NXDOMAIN (as CoreDNS)', qname: 'web.nons.svc.cluster.local', qtype: 'A', ...NXDOMAIN },
  { why: 'extra labels below a ClusterIP Service: NXDOMAIN', qname: 'a.web.default.svc.cluster.local', qtype: 'A', ...NXDOMAIN },
  { why: 'svc.<zone> is an empty non-terminal', qname: 'svc.cluster.local', qtype: 'A', ...NODATA },
  { why: '<ns>.svc.<zone> is an empty non-terminal', qname: 'default.svc.cluster.local', qtype: 'A', ...NODATA },
  { why: 'a namespace without Services exists', qname: 'other.svc.cluster.local', qtype: 'A', ...NODATA },
  { why: 'unknown namespace intermediate: NXDOMAIN', qname: 'nons.svc.cluster.local', qtype: 'A', ...NXDOMAIN },
  { why: 'spec 2.1 pods insecure: any dashed IP', qname: '10-244-0-99.default.pod.cluster.local', qtype: 'A', rcode: 'NOERROR', answer: ['10-244-0-99.default.pod.cluster.local. 5 IN A 10.244.0.99'] },
  { why: 'pod record AAAA: NODATA', qname: '10-244-0-99.default.pod.cluster.local', qtype: 'AAAA', ...NODATA },
  { why: 'pod record in unknown namespace', qname: '10-244-0-99.nons.pod.cluster.local', qtype: 'A', ...NXDOMAIN },
  { why: 'pod label that is not an IP', qname: 'web-0.default.pod.cluster.local', qtype: 'A', ...NXDOMAIN },
  { why: 'pod.<zone> is an empty non-terminal', qname: 'pod.cluster.local', qtype: 'A', ...NODATA },
  { why: 'zone apex SOA', qname: 'cluster.local', qtype: 'SOA', rcode: 'NOERROR', answer: [SOA] },
  { why: 'zone apex NS, with its address', qname: 'cluster.local', qtype: 'NS', rcode: 'NOERROR', answer: ['cluster.local. 5 IN NS ns.dns.cluster.local.'], additional: ['ns.dns.cluster.local. 5 IN A 10.96.0.10'] },
  { why: 'zone apex A: NODATA', qname: 'cluster.local', qtype: 'A', ...NODATA },
  { why: 'the NS target resolves', qname: 'ns.dns.cluster.local', qtype: 'A', rcode: 'NOERROR', answer: ['ns.dns.cluster.local. 5 IN A 10.96.0.10'] },
  { why: 'unknown name in the zone', qname: 'foo.cluster.local', qtype: 'A', ...NXDOMAIN },
  { why: 'wildcards are not served (deprecated)', qname: '*.default.svc.cluster.local', qtype: 'A', ...NXDOMAIN },
  { why: 'spec 2.3.4 PTR for a ClusterIP', qname: '20.0.96.10.in-addr.arpa', qtype: 'PTR', rcode: 'NOERROR', answer: ['20.0.96.10.in-addr.arpa. 5 IN PTR web.default.svc.cluster.local.'] },
  { why: 'spec 2.4.4 PTR for a headless endpoint with hostname', qname: '5.0.244.10.in-addr.arpa', qtype: 'PTR', rcode: 'NOERROR', answer: ['5.0.244.10.in-addr.arpa. 5 IN PTR db-0.db.default.svc.cluster.local.'] },
  { why: 'PTR for a headless endpoint without hostname', qname: '7.1.244.10.in-addr.arpa', qtype: 'PTR', rcode: 'NOERROR', answer: ['7.1.244.10.in-addr.arpa. 5 IN PTR 10-244-1-7.db.default.svc.cluster.local.'] },
  { why: 'CoreDNS: PTR for an endpoint of a ClusterIP Service', qname: '5.2.244.10.in-addr.arpa', qtype: 'PTR', rcode: 'NOERROR', answer: ['5.2.244.10.in-addr.arpa. 5 IN PTR api-0.api.default.svc.cluster.local.'] },
  { why: 'no PTR for a not-ready endpoint of a ClusterIP Service', qname: '7.2.244.10.in-addr.arpa', qtype: 'PTR', rcode: 'NXDOMAIN', authority: [SOA_POD_REV] },
  { why: 'no PTR for a not-ready endpoint', qname: '8.0.244.10.in-addr.arpa', qtype: 'PTR', rcode: 'NXDOMAIN', authority: [SOA_POD_REV] },
  { why: 'unused service IP: NXDOMAIN with the reverse zone SOA', qname: '99.0.96.10.in-addr.arpa', qtype: 'PTR', rcode: 'NXDOMAIN', authority: [SOA_SVC_REV] },
  { why: 'reverse empty non-terminal', qname: '0.96.10.in-addr.arpa', qtype: 'PTR', rcode: 'NOERROR', authority: [SOA_SVC_REV] },
  { why: 'reverse zone apex SOA', qname: '96.10.in-addr.arpa', qtype: 'SOA', rcode: 'NOERROR', answer: [SOA_SVC_REV] },
  { why: 'PTR name exists, A is NODATA', qname: '20.0.96.10.in-addr.arpa', qtype: 'A', rcode: 'NOERROR', authority: [SOA_SVC_REV] },
  { why: 'outside our zones: REFUSED (the server forwards these)', qname: 'example.test', qtype: 'A', rcode: 'REFUSED' },
  { why: 'outside the reverse zones', qname: '1.0.0.127.in-addr.arpa', qtype: 'PTR', rcode: 'REFUSED' },
  { why: 'CHAOS class is not served', qname: 'web.default.svc.cluster.local', qtype: 'A', qclass: 'CH', rcode: 'REFUSED' },
];

for (const row of rows) {
  test(`${row.qname} ${row.qtype}: ${row.why}`, () => {
    const got = answer(fixture(), { name: row.qname, type: row.qtype, class: row.qclass ?? 'IN' });
    assert.equal(got.rcode, row.rcode);
    assert.deepEqual(got.answers.map(formatRr), row.answer ?? []);
    assert.deepEqual(got.authority.map(formatRr), row.authority ?? []);
    assert.deepEqual(got.additionals.map(formatRr), row.additional ?? []);
    assert.equal(got.chase?.name, row.chase);
    if (row.rcode === 'NOERROR' || row.rcode === 'NXDOMAIN') assert.equal(got.authoritative, true);
  });
}

test('SERVFAIL, never NXDOMAIN, until the index has synced', () => {
  const index = new ClusterIndex();
  assert.equal(answer(index, { name: 'nope.default.svc.cluster.local', type: 'A', class: 'IN' }).rcode, 'SERVFAIL');
  index.markSynced();
  assert.equal(answer(index, { name: 'nope.default.svc.cluster.local', type: 'A', class: 'IN' }).rcode, 'NXDOMAIN');
});

test('TTL is configurable', () => {
  const got = answer(fixture(), { name: 'web.default.svc.cluster.local', type: 'A', class: 'IN' }, { ...DEFAULT_CLUSTER_DNS_OPTIONS, ttl: 30 });
  assert.deepEqual(got.answers.map(formatRr), ['web.default.svc.cluster.local. 30 IN A 10.96.0.20']);
});

test('pods verified answers only addresses of pods in that namespace', () => {
  const index = fixture();
  index.upsertPod({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'default', name: 'p' }, spec: { containers: [] }, status: { podIP: '10.244.0.44' } });
  const opts = { ...DEFAULT_CLUSTER_DNS_OPTIONS, podMode: 'verified' as const };
  assert.equal(answer(index, { name: '10-244-0-44.default.pod.cluster.local', type: 'A', class: 'IN' }, opts).answers.length, 1);
  assert.equal(answer(index, { name: '10-244-0-45.default.pod.cluster.local', type: 'A', class: 'IN' }, opts).rcode, 'NXDOMAIN');
  assert.equal(answer(index, { name: '10-244-0-44.kube-system.pod.cluster.local', type: 'A', class: 'IN' }, opts).rcode, 'NXDOMAIN');
});
