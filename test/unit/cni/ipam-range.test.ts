import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRange, capacity, formatIp, nextFree, parseCidr, parseIp, rangeText } from '../../../src/cni/ipam-range.js';
import { CniError } from '../../../src/errors.js';

const ip = (s: string) => parseIp(s)!;

test('parseIp / formatIp round trip', () => {
  for (const s of ['0.0.0.0', '10.244.0.1', '255.255.255.255', '192.168.1.254']) assert.equal(formatIp(ip(s)), s);
  for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', 'a.b.c.d', '', '::1']) assert.equal(parseIp(bad), undefined, bad);
});

test('parseCidr', () => {
  assert.deepEqual(parseCidr('10.244.0.0/24'), { ip: ip('10.244.0.0'), prefix: 24 });
  for (const bad of ['10.244.0.0', '10.244.0.0/33', '10.244.0.0/x', '10.244.0.0/24/1']) assert.equal(parseCidr(bad), undefined, bad);
});

test('buildRange: host-local defaults (network, gateway and broadcast reserved)', () => {
  const rows: [string, string, string, number][] = [
    // subnet, range set text, gateway, capacity
    ['10.244.0.0/24', '10.244.0.1-10.244.0.254', '10.244.0.1', 253],
    ['10.244.1.7/24', '10.244.1.1-10.244.1.254', '10.244.1.1', 253],
    ['10.0.0.0/29', '10.0.0.1-10.0.0.6', '10.0.0.1', 5],
    ['10.245.0.0/30', '10.245.0.1-10.245.0.2', '10.245.0.1', 1],
  ];
  for (const [subnet, text, gw, cap] of rows) {
    const r = buildRange({ subnet });
    assert.equal(rangeText(r), text, subnet);
    assert.equal(formatIp(r.gateway), gw, subnet);
    assert.equal(capacity(r), cap, subnet);
  }
});

test('buildRange: explicit rangeStart/rangeEnd/gateway', () => {
  const r = buildRange({ subnet: '10.244.0.0/24', rangeStart: '10.244.0.10', rangeEnd: '10.244.0.20', gateway: '10.244.0.254' });
  assert.equal(rangeText(r), '10.244.0.10-10.244.0.20');
  assert.equal(capacity(r), 11); // gateway outside the range
});

test('buildRange: invalid configurations are code 7 with a reason', () => {
  const rows: [Record<string, string>, RegExp][] = [
    [{ subnet: 'nope' }, /want an IPv4 CIDR/],
    [{ subnet: 'fd00::/64' }, /only IPv4/],
    [{ subnet: '10.0.0.0/31' }, /too small/],
    [{ subnet: '10.0.0.0/24', gateway: '10.0.0.0' }, /not a usable address/],
    [{ subnet: '10.0.0.0/24', rangeEnd: '10.0.0.255' }, /not a usable address/],
    [{ subnet: '10.0.0.0/24', rangeStart: '10.0.1.5' }, /not a usable address/],
    [{ subnet: '10.0.0.0/24', rangeStart: '10.0.0.9', rangeEnd: '10.0.0.5' }, /after rangeEnd/],
  ];
  for (const [config, msg] of rows) {
    assert.throws(() => buildRange(config as { subnet: string }), (e: unknown) => e instanceof CniError && e.cniCode === 7 && msg.test(e.msg), JSON.stringify(config));
  }
});

test('nextFree: round robin after the last reserved address, skipping gateway and used', () => {
  const r = buildRange({ subnet: '10.0.0.0/29' }); // .1 gateway, .2-.6 usable
  const rows: [string[], string | undefined, string | undefined][] = [
    // used, last reserved, expected
    [[], undefined, '10.0.0.2'],
    [['10.0.0.2'], '10.0.0.2', '10.0.0.3'],
    [[], '10.0.0.4', '10.0.0.5'],
    [[], '10.0.0.6', '10.0.0.2'], // wraps, skips the gateway
    [['10.0.0.2', '10.0.0.3'], '10.0.0.6', '10.0.0.4'],
    [[], '10.9.9.9', '10.0.0.2'], // last reserved outside the range: start over
    [['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6'], '10.0.0.3', undefined],
  ];
  for (const [used, last, want] of rows) {
    const got = nextFree(r, new Set(used.map(ip)), last ? ip(last) : undefined);
    assert.equal(got === undefined ? undefined : formatIp(got), want, `used=${used} last=${last}`);
  }
});
