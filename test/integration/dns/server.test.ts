// The cluster DNS server and the authoritative server, driven by real dig on
// 127.0.0.1 random ports: records, EDNS and truncation, TCP, forwarding with
// its cache (checked through /metrics), protocol errors, the query log, and a
// fuzz run that must leave the server answering.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type http from 'node:http';
import dnsPacket from 'dns-packet';
import { DEFAULT_CLUSTER_DNS_OPTIONS } from '../../../src/dns/answer.js';
import { AuthoritativeZones } from '../../../src/dns/authoritative.js';
import { ClusterResolver } from '../../../src/dns/cluster-resolver.js';
import { Forwarder } from '../../../src/dns/forwarder.js';
import { DnsMetrics, httpEndpointsServer } from '../../../src/dns/metrics.js';
import { parseQueryLogLine, StreamQueryLog } from '../../../src/dns/query-log.js';
import { DnsServer } from '../../../src/dns/server.js';
import { bigHeadless, fixture } from '../../unit/dns/fixture.js';
import { curl, dig, frame, metricValue, tcpExchange, udpExchange } from './helpers.js';
import { seededRandom } from '../../support/seeded-random.js';

const noTtl = (line: string) => line.replace(/^(\S+) \d+ /, '$1 ');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pn-dns-test-'));
const logPath = path.join(tmp, 'queries.log');
const many = Array.from({ length: 100 }, (_, i) => `203.0.113.${i + 1}`);
const zones = new AuthoritativeZones({
  'shop.example.test': { A: ['203.0.113.10'], ttl: 300 },
  'www.example.test': { CNAME: 'shop.example.test' },
  'many.example.test': { A: many },
}, { nameserverAddress: '127.0.0.1' });
const upstream = new DnsServer({ handler: zones, host: '127.0.0.1', port: 0 });
const index = fixture();
bigHeadless(index, 'big', 100);
const metrics = new DnsMetrics();
const forwarder = new Forwarder({ upstreams: [], onRequest: (to) => metrics.forwardRequest(to) });
let cluster: DnsServer;
let metricsHttp: http.Server;
let metricsPort = 0;
const queryLog = new StreamQueryLog(fs.createWriteStream(logPath), true);

before(async () => {
  await upstream.start();
  (forwarder as unknown as { options: { upstreams: unknown[] } }).options.upstreams.push({ host: '127.0.0.1', port: upstream.port });
  cluster = new DnsServer({ handler: new ClusterResolver(index, DEFAULT_CLUSTER_DNS_OPTIONS, forwarder), host: '127.0.0.1', port: 0, metrics, queryLog });
  await cluster.start();
  metricsHttp = httpEndpointsServer({ metrics, health: true, ready: () => index.synced() });
  await new Promise<void>((resolve) => metricsHttp.listen(0, '127.0.0.1', resolve));
  metricsPort = (metricsHttp.address() as { port: number }).port;
});

after(async () => {
  forwarder.close();
  await cluster?.stop();
  await upstream.stop();
  metricsHttp?.closeAllConnections();
  await new Promise<void>((resolve) => metricsHttp?.close(() => resolve()));
  await queryLog.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('ClusterIP A over UDP: authoritative, question case echoed', async () => {
  const r = await dig(cluster.port, 'WeB.Default.svc.cluster.local', 'A');
  assert.equal(r.status, 'NOERROR');
  assert.ok(r.flags.includes('aa'));
  assert.deepEqual(r.answer, ['WeB.Default.svc.cluster.local. 5 IN A 10.96.0.20']);
  // a second, differently cased query is a cache hit and still echoes its own case
  const again = await dig(cluster.port, 'web.DEFAULT.svc.cluster.local', 'A');
  assert.deepEqual(again.answer, ['web.DEFAULT.svc.cluster.local. 5 IN A 10.96.0.20']);
});

test('+tcp and +norec', async () => {
  const r = await dig(cluster.port, '+tcp', 'web.default.svc.cluster.local');
  assert.deepEqual(r.answer, ['web.default.svc.cluster.local. 5 IN A 10.96.0.20']);
  const n = await dig(cluster.port, '+norec', 'web.default.svc.cluster.local');
  assert.equal(n.status, 'NOERROR');
  assert.ok(!n.flags.includes('rd'));
});

test('SRV with A records in the additional section; PTR; TXT; NXDOMAIN and NODATA with SOA', async () => {
  const s = await dig(cluster.port, '_pg._tcp.db.default.svc.cluster.local', 'SRV');
  assert.equal(s.answer.length, 3);
  assert.ok(s.additional.includes('db-0.db.default.svc.cluster.local. 5 IN A 10.244.0.5'));
  const p = await dig(cluster.port, '-x', '10.96.0.20');
  assert.deepEqual(p.answer, ['20.0.96.10.in-addr.arpa. 5 IN PTR web.default.svc.cluster.local.']);
  const t = await dig(cluster.port, 'dns-version.cluster.local', 'TXT');
  assert.deepEqual(t.answer, ['dns-version.cluster.local. 5 IN TXT "1.1.0"']);
  const nx = await dig(cluster.port, 'nope.default.svc.cluster.local');
  assert.equal(nx.status, 'NXDOMAIN');
  assert.match(nx.authority[0]!, /^cluster\.local\. 5 IN SOA ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\./);
  const nodata = await dig(cluster.port, 'web.default.svc.cluster.local', 'AAAA');
  assert.equal(nodata.status, 'NOERROR');
  assert.equal(nodata.answer.length, 0);
  assert.equal(nodata.authority.length, 1);
});

test('100-endpoint headless Service: TC over plain UDP, whole over EDNS 4096 and over TCP', async () => {
  const small = await dig(cluster.port, '+noedns', '+ignore', 'big.default.svc.cluster.local');
  assert.ok(small.flags.includes('tc'), small.raw);
  assert.ok(small.answer.length < 100);
  const edns = await dig(cluster.port, '+bufsize=4096', '+ignore', 'big.default.svc.cluster.local');
  assert.ok(!edns.flags.includes('tc'));
  assert.equal(edns.answer.length, 100);
  const tcp = await dig(cluster.port, '+tcp', 'big.default.svc.cluster.local');
  assert.equal(tcp.answer.length, 100);
  const retried = await dig(cluster.port, '+noedns', 'big.default.svc.cluster.local'); // dig retries TC over TCP itself
  assert.equal(retried.answer.length, 100);
});

test('forwarding outside the cluster zone, with a TTL cache visible in /metrics', async () => {
  const before = await curl(`http://127.0.0.1:${metricsPort}/metrics`);
  const r = await dig(cluster.port, 'shop.example.test');
  assert.equal(r.status, 'NOERROR');
  assert.deepEqual(r.answer, ['shop.example.test. 300 IN A 203.0.113.10']);
  assert.ok(!r.flags.includes('aa'), 'forwarded answers are not authoritative');
  assert.ok(r.flags.includes('ra'));
  const r2 = await dig(cluster.port, 'shop.example.test');
  assert.equal(r2.answer.length, 1);
  const afterText = await curl(`http://127.0.0.1:${metricsPort}/metrics`);
  assert.ok(metricValue(afterText, 'coredns_cache_hits_total') > metricValue(before, 'coredns_cache_hits_total'));
  assert.ok(metricValue(afterText, 'coredns_cache_misses_total') > metricValue(before, 'coredns_cache_misses_total'));
  assert.equal(metricValue(afterText, 'coredns_forward_requests_total') - metricValue(before, 'coredns_forward_requests_total'), 1, 'one upstream query for two lookups');
  assert.ok(metricValue(afterText, 'coredns_dns_requests_total', { type: 'A', proto: 'udp' }) > 0);
  assert.ok(metricValue(afterText, 'coredns_dns_responses_total', { rcode: 'NOERROR' }) > 0);
  assert.ok(metricValue(afterText, 'coredns_dns_request_duration_seconds_count') > 0);
  assert.equal(await curl(`http://127.0.0.1:${metricsPort}/health`), 'OK');
  assert.equal(await curl(`http://127.0.0.1:${metricsPort}/ready`), 'OK');
});

test('forwarded NXDOMAIN keeps the upstream SOA; upstream CNAME chains come through', async () => {
  const nx = await dig(cluster.port, 'nope.example.test');
  assert.equal(nx.status, 'NXDOMAIN');
  assert.match(nx.authority[0] ?? '', /^example\.test\. \d+ IN SOA ns1\.example\.test\./);
  const c = await dig(cluster.port, 'www.example.test');
  assert.deepEqual(c.answer.map(noTtl), ['www.example.test. IN CNAME shop.example.test.', 'shop.example.test. IN A 203.0.113.10']);
});

test('a name that exists nowhere: the upstream NXDOMAIN and its root SOA reach the client, and are cached for the SOA minimum', async () => {
  const before = await curl(`http://127.0.0.1:${metricsPort}/metrics`);
  for (const type of ['A', 'A', 'AAAA']) {
    const nx = await dig(cluster.port, 'nosuchsvc.', type);
    assert.equal(nx.status, 'NXDOMAIN', nx.raw);
    assert.ok(nx.flags.includes('ra') && !nx.flags.includes('aa'), nx.flags.join(' '));
    assert.match(nx.authority[0] ?? '', /^\. \d+ IN SOA a\.root-servers\.net\. nstld\.verisign-grs\.com\. /);
  }
  const afterText = await curl(`http://127.0.0.1:${metricsPort}/metrics`);
  assert.equal(metricValue(afterText, 'coredns_forward_requests_total') - metricValue(before, 'coredns_forward_requests_total'), 2, 'A once (then cached), AAAA once');
});

test('a truncated upstream answer is fetched again over TCP', async () => {
  const r = await dig(cluster.port, '+bufsize=4096', 'many.example.test');
  assert.equal(r.answer.length, 100);
  const udp512 = await dig(cluster.port, '+noedns', '+ignore', 'many.example.test');
  assert.ok(udp512.flags.includes('tc'));
});

test('ExternalName: CNAME completed with the upstream answer for its target', async () => {
  const r = await dig(cluster.port, 'ext.default.svc.cluster.local');
  // the cached upstream record counts its TTL down (RFC 1035 §7.3)
  assert.deepEqual(r.answer.map(noTtl), ['ext.default.svc.cluster.local. IN CNAME shop.example.test.', 'shop.example.test. IN A 203.0.113.10']);
  assert.ok(r.flags.includes('aa'));
});

test('no upstream answering → SERVFAIL', async () => {
  const dead = dgram.createSocket('udp4'); // bound but silent
  await new Promise<void>((resolve) => dead.bind(0, '127.0.0.1', resolve));
  const fw = new Forwarder({ upstreams: [{ host: '127.0.0.1', port: dead.address().port }], attemptTimeoutMs: 150 });
  const srv = new DnsServer({ handler: new ClusterResolver(index, DEFAULT_CLUSTER_DNS_OPTIONS, fw), host: '127.0.0.1', port: 0 });
  await srv.start();
  try {
    assert.equal((await dig(srv.port, 'shop.example.test')).status, 'SERVFAIL');
    assert.equal((await dig(srv.port, 'web.default.svc.cluster.local')).status, 'NOERROR', 'cluster names do not need the upstream');
  } finally {
    fw.close();
    await srv.stop();
    dead.close();
  }
});

test('protocol errors: several questions → FORMERR, unknown opcode → NOTIMP, garbage after a header → FORMERR, short → dropped, EDNS1 → BADVERS, two OPT RRs → FORMERR', async () => {
  const two = dnsPacket.encode({ id: 1, type: 'query', questions: [{ name: 'a.cluster.local', type: 'A' }, { name: 'b.cluster.local', type: 'A' }] });
  const r1 = dnsPacket.decode((await udpExchange(cluster.port, two))!);
  assert.equal(r1.id, 1);
  assert.equal((r1 as { rcode?: string }).rcode, 'FORMERR');
  const notify = dnsPacket.encode({ id: 2, type: 'query', questions: [{ name: 'cluster.local', type: 'SOA' }] });
  notify[2] = 4 << 3; // opcode NOTIFY (RFC 1996)
  const r2 = dnsPacket.decode((await udpExchange(cluster.port, notify))!);
  assert.equal((r2 as { rcode?: string }).rcode, 'NOTIMP');
  const garbage = Buffer.from([0, 3, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 200, 1, 2]);
  const r3 = (await udpExchange(cluster.port, garbage))!;
  assert.equal(r3.readUInt16BE(0), 3);
  assert.equal(r3[3]! & 0xf, 1);
  assert.equal(await udpExchange(cluster.port, Buffer.from([1, 2, 3]), 300), undefined);
  const v1 = dnsPacket.encode({ id: 5, type: 'query', questions: [{ name: 'web.default.svc.cluster.local', type: 'A' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, ednsVersion: 1 } as never] } as dnsPacket.Packet);
  const r5 = dnsPacket.decode((await udpExchange(cluster.port, v1))!);
  const opt = (r5.additionals ?? []).find((a) => a.type === 'OPT') as { extendedRcode?: number } | undefined;
  assert.equal(opt?.extendedRcode, 1, 'BADVERS = 16: upper 8 bits in OPT');
  const twoOpt = dnsPacket.encode({ id: 6, type: 'query', questions: [{ name: 'web.default.svc.cluster.local', type: 'A' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 }, { type: 'OPT', name: '.', udpPayloadSize: 4096 }] as never } as dnsPacket.Packet);
  const r6 = dnsPacket.decode((await udpExchange(cluster.port, twoOpt))!);
  assert.equal((r6 as { rcode?: string }).rcode, 'FORMERR', 'RFC 6891 §6.1.1: more than one OPT RR');
});

test('TCP: several framed queries on one connection, split across writes', async () => {
  const q = (id: number, name: string) => frame(dnsPacket.encode({ id, type: 'query', questions: [{ name, type: 'A' }] }));
  const data = Buffer.concat([q(11, 'web.default.svc.cluster.local'), q(12, 'api.default.svc.cluster.local'), q(13, 'shop.example.test')]);
  const replies = await tcpExchange(cluster.port, data, 3);
  const byId = new Map(replies.map((b) => { const d = dnsPacket.decode(b); return [d.id, d] as const; }));
  assert.equal((byId.get(11)?.answers?.[0] as { data?: string }).data, '10.96.0.20');
  assert.equal((byId.get(12)?.answers?.[0] as { data?: string }).data, '10.96.0.21');
  assert.equal((byId.get(13)?.answers?.[0] as { data?: string }).data, '203.0.113.10');
});

test('external DNS: AA in its zones, NXDOMAIN with SOA, outside NXDOMAIN to recursive queries and REFUSED to the others, updates at runtime', async () => {
  const a = await dig(upstream.port, '+norec', 'shop.example.test');
  assert.ok(a.flags.includes('aa'));
  assert.ok(!a.flags.includes('ra'));
  assert.deepEqual(a.answer, ['shop.example.test. 300 IN A 203.0.113.10']);
  const nx = await dig(upstream.port, 'nothere.example.test');
  assert.equal(nx.status, 'NXDOMAIN');
  assert.ok(nx.flags.includes('aa'));
  assert.equal(nx.authority.length, 1);
  // Outside its zones it is the world's only resolver: a recursive query learns the name exists nowhere.
  const out = await dig(upstream.port, 'example.com');
  assert.equal(out.status, 'NXDOMAIN');
  assert.ok(!out.flags.includes('aa') && out.flags.includes('ra'), out.flags.join(' '));
  assert.match(out.authority[0] ?? '', /^\. 60 IN SOA a\.root-servers\.net\. nstld\.verisign-grs\.com\. \d+ 1800 900 604800 60$/);
  // Non-recursive: REFUSED. Asked right after the recursive query and before it again, so an answer
  // served from the response cache (keyed on the question, not RD) would show here.
  const norec = await dig(upstream.port, '+norec', 'example.com');
  assert.equal(norec.status, 'REFUSED');
  assert.ok(!norec.flags.includes('ra'), norec.flags.join(' '));
  assert.equal((await dig(upstream.port, 'example.com')).status, 'NXDOMAIN');
  const soa = await dig(upstream.port, 'example.test', 'SOA');
  assert.equal(soa.answer.length, 1);
  const ns = await dig(upstream.port, 'example.test', 'NS');
  assert.deepEqual(ns.answer, ['example.test. 60 IN NS ns1.example.test.']);
  assert.deepEqual(ns.additional.filter((l) => !l.includes('OPT')), ['ns1.example.test. 60 IN A 127.0.0.1']);
  zones.setRecords({ 'shop.example.test': { A: ['203.0.113.11'] }, 'new.other.test': { A: ['203.0.113.12'] } });
  try {
    assert.deepEqual((await dig(upstream.port, 'shop.example.test')).answer, ['shop.example.test. 60 IN A 203.0.113.11']);
    assert.deepEqual((await dig(upstream.port, 'new.other.test')).answer, ['new.other.test. 60 IN A 203.0.113.12']);
  } finally {
    zones.setRecords({
      'shop.example.test': { A: ['203.0.113.10'], ttl: 300 }, 'www.example.test': { CNAME: 'shop.example.test' }, 'many.example.test': { A: many },
    });
  }
});

test('the query log has one parseable line per query', async () => {
  await dig(cluster.port, 'logged.default.svc.cluster.local');
  await queryLog.close().catch(() => {});
  await new Promise((r) => setTimeout(r, 100));
  const lines = fs.readFileSync(logPath, 'utf8').trim().split('\n').map(parseQueryLogLine);
  assert.ok(lines.every(Boolean));
  const e = lines.find((l) => l!.qname === 'logged.default.svc.cluster.local.')!;
  assert.equal(e.rcode, 'NXDOMAIN');
  assert.equal(e.qtype, 'A');
  assert.equal(e.proto, 'udp');
  assert.match(e.client, /^127\.0\.0\.1:\d+$/);
  assert.ok(lines.some((l) => l!.upstream && l!.qname === 'shop.example.test.'));
  // the answer records, as tcpdump writes them (what podnet observe --last shows of the external DNS's log), a cached answer's too
  const shop = lines.filter((l) => l!.qname === 'shop.example.test.' && l!.qtype === 'A' && l!.rcode === 'NOERROR');
  assert.ok(shop.some((l) => l!.cache === 'hit'), JSON.stringify(shop));
  assert.ok(shop.every((l) => l!.records?.length === l!.answers && l!.records.every((r) => /^(A 203\.0\.113\.\d+|CNAME \S+\.)$/.test(r))), JSON.stringify(shop));
  assert.deepEqual(e.records, []);
});

test('fuzz: 10,000 random and mutated packets (UDP, some TCP), then a valid query still answers', async () => {
  const rand = seededRandom(1234);
  const seeds = [
    dnsPacket.encode({ id: 1, type: 'query', flags: 256, questions: [{ name: 'web.default.svc.cluster.local', type: 'A' }] }),
    dnsPacket.encode({ id: 2, type: 'query', questions: [{ name: '_pg._tcp.db.default.svc.cluster.local', type: 'SRV' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as never] }),
    dnsPacket.encode({ id: 3, type: 'query', questions: [{ name: '5.0.244.10.in-addr.arpa', type: 'PTR' }] }),
    dnsPacket.encode({ id: 4, type: 'query', questions: [{ name: 'ext.default.svc.cluster.local', type: 'A' }] }),
  ];
  const sock = dgram.createSocket('udp4');
  sock.on('message', () => {});
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const packets: Buffer[] = [];
  for (let i = 0; i < 10_000; i++) {
    let p: Buffer;
    if (i % 3 === 0) {
      p = Buffer.alloc(Math.floor(rand() * 600));
      for (let j = 0; j < p.length; j++) p[j] = Math.floor(rand() * 256);
    } else {
      p = Buffer.from(seeds[i % seeds.length]!);
      const flips = 1 + Math.floor(rand() * 6);
      for (let f = 0; f < flips; f++) p[Math.floor(rand() * p.length)] = Math.floor(rand() * 256);
      if (rand() < 0.2) p = p.subarray(0, Math.floor(rand() * p.length));
      if (rand() < 0.1) p = Buffer.concat([p, Buffer.alloc(Math.floor(rand() * 40), Math.floor(rand() * 256))]);
    }
    // never send responses to the upstream path by accident: the server must ignore QR=1 itself anyway
    packets.push(p);
  }
  for (let i = 0; i < packets.length; i++) {
    sock.send(packets[i]!, cluster.port, '127.0.0.1');
    if (i % 200 === 199) await new Promise((r) => setTimeout(r, 5));
  }
  sock.close();
  // TCP: garbage frames, truncated frames, huge length prefixes
  for (let c = 0; c < 20; c++) {
    const junk = Buffer.concat(packets.slice(c * 5, c * 5 + 5).map((p) => (c % 2 ? frame(p) : p)));
    await tcpExchange(cluster.port, junk, 5, 300);
  }
  const r = await dig(cluster.port, 'web.default.svc.cluster.local');
  assert.deepEqual(r.answer, ['web.default.svc.cluster.local. 5 IN A 10.96.0.20'], r.raw);
  const t = await dig(cluster.port, '+tcp', '_pg._tcp.db.default.svc.cluster.local', 'SRV');
  assert.equal(t.answer.length, 3);
});
