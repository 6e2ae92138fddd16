// In-memory stand-ins for the cloud tests: informers fed by hand, a client
// that records status patches, a clock the test advances, and object builders.

import type { KubeObject, Node, Service } from '../../../src/api/types.js';
import type { Client } from '../../../src/client/client.js';
import type { Handlers, InformerSource, SharedInformer } from '../../../src/controllers/informers.js';

export { FakeClock, settle } from '../../support/fake-clock.js';

export class FakeInformer<T extends KubeObject> implements SharedInformer<T> {
  private readonly items = new Map<string, T>();
  private readonly handlers: Handlers<T>[] = [];
  list(namespace?: string): T[] { return [...this.items.values()].filter((o) => namespace === undefined || o.metadata.namespace === namespace); }
  get(namespace: string | undefined, name: string): T | undefined { return this.items.get(`${namespace ?? ''}/${name}`); }
  addHandlers(h: Handlers<T>): void { this.handlers.push(h); }
  set(obj: T): void {
    const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    const old = this.items.get(key);
    this.items.set(key, obj);
    for (const h of this.handlers) { if (old) h.update?.(old, obj); else h.add?.(obj); }
  }
  remove(namespace: string | undefined, name: string): void {
    const key = `${namespace ?? ''}/${name}`;
    const old = this.items.get(key);
    if (!old) return;
    this.items.delete(key);
    for (const h of this.handlers) h.delete?.(old);
  }
}

export class FakeInformers implements InformerSource {
  readonly map = new Map<string, FakeInformer<KubeObject>>();
  informer<T extends KubeObject>(plural: string): SharedInformer<T> { return this.fake<T>(plural); }
  fake<T extends KubeObject>(plural: string): FakeInformer<T> {
    let i = this.map.get(plural);
    if (!i) this.map.set(plural, (i = new FakeInformer<KubeObject>()));
    return i as unknown as FakeInformer<T>;
  }
}

/**
 * Records status patches and applies them and updates (the cleanup
 * finalizer) to the informer, as the API server and the watch would;
 * everything else is unused by the code under test.
 */
export function statusClient(services: FakeInformer<Service>): Client & { patches: { key: string; patch: unknown }[] } {
  const patches: { key: string; patch: unknown }[] = [];
  const unused = () => { throw new Error('not used in this test'); };
  return {
    patches,
    get: unused, list: unused, create: unused, delete: unused, watch: unused,
    // the finalizer writes: the object as sent, back through the informer
    async update<T extends KubeObject>(obj: T): Promise<T> {
      if (obj.kind !== 'Service') throw new Error(`unexpected update of ${obj.kind}`);
      services.set(obj as unknown as Service);
      return obj;
    },
    async patch<T extends KubeObject>(plural: string, namespace: string | undefined, name: string, patch: unknown): Promise<T> {
      if (plural !== 'services') throw new Error(`unexpected patch of ${plural}`);
      patches.push({ key: `${namespace}/${name}`, patch });
      const svc = services.get(namespace, name)!;
      const ingress = (patch as { status: { loadBalancer: { ingress: unknown } } }).status.loadBalancer.ingress;
      const next: Service = { ...svc, status: { loadBalancer: ingress === null ? {} : { ingress: ingress as never } } };
      services.set(next);
      return next as unknown as T;
    },
  } as Client & { patches: { key: string; patch: unknown }[] };
}

let created = 0;

export function lbService(name: string, spec: Partial<Service['spec']> = {}, ingressIPs: string[] = [], namespace = 'default'): Service {
  created++;
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name, namespace, uid: `uid-${namespace}-${name}`, creationTimestamp: `2026-01-01T00:${String(Math.floor(created / 60) % 60).padStart(2, '0')}:${String(created % 60).padStart(2, '0')}Z` },
    spec: { type: 'LoadBalancer', clusterIP: '10.96.0.50', ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }], externalTrafficPolicy: 'Cluster', ...spec },
    status: { loadBalancer: ingressIPs.length > 0 ? { ingress: ingressIPs.map((ip) => ({ ip })) } : {} },
  };
}

export function lbNode(name: string, ip: string, opts: { ready?: boolean; labels?: Record<string, string> } = {}): Node {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(opts.labels ?? {}) } },
    spec: {},
    status: {
      addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }],
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
}

