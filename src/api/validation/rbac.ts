// RBAC validation (k8s pkg/apis/rbac/validation): the rules of Roles and
// ClusterRoles, the roleRef and subjects of RoleBindings and
// ClusterRoleBindings, and the roleRef no update may change. The four kinds'
// names are only checked as path segments (ValidateRBACName, index.ts).
// podnet enforces none of these objects (docs/architecture.md, "RBAC"): they
// are checked so that a manifest refused by a real cluster is refused here.

import { field, type FieldError } from '../../errors.js';
import { validateLabelSelector } from '../labels.js';
import {
  deepEqual, goQuote, goStringSlice, invalidGo, isObj, NOT_OBJECT, optList, optObj, optStringList, requiredPathSegment, stringField, type Obj,
} from './fields.js';
import { nameIsDNSSubdomain } from './names.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
const SUBJECT_KINDS = ['ServiceAccount', 'User', 'Group'];
const BINDING_ROLE_KINDS = ['Role', 'ClusterRole'];
const CLUSTER_BINDING_ROLE_KINDS = ['ClusterRole'];

/** ValidatePolicyRule: verbs always; then either non-resource URLs (ClusterRoles only) or groups and resources. */
function validatePolicyRule(rule: Obj, namespaced: boolean, path: string, errs: FieldError[]): void {
  const verbs = optStringList(rule, 'verbs', `${path}.verbs`, errs) ?? [];
  if (verbs.length === 0) errs.push(field.required(`${path}.verbs`, 'verbs must contain at least one value'));
  const groups = optStringList(rule, 'apiGroups', `${path}.apiGroups`, errs) ?? [];
  const resources = optStringList(rule, 'resources', `${path}.resources`, errs) ?? [];
  const names = optStringList(rule, 'resourceNames', `${path}.resourceNames`, errs) ?? [];
  const urls = optStringList(rule, 'nonResourceURLs', `${path}.nonResourceURLs`, errs) ?? [];
  if (urls.length > 0) {
    const rendered = goStringSlice(urls);
    if (namespaced) errs.push(invalidGo(`${path}.nonResourceURLs`, rendered, 'namespaced rules cannot apply to non-resource URLs'));
    if (groups.length > 0 || resources.length > 0 || names.length > 0) {
      errs.push(invalidGo(`${path}.nonResourceURLs`, rendered, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return;
  }
  if (groups.length === 0) errs.push(field.required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (resources.length === 0) errs.push(field.required(`${path}.resources`, 'resource rules must supply at least one resource'));
}

function validateRules(obj: Obj, namespaced: boolean, errs: FieldError[]): void {
  (optList(obj, 'rules', 'rules', errs) ?? []).forEach((rule, i) => {
    if (!isObj(rule)) errs.push(field.invalid(`rules[${i}]`, rule, NOT_OBJECT));
    else validatePolicyRule(rule, namespaced, `rules[${i}]`, errs);
  });
}

/** ValidateRole: its rules, which may not name non-resource URLs (a namespace has none). */
export function validateRole(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  validateRules(obj, true, errs);
  return errs;
}

/**
 * ValidateClusterRole: its rules, and an aggregationRule's selectors. A
 * selector that cannot be parsed is reported once more as upstream does,
 * with the nil selector its parse returned as the value.
 */
export function validateClusterRole(obj: Obj): FieldError[] {
  const errs: FieldError[] = [];
  validateRules(obj, false, errs);
  const aggregation = optObj(obj, 'aggregationRule', 'aggregationRule', errs);
  if (aggregation) {
    const path = 'aggregationRule.clusterRoleSelectors';
    const selectors = optList(aggregation, 'clusterRoleSelectors', path, errs) ?? [];
    if (selectors.length === 0) errs.push(field.required(path, 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    selectors.forEach((selector, i) => {
      const selectorErrs = validateLabelSelector(selector, `${path}[${i}]`);
      errs.push(...selectorErrs);
      if (selectorErrs.length > 0) errs.push(invalidGo(`${path}[${i}]`, goQuote('null'), 'invalid label selector.'));
    });
  }
  return errs;
}

/** ValidateRoleBindingSubject: a ServiceAccount (in the core group; a ClusterRoleBinding's names its namespace), a User or a Group (in the rbac group). */
function validateSubject(subject: Obj, namespaced: boolean, path: string, errs: FieldError[]): void {
  const name = stringField(subject, 'name', `${path}.name`, errs);
  if (name === '') errs.push(field.required(`${path}.name`));
  const apiGroup = stringField(subject, 'apiGroup', `${path}.apiGroup`, errs);
  const namespace = stringField(subject, 'namespace', `${path}.namespace`, errs);
  const kind = stringField(subject, 'kind', `${path}.kind`, errs);
  switch (kind) {
    case 'ServiceAccount':
      if (name) for (const m of nameIsDNSSubdomain(name, false)) errs.push(field.invalid(`${path}.name`, name, m));
      if (apiGroup) errs.push(field.notSupported(`${path}.apiGroup`, apiGroup, ['']));
      if (!namespaced && namespace === '') errs.push(field.required(`${path}.namespace`));
      break;
    case 'User': case 'Group':
      if (apiGroup !== undefined && apiGroup !== RBAC_GROUP) errs.push(field.notSupported(`${path}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    case undefined:
      break;
    default:
      errs.push(field.notSupported(`${path}.kind`, kind, SUBJECT_KINDS));
  }
}

/** What both bindings check: the role they name (of the kinds given) and whom they name it for. */
function validateBinding(obj: Obj, namespaced: boolean, roleKinds: string[]): FieldError[] {
  const errs: FieldError[] = [];
  const roleRef = optObj(obj, 'roleRef', 'roleRef', errs) ?? {};
  const apiGroup = stringField(roleRef, 'apiGroup', 'roleRef.apiGroup', errs);
  if (apiGroup !== undefined && apiGroup !== RBAC_GROUP) errs.push(field.notSupported('roleRef.apiGroup', apiGroup, [RBAC_GROUP]));
  const kind = stringField(roleRef, 'kind', 'roleRef.kind', errs);
  if (kind !== undefined && !roleKinds.includes(kind)) errs.push(field.notSupported('roleRef.kind', kind, roleKinds));
  requiredPathSegment(roleRef, 'name', 'roleRef.name', errs);
  (optList(obj, 'subjects', 'subjects', errs) ?? []).forEach((subject, i) => {
    if (!isObj(subject)) errs.push(field.invalid(`subjects[${i}]`, subject, NOT_OBJECT));
    else validateSubject(subject, namespaced, `subjects[${i}]`, errs);
  });
  return errs;
}

/** ValidateRoleBinding: a Role of its namespace or a ClusterRole, for subjects whose ServiceAccounts default to its namespace. */
export function validateRoleBinding(obj: Obj): FieldError[] {
  return validateBinding(obj, true, BINDING_ROLE_KINDS);
}

/** ValidateClusterRoleBinding: a ClusterRole only, and every ServiceAccount subject names its namespace. */
export function validateClusterRoleBinding(obj: Obj): FieldError[] {
  return validateBinding(obj, false, CLUSTER_BINDING_ROLE_KINDS);
}

/** rbac.RoleRef as Go's %#v prints it in "cannot change roleRef". */
function goRoleRef(ref: unknown): string {
  const text = (key: string) => goQuote(String((isObj(ref) ? ref[key] : undefined) ?? ''));
  return `rbac.RoleRef{APIGroup:${text('apiGroup')}, Kind:${text('kind')}, Name:${text('name')}}`;
}

/** ValidateRoleBindingUpdate, ValidateClusterRoleBindingUpdate: the roleRef is fixed; a binding to another role is a new binding. */
export function validateRoleRefUnchanged(obj: Obj, old: Obj): FieldError[] {
  return deepEqual(obj.roleRef, old.roleRef) ? [] : [invalidGo('roleRef', goRoleRef(obj.roleRef), 'cannot change roleRef')];
}
