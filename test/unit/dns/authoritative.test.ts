import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthoritativeZones } from '../../../src/dns/authoritative.js';

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
