// authorization.k8s.io/v1 SelfSubjectAccessReview and SelfSubjectRulesReview:
// what `kubectl auth can-i VERB RESOURCE` and `kubectl auth can-i --list`
// create. podnet has no authentication and no authorization: whoever can open
// the API socket (mode 0600) may do everything, as a cluster-admin may. So each
// review is answered as kube-apiserver answers one under such an authorizer:
// allowed, with rules that allow every verb on every resource and path.
//
// As upstream (pkg/registry/authorization/selfsubject{access,rules}review):
// create only, answered 201 and never stored; the body's kind and apiVersion
// checked like any other write, unknown fields per `fieldValidation`, then
// the review's own validation. Pure: the request in, the answer out.

import type { ResourceInfo } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import { ANY, type FieldSchema, type ObjectFields } from '../api/known-fields.js';
import { goQuote, invalidGo, isObj } from '../api/validation/fields.js';
import { apiErrors, field } from '../errors.js';
import { checkFields, fieldValidationOf, type RequestMode } from './field-validation.js';
import { dryRunOf, readObject, type ApiRequest } from './http-util.js';
import { checkBody, notServed } from './registry.js';
import { splitPath } from './router.js';

export const AUTHORIZATION_GROUP = 'authorization.k8s.io';
const VERSION = 'v1';

const review = (kind: string): ResourceInfo => ({
  kind, group: AUTHORIZATION_GROUP, version: VERSION, plural: `${kind.toLowerCase()}s`, singular: kind.toLowerCase(), namespaced: false, shortNames: [], hasStatus: false,
});
export const SELF_SUBJECT_ACCESS_REVIEW = review('SelfSubjectAccessReview');
export const SELF_SUBJECT_RULES_REVIEW = review('SelfSubjectRulesReview');
/** What podnet serves of the group (not SubjectAccessReview, LocalSubjectAccessReview: nobody else's rights to ask about). */
export const REVIEW_RESOURCES: readonly ResourceInfo[] = [SELF_SUBJECT_ACCESS_REVIEW, SELF_SUBJECT_RULES_REVIEW];
/** Their only verb, as discovery lists it. */
export const REVIEW_VERBS = ['create'];

/** SubjectAccessReviewStatus.reason of every answer */
export const ALLOWED_REASON = 'podnet has no authorization: every client of the API socket may do everything';

const fields = (f: Record<string, FieldSchema>): ObjectFields => ({ fields: new Map(Object.entries(f)) });
const strings = (...keys: string[]): ObjectFields => fields(Object.fromEntries(keys.map((k) => [k, ANY])));
/** Kubernetes v1.31 authorization/v1 fields (the selectors of AuthorizeWithSelectors taken as they come) */
const SCHEMAS: Record<string, ObjectFields> = {
  SelfSubjectAccessReview: fields({
    apiVersion: ANY, kind: ANY, metadata: ANY, status: ANY,
    spec: fields({
      resourceAttributes: fields({
        namespace: ANY, verb: ANY, group: ANY, version: ANY, resource: ANY, subresource: ANY, name: ANY, fieldSelector: ANY, labelSelector: ANY,
      }),
      nonResourceAttributes: strings('path', 'verb'),
    }),
  }),
  SelfSubjectRulesReview: fields({ apiVersion: ANY, kind: ANY, metadata: ANY, status: ANY, spec: strings('namespace') }),
};

/**
 * The review a path creates, undefined for paths outside the group's
 * collections (discovery of the group falls through); 404 for anything else
 * under it (named or namespaced paths, other versions and kinds).
 */
export function routeReview(pathname: string): ResourceInfo | undefined {
  const parts = splitPath(pathname);
  if (parts[0] !== 'apis' || parts[1] !== AUTHORIZATION_GROUP || parts.length < 4) return undefined;
  const info = REVIEW_RESOURCES.find((r) => r.plural === parts[3]);
  if (parts.length !== 4 || parts[2] !== VERSION || !info) throw notServed();
  return info;
}

export interface ReviewAnswer { json: string; warnings?: string[] }

/** POST of a review: the answer's JSON (201); ApiErrors as kube-apiserver's. */
export function createReview(info: ResourceInfo, req: ApiRequest, query: URLSearchParams): ReviewAnswer {
  if (req.method !== 'POST') {
    throw apiErrors.methodNotAllowed(`the server does not allow this method on the requested resource (${req.method} ${info.plural}.${info.group})`);
  }
  dryRunOf(query); // only checked: nothing is stored either way
  const mode: RequestMode = { fieldValidation: fieldValidationOf(query, 'POST') };
  const body = readObject(req);
  checkBody(info, body);
  checkFields(info.kind, info.version, body, mode, SCHEMAS[info.kind]);
  objectField(info, body, 'metadata', 'v1.ObjectMeta');
  const spec = objectField(info, body, 'spec', `v1.${info.kind}Spec`) ?? {};
  const status = info === SELF_SUBJECT_ACCESS_REVIEW ? accessStatus(info, body, spec) : rulesStatus(info, spec);
  // metadata as Go writes an empty ObjectMeta; the spec decoded (unknown fields gone), status ours
  const answer = { kind: info.kind, apiVersion: `${info.group}/${info.version}`, metadata: { creationTimestamp: null }, spec: info === SELF_SUBJECT_ACCESS_REVIEW ? spec : {}, status };
  return { json: JSON.stringify(answer), ...(mode.warnings?.length ? { warnings: mode.warnings } : {}) };
}

/** ValidateSelfSubjectAccessReview (v1.31 wording), then the decision. */
function accessStatus(info: ResourceInfo, body: KubeObject, spec: Record<string, unknown>): object {
  const resource = objectField(info, spec, 'resourceAttributes', 'v1.ResourceAttributes', 'spec.');
  const nonResource = objectField(info, spec, 'nonResourceAttributes', 'v1.NonResourceAttributes', 'spec.');
  for (const [attrs, path] of [[resource, 'spec.resourceAttributes'], [nonResource, 'spec.nonResourceAttributes']] as const) {
    // every attribute is a string but the selectors (objects, taken as they come)
    for (const [k, v] of Object.entries(attrs ?? {})) if (typeof v !== 'string' && v !== null && !k.endsWith('Selector')) throw typeMismatch(info, `${path}.${k}`, v, 'string');
  }
  const errs = [];
  if (resource && nonResource) {
    errs.push(invalidGo('spec.nonResourceAttributes', `authorization.NonResourceAttributes{Path:${goQuote(String(nonResource.path ?? ''))}, Verb:${goQuote(String(nonResource.verb ?? ''))}}`, 'cannot be specified in combination with resourceAttributes'));
  }
  // Go prints the nil pointer it was given as the string "null"
  if (!resource && !nonResource) errs.push(invalidGo('spec.resourceAttributes', '"null"', 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  // the review is about the caller: it names no object of its own (managedFields aside)
  const metadata = body.metadata as unknown;
  if (isObj(metadata) && Object.entries(metadata).some(([k, v]) => k !== 'managedFields' && !isZero(v))) errs.push(field.invalid('metadata', metadata, 'must be empty'));
  if (errs.length) throw apiErrors.invalid(info.kind, info.group, '', errs);
  return { allowed: true, reason: ALLOWED_REASON };
}

/** pkg/registry/authorization/selfsubjectrulesreview: a namespace is required; the rules are everything. */
function rulesStatus(info: ResourceInfo, spec: Record<string, unknown>): object {
  const namespace = spec.namespace ?? '';
  if (typeof namespace !== 'string') throw typeMismatch(info, 'spec.namespace', namespace, 'string');
  if (namespace === '') throw apiErrors.badRequest('no namespace on request');
  return {
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
    nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    incomplete: false,
  };
}

/** An object-valued field (undefined when absent or null); `goType` names it in the decoder's 400. */
function objectField(info: ResourceInfo, parent: object, key: string, goType: string, prefix = ''): Record<string, unknown> | undefined {
  const v = (parent as Record<string, unknown>)[key];
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw typeMismatch(info, `${prefix}${key}`, v, goType);
  return v;
}

/** The decoder's 400 for a JSON value of the wrong type. */
function typeMismatch(info: ResourceInfo, path: string, value: unknown, want: string) {
  const got = Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value;
  return apiErrors.badRequest(`${info.kind} in version ${goQuote(info.version)} cannot be handled as a ${info.kind}: json: cannot unmarshal ${got} into Go struct field ${info.kind}.${path} of type ${want}`);
}

/** What Go decodes to a zero value: null, "", 0, false, [] and {} (kubectl sends `creationTimestamp: null`). */
function isZero(v: unknown): boolean {
  if (v === null || v === undefined || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return isObj(v) && Object.values(v).every(isZero);
}
