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
