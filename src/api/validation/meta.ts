// metadata validation on create and update (apimachinery api/validation
// objectmeta.go). Namespace presence and existence is the registry's job.

import { field, type FieldError } from '../../errors.js';
import { validateLabels } from './label-rules.js';
import { isQualifiedName, type NameFn } from './names.js';
import { IMMUTABLE, IS_NEGATIVE, isObj, optInt, optList, optString, optStringMap, tooLong, type Obj } from './fields.js';

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024; // TotalAnnotationSizeLimitB

/** Annotation keys follow the label-key rules, case-insensitively; values are free-form up to 256 KiB in total. */
export function validateAnnotations(annotations: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!annotations) return errs;
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(field.invalid(path, k, m));
    total += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

function validateOwnerReferences(meta: Obj, path: string, errs: FieldError[]): void {
  const refs = optList(meta, 'ownerReferences', path, errs);
  if (!refs) return;
  let firstController = '';
  for (const ref of refs) {
    if (!isObj(ref)) { errs.push(field.invalid(path, ref, 'must be an object')); continue; }
    const apiVersion = typeof ref.apiVersion === 'string' ? ref.apiVersion : '';
    const version = apiVersion.split('/').pop() ?? '';
    if (!version) errs.push(field.invalid(`${path}.apiVersion`, apiVersion, 'version must not be empty'));
    for (const k of ['kind', 'name', 'uid'] as const) {
      const v = typeof ref[k] === 'string' ? (ref[k] as string) : '';
      if (!v) errs.push(field.invalid(`${path}.${k}`, v, 'must not be empty'));
    }
    if (ref.controller === true) {
      const cur = `${String(ref.kind)}/${String(ref.name)}`;
      if (firstController) {
        errs.push(field.invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`));
      } else {
        firstController = cur;
      }
    }
  }
}

/**
 * ObjectMeta on create. `nameFn` is the kind's name rule. A missing name is
 * fine when generateName is given: the registry generates it.
 */
export function validateObjectMeta(meta: unknown, nameFn: NameFn, path = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(meta)) return [field.required(`${path}.name`, 'name or generateName is required')];
  const generateName = optString(meta, 'generateName', `${path}.generateName`, errs);
  const name = optString(meta, 'name', `${path}.name`, errs);
  if (generateName) for (const m of nameFn(generateName, true)) errs.push(field.invalid(`${path}.generateName`, generateName, m));
  if (!name) {
    if (!generateName) errs.push(field.required(`${path}.name`, 'name or generateName is required'));
  } else {
    for (const m of nameFn(name, false)) errs.push(field.invalid(`${path}.name`, name, m));
  }
  const generation = optInt(meta, 'generation', `${path}.generation`, errs);
  if (generation !== undefined && generation < 0) errs.push(field.invalid(`${path}.generation`, generation, IS_NEGATIVE));
  errs.push(...validateLabels(optStringMap(meta, 'labels', `${path}.labels`, errs), `${path}.labels`));
  errs.push(...validateAnnotations(optStringMap(meta, 'annotations', `${path}.annotations`, errs), `${path}.annotations`));
  validateOwnerReferences(meta, `${path}.ownerReferences`, errs);
  const finalizers = optList(meta, 'finalizers', `${path}.finalizers`, errs);
  for (const f of finalizers ?? []) {
    const s = typeof f === 'string' ? f : '';
    for (const m of isQualifiedName(s)) errs.push(field.invalid(`${path}.finalizers`, f, m));
  }
  return errs;
}

/**
 * ObjectMeta on update: identity fields may not change. Fields the client
 * left out (uid, creationTimestamp) are not changes: the registry carries
 * them over, as upstream's BeforeUpdate does.
 */
export function validateObjectMetaUpdate(meta: unknown, old: unknown, path = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(meta) || !isObj(old)) return errs;
  const immutable = (key: string, skipIfUnset: boolean) => {
    const n = meta[key];
    const o = old[key];
    if (skipIfUnset && (n === undefined || n === null || n === '')) return;
    if ((n ?? '') !== (o ?? '')) errs.push(field.invalid(`${path}.${key}`, n ?? '', IMMUTABLE));
  };
  immutable('name', false);
  immutable('namespace', false);
  immutable('uid', true);
  immutable('creationTimestamp', true);
  const gen = meta.generation;
  const oldGen = old.generation;
  if (typeof gen === 'number' && typeof oldGen === 'number' && gen < oldGen) {
    errs.push(field.invalid(`${path}.generation`, gen, 'must not be decremented'));
  }
  if (old.deletionTimestamp) {
    const oldF = new Set(Array.isArray(old.finalizers) ? old.finalizers : []);
    const extra = (Array.isArray(meta.finalizers) ? meta.finalizers : []).filter((f) => !oldF.has(f)).map(String).sort();
    if (extra.length) {
      errs.push(field.forbidden(`${path}.finalizers`, `no new finalizers can be added if the object is being deleted, found new finalizers []string{${extra.map((s) => JSON.stringify(s)).join(', ')}}`));
    }
  }
  return errs;
}
