// The Client for code inside the daemon: calls the registry in-process, with
// the same semantics and errors as the HTTP API. What goes in is copied (the
// registry takes ownership of what it stores; of a status write only the
// status, the one part of it the registry keeps). What comes out of get and list
// is a fresh copy (parsed from the store's JSON), free to change; watch events
// and the results of writes are the store's own objects, deep-frozen, shared
// by every informer and caller: the daemon's informers would otherwise parse
// every event's JSON again (~8,000 events and as many writes in a
// 2,000-object apply), and a caller that changes one gets a TypeError instead
// of changing the store's view. Controllers copy what they change (spreads,
// jsonClone), as they must with a shared informer anyway. Watch events
// are delivered asynchronously (a microtask after the write), never from
// inside the store's write.
//
// Group commit: in-process callers see writes as they are made, before the
// store's group commit puts them on disk (reads, and watches with
// `uncommitted`). That keeps the controllers' view as fresh as it always was
// (a controller's next sync sees its own last write), and it is safe: this
// client never answers anyone outside the process, and it dies with the
// uncommitted writes it saw.

import type { KubeList, KubeObject, Status, WatchEvent } from '../api/types.js';
import { apiVersionOf } from '../api/resources.js';
import { jsonClone } from '../api/json-clone.js';
import type { Registry, RegistryEvent } from '../apiserver/registry.js';
import type { StoredObject } from '../store/store.js';
import type { Client, DeleteOptions, ListOptions, WatchHandle, WatchOptions, WriteOptions } from './client.js';

function copy<T>(s: StoredObject): T {
  return JSON.parse(s.json) as T;
}

/** The store's frozen object (see the header). */
function shared<T>(s: StoredObject): T {
  return s.object as unknown as T;
}


/**
 * What goes into a status write: the registry reads only its status and its
 * metadata (name, namespace, resourceVersion; it sets name and namespace) and
 * takes the rest from the stored object, so only those two are copied, not
 * the spec a controller spreads along (`{ ...deploy, status }`).
 */
function statusInput<T extends KubeObject>(obj: T): T {
  return { ...obj, metadata: { ...obj.metadata }, status: obj.status === undefined ? undefined : jsonClone(obj.status) };
}

export class LocalClient implements Client {
  constructor(readonly registry: Registry) {}

  async get<T extends KubeObject = KubeObject>(plural: string, namespace: string | undefined, name: string): Promise<T> {
    return copy<T>(this.registry.get(this.registry.resolvePlural(plural), namespace, name));
  }

  async list<T extends KubeObject = KubeObject>(plural: string, namespace?: string, options: ListOptions = {}): Promise<KubeList<T>> {
    const info = this.registry.resolvePlural(plural);
    const { rv, items } = this.registry.list(info, namespace, options);
    return { apiVersion: apiVersionOf(info), kind: `${info.kind}List`, metadata: { resourceVersion: String(rv) }, items: items.map((i) => copy<T>(i)) };
  }

  async create<T extends KubeObject>(obj: T, options: Pick<WriteOptions, 'dryRun'> = {}): Promise<T> {
    const info = this.registry.resolveKind(obj.apiVersion, obj.kind);
    return shared<T>(this.registry.create(info, undefined, jsonClone(obj), { dryRun: options.dryRun === true }));
  }

  async update<T extends KubeObject>(obj: T, options: WriteOptions = {}): Promise<T> {
    const info = this.registry.resolveKind(obj.apiVersion, obj.kind);
    const input = options.subresource === 'status' ? statusInput(obj) : jsonClone(obj);
    return shared<T>(this.registry.update(info, obj.metadata?.namespace, obj.metadata?.name ?? '', input, options.subresource, { dryRun: options.dryRun === true }));
  }

  async patch<T extends KubeObject = KubeObject>(plural: string, namespace: string | undefined, name: string, patch: unknown, options: WriteOptions = {}): Promise<T> {
    return shared<T>(this.registry.patch(this.registry.resolvePlural(plural), namespace, name, jsonClone(patch), options.subresource, options.patchType ?? 'merge', { dryRun: options.dryRun === true }));
  }

  async delete(plural: string, namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<KubeObject | Status> {
    return shared<KubeObject>(this.registry.delete(this.registry.resolvePlural(plural), namespace, name, options).object);
  }

  watch<T extends KubeObject = KubeObject>(plural: string, namespace: string | undefined, options: WatchOptions, onEvent: (event: WatchEvent<T>) => void): WatchHandle {
    let stopped = false;
    let resolveDone!: () => void;
    let rejectDone!: (e: unknown) => void;
    const done = new Promise<void>((resolve, reject) => { resolveDone = resolve; rejectDone = reject; });
    done.catch(() => { /* the caller may not await done; an expired watch must not crash the daemon */ });
    let queue: RegistryEvent[] = [];
    let scheduled = false;
    const drain = () => {
      scheduled = false;
      const batch = queue;
      queue = [];
      for (const ev of batch) {
        if (stopped) return;
        try {
          onEvent({ type: ev.type, object: (ev.object ?? JSON.parse(ev.json)) as T });
        } catch (e) {
          console.error(`local-client: watch handler for ${plural} failed:`, e);
        }
      }
    };
    let stopWatch = () => {};
    try {
      const info = this.registry.resolvePlural(plural);
      stopWatch = this.registry.watch(info, namespace, { ...options, sendInitialEvents: false, uncommitted: true }, (ev) => {
        queue.push(ev);
        if (!scheduled) {
          scheduled = true;
          queueMicrotask(drain);
        }
      }).stop;
    } catch (e) {
      stopped = true;
      rejectDone(e);
    }
    return {
      done,
      stop: () => {
        if (stopped) return;
        stopped = true;
        stopWatch();
        resolveDone();
      },
    };
  }
}
