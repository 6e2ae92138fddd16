import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthoritativeZones } from '../../../src/dns/authoritative.js';
import { formatRr, type SoaData } from '../../../src/dns/records.js';
import { FLAG } from '../../../src/dns/wire.js';

const zones = new AuthoritativeZones({
  'shop.example.test': { A: ['203.0.113.10'] },
  '*.wild.example.test': { A: ['203.0.113.10'] },
});
const ask = (name: string) => {
  const a = zones.answer({ name, type: 'A', class: 'IN' });
  return { rcode: a.rcode, answers: a.answers.map((r) => `${r.name} ${r.type} ${String(r.data)}`) };
};

// RFC 4592 §3.3.1: a wildcard answers names below its closest encloser, owner = QNAME.
const rows: [string, string, string[]][] = [
  ['shop.example.test', 'NOERROR', ['shop.example.test A 203.0.113.10']],
  ['a.wild.example.test', 'NOERROR', ['a.wild.example.test A 203.0.113.10']],
  ['a.b.wild.example.test', 'NOERROR', ['a.b.wild.example.test A 203.0.113.10']],
  ['wild.example.test', 'NOERROR', []],
  ['x.example.test', 'NXDOMAIN', []],
  ['a.shop.example.test', 'NXDOMAIN', []],
];

for (const [name, rcode, answers] of rows) {
  test(`external DNS: ${name} → ${rcode}`, () => assert.deepEqual(ask(name), { rcode, answers }));
}

test('a zone outlives its last record, as a hosted zone does: its names turn NXDOMAIN, not REFUSED', () => {
  const z = new AuthoritativeZones({ 'api.other.test': { A: ['203.0.113.11'] } });
  assert.equal(z.answer({ name: 'api.other.test', type: 'A', class: 'IN' }).rcode, 'NOERROR');
  z.setRecords({});
  const gone = z.answer({ name: 'api.other.test', type: 'A', class: 'IN' });
  assert.equal(gone.rcode, 'NXDOMAIN');
  assert.equal(gone.authority[0]?.name, 'other.test');
  assert.equal(z.answer({ name: 'never.test', type: 'A', class: 'IN' }).rcode, 'REFUSED');
});

// Outside its zones the external DNS is the world's resolver to recursive
// queries (RD=1) and an authoritative-only server to the others (RD=0).
const serial = (zones.answer({ name: 'example.test', type: 'SOA', class: 'IN' }).answers[0]!.data as SoaData).serial;
const ZONE_SOA = `example.test. 60 IN SOA ns1.example.test. hostmaster.example.test. ${serial} 3600 600 604800 60`;
const ROOT_SOA = `. 60 IN SOA a.root-servers.net. nstld.verisign-grs.com. ${serial} 1800 900 604800 60`;

interface WorldRow {
  why: string;
  qname: string;
  qtype?: string;
  qclass?: string;
  rd: boolean;
  rcode: string;
  aa: boolean;
  ra: boolean;
  answer?: string[];
  authority?: string[];
}

const NX_WORLD = { rcode: 'NXDOMAIN', aa: false, ra: true, answer: [], authority: [ROOT_SOA] };
const NODATA_WORLD = { rcode: 'NOERROR', aa: false, ra: true, answer: [], authority: [ROOT_SOA] };
const REFUSED = { rcode: 'REFUSED', aa: false, ra: false, answer: [], authority: [] };

const worldRows: WorldRow[] = [
  { why: 'a single-label name after the search list (getent hosts nosuchsvc)', qname: 'nosuchsvc', rd: true, ...NX_WORLD },
  { why: 'absolute form, AAAA as glibc asks too', qname: 'nosuchsvc.', qtype: 'AAAA', rd: true, ...NX_WORLD },
  { why: 'a name under a TLD none of our zones is in', qname: 'www.example.org', rd: true, ...NX_WORLD },
  { why: 'a sibling of our zone under the same TLD', qname: 'api.other.test', rd: true, ...NX_WORLD },
  { why: 'a TLD above our zone is an empty non-terminal (RFC 8020: not NXDOMAIN)', qname: 'TEST', rd: true, ...NODATA_WORLD },
  { why: 'the root exists', qname: '.', rd: true, ...NODATA_WORLD },
  { why: "the root's SOA", qname: '.', qtype: 'SOA', rd: true, rcode: 'NOERROR', aa: false, ra: true, answer: [ROOT_SOA], authority: [] },
  { why: 'non-recursive: what an authoritative-only server says', qname: 'nosuchsvc', rd: false, ...REFUSED },
  { why: 'non-recursive above our zone', qname: 'test', rd: false, ...REFUSED },
  { why: 'classes other than IN are not served, recursive or not', qname: 'nosuchsvc', qclass: 'CH', rd: true, ...REFUSED },
  { why: 'in a zone, recursion changes nothing: AA and the zone SOA', qname: 'x.example.test', rd: true, rcode: 'NXDOMAIN', aa: true, ra: false, answer: [], authority: [ZONE_SOA] },
  { why: 'in a zone, a record', qname: 'shop.example.test', rd: true, rcode: 'NOERROR', aa: true, ra: false, answer: ['shop.example.test. 60 IN A 203.0.113.10'], authority: [] },
  { why: 'in a zone, non-recursive', qname: 'shop.example.test', rd: false, rcode: 'NOERROR', aa: true, ra: false, answer: ['shop.example.test. 60 IN A 203.0.113.10'], authority: [] },
];

for (const row of worldRows) {
  test(`external DNS ${row.rd ? 'RD=1' : 'RD=0'}: ${row.qname} ${row.qtype ?? 'A'} → ${row.rcode} (${row.why})`, () => {
    const r = zones.resolve({ name: row.qname, type: row.qtype ?? 'A', class: row.qclass ?? 'IN' }, { recursionDesired: row.rd });
    assert.deepEqual({
      rcode: r.rcode, aa: (r.flags & FLAG.AA) !== 0, ra: (r.flags & FLAG.RA) !== 0,
      answer: r.answers.map(formatRr), authority: r.authority.map(formatRr),
    }, {
      rcode: { NOERROR: 0, NXDOMAIN: 3, REFUSED: 5 }[row.rcode], aa: row.aa, ra: row.ra,
      answer: row.answer ?? [], authority: row.authority ?? [],
    });
  });
}

test('answers outside the zones are never put in the response cache, since they depend on RD and the cache key does not', () => {
  for (const rd of [true, false]) {
    assert.equal(zones.resolve({ name: 'nosuchsvc', type: 'A', class: 'IN' }, { recursionDesired: rd }).reuse, undefined);
    assert.deepEqual(zones.resolve({ name: 'shop.example.test', type: 'A', class: 'IN' }, { recursionDesired: rd }).reuse, { generation: zones.generation() });
  }
});

test("the negative TTL outside the zones follows the zones' own (ttl option), and the serial moves with setRecords", () => {
  const z = new AuthoritativeZones({ 'shop.example.test': { A: ['203.0.113.10'] } }, { ttl: 30 });
  const before = z.answer({ name: 'nosuchsvc', type: 'A', class: 'IN' }, true).authority[0]!;
  assert.equal(before.ttl, 30);
  assert.equal((before.data as SoaData).minimum, 30);
  z.setRecords({ 'shop.example.test': { A: ['203.0.113.11'] } });
  const after = z.answer({ name: 'nosuchsvc', type: 'A', class: 'IN' }, true).authority[0]!;
  assert.ok((after.data as SoaData).serial > (before.data as SoaData).serial);
});

test('a name published later leaves the world resolver for its zone: NXDOMAIN with the root SOA, then NOERROR with AA', () => {
  const z = new AuthoritativeZones({ 'shop.example.test': { A: ['203.0.113.10'] } });
  const q = { name: 'api.new.test', type: 'A', class: 'IN' };
  assert.equal(z.answer(q, true).authority[0]?.name, '');
  z.setRecords({ 'shop.example.test': { A: ['203.0.113.10'] }, 'api.new.test': { A: ['203.0.113.12'] } });
  const a = z.resolve(q, { recursionDesired: true });
  assert.equal(a.rcode, 0);
  assert.equal(a.flags, FLAG.AA);
});
