// HorizontalPodAutoscaler validation (k8s pkg/apis/autoscaling/validation,
// autoscaling/v2 as v1.31 serves it): the replica bounds, the scale target
// reference, each metric's shape (one source, the one its type names, with a
// target that fits it), and the scaling behavior's rules. Quantities in
// messages are shown as their text where Go prints resource.Quantity's struct.

import { field, type FieldError } from '../../errors.js';
import { get, isObj, isSet, NOT_OBJECT, optInt, optList, optObj, requiredPathSegment, stringField, type Obj } from './fields.js';
import { isDNS1123Label } from './names.js';
import { quantityAt } from './storage.js';

/** without the alpha HPAScaleToZero gate, as v1.31 ships */
const MIN_REPLICAS_LOWER_BOUND = 1;
const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
/** sets.List of the metric source types (sorted) */
const METRIC_SOURCE_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const METRIC_TARGET_TYPES = ['Utilization', 'Value', 'AverageValue'];
const SELECT_POLICIES = ['Disabled', 'Max', 'Min'];
const POLICY_TYPES = ['Percent', 'Pods'];
/** helper.IsStandardContainerResourceName, hugepages-<size> aside */
const STANDARD_CONTAINER_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];

/** ValidateCrossVersionObjectReference: a kind and a name, each one path segment. */
function validateReference(ref: unknown, path: string, errs: FieldError[]): void {
  for (const key of ['kind', 'name']) requiredPathSegment(ref, key, `${path}.${key}`, errs);
}

function validateMetricIdentifier(id: unknown, path: string, errs: FieldError[]): void {
  requiredPathSegment(id, 'name', `${path}.name`, errs, 'must specify a metric name');
}

/** A quantity that must be above zero (Sign() != 1 is refused). */
function positiveQuantity(target: Obj, key: string, path: string, errs: FieldError[]): void {
  if (!isSet(target[key])) return;
  const text = quantityAt(target[key], `${path}.${key}`, errs);
  if (text !== undefined && (text === '0' || text.startsWith('-'))) errs.push(field.invalid(`${path}.${key}`, text, 'must be positive'));
}

/** validateMetricTarget: its type, and each value it sets above zero. */
function validateMetricTarget(target: Obj, path: string, errs: FieldError[]): void {
  const type = stringField(target, 'type', `${path}.type`, errs);
  if (type === '') errs.push(field.required(`${path}.type`, 'must specify a metric target type'));
  if (type !== undefined && !METRIC_TARGET_TYPES.includes(type)) errs.push(field.invalid(`${path}.type`, type, 'must be either Utilization, Value, or AverageValue'));
  positiveQuantity(target, 'value', path, errs);
  positiveQuantity(target, 'averageValue', path, errs);
  const utilization = optInt(target, 'averageUtilization', `${path}.averageUtilization`, errs);
  if (utilization !== undefined && utilization < 1) errs.push(field.invalid(`${path}.averageUtilization`, utilization, 'must be greater than 0'));
}

/** The source's target, checked; {} when it has none (upstream's zero struct). */
function targetOf(src: Obj, path: string, errs: FieldError[]): Obj {
  const target = optObj(src, 'target', `${path}.target`, errs) ?? {};
  validateMetricTarget(target, `${path}.target`, errs);
  return target;
}

/** the checks a Resource and a ContainerResource source share: a utilization or a raw value, not both */
function validateResourceTarget(target: Obj, path: string, errs: FieldError[]): void {
  const utilization = isSet(target.averageUtilization);
  const value = isSet(target.averageValue);
  if (!utilization && !value) errs.push(field.required(`${path}.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
  if (utilization && value) errs.push(field.forbidden(`${path}.target.averageValue`, 'may not set both a target raw value and a target utilization'));
}

function validateResourceName(src: Obj, path: string, errs: FieldError[]): string | undefined {
  const name = stringField(src, 'name', `${path}.name`, errs);
  if (name === '') errs.push(field.required(`${path}.name`, 'must specify a resource name'));
  return name;
}

type SourceCheck = (src: Obj, path: string, errs: FieldError[]) => void;

/** The sources in the order upstream looks at them; only the first one present is checked inside. */
const SOURCES: [string, SourceCheck][] = [
  ['object', (src, path, errs) => {
    validateReference(optObj(src, 'describedObject', `${path}.describedObject`, errs) ?? {}, `${path}.describedObject`, errs);
    validateMetricIdentifier(optObj(src, 'metric', `${path}.metric`, errs) ?? {}, `${path}.metric`, errs);
    const target = targetOf(src, path, errs);
    if (!isSet(target.value) && !isSet(target.averageValue)) errs.push(field.required(`${path}.target.averageValue`, 'must set either a target value or averageValue'));
  }],
  ['external', (src, path, errs) => {
    validateMetricIdentifier(optObj(src, 'metric', `${path}.metric`, errs) ?? {}, `${path}.metric`, errs);
    const target = targetOf(src, path, errs);
    if (!isSet(target.value) && !isSet(target.averageValue)) errs.push(field.required(`${path}.target.averageValue`, 'must set either a target value for metric or a per-pod target'));
    if (isSet(target.value) && isSet(target.averageValue)) errs.push(field.forbidden(`${path}.target.value`, 'may not set both a target value for metric and a per-pod target'));
  }],
  ['pods', (src, path, errs) => {
    validateMetricIdentifier(optObj(src, 'metric', `${path}.metric`, errs) ?? {}, `${path}.metric`, errs);
    const target = targetOf(src, path, errs);
    if (!isSet(target.averageValue)) errs.push(field.required(`${path}.target.averageValue`, 'must specify a positive target averageValue'));
  }],
  ['resource', (src, path, errs) => {
    validateResourceName(src, path, errs);
    validateResourceTarget(targetOf(src, path, errs), path, errs);
  }],
  ['containerResource', (src, path, errs) => {
    const name = validateResourceName(src, path, errs);
    if (name && !name.includes('/') && !STANDARD_CONTAINER_RESOURCES.includes(name) && !name.startsWith('hugepages-')) {
      errs.push(field.invalid(`${path}.name`, name, 'must be a standard resource for containers'));
    }
    const container = stringField(src, 'container', `${path}.container`, errs);
    if (container === '') errs.push(field.required(`${path}.container`, 'must specify a container'));
    else if (container !== undefined) for (const m of isDNS1123Label(container)) errs.push(field.invalid(`${path}.container`, container, m));
    validateResourceTarget(targetOf(src, path, errs), path, errs);
  }],
];

/** the source field each type must populate */
const SOURCE_OF_TYPE: Record<string, string> = { Object: 'object', Pods: 'pods', Resource: 'resource', ContainerResource: 'containerResource', External: 'external' };

/**
 * validateMetricSpec: a known type, exactly the source it names. Upstream
 * reports an unknown type twice; the API's message lists it once, and so
 * does podnet.
 */
function validateMetricSpec(spec: Obj, path: string, errs: FieldError[]): void {
  const type = stringField(spec, 'type', `${path}.type`, errs);
  if (type === '') errs.push(field.required(`${path}.type`, 'must specify a metric source type'));
  if (type !== undefined && !METRIC_SOURCE_TYPES.includes(type)) errs.push(field.notSupported(`${path}.type`, type, METRIC_SOURCE_TYPES));
  const present: string[] = [];
  for (const [key, check] of SOURCES) {
    const src = optObj(spec, key, `${path}.${key}`, errs);
    if (!src) continue;
    present.push(key);
    if (present.length === 1) check(src, `${path}.${key}`, errs);
  }
  const expected = type !== undefined ? SOURCE_OF_TYPE[type] : undefined;
  if (expected && !present.includes(expected)) errs.push(field.required(`${path}.${expected}`, 'must populate information for the given metric source'));
  if (present.length > 1) {
    for (const key of present) if (key !== expected) errs.push(field.forbidden(`${path}.${key}`, 'must populate the given metric source only'));
  }
}

/** validateScalingRules: the window, the select policy, at least one policy, each within bounds. */
function validateScalingRules(rules: Obj, path: string, errs: FieldError[]): void {
  const window = optInt(rules, 'stabilizationWindowSeconds', `${path}.stabilizationWindowSeconds`, errs);
  if (window !== undefined && window < 0) errs.push(field.invalid(`${path}.stabilizationWindowSeconds`, window, 'must be greater than or equal to zero'));
  if (window !== undefined && window > MAX_STABILIZATION_WINDOW_SECONDS) {
    errs.push(field.invalid(`${path}.stabilizationWindowSeconds`, window, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  }
  const select = stringField(rules, 'selectPolicy', `${path}.selectPolicy`, errs);
  if (select && !SELECT_POLICIES.includes(select)) errs.push(field.notSupported(`${path}.selectPolicy`, select, SELECT_POLICIES));
  const policies = optList(rules, 'policies', `${path}.policies`, errs) ?? [];
  if (policies.length === 0) errs.push(field.required(`${path}.policies`, 'must specify at least one Policy'));
  policies.forEach((policy, i) => {
    const p = `${path}.policies[${i}]`;
    if (!isObj(policy)) { errs.push(field.invalid(p, policy, NOT_OBJECT)); return; }
    const type = stringField(policy, 'type', `${p}.type`, errs);
    if (type !== undefined && !POLICY_TYPES.includes(type)) errs.push(field.notSupported(`${p}.type`, type, POLICY_TYPES));
    const value = optInt(policy, 'value', `${p}.value`, errs) ?? 0;
    if (value <= 0) errs.push(field.invalid(`${p}.value`, value, 'must be greater than zero'));
    const period = optInt(policy, 'periodSeconds', `${p}.periodSeconds`, errs) ?? 0;
    if (period <= 0) errs.push(field.invalid(`${p}.periodSeconds`, period, 'must be greater than zero'));
    if (period > MAX_PERIOD_SECONDS) errs.push(field.invalid(`${p}.periodSeconds`, period, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  });
}

/** ValidateHorizontalPodAutoscaler (the name is a DNS subdomain, index.ts): on create and again on update. */
export function validateHorizontalPodAutoscaler(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = optObj(obj, 'spec', 'spec', errs) ?? {};
  const min = optInt(spec, 'minReplicas', 'spec.minReplicas', errs);
  if (min !== undefined && min < MIN_REPLICAS_LOWER_BOUND) {
    errs.push(field.invalid('spec.minReplicas', min, `must be greater than or equal to ${MIN_REPLICAS_LOWER_BOUND}`));
  }
  const max = optInt(spec, 'maxReplicas', 'spec.maxReplicas', errs) ?? 0;
  if (max < 1) errs.push(field.invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (min !== undefined && max < min) errs.push(field.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  validateReference(optObj(spec, 'scaleTargetRef', 'spec.scaleTargetRef', errs) ?? {}, 'spec.scaleTargetRef', errs);
  const metrics = optList(spec, 'metrics', 'spec.metrics', errs) ?? [];
  metrics.forEach((m, i) => {
    if (!isObj(m)) errs.push(field.invalid(`spec.metrics[${i}]`, m, NOT_OBJECT));
    else validateMetricSpec(m, `spec.metrics[${i}]`, errs);
  });
  if (min === 0 && !metrics.some((m) => get(m, 'type') === 'Object' || get(m, 'type') === 'External')) {
    errs.push(field.forbidden('spec.metrics', 'must specify at least one Object or External metric to support scaling to zero replicas'));
  }
  const behavior = optObj(spec, 'behavior', 'spec.behavior', errs);
  for (const direction of ['scaleUp', 'scaleDown']) {
    const rules = behavior ? optObj(behavior, direction, `spec.behavior.${direction}`, errs) : undefined;
    if (rules) validateScalingRules(rules, `spec.behavior.${direction}`, errs);
  }
  return errs;
}
