// A claim's or a volume's StorageClass, and the DefaultStorageClass admission
// plugin (plugin/pkg/admission/storage/storageclass/setdefault): a
// PersistentVolumeClaim created without a class gets the cluster's default
// one. "Without a class" means spec.storageClassName absent: "" is a class
// choice of its own (only volumes without a class), and so is the
// deprecated beta annotation. It happens once, at create (pure): a claim
// created while there is no default stays without one (upstream's
// retroactive assignment is a controller's job, not the API server's).

import type { KubeObject, PersistentVolume, PersistentVolumeClaim, StorageClass } from './types.js';
import { newestDefault } from './default-class.js';

export const DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
/** what marked the default class before the GA annotation; upstream still honours it */
export const BETA_DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';
/** the deprecated way a claim or volume named its class; where set it wins over spec.storageClassName */
export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/** storageutil.IsDefaultAnnotation: either annotation, set to exactly "true". */
export function isDefaultStorageClass(sc: StorageClass): boolean {
  const a = sc.metadata.annotations;
  return a?.[DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true' || a?.[BETA_DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true';
}

/** The default class: with several, the newest (then by name), as upstream's GetDefaultClass. */
export function defaultStorageClass(classes: readonly StorageClass[]): StorageClass | undefined {
  return newestDefault(classes, isDefaultStorageClass);
}

function betaClass(obj: KubeObject): string | undefined {
  return obj.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
}

/** GetPersistentVolumeClaimClass: the class a claim asks for; "" for none (absent and "" alike). */
export function claimStorageClass(pvc: PersistentVolumeClaim): string {
  return betaClass(pvc) ?? pvc.spec?.storageClassName ?? '';
}

/** GetPersistentVolumeClass: the class a volume belongs to; "" for none. */
export function volumeStorageClass(pv: PersistentVolume): string {
  return betaClass(pv) ?? pv.spec?.storageClassName ?? '';
}

/** PersistentVolumeClaimHasClass: the claim chose a class, "" included. */
export function claimHasClass(pvc: PersistentVolumeClaim): boolean {
  const name = pvc.spec?.storageClassName;
  return betaClass(pvc) !== undefined || (name !== undefined && name !== null);
}

/** Sets spec.storageClassName on a claim being created without a class; true when it did. */
export function admitStorageClass(pvc: PersistentVolumeClaim, classes: readonly StorageClass[]): boolean {
  const spec: unknown = pvc.spec ?? {};
  // garbage is left for validation to report
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec) || claimHasClass(pvc)) return false;
  const chosen = defaultStorageClass(classes);
  if (!chosen?.metadata.name) return false;
  pvc.spec = { ...(pvc.spec ?? {}), storageClassName: chosen.metadata.name };
  return true;
}
