// Hubble's filters beyond pods, node, verdict and protocol: the Service a
// flow went to, ports, addresses and CIDRs, pod labels, and NGINX's
// requests by status, method and URI; each side where Hubble has one, and
// each flag checked.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, Service } from '../../../src/api/types.js';
import { parseFlags } from '../../../src/cli/args.js';
import { observeOptions } from '../../../src/cli/commands/observe.js';
import { AddressBook } from '../../../src/observe/address-book.js';
import { parseConntrackEvent } from '../../../src/observe/events.js';
import { flowFromAccessLine, flowFromConntrack, matchesFilter, type Flow } from '../../../src/observe/flows.js';

const pod = (name: string, ip: string, labels: Record<string, string>): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'shop', labels }, spec: { nodeName: 'node-1', containers: [] }, status: { podIP: ip, phase: 'Running' },
});
const book = new AddressBook({
  nodes: [{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: { podCIDR: '10.244.0.0/24' }, status: { addresses: [{ type: 'InternalIP', address: '172.18.0.2' }] } } as Node],
  pods: [pod('frontend-a', '10.244.0.3', { app: 'frontend', tier: 'web' }), pod('api-a', '10.244.0.4', { app: 'api', tier: 'backend' }), pod('controller-x', '10.244.0.9', { app: 'ingress' })],
  services: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'shop' }, spec: { clusterIP: '10.96.5.5', ports: [{ port: 80, targetPort: 8080 }] } } as Service],
});

// frontend-a → the api Service's ClusterIP → api-a
const connection = flowFromConntrack(parseConntrackEvent('[1.0]\t[NEW] tcp      6 120 SYN_SENT src=10.244.0.3 dst=10.96.5.5 sport=40000 dport=80 [UNREPLIED] src=10.244.0.4 dst=10.244.0.3 sport=8080 dport=40000')!, { kind: 'node', node: 'node-1' }, book, false)!;
// the outside client → NGINX → api-a, answered 503
const request = flowFromAccessLine({ msec: 2, remote_addr: '198.51.100.10', method: 'POST', host: 'shop.example.test', uri: '/api/orders?id=7', status: 503, request_time: 0.001, ingress: 'shop/shop', service: 'shop/api:80', rule_host: '', rule_path: '', upstream_addr: '10.244.0.4:8080', upstream_status: '503', request_id: '' }, 'controller-x', book)!;

const opts = (...args: string[]) => observeOptions(parseFlags(args, 'observe')).filter;
const keeps = (f: Flow, ...args: string[]) => matchesFilter(f, opts(...args));

test('--to-service (and --service, the same here): the frontend asked for, or the Service NGINX proxied to; -n names its namespace', () => {
  assert.ok(keeps(connection, '--to-service', 'shop/api'));
  assert.ok(keeps(connection, '--service', 'api', '-n', 'shop'));
  assert.ok(keeps(request, '--to-service', 'shop/api'));
  assert.ok(!keeps(connection, '--to-service', 'shop/web'));
  assert.ok(!keeps(connection, '--to-service', 'other/api'));
});

test('--port, --from-port, --to-port: either side, the source, where it was sent or its NAT sent it', () => {
  assert.ok(keeps(connection, '--port', '8080'), 'the endpoint the DNAT chose');
  assert.ok(keeps(connection, '--to-port', '80'));
  assert.ok(keeps(connection, '--from-port', '40000'));
  assert.ok(!keeps(connection, '--from-port', '80'));
  assert.ok(!keeps(connection, '--to-port', '40000'));
});

test('--ip, --from-ip, --to-ip: an address or a CIDR', () => {
  assert.ok(keeps(connection, '--ip', '10.244.0.4'));
  assert.ok(keeps(connection, '--from-ip', '10.244.0.0/24'));
  assert.ok(keeps(connection, '--to-ip', '10.96.0.0/12'));
  assert.ok(!keeps(connection, '--from-ip', '10.96.0.0/12'));
  assert.ok(keeps(request, '--to-ip', '10.244.0.4'), 'NGINX\'s upstream');
});

test('-l/--label, --from-label, --to-label: a pod\'s labels by a label selector', () => {
  assert.ok(keeps(connection, '-l', 'app=api'));
  assert.ok(keeps(connection, '--label', 'tier in (web)'));
  assert.ok(keeps(connection, '--from-label', 'app=frontend,tier!=backend'));
  assert.ok(keeps(connection, '--to-label', 'app=api'));
  assert.ok(!keeps(connection, '--from-label', 'app=api'));
  assert.ok(!keeps(connection, '-l', 'app=nothing'));
  assert.deepEqual(connection.source.labels, { app: 'frontend', tier: 'web' }, 'the labels are in -o json too');
});

test('--http-status (a status or a class), --http-method, --http-path (a regular expression): NGINX\'s requests only', () => {
  assert.ok(keeps(request, '--http-status', '503'));
  assert.ok(keeps(request, '--http-status', '5+'));
  assert.ok(!keeps(request, '--http-status', '2+'));
  assert.ok(keeps(request, '--http-method', 'post'));
  assert.ok(keeps(request, '--http-path', '^/api/orders$'), 'the path, without its query, as Hubble');
  assert.ok(!keeps(request, '--http-path', 'id=7'));
  assert.ok(!keeps(request, '--http-path', '^/orders'));
  assert.ok(keeps(request, '--http-status', '50+'));
  assert.ok(!keeps(connection, '--http-status', '5+'), 'a connection has no status');
});

test('each side\'s filters apply to one endpoint, as Hubble\'s: a pod\'s labels in -n\'s namespace, an address with its port', () => {
  const other = new AddressBook({
    nodes: [{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: { podCIDR: '10.244.0.0/24' }, status: { addresses: [{ type: 'InternalIP', address: '172.18.0.2' }] } } as Node], services: [],
    pods: [pod('frontend-a', '10.244.0.3', { app: 'frontend' }), { ...pod('api-a', '10.244.0.4', { app: 'api' }), metadata: { name: 'api-a', namespace: 'other', labels: { app: 'api' } } }],
  });
  const f = flowFromConntrack(parseConntrackEvent('[1.0]\t[NEW] tcp      6 120 SYN_SENT src=10.244.0.3 dst=10.244.0.4 sport=40000 dport=8080 [UNREPLIED] src=10.244.0.4 dst=10.244.0.3 sport=8080 dport=40000')!, { kind: 'node', node: 'node-1' }, other, false)!;
  assert.ok(keeps(f, '-n', 'shop', '-l', 'app=frontend'));
  assert.ok(!keeps(f, '-n', 'shop', '-l', 'app=api'), 'the api pod is other\'s, not shop\'s');
  assert.ok(!keeps(f, '--ip', '10.244.0.3', '--port', '8080'), 'the address and the port are two endpoints\'');
  assert.ok(keeps(f, '--ip', '10.244.0.4', '--port', '8080'));
  assert.ok(!keeps(f, '--to-label', 'app=api', '--to-port', '40000'));
});

test('each flag checked, with what it takes', () => {
  const bad: [string[], RegExp][] = [
    [['--port', '0'], /invalid --port "0": must be a port, 1-65535/],
    [['--to-port', 'http'], /invalid --to-port "http"/],
    [['--ip', '10.0.0.300'], /invalid --ip "10\.0\.0\.300": must be an IPv4 address or CIDR/],
    [['--from-ip', '10.0.0.0/33'], /invalid --from-ip/],
    [['-l', '=web'], /invalid --label "=web"/],
    [['--to-label', 'a b'], /invalid --to-label/],
    [['--http-status', '600'], /invalid --http-status "600": a status \(503\) or a class \(5\+, 50\+\)/],
    [['--port', '0x50'], /invalid --port "0x50"/],
    [['--to-service', 'a/b/c'], /invalid --to-service "a\/b\/c": NAME or NAMESPACE\/NAME/],
    [['-l', 'app=a', '--label', 'app=b'], /-l and --label are the same filter: give one/],
    [['--pod', 'a', '--pod=b'], /--pod given 2 times: podnet observe takes each filter once/],
    [['--drop-reason-desc', 'nope'], /invalid --drop-reason-desc "nope": must be one of POLICY_DENIED, SERVICE_BACKEND_NOT_FOUND, DENIED_BY_LB_SRC_RANGE_CHECK/],
    [['--to-port', '80', '--to-port', '443'], /--to-port given 2 times/],
    [['--http-method', 'GET/1'], /invalid --http-method/],
    [['--http-path', '('], /invalid --http-path "\("/],
    [['--service', 'a', '--to-service', 'b'], /--service and --to-service are the same filter here/],
  ];
  for (const [args, message] of bad) assert.throws(() => opts(...args), message, args.join(' '));
});
