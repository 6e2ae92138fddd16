// Pod volumes, the container mounts that name them, and the downward API
// selectors that volumes and env vars share (k8s pkg/apis/core/validation
// ValidateVolumes, validateVolumeSource, ValidateVolumeMounts,
// validateObjectFieldSelector, validateContainerResourceFieldSelector).
//
// Field paths are upstream's, odd ones included, because users compare them
// with what kubectl prints: a downward API file's errors name its source
// (`downwardAPI.path`, no item index), a projected token's path is
// `projected.path`, a mount's subPath and propagation errors name the list
// (`volumeMounts.subPath`), and the "more than 1 volume type" error spells
// two sources `downwarAPI` and `cephFS`.

import { splitSubscript } from '../field-path.js';
import { field, type FieldError } from '../../errors.js';
import { DECIMAL_EXPONENT } from '../quantity.js';
import { NOT_OBJECT, get, isObj, isSet, optBool, optInt, optList, optObj, optString, type Obj } from './fields.js';
import { isDNS1123Label, isQualifiedName } from './names.js';

export const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';
const MAX_FILE_MODE = 0o777;
const MIN_TOKEN_SECONDS = 10 * 60;
const MAX_TOKEN_SECONDS = 2 ** 32;
// Lists as sets.List prints them in NotSupported errors: sorted.
const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
const MOUNT_PROPAGATIONS = ['Bidirectional', 'HostToContainer', 'None'];
const RECURSIVE_READ_ONLY_MODES = ['Disabled', 'Enabled', 'IfPossible'];
/** Downward API fields a volume file may hold (validVolumeDownwardAPIFieldPathExpressions). */
const VOLUME_FIELD_PATHS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];
/** Every field label the v1 downward API converts; anything else fails before the allow-list is consulted. */
const CONVERTIBLE_FIELD_LABELS = [
  'metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName',
  'spec.restartPolicy', 'spec.serviceAccountName', 'spec.schedulerName', 'status.phase', 'status.hostIP', 'status.hostIPs',
  'status.podIP', 'status.podIPs',
];
const CONTAINER_RESOURCES = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];
const HUGEPAGES_RESOURCE_PREFIXES = ['limits.hugepages-', 'requests.hugepages-'];
const CPU_DIVISORS = ['1m', '1'];
const BYTE_DIVISORS = ['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei'];
// resource.ErrFormatWrong: upstream fails to decode such a body; podnet reports the field.
export const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

export type SourceCheck = (source: Obj, path: string, errs: FieldError[]) => void;

/**
 * One member of a volume source union: its key, its check (none: counted but
 * not looked into), its spelling in upstream's "more than 1" error where that
 * differs, and whether upstream skips that error for it (a PersistentVolume's
 * flexVolume is counted and checked even after another source).
 */
export type SourceEntry = readonly [key: string, check?: SourceCheck, spelledInError?: string, neverForbidden?: boolean];

// ---- paths and modes ----

/** validatePathNoBacksteps: no `..` element; one error however many there are. */
export function noBacksteps(p: string, path: string, errs: FieldError[]): void {
  if (p.split('/').includes('..')) errs.push(field.invalid(path, p, "must not contain '..'"));
}

/** validateLocalDescendingPath: relative, without `..` elements. */
function localDescendingPath(p: string, path: string, errs: FieldError[]): void {
  if (p.startsWith('/')) errs.push(field.invalid(path, p, 'must be a relative path'));
  noBacksteps(p, path, errs);
}

/**
 * ValidateLocalNonReservedPath: also no leading `..` (the volume writer keeps
 * its own `..data` link and timestamped `..2024_…` directories there).
 */
function localNonReservedPath(p: string, path: string, errs: FieldError[]): void {
  localDescendingPath(p, path, errs);
  if (p.startsWith('..') && !p.startsWith('../')) errs.push(field.invalid(path, p, "must not start with '..'"));
}

function fileMode(o: Obj, key: string, path: string, errs: FieldError[]): void {
  const mode = optInt(o, key, `${path}.${key}`, errs);
  if (mode !== undefined && (mode < 0 || mode > MAX_FILE_MODE)) errs.push(field.invalid(`${path}.${key}`, mode, FILE_MODE_ERROR));
}

// ---- quantities ----

const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const QUANTITY_SYNTAX = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d{1,3})?$/;

/**
 * A quantity as resource.Quantity's String() prints it: binary amounts of
 * 1024 or more keep their largest whole binary suffix ("1024Ki" → "1Mi"),
 * everything else gets a mantissa and a power of 1000 ("1000m" → "1",
 * "0.5" → "500m", "1e3" → "1e3"). Undefined when it is not a quantity.
 */
export function canonicalQuantity(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const m = QUANTITY_SYNTAX.exec(String(value));
  if (!m || (!m[2] && !m[3])) return undefined;
  const [, sign, whole = '', fraction = '', suffix = ''] = m;
  let mantissa = BigInt(`${whole}${fraction}` || '0');
  let exponent = -fraction.length; // value = mantissa × 10^exponent
  if (mantissa === 0n) return '0';
  const minus = sign === '-' ? '-' : '';
  const binaryPower = BINARY_SUFFIXES.indexOf(suffix);
  const exponentForm = binaryPower <= 0 && !(suffix in DECIMAL_EXPONENT); // "1e3", not "1E" (exa)
  if (binaryPower > 0) {
    mantissa *= 1024n ** BigInt(binaryPower);
    const scale = 10n ** BigInt(-exponent);
    if (mantissa % scale === 0n && mantissa / scale >= 1024n) {
      let whole1024 = mantissa / scale;
      let power = 0;
      while (power < BINARY_SUFFIXES.length - 1 && whole1024 % 1024n === 0n) { whole1024 /= 1024n; power++; }
      return `${minus}${whole1024}${BINARY_SUFFIXES[power]}`;
    }
  } else {
    exponent += exponentForm ? Number(suffix.slice(1)) : DECIMAL_EXPONENT[suffix]!;
  }
  while (mantissa % 10n === 0n) { mantissa /= 10n; exponent++; }
  const spare = ((exponent % 3) + 3) % 3; // exponents are kept at multiples of 3
  mantissa *= 10n ** BigInt(spare);
  exponent -= spare;
  const si = exponentForm ? undefined : Object.keys(DECIMAL_EXPONENT).find((s) => DECIMAL_EXPONENT[s] === exponent);
  return `${minus}${mantissa}${si ?? (exponent === 0 ? '' : `e${exponent}`)}`;
}

// ---- downward API selectors (volumes and env vars) ----

/** ConvertDownwardAPIFieldLabel: the internal field path, or why there is none. */
function convertFieldLabel(apiVersion: string, label: string): { path: string } | { error: string } {
  if (apiVersion !== 'v1') return { error: `unsupported pod version: ${apiVersion}` };
  const subscripted = splitSubscript(label);
  if (subscripted) {
    const [base] = subscripted;
    return base === 'metadata.annotations' || base === 'metadata.labels' ? { path: label } : { error: `field label does not support subscript: ${label}` };
  }
  if (label === 'spec.host') return { path: 'spec.nodeName' }; // what old v1 clients send
  return CONVERTIBLE_FIELD_LABELS.includes(label) ? { path: label } : { error: `field label not supported: ${label}` };
}

/**
 * validateObjectFieldSelector: `fieldPath` converts and is one of `allowed`
 * (sorted), or is a label or annotation subscript with a qualified key.
 * An absent apiVersion counts as v1: upstream's defaulting sets it before
 * validation, and podnet's defaults.ts does so only for env vars.
 */
export function validateObjectFieldSelector(ref: Obj, allowed: readonly string[], path: string, errs: FieldError[]): void {
  const apiVersion = optString(ref, 'apiVersion', `${path}.apiVersion`, errs) || 'v1';
  const fieldPath = optString(ref, 'fieldPath', `${path}.fieldPath`, errs);
  if (!fieldPath) { errs.push(field.required(`${path}.fieldPath`)); return; }
  const converted = convertFieldLabel(apiVersion, fieldPath);
  if ('error' in converted) {
    errs.push(field.invalid(`${path}.fieldPath`, fieldPath, `error converting fieldPath: ${converted.error}`));
    return;
  }
  const subscripted = splitSubscript(converted.path);
  if (subscripted) {
    const [base, key] = subscripted;
    // annotation keys are matched case-insensitively, label keys are not
    const checked = base === 'metadata.annotations' ? key.toLowerCase() : key;
    for (const m of isQualifiedName(checked)) errs.push(field.invalid(path, checked, m));
  } else if (!allowed.includes(converted.path)) {
    errs.push(field.notSupported(`${path}.fieldPath`, converted.path, [...allowed]));
  }
}

/** The divisors a resource may be expressed in, and upstream's complaint otherwise. */
function divisorRule(resource: string): { allowed: string[]; message: string } | undefined {
  const bytes = (what: string) => ({ allowed: BYTE_DIVISORS, message: `only divisor's values ${BYTE_DIVISORS.join(', ')} are supported with the ${what} resource` });
  switch (resource) {
    case 'limits.cpu': case 'requests.cpu': return { allowed: CPU_DIVISORS, message: "only divisor's values 1m and 1 are supported with the cpu resource" };
    case 'limits.memory': case 'requests.memory': return bytes('memory');
    case 'limits.ephemeral-storage': case 'requests.ephemeral-storage': return bytes('local ephemeral storage');
    default: return HUGEPAGES_RESOURCE_PREFIXES.some((p) => resource.startsWith(p)) ? bytes('hugepages') : undefined;
  }
}

/**
 * validateContainerResourceFieldSelector: a known container resource and a
 * divisor that suits it. A volume file must name its container; an env var
 * defaults to its own.
 */
export function validateResourceFieldSelector(ref: Obj, path: string, inVolume: boolean, errs: FieldError[]): void {
  const containerName = optString(ref, 'containerName', `${path}.containerName`, errs);
  const resource = optString(ref, 'resource', `${path}.resource`, errs) ?? '';
  if (inVolume && !containerName) errs.push(field.required(`${path}.containerName`));
  else if (!resource) errs.push(field.required(`${path}.resource`));
  else if (!CONTAINER_RESOURCES.includes(resource) && !HUGEPAGES_RESOURCE_PREFIXES.some((p) => resource.startsWith(p))) {
    errs.push(field.notSupported(`${path}.resource`, resource, CONTAINER_RESOURCES));
  }
  const divisor = get(ref, 'divisor');
  if (!isSet(divisor)) return;
  const canonical = canonicalQuantity(divisor);
  if (canonical === undefined) { errs.push(field.invalid(`${path}.divisor`, divisor, QUANTITY_FORMAT_ERROR)); return; }
  const rule = divisorRule(resource);
  // a zero divisor is upstream's "unset" (the kubelet divides by 1)
  if (canonical !== '0' && rule && !rule.allowed.includes(canonical)) errs.push(field.invalid(`${path}.divisor`, resource, rule.message));
}

// ---- volume sources ----

/** validateKeyToPath; returns the item's path, which projected volumes check for clashes. */
function validateKeyToPath(item: unknown, path: string, errs: FieldError[]): string {
  if (!isObj(item)) { errs.push(field.invalid(path, item, NOT_OBJECT)); return ''; }
  if (!optString(item, 'key', `${path}.key`, errs)) errs.push(field.required(`${path}.key`));
  const p = optString(item, 'path', `${path}.path`, errs) ?? '';
  if (!p) errs.push(field.required(`${path}.path`));
  localNonReservedPath(p, `${path}.path`, errs);
  fileMode(item, 'mode', path, errs);
  return p;
}

/** ConfigMap and Secret volumes: the object's name (under `nameKey`), a default mode, and keys as files. */
function objectFilesCheck(nameKey: 'name' | 'secretName'): SourceCheck {
  return (source, path, errs) => {
    if (!optString(source, nameKey, `${path}.${nameKey}`, errs)) errs.push(field.required(`${path}.${nameKey}`));
    fileMode(source, 'defaultMode', path, errs);
    (optList(source, 'items', `${path}.items`, errs) ?? []).forEach((item, i) => validateKeyToPath(item, `${path}.items[${i}]`, errs));
    optBool(source, 'optional', `${path}.optional`, errs);
  };
}

/** validateDownwardAPIVolumeFile, with errors under the source's path as upstream reports them; returns the file's path. */
function validateDownwardAPIFile(item: unknown, path: string, errs: FieldError[]): string {
  if (!isObj(item)) { errs.push(field.invalid(`${path}.items`, item, NOT_OBJECT)); return ''; }
  const p = optString(item, 'path', `${path}.path`, errs) ?? '';
  if (!p) errs.push(field.required(`${path}.path`));
  localNonReservedPath(p, `${path}.path`, errs);
  const fieldRef = optObj(item, 'fieldRef', `${path}.fieldRef`, errs);
  const resourceFieldRef = optObj(item, 'resourceFieldRef', `${path}.resourceFieldRef`, errs);
  if (fieldRef) {
    validateObjectFieldSelector(fieldRef, VOLUME_FIELD_PATHS, `${path}.fieldRef`, errs);
    if (resourceFieldRef) errs.push(field.invalid(path, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
  } else if (resourceFieldRef) {
    validateResourceFieldSelector(resourceFieldRef, `${path}.resourceFieldRef`, true, errs);
  } else {
    errs.push(field.required(path, 'one of fieldRef and resourceFieldRef is required'));
  }
  fileMode(item, 'mode', path, errs);
  return p;
}

const validateDownwardAPISource: SourceCheck = (source, path, errs) => {
  fileMode(source, 'defaultMode', path, errs);
  for (const item of optList(source, 'items', `${path}.items`, errs) ?? []) validateDownwardAPIFile(item, path, errs);
};

/** validateProjectionSources: one kind per source; no file path written twice (the token's path is not counted). */
const validateProjectedSource: SourceCheck = (source, path, errs) => {
  fileMode(source, 'defaultMode', path, errs);
  const written = new Set<string>();
  const claim = (filePath: string, shown: unknown) => {
    if (!filePath) return;
    if (written.has(filePath)) errs.push(field.invalid(path, shown, 'conflicting duplicate paths'));
    else written.add(filePath);
  };
  (optList(source, 'sources', `${path}.sources`, errs) ?? []).forEach((s, i) => {
    const at = `${path}.sources[${i}]`;
    if (!isObj(s)) { errs.push(field.invalid(at, s, NOT_OBJECT)); return; }
    let kinds = 0;
    for (const kind of ['secret', 'configMap'] as const) {
      const ref = optObj(s, kind, `${at}.${kind}`, errs);
      if (!ref) continue;
      kinds++;
      const name = optString(ref, 'name', `${at}.${kind}.name`, errs) ?? '';
      if (!name) errs.push(field.required(`${at}.${kind}.name`));
      (optList(ref, 'items', `${at}.${kind}.items`, errs) ?? []).forEach((item, j) => claim(validateKeyToPath(item, `${at}.${kind}.items[${j}]`, errs), name));
    }
    const downwardAPI = optObj(s, 'downwardAPI', `${at}.downwardAPI`, errs);
    if (downwardAPI) {
      kinds++;
      for (const item of optList(downwardAPI, 'items', `${at}.downwardAPI.items`, errs) ?? []) {
        const filePath = validateDownwardAPIFile(item, `${at}.downwardAPI`, errs);
        claim(filePath, filePath);
      }
    }
    const token = optObj(s, 'serviceAccountToken', `${at}.serviceAccountToken`, errs);
    if (token) {
      kinds++;
      // Upstream defaults an absent expirationSeconds to 3600; podnet leaves it absent.
      const seconds = optInt(token, 'expirationSeconds', `${at}.serviceAccountToken.expirationSeconds`, errs);
      if (seconds !== undefined && seconds < MIN_TOKEN_SECONDS) errs.push(field.invalid(`${at}.serviceAccountToken.expirationSeconds`, seconds, 'may not specify a duration less than 10 minutes'));
      if (seconds !== undefined && seconds > MAX_TOKEN_SECONDS) errs.push(field.invalid(`${at}.serviceAccountToken.expirationSeconds`, seconds, 'may not specify a duration larger than 2^32 seconds'));
      optString(token, 'audience', `${at}.serviceAccountToken.audience`, errs);
      const tokenPath = optString(token, 'path', `${at}.serviceAccountToken.path`, errs);
      if (!tokenPath) errs.push(field.required(`${path}.path`));
      else localNonReservedPath(tokenPath, `${path}.path`, errs);
    }
    if (isSet(s.clusterTrustBundle)) kinds++; // counted, not looked into: podnet has no ClusterTrustBundles
    if (kinds > 1) errs.push(field.forbidden(at, 'may not specify more than 1 volume type per source'));
  });
};

/** validateHostPathVolumeSource, for pod volumes and PersistentVolumes alike. */
export const validateHostPathSource: SourceCheck = (source, path, errs) => {
  const hostPath = optString(source, 'path', `${path}.path`, errs);
  if (!hostPath) { errs.push(field.required(`${path}.path`)); return; }
  noBacksteps(hostPath, `${path}.path`, errs);
  const type = optString(source, 'type', `${path}.type`, errs);
  if (type !== undefined && !HOST_PATH_TYPES.includes(type)) errs.push(field.notSupported(`${path}.type`, type, HOST_PATH_TYPES));
};

/** Upstream checks only the size here; an unknown medium fails later, on the node. */
const validateEmptyDirSource: SourceCheck = (source, path, errs) => {
  optString(source, 'medium', `${path}.medium`, errs);
  const sizeLimit = get(source, 'sizeLimit');
  if (!isSet(sizeLimit)) return;
  const canonical = canonicalQuantity(sizeLimit);
  if (canonical === undefined) errs.push(field.invalid(`${path}.sizeLimit`, sizeLimit, QUANTITY_FORMAT_ERROR));
  else if (canonical.startsWith('-')) errs.push(field.forbidden(`${path}.sizeLimit`, 'SizeLimit field must be a valid resource quantity'));
};

/** validatePersistentClaimVolumeSource: a claim must be named. */
const validateClaimSource: SourceCheck = (source, path, errs) => {
  if (!optString(source, 'claimName', `${path}.claimName`, errs)) errs.push(field.required(`${path}.claimName`));
  optBool(source, 'readOnly', `${path}.readOnly`, errs);
};

/**
 * Every VolumeSource member in upstream's order, with its check and, where
 * upstream's "more than 1" error spells it differently, that spelling. The
 * sources podnet has nothing behind are counted but not looked into.
 */
const VOLUME_SOURCES: readonly SourceEntry[] = [
  ['emptyDir', validateEmptyDirSource], ['hostPath', validateHostPathSource], ['gitRepo'], ['gcePersistentDisk'],
  ['awsElasticBlockStore'], ['secret', objectFilesCheck('secretName')], ['nfs'], ['iscsi'], ['glusterfs'], ['flocker'],
  ['persistentVolumeClaim', validateClaimSource], ['rbd'], ['cinder'], ['cephfs', undefined, 'cephFS'], ['quobyte'],
  ['downwardAPI', validateDownwardAPISource, 'downwarAPI'], ['fc'], ['flexVolume'], ['configMap', objectFilesCheck('name')],
  ['azureFile'], ['vsphereVolume'], ['photonPersistentDisk'], ['portworxVolume'], ['azureDisk'], ['storageos'],
  ['projected', validateProjectedSource], ['scaleIO'], ['csi'], ['ephemeral'], ['image'],
];

/**
 * Exactly one of `sources` set in `holder` (a pod volume, a PersistentVolume's
 * spec): the first is checked, each further one is Forbidden, none at all is
 * Required.
 */
export function validateOneSource(holder: Obj, sources: readonly SourceEntry[], path: string, errs: FieldError[]): void {
  let first: string | undefined;
  for (const [key, check, spelledInError = key, neverForbidden = false] of sources) {
    if (!isSet(holder[key])) continue;
    if (first !== undefined && !neverForbidden) { errs.push(field.forbidden(`${path}.${spelledInError}`, 'may not specify more than 1 volume type')); continue; }
    first ??= key;
    const source = optObj(holder, key, `${path}.${key}`, errs);
    if (source && check) check(source, `${path}.${key}`, errs);
  }
  if (first === undefined) errs.push(field.required(path, 'must specify a volume type'));
}

/**
 * ValidateVolumes (`path` is `spec.volumes`). Returns the names of the
 * volumes without errors: the ones a mount may name, as upstream's map of
 * valid volumes (so a mount of a broken volume is also "Not found").
 */
export function validateVolumes(volumes: unknown[] | undefined, path: string, errs: FieldError[]): Set<string> {
  const valid = new Set<string>();
  (volumes ?? []).forEach((volume, i) => {
    const at = `${path}[${i}]`;
    if (!isObj(volume)) { errs.push(field.invalid(at, volume, NOT_OBJECT)); return; }
    const own: FieldError[] = [];
    validateOneSource(volume, VOLUME_SOURCES, at, own);
    const name = optString(volume, 'name', `${at}.name`, own) ?? '';
    if (!name) own.push(field.required(`${at}.name`));
    else for (const m of isDNS1123Label(name)) own.push(field.invalid(`${at}.name`, name, m));
    if (valid.has(name)) own.push(field.duplicate(`${at}.name`, name));
    if (own.length === 0) valid.add(name);
    else errs.push(...own);
  });
  return valid;
}

// ---- mounts ----

/**
 * ValidateVolumeMounts for one container (`path` is its `volumeMounts`):
 * each mount names a valid volume of the pod, at a mount point unique in the
 * container, with a relative subPath or subPathExpr (not both).
 * Bidirectional propagation needs a privileged container.
 */
export function validateVolumeMounts(container: Obj, volumes: ReadonlySet<string>, path: string, errs: FieldError[]): void {
  const privileged = get(get(container, 'securityContext'), 'privileged') === true;
  const mountPoints = new Set<string>();
  (optList(container, 'volumeMounts', path, errs) ?? []).forEach((mount, i) => {
    const at = `${path}[${i}]`;
    if (!isObj(mount)) { errs.push(field.invalid(at, mount, NOT_OBJECT)); return; }
    const name = optString(mount, 'name', `${at}.name`, errs) ?? '';
    if (!name) errs.push(field.required(`${at}.name`));
    if (!volumes.has(name)) errs.push(field.notFound(`${at}.name`, name));
    const mountPath = optString(mount, 'mountPath', `${at}.mountPath`, errs) ?? '';
    if (!mountPath) errs.push(field.required(`${at}.mountPath`));
    if (mountPoints.has(mountPath)) errs.push(field.invalid(`${at}.mountPath`, mountPath, 'must be unique'));
    mountPoints.add(mountPath);
    const subPath = optString(mount, 'subPath', `${at}.subPath`, errs) ?? '';
    if (subPath) localDescendingPath(subPath, `${path}.subPath`, errs);
    const subPathExpr = optString(mount, 'subPathExpr', `${at}.subPathExpr`, errs) ?? '';
    if (subPathExpr) {
      if (subPath) errs.push(field.invalid(`${at}.subPathExpr`, subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      localDescendingPath(subPathExpr, `${path}.subPathExpr`, errs);
    }
    const readOnly = optBool(mount, 'readOnly', `${at}.readOnly`, errs) === true;
    const propagation = optString(mount, 'mountPropagation', `${at}.mountPropagation`, errs);
    if (propagation !== undefined) {
      if (!MOUNT_PROPAGATIONS.includes(propagation)) errs.push(field.notSupported(`${path}.mountPropagation`, propagation, MOUNT_PROPAGATIONS));
      if (propagation === 'Bidirectional' && !privileged) {
        errs.push(field.forbidden(`${path}.mountPropagation`, 'Bidirectional mount propagation is available only to privileged containers'));
      }
    }
    // validateMountRecursiveReadOnly
    const recursiveReadOnly = optString(mount, 'recursiveReadOnly', `${at}.recursiveReadOnly`, errs);
    if (recursiveReadOnly === 'Enabled' || recursiveReadOnly === 'IfPossible') {
      if (!readOnly) errs.push(field.forbidden(`${path}.recursiveReadOnly`, 'may only be specified when readOnly is true'));
      if (propagation !== undefined && propagation !== 'None') {
        errs.push(field.forbidden(`${path}.recursiveReadOnly`, 'may only be specified when mountPropagation is None or not specified'));
      }
    } else if (recursiveReadOnly !== undefined && recursiveReadOnly !== 'Disabled') {
      errs.push(field.notSupported(`${path}.recursiveReadOnly`, recursiveReadOnly, RECURSIVE_READ_ONLY_MODES));
    }
  });
}
