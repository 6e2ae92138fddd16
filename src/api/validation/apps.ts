// Deployment, ReplicaSet, StatefulSet and DaemonSet validation (k8s
// pkg/apis/apps/validation and the apps strategies' update checks). The pod
// template is validated with the pod rules under `spec.template.spec`.

import { field, type FieldError } from '../../errors.js';
import { matchesLabelSelector, validateLabelSelector } from '../labels.js';
import type { LabelSelector } from '../types.js';
import { readTemplate, validateTemplateContents } from './pod-template.js';
import {
  IMMUTABLE, IS_NEGATIVE, deepEqual, get, goIntOrString, goLabelSelector, goPointer, goQuote, goStringMap, invalidGo, isObj,
  isSet, notSupportedGo, optInt, optObj, optString, type Obj,
} from './fields.js';
import { isValidPercent, nameIsDNS1035Label } from './names.js';

const STS_UPDATE_FORBIDDEN = "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

function nonNegative(o: Obj, key: string, path: string, errs: FieldError[]): number | undefined {
  const v = optInt(o, key, path, errs);
  if (v !== undefined && v < 0) errs.push(field.invalid(path, v, IS_NEGATIVE));
  return v;
}

/** Selector presence and syntax; returns whether the selector can be used to match. */
function validateWorkloadSelector(spec: Obj, kind: 'deployment' | 'statefulset', errs: FieldError[]): boolean {
  const sel = spec.selector;
  if (!isSet(sel)) { errs.push(field.required('spec.selector')); return false; }
  const selErrs = validateLabelSelector(sel, 'spec.selector');
  errs.push(...selErrs);
  const ml = get(sel, 'matchLabels');
  const me = get(sel, 'matchExpressions');
  const count = (isObj(ml) ? Object.keys(ml).length : 0) + (Array.isArray(me) ? me.length : 0);
  if (count === 0 && isObj(sel)) errs.push(invalidGo('spec.selector', goLabelSelector(sel), `empty selector is invalid for ${kind}`));
  if (selErrs.length > 0) {
    errs.push(invalidGo('spec.selector', goLabelSelector(sel), kind === 'deployment' ? 'invalid label selector' : ''));
    return false;
  }
  return true;
}

/** ValidatePodTemplateSpecForReplicaSet / ForStatefulSet, and the same template rules of ValidateDaemonSetSpec. */
function validateTemplate(spec: Obj, kind: 'ReplicaSet' | 'StatefulSet' | 'DaemonSet', selectorUsable: boolean, errs: FieldError[]): void {
  const read = readTemplate(spec, errs);
  if (!read) return;
  const labels = read.labels;
  if (selectorUsable || !isSet(spec.selector)) {
    // A missing selector selects nothing (labels.Nothing()), so it never matches either.
    const sel = spec.selector as LabelSelector | undefined;
    const count = sel ? Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length : 1;
    if (count > 0 && !matchesLabelSelector(sel, labels)) {
      errs.push(invalidGo('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
    }
  }
  // A StatefulSet's pods also get a volume per volumeClaimTemplate (its controller adds them), which the template may mount.
  const claims = kind === 'StatefulSet'
    ? (Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []).map((c) => get(get(c, 'metadata'), 'name')).filter((n): n is string => typeof n === 'string')
    : [];
  validateTemplateContents(read, errs, claims);
  const podSpec = read.template.spec;
  const restart = get(podSpec, 'restartPolicy');
  if (restart !== 'Always') errs.push(field.notSupported('spec.template.spec.restartPolicy', typeof restart === 'string' ? restart : '', ['Always']));
  if (isSet(get(podSpec, 'activeDeadlineSeconds'))) {
    errs.push(field.forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${kind} is not Supported`));
  }
}

/**
 * The selector, then the template it must select, as ValidateReplicaSetSpec
 * and ValidateDeploymentSpec both check them (a Deployment's template is its
 * ReplicaSets'). Upstream's ReplicaSet check words an empty selector as the
 * Deployment's does ("invalid for deployment"), so both pass 'deployment'.
 */
function validateSelectedTemplate(spec: Obj, errs: FieldError[]): void {
  const usable = validateWorkloadSelector(spec, 'deployment', errs);
  if (usable || !isSet(spec.selector)) validateTemplate(spec, 'ReplicaSet', usable, errs);
}

function percentValue(v: unknown): number | undefined {
  return typeof v === 'string' && /^[0-9]+%$/.test(v) ? Number(v.slice(0, -1)) : undefined;
}

/** ValidatePositiveIntOrPercent (a PodDisruptionBudget's numbers too). */
export function validateIntOrPercent(v: unknown, path: string, errs: FieldError[]): void {
  if (typeof v === 'string') {
    for (const m of isValidPercent(v)) errs.push(invalidGo(path, goIntOrString(v), m));
  } else if (typeof v === 'number' && Number.isInteger(v)) {
    if (v < 0) errs.push(field.invalid(path, v, IS_NEGATIVE));
  } else if (isSet(v)) {
    errs.push(field.invalid(path, v, "must be an integer or percentage (e.g '5%')"));
  }
}

/** IsNotMoreThan100Percent: a percentage above 100 (an integer may be any size). */
export function validateNotMoreThan100Percent(v: unknown, path: string, errs: FieldError[]): void {
  const pct = percentValue(v);
  if (pct !== undefined && pct > 100) errs.push(invalidGo(path, goIntOrString(v), 'must not be greater than 100%'));
}

function goDeploymentStrategy(s: Obj): string {
  const ru = goPointer('*apps.RollingUpdateDeployment', isSet(s.rollingUpdate));
  return `apps.DeploymentStrategy{Type:${goQuote(String(s.type ?? ''))}, RollingUpdate:${ru}}`;
}

function validateDeploymentStrategy(spec: Obj, errs: FieldError[]): void {
  const s = optObj(spec, 'strategy', 'spec.strategy', errs) ?? {};
  switch (s.type) {
    case 'Recreate':
      if (isSet(s.rollingUpdate)) errs.push(field.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
      break;
    case 'RollingUpdate': {
      const ru = optObj(s, 'rollingUpdate', 'spec.strategy.rollingUpdate', errs);
      if (!ru) { errs.push(field.required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil')); break; }
      const p = 'spec.strategy.rollingUpdate';
      validateIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`, errs);
      validateIntOrPercent(ru.maxSurge, `${p}.maxSurge`, errs);
      const zero = (v: unknown) => v === 0 || percentValue(v) === 0 || !isSet(v);
      if (zero(ru.maxUnavailable) && zero(ru.maxSurge)) {
        errs.push(invalidGo(`${p}.maxUnavailable`, goIntOrString(ru.maxUnavailable ?? 0), 'may not be 0 when `maxSurge` is 0'));
      }
      validateNotMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`, errs);
      break;
    }
    default:
      errs.push(notSupportedGo('spec.strategy', goDeploymentStrategy(s), ['Recreate', 'RollingUpdate']));
  }
}

export function validateDeploymentSpec(specValue: unknown): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(specValue)) return [field.required('spec.selector'), field.required('spec.template')];
  const spec = specValue;
  nonNegative(spec, 'replicas', 'spec.replicas', errs);
  validateSelectedTemplate(spec, errs);
  validateDeploymentStrategy(spec, errs);
  const minReady = nonNegative(spec, 'minReadySeconds', 'spec.minReadySeconds', errs) ?? 0;
  nonNegative(spec, 'revisionHistoryLimit', 'spec.revisionHistoryLimit', errs);
  const pds = nonNegative(spec, 'progressDeadlineSeconds', 'spec.progressDeadlineSeconds', errs);
  if (pds !== undefined && pds <= minReady) errs.push(field.invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  return errs;
}

/**
 * The update rule of the apps/v1 Deployment and ReplicaSet strategies: the
 * selector never changes (only the long-gone extensions/v1beta1 allowed it).
 */
export function validateSelectorUnchanged(spec: unknown, old: unknown): FieldError[] {
  const sel = get(spec, 'selector');
  if (!deepEqual(sel, get(old, 'selector'))) return [invalidGo('spec.selector', goLabelSelector(sel), IMMUTABLE)];
  return [];
}

/** ValidateReplicaSetSpec: replicas and minReadySeconds, then the selector and the template it selects. */
export function validateReplicaSetSpec(specValue: unknown): FieldError[] {
  if (!isObj(specValue)) return [field.required('spec.selector'), field.required('spec.template')];
  const errs: FieldError[] = [];
  nonNegative(specValue, 'replicas', 'spec.replicas', errs);
  nonNegative(specValue, 'minReadySeconds', 'spec.minReadySeconds', errs);
  validateSelectedTemplate(specValue, errs);
  return errs;
}

function goStatefulSetStrategy(s: Obj): string {
  const ru = goPointer('*apps.RollingUpdateStatefulSetStrategy', isSet(s.rollingUpdate));
  return `apps.StatefulSetUpdateStrategy{Type:${goQuote(String(s.type ?? ''))}, RollingUpdate:${ru}}`;
}

export function validateStatefulSetSpec(specValue: unknown): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(specValue)) return [field.required('spec.selector'), field.required('spec.template')];
  const spec = specValue;
  const pmp = optString(spec, 'podManagementPolicy', 'spec.podManagementPolicy', errs);
  if (!pmp) errs.push(field.required('spec.podManagementPolicy'));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') errs.push(field.invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));

  const us = optObj(spec, 'updateStrategy', 'spec.updateStrategy', errs) ?? {};
  switch (us.type) {
    case undefined: case null: case '':
      errs.push(field.required('spec.updateStrategy'));
      break;
    case 'OnDelete':
      if (isSet(us.rollingUpdate)) errs.push(invalidGo('spec.updateStrategy.rollingUpdate', `&apps.RollingUpdateStatefulSetStrategy{Partition:${Number(get(us.rollingUpdate, 'partition') ?? 0)}}`, "only allowed for updateStrategy 'RollingUpdate'"));
      break;
    case 'RollingUpdate': {
      const ru = optObj(us, 'rollingUpdate', 'spec.updateStrategy.rollingUpdate', errs);
      if (ru) nonNegative(ru, 'partition', 'spec.updateStrategy.rollingUpdate.partition', errs);
      break;
    }
    default:
      errs.push(invalidGo('spec.updateStrategy', goStatefulSetStrategy(us), "must be 'RollingUpdate' or 'OnDelete'"));
  }

  const serviceName = optString(spec, 'serviceName', 'spec.serviceName', errs);
  if (serviceName) for (const m of nameIsDNS1035Label(serviceName, false)) errs.push(field.invalid('spec.serviceName', serviceName, m));
  nonNegative(spec, 'replicas', 'spec.replicas', errs);
  // upstream checks ordinals.start only when ordinals is set (an absent start is 0)
  const ordinals = optObj(spec, 'ordinals', 'spec.ordinals', errs);
  if (ordinals) nonNegative(ordinals, 'start', 'spec.ordinals.start', errs);
  nonNegative(spec, 'minReadySeconds', 'spec.minReadySeconds', errs);
  nonNegative(spec, 'revisionHistoryLimit', 'spec.revisionHistoryLimit', errs);
  const usable = validateWorkloadSelector(spec, 'statefulset', errs);
  if (usable || !isSet(spec.selector)) validateTemplate(spec, 'StatefulSet', usable, errs);
  return errs;
}

/** ValidateStatefulSetUpdate: only replicas, ordinals, template, updateStrategy, PVC retention and minReadySeconds may change. */
export function validateStatefulSetUpdate(spec: unknown, old: unknown): FieldError[] {
  if (!isObj(spec) || !isObj(old)) return [];
  const strip = (s: Obj) => {
    const { replicas: _r, ordinals: _o, template: _t, updateStrategy: _u, persistentVolumeClaimRetentionPolicy: _p, minReadySeconds: _m, ...rest } = s;
    return rest;
  };
  return deepEqual(strip(spec), strip(old)) ? [] : [field.forbidden('spec', STS_UPDATE_FORBIDDEN)];
}

function goDaemonSetStrategy(s: Obj): string {
  const ru = goPointer('*apps.RollingUpdateDaemonSet', isSet(s.rollingUpdate));
  return `apps.DaemonSetUpdateStrategy{Type:${goQuote(String(s.type ?? ''))}, RollingUpdate:${ru}}`;
}

/** getIntOrPercentValue: a percentage's number, an integer itself (what decides "zero" for maxSurge and maxUnavailable). */
function intOrPercentValue(v: unknown): number {
  if (typeof v === 'number') return v;
  return percentValue(v) ?? (Number.parseInt(String(v ?? ''), 10) || 0);
}

/**
 * ValidateDaemonSetUpdateStrategy and ValidateRollingUpdateDaemonSet: exactly
 * one of maxUnavailable and maxSurge is non-zero, neither above 100%.
 */
function validateDaemonSetStrategy(spec: Obj, errs: FieldError[]): void {
  const us = optObj(spec, 'updateStrategy', 'spec.updateStrategy', errs) ?? {};
  switch (us.type) {
    case 'OnDelete':
      break;
    case 'RollingUpdate': {
      const p = 'spec.updateStrategy.rollingUpdate';
      const ru = optObj(us, 'rollingUpdate', p, errs);
      if (!ru) { errs.push(field.required(p)); break; }
      validateIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`, errs);
      validateIntOrPercent(ru.maxSurge, `${p}.maxSurge`, errs);
      validateNotMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`, errs);
      validateNotMoreThan100Percent(ru.maxSurge, `${p}.maxSurge`, errs);
      const unavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
      const surge = intOrPercentValue(ru.maxSurge) !== 0;
      if (unavailable && surge) errs.push(invalidGo(`${p}.maxSurge`, goIntOrString(ru.maxSurge), 'may not be set when maxUnavailable is non-zero'));
      if (!unavailable && !surge) errs.push(field.required(`${p}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
      break;
    }
    default:
      errs.push(notSupportedGo('spec.updateStrategy', goDaemonSetStrategy(us), ['RollingUpdate', 'OnDelete']));
  }
}

/**
 * ValidateDaemonSetSpec. Unlike a Deployment's, a missing selector is no
 * "Required value" of its own upstream: it selects nothing, so the template's
 * labels do not match it, and that is the error.
 */
export function validateDaemonSetSpec(specValue: unknown): FieldError[] {
  const spec = isObj(specValue) ? specValue : {};
  const errs: FieldError[] = [];
  let usable = true;
  if (isSet(spec.selector)) {
    const selErrs = validateLabelSelector(spec.selector, 'spec.selector');
    errs.push(...selErrs);
    usable = selErrs.length === 0;
    const ml = get(spec.selector, 'matchLabels');
    const me = get(spec.selector, 'matchExpressions');
    if (isObj(spec.selector) && (isObj(ml) ? Object.keys(ml).length : 0) + (Array.isArray(me) ? me.length : 0) === 0) {
      errs.push(invalidGo('spec.selector', goLabelSelector(spec.selector), 'empty selector is invalid for daemonset'));
    }
  }
  validateTemplate(spec, 'DaemonSet', usable, errs);
  nonNegative(spec, 'minReadySeconds', 'spec.minReadySeconds', errs);
  validateDaemonSetStrategy(spec, errs);
  nonNegative(spec, 'revisionHistoryLimit', 'spec.revisionHistoryLimit', errs);
  return errs;
}
