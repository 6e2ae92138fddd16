import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadBalancerIpPool, servesService } from '../../../src/cloud/lb-allocator.js';
import { lbService } from './fakes.js';

test('hands out 203.0.113.10 upward, lowest free first, one address per key', () => {
  const pool = new LoadBalancerIpPool();
  assert.equal(pool.range, '203.0.113.10-203.0.113.254');
  assert.equal(pool.capacity, 245);
  assert.deepEqual(pool.allocate('default/a'), { ok: true, ip: '203.0.113.10', changed: true });
  assert.deepEqual(pool.allocate('default/b'), { ok: true, ip: '203.0.113.11', changed: true });
  assert.deepEqual(pool.allocate('default/a'), { ok: true, ip: '203.0.113.10', changed: false });
  assert.equal(pool.release('default/a'), '203.0.113.10');
  assert.equal(pool.release('default/a'), undefined);
  assert.deepEqual(pool.allocate('default/c'), { ok: true, ip: '203.0.113.10', changed: true });
  assert.deepEqual(pool.entries(), [{ key: 'default/c', ip: '203.0.113.10' }, { key: 'default/b', ip: '203.0.113.11' }]);
});

test('requested addresses: checked against the pool and against addresses in use', () => {
  const rows: { name: string; request: string; want: ReturnType<LoadBalancerIpPool['allocate']> }[] = [
    { name: 'free address in the pool', request: '203.0.113.77', want: { ok: true, ip: '203.0.113.77', changed: true } },
    { name: 'last host address', request: '203.0.113.254', want: { ok: true, ip: '203.0.113.254', changed: true } },
    { name: 'taken by another', request: '203.0.113.10', want: { ok: false, reason: 'in-use', message: 'requested IP 203.0.113.10 is already in use by "default/holder"' } },
    { name: 'below the first address', request: '203.0.113.9', want: { ok: false, reason: 'not-in-pool', message: 'requested IP 203.0.113.9 is not in pool 203.0.113.0/24 (203.0.113.10-203.0.113.254)' } },
    { name: 'broadcast', request: '203.0.113.255', want: { ok: false, reason: 'not-in-pool', message: 'requested IP 203.0.113.255 is not in pool 203.0.113.0/24 (203.0.113.10-203.0.113.254)' } },
    { name: 'outside the pool', request: '10.0.0.1', want: { ok: false, reason: 'not-in-pool', message: 'requested IP 10.0.0.1 is not in pool 203.0.113.0/24 (203.0.113.10-203.0.113.254)' } },
    { name: 'not an address', request: 'banana', want: { ok: false, reason: 'invalid', message: 'requested IP "banana" is not a valid IPv4 address' } },
  ];
  for (const row of rows) {
    const pool = new LoadBalancerIpPool();
    pool.allocate('default/holder');
    assert.deepEqual(pool.allocate('default/asker', row.request), row.want, row.name);
  }
});

test('changing the requested address lets the old one go, also when the new one fails', () => {
  const pool = new LoadBalancerIpPool();
  pool.allocate('default/a');
  assert.deepEqual(pool.allocate('default/a', '203.0.113.50'), { ok: true, ip: '203.0.113.50', changed: true, released: '203.0.113.10' });
  assert.deepEqual(pool.allocate('default/a', '203.0.113.50'), { ok: true, ip: '203.0.113.50', changed: false });
  pool.allocate('default/b', '203.0.113.60');
  const r = pool.allocate('default/a', '203.0.113.60');
  assert.equal(r.ok, false);
  assert.equal(r.released, '203.0.113.50');
  assert.equal(pool.ipOf('default/a'), undefined);
  assert.equal(pool.owner('203.0.113.50'), undefined);
});

test('an exhausted pool says so and never hands out an address twice', () => {
  const pool = new LoadBalancerIpPool('203.0.113.0/29', '203.0.113.2'); // .2-.6
  const got = ['a', 'b', 'c', 'd', 'e'].map((k) => pool.allocate(k));
  assert.deepEqual(got.map((g) => (g.ok ? g.ip : g.reason)), ['203.0.113.2', '203.0.113.3', '203.0.113.4', '203.0.113.5', '203.0.113.6']);
  assert.deepEqual(pool.allocate('f'), { ok: false, reason: 'exhausted', message: 'no available IPs in pool 203.0.113.0/29 (5 of 5 in use)' });
  pool.release('c');
  assert.deepEqual(pool.allocate('f'), { ok: true, ip: '203.0.113.4', changed: true });
  assert.equal(new Set(pool.entries().map((e) => e.ip)).size, 5);
});

test('rebuilt from status.loadBalancer.ingress; the older Service keeps a doubly claimed address', () => {
  const older = lbService('older', {}, ['203.0.113.10']);
  const newer = lbService('newer', {}, ['203.0.113.10']);
  const other = lbService('other', {}, ['203.0.113.12']);
  const classed = lbService('classed', { loadBalancerClass: 'example.com/other' }, ['203.0.113.13']);
  const notLb = lbService('plain', { type: 'ClusterIP' }, ['203.0.113.14']);
  const outside = lbService('outside', {}, ['192.0.2.1']);
  const pool = new LoadBalancerIpPool();
  pool.allocate('stale/key');
  const conflicts = pool.rebuild([newer, other, older, classed, notLb, outside], servesService);
  assert.deepEqual(conflicts, [{ key: 'default/newer', ip: '203.0.113.10', owner: 'default/older' }]);
  assert.deepEqual(pool.entries(), [{ key: 'default/older', ip: '203.0.113.10' }, { key: 'default/other', ip: '203.0.113.12' }]);
  assert.deepEqual(pool.allocate('default/newer'), { ok: true, ip: '203.0.113.11', changed: true });
});
