// The registry: everything the API server does to a request between REST and
// the store, shared by the HTTP handlers and the in-process LocalClient so both
// have the same semantics and errors. Per write: resolve the kind, check the
// namespace, apply the kind's strategy, default, validate (422), allocate
// Service values, store. Allocation and the store write are atomic: a failed
// write releases what was allocated, and nothing of an invalid object is kept.
//
// Everything here is synchronous: the store is in memory and better-sqlite3 is
// synchronous, so no other request can interleave inside one operation.

import { randomUUID } from 'node:crypto';
import type {
  Ingress, IngressClass, KubeObject, Namespace, PersistentVolumeClaim, Pod, Service, ServiceAccount, StorageClass, WatchEventType,
} from '../api/types.js';
import { apiVersionOf, resourceForKind, resourceForPlural, type ResourceInfo } from '../api/resources.js';
import { applyDefaults, applyStatusDefaults } from '../api/defaults.js';
import { admitIngressClass } from '../api/default-ingress-class.js';
import { admitStorageClass } from '../api/default-storage-class.js';
import { admitStorageProtection } from '../api/storage-protection.js';
import { admitClaimResize } from '../api/claim-resize.js';
import { admitServiceAccount, DEFAULT_SERVICE_ACCOUNT, defaultServiceAccount, wantsDefaultServiceAccount } from '../api/service-accounts.js';
import { jsonClone } from '../api/json-clone.js';
import { validateObject } from '../api/validation/index.js';
import { ApiError, apiErrors, field, isApiError } from '../errors.js';
import { checkPreconditions, type ObjectStore, type StoredObject, type WriteMode } from '../store/store.js';
import { deepEqual } from '../store/deep-equal.js';
import { nowRFC3339 } from '../api/pod-helpers.js';
import {
  deletionFinalizers, FOREGROUND_FINALIZER, NAMESPACE_FINALIZER, ORPHAN_FINALIZER, propagationPolicyOf, type CascadeOptions, type PropagationPolicy,
} from '../api/deletion.js';
import {
  allocateService, carryOverAllocations, createServiceAllocators, releaseService, restoreService, type ServiceAllocators,
} from './allocators/service-allocations.js';
import { applyJsonPatch } from './json-patch.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';
import { applyMergePatch } from './merge-patch.js';
import { checkFields, checkPatchedFields, patchBase, type RequestMode } from './field-validation.js';
import { compileSelectors } from './selectors.js';
import { prepareForCreate, prepareForFinalize, prepareForStatusUpdate, prepareForUpdate } from './strategies.js';

/** Namespaces that can never be deleted (upstream's immortal namespaces). */
export const UNDELETABLE_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);
/** core/v1 Pod default (terminationGracePeriodSeconds). */
export const DEFAULT_POD_GRACE_SECONDS = 30;

export type PatchType = 'merge' | 'strategic' | 'json';

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  /** list: served from the latest state, which is never older than any version handed out; only a future one is refused */
  resourceVersion?: string;
}

export interface WatchQuery extends ListQuery {
  /** start after this resourceVersion; '' / undefined = from now (or from the current state with sendInitialEvents) */
  resourceVersion?: string;
  /** first send a synthetic ADDED for every matching object (upstream: watch with resourceVersion unset or "0") */
  sendInitialEvents?: boolean;
  /** in-process only: see writes as they are made, before their commit (ObjectStore.watch) */
  uncommitted?: boolean;
}

export interface RegistryEvent {
  type: Exclude<WatchEventType, 'BOOKMARK' | 'ERROR'>;
  rv: number;
  /** the object's JSON; shared, serialize nothing else per watcher */
  json: string;
  /**
   * the store's frozen object behind json, when the event has it at hand (live
   * events; not replays from history): in-process watchers use it instead of
   * parsing json
   */
  object?: KubeObject;
}

export interface RegistryWatch {
  stop(): void;
  /** the resourceVersion the live part starts after (the end of any initial events) */
  startRv: number;
}

export interface DeleteRequest extends CascadeOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface DeleteResult {
  object: StoredObject;
  /** false when the object was only marked (graceful pod deletion, terminating namespace, finalizers) */
  removed: boolean;
}

export class Registry {
  readonly allocators: ServiceAllocators;

  constructor(readonly store: ObjectStore, allocators?: ServiceAllocators, private readonly log: (msg: string) => void = (m) => console.error(m)) {
    this.allocators = allocators ?? createServiceAllocators();
    for (const s of store.list('services').items) {
      for (const problem of restoreService(this.allocators, s.object as Service)) this.log(`registry: ${problem}`);
    }
  }

  /** Resolves apiVersion+kind of a manifest; unknown → 404 "no matches for kind". */
  resolveKind(apiVersion: string | undefined, kind: string | undefined): ResourceInfo {
    const info = resourceForKind(apiVersion ?? '', kind ?? '');
    if (!info) throw apiErrors.noMatch(kind ?? '', apiVersion ?? '');
    return info;
  }

  /** Resolves a REST plural; unknown → 404 like an unserved path. */
  resolvePlural(plural: string): ResourceInfo {
    const info = resourceForPlural(plural);
    if (!info) throw notServed();
    return info;
  }

  get(info: ResourceInfo, namespace: string | undefined, name: string): StoredObject {
    const cur = this.store.get(info.plural, nsKey(info, namespace), name);
    if (!cur) throw apiErrors.notFound(info.plural, info.group, name);
    return cur;
  }

  /**
   * A resourceVersion this store has not reached. Upstream's watch cache
   * waits up to 3 s for it and then answers 504 "Too large resource
   * version"; here every answer is sent after its commit, so a version beyond
   * the committed one was never handed out and waiting cannot help.
   */
  private checkNotFuture(rv: number, uncommitted: boolean): void {
    const current = uncommitted ? this.store.latestRv : this.store.currentRv;
    if (rv > current) throw apiErrors.tooLargeResourceVersion(rv, current);
  }

  /** namespace undefined = all namespaces (for namespaced kinds). */
  list(info: ResourceInfo, namespace: string | undefined, query: ListQuery = {}): { rv: number; items: StoredObject[] } {
    const match = compileSelectors(info.plural, query.labelSelector, query.fieldSelector);
    if (query.resourceVersion) {
      const asked = Number(query.resourceVersion);
      if (!Number.isSafeInteger(asked) || asked < 0) throw apiErrors.badRequest(`invalid resource version: ${query.resourceVersion}`);
      this.checkNotFuture(asked, false);
    }
    const { rv, items } = this.store.list(info.plural, info.namespaced ? namespace : '');
    return { rv, items: match ? items.filter((i) => match(i.object)) : items };
  }

  /** Takes ownership of `obj`. namespace is the request's (path) namespace, if any. */
  create(info: ResourceInfo, namespace: string | undefined, obj: KubeObject, mode: RequestMode = {}): StoredObject {
    checkBody(info, obj);
    checkFields(info.kind, info.version, obj, mode);
    const meta = (obj.metadata ??= {});
    if (info.namespaced) {
      if (namespace && meta.namespace && meta.namespace !== namespace) throw namespaceMismatch();
      meta.namespace = namespace || meta.namespace || 'default';
      this.checkNamespaceAcceptsCreate(info, meta.namespace, meta.name ?? '');
    } else {
      delete meta.namespace;
    }
    if (meta.resourceVersion) throw apiErrors.badRequest('resourceVersion should not be set on objects to be created');
    // admission names the object as the request did, before a name is generated (upstream's order)
    const requestedName = meta.name || meta.generateName || '';
    if (!meta.name && meta.generateName) meta.name = this.store.generateName(info.plural, meta.namespace ?? '', meta.generateName);
    if (!meta.name) throw apiErrors.invalid(info.kind, info.group, '', [field.required('metadata.name', 'name or generateName is required')]);
    applyDefaults(obj);
    this.admit(info, obj, requestedName);
    // the strategy sees the defaulted object, as upstream's BeforeCreate does (a Pod's QoS class needs its defaulted
    // requests), and gives it the uid it is stored with (a Job is validated with a generated selector that names it)
    const uid = randomUUID();
    prepareForCreate(info, obj, this.store.now(), uid);
    this.validate(info, obj);
    const alloc = info.kind === 'Service' ? allocateService(this.allocators, obj as Service) : undefined;
    let stored: StoredObject;
    try {
      // a namespace comes with its default ServiceAccount in the same batch:
      // a pod created right after it must find the account (upstream's
      // admission waits for the controller to make it instead)
      stored = info.kind === 'Namespace' && !mode.dryRun
        ? this.store.batch(() => { const ns = this.store.create(info.plural, obj, mode, uid); this.ensureDefaultServiceAccount(ns.object as Namespace); return ns; })
        : this.store.create(info.plural, obj, mode, uid);
    } catch (e) {
      alloc?.rollback();
      throw e;
    }
    // a dry run shows what it would allocate and gives it back at once (nothing runs in between)
    if (mode.dryRun) alloc?.rollback(); else alloc?.commit();
    return stored;
  }

  /** Replaces an object (or only its status). Takes ownership of `obj`. */
  update(info: ResourceInfo, namespace: string | undefined, name: string, obj: KubeObject, subresource?: string, mode: RequestMode = {}): StoredObject {
    checkBody(info, obj);
    checkFields(info.kind, info.version, obj, mode);
    const meta = (obj.metadata ??= {});
    if (meta.name && meta.name !== name) throw apiErrors.badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    meta.name = name;
    if (info.namespaced) {
      const ns = nsKey(info, namespace);
      if (meta.namespace && meta.namespace !== ns) throw namespaceMismatch();
      meta.namespace = ns;
    } else {
      delete meta.namespace;
    }
    const cur = this.get(info, namespace, name);
    // a uid in the object is a precondition (upstream defaultUpdatedObjectInfo.Preconditions): 409, not 422
    if (meta.uid) checkPreconditions(cur, { uid: meta.uid });
    let next: KubeObject;
    if (subresource === 'status') {
      if (!info.hasStatus) throw notServed();
      next = prepareForStatusUpdate(info, obj, cur.object, this.store.now());
    } else if (subresource === 'finalize' && info.kind === 'Namespace') {
      next = prepareForFinalize(obj, cur.object);
    } else if (subresource) {
      throw notServed();
    } else {
      next = obj;
      prepareForUpdate(info, next, cur.object);
      if (info.kind === 'Service') carryOverAllocations(cur.object as Service, next as Service);
    }
    // metadata.resourceVersion is the optimistic-concurrency precondition; check it before
    // validation so a stale writer gets 409 (and retries) rather than a confusing 422
    if (next.metadata.resourceVersion && next.metadata.resourceVersion !== String(cur.rv)) throw apiErrors.conflict(info.plural, info.group, name);
    // A status write keeps the stored metadata and spec (shared with the
    // stored object: frozen), which were defaulted and validated when they
    // were stored, and podnet validates no status fields (upstream's status
    // strategies check only metadata immutability and status): nothing to do
    // again, and half of a controller's writes are status writes: only the
    // defaulters that fill in status run on them.
    if (subresource === 'status') {
      applyStatusDefaults(next);
    } else {
      applyDefaults(next);
      // a Pod stored by an older build lacks today's defaults (requests from limits): compared as
      // defaulted, as upstream defaults what it reads from etcd, so it stays updatable
      this.validate(info, next, info.kind === 'Pod' ? applyDefaults(jsonClone(cur.object)) : cur.object);
      this.admitUpdate(info, next, cur.object);
    }
    const alloc = info.kind === 'Service' && !subresource ? allocateService(this.allocators, next as Service, cur.object as Service) : undefined;
    let stored: StoredObject;
    try {
      stored = this.store.update(info.plural, next, mode);
    } catch (e) {
      alloc?.rollback();
      throw e;
    }
    if (mode.dryRun) { alloc?.rollback(); return stored; }
    alloc?.commit();
    // an object marked for deletion whose last finalizer is gone is removed now (upstream
    // Store.Update → deleteWithoutFinalizers; a namespace also waits for its spec.finalizers)
    const m = stored.object.metadata;
    if (info.kind === 'Namespace') return namespaceFinished(stored.object as Namespace) ? this.remove(info, stored).object : stored;
    if (m.deletionTimestamp && m.deletionGracePeriodSeconds === 0 && !m.finalizers?.length) {
      return this.remove(info, stored).object;
    }
    return stored;
  }

  /**
   * PATCH: JSON merge patch (RFC 7386), strategic merge patch (lists merged
   * on their patchMergeKey) or JSON patch (RFC 6902). A resourceVersion the
   * patch sets is a precondition.
   */
  patch(info: ResourceInfo, namespace: string | undefined, name: string, patch: unknown, subresource?: string, type: PatchType = 'merge', mode: RequestMode = {}): StoredObject {
    const cur = this.get(info, namespace, name);
    const patched = applyPatchOfType(type, patchBase(info.kind, cur.object, mode), patch);
    checkPatchedFields(info.kind, patched, patch, type, mode);
    // checked above, as a patch: the update does not check it again as a body
    return this.update(info, namespace, name, patched, subresource, { ...mode, fieldValidation: undefined });
  }

  delete(info: ResourceInfo, namespace: string | undefined, name: string, req: DeleteRequest = {}, mode: WriteMode = {}): DeleteResult {
    const cur = this.get(info, namespace, name);
    checkPreconditions(cur, req.preconditions);
    const obj = cur.object;
    const policy = propagationPolicyOf(req) ?? defaultPropagation(info, obj);
    const grace = req.gracePeriodSeconds;
    if (info.kind === 'Namespace') {
      if (UNDELETABLE_NAMESPACES.has(name)) throw apiErrors.forbidden(`namespaces "${name}" is forbidden: this namespace may not be deleted`);
      if (obj.metadata.deletionTimestamp) {
        // upstream's namespace REST: whatever the grace period, it stays until
        // the controller has finalized it (spec.finalizers) and its own
        // metadata.finalizers are gone
        return namespaceFinished(obj as Namespace) ? this.remove(info, cur, mode) : { object: cur, removed: false };
      }
      return this.mark(info, cur, (next) => {
        next.metadata.deletionTimestamp = nowRFC3339(this.store.now());
        next.status = { ...((next.status as object | undefined) ?? {}), phase: 'Terminating' };
      }, mode);
    }
    // What stays behind: the object's finalizers with the cascade's (src/api/deletion.ts),
    // and a scheduled pod's grace period. Either keeps it, marked, until it is over.
    const finalizers = deletionFinalizers(obj.metadata.finalizers, policy);
    const finalizersChange = !deepEqual(finalizers, obj.metadata.finalizers ?? []);
    const seconds = info.kind === 'Pod' ? podGraceSeconds(obj as Pod, grace) : 0;
    if (finalizers.length === 0 && seconds === 0) return this.remove(info, cur, mode);
    const previous = obj.metadata.deletionTimestamp ? obj.metadata.deletionGracePeriodSeconds ?? 0 : undefined;
    // a repeated delete may only shorten the grace period (upstream BeforeDelete)
    const keepTimestamp = previous !== undefined && previous <= seconds;
    if (keepTimestamp && !finalizersChange) return { object: cur, removed: false };
    return this.mark(info, cur, (next) => {
      if (!keepTimestamp) {
        next.metadata.deletionTimestamp = nowRFC3339(new Date(this.store.now().getTime() + seconds * 1000));
        next.metadata.deletionGracePeriodSeconds = seconds;
      }
      if (finalizers.length > 0) next.metadata.finalizers = finalizers;
      else delete next.metadata.finalizers;
    }, mode);
  }

  /**
   * deletecollection: every object the selectors match is deleted as one
   * DELETE would (grace periods, finalizers, cascade); the answer is the list
   * as it was before, as upstream's Store.DeleteCollection returns it. An
   * object another deletion in the same call took (a cascade) is skipped.
   */
  deleteCollection(info: ResourceInfo, namespace: string | undefined, query: ListQuery, req: DeleteRequest = {}, mode: WriteMode = {}): { rv: number; items: StoredObject[] } {
    const listed = this.list(info, namespace, query);
    for (const item of listed.items) {
      const m = item.object.metadata;
      try {
        this.delete(info, m.namespace, m.name ?? '', req, mode);
      } catch (e) {
        if (!isApiError(e, 'NotFound')) throw e;
      }
    }
    return listed;
  }

  /**
   * Watches one kind (one namespace, or all when undefined) with selectors.
   * Throws 410 Expired for a resourceVersion older than the history, 400 for
   * bad selectors. Events arrive synchronously from inside store writes:
   * listeners must only queue them.
   */
  watch(info: ResourceInfo, namespace: string | undefined, query: WatchQuery, listener: (ev: RegistryEvent) => void): RegistryWatch {
    const match = compileSelectors(info.plural, query.labelSelector, query.fieldSelector);
    const ns = info.namespaced ? namespace : undefined;
    let fromRv: number | undefined;
    const rvText = query.resourceVersion ?? '';
    if (rvText !== '' && rvText !== '0') {
      fromRv = Number(rvText);
      if (!Number.isSafeInteger(fromRv) || fromRv < 0) throw apiErrors.badRequest(`invalid resource version: ${rvText}`);
      this.checkNotFuture(fromRv, query.uncommitted === true);
    }
    let startRv = fromRv ?? (query.uncommitted ? this.store.latestRv : this.store.currentRv);
    if (fromRv === undefined && query.sendInitialEvents) {
      const { rv, items } = this.list(info, ns, query);
      for (const i of items) listener({ type: 'ADDED', rv: i.rv, json: i.json, object: i.object });
      startRv = rv;
      fromRv = rv;
    }
    const stop = this.store.watch(info.plural, fromRv, (ev) => {
      if (ns !== undefined && ev.namespace !== ns) return;
      if (!match) {
        listener({ type: ev.type, rv: ev.rv, json: ev.json, object: ev.object });
        return;
      }
      const cur = ev.object ?? (JSON.parse(ev.json) as KubeObject);
      const curPasses = match(cur);
      if (ev.type !== 'MODIFIED') {
        if (curPasses) listener({ type: ev.type, rv: ev.rv, json: ev.json, object: ev.object });
        return;
      }
      const prev = ev.prev ?? (ev.prevJson ? (JSON.parse(ev.prevJson) as KubeObject) : undefined);
      const prevPasses = prev !== undefined && match(prev);
      if (curPasses) listener({ type: prevPasses ? 'MODIFIED' : 'ADDED', rv: ev.rv, json: ev.json, object: ev.object });
      else if (prevPasses) {
        // leaving the selection: DELETED with the previous state at this event's rv (upstream cacher)
        const gone = { ...prev, metadata: { ...prev.metadata, resourceVersion: String(ev.rv) } };
        listener({ type: 'DELETED', rv: ev.rv, json: JSON.stringify(gone) });
      }
    }, { uncommitted: query.uncommitted });
    return { stop, startRv };
  }

  /**
   * Creates the built-in namespaces and the default/kubernetes Service if
   * missing (first start), and every namespace's default ServiceAccount (a
   * store written before podnet served them has none).
   */
  bootstrap(namespaces: readonly string[]): void {
    const nsInfo = this.resolvePlural('namespaces');
    const svcInfo = this.resolvePlural('services');
    this.store.batch(() => {
      for (const name of namespaces) {
        if (!this.store.get('namespaces', '', name)) this.create(nsInfo, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      }
      // a store written before namespaces had spec.finalizers: give each the
      // controller's entry, or a Terminating one could go before it is empty
      for (const ns of this.store.list('namespaces', '').items) {
        if ((ns.object as Namespace).spec?.finalizers !== undefined) continue;
        const next = JSON.parse(ns.json) as Namespace;
        next.spec = { ...(next.spec ?? {}), finalizers: [NAMESPACE_FINALIZER] };
        this.store.update('namespaces', next);
      }
      for (const ns of this.store.list('namespaces', '').items) this.ensureDefaultServiceAccount(ns.object as Namespace);
      if (!this.store.get('services', 'default', 'kubernetes')) {
        this.create(svcInfo, 'default', {
          apiVersion: 'v1', kind: 'Service',
          metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
          spec: { type: 'ClusterIP', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], sessionAffinity: 'None' },
        });
      }
    });
  }

  /** A namespace's default ServiceAccount, unless it has one or is going (the controller makes none there either). */
  private ensureDefaultServiceAccount(ns: Namespace): void {
    const name = ns.metadata.name!;
    if (!wantsDefaultServiceAccount(ns)) return;
    if (this.store.get('serviceaccounts', name, DEFAULT_SERVICE_ACCOUNT)) return;
    this.create(this.resolvePlural('serviceaccounts'), name, defaultServiceAccount(name));
  }

  /**
   * The mutating admission plugins podnet has, on create only, after
   * defaulting and before validation, as upstream's chain runs them: the
   * pod's ServiceAccount, the default IngressClass and StorageClass, and the
   * storage protection finalizers. `requestedName` is the name (or
   * generateName) the request gave, which admission errors show.
   */
  private admit(info: ResourceInfo, obj: KubeObject, requestedName: string): void {
    const items = (plural: string) => this.store.list(plural).items.map((s) => s.object);
    if (info.kind === 'Pod') {
      admitServiceAccount(obj as Pod, requestedName, (ns, name) => this.store.get('serviceaccounts', ns, name)?.object as ServiceAccount | undefined);
    }
    if (info.kind === 'Ingress') admitIngressClass(obj as Ingress, items('ingressclasses') as IngressClass[]);
    if (info.kind === 'PersistentVolumeClaim') admitStorageClass(obj as PersistentVolumeClaim, items('storageclasses') as StorageClass[]);
    admitStorageProtection(obj);
  }

  /**
   * The validating admission plugins podnet has for updates of the object
   * itself (not its status), after validation as upstream's chain runs
   * them: PersistentVolumeClaimResize.
   */
  private admitUpdate(info: ResourceInfo, obj: KubeObject, old: KubeObject): void {
    if (info.kind !== 'PersistentVolumeClaim') return;
    admitClaimResize(obj as PersistentVolumeClaim, old as PersistentVolumeClaim, (name) => this.store.get('storageclasses', '', name)?.object as StorageClass | undefined);
  }

  private validate(info: ResourceInfo, obj: KubeObject, old?: KubeObject): void {
    const errs = validateObject(obj, old);
    if (errs.length > 0) throw apiErrors.invalid(info.kind, info.group, obj.metadata.name ?? '', errs);
  }

  private checkNamespaceAcceptsCreate(info: ResourceInfo, namespace: string, name: string): void {
    const ns = this.store.get('namespaces', '', namespace);
    if (!ns) throw apiErrors.notFound('namespaces', '', namespace);
    if (ns.object.metadata.deletionTimestamp || (ns.object as Namespace).status?.phase === 'Terminating') {
      throw apiErrors.namespaceTerminating(info.plural, info.group, name, namespace);
    }
  }

  /** Marks an object for deletion (MODIFIED event); a dry run answers the marked object and stores nothing. */
  private mark(info: ResourceInfo, cur: StoredObject, change: (next: KubeObject) => void, mode: WriteMode = {}): DeleteResult {
    const next = JSON.parse(cur.json) as KubeObject;
    change(next);
    next.metadata.resourceVersion = String(cur.rv);
    return { object: this.store.update(info.plural, next, mode), removed: false };
  }

  private remove(info: ResourceInfo, cur: StoredObject, mode: WriteMode = {}): DeleteResult {
    if (mode.dryRun) return { object: cur, removed: true };
    const m = cur.object.metadata;
    const gone = this.store.delete(info.plural, m.namespace ?? '', m.name ?? '');
    if (info.kind === 'Service') releaseService(this.allocators, cur.object as Service);
    return { object: gone, removed: true };
  }
}

/**
 * The cascade of a DELETE that names none: batch/v1 Jobs orphan their pods
 * (upstream's job strategy keeps the policy of the first batch API; kubectl
 * always sends Background), unless an earlier DELETE left its cascade
 * finalizer, which stands. Every other kind: Background (deletion.ts).
 */
function defaultPropagation(info: ResourceInfo, obj: KubeObject): PropagationPolicy | undefined {
  if (info.kind !== 'Job') return undefined;
  const finalizers = obj.metadata.finalizers ?? [];
  return finalizers.includes(ORPHAN_FINALIZER) || finalizers.includes(FOREGROUND_FINALIZER) ? undefined : 'Orphan';
}

/** Upstream: unscheduled pods and pods that already finished go away at once. */
function podGraceSeconds(pod: Pod, requested: number | undefined): number {
  if (!pod.spec?.nodeName) return 0;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return 0;
  const seconds = requested ?? pod.spec.terminationGracePeriodSeconds ?? DEFAULT_POD_GRACE_SECONDS;
  return Math.max(0, seconds);
}

function nsKey(info: ResourceInfo, namespace: string | undefined): string {
  return info.namespaced ? namespace || 'default' : '';
}

/** kind/apiVersion of a body must be the endpoint's (empty ones are filled in). */
export function checkBody(info: ResourceInfo, obj: KubeObject): void {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw apiErrors.badRequest('the body of the request was in an unknown format');
  const apiVersion = apiVersionOf(info);
  if (obj.apiVersion && obj.apiVersion !== apiVersion) {
    throw apiErrors.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersion})`);
  }
  if (obj.kind && obj.kind !== info.kind) {
    throw apiErrors.badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${info.kind})`);
  }
  obj.apiVersion = apiVersion;
  obj.kind = info.kind;
}

function namespaceMismatch(): ApiError {
  return apiErrors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
}

/** What kube-apiserver answers for a path it does not serve. */
/**
 * A PATCH body applied to an object (or a subresource's view of it): a JSON
 * patch's failed operation is 422, a merge patch must be a JSON object, and
 * the result must keep its metadata.
 */
export function applyPatchOfType<T extends KubeObject>(type: PatchType, target: T, patch: unknown): T {
  let patched: T;
  if (type === 'json') {
    try {
      patched = applyJsonPatch(target, patch) as T;
    } catch (e) {
      throw new ApiError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message: (e as Error).message, reason: 'Invalid', code: 422 });
    }
  } else {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw apiErrors.badRequest('the patch must be a JSON object');
    patched = (type === 'strategic' ? applyStrategicMergePatch : applyMergePatch)(jsonClone(target), patch) as T;
  }
  if (typeof patched !== 'object' || patched === null || typeof patched.metadata !== 'object' || patched.metadata === null) {
    throw apiErrors.badRequest('the patch removed the object\'s metadata');
  }
  return patched;
}

/** A Terminating namespace nothing holds any more: no spec.finalizers (the controller's) and no metadata.finalizers. */
function namespaceFinished(ns: Namespace): boolean {
  return !!ns.metadata.deletionTimestamp && !ns.spec?.finalizers?.length && !ns.metadata.finalizers?.length;
}

export function notServed(): ApiError {
  return new ApiError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', code: 404, details: {} });
}
