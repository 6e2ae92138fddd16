// The verbs on resource paths: GET (get, list, watch), POST, PUT, PATCH,
// DELETE. Parsing query/body and writing the answer only; semantics live in
// the registry.
//
// Acknowledgement: the store commits the writes of one event-loop turn
// together (group commit), so every answer waits for whenCommitted(): a
// client is never told of a write, or shown state, that a kill -9 before the
// COMMIT would lose. Reads wait too, since they may show the open group.

import { parseGoBool } from '../api/go-bool.js';
import { apiVersionOf } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import type { ResourceInfo } from '../api/resources.js';
import type { StoredObject } from '../store/store.js';
import { ApiError, apiErrors } from '../errors.js';
import { dryRunOf, dryRunValues, readJson, readObject, sendJson, warningHeader, type ApiRequest, type ApiResponse } from './http-util.js';
import { applyPatchOfType, notServed, type DeleteRequest, type PatchType, type Registry, type RegistryEvent } from './registry.js';
import { includeObjectOf, tableVersionOf, toTable } from './table.js';
import { servesDeleteCollection } from './discovery.js';
import { SCALABLE, scaleOf, updateScale } from './scale.js';
import { checkFields, checkPatchedFields, fieldValidationOf, type RequestMode } from './field-validation.js';
import type { ResourceRoute } from './router.js';
import { serveWatch } from './watch.js';
import { serveLog } from './pod-log.js';
import { unservedPodStream } from './pod-streams-unserved.js';

const PATCH_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/json-patch+json': 'json',
};

export interface HandlerOptions {
  bookmarkIntervalMs?: number;
  /** the cluster's pods directory, where the node agents write container logs (pods/log); none: pods/log is not served */
  podsDir?: string;
}

/** The patch format the Content-Type names; anything else is 415. */
function patchTypeOf(req: ApiRequest): PatchType {
  const contentType = req.contentType.split(';')[0]!.trim();
  const type = PATCH_TYPES[contentType];
  if (!type) {
    throw new ApiError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', code: 415, reason: 'UnsupportedMediaType',
      message: `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_TYPES).join(', ')}` });
  }
  return type;
}

export async function handleResource(registry: Registry, req: ApiRequest, res: ApiResponse, route: ResourceRoute, query: URLSearchParams, options: HandlerOptions = {}): Promise<void> {
  const mode: RequestMode = {};
  try {
    await handle(registry, req, res, route, query, options, mode);
  } catch (e) {
    // a write refused after Warn dropped fields still says which (upstream's warnings ride on errors too)
    if (mode.warnings?.length && e instanceof ApiError) e.warnings = mode.warnings;
    throw e;
  }
}

async function handle(registry: Registry, req: ApiRequest, res: ApiResponse, route: ResourceRoute, query: URLSearchParams, options: HandlerOptions, mode: RequestMode): Promise<void> {
  const { info, namespace, name, subresource } = route;
  const method = req.method;
  // reads ignore dryRun, as upstream does
  mode.dryRun = method !== 'GET' && dryRunOf(query);
  if (method === 'POST' || method === 'PUT' || method === 'PATCH') mode.fieldValidation = fieldValidationOf(query, method);
  if (subresource) {
    // port-forward and attach are upgrades; a plain request for them gets the same refusal
    const unserved = unservedPodStream(registry, info, namespace, name, subresource);
    if (unserved) throw unserved;
    // what upstream does not serve is 404; what it serves by other verbs, 405
    const served = subresource === 'status' || (subresource === 'finalize' && info.kind === 'Namespace') || (subresource === 'scale' && SCALABLE.has(info.kind))
      || (subresource === 'log' && info.kind === 'Pod' && options.podsDir !== undefined);
    if (!served || !name) throw notServed();
    if (subresource === 'log') {
      if (method !== 'GET') throw notAllowed(method, route);
      const committed = registry.store.whenCommitted();
      if (committed) await committed;
      serveLog(registry, info, namespace!, name, query, res, options.podsDir!);
      return;
    }
    if (subresource === 'scale') { await handleScale(registry, req, res, route, mode); return; }
    if (subresource === 'finalize' && method !== 'PUT') throw notAllowed(method, route);
  }
  switch (method) {
    case 'GET': {
      const tableVersion = tableVersionOf(req.accept);
      const includeObject = includeObjectOf(query);
      const isWatch = route.watch || query.get('watch') === 'true' || query.get('watch') === '1';
      if (isWatch) {
        const fieldSelector = name ? joinSelectors(query.get('fieldSelector'), `metadata.name=${name}`) : query.get('fieldSelector') ?? undefined;
        const rv = query.get('resourceVersion') ?? '';
        const sendInitial = query.get('sendInitialEvents');
        const timeout = query.get('timeoutSeconds');
        serveWatch(registry, res, {
          info, namespace, fieldSelector,
          labelSelector: query.get('labelSelector') ?? undefined,
          resourceVersion: rv,
          sendInitialEvents: sendInitial === null ? rv === '' || rv === '0' : sendInitial === 'true',
          allowBookmarks: query.get('allowWatchBookmarks') === 'true',
          timeoutSeconds: timeout === null ? undefined : Number(timeout),
          // a Table per event, the columns with the first only, as upstream sends them
          ...(tableVersion ? { encode: (ev: RegistryEvent, first: boolean) => toTable(info, [ev.object ?? JSON.parse(ev.json) as KubeObject], { version: tableVersion, includeObject, withColumns: first }) } : {}),
        }, options.bookmarkIntervalMs);
        return;
      }
      if (name) {
        // a kind without a status subresource has no such path
        if (subresource === 'status' && !info.hasStatus) throw notServed();
        const found = registry.get(info, namespace, name);
        await answer(registry, res, 200, tableVersion && !subresource ? toTable(info, [found.object], { version: tableVersion, includeObject }) : found.json);
        return;
      }
      const { rv, items } = registry.list(info, namespace, {
        labelSelector: query.get('labelSelector') ?? undefined,
        fieldSelector: query.get('fieldSelector') ?? undefined,
        resourceVersion: query.get('resourceVersion') ?? undefined,
      });
      await answer(registry, res, 200, tableVersion
        ? toTable(info, items.map((i) => i.object), { version: tableVersion, includeObject, resourceVersion: String(rv) })
        : listJson(info, rv, items));
      return;
    }
    case 'POST': {
      if (name) throw notAllowed(method, route);
      const body = readObject(req);
      await answer(registry, res, 201, registry.create(info, namespace, body, mode).json, mode.warnings);
      return;
    }
    case 'PUT': {
      if (!name) throw notAllowed(method, route);
      const body = readObject(req);
      await answer(registry, res, 200, registry.update(info, namespace, name, body, subresource, mode).json, mode.warnings);
      return;
    }
    case 'PATCH': {
      if (!name) throw notAllowed(method, route);
      const type = patchTypeOf(req);
      const patch = readJson(req);
      await answer(registry, res, 200, registry.patch(info, namespace, name, patch, subresource, type, mode).json, mode.warnings);
      return;
    }
    case 'DELETE': {
      if (subresource) throw notAllowed(method, route);
      const opts = deleteOptionsOf(req, query, mode);
      if (!name) {
        // deletecollection: on a namespace's path for namespaced kinds, never for namespaces (as upstream serves it)
        if (!servesDeleteCollection(info) || (info.namespaced && !namespace)) throw notAllowed(method, route);
        const { rv, items } = registry.deleteCollection(info, namespace, {
          labelSelector: query.get('labelSelector') ?? undefined,
          fieldSelector: query.get('fieldSelector') ?? undefined,
        }, opts, mode);
        await answer(registry, res, 200, listJson(info, rv, items));
        return;
      }
      const result = registry.delete(info, namespace, name, opts, mode);
      // 202 Accepted: the object is only marked (graceful deletion, finalizers), as upstream answers
      if (!result.removed) { await answer(registry, res, 202, result.object.json); return; }
      // removed: the object for the kinds whose upstream storage sets ReturnDeletedObject, else a Status
      await answer(registry, res, 200, RETURNS_DELETED_OBJECT.has(info.kind) ? result.object.json : JSON.stringify(deletedStatus(info, result.object.object)));
      return;
    }
    default:
      throw notAllowed(method, route);
  }
}

/** A List of stored objects; their JSON strings are joined, not serialized again. */
function listJson(info: ResourceInfo, rv: number, items: readonly StoredObject[]): string {
  const head = `{"kind":"${info.kind}List","apiVersion":"${apiVersionOf(info)}","metadata":{"resourceVersion":"${rv}"},"items":[`;
  return head + items.map((i) => i.json).join(',') + ']}';
}

/** DeleteOptions from the body and the query (the query wins), as upstream reads them; dryRun goes to `mode`. */
function deleteOptionsOf(req: ApiRequest, query: URLSearchParams, mode: RequestMode): DeleteRequest {
  const body = readJson(req) as DeleteRequest | undefined;
  const opts: DeleteRequest = { ...(body ?? {}) };
  // a JSON null is an unset option, as Go decodes it into a nil pointer
  if ((opts.propagationPolicy as unknown) === null) delete opts.propagationPolicy;
  if ((opts.orphanDependents as unknown) === null) delete opts.orphanDependents;
  const grace = query.get('gracePeriodSeconds');
  if (grace !== null) {
    opts.gracePeriodSeconds = Number(grace);
    if (!Number.isInteger(opts.gracePeriodSeconds)) throw apiErrors.badRequest(`invalid gracePeriodSeconds: ${grace}`);
  }
  const policy = query.get('propagationPolicy');
  if (policy !== null) opts.propagationPolicy = policy;
  const orphan = query.get('orphanDependents');
  if (orphan !== null) {
    opts.orphanDependents = parseGoBool(orphan);
    if (opts.orphanDependents === undefined) throw apiErrors.badRequest(`invalid orphanDependents: ${orphan}`);
  }
  if (opts.orphanDependents !== undefined && typeof opts.orphanDependents !== 'boolean') throw apiErrors.badRequest('orphanDependents must be a boolean');
  if (opts.propagationPolicy !== undefined && typeof opts.propagationPolicy !== 'string') throw apiErrors.badRequest('propagationPolicy must be a string');
  // DeleteOptions carries dryRun in its body too
  const bodyDryRun = (body as { dryRun?: unknown } | undefined)?.dryRun;
  if (bodyDryRun !== undefined && bodyDryRun !== null) mode.dryRun ||= dryRunValues(Array.isArray(bodyDryRun) ? bodyDryRun.map(String) : [String(bodyDryRun)]);
  delete (opts as { dryRun?: unknown }).dryRun;
  return opts;
}

/** GET, PUT and PATCH of a Deployment's, ReplicaSet's or StatefulSet's autoscaling/v1 Scale. */
async function handleScale(registry: Registry, req: ApiRequest, res: ApiResponse, route: ResourceRoute, mode: RequestMode): Promise<void> {
  const { info, namespace } = route;
  const name = route.name!;
  // the Scale is checked as a Scale; the object it then writes is the server's own
  const write: RequestMode = { ...mode, fieldValidation: undefined };
  switch (req.method) {
    case 'GET':
      await answer(registry, res, 200, JSON.stringify(scaleOf(registry.get(info, namespace, name).object)));
      return;
    case 'PUT': {
      const body = readObject(req);
      checkFields('Scale', 'v1', body, mode);
      await answer(registry, res, 200, JSON.stringify(updateScale(registry, info, namespace, name, body, write)), mode.warnings);
      return;
    }
    case 'PATCH': {
      const type = patchTypeOf(req);
      const patch = readJson(req);
      const patched = applyPatchOfType(type, scaleOf(registry.get(info, namespace, name).object) as unknown as KubeObject, patch);
      checkPatchedFields('Scale', patched, patch, type, mode);
      await answer(registry, res, 200, JSON.stringify(updateScale(registry, info, namespace, name, patched, write)), mode.warnings);
      return;
    }
    default:
      throw notAllowed(req.method, route);
  }
}


/** Kinds whose upstream storage answers a DELETE with the deleted object (pods, services, claims, volumes; namespaces have their own REST). */
const RETURNS_DELETED_OBJECT = new Set(['Pod', 'Service', 'Namespace', 'PersistentVolumeClaim', 'PersistentVolume']);

/** The generic registry's answer to a DELETE that removed the object (finalizeDelete); empty fields are left out, as Go's omitempty does. */
function deletedStatus(info: ResourceInfo, obj: KubeObject): object {
  return {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success',
    details: { name: obj.metadata.name ?? '', ...(info.group ? { group: info.group } : {}), kind: info.plural, uid: obj.metadata.uid },
  };
}

/** Sends once everything the answer may reflect is committed (a failed commit throws its 500). */
async function answer(registry: Registry, res: ApiResponse, code: number, json: string, warnings?: readonly string[]): Promise<void> {
  const committed = registry.store.whenCommitted();
  if (committed) await committed;
  sendJson(res, code, json, warnings?.length ? { Warning: warningHeader(warnings) } : undefined);
}


function joinSelectors(a: string | null, b: string): string {
  return a ? `${a},${b}` : b;
}

function notAllowed(method: string, route: ResourceRoute): ApiError {
  return apiErrors.methodNotAllowed(`the server does not allow this method on the requested resource (${method} ${route.info.plural}${route.subresource ? '/' + route.subresource : ''})`);
}
