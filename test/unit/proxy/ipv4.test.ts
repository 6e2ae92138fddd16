// The proxy's IPv4 helpers: dotted-quad parsing (hand-rolled for speed) as rows.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inCidr, ipv4ToNumber, numberToIpv4 } from '../../../src/proxy/ipv4.js';
import { cidrMatcher } from '../../../src/proxy/ruleset.js';

const rows: [string, number | undefined][] = [
  ['0.0.0.0', 0],
  ['10.96.0.1', 0x0a600001],
  ['255.255.255.255', 0xffffffff],
  ['010.1.1.1', 0x0a010101],
  ['256.1.1.1', undefined],
  ['1.2.3', undefined],
  ['1.2.3.4.5', undefined],
  ['1..3.4', undefined],
  ['1.2.3.', undefined],
  ['.1.2.3', undefined],
  ['1.2.3.1000', undefined],
  ['1.2.3.a', undefined],
  ['', undefined],
  ['fd00::1', undefined],
  [' 1.2.3.4', undefined],
];

test('ipv4ToNumber: dotted quads only', () => {
  for (const [text, want] of rows) assert.equal(ipv4ToNumber(text), want, text);
});

test('numberToIpv4 inverts ipv4ToNumber', () => {
  for (const ip of ['0.0.0.0', '10.244.1.5', '255.255.255.255', '203.0.113.10']) assert.equal(numberToIpv4(ipv4ToNumber(ip)!), ip);
});

test('cidrMatcher agrees with inCidr', () => {
  const cidrs = ['10.244.0.0/24', '10.244.0.0/16', '0.0.0.0/0', '10.96.0.1/32', 'bad', '10.0.0.0/33'];
  const ips = ['10.244.0.5', '10.244.1.5', '10.96.0.1', '192.168.1.1', 'nope'];
  for (const c of cidrs) {
    const m = cidrMatcher(c);
    for (const ip of ips) assert.equal(m(ip), inCidr(ip, c), `${ip} in ${c}`);
  }
});
