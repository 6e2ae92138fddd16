// Records Events the way client-go's recorder does: one Event object per
// (object, reason, message), its count bumped when it repeats.

import type { Event, KubeObject } from '../api/types.js';
import { nowRFC3339 } from '../api/pod-helpers.js';
import type { Client } from '../client/client.js';

export interface EventRecorder {
  normal(obj: KubeObject, reason: string, message: string): void;
  warning(obj: KubeObject, reason: string, message: string): void;
}

const MAX_REMEMBERED = 4096;
const NS_PER_MS = 1_000_000n;

/** a random sub-millisecond start, so two processes naming an Event in the same ms differ */
const PROCESS_OFFSET_NS = BigInt(Math.floor(Math.random() * 1_000_000));
let lastStamp = 0n;
/**
 * Upstream names an Event `<object>.<UnixNano in hex>`; milliseconds are all
 * JavaScript has, so the nanoseconds count up within one to keep names unique
 * in this process (a restarted daemon starts at a later time). Cheaper than
 * 8 random bytes per Event (a getrandom call each).
 */
function eventSuffix(): string {
  const now = BigInt(Date.now()) * NS_PER_MS + PROCESS_OFFSET_NS;
  lastStamp = now > lastStamp ? now : lastStamp + 1n;
  return lastStamp.toString(16);
}

export class ApiEventRecorder implements EventRecorder {
  private readonly seen = new Map<string, Event>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly client: Client, private readonly component: string, private readonly host?: string) {}

  normal(obj: KubeObject, reason: string, message: string): void { this.record(obj, 'Normal', reason, message); }
  warning(obj: KubeObject, reason: string, message: string): void { this.record(obj, 'Warning', reason, message); }

  /** Events are best effort: they never fail or block the caller's sync. */
  private record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.chain = this.chain.then(() => this.write(obj, type, reason, message)).catch(() => undefined);
  }

  flush(): Promise<unknown> { return this.chain; }

  private async write(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const namespace = obj.metadata.namespace ?? 'default';
    const key = `${obj.metadata.uid}|${type}|${reason}|${message}`;
    const now = nowRFC3339();
    const prev = this.seen.get(key);
    if (prev) {
      try {
        const updated = await this.client.patch<Event>('events', namespace, prev.metadata.name!, { count: (prev.count ?? 1) + 1, lastTimestamp: now });
        this.seen.set(key, updated);
        return;
      } catch { this.seen.delete(key); }
    }
    const event: Event = {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name: `${obj.metadata.name}.${eventSuffix()}`, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name,
        ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
        ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
      },
      reason, message, type, count: 1, firstTimestamp: now, lastTimestamp: now,
      source: { component: this.component, ...(this.host ? { host: this.host } : {}) },
      reportingComponent: this.component,
    };
    const created = await this.client.create(event);
    if (this.seen.size >= MAX_REMEMBERED) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(key, created);
  }
}

/** For unit tests: remembers events instead of writing them. */
export class FakeEventRecorder implements EventRecorder {
  readonly events: { type: string; reason: string; message: string; object: string }[] = [];
  normal(obj: KubeObject, reason: string, message: string): void { this.events.push({ type: 'Normal', reason, message, object: `${obj.kind}/${obj.metadata.name}` }); }
  warning(obj: KubeObject, reason: string, message: string): void { this.events.push({ type: 'Warning', reason, message, object: `${obj.kind}/${obj.metadata.name}` }); }
}
