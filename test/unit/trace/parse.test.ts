// Reading dig, curl, conntrack and nft output back, from what those tools print.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conntrackReplySource, dropCounters, echoReply, ncResult, parseCurlJson, parseDig } from '../../../src/trace/parse.js';

const DIG_SEARCH = `; <<>> DiG 9.18.41-1~deb12u1-Debian <<>> +noall +comments +question +answer +stats +tries=1 +time=2 +search api
;; global options: +cmd
;; Got answer:
;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 4242
;; flags: qr aa rd ra; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1

;; QUESTION SECTION:
;api.shop.svc.cluster.local.	IN	A

;; ANSWER SECTION:
api.shop.svc.cluster.local. 5	IN	A	10.96.0.20

;; Query time: 1 msec
;; SERVER: 10.96.0.10#53(10.96.0.10) (UDP)
;; WHEN: Sun Nov 29 16:40:00 UTC 2026
;; MSG SIZE  rcvd: 97
`;

test('dig: the name the search path resolved, its address, the server and the time', () => {
  assert.deepEqual(parseDig(DIG_SEARCH, 'api'), { qname: 'api.shop.svc.cluster.local', server: '10.96.0.10', rcode: 'NOERROR', addresses: ['10.96.0.20'], cnames: [], ms: 1 });
});

test('dig: a CNAME chain and NXDOMAIN', () => {
  const cname = DIG_SEARCH.replace('api.shop.svc.cluster.local. 5\tIN\tA\t10.96.0.20', 'ext.shop.svc.cluster.local. 5\tIN\tCNAME\tshop.example.test.\nshop.example.test. 60\tIN\tA\t203.0.113.10');
  assert.deepEqual(parseDig(cname, 'ext').cnames, ['shop.example.test']);
  assert.deepEqual(parseDig(cname, 'ext').addresses, ['203.0.113.10']);
  const nx = parseDig(';; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN, id: 1\n;; QUESTION SECTION:\n;nope.example.test.\t\tIN\tA\n;; SERVER: 198.51.100.53#53(198.51.100.53) (UDP)\n', 'nope.example.test');
  assert.deepEqual([nx.rcode, nx.addresses, nx.server], ['NXDOMAIN', [], '198.51.100.53']);
});

test('dig: no server answered', () => {
  const r = parseDig(';; communications error to 10.96.0.10#53: timed out\n;; no servers could be reached\n', 'api');
  assert.deepEqual([r.rcode, r.qname, r.addresses], ['timeout', 'api', []]);
});

test('curl\'s standard error with %{json} last: an answer, and a refusal after curl\'s own error line', () => {
  const answer = JSON.stringify({ http_code: 200, remote_ip: '10.96.0.20', remote_port: 80, local_port: 41234, time_total: 0.003211, time_connect: 0.0004, exitcode: 0, errormsg: null });
  assert.deepEqual(parseCurlJson(`\n${answer}`, 0), { exit: 0, error: '', status: 200, remoteIP: '10.96.0.20', remotePort: 80, localPort: 41234, timeMs: 3, connected: true });
  const refused = JSON.stringify({ http_code: 0, remote_ip: '10.96.0.20', remote_port: 80, local_port: 0, time_total: 0.0004, exitcode: 7, errormsg: 'Failed to connect to 10.96.0.20 port 80 after 0 ms: Couldn\'t connect to server' });
  const r = parseCurlJson(`curl: (7) Failed to connect\n${refused}`, 7);
  assert.deepEqual([r.exit, r.status, r.error], [7, 0, 'Failed to connect to 10.96.0.20 port 80 after 0 ms: Couldn\'t connect to server']);
});

test('curl that wrote no JSON: its exit code and its error line', () => {
  assert.deepEqual(parseCurlJson('curl: (6) Could not resolve host: nope\n', 6), { exit: 6, error: 'Could not resolve host: nope', status: 0, remoteIP: '', remotePort: 0, localPort: 0, timeMs: 0, connected: false });
});

test('conntrack: the reply tuple\'s source is where a DNAT sent the connection', () => {
  const line = 'tcp      6 117 TIME_WAIT src=198.51.100.10 dst=203.0.113.10 sport=40000 dport=443 src=172.18.0.3 dst=198.51.100.10 sport=30443 dport=40000 [ASSURED] mark=0 use=1';
  assert.deepEqual(conntrackReplySource(line), { ip: '172.18.0.3', port: 30443 });
  assert.equal(conntrackReplySource('conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.'), undefined);
});

test('nft -j: packets per commented drop rule, summed over rules with one comment', () => {
  const json = JSON.stringify({ nftables: [
    { metainfo: { version: '1.0.6' } },
    { table: { family: 'ip', name: 'podnet-netpol', handle: 1 } },
    { rule: { family: 'ip', table: 'podnet-netpol', chain: 'ingress-0', handle: 4, expr: [{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: '10.244.1.5' } }, { return: null }] } },
    { rule: { family: 'ip', table: 'podnet-netpol', chain: 'ingress-0', handle: 5, comment: 'ingress to shop/api-1 (policies: deny-all)', expr: [{ counter: { packets: 3, bytes: 180 } }, { drop: null }] } },
    { rule: { family: 'ip', table: 'podnet-netpol', chain: 'egress-0', handle: 9, comment: 'egress from shop/client (policies: x)', expr: [{ counter: { packets: 0, bytes: 0 } }, { drop: null }] } },
  ] });
  assert.deepEqual([...dropCounters(json)], [['ingress to shop/api-1 (policies: deny-all)', 3], ['egress from shop/client (policies: x)', 0]]);
  assert.equal(dropCounters('Error: No such file or directory').size, 0);
});

test('a podnet/echo answer: who answered and what it saw; any other body is no reply', () => {
  const body = JSON.stringify({ pod: 'api-1', namespace: 'shop', node: 'node-2', podIP: '10.244.1.5', clientIP: '10.244.1.2', clientPort: 40000, message: 'hello', headers: { 'x-forwarded-for': '198.51.100.10' } });
  assert.deepEqual(echoReply(body), { pod: 'api-1', podIP: '10.244.1.5', clientIP: '10.244.1.2', message: 'hello', forwardedFor: '198.51.100.10' });
  assert.equal(echoReply('<html>hi</html>'), undefined);
  assert.equal(echoReply('{"hostname":"x"}'), undefined);
});

test('nc -z in curl\'s terms: connected, refused, timed out', () => {
  assert.deepEqual(ncResult(0, 'Connection to 10.244.0.3 5432 port [tcp/*] succeeded!\n', '10.244.0.3', 5432, 40001, 4), { exit: 0, error: '', status: 0, remoteIP: '10.244.0.3', remotePort: 5432, localPort: 40001, timeMs: 4, connected: true });
  assert.deepEqual(ncResult(1, 'nc: connect to 10.244.0.3 port 5433 (tcp) failed: Connection refused\n', '10.244.0.3', 5433, 40001, 1).exit, 7);
  const slow = ncResult(1, 'nc: connect to 10.96.0.20 port 5432 (tcp) timed out: Operation now in progress\n', '10.96.0.20', 5432, 40001, 5000);
  assert.deepEqual([slow.exit, slow.error], [28, 'connect to 10.96.0.20 port 5432 (tcp) timed out: Operation now in progress']);
});

test('dig that reached no server still names the server it asked; nc\'s own failures keep their code', () => {
  assert.equal(parseDig(';; communications error to 198.51.100.53#53: timed out\n;; no servers could be reached\n', 'x').server, '198.51.100.53');
  assert.equal(ncResult(127, 'nsenter: failed to execute nc: No such file or directory\n', '10.0.0.1', 80, 61001, 1).exit, 127);
  assert.equal(ncResult(1, 'nc: connect to 10.0.0.1 port 80 (tcp) failed: No route to host\n', '10.0.0.1', 80, 61001, 3000).exit, 7);
});

test('a conntrack entry of a connection that never opened still names the DNAT\'s choice', () => {
  const line = 'tcp      6 117 SYN_SENT src=10.244.0.9 dst=10.96.0.20 sport=61002 dport=80 [UNREPLIED] src=10.244.1.5 dst=10.244.0.9 sport=8080 dport=61002 mark=0 use=1';
  assert.deepEqual(conntrackReplySource(line), { ip: '10.244.1.5', port: 8080 });
});
