import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from '../../../src/api/types.js';
import { LoadBalancerIpPool } from '../../../src/cloud/lb-allocator.js';
import { ServiceLoadBalancerController } from '../../../src/cloud/service-lb-controller.js';
import { FakeEventRecorder } from '../../../src/controllers/events.js';
import { FakeInformers, lbService, statusClient } from './fakes.js';

/** Exposes sync and the keys the controller queued, so tests step it by hand. */
class Stepper extends ServiceLoadBalancerController {
  queued: string[] = [];
  override enqueue(key: string): void { this.queued.push(key); }
  step(key: string): Promise<void> { return this.sync(key); }
  async drain(): Promise<void> {
    while (this.queued.length > 0) await this.sync(this.queued.shift()!);
  }
}

function setup(pool?: LoadBalancerIpPool) {
  const informers = new FakeInformers();
  const services = informers.fake<Service>('services');
  const client = statusClient(services);
  const events = new FakeEventRecorder();
  const c = new Stepper(informers, client, events, pool);
  const ip = (name: string) => services.get('default', name)?.status?.loadBalancer?.ingress?.map((i) => i.ip);
  return { services, client, events, c, ip };
}

test('assigns 203.0.113.10 with ipMode VIP and says so in an event', async () => {
  const { services, client, events, c, ip } = setup();
  services.set(lbService('web'));
  await c.drain();
  assert.deepEqual(services.get('default', 'web')?.status?.loadBalancer?.ingress, [{ ip: '203.0.113.10', ipMode: 'VIP' }]);
  assert.deepEqual(client.patches, [{ key: 'default/web', patch: { status: { loadBalancer: { ingress: [{ ip: '203.0.113.10', ipMode: 'VIP' }] } } } }]);
  assert.deepEqual(events.events, [{ type: 'Normal', reason: 'IPAllocated', message: 'Assigned IP ["203.0.113.10"]', object: 'Service/web' }]);
  // The status update comes back through the informer: nothing more to do.
  await c.drain();
  assert.equal(client.patches.length, 1);
  assert.deepEqual(ip('web'), ['203.0.113.10']);
});

test('ignores other types and Services with a loadBalancerClass', async () => {
  const { services, client, c } = setup();
  services.set(lbService('plain', { type: 'ClusterIP' }));
  services.set(lbService('np', { type: 'NodePort' }));
  services.set(lbService('metallb', { loadBalancerClass: 'metallb.io/metallb' }, ['198.18.0.1']));
  await c.drain();
  assert.deepEqual(client.patches, []);
});

test('honours spec.loadBalancerIP; a taken one leaves the Service pending with a Warning until it is free', async () => {
  const { services, events, c, ip } = setup();
  services.set(lbService('a', { loadBalancerIP: '203.0.113.50' }));
  await c.drain();
  services.set(lbService('b', { loadBalancerIP: '203.0.113.50' }));
  await c.drain();
  assert.deepEqual(ip('a'), ['203.0.113.50']);
  assert.equal(ip('b'), undefined);
  assert.deepEqual(events.events.at(-1), { type: 'Warning', reason: 'AllocationFailed', message: 'Failed to allocate IP for "default/b": requested IP 203.0.113.50 is already in use by "default/a"', object: 'Service/b' });
  services.remove('default', 'a');
  await c.drain();
  assert.deepEqual(ip('b'), ['203.0.113.50']);
});

test('a requested IP outside the pool: Warning and pending', async () => {
  const { services, events, c, ip } = setup();
  services.set(lbService('x', { loadBalancerIP: '10.0.0.1' }));
  await c.drain();
  assert.equal(ip('x'), undefined);
  assert.deepEqual(events.events, [{ type: 'Warning', reason: 'AllocationFailed', message: 'Failed to allocate IP for "default/x": requested IP 10.0.0.1 is not in pool 203.0.113.0/24 (203.0.113.10-203.0.113.254)', object: 'Service/x' }]);
});

test('pool exhausted: pending with an event; a release gives the address to the waiting Service', async () => {
  const { services, events, c, ip } = setup(new LoadBalancerIpPool('203.0.113.0/30', '203.0.113.1')); // .1-.2
  for (const n of ['a', 'b', 'c']) services.set(lbService(n));
  await c.drain();
  assert.deepEqual([ip('a'), ip('b'), ip('c')], [['203.0.113.1'], ['203.0.113.2'], undefined]);
  assert.deepEqual(events.events.at(-1), { type: 'Warning', reason: 'AllocationFailed', message: 'Failed to allocate IP for "default/c": no available IPs in pool 203.0.113.0/30 (2 of 2 in use)', object: 'Service/c' });
  // Type change releases and clears the status; the pending Service gets the address.
  services.set({ ...services.get('default', 'a')!, spec: { ...services.get('default', 'a')!.spec, type: 'ClusterIP' } });
  await c.drain();
  assert.equal(ip('a'), undefined);
  assert.deepEqual(ip('c'), ['203.0.113.1']);
  assert.ok(events.events.some((e) => e.reason === 'IPReleased' && e.message === 'Released IP ["203.0.113.1"]' && e.object === 'Service/a'));
});

test('after a restart the pool is rebuilt from status before anything is handed out', async () => {
  const { services, client, c, ip } = setup();
  services.set(lbService('kept', {}, ['203.0.113.10']));
  services.set(lbService('fresh'));
  c.queued = ['default/fresh', 'default/kept'];
  await c.drain();
  assert.deepEqual(ip('kept'), ['203.0.113.10']);
  assert.deepEqual(ip('fresh'), ['203.0.113.11']);
  // `kept` had no ipMode yet: it is written once, with the same address.
  assert.deepEqual(client.patches.map((p) => p.key).sort(), ['default/fresh', 'default/kept']);
});

test('the cloud service controller\'s cleanup finalizer: on every Service it serves, removed once the address is back in the pool (deleted, or no longer a LoadBalancer)', async () => {
  const { services, c, ip } = setup();
  services.set(lbService('web'));
  await c.drain();
  assert.deepEqual(services.get('default', 'web')?.metadata.finalizers, ['service.kubernetes.io/load-balancer-cleanup']);
  // deleted: the API server keeps it, Terminating, until the controller lets go
  const live = services.get('default', 'web')!;
  services.set({ ...live, metadata: { ...live.metadata, deletionTimestamp: '2026-01-01T01:00:00Z' } });
  await c.drain();
  assert.deepEqual(services.get('default', 'web')?.metadata.finalizers, []);
  assert.equal(c.pool.ipOf('default/web'), undefined);
  services.set(lbService('other'));
  await c.drain();
  assert.deepEqual(ip('other'), ['203.0.113.10']);
  const other = services.get('default', 'other')!;
  services.set({ ...other, spec: { ...other.spec, type: 'ClusterIP' } });
  await c.drain();
  assert.deepEqual(services.get('default', 'other')?.metadata.finalizers, []);
  assert.equal(ip('other'), undefined);
  // another class's Service is not ours to hold
  services.set(lbService('metallb', { loadBalancerClass: 'metallb.io/metallb' }));
  await c.drain();
  assert.equal(services.get('default', 'metallb')?.metadata.finalizers, undefined);
});
