// Which UDP conntrack entries are deleted when a sync changes Services or
// endpoints. The rule (kube-proxy's CleanStaleEntries): an entry for a UDP
// frontend (Service IP:port or NodePort) whose reply source is not a serving
// endpoint of it is stale. A sync deletes what its change made stale: entries
// to endpoints that stopped serving, and entries that were never NATed once a
// frontend has its first serving endpoint.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { staleUdpDeletions } from '../../../src/proxy/conntrack.js';
import type { Service, ServicePort } from '../../../src/api/types.js';
import { servicePorts } from '../../../src/proxy/service-ports.js';
import { NODE, service, slice, type Ep } from './fixtures.js';

const NODE_IP = NODE.nodeIP;
const DNS_PORTS: ServicePort[] = [{ name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }, { name: 'tcp', port: 53, protocol: 'TCP', nodePort: 30054 }];
const DNS = service('dns', '10.96.0.10', DNS_PORTS, { type: 'NodePort' });
const DNS_SLICE_PORTS = [{ name: 'dns', port: 5353, protocol: 'UDP' as const }, { name: 'tcp', port: 5353 }];

/** The service ports node-1 computes for `svcs` (default: the DNS Service) with these endpoints. */
function ports(eps: (string | Ep)[], svcs: Service[] = [DNS]) {
  const endpoints = eps.map((e) => (typeof e === 'string' ? { ip: e } : e));
  return servicePorts(svcs, [slice('dns', DNS_SLICE_PORTS, endpoints)], 'node-1');
}

function deletions(prev: ReturnType<typeof ports> | undefined, next: ReturnType<typeof ports>): string[] {
  return staleUdpDeletions(prev, next, NODE_IP).map((d) => d.argv.join(' '));
}

const UNNATED_VIP = 'conntrack -D -p udp --orig-dst 10.96.0.10 --orig-port-dst 53 --reply-src 10.96.0.10';
const UNNATED_NODEPORT = `conntrack -D -p udp --orig-dst ${NODE_IP} --orig-port-dst 30053 --reply-src ${NODE_IP}`;
const TERMINATING: Ep = { ip: '10.244.0.6', ready: false, serving: true, terminating: true };

test('conntrack: nothing on the first sync (a restart keeps established flows)', () => {
  assert.deepEqual(deletions(undefined, ports(['10.244.0.5'])), []);
});

test('conntrack: a removed UDP endpoint is flushed for the VIP and the NodePort, TCP untouched', () => {
  assert.deepEqual(deletions(ports(['10.244.0.5', '10.244.0.6']), ports(['10.244.0.6'])), [
    'conntrack -D -p udp --orig-dst 10.96.0.10 --orig-port-dst 53 --reply-src 10.244.0.5 --reply-port-src 5353',
    'conntrack -D -p udp --orig-port-dst 30053 --reply-src 10.244.0.5 --reply-port-src 5353',
  ]);
});

test('conntrack: a UDP port gaining its first endpoint clears un-NATed entries of the VIP and the NodePort', () => {
  assert.deepEqual(deletions(ports([]), ports(['10.244.0.5'])), [UNNATED_VIP, UNNATED_NODEPORT]);
});

test('conntrack: a new Service with endpoints clears un-NATed entries (a client sending before it existed)', () => {
  assert.deepEqual(deletions([], ports(['10.244.0.5'])), [UNNATED_VIP, UNNATED_NODEPORT]);
});

test('conntrack: a new Service without endpoints deletes nothing (nothing to NAT to yet)', () => {
  assert.deepEqual(deletions([], ports([])), []);
});

test('conntrack: a new externalIP or NodePort of a served Service clears its un-NATed entries only', () => {
  const withExternal = service('dns', '10.96.0.10', DNS_PORTS, { type: 'NodePort', externalIPs: ['198.51.100.200'] });
  assert.deepEqual(deletions(ports(['10.244.0.5']), ports(['10.244.0.5'], [withExternal])), [
    'conntrack -D -p udp --orig-dst 198.51.100.200 --orig-port-dst 53 --reply-src 198.51.100.200',
  ]);
  const moved = service('dns', '10.96.0.10', [{ ...DNS_PORTS[0]!, nodePort: 31000 }, DNS_PORTS[1]!], { type: 'NodePort' });
  assert.deepEqual(deletions(ports(['10.244.0.5']), ports(['10.244.0.5'], [moved])), [
    'conntrack -D -p udp --orig-port-dst 30053 --reply-src 10.244.0.5 --reply-port-src 5353',
    `conntrack -D -p udp --orig-dst ${NODE_IP} --orig-port-dst 31000 --reply-src ${NODE_IP}`,
  ]);
});

test('conntrack: an endpoint that is terminating but still serving keeps its flows', () => {
  assert.deepEqual(deletions(ports(['10.244.0.5', '10.244.0.6']), ports(['10.244.0.5', TERMINATING])), []);
});

test('conntrack: traffic policies and node locality do not decide what is stale', () => {
  const local = service('dns', '10.96.0.10', DNS_PORTS, { type: 'NodePort', externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local' });
  const remote: Ep = { ip: '10.244.1.5', node: 'node-2' };
  assert.deepEqual(deletions(ports(['10.244.0.5', remote]), ports(['10.244.0.5', remote], [local])), []);
});

test('conntrack: an endpoint that stops serving while terminating is flushed', () => {
  assert.deepEqual(deletions(ports(['10.244.0.5', TERMINATING]), ports(['10.244.0.5', { ...TERMINATING, serving: false }])), [
    'conntrack -D -p udp --orig-dst 10.96.0.10 --orig-port-dst 53 --reply-src 10.244.0.6 --reply-port-src 5353',
    'conntrack -D -p udp --orig-port-dst 30053 --reply-src 10.244.0.6 --reply-port-src 5353',
  ]);
});

test('conntrack: a deleted Service flushes its endpoints', () => {
  assert.equal(deletions(ports(['10.244.0.5']), []).length, 2);
});
