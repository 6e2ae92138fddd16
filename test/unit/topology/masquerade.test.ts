import { test } from 'node:test';
import assert from 'node:assert/strict';
import { masqueradeRuleset } from '../../../src/topology/masquerade.js';

test('masqueradeRuleset: the whole transaction', () => {
  assert.equal(masqueradeRuleset(), [
    'table ip podnet-nat-masq',
    'delete table ip podnet-nat-masq',
    'table ip podnet-nat-masq {',
    '\tset no-masquerade {',
    '\t\ttype ipv4_addr',
    '\t\tflags interval',
    '\t\telements = { 10.244.0.0/16, 10.96.0.0/12 }',
    '\t}',
    '',
    '\tchain postrouting {',
    '\t\ttype nat hook postrouting priority srcnat; policy accept;',
    '\t\toifname "eth0" ip saddr 10.244.0.0/16 ip daddr != @no-masquerade masquerade',
    '\t}',
    '}',
    '',
  ].join('\n'));
});

test('masqueradeRuleset: networks and uplink are parameters', () => {
  const text = masqueradeRuleset({ podNetwork: '10.1.0.0/16', serviceNetwork: '10.2.0.0/16', uplink: 'ens3' });
  assert.match(text, /elements = \{ 10\.1\.0\.0\/16, 10\.2\.0\.0\/16 \}/);
  assert.match(text, /oifname "ens3" ip saddr 10\.1\.0\.0\/16 /);
});
