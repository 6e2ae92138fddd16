// PersistentVolumeClaim, PersistentVolume and StorageClass validation (k8s
// pkg/apis/core/validation ValidatePersistentVolumeClaim, ValidatePersistentVolume
// and their updates; pkg/apis/storage/validation ValidateStorageClass and its
// update), as v1.31 runs them with its default feature gates: the
// VolumeAttributesClass gate is off, so that field never reaches validation
// (the API server drops it, src/apiserver/strategies.ts).
//
// Field paths are upstream's, odd ones included, because users compare them
// with what kubectl prints: a claim's storage request is checked at
// `spec.resources[storage]` (no `.requests`), and an update's immutable
// volumeMode and volume nodeAffinity are reported without `spec.`. A bad
// quantity, which upstream refuses while decoding, is reported at the field
// that holds it.

import { field, type FieldError } from '../../errors.js';
import { quantityMilliValue, quantityValue } from '../quantity.js';
import { validateLabelSelector } from '../labels.js';
import { BETA_STORAGE_CLASS_ANNOTATION } from '../default-storage-class.js';
import { jsonClone } from '../json-clone.js';
import {
  IMMUTABLE, deepEqual, get, goQuote, invalidGo, isObj, isSet, notSupportedGo, optBool, optObj, optString, optStringList,
  optStringMap, tooLong, type Obj,
} from './fields.js';
import { isQualifiedName, nameIsDNSSubdomain } from './names.js';
import { validateNodeSelector } from './scheduling.js';
import {
  QUANTITY_FORMAT_ERROR, canonicalQuantity, noBacksteps, validateHostPathSource, validateOneSource, type SourceCheck, type SourceEntry,
} from './volumes.js';

// Lists as sets.List prints them in NotSupported errors: sorted.
const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const READ_WRITE_ONCE_POD = 'ReadWriteOncePod';
const VOLUME_RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const CLASS_RECLAIM_POLICIES = ['Delete', 'Retain'];
const VOLUME_MODES = ['Block', 'Filesystem'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
const STORAGE = 'storage';
const NOT_POSITIVE = 'must be greater than zero';
const MAX_PARAMETERS = 512; // maxProvisionerParameterLen
const MAX_PARAMETERS_SIZE = 256 * 1024; // maxProvisionerParameterSize, keys and values together
const CLAIM_SPEC_IMMUTABLE = 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims';
const VOLUME_SOURCE_IMMUTABLE = 'spec.persistentvolumesource is immutable after creation';

// ---- shared ----

/** A spec's access modes, with Required when there are none. */
function requireAccessModes(spec: Obj, detail: string, errs: FieldError[]): string[] {
  const modes = optStringList(spec, 'accessModes', 'spec.accessModes', errs) ?? [];
  if (modes.length === 0) errs.push(field.required('spec.accessModes', detail));
  return modes;
}

/** Known modes, and ReadWriteOncePod alone (it means one pod, which no other mode can promise). */
function validateAccessModes(modes: readonly string[], errs: FieldError[]): void {
  let once = false;
  let other = false;
  for (const mode of modes) {
    if (!ACCESS_MODES.includes(mode)) errs.push(field.notSupported('spec.accessModes', mode, ACCESS_MODES));
    else if (mode === READ_WRITE_ONCE_POD) once = true;
    else other = true;
  }
  if (once && other) errs.push(field.forbidden('spec.accessModes', 'may not use ReadWriteOncePod with other access modes'));
}

/** A quantity as upstream's String() prints it; undefined (and a field error) when it is no quantity. */
export function quantityAt(value: unknown, path: string, errs: FieldError[]): string | undefined {
  const canonical = canonicalQuantity(value);
  if (canonical === undefined) errs.push(field.invalid(path, value, QUANTITY_FORMAT_ERROR));
  return canonical;
}

/** ValidatePositiveQuantityValue: the value printed as the quantity it is. */
function positiveQuantity(canonical: string, path: string, errs: FieldError[]): void {
  if (canonical === '0' || canonical.startsWith('-')) errs.push(field.invalid(path, canonical, NOT_POSITIVE));
}

/** Every value of a resource list (requests, limits) must at least be a quantity. */
function resourceList(holder: unknown, key: string, path: string, errs: FieldError[]): Obj | undefined {
  const list = optObj(holder, key, path, errs);
  for (const [name, value] of Object.entries(list ?? {})) quantityAt(value, `${path}[${name}]`, errs);
  return list;
}

function validateClassName(spec: Obj, errs: FieldError[]): void {
  const name = optString(spec, 'storageClassName', 'spec.storageClassName', errs);
  if (name) for (const m of nameIsDNSSubdomain(name, false)) errs.push(field.invalid('spec.storageClassName', name, m));
}

function validateVolumeMode(spec: Obj, errs: FieldError[]): void {
  const mode = optString(spec, 'volumeMode', 'spec.volumeMode', errs);
  if (mode !== undefined && !VOLUME_MODES.includes(mode)) errs.push(field.notSupported('spec.volumeMode', mode, VOLUME_MODES));
}

/** ValidateImmutableField, at upstream's path (which for these fields has no `spec.`). */
function immutable(value: unknown, old: unknown, path: string): FieldError[] {
  return deepEqual(value, old) ? [] : [field.invalid(path, value ?? null, IMMUTABLE)];
}

const specOf = (o: Obj): Obj => (isObj(o.spec) ? o.spec : {});

// ---- PersistentVolumeClaim ----

export function validatePersistentVolumeClaim(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = optObj(obj, 'spec', 'spec', errs) ?? {};
  const modes = requireAccessModes(spec, 'at least 1 access mode is required', errs);
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  validateAccessModes(modes, errs);
  const resources = optObj(spec, 'resources', 'spec.resources', errs);
  const requests = resourceList(resources, 'requests', 'spec.resources.requests', errs);
  resourceList(resources, 'limits', 'spec.resources.limits', errs);
  const storagePath = `spec.resources[${STORAGE}]`;
  if (!requests || !isSet(requests[STORAGE])) {
    errs.push(field.required(storagePath));
  } else {
    const storage = canonicalQuantity(requests[STORAGE]);
    if (storage !== undefined) positiveQuantity(storage, storagePath, errs);
  }
  validateClassName(spec, errs);
  validateVolumeMode(spec, errs);
  optString(spec, 'volumeName', 'spec.volumeName', errs);
  return errs;
}

/** A claim's spec as Semantic.DeepEqual compares it: empty lists and maps as absent, quantities by value. */
function comparableClaimSpec(spec: unknown): Obj {
  const copy: Obj = isObj(spec) ? jsonClone(spec) : {};
  if (copy.volumeName === '') delete copy.volumeName;
  if (Array.isArray(copy.accessModes) && copy.accessModes.length === 0) delete copy.accessModes;
  const resources = copy.resources;
  if (isObj(resources)) {
    for (const key of ['requests', 'limits']) {
      const list = resources[key];
      if (!isObj(list)) continue;
      if (Object.keys(list).length === 0) delete resources[key];
      else for (const [name, value] of Object.entries(list)) list[name] = canonicalQuantity(value) ?? value;
    }
  }
  return copy;
}

function annotation(o: Obj, key: string): string | undefined {
  const value = get(get(o.metadata, 'annotations'), key);
  return typeof value === 'string' ? value : undefined;
}

/**
 * validateStorageClassUpgradeFromAnnotation: a claim that named its class in
 * the beta annotation may move the same name into spec.storageClassName.
 */
function classMovedFromAnnotation(obj: Obj, old: Obj, oldClass: unknown, newClass: unknown): boolean {
  const oldAnnotation = annotation(old, BETA_STORAGE_CLASS_ANNOTATION);
  const newAnnotation = annotation(obj, BETA_STORAGE_CLASS_ANNOTATION);
  return oldAnnotation !== undefined && !isSet(oldClass) && newClass === oldAnnotation
    && (newAnnotation === undefined || newAnnotation === oldAnnotation);
}

/**
 * validateStorageClassUpgradeFromNil: a claim created without a class (none
 * was the default then) may be given one, once, unless its beta annotation
 * names another.
 */
function classSetFromNil(old: Obj, oldClass: unknown, newClass: unknown): boolean {
  const oldAnnotation = annotation(old, BETA_STORAGE_CLASS_ANNOTATION);
  return isSet(newClass) && !isSet(oldClass) && (oldAnnotation === undefined || newClass === oldAnnotation);
}

function storageRequest(o: Obj): string | undefined {
  const value = get(get(specOf(o).resources, 'requests'), STORAGE);
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/**
 * ValidatePersistentVolumeClaimUpdate: a claim's spec is fixed once created,
 * but for what binding and resizing change: volumeName may be set once (the
 * binder does), a class may be given to a claim without one, and a bound
 * claim's storage request may grow.
 */
export function validatePersistentVolumeClaimUpdate(obj: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = comparableClaimSpec(obj.spec);
  const oldSpec = comparableClaimSpec(old.spec);
  if (!oldSpec.volumeName) oldSpec.volumeName = spec.volumeName;
  const newClass = specOf(obj).storageClassName;
  const oldClass = specOf(old).storageClassName;
  if (classMovedFromAnnotation(obj, old, oldClass, newClass)) {
    delete spec.storageClassName;
  } else {
    const value = annotation(obj, BETA_STORAGE_CLASS_ANNOTATION) ?? '';
    if (value !== (annotation(old, BETA_STORAGE_CLASS_ANNOTATION) ?? '')) {
      errs.push(field.invalid(`metadata.annotations.${BETA_STORAGE_CLASS_ANNOTATION}`, value, IMMUTABLE));
    }
    if (classSetFromNil(old, oldClass, newClass)) delete spec.storageClassName;
  }
  // the status is the stored one (the update strategy keeps it): only a bound claim resizes
  const requests = get(spec.resources, 'requests');
  if (get(obj.status, 'phase') === 'Bound' && isObj(requests)) {
    const oldStorage = get(get(oldSpec.resources, 'requests'), STORAGE);
    if (oldStorage === undefined) delete requests[STORAGE];
    else requests[STORAGE] = oldStorage;
  }
  delete spec.volumeAttributesClassName;
  delete oldSpec.volumeAttributesClassName;
  if (!deepEqual(spec, oldSpec)) errs.push(field.forbidden('spec', CLAIM_SPEC_IMMUTABLE));
  const newSize = quantityMilliValue(storageRequest(obj) ?? '0');
  const oldSize = quantityMilliValue(storageRequest(old) ?? '0');
  if (newSize !== undefined && oldSize !== undefined && newSize < oldSize) {
    errs.push(field.forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  }
  errs.push(...immutable(specOf(obj).volumeMode, specOf(old).volumeMode, 'volumeMode'));
  return errs;
}

// ---- PersistentVolume ----

/** validateLocalVolumeSource: a path without `..` elements. */
const validateLocalSource: SourceCheck = (source, path, errs) => {
  const local = optString(source, 'path', `${path}.path`, errs);
  if (!local) errs.push(field.required(`${path}.path`));
  else noBacksteps(local, `${path}.path`, errs);
};

/**
 * Every PersistentVolumeSource member in upstream's order. podnet looks into
 * the two it can serve; the others are stored and counted. flexVolume is
 * counted even after another source, without the "more than 1" error, as
 * upstream does.
 */
const VOLUME_SOURCES: readonly SourceEntry[] = [
  ['hostPath', validateHostPathSource], ['gcePersistentDisk'], ['awsElasticBlockStore'], ['glusterfs'], ['flocker'], ['nfs'],
  ['rbd'], ['quobyte'], ['cephfs', undefined, 'cephFS'], ['iscsi'], ['cinder'], ['fc'], ['flexVolume', undefined, undefined, true],
  ['azureFile'], ['vsphereVolume'], ['photonPersistentDisk'], ['portworxVolume'], ['azureDisk'], ['scaleIO'], ['local', validateLocalSource],
  ['storageos'], ['csi'],
];

/** Go's path.Clean(p) == "/": the whole machine. */
function isRoot(p: string): boolean {
  return p.startsWith('/') && p.split('/').reduce<string[]>((dirs, part) => {
    if (part === '..') dirs.pop();
    else if (part !== '' && part !== '.') dirs.push(part);
    return dirs;
  }, []).length === 0;
}

/** ResourceList as Go's %#v starts it; the quantities are shown as their text, where Go prints their inner struct. */
function goResourceList(list: Obj | undefined): string {
  if (!list) return 'core.ResourceList(nil)';
  return `core.ResourceList{${Object.keys(list).sort().map((k) => `${goQuote(k)}:${goQuote(String(list[k]))}`).join(', ')}}`;
}

/** validateBasicResource and ValidatePositiveQuantityValue, for each capacity. */
function validateCapacity(spec: Obj, errs: FieldError[]): void {
  const capacity = optObj(spec, 'capacity', 'spec.capacity', errs);
  const names = Object.keys(capacity ?? {});
  if (names.length === 0) errs.push(field.required('spec.capacity'));
  if (!names.includes(STORAGE) || names.length > 1) errs.push(notSupportedGo('spec.capacity', goResourceList(capacity), [STORAGE]));
  for (const name of names) {
    const path = `spec.capacity[${name}]`;
    const canonical = quantityAt(capacity![name], path, errs);
    if (canonical === undefined) continue;
    const whole = quantityValue(canonical) ?? 0n;
    if (whole < 0n) errs.push(invalidGo(path, String(whole), 'must be a valid resource quantity'));
    positiveQuantity(canonical, path, errs);
  }
}

export function validatePersistentVolume(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = optObj(obj, 'spec', 'spec', errs) ?? {};
  validateAccessModes(requireAccessModes(spec, '', errs), errs);
  validateCapacity(spec, errs);
  const policy = optString(spec, 'persistentVolumeReclaimPolicy', 'spec.persistentVolumeReclaimPolicy', errs);
  if (policy && !VOLUME_RECLAIM_POLICIES.includes(policy)) {
    errs.push(field.notSupported('spec.persistentVolumeReclaimPolicy', policy, VOLUME_RECLAIM_POLICIES));
  }
  const affinity = optObj(spec, 'nodeAffinity', 'spec.nodeAffinity', errs);
  if (affinity) {
    const required = optObj(affinity, 'required', 'spec.nodeAffinity.required', errs);
    if (required) validateNodeSelector(required, 'spec.nodeAffinity.required', errs);
    else if (!isSet(affinity.required)) errs.push(field.required('spec.nodeAffinity.required', 'must specify required node constraints'));
  }
  // a local volume is on one node's disk: only its node affinity tells the scheduler which
  const sources = VOLUME_SOURCES.map((entry): SourceEntry => entry[0] !== 'local' ? entry : ['local', (source, path, sourceErrs) => {
    validateLocalSource(source, path, sourceErrs);
    if (!affinity) sourceErrs.push(field.required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }]);
  validateOneSource(spec, sources, 'spec', errs);
  const hostPath = get(spec.hostPath, 'path');
  if (typeof hostPath === 'string' && isRoot(hostPath) && policy === 'Recycle') {
    errs.push(field.forbidden('spec.persistentVolumeReclaimPolicy', "may not be 'recycle' for a hostPath mount of '/'"));
  }
  validateClassName(spec, errs);
  validateVolumeMode(spec, errs);
  optObj(spec, 'claimRef', 'spec.claimRef', errs);
  optStringList(spec, 'mountOptions', 'spec.mountOptions', errs);
  return errs;
}

/** ValidatePersistentVolumeUpdate: the volume source never changes, nor the mode, nor node affinity once set. */
export function validatePersistentVolumeUpdate(obj: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = specOf(obj);
  const oldSpec = specOf(old);
  if (VOLUME_SOURCES.some(([key]) => !deepEqual(spec[key], oldSpec[key]))) {
    errs.push(field.forbidden('spec.persistentvolumesource', VOLUME_SOURCE_IMMUTABLE));
  }
  errs.push(...immutable(spec.volumeMode, oldSpec.volumeMode, 'volumeMode'));
  if (isSet(oldSpec.nodeAffinity)) errs.push(...immutable(spec.nodeAffinity, oldSpec.nodeAffinity, 'nodeAffinity'));
  return errs;
}

// ---- StorageClass ----

/** validateParameters: at most 512 of them, no empty key, 256 KiB in all. */
function validateParameters(obj: Obj, errs: FieldError[]): void {
  const params = optStringMap(obj, 'parameters', 'parameters', errs) ?? {};
  const entries = Object.entries(params);
  if (entries.length > MAX_PARAMETERS) { errs.push(tooLong('parameters', MAX_PARAMETERS)); return; }
  let size = 0;
  for (const [k, v] of entries) {
    if (k.length < 1) errs.push(field.invalid('parameters', k, 'field can not be empty.'));
    size += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (size > MAX_PARAMETERS_SIZE) errs.push(tooLong('parameters', MAX_PARAMETERS_SIZE));
}

export function validateStorageClass(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const provisioner = optString(obj, 'provisioner', 'provisioner', errs) ?? '';
  if (!provisioner) errs.push(field.required('provisioner'));
  else {
    const lower = provisioner.toLowerCase();
    for (const m of isQualifiedName(lower)) errs.push(field.invalid('provisioner', lower, m));
  }
  validateParameters(obj, errs);
  const policy = optString(obj, 'reclaimPolicy', 'reclaimPolicy', errs);
  if (policy && !CLASS_RECLAIM_POLICIES.includes(policy)) errs.push(field.notSupported('reclaimPolicy', policy, CLASS_RECLAIM_POLICIES));
  const mode = optString(obj, 'volumeBindingMode', 'volumeBindingMode', errs);
  if (mode === undefined) { if (!isSet(obj.volumeBindingMode)) errs.push(field.required('volumeBindingMode')); }
  else if (!BINDING_MODES.includes(mode)) errs.push(field.notSupported('volumeBindingMode', mode, BINDING_MODES));
  optBool(obj, 'allowVolumeExpansion', 'allowVolumeExpansion', errs);
  optStringList(obj, 'mountOptions', 'mountOptions', errs);
  return errs;
}

/** ValidateStorageClassUpdate: what provisions volumes is fixed; expansion and mount options may change. */
export function validateStorageClassUpdate(obj: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (!deepEqual(obj.parameters, old.parameters)) errs.push(field.forbidden('parameters', 'updates to parameters are forbidden.'));
  if ((obj.provisioner ?? '') !== (old.provisioner ?? '')) errs.push(field.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if ((obj.reclaimPolicy ?? '') !== (old.reclaimPolicy ?? '')) errs.push(field.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  errs.push(...immutable(obj.volumeBindingMode, old.volumeBindingMode, 'volumeBindingMode'));
  return errs;
}
