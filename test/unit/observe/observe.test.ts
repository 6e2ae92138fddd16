import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Node, Pod, Service } from '../../../src/api/types.js';
import { AddressBook } from '../../../src/observe/address-book.js';
import { DnsExchanges, nodeVantage, outsideVantage } from '../../../src/observe/dns.js';
import { parseConntrackEvent, parseDnsPacket, parseLoggedPacket } from '../../../src/observe/events.js';
import { flowFromAccessLine, flowFromConntrack, flowFromDrop, flowFromReject, flowFromServiceDrop, flowText, matchesFilter, namesUnknownPod, renamed, tcpFlagsText, type Flow } from '../../../src/observe/flows.js';
import { LogTail } from '../../../src/observe/log-tail.js';
import { observeOptions } from '../../../src/cli/commands/observe.js';
import { parseFlags } from '../../../src/cli/args.js';

const node = (name: string, ip: string, cidr: string): Node => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { podCIDR: cidr }, status: { addresses: [{ type: 'InternalIP', address: ip }] },
});
const pod = (ns: string, name: string, ip: string, nodeName: string, hostNetwork = false): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns },
  spec: { nodeName, ...(hostNetwork ? { hostNetwork } : {}), containers: [{ name: 'c', image: 'x' }] }, status: { podIP: ip, phase: 'Running' },
});
const service = (ns: string, name: string, spec: Service['spec'], lb?: string): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec, ...(lb ? { status: { loadBalancer: { ingress: [{ ip: lb }] } } } : {}),
});

const book = new AddressBook({
  nodes: [node('node-1', '172.18.0.2', '10.244.0.0/24'), node('node-2', '172.18.0.3', '10.244.1.0/24')],
  pods: [
    pod('shop', 'frontend-a', '10.244.0.3', 'node-1'), pod('shop', 'api-a', '10.244.0.4', 'node-1'), pod('shop', 'api-b', '10.244.1.5', 'node-2'),
    pod('kube-system', 'coredns-a', '10.244.1.3', 'node-2'), pod('ingress-nginx', 'controller-x', '10.244.1.2', 'node-2'),
    pod('default', 'hostnet', '172.18.0.2', 'node-1', true),
  ],
  services: [
    service('shop', 'api', { clusterIP: '10.96.5.5', ports: [{ port: 80, targetPort: 8080 }] }),
    service('kube-system', 'kube-dns', { clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }),
    service('ingress-nginx', 'ingress-nginx-controller', { type: 'LoadBalancer', clusterIP: '10.96.7.7', ports: [{ port: 80, nodePort: 30239 }] }, '203.0.113.10'),
  ],
});

const ct = (line: string) => parseConntrackEvent(line)!;

test('conntrack -E lines: the original and reply tuples, the protocol, the time; anything else is no event', () => {
  const e = ct('[1795990893.986281]\t    [NEW] tcp      6 120 SYN_SENT src=198.51.100.10 dst=172.18.0.3 sport=38970 dport=30239 [UNREPLIED] src=10.244.1.2 dst=198.51.100.10 sport=80 dport=38970');
  assert.deepEqual(e, { time: 1795990893.986281, type: 'NEW', protocol: 'TCP', orig: { src: '198.51.100.10', dst: '172.18.0.3', sport: 38970, dport: 30239 }, reply: { src: '10.244.1.2', dst: '198.51.100.10', sport: 80, dport: 38970 } });
  const icmp = ct('[1795990893.1]\t    [NEW] icmp     1 30 src=10.244.0.3 dst=10.244.1.5 type=8 code=0 id=7 [UNREPLIED] src=10.244.1.5 dst=10.244.0.3 type=0 code=0 id=7');
  assert.equal(icmp.protocol, 'ICMP');
  assert.equal(icmp.orig.sport, undefined);
  assert.equal(ct('[1.5]\t [UPDATE] udp      17 30 src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2 src=2.2.2.2 dst=1.1.1.1 sport=2 dport=1').type, 'UPDATE');
  assert.equal(parseConntrackEvent('conntrack v1.4.7 (conntrack-tools): 26 flow events have been shown.'), undefined);
  assert.equal(parseConntrackEvent('[1.5]\t    [NEW] tcp      6 120 SYN_SENT src=1.1.1.1 dst=2.2.2.2'), undefined);
});

test('tcpdump lines of an NFLOG group: TCP with its flags, UDP by its ports, ICMP; tcpdump\'s own lines are none', () => {
  assert.deepEqual(parseLoggedPacket('1795991088.358889 IP 10.244.0.3.38792 > 10.244.0.4.8080: Flags [S], seq 1826614470, win 64240, length 0'),
    { time: 1795991088.358889, protocol: 'TCP', src: '10.244.0.3', dst: '10.244.0.4', sport: 38792, dport: 8080, tcpFlags: 'S' });
  assert.equal(parseLoggedPacket('1.0 IP 10.244.0.3.48049 > 10.96.0.10.53: 4660+ A? api.shop. (26)')!.protocol, 'UDP');
  assert.equal(parseLoggedPacket('1.0 IP 10.244.0.3.48049 > 10.244.0.4.9999: UDP, length 2')!.dport, 9999);
  const ping = parseLoggedPacket('1.0 IP 10.244.0.3 > 10.244.0.4: ICMP echo request, id 8413, seq 1, length 64')!;
  assert.equal(ping.protocol, 'ICMP');
  assert.equal(ping.sport, undefined);
  assert.equal(parseLoggedPacket('listening on nflog:4001, link-type NFLOG (Linux netfilter log messages), snapshot length 262144 bytes'), undefined);
  assert.equal(parseLoggedPacket('1.0 IP6 fe80::1.5 > ff02::1.5: UDP, length 2'), undefined);
  assert.equal(tcpFlagsText('S.'), 'SYN-ACK');
});

test('the address book: pods (not host-network ones), nodes by their address and cni0 gateway, the router, the outside, Service frontends and NodePorts', () => {
  assert.deepEqual(book.peer('10.244.0.3', 41000), { kind: 'pod', ip: '10.244.0.3', port: 41000, namespace: 'shop', name: 'frontend-a', node: 'node-1' });
  assert.equal(book.peer('172.18.0.2').kind, 'node');
  assert.equal(book.peer('10.244.1.1').node, 'node-2');
  assert.equal(book.peer('172.18.0.1').kind, 'router');
  assert.equal(book.peer('198.51.100.10').kind, 'outside');
  assert.equal(book.peer('198.51.100.53').kind, 'external-dns');
  assert.equal(book.peer('203.0.113.10').kind, 'load-balancer');
  assert.equal(book.peer('10.96.5.5').kind, 'service');
  assert.equal(book.peer('192.0.2.1').kind, 'unknown');
  assert.deepEqual(book.frontend('10.96.0.10', 53, 'UDP'), { service: 'kube-system/kube-dns', namespace: 'kube-system', type: 'ClusterIP' });
  assert.equal(book.frontend('10.96.5.5', 80, 'UDP'), undefined, 'a Service port is its protocol\'s');
  assert.equal(book.frontend('172.18.0.3', 30239, 'TCP')?.type, 'NodePort');
  assert.equal(book.frontend('203.0.113.10', 80, 'TCP')?.type, 'LoadBalancer');
  assert.equal(book.podIP('ingress-nginx', 'controller-x'), '10.244.1.2');
});

const at1 = { kind: 'node', node: 'node-1' } as const;
const at2 = { kind: 'node', node: 'node-2' } as const;

test('a connection is shown where it starts, with the Service it asked for and the endpoint the DNAT chose', () => {
  const f = flowFromConntrack(ct('[1795991088.358892]\t    [NEW] tcp      6 120 SYN_SENT src=10.244.0.3 dst=10.96.5.5 sport=38792 dport=80 [UNREPLIED] src=10.244.1.5 dst=10.244.0.3 sport=8080 dport=38792'), at1, book, false)!;
  assert.equal(f.verdict, 'FORWARDED');
  assert.equal(f.observer, 'node-1');
  assert.deepEqual(f.service, { service: 'shop/api', namespace: 'shop', type: 'ClusterIP' });
  assert.equal(f.translatedDestination?.name, 'api-b');
  assert.equal(f.translatedSource, undefined);
  assert.equal(flowText(f), '22:24:48.359 node-1        shop/frontend-a:38792 → 10.96.5.5:80 (ClusterIP shop/api) → shop/api-b:8080  TCP  FORWARDED');
  // the same connection arriving at node-2 is forwarding only: not shown again
  assert.equal(flowFromConntrack(ct('[1.0]\t    [NEW] tcp      6 120 SYN_SENT src=10.244.0.3 dst=10.244.1.5 sport=38792 dport=8080 [UNREPLIED] src=10.244.1.5 dst=10.244.0.3 sport=8080 dport=38792'), at2, book, false), undefined);
  assert.equal(flowFromConntrack(ct('[1.0]\t [UPDATE] tcp      6 60 SYN_RECV src=10.244.0.3 dst=10.96.5.5 sport=38792 dport=80 src=10.244.1.5 dst=10.244.0.3 sport=8080 dport=38792'), at1, book, false), undefined, 'only NEW events');
});

test('the load balancer\'s DNAT to a node and the node\'s NodePort DNAT are both shown; a masquerade is said', () => {
  const lb = flowFromConntrack(ct('[1.0]\t    [NEW] tcp      6 120 SYN_SENT src=198.51.100.10 dst=203.0.113.10 sport=38970 dport=80 [UNREPLIED] src=172.18.0.3 dst=198.51.100.10 sport=30239 dport=38970'), { kind: 'load-balancer' }, book, false)!;
  assert.match(flowText(lb), /load-balancer outside 198\.51\.100\.10:38970 → 203\.0\.113\.10:80 \(LoadBalancer ingress-nginx\/ingress-nginx-controller\) → node\/node-2 172\.18\.0\.3:30239  TCP  FORWARDED$/);
  const np = flowFromConntrack(ct('[1.0]\t    [NEW] tcp      6 120 SYN_SENT src=198.51.100.10 dst=172.18.0.3 sport=38970 dport=30239 [UNREPLIED] src=10.244.1.2 dst=198.51.100.10 sport=80 dport=38970'), at2, book, false)!;
  assert.equal(np.service?.type, 'NodePort');
  assert.equal(np.translatedDestination?.name, 'controller-x');
  const out = flowFromConntrack(ct('[1.0]\t    [NEW] udp      17 30 src=10.244.0.3 dst=198.51.100.53 sport=5000 dport=53 [UNREPLIED] src=198.51.100.53 dst=172.18.0.2 sport=53 dport=5000'), at1, book, false)!;
  assert.match(flowText(out), /shop\/frontend-a:5000 \[as node\/node-1 172\.18\.0\.2\] → external-dns 198\.51\.100\.53:53  UDP  FORWARDED$/);
  // the outside client's own query crosses the router without NAT: shown there, its first hop
  assert.ok(flowFromConntrack(ct('[1.0]\t    [NEW] udp      17 30 src=198.51.100.10 dst=198.51.100.53 sport=5 dport=53 [UNREPLIED] src=198.51.100.53 dst=198.51.100.10 sport=53 dport=5'), { kind: 'load-balancer' }, book, false));
});

test('probes from a node and health checks from the router are shown only with --all', () => {
  const probe = ct('[1.0]\t    [NEW] tcp      6 120 SYN_SENT src=10.244.0.1 dst=10.244.0.4 sport=37422 dport=8080 [UNREPLIED] src=10.244.0.4 dst=10.244.0.1 sport=8080 dport=37422');
  assert.equal(flowFromConntrack(probe, at1, book, false), undefined);
  assert.equal(flowFromConntrack(probe, at1, book, true)?.source.kind, 'node');
  const check = ct('[1.0]\t    [NEW] tcp      6 120 SYN_SENT src=172.18.0.1 dst=172.18.0.2 sport=41880 dport=31704 [UNREPLIED] src=172.18.0.2 dst=172.18.0.1 sport=31704 dport=41880');
  assert.equal(flowFromConntrack(check, { kind: 'load-balancer' }, book, false), undefined);
  assert.ok(flowFromConntrack(check, { kind: 'load-balancer' }, book, true));
  // the same check arriving at the node: forwarding only, never shown twice
  assert.equal(flowFromConntrack(check, at1, book, true), undefined);
});

test('a dropped packet names the rule that dropped it, from the node\'s ruleset comments', () => {
  const p = parseLoggedPacket('1795991089.382777 IP 10.244.0.3.38792 > 10.244.1.5.8080: Flags [S], seq 1, win 64240, length 0')!;
  const f = flowFromDrop(p, 'node-2', 'ingress', book, ['egress from shop/api-b isolated by shop/x', 'ingress to shop/api-b isolated by shop/api-deny']);
  assert.equal(f.verdict, 'DROPPED');
  assert.equal(flowText(f), '22:24:49.383 node-2        shop/frontend-a:38792 → shop/api-b:8080  TCP SYN  DROPPED  NetworkPolicy: ingress to shop/api-b isolated by shop/api-deny');
  const egress = flowFromDrop(p, 'node-1', 'egress', book, []);
  assert.equal(egress.reason, 'NetworkPolicy: egress from shop/frontend-a: no NetworkPolicy rule allows it');
});

test('a request NGINX logged: the client, the route, the Service, the upstream pods, the status and time', () => {
  const f = flowFromAccessLine({ msec: 1795991089.5, remote_addr: '198.51.100.10', method: 'GET', host: 'shop.example.test', uri: '/api/', status: 200, request_time: 0.002, ingress: 'shop/shop', service: 'shop/api:80', rule_host: 'shop.example.test', rule_path: '/api', upstream_addr: '10.244.0.4:8080, 10.244.1.5:8080', upstream_status: '502, 200', request_id: 'r1' }, 'controller-x', book)!;
  assert.equal(flowText(f), '22:24:49.500 ingress       outside 198.51.100.10 → GET shop.example.test/api/ (Ingress shop/shop svc shop/api:80) → shop/api-a:8080, shop/api-b:8080  HTTP 200 2 ms');
  assert.equal(f.destination.name, 'controller-x');
  const route = flowFromAccessLine({ remote_addr: '198.51.100.10', status: 404, request_time: 0, ingress: 'HTTPRoute/shop/store', service: '', rule_host: '', rule_path: '', upstream_addr: '-', upstream_status: '-', request_id: '' }, 'controller-x', book)!;
  assert.equal(route.http?.route, 'HTTPRoute shop/store');
  assert.deepEqual(route.http?.upstreams, []);
  const defaultServer = flowFromAccessLine({ remote_addr: '198.51.100.10', status: 404, request_time: 0, ingress: '', service: '', rule_host: '', rule_path: '', upstream_addr: '', upstream_status: '', request_id: '' }, 'controller-x', book)!;
  assert.match(flowText(defaultServer), /\(default server\)  HTTP 404/);
});

test('filters: namespace (either side or the Service), pod name prefixes, verdict, protocol', () => {
  const dns = flowFromConntrack(ct('[1.0]\t    [NEW] udp      17 30 src=10.244.0.3 dst=10.96.0.10 sport=5 dport=53 [UNREPLIED] src=10.244.1.3 dst=10.244.0.3 sport=53 dport=5'), at1, book, false)!;
  assert.ok(matchesFilter(dns, { namespace: 'shop' }));
  assert.ok(matchesFilter(dns, { namespace: 'kube-system' }));
  assert.ok(!matchesFilter(dns, { namespace: 'default' }));
  assert.ok(matchesFilter(dns, { pod: 'frontend' }), 'a prefix, as Hubble\'s --pod');
  assert.ok(matchesFilter(dns, { pod: 'kube-system/coredns' }));
  assert.ok(!matchesFilter(dns, { pod: 'coredns', namespace: 'shop' }));
  assert.ok(matchesFilter(dns, { protocol: 'udp' }));
  assert.ok(!matchesFilter(dns, { protocol: 'TCP' }));
  assert.ok(!matchesFilter(dns, { verdict: 'DROPPED' }));
  assert.ok(matchesFilter(dns, { fromPod: 'frontend' }) && !matchesFilter(dns, { toPod: 'frontend' }));
  assert.ok(matchesFilter(dns, { toPod: 'coredns' }), 'the endpoint the DNAT chose is where it goes');
  assert.ok(!matchesFilter(dns, { fromPod: 'frontend', namespace: 'kube-system' }), 'a name in -n\'s namespace');
  assert.ok(matchesFilter(dns, { node: 'node-1' }) && !matchesFilter(dns, { node: 'node-2' }));
  const http: Flow = flowFromAccessLine({ remote_addr: '198.51.100.10', status: 200, request_time: 0, ingress: 'HTTPRoute/store/web', service: 'store/web:80', rule_host: '', rule_path: '', upstream_addr: '', upstream_status: '', request_id: '' }, 'controller-x', book)!;
  assert.ok(matchesFilter(http, { namespace: 'store' }), 'a request is its route\'s and Service\'s namespace\'s');
});

test('observe\'s flags: Hubble\'s filters, checked, and -o json only', () => {
  const o = observeOptions(parseFlags(['-n', 'shop', '--pod', 'api', '--verdict', 'dropped', '--protocol', 'tcp', '--count', '3', '--timeout', '10s', '-o', 'json'], 'observe'));
  assert.deepEqual(o, { filter: { namespace: 'shop', pod: 'api', verdict: 'DROPPED', protocol: 'TCP' }, all: false, count: 3, timeoutMs: 10_000, json: true, follow: false });
  assert.deepEqual(observeOptions(parseFlags(['-A'], 'observe')).filter, {});
  assert.throws(() => observeOptions(parseFlags(['--verdict', 'lost'], 'observe')), /invalid --verdict "lost": must be one of FORWARDED, DROPPED/);
  assert.throws(() => observeOptions(parseFlags(['--protocol', 'gre'], 'observe')), /invalid --protocol "gre"/);
  assert.throws(() => observeOptions(parseFlags(['--count', '0'], 'observe')), /invalid --count "0"/);
  assert.throws(() => observeOptions(parseFlags(['-o', 'yaml'], 'observe')), /invalid -o "yaml"/);
  assert.throws(() => observeOptions(parseFlags(['pods'], 'observe')), /unexpected argument "pods"/);
  assert.throws(() => parseFlags(['--verdict', 'x'], 'common'), /Unknown option '--verdict'/);
  assert.deepEqual(observeOptions(parseFlags(['--from-pod', 'shop/frontend', '--to-pod', 'api', '--node', 'node-2'], 'observe')).filter, { fromPod: 'shop/frontend', toPod: 'api', node: 'node-2' });
});

test('observe\'s history flags: --last N, --since as a duration or an RFC 3339 time, --follow after them', () => {
  const now = 1_796_000_000;
  const o = observeOptions(parseFlags(['--last', '20', '--follow'], 'observe'), now);
  assert.equal(o.last, 20);
  assert.equal(o.follow, true);
  assert.equal(observeOptions(parseFlags(['--since', '5m'], 'observe'), now).since, now - 300);
  assert.equal(observeOptions(parseFlags(['--since', '90'], 'observe'), now).since, now - 90);
  assert.equal(observeOptions(parseFlags(['--since', '2026-11-30T01:00:00Z'], 'observe'), now).since, Date.parse('2026-11-30T01:00:00Z') / 1000);
  assert.throws(() => observeOptions(parseFlags(['--last', '0'], 'observe')), /invalid --last "0": must be a positive integer/);
  assert.throws(() => observeOptions(parseFlags(['--last', 'all'], 'observe')), /invalid --last "all"/);
  assert.throws(() => observeOptions(parseFlags(['--since', 'yesterday'], 'observe')), /invalid --since "yesterday": a duration \(30s, 5m, 1h\) or an RFC 3339 time with its zone/);
  assert.throws(() => observeOptions(parseFlags(['--since', '2026-13-45T99:00:00Z'], 'observe')), /invalid --since/);
  assert.throws(() => observeOptions(parseFlags(['--since', '2026-02-30T01:00:00Z'], 'observe')), /invalid --since/, 'no such day');
  assert.throws(() => observeOptions(parseFlags(['--since', '2026-11-30T01:00:00'], 'observe')), /invalid --since/, 'no zone: whose local time?');
  assert.equal(observeOptions(parseFlags(['--since', '2026-11-30T02:00:00+01:00'], 'observe'), now).since, Date.parse('2026-11-30T01:00:00Z') / 1000);
});

test('tcpdump -i any DNS lines: queries with their type and name, answers with their rcode, records and truncation', () => {
  const q = parseDnsPacket('1795991981.808991 veth5728a441 P   IP 10.244.1.5.49653 > 10.96.0.10.53: 3037+ A? api.shop.svc.cluster.local. (44)')!;
  assert.deepEqual(q, { time: 1795991981.808991, ifname: 'veth5728a441', direction: 'P', src: '10.244.1.5', sport: 49653, dst: '10.96.0.10', dport: 53, id: 3037, query: { type: 'A', name: 'api.shop.svc.cluster.local.' } });
  assert.deepEqual(parseDnsPacket('1.0 veth0e5795e1 P   IP 10.244.1.2.39999 > 198.51.100.53.53: 32456+ [1au] AAAA? nothere. (36)')!.query, { type: 'AAAA', name: 'nothere.' });
  assert.deepEqual(parseDnsPacket('1.0 veth5728a441 Out IP 10.96.0.10.53 > 10.244.1.5.49653: 3037* 1/0/0 A 10.110.194.144 (60)')!.answer, { rcode: 'NOERROR', records: ['A 10.110.194.144'], truncated: false });
  assert.deepEqual(parseDnsPacket('1.0 eth0  In  IP 198.51.100.53.53 > 172.18.0.3.39999: 32456 NXDomain 0/1/1 (111)')!.answer, { rcode: 'NXDOMAIN', records: [], truncated: false });
  assert.deepEqual(parseDnsPacket('1.0 vethx Out IP 10.96.0.10.53 > 10.244.1.5.1: 7* 2/0/0 CNAME db.shop.svc.cluster.local., A 10.244.0.4 (90)')!.answer?.records, ['CNAME db.shop.svc.cluster.local.', 'A 10.244.0.4']);
  assert.equal(parseDnsPacket('1.0 vethx Out IP 10.96.0.10.53 > 10.244.1.5.1: 7| 0/0/0 (12)')!.answer?.truncated, true);
  assert.equal(parseDnsPacket('1.0 vethx Out IP 10.96.0.10.53 > 10.244.1.5.1: 9 ServFail- 0/0/0 (12)')!.answer?.rcode, 'SERVFAIL');
  assert.equal(parseDnsPacket('listening on any, link-type LINUX_SLL2 (Linux cooked v2), snapshot length 262144 bytes'), undefined);
  assert.equal(parseDnsPacket('1.0 vethx P   IP 10.244.1.5.1 > 10.96.0.10.53: domain [length 2 < 12] (invalid)'), undefined);
});

test('a DNS exchange: the query on the asking side\'s interface and its answer make one flow, with the DNS connection\'s DNAT; the connection is not shown again', () => {
  const dns = new DnsExchanges(() => book);
  const v = nodeVantage('node-1');
  const conn = flowFromConntrack(ct('[1.0]\t    [NEW] udp      17 30 src=10.244.0.3 dst=10.96.0.10 sport=49653 dport=53 [UNREPLIED] src=10.244.1.3 dst=10.244.0.3 sport=53 dport=49653'), at1, book, false)!;
  assert.equal(dns.connection(conn, 1), undefined, 'held for its exchange');
  const other = flowFromConntrack(ct('[1.0]\t    [NEW] tcp      6 120 SYN_SENT src=10.244.0.3 dst=10.96.5.5 sport=38792 dport=80 [UNREPLIED] src=10.244.1.5 dst=10.244.0.3 sport=8080 dport=38792'), at1, book, false)!;
  assert.equal(dns.connection(other, 1), other);
  const query = parseDnsPacket('1795991981.808991 veth5728a441 P   IP 10.244.0.3.49653 > 10.96.0.10.53: 3037+ A? api.shop.svc.cluster.local. (44)')!;
  assert.equal(dns.packet(query, v), undefined);
  // the DNAT'd copy on the server pod's veth is the server's side: not a query of this pod
  assert.equal(dns.packet(parseDnsPacket('1795991981.809 veth0e5795e1 Out IP 10.244.0.3.49653 > 10.244.1.3.53: 3037+ A? api.shop.svc.cluster.local. (44)')!, v), undefined);
  assert.equal(dns.packet(parseDnsPacket('1795991981.812 veth0e5795e1 P   IP 10.244.1.3.53 > 10.244.0.3.49653: 3037* 1/0/0 A 10.96.5.5 (60)')!, v), undefined);
  const f = dns.packet(parseDnsPacket('1795991981.812087 veth5728a441 Out IP 10.96.0.10.53 > 10.244.0.3.49653: 3037* 1/0/0 A 10.96.5.5 (60)')!, v)!;
  assert.equal(f.protocol, 'DNS');
  assert.deepEqual(f.dns, { query: 'api.shop.svc.cluster.local.', type: 'A', rcode: 'NOERROR', records: ['A 10.96.5.5'], ms: 3.1 });
  assert.equal(f.translatedDestination?.name, 'coredns-a');
  assert.equal(flowText(f), '22:39:41.809 node-1        shop/frontend-a:49653 → 10.96.0.10:53 (ClusterIP kube-system/kube-dns) → kube-system/coredns-a:53  DNS A? api.shop.svc.cluster.local. → NOERROR A 10.96.5.5  3.1 ms');
  assert.ok(matchesFilter(f, { protocol: 'dns' }) && !matchesFilter(f, { protocol: 'udp' }));
  assert.deepEqual(dns.expired(100), [], 'the connection was claimed: not shown alone');
});

test('a DNS query with no answer is shown after 5 s; a DNS connection no exchange claims is shown alone', () => {
  const dns = new DnsExchanges(() => book);
  dns.packet(parseDnsPacket('10.0 eth0 Out IP 198.51.100.10.5000 > 198.51.100.53.53: 1+ A? shop.example.test. (35)')!, outsideVantage);
  assert.deepEqual(dns.expired(14), []);
  const [lost] = dns.expired(15.5);
  assert.equal(lost!.dns?.rcode, 'no answer');
  assert.equal(lost!.observer, 'outside');
  assert.match(flowText(lost!), /outside 198\.51\.100\.10:5000 → external-dns 198\.51\.100\.53:53  DNS A\? shop\.example\.test\. → no answer$/);
  // an answer after that closes nothing
  assert.equal(dns.packet(parseDnsPacket('16.0 eth0 In IP 198.51.100.53.53 > 198.51.100.10.5000: 1* 1/0/0 A 203.0.113.10 (51)')!, outsideVantage), undefined);
  const conn = flowFromConntrack(ct('[20.0]\t    [NEW] udp      17 30 src=10.244.0.3 dst=10.96.0.10 sport=7 dport=53 [UNREPLIED] src=10.244.1.3 dst=10.244.0.3 sport=53 dport=7'), at1, book, false)!;
  dns.connection(conn, 20);
  assert.deepEqual(dns.expired(25), []);
  assert.deepEqual(dns.expired(26.5), [conn]);
});

test('the load balancer\'s health check of a NodePort a node DNATs to a pod is the router\'s own connection: only with --all', () => {
  const check = ct('[1.0]\t    [NEW] tcp      6 120 SYN_SENT src=172.18.0.1 dst=172.18.0.2 sport=49466 dport=30239 [UNREPLIED] src=10.244.1.2 dst=10.244.0.1 sport=80 dport=49466');
  assert.equal(flowFromConntrack(check, at1, book, false), undefined);
  assert.equal(flowFromConntrack(check, at1, book, true)?.translatedDestination?.name, 'controller-x', 'with --all, where its NAT happened');
});

test('a pod newer than the names starts where its address\'s pod range is; renamed() names it once the names know it', () => {
  const e = ct('[1.0]\t    [NEW] tcp      6 120 SYN_SENT src=10.244.0.77 dst=10.244.1.5 sport=4000 dport=8080 [UNREPLIED] src=10.244.1.5 dst=10.244.0.77 sport=8080 dport=4000');
  const f = flowFromConntrack(e, at1, book, false)!;
  assert.equal(f.source.kind, 'unknown');
  assert.ok(namesUnknownPod(f, book));
  assert.equal(flowFromConntrack(e, at2, book, false), undefined, 'node-2 only forwards it');
  const later = new AddressBook({ nodes: [node('node-1', '172.18.0.2', '10.244.0.0/24'), node('node-2', '172.18.0.3', '10.244.1.0/24')], pods: [pod('shop', 'newcomer', '10.244.0.77', 'node-1'), pod('shop', 'api-b', '10.244.1.5', 'node-2')], services: [] });
  const named = renamed(f, later);
  assert.equal(named.source.name, 'newcomer');
  assert.equal(named.destination.name, 'api-b');
  assert.ok(!namesUnknownPod(named, later));
  assert.ok(!namesUnknownPod(flowFromConntrack(ct('[1.0]\t    [NEW] udp      17 30 src=10.244.0.3 dst=198.51.100.99 sport=1 dport=2 [UNREPLIED] src=198.51.100.99 dst=172.18.0.2 sport=2 dport=1'), at1, book, false)!, book), 'an unknown address outside the pod network is no pod');
});

test('the access log tail: whole lines only, from the end at start, and across a rotation the rest of .1 first', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'podnet-tail-'));
  try {
    const file = path.join(dir, 'access.log');
    writeFileSync(file, '{"old":1}\n');
    const tail = new LogTail(file);
    assert.deepEqual(tail.read(), []);
    appendFileSync(file, '{"a":1}\n{"b":');
    assert.deepEqual(tail.read(), ['{"a":1}']);
    appendFileSync(file, '2}\n');
    assert.deepEqual(tail.read(), ['{"b":2}']);
    appendFileSync(file, '{"c":3}\n');
    renameSync(file, `${file}.1`);
    writeFileSync(file, '{"d":4}\n');
    assert.deepEqual(tail.read(), ['{"c":3}', '{"d":4}']);
    // a worker's buffered lines reach the renamed log before it reopens
    appendFileSync(`${file}.1`, '{"late":5}\n');
    appendFileSync(file, '{"e":6}\n');
    assert.deepEqual(tail.read(), ['{"late":5}', '{"e":6}']);
    assert.deepEqual(new LogTail(path.join(dir, 'none.log')).read(), []);
    assert.deepEqual(new LogTail(file, true).read(), ['{"d":4}', '{"e":6}']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('DNS lines the review found: a class other than IN, TXT text with commas, an answer in IP fragments', () => {
  assert.deepEqual(parseDnsPacket('1.0 vethx P   IP 10.244.0.3.5 > 10.96.0.10.53: 22+ TXT CHAOS? version.bind. (30)')!.query, { type: 'TXT', name: 'version.bind.' });
  assert.deepEqual(parseDnsPacket('1.0 vethx Out IP 10.96.0.10.53 > 10.244.0.3.5: 22* 2/0/0 TXT "a, b", A 10.0.0.1 (60)')!.answer?.records, ['TXT "a, b"', 'A 10.0.0.1']);
  const cut = parseDnsPacket('1.0 vethx Out IP 10.96.0.10.53 > 10.244.0.3.5: 9* 200/0/0 A 10.0.0.1, A 10.0.0.2, A 10.0.[|domain]')!;
  assert.deepEqual(cut.answer, { rcode: 'NOERROR', records: ['A 10.0.0.1', 'A 10.0.0.2'], truncated: false, fragmented: true });
  const dns = new DnsExchanges(() => book);
  dns.packet(parseDnsPacket('1.0 vethx P   IP 10.244.0.3.5 > 10.96.0.10.53: 9+ A? big.shop.svc.cluster.local. (40)')!, nodeVantage('node-1'));
  const f = dns.packet(cut, nodeVantage('node-1'))!;
  assert.match(flowText(f), /→ NOERROR A 10\.0\.0\.1, A 10\.0\.0\.2, … \(in fragments: the rest not decoded\)  0 ms$/);
});

test('a socket\'s later questions keep its NAT while conntrack keeps the connection; a resend is timed from the first send', () => {
  const dns = new DnsExchanges(() => book);
  const v = nodeVantage('node-1');
  const conn = flowFromConntrack(ct('[100.0]\t    [NEW] udp      17 30 src=10.244.0.3 dst=10.96.0.10 sport=700 dport=53 [UNREPLIED] src=10.244.1.3 dst=10.244.0.3 sport=53 dport=700'), at1, book, false)!;
  dns.connection(conn, 100);
  const ask = (t: number, id: number) => dns.packet(parseDnsPacket(`${t} vethx P   IP 10.244.0.3.700 > 10.96.0.10.53: ${id}+ A? a.shop.svc.cluster.local. (40)`)!, v);
  const answer = (t: number, id: number) => dns.packet(parseDnsPacket(`${t} vethx Out IP 10.96.0.10.53 > 10.244.0.3.700: ${id}* 1/0/0 A 10.96.5.5 (60)`)!, v)!;
  ask(100, 1);
  assert.equal(answer(100.001, 1).translatedDestination?.name, 'coredns-a');
  assert.deepEqual(dns.expired(120), []);
  ask(150, 2);
  ask(151, 2);
  const later = answer(151.002, 2);
  assert.equal(later.translatedDestination?.name, 'coredns-a', '50 s later, the same connection');
  assert.equal(later.dns?.ms, 1002, 'from the first send');
  dns.expired(151 + 126);
  ask(300, 3);
  assert.equal(answer(300.001, 3).translatedDestination, undefined, 'forgotten once conntrack would have: its next NEW brings it again');
});

test('the service proxy\'s reject: a Service port without endpoints, a ClusterIP port no Service has, an address no Service has', () => {
  const at = (dst: string, port: number, proto = 'Flags [S], seq 1, win 1, length 0') => flowFromReject(parseLoggedPacket(`1.0 IP 10.244.0.3.4000 > ${dst}.${port}: ${proto}`)!, 'node-1', book);
  const none = at('10.96.5.5', 80);
  assert.equal(none.verdict, 'DROPPED');
  assert.deepEqual(none.service, { service: 'shop/api', namespace: 'shop', type: 'ClusterIP' });
  assert.equal(none.reason, 'rejected by the service proxy (connection refused): ClusterIP shop/api has no ready endpoint for TCP port 80');
  assert.equal(at('10.96.5.5', 81).reason, 'rejected by the service proxy (connection refused): Service shop/api has no TCP port 81');
  assert.equal(at('10.96.9.9', 80).reason, 'rejected by the service proxy (connection refused): no Service has TCP port 80 at 10.96.9.9');
  assert.equal(at('172.18.0.3', 30239).service?.type, 'NodePort');
  assert.match(flowText(none), /shop\/frontend-a:4000 → 10\.96\.5\.5:80 \(ClusterIP shop\/api\)  TCP SYN  DROPPED  rejected by the service proxy/);
});

test('the load balancer\'s refusals and the service proxy\'s drops say who refused and why', () => {
  const lbBook = new AddressBook({
    nodes: [node('node-1', '172.18.0.2', '10.244.0.0/24')], pods: [],
    services: [
      service('shop', 'guarded', { type: 'LoadBalancer', clusterIP: '10.96.8.8', loadBalancerSourceRanges: ['192.0.2.0/24'], ports: [{ port: 80, nodePort: 31000 }] }, '203.0.113.11'),
      service('shop', 'local', { type: 'LoadBalancer', clusterIP: '10.96.8.9', externalTrafficPolicy: 'Local', ports: [{ port: 80, nodePort: 31001 }] }, '203.0.113.12'),
    ],
  });
  const pkt = (dst: string, port: number) => parseLoggedPacket(`1.0 IP 198.51.100.10.4000 > ${dst}.${port}: Flags [S], seq 1, win 1, length 0`)!;
  assert.equal(flowFromServiceDrop(pkt('203.0.113.11', 80), 'load-balancer', lbBook).reason, 'dropped by the load balancer: 198.51.100.10 is outside Service shop/guarded\'s loadBalancerSourceRanges (192.0.2.0/24)');
  assert.equal(flowFromServiceDrop(pkt('172.18.0.2', 31001), 'node-1', lbBook).reason, 'dropped by the service proxy: Service shop/local has externalTrafficPolicy Local and no ready endpoint on node-1');
  assert.equal(flowFromServiceDrop(pkt('203.0.113.12', 80), 'node-1', lbBook).reason, 'dropped by the service proxy: Service shop/local has externalTrafficPolicy Local and no ready endpoint on node-1');
  assert.equal(flowFromReject(pkt('203.0.113.12', 80), 'load-balancer', lbBook).reason, 'rejected by the load balancer (connection refused): no node of Service shop/local passes its health check');
  assert.equal(flowFromServiceDrop(pkt('10.1.1.1', 80), 'node-1', lbBook).reason, 'dropped by the service proxy');
});
