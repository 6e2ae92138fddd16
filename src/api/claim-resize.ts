// The PersistentVolumeClaimResize admission plugin
// (plugin/pkg/admission/storage/persistentvolume/resize): an update that
// asks a claim for more storage is refused unless the claim is bound and the
// StorageClass it names, unchanged by the update, has
// `allowVolumeExpansion: true`. Upstream's words say "dynamically
// provisioned", but only the class is checked: a volume made by hand and
// bound to a claim of such a class may be asked to grow, and then waits for
// a resizer as any other. A validating plugin: it runs on updates after
// validation (a 422 comes first) and answers 403 Forbidden; status updates
// and smaller or equal requests pass.

import { ApiError } from '../errors.js';
import { claimStorageClass } from './default-storage-class.js';
import { quantityMilliValue } from './quantity.js';
import type { PersistentVolumeClaim, StorageClass } from './types.js';

export const RESIZE_UNBOUND = 'Only bound persistent volume claims can be expanded';
export const RESIZE_UNSUPPORTED = 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize';

const PLURAL = 'persistentvolumeclaims';

/** A claim's storage request in millis; an absent or unreadable one counts as zero, as an empty Quantity. */
function requestedStorage(pvc: PersistentVolumeClaim): bigint {
  const value = pvc.spec?.resources?.requests?.['storage'];
  return (value === undefined ? undefined : quantityMilliValue(value)) ?? 0n;
}

/** Pure: why this update may not grow the claim (upstream's message), or undefined when it may or does not grow it. */
export function claimResizeRefusal(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim, storageClass: (name: string) => StorageClass | undefined): string | undefined {
  if (requestedStorage(pvc) <= requestedStorage(old)) return undefined;
  if (old.status?.phase !== 'Bound') return RESIZE_UNBOUND;
  const name = claimStorageClass(pvc);
  if (name === '' || name !== claimStorageClass(old)) return RESIZE_UNSUPPORTED;
  return storageClass(name)?.allowVolumeExpansion === true ? undefined : RESIZE_UNSUPPORTED;
}

/** Throws the plugin's 403 (admission.NewForbidden: the resource, the claim's name, the reason) when the update may not grow the claim. */
export function admitClaimResize(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim, storageClass: (name: string) => StorageClass | undefined): void {
  const reason = claimResizeRefusal(pvc, old, storageClass);
  if (reason === undefined) return;
  const name = pvc.metadata.name ?? '';
  throw new ApiError({
    apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', code: 403, reason: 'Forbidden',
    message: `${PLURAL} "${name}" is forbidden: ${reason}`,
    details: { name, group: '', kind: PLURAL },
  });
}
