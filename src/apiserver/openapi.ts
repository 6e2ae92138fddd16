// The OpenAPI v3 documents kubectl reads before it writes (/openapi/v3 and
// /openapi/v3/{api/v1|apis/G/V}). kubectl apply, create, replace and edit ask
// them whether a kind's PATCH takes the `fieldValidation` parameter: if it
// does, kubectl leaves the schema check to the server (which podnet does, in
// the API server's words); without the documents kubectl refuses to send
// anything ("failed to download openapi") unless --validate=false.
//
// The documents list every path, operation and query parameter podnet
// serves, with the x-kubernetes-* extensions kubectl matches on. They carry no
// object schemas (`components.schemas` is empty): kubectl then computes its
// strategic merge patches from its own compiled-in types, as it does for any
// server without them, and `kubectl explain` has nothing to show. Pure: a path
// in, the JSON text out; built once, the served kinds never change.

import { createHash } from 'node:crypto';
import { RESOURCES, type ResourceInfo } from '../api/resources.js';
import { KUBE_VERSION, servesDeleteCollection } from './discovery.js';
import { SCALABLE } from './scale.js';
import { REVIEW_RESOURCES } from './access-review.js';

type Param = { name: string; in: 'query' | 'path'; required?: boolean; schema: { type: string; uniqueItems?: boolean }; description: string };

const query = (name: string, type: string, description: string): Param => ({ name, in: 'query', schema: { type, uniqueItems: true }, description });

const PARAMS = {
  namespace: { name: 'namespace', in: 'path', required: true, schema: { type: 'string', uniqueItems: true }, description: 'object name and auth scope, such as for teams and projects' } as Param,
  name: (kind: string): Param => ({ name: 'name', in: 'path', required: true, schema: { type: 'string', uniqueItems: true }, description: `name of the ${kind}` }),
  dryRun: query('dryRun', 'string', 'All: process the request fully but persist nothing'),
  fieldValidation: query('fieldValidation', 'string', 'Ignore, Warn or Strict (the default): what to do with unknown or duplicate fields'),
  labelSelector: query('labelSelector', 'string', 'only the objects whose labels match'),
  fieldSelector: query('fieldSelector', 'string', 'only the objects whose fields match (metadata.name, metadata.namespace, and per kind spec.nodeName, status.phase)'),
  resourceVersion: query('resourceVersion', 'string', 'the version to list or watch from'),
  watch: query('watch', 'boolean', 'watch for changes instead of listing'),
  allowWatchBookmarks: query('allowWatchBookmarks', 'boolean', 'ask for BOOKMARK events'),
  timeoutSeconds: query('timeoutSeconds', 'integer', 'end the list or watch after this long'),
  gracePeriodSeconds: query('gracePeriodSeconds', 'integer', 'seconds before the object is deleted'),
  propagationPolicy: query('propagationPolicy', 'string', 'Orphan, Background or Foreground: what happens to the dependents'),
};

const PATCH_CONTENT = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
const JSON_BODY = { content: { 'application/json': { schema: { type: 'object' } } }, required: true };
const PATCH_BODY = { content: Object.fromEntries(PATCH_CONTENT.map((c) => [c, { schema: { type: 'object' } }])), required: true };
const OK = { '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } } };

interface Gvk { group: string; version: string; kind: string }

function operation(action: string, verbId: string, gvk: Gvk, parameters: Param[], requestBody?: object) {
  return {
    operationId: verbId,
    parameters,
    ...(requestBody ? { requestBody } : {}),
    responses: action === 'post' ? { ...OK, '201': OK['200'] } : OK,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
  };
}

/** Go-style operation ids (readCoreV1NamespacedService), as upstream names them. */
function opId(verb: string, r: ResourceInfo, suffix = '', allNamespaces = false): string {
  const group = r.group ? r.group.split('.')[0]!.replace(/^./, (c) => c.toUpperCase()) : 'Core';
  const version = r.version.replace(/^./, (c) => c.toUpperCase());
  const scope = allNamespaces ? '' : r.namespaced ? 'Namespaced' : '';
  return `${verb}${group}${version}${scope}${r.kind}${suffix}${allNamespaces ? 'ForAllNamespaces' : ''}`;
}

const WRITE = [PARAMS.dryRun, PARAMS.fieldValidation];
const LIST = [PARAMS.labelSelector, PARAMS.fieldSelector, PARAMS.resourceVersion, PARAMS.watch, PARAMS.allowWatchBookmarks, PARAMS.timeoutSeconds];
const DELETE = [PARAMS.dryRun, PARAMS.gracePeriodSeconds, PARAMS.propagationPolicy];

function resourcePaths(r: ResourceInfo): Record<string, object> {
  const prefix = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const base = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
  const scope = r.namespaced ? [PARAMS.namespace] : [];
  const gvk: Gvk = { group: r.group, version: r.version, kind: r.kind };
  const paths: Record<string, object> = {
    [base]: {
      get: operation('list', opId('list', r), gvk, LIST),
      post: operation('post', opId('create', r), gvk, WRITE, JSON_BODY),
      ...(servesDeleteCollection(r) ? { delete: operation('deletecollection', opId('deleteCollection', r), gvk, [...DELETE, PARAMS.labelSelector, PARAMS.fieldSelector]) } : {}),
      parameters: scope,
    },
    [`${base}/{name}`]: {
      get: operation('get', opId('read', r), gvk, []),
      put: operation('put', opId('replace', r), gvk, WRITE, JSON_BODY),
      patch: operation('patch', opId('patch', r), gvk, WRITE, PATCH_BODY),
      delete: operation('delete', opId('delete', r), gvk, DELETE),
      parameters: [...scope, PARAMS.name(r.kind)],
    },
  };
  if (r.namespaced) paths[`${prefix}/${r.plural}`] = { get: operation('list', opId('list', r, '', true), gvk, LIST), parameters: [] };
  const sub = (name: string, subGvk: Gvk, suffix: string) => {
    paths[`${base}/{name}/${name}`] = {
      get: operation('get', opId('read', r, suffix), subGvk, []),
      put: operation('put', opId('replace', r, suffix), subGvk, WRITE, JSON_BODY),
      patch: operation('patch', opId('patch', r, suffix), subGvk, WRITE, PATCH_BODY),
      parameters: [...scope, PARAMS.name(r.kind)],
    };
  };
  if (r.hasStatus) sub('status', gvk, 'Status');
  if (SCALABLE.has(r.kind)) sub('scale', { group: 'autoscaling', version: 'v1', kind: 'Scale' }, 'Scale');
  return paths;
}

/** A create-only kind (the authorization reviews): POST on its collection, nothing else. */
function createOnlyPaths(r: ResourceInfo): Record<string, object> {
  return { [`/apis/${r.group}/${r.version}/${r.plural}`]: { post: operation('post', opId('create', r), { group: r.group, version: r.version, kind: r.kind }, WRITE, JSON_BODY), parameters: [] } };
}

/** "api/v1" or "apis/apps/v1" → the kinds served there. */
function groupVersions(): Map<string, ResourceInfo[]> {
  const m = new Map<string, ResourceInfo[]>();
  for (const r of [...RESOURCES, ...REVIEW_RESOURCES]) {
    const key = r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`;
    m.set(key, [...(m.get(key) ?? []), r]);
  }
  return m;
}

function groupVersionDocument(rs: ResourceInfo[]): object {
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes (podnet)', version: KUBE_VERSION.gitVersion },
    paths: Object.assign({}, ...rs.map((r) => REVIEW_RESOURCES.includes(r) ? createOnlyPaths(r) : resourcePaths(r))),
    // present but empty: kubectl falls back to its compiled-in types for patch metadata
    components: { schemas: {} },
  };
}

let built: Map<string, string> | undefined;

/** Every document's JSON text by its path without the leading slash. */
function documents(): Map<string, string> {
  if (built) return built;
  const docs = new Map<string, string>();
  const root: Record<string, { serverRelativeURL: string }> = {};
  for (const [gv, rs] of groupVersions()) {
    const text = JSON.stringify(groupVersionDocument(rs));
    docs.set(`openapi/v3/${gv}`, text);
    // the hash lets clients cache a document until it changes, as upstream's does
    root[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${createHash('sha512').update(text).digest('hex').toUpperCase()}` };
  }
  docs.set('openapi/v3', JSON.stringify({ paths: root }));
  return (built = docs);
}

/** The JSON text served at this path (no leading or trailing slash needed), or undefined when it is not an OpenAPI path. */
export function openApiDocument(pathname: string): string | undefined {
  return documents().get(pathname.replace(/^\/+|\/+$/g, ''));
}
