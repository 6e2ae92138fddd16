// Empties a Terminating namespace, then finalizes it (upstream's namespace
// controller: every namespaced kind is deleted, with the default Background
// cascade; once nothing is left the controller drops its `kubernetes` entry
// from spec.finalizers, and the namespace goes when no finalizer is left).

import { NAMESPACE_FINALIZER } from '../api/deletion.js';
import type { Namespace } from '../api/types.js';
import { RESOURCES } from '../api/resources.js';
import type { Client } from '../client/client.js';
import { isApiError } from '../errors.js';

import { Controller } from './controller.js';
import { keyOf, type InformerSource, type SharedInformer } from './informers.js';

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
        // Background said, as upstream's deleter does: a Job's own default (batch/v1) would orphan its pods
        try { await this.client.delete(r.plural, key, obj.metadata.name!, { propagationPolicy: 'Background' }); } catch (err) { if (!isApiError(err, 'NotFound')) throw err; }
      }
    }
    if (remaining > 0) { this.queue.addAfter(key, 500); return; }
    try {
      // empty: give up the controller's finalizer (upstream's finalize call),
      // then delete again, which removes the namespace once no finalizer holds
      // it. Read fresh and written with its resourceVersion: another owner may
      // have changed spec.finalizers while this sync listed and deleted (a
      // conflict fails the sync, which the work queue retries).
      const fresh = await this.client.get<Namespace>('namespaces', undefined, key);
      const finalizers = fresh.spec?.finalizers ?? [];
      if (finalizers.includes(NAMESPACE_FINALIZER)) {
        await this.client.update<Namespace>({ ...fresh, spec: { ...fresh.spec, finalizers: finalizers.filter((f) => f !== NAMESPACE_FINALIZER) } }, { subresource: 'finalize' });
      }
      await this.client.delete('namespaces', undefined, key);
    } catch (err) { if (!isApiError(err, 'NotFound')) throw err; }
  }
}
