// hostPorts as the CNI portmap plugin makes them (src/cni/portmap.ts), and
// the scheduler's check that two pods do not take one port of a node.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../src/api/types.js';
import { hostPortMappings, hostPortOwner, hostPortTransaction, renderHostPorts } from '../../../src/cni/portmap.js';
import { hostPortsConflict, hostPortsOf } from '../../../src/controllers/node-fit.js';
import { choose } from '../../../src/controllers/scheduler.js';
import { node } from '../controllers/fixtures.js';
import { validatePodSpec } from '../../../src/api/validation/pod.js';

const withPorts = (name: string, ports: Pod['spec']['containers'][number]['ports'], extra: Partial<Pod['spec']> = {}, status: Pod['status'] = { podIP: '10.244.0.7', phase: 'Running' }): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'shop', uid: `uid-${name}` },
  spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'x', ports }], ...extra }, status,
});

test('mappings: each hostPort of a running pod with its own address, in one order; a hostNetwork pod, one without an address or finished: none', () => {
  const pods = [
    withPorts('web', [{ containerPort: 8080, hostPort: 20080 }, { containerPort: 53, protocol: 'UDP', hostPort: 5353, hostIP: '172.18.0.2' }, { containerPort: 9000 }]),
    withPorts('hostnet', [{ containerPort: 9100, hostPort: 9100 }], { hostNetwork: true }),
    withPorts('starting', [{ containerPort: 80, hostPort: 20081 }], {}, { phase: 'Pending' }),
    withPorts('done', [{ containerPort: 80, hostPort: 20082 }], {}, { podIP: '10.244.0.8', phase: 'Succeeded' }),
  ];
  assert.deepEqual(hostPortMappings(pods), [
    { protocol: 'udp', hostIP: '172.18.0.2', hostPort: 5353, podIP: '10.244.0.7', containerPort: 53, pod: 'shop/web' },
    { protocol: 'tcp', hostPort: 20080, podIP: '10.244.0.7', containerPort: 8080, pod: 'shop/web' },
  ]);
});

test('the table: DNAT to a local address (not loopback) before the service proxy, the pod\'s own hairpin masqueraded; none without mappings', () => {
  const text = renderHostPorts(hostPortMappings([withPorts('web', [{ containerPort: 8080, hostPort: 20080 }, { containerPort: 53, protocol: 'UDP', hostPort: 5353, hostIP: '172.18.0.2' }])]));
  assert.match(text, /type nat hook prerouting priority dstnat - 5; policy accept;\n\t\tfib daddr type local jump hostports/);
  assert.match(text, /ip daddr != 127\.0\.0\.0\/8 fib daddr type local jump hostports/);
  assert.match(text, /\t\tip daddr 172\.18\.0\.2 udp dport 5353 dnat to 10\.244\.0\.7:53 comment "shop\/web"\n\t\ttcp dport 20080 dnat to 10\.244\.0\.7:8080 comment "shop\/web"\n/);
  assert.match(text, /ct status dnat ip saddr \. ip daddr \{ 10\.244\.0\.7 \. 10\.244\.0\.7 \} masquerade/);
  assert.equal(renderHostPorts([]), '');
  const pods = [withPorts('web', [{ containerPort: 8080, hostPort: 20080 }, { containerPort: 53, protocol: 'UDP', hostPort: 5353, hostIP: '172.18.0.2' }])];
  assert.equal(hostPortOwner(pods, '172.18.0.2', 20080)?.containerPort, 8080, 'who a connection to the node\'s port reaches (podnet trace)');
  assert.equal(hostPortOwner(pods, '172.18.0.2', 5353), undefined, 'a UDP port is not a TCP connection\'s');
  assert.equal(hostPortOwner(pods, '172.18.0.3', 5353, 'udp'), undefined, 'another address than its hostIP');
  assert.equal(hostPortTransaction(''), 'add table ip podnet-hostports\ndelete table ip podnet-hostports\n');
});

test('the scheduler: a node whose pods hold the port and protocol (any address overlapping the unset one) does not fit, as kube-scheduler\'s NodePorts', () => {
  const wants = withPorts('new', [{ containerPort: 80, hostPort: 20080 }]);
  const used = hostPortsOf(withPorts('old', [{ containerPort: 8080, hostPort: 20080 }]));
  assert.equal(hostPortsConflict(hostPortsOf(wants), used), true);
  assert.equal(hostPortsConflict(hostPortsOf(withPorts('udp', [{ containerPort: 80, protocol: 'UDP', hostPort: 20080 }])), used), false, 'another protocol');
  assert.equal(hostPortsConflict(hostPortsOf(withPorts('a', [{ containerPort: 80, hostPort: 20080, hostIP: '172.18.0.2' }])), hostPortsOf(withPorts('b', [{ containerPort: 80, hostPort: 20080, hostIP: '172.18.0.3' }]))), false, 'two addresses');
  assert.equal(hostPortsConflict(hostPortsOf(withPorts('a', [{ containerPort: 80, hostPort: 20080, hostIP: '0.0.0.0' }])), hostPortsOf(withPorts('b', [{ containerPort: 80, hostPort: 20080, hostIP: '172.18.0.3' }]))), true, '0.0.0.0 is every address');
  const nodes = [node('node-1'), node('node-2')];
  assert.deepEqual(choose(wants, nodes, new Map([['node-2', 5]]), new Map(), new Map([['node-1', used]])), { node: 'node-2' });
  const both = new Map([['node-1', used], ['node-2', used]]);
  assert.deepEqual(choose(wants, nodes, new Map(), new Map(), both), { reason: '0/2 nodes are available: 2 node(s) didn\'t have free ports for the requested pod ports. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.' });
});

test('a terminating pod keeps its ports while it drains; a hostIP must be IPv4 (the value goes into the node\'s rules)', () => {
  const draining = { ...withPorts('old', [{ containerPort: 8080, hostPort: 20080 }]), metadata: { name: 'old', namespace: 'shop', uid: 'uid-old', deletionTimestamp: '2026-11-30T01:00:00Z' } };
  assert.equal(hostPortMappings([draining]).length, 1);
  const spec = (hostIP: string) => ({ containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, protocol: 'TCP', hostPort: 20080, hostIP }] }], restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' });
  assert.deepEqual(validatePodSpec(spec('172.18.0.2'), 'spec').filter((e) => e.field.includes('hostIP')), []);
  const bad = validatePodSpec(spec('1.2.3.4 } flush ruleset'), 'spec').find((e) => e.field.includes('hostIP'));
  assert.equal(bad?.field, 'spec.containers[0].ports[0].hostIP');
  assert.match(bad?.detail ?? '', /must be a valid IPv4 address/);
  // one protocol, hostIP and hostPort once across the pod's containers, as upstream's AccumulateUniqueHostPorts
  const twice = { containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 80, protocol: 'TCP', hostPort: 20080 }] }, { name: 'b', image: 'x', ports: [{ containerPort: 81, protocol: 'UDP', hostPort: 20080 }, { containerPort: 82, protocol: 'TCP', hostPort: 20080 }] }], restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' };
  assert.deepEqual(validatePodSpec(twice, 'spec').filter((e) => e.field.includes('hostPort')).map((e) => `${e.field}: ${e.detail ?? ''}${JSON.stringify(e.value ?? '')}`), ['spec.containers[1].ports[1].hostPort: "TCP//20080"']);
  // stored before validation took IPv4 only: left out of the rules
  assert.deepEqual(hostPortMappings([withPorts('odd', [{ containerPort: 80, hostPort: 20080, hostIP: 'fe80::1' }])]), []);
});
