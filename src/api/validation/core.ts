// The small core/v1 kinds: Secret, ConfigMap, ServiceAccount, Namespace, Node,
// Event (k8s pkg/apis/core/validation secrets.go, config_maps.go, nodes.go,
// events.go, and ValidateServiceAccount).

import { FOREGROUND_FINALIZER, NAMESPACE_FINALIZER, ORPHAN_FINALIZER } from '../deletion.js';
import { field, type FieldError } from '../../errors.js';
import { validateCIDR } from './ip.js';
import { validateTaints } from './scheduling.js';
import {
  IMMUTABLE, NOT_OBJECT, deepEqual, get, goStringSlice, invalidGo, isObj, optBool, optList, optObj, optString, optStringList, optStringMap, tooLong, type Obj,
} from './fields.js';
import { isConfigMapKey, isDNS1123Subdomain, isQualifiedName } from './names.js';

const MAX_SECRET_SIZE = 1024 * 1024; // core.MaxSecretSize, also the ConfigMap limit
const IMMUTABLE_WHEN_SET = 'field is immutable when `immutable` is set';
const BASE64_ALPHABET = /^[A-Za-z0-9+/]*$/;

/** The first problem Go's base64.StdEncoding would report (`illegal base64 data at input byte N`), or undefined. */
export function base64Problem(value: string): string | undefined {
  const body = value.replace(/[\r\n]/g, ''); // Go's decoder skips newlines
  const pad = body.length - body.replace(/=+$/, '').length;
  const chars = body.slice(0, body.length - pad);
  for (let i = 0; i < chars.length; i++) {
    if (!BASE64_ALPHABET.test(chars[i]!)) return `illegal base64 data at input byte ${i}`;
  }
  if (pad > 2 || body.length % 4 !== 0) {
    const at = body.length % 4 !== 0 ? body.length - (body.length % 4) + (pad ? body.length % 4 - pad : 0) : chars.length;
    return `illegal base64 data at input byte ${at}`;
  }
  return undefined;
}

function validateDataKeys(data: Record<string, string> | undefined, path: string, errs: FieldError[]): number {
  let total = 0;
  for (const [k, v] of Object.entries(data ?? {})) {
    for (const m of isConfigMapKey(k)) errs.push(field.invalid(`${path}[${k}]`, k, m));
    total += v.length;
  }
  return total;
}

export function validateSecret(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const data = optStringMap(obj, 'data', 'data', errs);
  let total = 0;
  for (const [k, v] of Object.entries(data ?? {})) {
    for (const m of isConfigMapKey(k)) errs.push(field.invalid(`data[${k}]`, k, m));
    // Upstream fails to decode such a body; the value itself is secret, so it is not echoed.
    const problem = base64Problem(v);
    if (problem) errs.push(field.invalid(`data[${k}]`, '<secret contents redacted>', problem));
    else total += Buffer.from(v, 'base64').length;
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong('data', MAX_SECRET_SIZE));
  const type = optString(obj, 'type', 'type', errs) ?? '';
  const has = (k: string) => data !== undefined && Object.prototype.hasOwnProperty.call(data, k);
  switch (type) {
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(field.required('data[tls.crt]'));
      if (!has('tls.key')) errs.push(field.required('data[tls.key]'));
      break;
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) {
        errs.push(field.required('data[username]'));
        errs.push(field.required('data[password]'));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!data?.['ssh-privatekey']) errs.push(field.required('data[ssh-privatekey]'));
      break;
    case 'kubernetes.io/dockerconfigjson':
      if (!has('.dockerconfigjson')) errs.push(field.required('data[.dockerconfigjson]'));
      break;
  }
  optBool(obj, 'immutable', 'immutable', errs);
  return errs;
}

/** Secret and ConfigMap updates: `immutable: true` freezes data; a Secret's type never changes. */
export function validateSecretUpdate(obj: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if ((obj.type ?? '') !== (old.type ?? '')) errs.push(field.invalid('type', obj.type ?? '', IMMUTABLE));
  errs.push(...validateImmutableData(obj, old, ['data']));
  return errs;
}

function validateImmutableData(obj: Obj, old: Obj, keys: string[]): FieldError[] {
  const errs: FieldError[] = [];
  if (old.immutable !== true) return errs;
  if (obj.immutable !== true) errs.push(field.forbidden('immutable', IMMUTABLE_WHEN_SET));
  for (const k of keys) if (!deepEqual(obj[k], old[k])) errs.push(field.forbidden(k, IMMUTABLE_WHEN_SET));
  return errs;
}

export function validateConfigMap(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const data = optStringMap(obj, 'data', 'data', errs);
  const binary = optStringMap(obj, 'binaryData', 'binaryData', errs);
  let total = validateDataKeys(data, 'data', errs);
  for (const k of Object.keys(data ?? {})) {
    if (binary && Object.prototype.hasOwnProperty.call(binary, k)) errs.push(field.invalid(`data[${k}]`, k, 'duplicate of key present in binaryData'));
  }
  total += validateDataKeys(binary, 'binaryData', errs);
  if (total > MAX_SECRET_SIZE) errs.push(tooLong('', MAX_SECRET_SIZE));
  optBool(obj, 'immutable', 'immutable', errs);
  return errs;
}

export function validateConfigMapUpdate(obj: Obj, old: Obj): FieldError[] {
  return validateImmutableData(obj, old, ['data', 'binaryData']);
}

/** The string fields of an ObjectReference, as a ServiceAccount's `secrets` entries hold them. */
const OBJECT_REFERENCE_FIELDS = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'];

/** Each entry of a list of references must be an object whose `fields` are strings. */
function validateReferences(obj: Obj, key: string, fields: readonly string[], errs: FieldError[]): void {
  (optList(obj, key, key, errs) ?? []).forEach((ref, i) => {
    if (!isObj(ref)) { errs.push(field.invalid(`${key}[${i}]`, ref, NOT_OBJECT)); return; }
    for (const f of fields) optString(ref, f, `${key}[${i}].${f}`, errs);
  });
}

/**
 * ValidateServiceAccount checks the metadata only (the name a DNS subdomain,
 * index.ts); the rest is checked for its JSON types, which upstream's
 * decoder refuses with a 400 (see README: wrong JSON types).
 */
export function validateServiceAccount(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  validateReferences(obj, 'secrets', OBJECT_REFERENCE_FIELDS, errs);
  validateReferences(obj, 'imagePullSecrets', ['name'], errs);
  optBool(obj, 'automountServiceAccountToken', 'automountServiceAccountToken', errs);
  return errs;
}

/** The finalizers Kubernetes itself defines (helper.IsStandardFinalizerName): the only names without a domain. */
const STANDARD_FINALIZERS = new Set([NAMESPACE_FINALIZER, ORPHAN_FINALIZER, FOREGROUND_FINALIZER]);

/** ValidateNamespace: spec.finalizers hold qualified names, and a name without a domain must be a standard one. */
export function validateNamespace(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of optStringList(get(obj, 'spec'), 'finalizers', 'spec.finalizers', errs) ?? []) {
    for (const m of isQualifiedName(f)) errs.push(field.invalid('spec.finalizers', f, m));
    if (!f.includes('/') && !STANDARD_FINALIZERS.has(f)) errs.push(field.invalid('spec.finalizers', f, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return errs;
}

export function validateNode(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = optObj(obj, 'spec', 'spec', errs);
  if (!spec) return errs;
  const podCIDR = optString(spec, 'podCIDR', 'spec.podCIDR', errs);
  const podCIDRs = optStringList(spec, 'podCIDRs', 'spec.podCIDRs', errs) ?? [];
  podCIDRs.forEach((c, i) => errs.push(...validateCIDR(`spec.podCIDRs[${i}]`, c)));
  if (podCIDR && podCIDRs.length === 0) errs.push(...validateCIDR('spec.podCIDR', podCIDR));
  if (podCIDR && podCIDRs.length > 0 && podCIDRs[0] !== podCIDR) {
    errs.push(invalidGo('spec.podCIDRs', goStringSlice(podCIDRs), 'first value must match `podCIDR`'));
  }
  optBool(spec, 'unschedulable', 'spec.unschedulable', errs);
  validateTaints(spec, 'spec.taints', errs);
  return errs;
}

/** Node update: a podCIDR, once assigned, never changes (ValidateNodeUpdate). */
export function validateNodeUpdate(obj: Obj, old: Obj): FieldError[] {
  const o = get(get(old, 'spec'), 'podCIDRs');
  const n = get(get(obj, 'spec'), 'podCIDRs');
  if (Array.isArray(o) && o.length > 0 && !deepEqual(o, n)) {
    return [field.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid')];
  }
  return [];
}

/** legacyValidateEvent, light: the involved object's namespace must be the event's. */
export function validateEvent(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const io = optObj(obj, 'involvedObject', 'involvedObject', errs);
  if (!io) return isObj(obj.involvedObject) || errs.length ? errs : [field.required('involvedObject')];
  const ns = get(obj.metadata, 'namespace');
  const eventNs = typeof ns === 'string' ? ns : '';
  const ioNs = optString(io, 'namespace', 'involvedObject.namespace', errs) ?? '';
  if (ioNs === '' ? eventNs !== '' && eventNs !== 'default' : ioNs !== eventNs) {
    errs.push(field.invalid('involvedObject.namespace', ioNs, 'does not match event.namespace'));
  }
  if (eventNs) for (const m of isDNS1123Subdomain(eventNs)) errs.push(field.invalid('namespace', eventNs, m));
  const type = optString(obj, 'type', 'type', errs);
  if (type && type !== 'Normal' && type !== 'Warning') errs.push(field.notSupported('type', type, ['Normal', 'Warning']));
  return errs;
}
