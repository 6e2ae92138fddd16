// Shared informers for the controllers in the daemon: one list+watch per
// resource, however many controllers read it. Controllers see only this small
// contract, so tests can feed them from a plain in-memory cache.

import type { KubeObject } from '../api/types.js';

export interface Handlers<T extends KubeObject> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export interface Lister<T extends KubeObject> {
  list(namespace?: string): T[];
  get(namespace: string | undefined, name: string): T | undefined;
}

export interface SharedInformer<T extends KubeObject> extends Lister<T> {
  addHandlers(handlers: Handlers<T>): void;
  /** secondary index (Informer.addIndexer); optional so that plain test caches need none */
  addIndexer?(name: string, fn: (obj: T) => string[]): void;
  byIndex?(name: string, value: string): T[];
  countByIndex?(name: string, value: string): number;
}

/**
 * A lookup by secondary index: objects whose fn(obj) includes value. Uses the
 * informer's index when it has one (O(result)), else filters its list, so
 * controllers read the same either way.
 */
export interface IndexLookup<T extends KubeObject> {
  get(value: string): T[];
  count(value: string): number;
}

export function indexLookup<T extends KubeObject>(informer: SharedInformer<T>, name: string, fn: (obj: T) => string[]): IndexLookup<T> {
  if (informer.addIndexer && informer.byIndex && informer.countByIndex) {
    informer.addIndexer(name, fn);
    const byIndex = informer.byIndex.bind(informer);
    const countByIndex = informer.countByIndex.bind(informer);
    return { get: (value) => byIndex(name, value), count: (value) => countByIndex(name, value) };
  }
  const scan = (value: string) => informer.list().filter((o) => fn(o).includes(value));
  return { get: scan, count: (value) => scan(value).length };
}

export interface InformerSource {
  informer<T extends KubeObject>(plural: string): SharedInformer<T>;
}

export function keyOf(obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${obj.metadata.name}` : obj.metadata.name!;
}

export function splitKey(key: string): [string | undefined, string] {
  const i = key.indexOf('/');
  return i < 0 ? [undefined, key] : [key.slice(0, i), key.slice(i + 1)];
}
