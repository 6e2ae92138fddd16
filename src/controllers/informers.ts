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
