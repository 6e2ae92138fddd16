import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import { answer } from '../../../src/dns/answer.js';
import { ClusterIndex } from '../../../src/dns/cluster-records.js';
import { encodeResponse, FLAG, parseQuickQuery, sizeClass, type ResponseMessage } from '../../../src/dns/wire.js';
import { bigHeadless, fixture } from './fixture.js';

function response(index: ClusterIndex, name: string, type: string, edns?: number): ResponseMessage {
  const a = answer(index, { name, type, class: 'IN' });
  return {
    id: 4242, flags: FLAG.QR | FLAG.AA | FLAG.RD | FLAG.RA, rcode: 0, question: { name, type, class: 'IN' },
    answers: a.answers, authority: a.authority, additionals: a.additionals, ...(edns ? { edns: { udpSize: 1232 } } : {}),
  };
}

test('encode → dns-packet decode round trip for every record type we write', () => {
  const index = fixture();
  const cases: [string, string][] = [
    ['web.default.svc.cluster.local', 'A'], ['v6.default.svc.cluster.local', 'AAAA'], ['_pg._tcp.db.default.svc.cluster.local', 'SRV'],
    ['20.0.96.10.in-addr.arpa', 'PTR'], ['dns-version.cluster.local', 'TXT'], ['cluster.local', 'SOA'], ['cluster.local', 'NS'],
    ['ext.default.svc.cluster.local', 'CNAME'], ['nope.default.svc.cluster.local', 'A'],
  ];
  for (const [name, type] of cases) {
    const msg = response(index, name, type, 1232);
    const { buf, truncated } = encodeResponse(msg, 1232);
    assert.equal(truncated, false);
    const decoded = dnsPacket.decode(buf);
    assert.equal(decoded.id, 4242);
    assert.equal(decoded.questions?.[0]?.name, name);
    const strip = (rrs: readonly { name: string; type: string; data?: unknown; ttl?: number }[]) => rrs.filter((r) => r.type !== 'OPT').map((r) => ({ name: r.name, type: r.type, ttl: r.ttl, data: JSON.stringify(r.data) }));
    const norm = (d: unknown) => JSON.stringify(Array.isArray(d) ? d.map((x) => String(x)) : d);
    assert.deepEqual(strip(decoded.answers ?? []).map((r) => r.name + r.type), msg.answers.map((r) => r.name + r.type), `${name} ${type}`);
    for (const [i, r] of msg.answers.entries()) {
      const got = (decoded.answers ?? [])[i] as { data: unknown };
      assert.equal(norm(r.type === 'TXT' ? (got.data as Buffer[]).map(String) : got.data), norm(r.data), `${name} ${type} data`);
    }
    assert.equal((decoded.additionals ?? []).filter((r) => r.type === 'OPT').length, 1);
  }
});

test('owner names compress to the question, so answers echo its case', () => {
  const msg = response(fixture(), 'WeB.default.svc.cluster.local', 'A');
  const { buf } = encodeResponse(msg, 512);
  // header 12 + question (31 + 4) + answer: pointer(2) type class ttl rdlen (10) + 4
  assert.equal(buf.length, 12 + 35 + 16);
  assert.equal(buf.readUInt16BE(12 + 35), 0xc00c);
});

test('100-endpoint headless Service: UDP 512 truncates (TC), EDNS 4096 fits', () => {
  const index = fixture();
  bigHeadless(index, 'big', 100);
  const small = encodeResponse(response(index, 'big.default.svc.cluster.local', 'A'), 512);
  assert.equal(small.truncated, true);
  assert.ok(small.buf.length <= 512);
  const d1 = dnsPacket.decode(small.buf);
  assert.ok(d1.flags! & FLAG.TC);
  assert.ok((d1.answers?.length ?? 0) > 0 && (d1.answers?.length ?? 0) < 100);
  const big = encodeResponse(response(index, 'big.default.svc.cluster.local', 'A', 4096), 4096);
  assert.equal(big.truncated, false);
  assert.equal(dnsPacket.decode(big.buf).answers?.length, 100);
  // SRV targets are never compressed (RFC 2782), so 100 of them (~60 bytes each) need more than 4096: TC
  const srv = encodeResponse(response(index, '_http._tcp.big.default.svc.cluster.local', 'SRV', 4096), 4096);
  assert.equal(srv.truncated, true);
  assert.ok(srv.buf.length <= 4096);
  // 60 endpoints fit, and their additional A records are dropped silently (RFC 2181 §9) when they do not
  bigHeadless(index, 'mid', 60);
  const mid = encodeResponse(response(index, '_http._tcp.mid.default.svc.cluster.local', 'SRV', 4096), 4096);
  const d3 = dnsPacket.decode(mid.buf);
  assert.equal(mid.truncated, false);
  assert.equal(d3.answers?.length, 60);
  assert.ok((d3.additionals?.length ?? 0) < 61);
  // ... and over plain UDP the SRV set does not fit: TC
  assert.equal(encodeResponse(response(index, '_http._tcp.big.default.svc.cluster.local', 'SRV'), 512).truncated, true);
});

test('parseQuickQuery takes the common query and refuses anything unusual', () => {
  const q = dnsPacket.encode({ id: 7, type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: 'Web.default.svc.cluster.local', type: 'A', class: 'IN' }] });
  const p = parseQuickQuery(q)!;
  assert.equal(p.id, 7);
  assert.equal(p.qtype, 1);
  assert.equal(p.edns, undefined);
  const withEdns = dnsPacket.encode({ id: 8, type: 'query', questions: [{ name: 'web.default.svc.cluster.local', type: 'A' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as never] });
  const p2 = parseQuickQuery(withEdns)!;
  assert.equal(p2.edns?.udpSize, 4096);
  // the question hash folds case and ignores what follows the question (the OPT)
  assert.equal(p.hash, p2.hash);
  const aaaa = dnsPacket.encode({ id: 7, type: 'query', questions: [{ name: 'web.default.svc.cluster.local', type: 'AAAA' }] });
  assert.notEqual(parseQuickQuery(aaaa)!.hash, p.hash);
  const two = dnsPacket.encode({ id: 9, type: 'query', questions: [{ name: 'a', type: 'A' }, { name: 'b', type: 'A' }] });
  assert.equal(parseQuickQuery(two), undefined);
  assert.equal(parseQuickQuery(Buffer.from([1, 2, 3])), undefined);
  assert.equal(parseQuickQuery(Buffer.concat([q, Buffer.from([0])])), undefined, 'trailing garbage');
});

test('sizeClass maps client sizes onto the limits we truncate at', () => {
  assert.deepEqual(sizeClass(undefined, false), { code: 0, limit: 512 });
  assert.equal(sizeClass({ udpSize: 1000, version: 0, flags: 0 }, false).limit, 512);
  assert.equal(sizeClass({ udpSize: 1400, version: 0, flags: 0 }, false).limit, 1232);
  assert.equal(sizeClass({ udpSize: 4096, version: 0, flags: 0 }, false).limit, 4096);
  assert.equal(sizeClass(undefined, true).limit, 65535);
});
