// One Informer per resource, shared by every controller that reads it: a
// single list+watch against the API server however many controllers listen.

import type { KubeObject } from '../api/types.js';
import type { Client } from '../client/client.js';
import { Informer, type InformerOptions } from '../client/informer.js';
import type { Handlers, InformerSource, SharedInformer } from './informers.js';

/** the index behind list(namespace): a namespace's objects without scanning all */
const NAMESPACE_INDEX = 'namespace';

class SharedInformerAdapter<T extends KubeObject> implements SharedInformer<T> {
  constructor(readonly inner: Informer<T>) {
    inner.addIndexer(NAMESPACE_INDEX, (o) => [o.metadata.namespace ?? '']);
  }
  list(namespace?: string): T[] {
    return namespace === undefined ? this.inner.list() : this.inner.byIndex(NAMESPACE_INDEX, namespace);
  }
  get(namespace: string | undefined, name: string): T | undefined { return this.inner.get(namespace, name); }
  addIndexer(name: string, fn: (obj: T) => string[]): void { this.inner.addIndexer(name, fn); }
  byIndex(name: string, value: string): T[] { return this.inner.byIndex(name, value); }
  countByIndex(name: string, value: string): number { return this.inner.countByIndex(name, value); }
  addHandlers(h: Handlers<T>): void {
    if (h.add) this.inner.onAdd(h.add);
    if (h.update) this.inner.onUpdate(h.update);
    if (h.delete) this.inner.onDelete(h.delete);
  }
}

export class InformerFactory implements InformerSource {
  private readonly informers = new Map<string, SharedInformerAdapter<KubeObject>>();
  private started = false;

  constructor(private readonly client: Client, private readonly options: Record<string, InformerOptions<KubeObject>> = {}) {}

  informer<T extends KubeObject>(plural: string): SharedInformer<T> {
    let shared = this.informers.get(plural);
    if (!shared) {
      shared = new SharedInformerAdapter(new Informer<KubeObject>(this.client, plural, { log: (m) => process.stderr.write(`${m}\n`), ...(this.options[plural] ?? {}) }));
      this.informers.set(plural, shared);
      if (this.started) shared.inner.start();
    }
    return shared as unknown as SharedInformer<T>;
  }

  start(): void {
    this.started = true;
    for (const s of this.informers.values()) s.inner.start();
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((s) => s.inner.synced));
  }

  stop(): void { for (const s of this.informers.values()) s.inner.stop(); }
}
