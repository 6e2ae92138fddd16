// The cloud controller's LoadBalancer half (what a cloud-provider service
// controller plus MetalLB's address allocator do): every Service of type
// LoadBalancer without a spec.loadBalancerClass gets an address from the pool,
// written to status.loadBalancer.ingress; the address goes back to the pool
// when the Service is deleted (it stays, Terminating, under the cloud
// controller's cleanup finalizer until then) or stops being a LoadBalancer. The data path
// (LB IP → NodePort on healthy nodes) is the lb-agent's job in the router
// namespace; this controller only decides who holds which address.
//
// Events follow MetalLB's wording so `describe svc` reads as users know it:
//   Normal  IPAllocated       Assigned IP ["203.0.113.10"]
//   Warning AllocationFailed  Failed to allocate IP for "ns/name": <why>
//   Normal  IPReleased        Released IP ["203.0.113.10"]   (type change only;
//                             a deleted Service has nowhere to show events)

import type { LoadBalancerIngress, Service } from '../api/types.js';
import type { Client } from '../client/client.js';
import { Controller } from '../controllers/controller.js';
import type { EventRecorder } from '../controllers/events.js';
import { keyOf, splitKey, type InformerSource, type SharedInformer } from '../controllers/informers.js';
import { isApiError } from '../errors.js';
import { LoadBalancerIpPool, serviceKey, servesService } from './lb-allocator.js';

export { servesService };

export const REASON_ALLOCATED = 'IPAllocated';
export const REASON_ALLOCATION_FAILED = 'AllocationFailed';
export const REASON_RELEASED = 'IPReleased';
/**
 * The cloud service controller's finalizer on every Service it gives a load
 * balancer: a deleted Service stays until its address is back in the pool,
 * as a cloud's does until its load balancer is gone.
 */
export const LB_CLEANUP_FINALIZER = 'service.kubernetes.io/load-balancer-cleanup';

/** core/v1 LoadBalancerIngress.ipMode (KEP-1860): VIP = nodes accept the LB IP as a destination too. */
export type IngressWithMode = LoadBalancerIngress & { ipMode?: 'VIP' | 'Proxy' };

/** The status.loadBalancer.ingress this controller writes for an address. */
export function ingressFor(ip: string): IngressWithMode[] {
  return [{ ip, ipMode: 'VIP' }];
}

function sameIngress(current: readonly IngressWithMode[] | undefined, want: readonly IngressWithMode[]): boolean {
  const have = current ?? [];
  return have.length === want.length && have.every((h, i) => h.ip === want[i]!.ip && h.ipMode === want[i]!.ipMode && !h.hostname && !h.ports);
}

export class ServiceLoadBalancerController extends Controller {
  readonly pool: LoadBalancerIpPool;
  private readonly services: SharedInformer<Service>;
  private rebuilt = false;

  constructor(informers: InformerSource, private readonly client: Client, private readonly events: EventRecorder, pool = new LoadBalancerIpPool()) {
    super('service-lb');
    this.pool = pool;
    this.services = informers.informer<Service>('services');
    this.services.addHandlers({
      add: (s) => this.enqueue(keyOf(s)),
      update: (o, s) => { if (this.relevantChange(o, s)) this.enqueue(keyOf(s)); },
      delete: (s) => this.enqueue(keyOf(s)),
    });
  }

  private relevantChange(o: Service, s: Service): boolean {
    return o.spec.type !== s.spec.type || o.spec.loadBalancerIP !== s.spec.loadBalancerIP || o.spec.loadBalancerClass !== s.spec.loadBalancerClass
      || JSON.stringify(o.status?.loadBalancer ?? {}) !== JSON.stringify(s.status?.loadBalancer ?? {}) || o.metadata.uid !== s.metadata.uid
      || o.metadata.deletionTimestamp !== s.metadata.deletionTimestamp;
  }

  /** The informer has synced before run(): who holds what is in the Services' status. */
  private ensureRebuilt(): void {
    if (this.rebuilt) return;
    this.rebuilt = true;
    for (const c of this.pool.rebuild(this.services.list(), servesService)) {
      process.stderr.write(`[service-lb] ${c.key} and ${c.owner} both claim ${c.ip}; ${c.owner} keeps it\n`);
    }
  }

  protected async sync(key: string): Promise<void> {
    this.ensureRebuilt();
    const [ns, name] = splitKey(key);
    const svc = this.services.get(ns, name);
    if (!svc) {
      if (this.pool.release(key)) this.retryPending();
      return;
    }
    if (svc.metadata.deletionTimestamp) {
      if (this.pool.release(key)) this.retryPending();
      await this.setCleanupFinalizer(svc, false);
      return;
    }
    if (!servesService(svc)) {
      await this.setCleanupFinalizer(svc, false);
      const released = this.pool.release(key);
      // Another loadBalancerClass owns the status of its Services: leave it alone.
      if (svc.spec.type !== 'LoadBalancer' && (svc.status?.loadBalancer?.ingress ?? []).length > 0) {
        await this.writeIngress(svc, undefined);
        if (released) this.events.normal(svc, REASON_RELEASED, `Released IP ${JSON.stringify([released])}`);
      }
      if (released) this.retryPending();
      return;
    }

    // before the address is taken: a Service deleted from now on waits for its release
    if (!(await this.setCleanupFinalizer(svc, true))) return;
    const result = this.pool.allocate(key, svc.spec.loadBalancerIP || undefined);
    if (result.released) this.retryPending();
    if (!result.ok) {
      // Pending until something changes: a release re-queues every pending Service.
      if ((svc.status?.loadBalancer?.ingress ?? []).length > 0) await this.writeIngress(svc, undefined);
      this.events.warning(svc, REASON_ALLOCATION_FAILED, `Failed to allocate IP for "${key}": ${result.message}`);
      return;
    }
    const want = ingressFor(result.ip);
    if (sameIngress(svc.status?.loadBalancer?.ingress, want)) return;
    await this.writeIngress(svc, want);
    this.events.normal(svc, REASON_ALLOCATED, `Assigned IP ${JSON.stringify([result.ip])}`);
  }

  /** Every LoadBalancer Service without an address gets another chance (an address came free). */
  private retryPending(): void {
    for (const svc of this.services.list()) {
      const key = serviceKey(svc);
      if (servesService(svc) && this.pool.ipOf(key) === undefined) this.enqueue(key);
    }
  }

  /** Adds or removes LB_CLEANUP_FINALIZER; false when the Service is gone. Written with the cached resourceVersion: a Conflict retries on the newer one. */
  private async setCleanupFinalizer(svc: Service, present: boolean): Promise<boolean> {
    if (hasCleanupFinalizer(svc) === present) return true;
    const others = (svc.metadata.finalizers ?? []).filter((f) => f !== LB_CLEANUP_FINALIZER);
    try {
      await this.client.update<Service>({ ...svc, metadata: { ...svc.metadata, finalizers: present ? [...others, LB_CLEANUP_FINALIZER] : others } });
      return true;
    } catch (err) {
      if (isApiError(err, 'NotFound')) return false;
      throw err;
    }
  }

  private async writeIngress(svc: Service, ingress: IngressWithMode[] | undefined): Promise<void> {
    // JSON merge patch (RFC 7386): null removes the field, so "pending" is `loadBalancer: {}`.
    try {
      await this.client.patch<Service>('services', svc.metadata.namespace, svc.metadata.name!, { status: { loadBalancer: { ingress: ingress ?? null } } }, { subresource: 'status' });
    } catch (err) {
      if (isApiError(err, 'NotFound')) return; // deleted meanwhile: its delete event releases the address
      throw err;
    }
  }
}

function hasCleanupFinalizer(svc: Service): boolean {
  return svc.metadata.finalizers?.includes(LB_CLEANUP_FINALIZER) ?? false;
}
