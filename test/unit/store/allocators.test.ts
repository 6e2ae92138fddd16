import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IpAllocator, ipToInt, staticBandSize } from '../../../src/apiserver/allocators/ip-allocator.js';
import { PortAllocator } from '../../../src/apiserver/allocators/port-allocator.js';
import { allocateService, carryOverAllocations, createServiceAllocators, releaseService, restoreService } from '../../../src/apiserver/allocators/service-allocations.js';
import { isApiError } from '../../../src/errors.js';
import type { Service, ServiceSpec } from '../../../src/api/types.js';

const svc = (name: string, spec: ServiceSpec, ns = 'default'): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec });

test('ip allocator: requested values by the table', () => {
  const a = new IpAllocator('10.96.0.0/12', ['10.96.0.1']);
  const rows: [string, string][] = [
    ['10.96.0.50', 'ok'],
    ['10.96.0.50', 'taken'],
    ['10.96.0.0', 'out-of-range'], // network address
    ['10.111.255.255', 'out-of-range'], // broadcast
    ['10.111.255.254', 'ok'],
    ['10.112.0.1', 'out-of-range'],
    ['10.96.0.1', 'ok'], // reserved addresses can be requested
    ['not-an-ip', 'out-of-range'],
  ];
  for (const [ip, want] of rows) assert.equal(a.allocate(ip), want, ip);
});

test('ip allocator: exhaustion, never twice, release makes room, reserved skipped', () => {
  const a = new IpAllocator('10.0.0.0/29', ['10.0.0.1']); // hosts .1-.6, .1 reserved
  const got = new Set<string>();
  for (let i = 0; i < 5; i++) got.add(a.allocateNext()!);
  assert.equal(got.size, 5);
  assert.ok(!got.has('10.0.0.1'));
  assert.equal(a.allocateNext(), undefined);
  a.release('10.0.0.3');
  assert.equal(a.allocateNext(), '10.0.0.3');
});

test('ip allocator: the lower band is min(max(16, size/16), 256) addresses, none for 16 or fewer', () => {
  const rows: [string, number, number][] = [
    // [cidr, size, lower band]
    ['/30', 4, 0],
    ['/28', 16, 0],
    ['/27', 32, 16],
    ['/24', 256, 16],
    ['/22', 1024, 64],
    ['/20', 4096, 256],
    ['/12', 1048576, 256],
  ];
  for (const [cidr, size, want] of rows) assert.equal(staticBandSize(size), want, cidr);
});

test('ip allocator: dynamic addresses come from the upper band until it is full, then from the lower band', () => {
  const a = new IpAllocator('10.0.0.0/24', ['10.0.0.1', '10.0.0.10']); // lower band .1-.16, upper .17-.254
  const inLowerBand = (ip: string) => ipToInt(ip)! - ipToInt('10.0.0.0')! <= 16;
  for (let i = 0; i < 238; i++) {
    const ip = a.allocateNext()!;
    assert.ok(!inLowerBand(ip), `${ip} taken from the lower band while the upper had room`);
  }
  const lower = new Set<string>();
  for (let i = 0; i < 14; i++) lower.add(a.allocateNext()!);
  assert.deepEqual([...lower].sort(), ['2', '3', '4', '5', '6', '7', '8', '9', '11', '12', '13', '14', '15', '16'].map((h) => `10.0.0.${h}`).sort());
  assert.equal(a.allocateNext(), undefined, 'full: the reserved .1 and .10 are never handed out');
  a.release('10.0.0.200');
  assert.equal(a.allocateNext(), '10.0.0.200');
});

test('ip allocator: the service network keeps 10.96.0.1-10.96.1.0 for requested addresses', () => {
  const a = new IpAllocator('10.96.0.0/12');
  const lastOfLowerBand = ipToInt('10.96.1.0')!;
  for (let i = 0; i < 2000; i++) assert.ok(ipToInt(a.allocateNext()!)! > lastOfLowerBand);
  assert.equal(a.allocate('10.96.0.100'), 'ok', 'the lower band can still be requested');
});

test('port allocator: range, taken, exhaustion, release', () => {
  const p = new PortAllocator(30000, 30002);
  assert.equal(p.allocate(29999), 'out-of-range');
  assert.equal(p.allocate(30001), 'ok');
  assert.equal(p.allocate(30001), 'taken');
  const rest = [p.allocateNext(), p.allocateNext()].sort();
  assert.deepEqual(rest, [30000, 30002]);
  assert.equal(p.allocateNext(), undefined);
  p.release(30000);
  assert.equal(p.allocateNext(), 30000);
});

test('service: ClusterIP gets an IP; only default/kubernetes and kube-system/kube-dns get the reserved ones', () => {
  const a = createServiceAllocators();
  const k = svc('kubernetes', {});
  allocateService(a, k).commit();
  assert.equal(k.spec.clusterIP, '10.96.0.1');
  const dns = svc('kube-dns', { ports: [{ port: 53 }] }, 'kube-system');
  allocateService(a, dns).commit();
  assert.deepEqual(dns.spec.clusterIPs, ['10.96.0.10']);
  for (let i = 0; i < 50; i++) {
    const s = svc(`s${i}`, {});
    allocateService(a, s).commit();
    assert.ok(!['10.96.0.1', '10.96.0.10'].includes(s.spec.clusterIP!));
  }
});

test('service: a requested IP that is taken or out of range is 422 with upstream messages', () => {
  const a = createServiceAllocators();
  allocateService(a, svc('a', { clusterIP: '10.96.0.50' })).commit();
  assert.throws(() => allocateService(a, svc('b', { clusterIP: '10.96.0.50' })), (e) => isApiError(e, 'Invalid') &&
    e.message === 'Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.50"}: failed to allocate IP 10.96.0.50: provided IP is already allocated');
  assert.throws(() => allocateService(a, svc('c', { clusterIP: '10.0.0.1' })), (e) => isApiError(e, 'Invalid') &&
    e.message.endsWith('failed to allocate IP 10.0.0.1: the provided IP (10.0.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12'));
});

test('service: nodePorts allocated for NodePort/LoadBalancer, requested taken → 422, nothing leaks on failure', () => {
  const a = createServiceAllocators();
  const np = svc('np', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }, { port: 443 }] });
  allocateService(a, np).commit();
  assert.equal(np.spec.ports![0]!.nodePort, 30080);
  assert.ok(np.spec.ports![1]!.nodePort! >= 30000 && np.spec.ports![1]!.nodePort! <= 32767);
  const ipsBefore = a.ips.allocatedCount;
  const portsBefore = a.nodePorts.allocatedCount;
  assert.throws(() => allocateService(a, svc('np2', { type: 'NodePort', ports: [{ port: 81 }, { port: 80, nodePort: 30080 }] })), (e) => isApiError(e, 'Invalid') &&
    e.message === 'Service "np2" is invalid: spec.ports[1].nodePort: Invalid value: 30080: provided port is already allocated');
  assert.equal(a.ips.allocatedCount, ipsBefore);
  assert.equal(a.nodePorts.allocatedCount, portsBefore);
  assert.throws(() => allocateService(a, svc('np3', { type: 'NodePort', ports: [{ port: 80, nodePort: 8080 }] })), (e) =>
    isApiError(e) && e.message.endsWith('provided port is not in the valid range. The range of valid ports is 30000-32767'));
});

test('service: the same nodePort on a TCP and a UDP port is one allocation', () => {
  const a = createServiceAllocators();
  const s = svc('dns', { type: 'NodePort', ports: [{ port: 53, protocol: 'UDP', nodePort: 30053 }, { port: 53, protocol: 'TCP', nodePort: 30053 }] });
  allocateService(a, s).commit();
  assert.equal(a.nodePorts.allocatedCount, 1);
});

test('service: headless and ExternalName get no ClusterIP; LoadBalancer+Local gets a healthCheckNodePort', () => {
  const a = createServiceAllocators();
  const h = svc('h', { clusterIP: 'None' });
  allocateService(a, h).commit();
  assert.deepEqual(h.spec.clusterIPs, ['None']);
  const x = svc('x', { type: 'ExternalName', externalName: 'example.com' });
  allocateService(a, x).commit();
  assert.equal(x.spec.clusterIP, undefined);
  assert.equal(a.ips.allocatedCount, 0);
  const lb = svc('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 80 }] });
  allocateService(a, lb).commit();
  assert.ok(lb.spec.healthCheckNodePort);
  assert.equal(a.nodePorts.allocatedCount, 2);
  const noNp = svc('lb2', { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ port: 80 }] });
  allocateService(a, noNp).commit();
  assert.equal(noNp.spec.ports![0]!.nodePort, undefined);
});

test('service update: omitted values carry over; a type change releases what is no longer needed, only on commit', () => {
  const a = createServiceAllocators();
  const old = svc('web', { type: 'NodePort', ports: [{ name: 'http', port: 80 }] });
  allocateService(a, old).commit();
  const ip = old.spec.clusterIP!;
  const port = old.spec.ports![0]!.nodePort!;
  const same = svc('web', { type: 'NodePort', ports: [{ name: 'http', port: 8080 }] });
  carryOverAllocations(old, same);
  allocateService(a, same, old).commit();
  assert.equal(same.spec.clusterIP, ip);
  assert.equal(same.spec.ports![0]!.nodePort, port);
  assert.equal(a.nodePorts.allocatedCount, 1);

  const toClusterIP = svc('web', { type: 'ClusterIP', ports: [{ name: 'http', port: 8080, nodePort: port }] });
  carryOverAllocations(same, toClusterIP);
  const tx = allocateService(a, toClusterIP, same);
  assert.equal(toClusterIP.spec.ports![0]!.nodePort, undefined);
  assert.ok(a.nodePorts.isAllocated(port), 'still held until the write is stored');
  tx.commit();
  assert.ok(!a.nodePorts.isAllocated(port));

  const toExternal = svc('web', { type: 'ExternalName', externalName: 'example.com', clusterIP: ip });
  allocateService(a, toExternal, toClusterIP).commit();
  assert.equal(toExternal.spec.clusterIP, undefined);
  assert.ok(!a.ips.isAllocated(ip));
});

test('service: rollback frees new values; release and restore', () => {
  const a = createServiceAllocators();
  const s = svc('web', { type: 'NodePort', ports: [{ port: 80 }] });
  allocateService(a, s).rollback();
  assert.equal(a.ips.allocatedCount, 0);
  assert.equal(a.nodePorts.allocatedCount, 0);
  allocateService(a, s).commit();
  const b = createServiceAllocators();
  assert.deepEqual(restoreService(b, s), []);
  assert.ok(b.ips.isAllocated(s.spec.clusterIP!));
  assert.equal(restoreService(b, s).length, 2, 'held twice is reported');
  releaseService(a, s);
  assert.equal(a.ips.allocatedCount + a.nodePorts.allocatedCount, 0);
});
