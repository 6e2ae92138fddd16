// DeleteOptions' cascade: which finalizers a DELETE leaves on the object for
// the garbage collector (upstream apiserver registry/generic/registry/store.go,
// deletionFinalizersForGarbageCollection; metav1 DeletionPropagation).
//
//   Background  the object goes now; the garbage collector deletes its dependents after
//   Orphan      `orphan` finalizer: the collector strips the ownerReferences to the object
//               from its dependents, then removes the finalizer (and so the object)
//   Foreground  `foregroundDeletion` finalizer: the object stays, readable, until the
//               collector has deleted every dependent with blockOwnerDeletion=true
//
// Pure: the registry applies the result, the collector acts on the finalizers.

import { apiErrors, field } from '../errors.js';

/** metav1.FinalizerOrphanDependents */
export const ORPHAN_FINALIZER = 'orphan';
/** metav1.FinalizerDeleteDependents */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';
/** The namespace controller's own entry in a namespace's spec.finalizers: the namespace goes only after the controller emptied it. */
export const NAMESPACE_FINALIZER = 'kubernetes';

export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';
const POLICIES: readonly string[] = ['Foreground', 'Background', 'Orphan'];

export interface CascadeOptions {
  propagationPolicy?: string;
  /** deprecated DeleteOptions field: true means Orphan, false Background */
  orphanDependents?: boolean;
}

/**
 * The request's policy, or undefined when it names none. Invalid options are
 * 422, in the words of upstream's ValidateDeleteOptions.
 */
export function propagationPolicyOf(opts: CascadeOptions): PropagationPolicy | undefined {
  const { propagationPolicy: policy, orphanDependents: orphan } = opts;
  if (policy !== undefined && orphan !== undefined) {
    throw deleteOptionsInvalid(field.invalid('propagationPolicy', policy, 'orphanDependents and deletionPropagation cannot be both set'));
  }
  if (policy !== undefined && !POLICIES.includes(policy)) {
    throw deleteOptionsInvalid(field.notSupported('propagationPolicy', policy, [...POLICIES, 'nil']));
  }
  if (orphan !== undefined) return orphan ? 'Orphan' : 'Background';
  return policy as PropagationPolicy | undefined;
}

/**
 * The finalizers an object keeps when deleted with `policy`: its own, minus
 * the two cascade finalizers, plus the one the policy asks for. Without a
 * policy a cascade finalizer the object already has stands (a second DELETE
 * does not undo the first one's Orphan or Foreground); every podnet kind
 * defaults to Background.
 */
export function deletionFinalizers(current: readonly string[] | undefined, policy: PropagationPolicy | undefined): string[] {
  const own = current ?? [];
  const effective = policy ?? (own.includes(ORPHAN_FINALIZER) ? 'Orphan' : own.includes(FOREGROUND_FINALIZER) ? 'Foreground' : 'Background');
  const kept = own.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
  if (effective === 'Orphan') kept.push(ORPHAN_FINALIZER);
  if (effective === 'Foreground') kept.push(FOREGROUND_FINALIZER);
  return kept;
}

function deleteOptionsInvalid(err: ReturnType<typeof field.invalid>) {
  return apiErrors.invalid('DeleteOptions', 'meta.k8s.io', '', [err]);
}
