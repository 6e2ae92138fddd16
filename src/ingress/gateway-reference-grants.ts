// ReferenceGrant (gateway.networking.k8s.io v1beta1): the owner of a namespace
// lets objects of some kind in another namespace refer to its objects. A
// reference across namespaces holds only when a grant in the referent's
// namespace lists the referrer's group, kind and namespace under `from` and
// the referent's group and kind (and its name, when the grant names one)
// under `to`. References within one namespace need no grant.

import type { ReferenceGrant } from '../api/gateway-types.js';

export interface Referrer { group: string; kind: string; namespace: string }
export interface Referent { group: string; kind: string; namespace: string; name: string }

export function referenceAllowed(grants: readonly ReferenceGrant[], from: Referrer, to: Referent): boolean {
  if (from.namespace === to.namespace) return true;
  return grants.some((g) => (g.metadata.namespace ?? 'default') === to.namespace
    && g.spec.from.some((f) => f.group === from.group && f.kind === from.kind && f.namespace === from.namespace)
    && g.spec.to.some((t) => t.group === to.group && t.kind === to.kind && (!t.name || t.name === to.name)));
}
