// Taints, tolerations and node affinity (k8s pkg/apis/core/validation:
// validateNodeTaints, ValidateTolerations, validateAffinity's node part), with
// upstream's wording, so the scheduler (controllers/node-fit.ts) only ever sees
// operators and effects it knows.

import { field, type FieldError } from '../../errors.js';
import { validateSetOperator } from '../labels.js';
import { validateLabelName } from './label-rules.js';
import { isObj, isSet, optInt, optList, optObj, optString, optStringList } from './fields.js';
import { isLabelValue } from './names.js';

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const TOLERATION_OPERATORS = ['Equal', 'Exists'];

function validateEffect(o: unknown, path: string, allowEmpty: boolean, errs: FieldError[]): string | undefined {
  const effect = optString(o, 'effect', path, errs);
  if (!effect) { if (!allowEmpty) errs.push(field.required(path)); return undefined; }
  if (!TAINT_EFFECTS.includes(effect)) errs.push(field.notSupported(path, effect, TAINT_EFFECTS));
  return effect;
}

function validateLabelValueAt(value: string, path: string, errs: FieldError[]): void {
  for (const m of isLabelValue(value)) errs.push(field.invalid(path, value, m));
}

export function validateTaints(spec: unknown, path: string, errs: FieldError[]): void {
  const seen = new Set<string>();
  (optList(spec, 'taints', path, errs) ?? []).forEach((t, i) => {
    const at = `${path}[${i}]`;
    const key = optString(t, 'key', `${at}.key`, errs) ?? '';
    errs.push(...validateLabelName(key, `${at}.key`));
    const value = optString(t, 'value', `${at}.value`, errs);
    if (value) validateLabelValueAt(value, `${at}.value`, errs);
    const effect = validateEffect(t, `${at}.effect`, false, errs);
    const pair = `${key}\u0000${effect}`;
    if (seen.has(pair)) errs.push(field.duplicate(at, `${key}:${effect}`));
    seen.add(pair);
  });
}

export function validateTolerations(spec: unknown, path: string, errs: FieldError[]): void {
  (optList(spec, 'tolerations', path, errs) ?? []).forEach((t, i) => {
    const at = `${path}[${i}]`;
    const key = optString(t, 'key', `${at}.key`, errs);
    if (key) errs.push(...validateLabelName(key, `${at}.key`));
    const operator = optString(t, 'operator', `${at}.operator`, errs);
    if (!key && operator !== 'Exists') errs.push(field.invalid(`${at}.operator`, operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    const seconds = optInt(t, 'tolerationSeconds', `${at}.tolerationSeconds`, errs);
    const effect = validateEffect(t, `${at}.effect`, true, errs);
    if (seconds !== undefined && effect !== 'NoExecute') errs.push(field.invalid(`${at}.effect`, effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    const value = optString(t, 'value', `${at}.value`, errs);
    if (!operator || operator === 'Equal') { if (value) validateLabelValueAt(value, `${at}.value`, errs); }
    else if (operator === 'Exists') { if (value) errs.push(field.invalid(`${at}.operator`, value, "value must be empty when `operator` is 'Exists'")); }
    else errs.push(field.notSupported(`${at}.operator`, operator, TOLERATION_OPERATORS));
  });
}

function validateRequirement(r: unknown, path: string, fieldSelector: boolean, errs: FieldError[]): void {
  const key = optString(r, 'key', `${path}.key`, errs) ?? '';
  const operator = optString(r, 'operator', `${path}.operator`, errs) ?? '';
  const values = optStringList(r, 'values', `${path}.values`, errs) ?? [];
  if (fieldSelector) {
    if (key !== 'metadata.name') errs.push(field.notSupported(`${path}.key`, key, ['metadata.name']));
    if ((operator === 'In' || operator === 'NotIn') && values.length !== 1) errs.push(field.required(`${path}.values`, "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
    else if (operator !== 'In' && operator !== 'NotIn') errs.push(field.invalid(`${path}.operator`, operator, 'not a valid selector operator'));
    return;
  }
  if (operator === 'Gt' || operator === 'Lt') {
    if (values.length !== 1) errs.push(field.required(`${path}.values`, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
  } else validateSetOperator(operator, values.length, path, errs);
  errs.push(...validateLabelName(key, `${path}.key`));
}

function validateTerm(term: unknown, path: string, errs: FieldError[]): void {
  (optList(term, 'matchExpressions', `${path}.matchExpressions`, errs) ?? []).forEach((r, i) => validateRequirement(r, `${path}.matchExpressions[${i}]`, false, errs));
  (optList(term, 'matchFields', `${path}.matchFields`, errs) ?? []).forEach((r, i) => validateRequirement(r, `${path}.matchFields[${i}]`, true, errs));
}

/** ValidateNodeSelector: at least one term, each valid (a pod's required node affinity, a PersistentVolume's nodeAffinity.required). */
export function validateNodeSelector(selector: unknown, path: string, errs: FieldError[]): void {
  const tp = `${path}.nodeSelectorTerms`;
  const terms = optList(selector, 'nodeSelectorTerms', tp, errs) ?? [];
  if (terms.length === 0) errs.push(field.required(tp, 'must have at least one node selector term'));
  terms.forEach((t, i) => validateTerm(t, `${tp}[${i}]`, errs));
}

/** spec.affinity.nodeAffinity; pod (anti-)affinity is accepted as it is and not acted on */
export function validateNodeAffinity(spec: unknown, path: string, errs: FieldError[]): void {
  const affinity = optObj(spec, 'affinity', path, errs);
  const node = affinity && optObj(affinity, 'nodeAffinity', `${path}.nodeAffinity`, errs);
  if (!node) return;
  const at = `${path}.nodeAffinity`;
  const required = optObj(node, 'requiredDuringSchedulingIgnoredDuringExecution', `${at}.requiredDuringSchedulingIgnoredDuringExecution`, errs);
  if (required) validateNodeSelector(required, `${at}.requiredDuringSchedulingIgnoredDuringExecution`, errs);
  (optList(node, 'preferredDuringSchedulingIgnoredDuringExecution', `${at}.preferredDuringSchedulingIgnoredDuringExecution`, errs) ?? []).forEach((p, i) => {
    const pp = `${at}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
    const weight = optInt(p, 'weight', `${pp}.weight`, errs);
    if (weight === undefined || weight < 1 || weight > 100) errs.push(field.invalid(`${pp}.weight`, weight ?? 0, 'must be in the range 1-100'));
    const preference = optObj(p, 'preference', `${pp}.preference`, errs);
    if (preference) validateTerm(preference, `${pp}.preference`, errs);
    else if (!isSet(isObj(p) ? p.preference : undefined)) errs.push(field.required(`${pp}.preference`));
  });
}
