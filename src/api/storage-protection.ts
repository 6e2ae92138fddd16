// The StorageObjectInUseProtection admission plugin
// (plugin/pkg/admission/storage/storageobjectinuseprotection): every claim
// and volume is created with a finalizer, so that deleting one in use only
// marks it (deletionTimestamp, phase shown as Terminating) and the storage
// controller removes the finalizer, and so the object, once no pod uses the
// claim and no claim is bound to the volume. Create only: an object stored
// without the finalizer, or whose finalizer a controller removed, keeps it so.

import type { KubeObject } from './types.js';

/** kubernetes.io/pvc-protection: a claim stays while a pod uses it */
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
/** kubernetes.io/pv-protection: a volume stays while a claim is bound to it */
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

const FINALIZER_OF: Readonly<Record<string, string>> = {
  PersistentVolumeClaim: PVC_PROTECTION_FINALIZER,
  PersistentVolume: PV_PROTECTION_FINALIZER,
};

/** Adds the kind's protection finalizer to a claim or volume being created, once; true when it did. */
export function admitStorageProtection(obj: KubeObject): boolean {
  const finalizer = FINALIZER_OF[obj.kind ?? ''];
  if (!finalizer) return false;
  const current: unknown = obj.metadata.finalizers ?? [];
  // garbage is left for validation to report
  if (!Array.isArray(current) || current.includes(finalizer)) return false;
  obj.metadata.finalizers = [...current, finalizer];
  return true;
}
