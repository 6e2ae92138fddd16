// Cascading deletion: dependents whose owner (by uid) is gone are deleted,
// and a Terminating namespace is emptied and then removed for good.

import type { KubeObject, Namespace } from '../api/types.js';
import { RESOURCES } from '../api/resources.js';
import type { Client } from '../client/client.js';
import { isApiError } from '../errors.js';
import { Controller } from './controller.js';
import { keyOf, type InformerSource, type SharedInformer } from './informers.js';

/** Kinds that own others in podnet: Deployment/StatefulSet → Pod, Service → EndpointSlice. */
const OWNER_KINDS: Record<string, string> = { Deployment: 'deployments', StatefulSet: 'statefulsets', Service: 'services' };
const DEPENDENT_PLURALS = ['pods', 'endpointslices'];
const SWEEP_EVERY_MS = 5_000;

export class GarbageCollector {
  private readonly informers = new Map<string, SharedInformer<KubeObject>>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(source: InformerSource, private readonly client: Client) {
    for (const plural of [...Object.values(OWNER_KINDS), ...DEPENDENT_PLURALS]) this.informers.set(plural, source.informer(plural));
    for (const plural of Object.values(OWNER_KINDS)) {
      this.informers.get(plural)!.addHandlers({ delete: (owner) => { void this.collectDependentsOf(owner); } });
    }
  }

  run(): void {
    this.timer = setInterval(() => { void this.sweep(); }, SWEEP_EVERY_MS);
    this.timer.unref();
  }

  stop(): void { if (this.timer) clearInterval(this.timer); }

  private ownerExists(namespace: string | undefined, ref: { kind: string; name: string; uid: string }): boolean {
    const plural = OWNER_KINDS[ref.kind];
    if (!plural) return true; // an owner kind we do not serve: leave the dependent alone
    return this.informers.get(plural)!.get(namespace, ref.name)?.metadata.uid === ref.uid;
  }

  private async collectDependentsOf(owner: KubeObject): Promise<void> {
    for (const plural of DEPENDENT_PLURALS) {
      for (const dep of this.informers.get(plural)!.list(owner.metadata.namespace)) {
        if (dep.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid)) await this.remove(plural, dep);
      }
    }
  }

  /** Catches owners deleted while the daemon was down. */
  async sweep(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const plural of DEPENDENT_PLURALS) {
        for (const dep of this.informers.get(plural)!.list()) {
          const refs = dep.metadata.ownerReferences ?? [];
          if (refs.length > 0 && refs.every((r) => !this.ownerExists(dep.metadata.namespace, r))) await this.remove(plural, dep);
        }
      }
    } finally { this.running = false; }
  }

  private async remove(plural: string, obj: KubeObject): Promise<void> {
    if (obj.metadata.deletionTimestamp) return;
    try { await this.client.delete(plural, obj.metadata.namespace, obj.metadata.name!, { preconditions: { uid: obj.metadata.uid! } }); }
    catch (err) { if (!isApiError(err, 'NotFound') && !isApiError(err, 'Conflict')) process.stderr.write(`[garbage-collector] delete ${plural} ${keyOf(obj)}: ${(err as Error).message}\n`); }
  }
}

/** Empties a Terminating namespace, then removes it. */
export class NamespaceController extends Controller {
  private readonly namespaces: SharedInformer<Namespace>;

  constructor(source: InformerSource, private readonly client: Client) {
    super('namespace-controller', 1);
    this.namespaces = source.informer<Namespace>('namespaces');
    this.namespaces.addHandlers({ add: (n) => this.enqueue(keyOf(n)), update: (_o, n) => this.enqueue(keyOf(n)) });
  }

  protected async sync(key: string): Promise<void> {
    const ns = this.namespaces.get(undefined, key);
    if (!ns || ns.status?.phase !== 'Terminating') return;
    let remaining = 0;
    for (const r of RESOURCES.filter((x) => x.namespaced)) {
      const list = await this.client.list(r.plural, key);
      for (const obj of list.items) {
        remaining++;
        if (obj.metadata.deletionTimestamp) continue;
        try { await this.client.delete(r.plural, key, obj.metadata.name!); } catch (err) { if (!isApiError(err, 'NotFound')) throw err; }
      }
    }
    if (remaining > 0) { this.queue.addAfter(key, 500); return; }
    try { await this.client.delete('namespaces', undefined, key, { gracePeriodSeconds: 0 }); } catch (err) { if (!isApiError(err, 'NotFound')) throw err; }
  }
}
