// What `podnet observe` reads after the fact: the refusal log's lines (as
// the agents' recorders write them from tcpdump's NFLOG lines), the
// connections `conntrack -L` still lists, a log's history before a tail
// starts, and how a refused packet becomes a flow by its log group.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Node, Pod, Service } from '../../../src/api/types.js';
import { AddressBook } from '../../../src/observe/address-book.js';
import { parseConntrackEntry } from '../../../src/observe/events.js';
import { flowFromConntrack, flowFromRefusal, flowText, isoSecond } from '../../../src/observe/flows.js';
import { LogTail } from '../../../src/observe/log-tail.js';
import { parseNflogLine, parseRefusalLine, recorderMarkerPath, refusalLogPath } from '../../../src/observe/refusal-log.js';

const book = new AddressBook({
  nodes: [{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: { podCIDR: '10.244.0.0/24' }, status: { addresses: [{ type: 'InternalIP', address: '172.18.0.2' }] } } as Node],
  pods: [
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace: 'shop' }, spec: { nodeName: 'node-1', containers: [] }, status: { podIP: '10.244.0.3', phase: 'Running' } } as Pod,
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'api-a', namespace: 'shop' }, spec: { nodeName: 'node-1', containers: [] }, status: { podIP: '10.244.0.4', phase: 'Running' } } as Pod,
  ],
  services: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'shop' }, spec: { clusterIP: '10.96.5.5', ports: [{ port: 80, targetPort: 8080 }] } } as Service],
});

test('tcpdump -e lines of several NFLOG groups: each packet with the group it came to; tcpdump\'s own lines and IPv6 are none', () => {
  assert.deepEqual(parseNflogLine('1796000574.525183 version 0, resource ID 4001, family IPv4 (2), length 108: 10.244.0.3.58240 > 10.244.0.4.8080: Flags [S], seq 1659682504, win 65495, length 0'),
    { time: 1796000574.525183, protocol: 'TCP', src: '10.244.0.3', dst: '10.244.0.4', sport: 58240, dport: 8080, tcpFlags: 'S', group: 4001 });
  const udp = parseNflogLine('1796000575.529572 version 0, resource ID 4003, family IPv4 (2), length 80: 10.244.0.3.53735 > 10.96.5.5.82: UDP, length 2')!;
  assert.deepEqual([udp.protocol, udp.group, udp.dport], ['UDP', 4003, 82]);
  const icmp = parseNflogLine('1796000575.529857 version 0, resource ID 4004, family IPv4 (2), length 92: 10.244.0.3 > 10.244.0.4: ICMP echo request, id 1, seq 1, length 64')!;
  assert.deepEqual([icmp.protocol, icmp.group, icmp.sport], ['ICMP', 4004, undefined]);
  assert.equal(parseNflogLine('tcpdump: listening on nflog:4001,4003, link-type NFLOG (Linux netfilter log messages), snapshot length 262144 bytes'), undefined);
  assert.equal(parseNflogLine('1.0 version 0, resource ID 4001, family IPv6 (10), length 120: fe80::1.5 > ff02::1.5: UDP, length 2'), undefined);
});

test('the refusal log: a JSON line per refused packet; a torn or foreign line is none; where each namespace\'s log is', () => {
  const r = parseNflogLine('1796000574.525183 version 0, resource ID 4003, family IPv4 (2), length 108: 10.244.0.3.58240 > 10.96.5.5.80: Flags [S], seq 1, win 1, length 0')!;
  assert.deepEqual(parseRefusalLine(JSON.stringify(r)), r);
  assert.equal(parseRefusalLine(JSON.stringify(r).slice(0, 30)), undefined);
  assert.equal(parseRefusalLine('{"time":1,"status":200}'), undefined);
  assert.equal(parseRefusalLine('null'), undefined);
  assert.equal(refusalLogPath('/state/c', 'node-2'), '/state/c/refusals/node-2.log');
  assert.equal(recorderMarkerPath('/state/c/refusals/node-2.log'), '/state/c/refusals/node-2.log.recorder');
});

test('a refused packet becomes its flow by its group: the proxy\'s reject, a policy drop; a group no rule there logs to is none', () => {
  const at = (group: number) => ({ time: 1796000574.5, protocol: 'TCP', src: '10.244.0.3', dst: group === 4003 ? '10.96.5.5' : '10.244.0.4', sport: 4000, dport: group === 4003 ? 80 : 8080, tcpFlags: 'S', group });
  assert.equal(flowFromRefusal(at(4003), 'node-1', book, [])!.reason, 'rejected by the service proxy (connection refused): ClusterIP shop/api has no ready endpoint for TCP port 80');
  assert.equal(flowFromRefusal(at(4001), 'node-1', book, ['ingress to shop/api-a isolated by shop/deny'])!.reason, 'NetworkPolicy: ingress to shop/api-a isolated by shop/deny');
  assert.equal(flowFromRefusal(at(4002), 'node-1', book, [])!.reason, 'NetworkPolicy: egress from shop/client: no NetworkPolicy rule allows it');
  assert.match(flowFromRefusal(at(4004), 'node-1', book, [])!.reason!, /^dropped by the service proxy/);
  assert.equal(flowFromRefusal(at(4001), 'load-balancer', book, []), undefined);
  assert.equal(flowFromRefusal(at(4999), 'node-1', book, []), undefined);
});

test('conntrack -L entries: a connection\'s start from delta-time, to the second; without a start time or a tuple, none', () => {
  const now = 1796000800.75;
  const e = parseConntrackEntry('tcp      6 118 TIME_WAIT src=10.244.0.3 dst=10.96.5.5 sport=32932 dport=80 src=10.244.0.4 dst=10.244.0.3 sport=8080 dport=32932 [ASSURED] mark=0 delta-time=2 use=1', now)!;
  assert.deepEqual(e, { time: now - 2, type: 'NEW', protocol: 'TCP', orig: { src: '10.244.0.3', dst: '10.96.5.5', sport: 32932, dport: 80 }, reply: { src: '10.244.0.4', dst: '10.244.0.3', sport: 8080, dport: 32932 } });
  const udp = parseConntrackEntry('udp      17 28 src=10.244.0.3 dst=10.96.0.10 sport=5000 dport=53 [UNREPLIED] src=10.244.1.3 dst=10.244.0.3 sport=53 dport=5000 mark=0 delta-time=7 use=1', now)!;
  assert.deepEqual([udp.protocol, udp.time], ['UDP', now - 7]);
  assert.equal(parseConntrackEntry('tcp      6 118 TIME_WAIT src=10.244.0.3 dst=10.96.5.5 sport=1 dport=80 src=10.244.0.4 dst=10.244.0.3 sport=8080 dport=1 [ASSURED] mark=0 use=1', now), undefined, 'timestamps off');
  assert.equal(parseConntrackEntry('conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.', now), undefined);
  // the flow it makes, timed to the second: its text keeps the columns of a flow timed to the millisecond
  const f = { ...flowFromConntrack(e, { kind: 'node', node: 'node-1' }, book, false)!, time: isoSecond(e.time) };
  assert.equal(f.time, '2026-11-30T01:06:38Z');
  assert.equal(flowText(f), '01:06:38     node-1        shop/client:32932 → 10.96.5.5:80 (ClusterIP shop/api) → shop/api-a:8080  TCP  FORWARDED');
});

test('a log\'s history before a tail starts: the rotated .1 first, then the log up to the start; nothing the tail reads later', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'podnet-history-'));
  try {
    const file = path.join(dir, 'node-1.log');
    assert.deepEqual(new LogTail(file).history(), []);
    writeFileSync(`${file}.1`, '{"a":1}\n{"b":2}\n');
    writeFileSync(file, '{"c":3}\n{"d":');
    const tail = new LogTail(file);
    appendFileSync(file, '4}\n{"e":5}\n');
    assert.deepEqual(tail.history(), ['{"a":1}', '{"b":2}', '{"c":3}'], 'a line torn at the start is the tail\'s');
    assert.deepEqual(tail.read(), ['{"d":4}', '{"e":5}']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
