// Validation as the API server runs it after defaulting: on create (old
// undefined) and on update (old = the stored object, for immutable fields).
// One module per API group; this file only dispatches by kind and orders the
// checks the way each upstream strategy does, so multi-error messages list
// causes in upstream's order.

import type { KubeObject } from '../types.js';
import { field, type FieldError } from '../../errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain, nameIsPathSegment, type NameFn } from './names.js';
import { isObj, type Obj } from './fields.js';
import { validatePodSpec, validatePodSpecUpdate } from './pod.js';
import { validateServiceSpec, validateServiceUpdate } from './service.js';
import {
  validateDaemonSetSpec, validateDeploymentSpec, validateReplicaSetSpec, validateSelectorUnchanged, validateStatefulSetSpec, validateStatefulSetUpdate,
} from './apps.js';
import { validateCronJob, validateCronJobCreate, validateJob, validateJobUpdate } from './batch.js';
import { validateIngress, validateIngressClass, validateIngressClassUpdate, validateIngressCreate } from './networking.js';
import { validateNetworkPolicy } from './networkpolicy.js';
import { validatePodDisruptionBudget } from './policy.js';
import { validateHorizontalPodAutoscaler } from './autoscaling.js';
import { validateClusterRole, validateClusterRoleBinding, validateRole, validateRoleBinding, validateRoleRefUnchanged } from './rbac.js';
import { validateEndpoints, validateEndpointSlice, validateEndpointSliceUpdate } from './discovery.js';
import { validateGatewayObject } from './gateway.js';
import {
  validatePersistentVolume, validatePersistentVolumeClaim, validatePersistentVolumeClaimUpdate, validatePersistentVolumeUpdate,
  validateStorageClass, validateStorageClassUpdate,
} from './storage.js';
import {
  validateConfigMap, validateConfigMapUpdate, validateEvent, validateNamespace, validateNode, validateNodeUpdate, validateSecret,
  validateSecretUpdate, validateServiceAccount,
} from './core.js';

export { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
export { validatePodSpec } from './pod.js';
export * as names from './names.js';

interface KindRules {
  nameFn: NameFn;
  /** checks on the object itself (beyond metadata) */
  create?: (obj: Obj) => FieldError[];
  /** checks comparing with the stored object */
  update?: (obj: Obj, old: Obj) => FieldError[];
  /** upstream reports update checks before the object checks for this kind */
  updateFirst?: boolean;
  /** a custom resource's schema and rules: one pass over the object, which sees the stored one on update (transition rules) */
  schema?: (obj: Obj, old: Obj | undefined) => FieldError[];
}

/** A kind served as its CRD defines it: the name a DNS subdomain, as apiextensions checks every custom resource's. */
const CUSTOM_RESOURCE: KindRules = { nameFn: nameIsDNSSubdomain, schema: validateGatewayObject };

const RULES: Record<string, KindRules> = {
  Namespace: { nameFn: nameIsDNSLabel, create: validateNamespace },
  Node: { nameFn: nameIsDNSSubdomain, create: validateNode, update: validateNodeUpdate, updateFirst: true },
  Pod: {
    nameFn: nameIsDNSSubdomain,
    create: (o) => validatePodSpec(o.spec, 'spec'),
    update: (o, old) => validatePodSpecUpdate(o.spec, old.spec),
  },
  Service: {
    nameFn: nameIsDNS1035Label,
    create: (o) => validateServiceSpec(o.spec, (o.metadata as { annotations?: Record<string, string> } | undefined)?.annotations),
    update: (o, old) => validateServiceUpdate(o.spec, old.spec),
    updateFirst: true,
  },
  Secret: { nameFn: nameIsDNSSubdomain, create: validateSecret, update: validateSecretUpdate, updateFirst: true },
  ConfigMap: { nameFn: nameIsDNSSubdomain, create: validateConfigMap, update: validateConfigMapUpdate, updateFirst: true },
  ServiceAccount: { nameFn: nameIsDNSSubdomain, create: validateServiceAccount },
  Event: { nameFn: nameIsDNSSubdomain, create: validateEvent },
  Deployment: {
    nameFn: nameIsDNSSubdomain,
    create: (o) => validateDeploymentSpec(o.spec),
    update: (o, old) => validateSelectorUnchanged(o.spec, old.spec),
  },
  ReplicaSet: {
    nameFn: nameIsDNSSubdomain,
    create: (o) => validateReplicaSetSpec(o.spec),
    update: (o, old) => validateSelectorUnchanged(o.spec, old.spec),
  },
  StatefulSet: {
    nameFn: nameIsDNSSubdomain,
    create: (o) => validateStatefulSetSpec(o.spec),
    update: (o, old) => validateStatefulSetUpdate(o.spec, old.spec),
  },
  // ValidateDaemonSetUpdate: the selector is immutable (checked before the spec), anything else may change
  DaemonSet: {
    nameFn: nameIsDNSSubdomain,
    create: (o) => validateDaemonSetSpec(o.spec),
    update: (o, old) => validateSelectorUnchanged(o.spec, old.spec),
    updateFirst: true,
  },
  Job: { nameFn: nameIsDNSSubdomain, create: validateJob, update: validateJobUpdate },
  CronJob: { nameFn: nameIsDNSSubdomain, create: validateCronJob },
  EndpointSlice: { nameFn: nameIsDNSSubdomain, create: validateEndpointSlice, update: validateEndpointSliceUpdate },
  Endpoints: { nameFn: nameIsDNSSubdomain, create: validateEndpoints },
  Ingress: { nameFn: nameIsDNSSubdomain, create: validateIngress },
  IngressClass: { nameFn: nameIsDNSSubdomain, create: validateIngressClass, update: validateIngressClassUpdate, updateFirst: true },
  NetworkPolicy: { nameFn: nameIsDNSSubdomain, create: validateNetworkPolicy },
  PersistentVolumeClaim: { nameFn: nameIsDNSSubdomain, create: validatePersistentVolumeClaim, update: validatePersistentVolumeClaimUpdate },
  PersistentVolume: { nameFn: nameIsDNSSubdomain, create: validatePersistentVolume, update: validatePersistentVolumeUpdate },
  StorageClass: { nameFn: nameIsDNSSubdomain, create: validateStorageClass, update: validateStorageClassUpdate },
  HorizontalPodAutoscaler: { nameFn: nameIsDNSSubdomain, create: validateHorizontalPodAutoscaler },
  PodDisruptionBudget: { nameFn: nameIsPathSegment, create: validatePodDisruptionBudget },
  Role: { nameFn: nameIsPathSegment, create: validateRole },
  ClusterRole: { nameFn: nameIsPathSegment, create: validateClusterRole },
  RoleBinding: { nameFn: nameIsPathSegment, create: validateRoleBinding, update: validateRoleRefUnchanged },
  ClusterRoleBinding: { nameFn: nameIsPathSegment, create: validateClusterRoleBinding, update: validateRoleRefUnchanged },
  GatewayClass: CUSTOM_RESOURCE,
  Gateway: CUSTOM_RESOURCE,
  HTTPRoute: CUSTOM_RESOURCE,
  ReferenceGrant: CUSTOM_RESOURCE,
};

const DEFAULT_RULES: KindRules = { nameFn: nameIsDNSSubdomain };

function validate(obj: Obj, old: Obj | undefined): FieldError[] {
  const rules = RULES[typeof obj.kind === 'string' ? obj.kind : ''] ?? DEFAULT_RULES;
  const errs: FieldError[] = [];
  if (old) errs.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
  const updateErrs = old && rules.update ? rules.update(obj, old) : [];
  if (rules.updateFirst) errs.push(...updateErrs);
  errs.push(...validateObjectMeta(obj.metadata, rules.nameFn));
  if (rules.create) errs.push(...rules.create(obj));
  if (rules.schema) errs.push(...rules.schema(obj, old));
  if (!old && obj.kind === 'Ingress') errs.push(...validateIngressCreate(obj));
  if (!old && obj.kind === 'CronJob') errs.push(...validateCronJobCreate(obj));
  if (!rules.updateFirst) errs.push(...updateErrs);
  return errs;
}

/**
 * Validates one object as the API server would on create (old undefined) or
 * update (old = stored object). Returns every field problem; [] means valid.
 * Allocation conflicts (a nodePort or clusterIP already taken) are the
 * registry's job, not this function's. Never throws, whatever the input.
 */
export function validateObject(obj: KubeObject, old?: KubeObject): FieldError[] {
  if (!isObj(obj)) return [field.invalid('', obj ?? null, 'must be an object')];
  try {
    return validate(obj, isObj(old) ? old : undefined);
  } catch (e) {
    // A validator bug must not crash the API server; report it like upstream's InternalError would.
    return [field.invalid('metadata', '', `internal error while validating: ${e instanceof Error ? e.message : String(e)}`)];
  }
}
