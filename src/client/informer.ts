// Informer: list, then watch from the list's resourceVersion, keeping a local
// cache and telling handlers about every change. When the watch expires (410)
// or breaks, it re-watches from the last seen resourceVersion, and if that is
// too old it re-lists and emits the difference against its cache (adds,
// updates, deletes), so a consumer never misses that something changed, only,
// at worst, intermediate states. Retries back off exponentially.

import type { KubeObject } from '../api/types.js';
import { isApiError } from '../errors.js';
import type { Client } from './client.js';

const DEFAULT_MIN_BACKOFF_MS = 100;
const DEFAULT_MAX_BACKOFF_MS = 10_000;

export interface InformerOptions<T extends KubeObject> {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** named secondary indexes: index name → the values an object is filed under */
  indexers?: Record<string, (obj: T) => string[]>;
  log?: (msg: string) => void;
}

export type AddHandler<T> = (obj: T) => void;
export type UpdateHandler<T> = (oldObj: T, newObj: T) => void;
export type DeleteHandler<T> = (obj: T) => void;

export function objectKey(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

/** Files key under each index value. */
function fileUnder(idx: Map<string, Set<string>>, values: string[], key: string): void {
  for (const v of values) {
    let s = idx.get(v);
    if (!s) idx.set(v, (s = new Set()));
    s.add(key);
  }
}

/** Takes key out from under each index value. */
function unfile(idx: Map<string, Set<string>>, values: string[], key: string): void {
  for (const v of values) {
    const s = idx.get(v);
    s?.delete(key);
    if (s?.size === 0) idx.delete(v);
  }
}

function sameValues(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class Informer<T extends KubeObject = KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private readonly indexers = new Map<string, (obj: T) => string[]>();
  private readonly addHandlers: AddHandler<T>[] = [];
  private readonly updateHandlers: UpdateHandler<T>[] = [];
  private readonly deleteHandlers: DeleteHandler<T>[] = [];
  private readonly log: (msg: string) => void;
  private running = false;
  private stopped = false;
  private stopCurrent: (() => void) | undefined;
  private wake: (() => void) | undefined;
  private resolveSynced!: () => void;
  private rv = '';
  private hasSyncedFlag = false;
  /** resolves after the first list has been delivered to the handlers */
  readonly synced: Promise<void>;

  constructor(private readonly client: Client, readonly plural: string, private readonly options: InformerOptions<T> = {}) {
    this.synced = new Promise((resolve) => { this.resolveSynced = resolve; });
    this.log = options.log ?? ((m) => console.error(m));
    for (const [name, fn] of Object.entries(options.indexers ?? {})) this.addIndexer(name, fn);
  }

  /**
   * Adds a secondary index (any time: it is built from the cache at once and
   * kept up to date after). Adding a name again keeps the first indexer, so
   * controllers sharing an informer can each ask for the index they need.
   */
  addIndexer(name: string, fn: (obj: T) => string[]): void {
    if (this.indexers.has(name)) return;
    this.indexers.set(name, fn);
    const idx = new Map<string, Set<string>>();
    this.indexes.set(name, idx);
    for (const [key, obj] of this.cache) fileUnder(idx, fn(obj), key);
  }

  onAdd(fn: AddHandler<T>): this { this.addHandlers.push(fn); return this; }
  onUpdate(fn: UpdateHandler<T>): this { this.updateHandlers.push(fn); return this; }
  onDelete(fn: DeleteHandler<T>): this { this.deleteHandlers.push(fn); return this; }

  get hasSynced(): boolean { return this.hasSyncedFlag; }
  /** resourceVersion of the last list or event seen */
  get resourceVersion(): string { return this.rv; }

  /** Starts the list/watch loop (idempotent); await `synced` for the first list. */
  start(): this {
    if (this.running || this.stopped) return this;
    this.running = true;
    void this.run();
    return this;
  }

  stop(): void {
    this.stopped = true;
    this.stopCurrent?.();
    this.wake?.();
  }

  list(): T[] { return [...this.cache.values()]; }

  /** namespace undefined or '' for cluster-scoped kinds */
  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(`${namespace ?? ''}/${name}`);
  }

  byIndex(indexName: string, value: string): T[] {
    const keys = this.indexes.get(indexName)?.get(value);
    if (!keys) return [];
    return [...keys].map((k) => this.cache.get(k)!).filter(Boolean);
  }

  /** How many objects are filed under value, without listing them. */
  countByIndex(indexName: string, value: string): number {
    return this.indexes.get(indexName)?.get(value)?.size ?? 0;
  }

  private async run(): Promise<void> {
    const min = this.options.minBackoffMs ?? DEFAULT_MIN_BACKOFF_MS;
    const max = this.options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    let backoff = min;
    let needList = true;
    while (!this.stopped) {
      if (needList) {
        try {
          const list = await this.client.list<T>(this.plural, this.options.namespace, { labelSelector: this.options.labelSelector, fieldSelector: this.options.fieldSelector });
          if (this.stopped) return;
          this.replace(list.items);
          this.rv = list.metadata.resourceVersion ?? '';
          needList = false;
          if (!this.hasSyncedFlag) {
            this.hasSyncedFlag = true;
            this.resolveSynced();
          }
        } catch (e) {
          this.log(`informer ${this.plural}: list failed, retrying in ${backoff}ms: ${(e as Error).message}`);
          await this.sleep(backoff);
          backoff = Math.min(backoff * 2, max);
          continue;
        }
      }
      let sawEvent = false;
      const handle = this.client.watch<T>(this.plural, this.options.namespace, {
        resourceVersion: this.rv, labelSelector: this.options.labelSelector, fieldSelector: this.options.fieldSelector,
      }, (ev) => {
        sawEvent = true;
        this.apply(ev.type, ev.object);
      });
      this.stopCurrent = handle.stop;
      try {
        await handle.done;
        backoff = min; // a watch that ended normally (server timeout) is simply resumed
      } catch (e) {
        if (this.stopped) return;
        if (isApiError(e, 'Expired') || isApiError(e, 'Gone')) {
          // history no longer reaches our rv: only a fresh list can tell what changed
          needList = true;
          continue;
        }
        if (sawEvent) backoff = min;
        this.log(`informer ${this.plural}: watch failed, retrying in ${backoff}ms: ${(e as Error).message}`);
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, max);
      } finally {
        this.stopCurrent = undefined;
      }
    }
  }

  private apply(type: string, obj: T): void {
    const rv = obj.metadata?.resourceVersion;
    if (rv) this.rv = rv;
    if (type === 'BOOKMARK') return;
    const key = objectKey(obj);
    const old = this.cache.get(key);
    if (type === 'DELETED') {
      if (!old) return;
      this.remove(key, old);
      this.call(this.deleteHandlers, obj);
      return;
    }
    this.put(key, obj, old);
    if (old) this.callUpdate(old, obj);
    else this.call(this.addHandlers, obj);
  }

  /** Swaps in a fresh list, emitting what changed relative to the cache. */
  private replace(items: T[]): void {
    const seen = new Set<string>();
    for (const obj of items) {
      const key = objectKey(obj);
      seen.add(key);
      const old = this.cache.get(key);
      if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) continue;
      this.put(key, obj, old);
      if (old) this.callUpdate(old, obj);
      else this.call(this.addHandlers, obj);
    }
    for (const [key, old] of [...this.cache]) {
      if (seen.has(key)) continue;
      this.remove(key, old);
      this.call(this.deleteHandlers, old);
    }
  }

  private put(key: string, obj: T, old: T | undefined): void {
    this.cache.set(key, obj);
    for (const [name, fn] of this.indexers) {
      const idx = this.indexes.get(name)!;
      const values = fn(obj);
      if (old) {
        const before = fn(old);
        // most updates are status writes that move no index value: leave the index alone
        if (sameValues(before, values)) continue;
        unfile(idx, before, key);
      }
      fileUnder(idx, values, key);
    }
  }

  private remove(key: string, old: T): void {
    this.unindex(key, old);
    this.cache.delete(key);
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) unfile(this.indexes.get(name)!, fn(obj), key);
  }

  private call(handlers: ((obj: T) => void)[], obj: T): void {
    for (const h of handlers) {
      try { h(obj); } catch (e) { this.log(`informer ${this.plural}: handler failed: ${(e as Error).stack ?? e}`); }
    }
  }

  private callUpdate(old: T, obj: T): void {
    for (const h of this.updateHandlers) {
      try { h(old, obj); } catch (e) { this.log(`informer ${this.plural}: handler failed: ${(e as Error).stack ?? e}`); }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(t); this.wake = undefined; resolve(); };
    });
  }
}
