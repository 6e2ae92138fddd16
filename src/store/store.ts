// The object store: every object of the cluster in memory (for fast get/list
// and selector matching), written through to SQLite, with a global
// resourceVersion and a watch history.
//
// Invariants:
// - resourceVersion is one global counter (like etcd's revision): every write
//   gets the next value, and it is persisted with the write in one transaction.
// - Group commit (commit: 'grouped', what the API server uses): the writes of
//   one event-loop turn are applied to memory at once but reach SQLite
//   together, in one transaction, when the turn ends (setImmediate). Until
//   that COMMIT nothing of them leaves the store: watchers get their events
//   after it, and whenCommitted() lets the API server hold every answer
//   until then. SQLite commits groups in order, so what is on disk is always
//   a prefix of the history, and everything anyone outside the process was
//   told is in that prefix. In-process callers (the daemon's controllers)
//   may read the open group's writes and may watch them as they happen
//   (watch(..., { uncommitted: true })), exactly as before group commit:
//   they die with the process, so they can never tell anyone of a lost write.
// - Cached objects are immutable, and frozen (deeply, as they are stored) so
//   that a mutation throws instead of silently changing the store's view: the
//   in-process client hands these very objects to the daemon's informers and
//   write callers (one JSON.parse per event and per write saved); whoever
//   needs a mutable object copies (JSON.parse(json), jsonClone).
// - Watchers see committed writes only, in rv order, exactly once; a watch from
//   rv x replays history after x and then continues live with no gap, because
//   replay and subscription happen in one synchronous step.

import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../api/types.js';
import { nowRFC3339 } from '../api/pod-helpers.js';
import { resourceForPlural } from '../api/resources.js';
import { ApiError, apiErrors } from '../errors.js';
import { deepEqual, specChanged } from './deep-equal.js';
import { EventHistory, type HistoryEvent, type StoreEventType } from './event-history.js';
import { SqliteBackend } from './sqlite-backend.js';

/** upstream's watch cache keeps far fewer; 100k covers minutes of a busy cluster */
export const DEFAULT_HISTORY_SIZE = 100_000;
const GENERATE_NAME_SUFFIX_LENGTH = 5;
/** upstream maxGeneratedNameLength: a DNS label's 63 characters less the suffix */
const MAX_GENERATED_NAME_PREFIX = 63 - GENERATE_NAME_SUFFIX_LENGTH;
const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789'; // upstream's: no vowels, no confusable digits
const GENERATE_NAME_ATTEMPTS = 16;

export interface StoredObject {
  readonly object: KubeObject;
  /** JSON of `object`, shared by SQLite, the watch history, lists and every watcher */
  readonly json: string;
  readonly rv: number;
}

/** A committed change as watchers see it; live events also carry the parsed objects. */
export interface StoreEvent extends HistoryEvent {
  readonly object?: KubeObject;
  readonly prev?: KubeObject;
}

export type StoreListener = (ev: StoreEvent) => void;

/**
 * 'immediate': every outermost write (or batch) is its own SQLite transaction,
 * committed before the call returns. 'grouped': writes of one event-loop turn
 * share one transaction, committed when the turn ends (see whenCommitted).
 */
export type CommitMode = 'immediate' | 'grouped';

export interface StoreOptions {
  /** SQLite file (':memory:' for tests) */
  path: string;
  historySize?: number;
  now?: () => Date;
  commit?: CommitMode;
  /**
   * Called once when a grouped commit fails (disk full, I/O error). The
   * group's writes are rolled back in memory, their callers get a 500, and
   * the store refuses every later write: only a restart from the file is
   * trustworthy after that (etcd treats backend failures as fatal, too).
   */
  onFailure?: (err: Error) => void;
}

export interface Preconditions { uid?: string; resourceVersion?: string }

/** dryRun: check and fill in everything, store nothing (the API's dryRun=All) */
export interface WriteMode { dryRun?: boolean }

type ObjectMeta = KubeObject['metadata'];

interface JournalEntry { plural: string; namespace: string; name: string; prev: StoredObject | undefined }

/** One row operation as SQLite will see it; json undefined = delete. */
interface PendingWrite { plural: string; namespace: string; name: string; rv: number; json: string | undefined }

/** The writes of one batch() call, in memory already. */
interface Transaction {
  startRv: number;
  journal: JournalEntry[];
  events: StoreEvent[];
}

/** Finished batches waiting for their common SQLite commit. */
interface Group {
  startRv: number;
  journal: JournalEntry[];
  /** last write per key wins: one row operation per object per commit */
  writes: Map<string, PendingWrite>;
  events: StoreEvent[];
  done: Promise<void>;
  settle: { resolve: () => void; reject: (e: Error) => void };
}

export class ObjectStore {
  private readonly backend: SqliteBackend;
  private readonly cache = new Map<string, Map<string, Map<string, StoredObject>>>();
  /** watchers of committed events (whatever leaves the process) */
  private readonly listeners = new Map<string, Set<StoreListener>>();
  /** in-process watchers that see each write as it is made */
  private readonly earlyListeners = new Map<string, Set<StoreListener>>();
  private readonly history: EventHistory;
  private rv: number;
  private committed: number;
  private tx: Transaction | undefined;
  private group: Group | undefined;
  private failure: Error | undefined;
  private readonly grouped: boolean;
  private readonly onFailure: ((err: Error) => void) | undefined;
  readonly now: () => Date;

  constructor(options: StoreOptions) {
    this.now = options.now ?? (() => new Date());
    this.grouped = options.commit === 'grouped';
    this.onFailure = options.onFailure;
    this.backend = new SqliteBackend(options.path);
    let rv = this.backend.readRv();
    for (const row of this.backend.readAll()) {
      this.bucket(row.plural, row.namespace).set(row.name, { object: deepFreeze(JSON.parse(row.data) as KubeObject), json: row.data, rv: row.rv });
      if (row.rv > rv) rv = row.rv;
    }
    this.rv = rv;
    this.committed = rv;
    // after a restart history starts at the current rv: older rvs get 410
    this.history = new EventHistory(options.historySize ?? DEFAULT_HISTORY_SIZE, rv);
  }

  /** The resourceVersion of the last committed write. */
  get currentRv(): number { return this.committed; }
  /** The resourceVersion of the last write, committed or in the open group. */
  get latestRv(): number { return this.rv; }

  /** Watchers of committed events open now (the API server's watch streams among them). */
  get committedWatchers(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }
  get compactedRv(): number { return this.history.compactedRv; }

  /**
   * undefined when every write so far is committed; otherwise a promise that
   * settles when the open group is: resolved once it is on disk, rejected
   * (500) if the commit failed. Answer nothing that depends on the store's
   * state before it resolves.
   */
  whenCommitted(): Promise<void> | undefined {
    return this.group?.done;
  }

  /** Commits the open group now (grouped mode), e.g. before closing. */
  flush(): void {
    this.commitGroup();
  }

  close(): void {
    if (!this.failure) this.commitGroup();
    this.listeners.clear();
    this.earlyListeners.clear();
    this.backend.close();
  }

  get(plural: string, namespace: string, name: string): StoredObject | undefined {
    return this.cache.get(plural)?.get(namespace)?.get(name);
  }

  /** Objects of one plural (one namespace, or all when namespace is undefined), sorted by namespace/name like etcd keys. */
  list(plural: string, namespace?: string): { rv: number; items: StoredObject[] } {
    const byNs = this.cache.get(plural);
    const items: StoredObject[] = [];
    if (byNs) {
      const namespaces = namespace === undefined ? [...byNs.keys()].sort() : [namespace];
      for (const ns of namespaces) {
        const m = byNs.get(ns);
        if (!m) continue;
        const names = [...m.keys()].sort();
        for (const n of names) items.push(m.get(n)!);
      }
    }
    return { rv: this.rv, items };
  }

  count(plural: string): number {
    let n = 0;
    for (const m of this.cache.get(plural)?.values() ?? []) n += m.size;
    return n;
  }

  /**
   * Runs fn's writes as one unit: watchers see its events only after they are
   * committed (with fn's return in immediate mode, at the end of the turn in
   * grouped mode); if fn throws, its writes are undone in memory and never
   * reach disk. Nested calls join the outer batch.
   */
  batch<T>(fn: () => T): T {
    if (this.tx) return fn();
    if (this.failure) throw storeFailed(this.failure);
    const tx: Transaction = { startRv: this.rv, journal: [], events: [] };
    this.tx = tx;
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.tx = undefined;
      this.undo(tx.journal);
      this.rv = tx.startRv;
      throw e;
    }
    this.tx = undefined;
    if (tx.events.length === 0) return result;
    const group = this.openGroup();
    for (const j of tx.journal) group.journal.push(j);
    for (const ev of tx.events) {
      group.writes.set(`${ev.plural}\0${ev.namespace}\0${ev.name}`, { plural: ev.plural, namespace: ev.namespace, name: ev.name, rv: ev.rv, json: ev.type === 'DELETED' ? undefined : ev.json });
      group.events.push(ev);
    }
    if (!this.grouped) {
      // immediate mode: a failed commit is this caller's error, thrown here
      this.commitGroup();
      if (this.failure) {
        const err = this.failure;
        this.failure = undefined;
        throw storeFailed(err);
      }
    }
    for (const ev of tx.events) this.emit(this.earlyListeners, ev);
    return result;
  }

  private openGroup(): Group {
    if (this.group) return this.group;
    let settle!: Group['settle'];
    const done = new Promise<void>((resolve, reject) => { settle = { resolve, reject }; });
    // a group nobody waits for must not be an unhandled rejection
    done.catch(() => undefined);
    const group: Group = { startRv: this.committed, journal: [], writes: new Map(), events: [], done, settle };
    this.group = group;
    if (this.grouped) setImmediate(() => this.commitGroup());
    return group;
  }

  /** Writes the open group in one SQLite transaction, then publishes its events. */
  private commitGroup(): void {
    const group = this.group;
    if (!group) return;
    this.group = undefined;
    try {
      this.backend.begin();
      for (const w of group.writes.values()) {
        if (w.json !== undefined) this.backend.put(w.plural, w.namespace, w.name, w.rv, w.json);
        else this.backend.remove(w.plural, w.namespace, w.name);
      }
      this.backend.commit(this.rv);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      this.backend.rollback();
      this.undo(group.journal);
      this.rv = group.startRv;
      this.failure = err;
      group.settle.reject(storeFailed(err));
      if (this.grouped) this.onFailure?.(err);
      return;
    }
    this.committed = this.rv;
    // waiters first: an answer held for this commit goes out before anything the events trigger
    group.settle.resolve();
    for (const ev of group.events) {
      const { object: _o, prev: _p, ...record } = ev;
      this.history.push(record);
      this.emit(this.listeners, ev);
    }
  }

  /** Restores the cache entries a journal recorded, newest first. */
  private undo(journal: JournalEntry[]): void {
    for (let i = journal.length - 1; i >= 0; i--) {
      const j = journal[i]!;
      if (j.prev) this.bucket(j.plural, j.namespace).set(j.name, j.prev);
      else this.cache.get(j.plural)?.get(j.namespace)?.delete(j.name);
    }
  }

  /**
   * Stores a new object. Takes ownership of `obj` (fills in name from
   * generateName, uid, creationTimestamp, generation, resourceVersion).
   * dryRun: only fills it in (no resourceVersion: it was never stored).
   * `uid`: the one the API server gave it before its strategy ran (a Job's
   * generated selector names it); otherwise a new one.
   */
  create(plural: string, obj: KubeObject, options: WriteMode = {}, uid?: string): StoredObject {
    if (options.dryRun) {
      this.fillNew(plural, obj, uid);
      return { object: deepFreeze(obj), json: JSON.stringify(obj), rv: this.committed };
    }
    return this.batch(() => {
      const { namespace, name, meta } = this.fillNew(plural, obj, uid);
      const rv = this.rv + 1;
      meta.resourceVersion = String(rv);
      return this.put('ADDED', plural, namespace, name, obj, rv, undefined);
    });
  }

  /** A new object's server-set metadata, after checking its name is free. */
  private fillNew(plural: string, obj: KubeObject, uid: string = randomUUID()): { namespace: string; name: string; meta: ObjectMeta } {
    const meta = ownMetadata(obj);
    const namespace = meta.namespace ?? '';
    if (!meta.name && meta.generateName) meta.name = this.generateName(plural, namespace, meta.generateName);
    const name = meta.name ?? '';
    if (this.get(plural, namespace, name)) throw apiErrors.alreadyExists(plural, groupOf(plural), name);
    meta.uid = uid;
    meta.creationTimestamp = nowRFC3339(this.now());
    meta.generation = 1;
    delete meta.resourceVersion;
    return { namespace, name, meta };
  }

  /**
   * Replaces an object. A metadata.resourceVersion in `obj` must be the current
   * one (optimistic concurrency, 409 otherwise); without it the update is
   * unconditional. uid and creationTimestamp are kept; generation moves when
   * anything but metadata/status changed. An update that changes nothing
   * returns the stored object without a new resourceVersion or event.
   * dryRun: the object as it would be stored, at the current resourceVersion.
   */
  update(plural: string, obj: KubeObject, options: WriteMode = {}): StoredObject {
    if (options.dryRun) {
      const { cur } = this.fillUpdated(plural, obj);
      return { object: deepFreeze(obj), json: JSON.stringify(obj), rv: cur.rv };
    }
    return this.batch(() => {
      const { namespace, name, meta, cur } = this.fillUpdated(plural, obj);
      if (deepEqual(cur.object, obj)) return cur;
      const rv = this.rv + 1;
      meta.resourceVersion = String(rv);
      return this.put('MODIFIED', plural, namespace, name, obj, rv, cur);
    });
  }

  /** An updated object's metadata carried over from the stored one, after the optimistic-concurrency check. */
  private fillUpdated(plural: string, obj: KubeObject): { namespace: string; name: string; meta: ObjectMeta; cur: StoredObject } {
    const meta = ownMetadata(obj);
    const namespace = meta.namespace ?? '';
    const name = meta.name ?? '';
    const cur = this.get(plural, namespace, name);
    if (!cur) throw apiErrors.notFound(plural, groupOf(plural), name);
    if (meta.resourceVersion && meta.resourceVersion !== String(cur.rv)) throw apiErrors.conflict(plural, groupOf(plural), name);
    const old = cur.object;
    meta.uid = old.metadata.uid;
    meta.creationTimestamp = old.metadata.creationTimestamp;
    meta.generation = (old.metadata.generation ?? 1) + (specChanged(old, obj) ? 1 : 0);
    meta.resourceVersion = String(cur.rv);
    return { namespace, name, meta, cur };
  }

  /** Removes an object; returns its last state carrying the deletion's resourceVersion. */
  delete(plural: string, namespace: string, name: string, preconditions?: Preconditions): StoredObject {
    return this.batch(() => {
      const cur = this.get(plural, namespace, name);
      if (!cur) throw apiErrors.notFound(plural, groupOf(plural), name);
      checkPreconditions(cur, preconditions);
      const rv = this.rv + 1;
      const last: KubeObject = deepFreeze({ ...cur.object, metadata: { ...cur.object.metadata, resourceVersion: String(rv) } });
      const json = JSON.stringify(last);
      this.journal(plural, namespace, name, cur);
      this.cache.get(plural)!.get(namespace)!.delete(name);
      this.rv = rv;
      this.tx!.events.push({ type: 'DELETED', rv, plural, namespace, name, json, prevJson: cur.json, object: last, prev: cur.object });
      return { object: last, json, rv };
    });
  }

  /**
   * Calls listener for every committed event of `plural` after fromRv (replayed
   * from history, synchronously, before this returns) and then for every new
   * one. fromRv undefined = from now. Throws 410 Expired when history no
   * longer reaches back to fromRv. Returns the unsubscribe function.
   * uncommitted: also the open group's events, and each new write as soon as
   * it is made rather than once committed; only for in-process consumers,
   * which share the process's fate (see the invariants above).
   */
  watch(plural: string, fromRv: number | undefined, listener: StoreListener, options: { uncommitted?: boolean } = {}): () => void {
    const early = options.uncommitted === true;
    if (fromRv !== undefined) {
      if (!this.history.covers(fromRv)) throw apiErrors.gone(`too old resource version: ${fromRv} (${this.history.compactedRv})`);
      for (const ev of this.history.since(fromRv, plural)) listener(ev);
      if (early) for (const ev of this.group?.events ?? []) if (ev.rv > fromRv && ev.plural === plural) listener(ev);
    }
    const floor = Math.max(fromRv ?? 0, early ? this.rv : this.committed);
    const wrapped: StoreListener = (ev) => { if (ev.rv > floor) listener(ev); };
    const all = early ? this.earlyListeners : this.listeners;
    let set = all.get(plural);
    if (!set) all.set(plural, (set = new Set()));
    set.add(wrapped);
    return () => { set.delete(wrapped); };
  }

  private put(type: StoreEventType, plural: string, namespace: string, name: string, obj: KubeObject, rv: number, prev: StoredObject | undefined): StoredObject {
    const json = JSON.stringify(obj);
    const entry: StoredObject = { object: deepFreeze(obj), json, rv };
    this.journal(plural, namespace, name, prev);
    this.bucket(plural, namespace).set(name, entry);
    this.rv = rv;
    this.tx!.events.push({ type, rv, plural, namespace, name, json, prevJson: prev?.json, object: obj, prev: prev?.object });
    return entry;
  }

  private journal(plural: string, namespace: string, name: string, prev: StoredObject | undefined): void {
    this.tx!.journal.push({ plural, namespace, name, prev });
  }

  private emit(listeners: Map<string, Set<StoreListener>>, ev: StoreEvent): void {
    const set = listeners.get(ev.plural);
    if (!set || set.size === 0) return;
    for (const l of [...set]) {
      try { l(ev); } catch (e) { console.error(`store: watch listener for ${ev.plural} failed:`, e); }
    }
  }

  private bucket(plural: string, namespace: string): Map<string, StoredObject> {
    let byNs = this.cache.get(plural);
    if (!byNs) this.cache.set(plural, (byNs = new Map()));
    let m = byNs.get(namespace);
    if (!m) byNs.set(namespace, (m = new Map()));
    return m;
  }

  /**
   * prefix + 5 random characters, unused in that namespace (metadata.generateName).
   * As upstream's SimpleNameGenerator, a prefix longer than 58 characters is
   * cut so that the name stays within 63.
   */
  generateName(plural: string, namespace: string, fullPrefix: string): string {
    const prefix = fullPrefix.slice(0, MAX_GENERATED_NAME_PREFIX);
    for (let attempt = 0; attempt < GENERATE_NAME_ATTEMPTS; attempt++) {
      let suffix = '';
      for (let i = 0; i < GENERATE_NAME_SUFFIX_LENGTH; i++) suffix += GENERATE_NAME_ALPHABET[Math.floor(Math.random() * GENERATE_NAME_ALPHABET.length)];
      const name = prefix + suffix;
      if (!this.get(plural, namespace, name)) return name;
    }
    throw apiErrors.alreadyExists(plural, groupOf(plural), prefix);
  }
}

/**
 * Freezes a JSON value and everything in it (an object from JSON has no
 * cycles and no getters). Frozen children are skipped: a shallow copy of a
 * stored object (`{ ...cur.object, metadata }`) shares frozen parts.
 */
function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (const v of value) if (typeof v === 'object' && v !== null) deepFreeze(v);
  } else {
    for (const k in value) {
      const v = (value as Record<string, unknown>)[k];
      if (typeof v === 'object' && v !== null) deepFreeze(v);
    }
  }
  return value;
}

/**
 * obj's metadata, which the store fills in; copied first when it is a stored
 * (frozen) object's, as in `update({ ...stored.object, status })`.
 */
function ownMetadata(obj: KubeObject): KubeObject['metadata'] {
  if (Object.isFrozen(obj.metadata)) obj.metadata = { ...obj.metadata };
  return obj.metadata;
}

function groupOf(plural: string): string {
  return resourceForPlural(plural)?.group ?? '';
}

/** DeleteOptions.preconditions, with the apiserver's messages (apimachinery storage.Preconditions). */
export function checkPreconditions(cur: StoredObject, pre: Preconditions | undefined): void {
  if (!pre) return;
  const meta = cur.object.metadata;
  if (pre.uid && pre.uid !== meta.uid) {
    throw preconditionFailed(`Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`);
  }
  if (pre.resourceVersion && pre.resourceVersion !== String(cur.rv)) {
    throw preconditionFailed(`Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.rv}`);
  }
}

function storeFailed(err: Error): ApiError {
  return apiErrors.internal(`the store could not commit: ${err.message}`);
}

function preconditionFailed(message: string): ApiError {
  return new ApiError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message, reason: 'Conflict', code: 409 });
}
