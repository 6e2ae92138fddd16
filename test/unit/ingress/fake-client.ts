// An in-memory Client with list and watch, enough for the controller's
// informers; records every write so tests can assert on Events and status.

import type { KubeList, KubeObject, Status, WatchEvent } from '../../../src/api/types.js';
import { resourceForKind, resourceForPlural } from '../../../src/api/resources.js';
import { apiErrors } from '../../../src/errors.js';
import type { Client, WatchHandle, WatchOptions } from '../../../src/client/client.js';

export class FakeClient implements Client {
  private rv = 0;
  readonly objects = new Map<string, Map<string, KubeObject>>();
  private watchers: { plural: string; fn: (e: WatchEvent) => void }[] = [];
  readonly created: KubeObject[] = [];
  readonly patches: { plural: string; namespace?: string; name: string; patch: unknown }[] = [];

  private bucket(plural: string) {
    return this.objects.get(plural) ?? this.objects.set(plural, new Map()).get(plural)!;
  }

  private key(o: KubeObject) { return `${o.metadata.namespace ?? ''}/${o.metadata.name}`; }

  /** Put an object as if applied by a user (fires watch events). */
  put(obj: KubeObject): KubeObject {
    const plural = resourceForKind(obj.apiVersion, obj.kind)!.plural;
    const b = this.bucket(plural);
    const existed = b.has(this.key(obj));
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
    b.set(this.key(obj), stored);
    this.emit(plural, { type: existed ? 'MODIFIED' : 'ADDED', object: stored });
    return stored;
  }

  remove(plural: string, namespace: string | undefined, name: string) {
    const b = this.bucket(plural);
    const o = b.get(`${namespace ?? ''}/${name}`);
    if (!o) return;
    b.delete(`${namespace ?? ''}/${name}`);
    this.emit(plural, { type: 'DELETED', object: { ...o, metadata: { ...o.metadata, resourceVersion: String(++this.rv) } } });
  }

  private emit(plural: string, e: WatchEvent) {
    for (const w of this.watchers) if (w.plural === plural) queueMicrotask(() => w.fn(structuredClone(e)));
  }

  async get<T extends KubeObject = KubeObject>(plural: string, namespace: string | undefined, name: string): Promise<T> {
    const o = this.bucket(plural).get(`${namespace ?? ''}/${name}`);
    if (!o) throw apiErrors.notFound(plural, '', name);
    return structuredClone(o) as T;
  }

  async list<T extends KubeObject = KubeObject>(plural: string): Promise<KubeList<T>> {
    return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: String(this.rv) }, items: [...this.bucket(plural).values()].map((o) => structuredClone(o) as T) };
  }

  async create<T extends KubeObject>(obj: T): Promise<T> {
    this.created.push(structuredClone(obj));
    return obj;
  }

  async update<T extends KubeObject>(obj: T): Promise<T> { return this.put(obj) as T; }

  async patch<T extends KubeObject = KubeObject>(plural: string, namespace: string | undefined, name: string, patch: unknown): Promise<T> {
    this.patches.push({ plural, ...(namespace ? { namespace } : {}), name, patch });
    const o = this.bucket(plural).get(`${namespace ?? ''}/${name}`);
    if (!o) throw apiErrors.notFound(plural, resourceForPlural(plural)?.group ?? '', name);
    return this.put({ ...o, ...(patch as object) }) as T;
  }

  async delete(plural: string, namespace: string | undefined, name: string): Promise<KubeObject | Status> {
    this.remove(plural, namespace, name);
    return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Success', message: '', reason: '', code: 200 };
  }

  watch<T extends KubeObject = KubeObject>(plural: string, _ns: string | undefined, _o: WatchOptions, onEvent: (e: WatchEvent<T>) => void): WatchHandle {
    const w = { plural, fn: onEvent as (e: WatchEvent) => void };
    this.watchers.push(w);
    let resolve!: () => void;
    const done = new Promise<void>((r) => { resolve = r; });
    return { stop: () => { this.watchers = this.watchers.filter((x) => x !== w); resolve(); }, done };
  }
}
