// PodDisruptionBudget validation (k8s pkg/apis/policy/validation
// ValidatePodDisruptionBudgetSpec): at most one of minAvailable and
// maxUnavailable, each a non-negative integer or a percentage of at most
// 100, a valid selector, a known unhealthyPodEvictionPolicy. Upstream checks
// the name only as a path segment (index.ts), and lets every field change.

import { field, type FieldError } from '../../errors.js';
import { validateLabelSelector } from '../labels.js';
import { validateIntOrPercent, validateNotMoreThan100Percent } from './apps.js';
import { goPointer, invalidGo, isSet, optObj, optString, type Obj } from './fields.js';

/** sets.List of the supported policies (sorted) */
const UNHEALTHY_POD_EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

/** policy.PodDisruptionBudgetSpec as Go's %#v prints it: every field a pointer, in the internal type's order. */
function goSpec(spec: Obj): string {
  return `policy.PodDisruptionBudgetSpec{MinAvailable:${goPointer('*intstr.IntOrString', isSet(spec.minAvailable))}, `
    + `Selector:${goPointer('*v1.LabelSelector', isSet(spec.selector))}, `
    + `MaxUnavailable:${goPointer('*intstr.IntOrString', isSet(spec.maxUnavailable))}, `
    + `UnhealthyPodEvictionPolicy:${goPointer('*policy.UnhealthyPodEvictionPolicyType', isSet(spec.unhealthyPodEvictionPolicy))}}`;
}

export function validatePodDisruptionBudget(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = optObj(obj, 'spec', 'spec', errs) ?? {};
  if (isSet(spec.minAvailable) && isSet(spec.maxUnavailable)) errs.push(invalidGo('spec', goSpec(spec), 'minAvailable and maxUnavailable cannot be both set'));
  for (const key of ['minAvailable', 'maxUnavailable']) {
    if (!isSet(spec[key])) continue;
    validateIntOrPercent(spec[key], `spec.${key}`, errs);
    validateNotMoreThan100Percent(spec[key], `spec.${key}`, errs);
  }
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const policy = optString(spec, 'unhealthyPodEvictionPolicy', 'spec.unhealthyPodEvictionPolicy', errs);
  if (policy !== undefined && !UNHEALTHY_POD_EVICTION_POLICIES.includes(policy)) {
    errs.push(field.notSupported('spec.unhealthyPodEvictionPolicy', policy, UNHEALTHY_POD_EVICTION_POLICIES));
  }
  return errs;
}
