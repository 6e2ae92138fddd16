// Which of several classes marked default wins, for the admission plugins
// that give a new object the cluster's default class (DefaultIngressClass,
// DefaultStorageClass). Marking a second class default is how an
// administrator moves the default without a gap, so upstream (since 1.26)
// takes the newest; two created in the same second are told apart by name.

import type { KubeObject } from './types.js';

/** Of the objects `isDefault` accepts, the newest (then the first by name, in Go's byte order); undefined when none is. */
export function newestDefault<T extends KubeObject>(objects: readonly T[], isDefault: (o: T) => boolean): T | undefined {
  const created = (o: T) => Date.parse(o.metadata.creationTimestamp ?? '') || 0;
  const name = (o: T) => o.metadata.name ?? '';
  return objects.filter(isDefault).sort((a, b) => created(b) - created(a) || (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0))[0];
}
