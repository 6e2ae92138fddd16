// What `podnet observe` reads after the fact: the refusal log's lines (as
// the agents' recorders write them from tcpdump's NFLOG lines), the
// connections `conntrack -L` still lists, a log's history before a tail
// starts, and how a refused packet becomes a flow by its log group.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Node, Pod, Service } from '../../../src/api/types.js';
import { AddressBook } from '../../../src/observe/address-book.js';
import { parseConntrackEntry } from '../../../src/observe/events.js';
import { connectionKey, flowFromConntrack, flowFromQueryLog, flowFromRefusal, flowText, inWindow, isoSecond, mergeRecorded, newestRecorded, type Flow } from '../../../src/observe/flows.js';
import { RefusalRecorder } from '../../../src/observe/refusal-recorder.js';
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
  assert.deepEqual([4003, 4001, 4004].map((g) => flowFromRefusal(at(g), 'node-1', book, [])!.dropReasonDesc), ['SERVICE_BACKEND_NOT_FOUND', 'POLICY_DENIED', 'SERVICE_BACKEND_NOT_FOUND'], 'Hubble\'s drop reason names');
  assert.equal(flowFromRefusal(at(4001), 'node-1', book, ['ingress to shop/api-a isolated by shop/deny'])!.reason, 'NetworkPolicy: ingress to shop/api-a isolated by shop/deny');
  assert.equal(flowFromRefusal(at(4002), 'node-1', book, [])!.reason, 'NetworkPolicy: egress from shop/client: no NetworkPolicy rule allows it');
  assert.match(flowFromRefusal(at(4004), 'node-1', book, [])!.reason!, /^dropped by the service proxy/);
  assert.equal(flowFromRefusal(at(4001), 'load-balancer', book, []), undefined);
  assert.equal(flowFromRefusal(at(4999), 'node-1', book, []), undefined);
});

test('conntrack -L -o ktimestamp entries: a connection\'s start, to the second, in UTC; without a start time or a tuple, none', () => {
  const e = parseConntrackEntry('tcp      6 118 TIME_WAIT src=10.244.0.3 dst=10.96.5.5 sport=32932 dport=80 src=10.244.0.4 dst=10.244.0.3 sport=8080 dport=32932 [ASSURED] mark=0 delta-time=2 [start=Mon Nov 30 01:06:38 2026] use=1')!;
  assert.deepEqual(e, { time: Date.parse('2026-11-30T01:06:38Z') / 1000, type: 'NEW', protocol: 'TCP', orig: { src: '10.244.0.3', dst: '10.96.5.5', sport: 32932, dport: 80 }, reply: { src: '10.244.0.4', dst: '10.244.0.3', sport: 8080, dport: 32932 } });
  const udp = parseConntrackEntry('udp      17 28 src=10.244.0.3 dst=10.96.0.10 sport=5000 dport=53 [UNREPLIED] src=10.244.1.3 dst=10.244.0.3 sport=53 dport=5000 mark=0 delta-time=7 [start=Tue Dec  1 00:00:09 2026] use=1')!;
  assert.deepEqual([udp.protocol, udp.time], ['UDP', Date.parse('2026-12-01T00:00:09Z') / 1000]);
  assert.equal(parseConntrackEntry('tcp      6 118 TIME_WAIT src=10.244.0.3 dst=10.96.5.5 sport=1 dport=80 src=10.244.0.4 dst=10.244.0.3 sport=8080 dport=1 [ASSURED] mark=0 use=1'), undefined, 'timestamps off');
  assert.equal(parseConntrackEntry('conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.'), undefined);
  // the flow it makes, timed to the second: its text keeps the columns of a flow timed to the millisecond
  const f = { ...flowFromConntrack(e, { kind: 'node', node: 'node-1' }, book, false)!, time: isoSecond(e.time) };
  assert.equal(f.time, '2026-11-30T01:06:38Z');
  assert.equal(flowText(f), '01:06:38     node-1        shop/client:32932 → 10.96.5.5:80 (ClusterIP shop/api) → shop/api-a:8080  TCP  FORWARDED');
});

const flowAt = (time: string, extra: Partial<Flow> = {}): Flow => ({
  time, observer: 'node-1', verdict: 'FORWARDED', protocol: 'TCP', source: { kind: 'pod', ip: '10.244.0.3', port: 1, namespace: 'shop', name: 'client' }, destination: { kind: 'service', ip: '10.96.5.5', port: 80 }, ...extra,
});

test('the window: --since counts a flow timed to the second from its second; a log is read back only as far as --since or --last needs', () => {
  const since = Date.parse('2026-11-30T01:00:05.500Z') / 1000;
  assert.equal(inWindow(flowAt('2026-11-30T01:00:05Z'), since), true, 'its second holds --since');
  assert.equal(inWindow(flowAt('2026-11-30T01:00:05.400Z'), since), false);
  assert.equal(inWindow(flowAt('2026-11-30T01:00:04Z'), since), false);
  assert.equal(inWindow(flowAt('2026-11-30T01:00:00Z'), undefined), true);
  let consumed = 0;
  function* newestFirst(): Generator<Flow> {
    for (let s = 59; s >= 0; s--) { consumed++; yield flowAt(`2026-11-30T01:00:${String(s).padStart(2, '0')}.000Z`, s % 2 ? {} : { verdict: 'DROPPED' }); }
  }
  const dropped = newestRecorded(newestFirst(), { verdict: 'DROPPED' }, { last: 3 }, true);
  assert.deepEqual(dropped.map((f) => f.time.slice(17, 19)), ['58', '56', '54']);
  assert.equal(consumed, 6, 'no further than the third match');
  consumed = 0;
  assert.equal(newestRecorded(newestFirst(), {}, { since: Date.parse('2026-11-30T01:00:50Z') / 1000 }, true).length, 10);
  assert.equal(consumed, 16, 'back to 5 s before --since (lines a little out of order), then no further');
  consumed = 0;
  newestRecorded(newestFirst(), {}, { since: Date.parse('2026-11-30T01:00:50Z') / 1000 }, false);
  assert.equal(consumed, 60, 'a table in no order is read whole');
  // --last on a table in no order: the newest N whatever their place in it
  const table = [flowAt('2026-11-30T01:00:30Z'), flowAt('2026-11-30T01:00:10Z'), flowAt('2026-11-30T01:00:20Z')].reverse();
  assert.deepEqual(mergeRecorded([newestRecorded(table, {}, { last: 2 }, false)], { last: 2 }).map((f) => f.time.slice(17, 19)), ['20', '30']);
  const merged = mergeRecorded([[flowAt('2026-11-30T01:00:03.000Z'), flowAt('2026-11-30T01:00:01.000Z')], [flowAt('2026-11-30T01:00:02Z')]], { last: 2 });
  assert.deepEqual(merged.map((f) => f.time), ['2026-11-30T01:00:02Z', '2026-11-30T01:00:03.000Z'], 'oldest first, the last N');
  assert.equal(connectionKey(flowAt('x')), 'node-1 TCP 10.244.0.3:1 10.96.5.5:80');
});

test('a log\'s history before a tail starts: newest first, the log then its .1, read back across chunks; nothing the tail reads later', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'podnet-history-'));
  try {
    const file = path.join(dir, 'node-1.log');
    assert.deepEqual([...new LogTail(file).history()], []);
    writeFileSync(`${file}.1`, '{"a":1}\n{"b":2}\n');
    writeFileSync(file, '{"c":3}\n{"d":');
    const tail = new LogTail(file);
    appendFileSync(file, '4}\n{"e":5}\n');
    assert.deepEqual([...tail.history()], ['{"c":3}', '{"b":2}', '{"a":1}'], 'a line torn at the start is the tail\'s');
    assert.deepEqual(tail.read(), ['{"d":4}', '{"e":5}']);
    // 40,000 lines (~1 MiB) read back in 256 KiB chunks: every line once, whole, in order
    const big = path.join(dir, 'big.log');
    writeFileSync(big, Array.from({ length: 40_000 }, (_, i) => `{"n":${i}}\n`).join(''));
    const back = [...new LogTail(big).history()];
    assert.equal(back.length, 40_000);
    assert.ok(back.every((line, i) => line === `{"n":${39_999 - i}}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the tail moves by bytes: a line with a byte that is not UTF-8 does not make it read the log again', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'podnet-tail-bytes-'));
  try {
    const file = path.join(dir, 'access.log');
    writeFileSync(file, '');
    const tail = new LogTail(file);
    appendFileSync(file, Buffer.concat([Buffer.from('{"uri":"/'), Buffer.from([0xff]), Buffer.from('"}\n')]));
    assert.equal(tail.read().length, 1);
    appendFileSync(file, '{"uri":"/next"}\n');
    assert.deepEqual(tail.read(), ['{"uri":"/next"}']);
    assert.deepEqual(tail.read(), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the recorder: lines to JSON, the marker while it listens, rotation at its size, a restart after its command ends; a write error is said once and thrown never', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'podnet-recorder-'));
  const said: string[] = [];
  const line = (n: number) => `179600057${n}.5 version 0, resource ID 4003, family IPv4 (2), length 80: 10.244.0.3.5000 > 10.96.5.5.8${n}: UDP, length 2`;
  // a stand-in for tcpdump: says it listens, prints three packets, stays until killed
  const script = `echo 'listening on nflog:4003' >&2; printf '%s\\n' '${line(1)}' 'not a packet' '${line(2)}' '${line(3)}'; exec sleep 30`;
  const file = path.join(dir, 'refusals', 'node-1.log');
  const recorder = new RefusalRecorder({ file, groups: [4003], say: (l) => said.push(l), maxBytes: 300, command: ['sh', '-c', script] });
  try {
    recorder.start();
    const until = async (what: string, ok: () => boolean) => {
      for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(ok(), what);
    };
    const lines = (f: string) => { try { return readFileSync(f, 'utf8').split('\n').filter(Boolean); } catch { return []; } };
    await until('three refusals written', () => lines(file).length === 3);
    assert.deepEqual(lines(file).map((l) => parseRefusalLine(l)!).map((r) => [r.group, r.dport]), [[4003, 81], [4003, 82], [4003, 83]]);
    const pid = Number(readFileSync(recorderMarkerPath(file), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await until('started again after its command ended', () => { try { return Number(readFileSync(recorderMarkerPath(file), 'utf8')) !== pid; } catch { return false; } });
    assert.equal(said.filter((l) => /ended \(SIGKILL\); starting it again/.test(l)).length, 1, said.join(' | '));
    // its second start prints the three again: past 300 bytes, the first three went to .1
    await until('rotated at 300 bytes', () => lines(`${file}.1`).length === 3 && lines(file).length === 3);
    // its directory replaced by a file: every write fails, each failure is said once, nothing is thrown at the agent
    const again = Number(readFileSync(recorderMarkerPath(file), 'utf8'));
    rmSync(path.dirname(file), { recursive: true, force: true });
    writeFileSync(path.dirname(file), 'not a directory');
    process.kill(again, 'SIGKILL');
    await until('the next start\'s writes failed', () => said.some((l) => /ENOTDIR|EEXIST/.test(l)));
    await new Promise((r) => setTimeout(r, 200));
    const failures = said.filter((l) => /ENOTDIR|EEXIST/.test(l));
    assert.ok(failures.length <= 2 && new Set(failures).size === failures.length, `each failure said once: ${failures.join(' | ')}`);
  } finally {
    recorder.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the external DNS\'s query log: each question with who asked, the answer\'s records and the time it took', () => {
  const f = flowFromQueryLog({ ts: '2026-11-30T01:05:38.512Z', client: '198.51.100.10:40112', proto: 'udp', id: 7, qname: 'shop.example.test.', qtype: 'A', rcode: 'NOERROR', answers: 1, records: ['A 203.0.113.10'], size: 51, truncated: false, durationMs: 0.2, cache: 'miss' }, book)!;
  assert.deepEqual([f.observer, f.protocol, f.source.kind, f.destination.kind, f.destination.port], ['external-dns', 'DNS', 'outside', 'external-dns', 53]);
  assert.equal(flowText(f), '01:05:38.512 external-dns  outside 198.51.100.10:40112 → external-dns 198.51.100.53:53  DNS A? shop.example.test. → NOERROR A 203.0.113.10  0.2 ms');
  const older = flowFromQueryLog({ ts: '2026-11-30T01:05:38.512Z', client: '172.18.0.2:5353', proto: 'udp', id: 8, qname: 'example.test.', qtype: 'AAAA', rcode: 'NOERROR', answers: 0, size: 30, truncated: false, durationMs: 1, cache: 'miss' }, book)!;
  assert.deepEqual([older.source.kind, older.dns?.records], ['node', []], 'a line written before records were logged has none');
  assert.equal(flowFromQueryLog({ ts: 'x', client: '1.2.3.4:5', proto: 'udp', id: 1, qname: 'a.', qtype: 'A', rcode: 'NOERROR', answers: 0, size: 1, truncated: false, durationMs: 0, cache: 'miss' }, book), undefined);
});
