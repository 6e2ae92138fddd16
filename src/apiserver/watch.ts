// Streams a watch as newline-delimited JSON over a chunked response, like
// kube-apiserver: `{"type":"ADDED","object":{...}}\n` per event.
//
// Expired resourceVersion: answered like kube-apiserver, with 200 and a single
// ERROR event whose object is the 410 Status (reason Expired), then the end of
// the stream. HttpClient turns that into a rejected `done` with ApiError.
//
// Speed: the event's JSON is the store's one serialization; lines are queued
// and written in one chunk per event-loop turn, so a burst of 10k events costs
// a handful of writes. A watcher that stops reading is disconnected once its
// unsent backlog passes MAX_BACKLOG_BYTES (the HTTP thread cuts it off; it
// re-watches from its last RV).

import type { ApiResponse } from './http-util.js';
import type { ResourceInfo } from '../api/resources.js';
import { apiVersionOf } from '../api/resources.js';
import { isApiError } from '../errors.js';
import type { Registry, RegistryEvent, RegistryWatch } from './registry.js';

export const MAX_BACKLOG_BYTES = 64 * 1024 * 1024;
/** upstream sends bookmarks about once a minute */
export const BOOKMARK_INTERVAL_MS = 60_000;
const INITIAL_EVENTS_END_ANNOTATION = 'k8s.io/initial-events-end';

export interface WatchRequest {
  info: ResourceInfo;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  sendInitialEvents: boolean;
  allowBookmarks: boolean;
  timeoutSeconds?: number;
  /**
   * how an event's object goes out when the client asked for another
   * representation (a Table row); first: whether it is the first event sent
   */
  encode?: (ev: RegistryEvent, first: boolean) => string;
}

export function serveWatch(registry: Registry, res: ApiResponse, w: WatchRequest, bookmarkIntervalMs = BOOKMARK_INTERVAL_MS): void {
  const pending: string[] = [];
  let scheduled = false;
  let closed = false;
  let watch: RegistryWatch | undefined;
  const timers: NodeJS.Timeout[] = [];

  // Initial events come from a list that may include the open commit group:
  // nothing goes out before that group is on disk. Live events are committed.
  let gate: Promise<void> | undefined;
  const flush = () => {
    scheduled = false;
    if (closed || pending.length === 0) return;
    if (gate) {
      scheduled = true;
      // a failed commit: what was queued may show rolled-back writes, drop it
      gate.then(flush, () => { pending.length = 0; close(); });
      gate = undefined;
      return;
    }
    const chunk = pending.join('');
    pending.length = 0;
    res.write(chunk);
  };
  const send = (line: string) => {
    if (closed) return;
    pending.push(line);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  const bookmark = (rv: number, initialEnd = false) => {
    const meta = initialEnd ? { resourceVersion: String(rv), annotations: { [INITIAL_EVENTS_END_ANNOTATION]: 'true' } } : { resourceVersion: String(rv) };
    send(JSON.stringify({ type: 'BOOKMARK', object: { kind: w.info.kind, apiVersion: apiVersionOf(w.info), metadata: meta } }) + '\n');
  };
  function close() {
    if (closed) return;
    flush();
    closed = true;
    watch?.stop();
    for (const t of timers) clearTimeout(t);
    res.end();
  }

  try {
    const encode = w.encode;
    let first = true;
    watch = registry.watch(w.info, w.namespace, w, encode
      ? (ev) => { send(`{"type":"${ev.type}","object":${encode(ev, first)}}\n`); first = false; }
      : (ev) => send(`{"type":"${ev.type}","object":${ev.json}}\n`));
    gate = registry.store.whenCommitted();
  } catch (e) {
    if (!isApiError(e, 'Expired')) throw e;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.end(JSON.stringify({ type: 'ERROR', object: e.status }) + '\n');
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  if (w.sendInitialEvents && w.allowBookmarks) bookmark(watch.startRv, true);
  if (w.allowBookmarks) {
    const t = setInterval(() => bookmark(registry.store.currentRv), bookmarkIntervalMs);
    t.unref();
    timers.push(t);
  }
  if (w.timeoutSeconds !== undefined && w.timeoutSeconds > 0) {
    const t = setTimeout(close, w.timeoutSeconds * 1000);
    t.unref();
    timers.push(t);
  }
  res.onClose(close);
}
