// The service behaviour as rows of packets traced through the generated rule
// model: who reaches what, and whether the source is rewritten.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel } from '../../../src/proxy/ruleset.js';
import { traceAll, tracePacket, type TracePacket } from '../../../src/proxy/trace.js';
import { NODE, service, slice, world } from './fixtures.js';

const model = buildModel({ config: NODE, ...world() });
const POD = '10.244.0.2';
const OUTSIDE = '198.51.100.10';
const NODE_IP = NODE.nodeIP;

type Row = [what: string, pkt: TracePacket, verdicts: string[], masquerade: boolean];
const fromPod = (dst: string, dport: number, proto: TracePacket['proto'] = 'tcp'): TracePacket => ({ src: POD, dst, dport, proto, inIface: 'cni0' });
const fromOutside = (dst: string, dport: number): TracePacket => ({ src: OUTSIDE, dst, dport, proto: 'tcp', inIface: 'eth0' });
const fromNode = (dst: string, dport: number): TracePacket => ({ src: NODE_IP, dst, dport, proto: 'tcp' });

const ROWS: Row[] = [
  ['ClusterIP from a pod: any ready endpoint, source kept', fromPod('10.96.0.10', 80), ['10.244.0.5:8080', '10.244.1.5:8080'], false],
  ['ClusterIP from the node: masqueraded so replies return', fromNode('10.96.0.10', 80), ['10.244.0.5:8080', '10.244.1.5:8080'], true],
  ['ClusterIP on a port no Service has: rejected', fromPod('10.96.0.10', 81), ['REJECT'], false],
  ['unused service address: dropped', fromPod('10.96.0.99', 80), ['DROP'], false],
  ['no endpoints: rejected at once', fromPod('10.96.0.30', 80), ['REJECT'], false],
  ['no endpoints, from the node', fromNode('10.96.0.30', 80), ['REJECT'], false],
  ['NodePort without endpoints: rejected', fromOutside(NODE_IP, 30092), ['REJECT'], false],
  ['NodePort, Cluster policy: any endpoint, SNAT', fromOutside(NODE_IP, 30080), ['10.244.0.5:8080', '10.244.1.5:8080'], true],
  ['NodePort from a pod via the node IP', fromPod(NODE_IP, 30080), ['10.244.0.5:8080', '10.244.1.5:8080'], true],
  ['NodePort on the cni0 gateway address: not served (nftables mode: the primary address only)', fromPod('10.244.0.1', 30080), ['ACCEPT'], false],
  ['NodePort on localhost: not served', fromNode('127.0.0.1', 30080), ['ACCEPT'], false],
  ['NodePort, Local policy: local endpoint only, client IP kept', fromOutside(NODE_IP, 30090), ['10.244.0.6:8080'], false],
  ['LoadBalancer IP, Local policy', fromOutside('203.0.113.10', 80), ['10.244.0.6:8080'], false],
  ['LoadBalancer IP from a pod: short-circuit to any endpoint', fromPod('203.0.113.10', 80), ['10.244.0.6:8080', '10.244.1.6:8080'], false],
  ['LoadBalancer IP from the node: any endpoint, masqueraded', fromNode('203.0.113.10', 80), ['10.244.0.6:8080', '10.244.1.6:8080'], true],
  ['Local policy, no local endpoint: dropped', fromOutside(NODE_IP, 30091), ['DROP'], false],
  ['Local policy, no local endpoint, from a pod: served', fromPod(NODE_IP, 30091), ['10.244.1.7:8080'], false],
  ['internalTrafficPolicy Local, no local endpoint: dropped', fromPod('10.96.0.40', 80), ['DROP'], false],
  ['UDP port', fromPod('10.96.0.53', 53, 'udp'), ['10.244.0.7:5353'], false],
  ['TCP port with the same number', fromPod('10.96.0.53', 53, 'tcp'), ['10.244.0.7:5353'], false],
  ['SCTP on a port only TCP/UDP serve: rejected', fromPod('10.96.0.53', 53, 'sctp'), ['REJECT'], false],
  ['only terminating endpoints: the serving one', fromPod('10.96.0.60', 80), ['10.244.0.8:80'], false],
  ['externalIP, Cluster policy: any endpoint, SNAT', fromOutside('198.51.100.200', 80), ['10.244.0.5:80', '10.244.1.5:80'], true],
  ['pod to pod: untouched', fromPod('10.244.1.9', 80), ['ACCEPT'], false],
  ['ClientIP affinity, new client: any endpoint', fromPod('10.96.0.70', 80), ['10.244.0.5:80', '10.244.1.5:80'], false],
];

for (const [what, pkt, verdicts, masquerade] of ROWS) {
  test(`trace: ${what}`, () => {
    const results = traceAll(model, NODE, pkt);
    assert.deepEqual(results.map((r) => r.verdict), verdicts);
    for (const r of results) {
      // hairpin is the one case where masquerade depends on the endpoint chosen
      assert.equal(r.masquerade, masquerade, `${r.verdict}: masquerade`);
    }
  });
}

test('trace: internalTrafficPolicy Local without a local endpoint goes to the logged no-local-endpoint chain, not a bare drop', () => {
  const [r] = traceAll(model, NODE, fromPod('10.96.0.40', 80));
  assert.equal(r!.verdict, 'DROP');
  assert.equal(r!.chains.at(-1), 'no-local-endpoint');
  assert.deepEqual(model.chains.get('no-local-endpoint')?.rules, [{ match: [], stmt: { s: 'drop', log: 4004 } }]);
});

test('trace: hairpin — a pod reaching itself through its Service is masqueraded', () => {
  const self = { src: '10.244.0.5', dst: '10.96.0.10', dport: 80, proto: 'tcp' as const, inIface: 'cni0' };
  const results = traceAll(model, NODE, self);
  assert.deepEqual(results.map((r) => [r.verdict, r.masquerade]), [['10.244.0.5:8080', true], ['10.244.1.5:8080', false]]);
});

test('trace: ClientIP affinity sticks to the endpoint the client used before', () => {
  const set = [...model.sets.keys()].find((n) => n.startsWith('affinity-') && n.includes('default/aff/tcp/80__10.244.1.5/80'));
  assert.ok(set, 'affinity set for 10.244.1.5');
  const results = traceAll(model, NODE, fromPod('10.96.0.70', 80), { affinity: { [set]: [POD] } });
  assert.deepEqual(results.map((r) => r.verdict), ['10.244.1.5:80']);
  assert.deepEqual(results[0]!.affinityUpdates, [set]);
  // another client is not affected
  const other = traceAll(model, NODE, { ...fromPod('10.96.0.70', 80), src: '10.244.0.3' }, { affinity: { [set]: [POD] } });
  assert.deepEqual(other.map((r) => r.verdict), ['10.244.0.5:80', '10.244.1.5:80']);
});

test('trace: headless and ExternalName Services get no rules', () => {
  const owners = new Set([...model.sets.values()].flatMap((s) => [...s.owners.values()]));
  assert.ok(!owners.has('default/headless'));
  assert.ok(!owners.has('default/alias'));
});

test('trace: load balancing spreads over every endpoint index', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 4; i++) seen.add(tracePacket(model, NODE, fromPod('10.96.0.10', 80), { numgen: i }).verdict);
  assert.equal(seen.size, 2);
});

test('trace: loadBalancerSourceRanges guard the LB address (kube-proxy\'s firewall chain); the NodePort and ClusterIP stay open', () => {
  const guarded = world();
  guarded.services.push(service('guarded', '10.96.0.90', [{ port: 80, nodePort: 30095 }],
    { type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', loadBalancerSourceRanges: [' 198.51.100.0/24', '10.244.1.0/24'] },
    { loadBalancer: { ingress: [{ ip: '203.0.113.20' }] } }));
  guarded.slices.push(slice('guarded', [{ port: 8080 }], [{ ip: '10.244.0.5' }]));
  const m = buildModel({ config: NODE, ...guarded });
  const verdicts = (pkt: TracePacket) => traceAll(m, NODE, pkt).map((r) => r.verdict);
  assert.deepEqual(verdicts(fromOutside('203.0.113.20', 80)), ['10.244.0.5:8080'], 'a source in the ranges');
  assert.deepEqual(verdicts({ ...fromPod('203.0.113.20', 80), src: '10.244.1.9' }), ['10.244.0.5:8080'], 'a pod in the ranges');
  assert.deepEqual(verdicts(fromPod('203.0.113.20', 80)), ['DROP'], 'a pod outside them');
  assert.deepEqual(verdicts(fromNode('203.0.113.20', 80)), ['DROP'], 'the node outside them');
  assert.deepEqual(verdicts(fromPod('10.96.0.90', 80)), ['10.244.0.5:8080'], 'the ClusterIP is not guarded');
  assert.deepEqual(verdicts(fromPod(NODE_IP, 30095)), ['10.244.0.5:8080'], 'nor is the NodePort');
});
