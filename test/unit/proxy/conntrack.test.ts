// Which UDP conntrack entries are deleted when endpoints go away.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { staleUdpDeletions } from '../../../src/proxy/conntrack.js';
import { servicePorts } from '../../../src/proxy/service-ports.js';
import { service, slice } from './fixtures.js';

const DNS = [service('dns', '10.96.0.10', [{ name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }, { name: 'tcp', port: 53, protocol: 'TCP', nodePort: 30054 }], { type: 'NodePort' })];
const ports = (ips: string[]) => servicePorts(DNS, [slice('dns', [{ name: 'dns', port: 5353, protocol: 'UDP' }, { name: 'tcp', port: 5353 }], ips.map((ip) => ({ ip })))], 'node-1');

test('conntrack: nothing on the first sync (a restart keeps established flows)', () => {
  assert.deepEqual(staleUdpDeletions(undefined, ports(['10.244.0.5'])), []);
});

test('conntrack: a removed UDP endpoint is flushed for the VIP and the NodePort, TCP untouched', () => {
  const d = staleUdpDeletions(ports(['10.244.0.5', '10.244.0.6']), ports(['10.244.0.6'])).map((x) => x.argv.join(' '));
  assert.deepEqual(d, [
    'conntrack -D -p udp --orig-dst 10.96.0.10 --orig-port-dst 53 --reply-src 10.244.0.5 --reply-port-src 5353',
    'conntrack -D -p udp --orig-port-dst 30053 --reply-src 10.244.0.5 --reply-port-src 5353',
  ]);
});

test('conntrack: a UDP port gaining its first endpoint clears un-NATed entries', () => {
  const d = staleUdpDeletions(ports([]), ports(['10.244.0.5'])).map((x) => x.argv.join(' '));
  assert.deepEqual(d, ['conntrack -D -p udp --orig-dst 10.96.0.10 --orig-port-dst 53']);
});

test('conntrack: a deleted Service flushes its endpoints', () => {
  assert.equal(staleUdpDeletions(ports(['10.244.0.5']), []).length, 2);
});
