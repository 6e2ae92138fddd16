// A registry on an in-memory store with the built-in namespaces, at a fixed time.

import { ObjectStore } from '../../../src/store/store.js';
import { Registry } from '../../../src/apiserver/registry.js';
import { resourceForPlural, BUILTIN_NAMESPACES, type ResourceInfo } from '../../../src/api/resources.js';

export const NOW = new Date('2026-11-26T23:59:01Z');
export const info = (plural: string): ResourceInfo => resourceForPlural(plural)!;

export function setup(): { store: ObjectStore; registry: Registry } {
  const store = new ObjectStore({ path: ':memory:', now: () => NOW });
  const registry = new Registry(store);
  registry.bootstrap(BUILTIN_NAMESPACES);
  return { store, registry };
}
