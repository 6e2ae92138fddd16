// Events the ingress controller raises about the objects it serves (an
// Ingress, an HTTPRoute), in the shape `kubectl describe` lists.

import { nowRFC3339 } from '../api/pod-helpers.js';
import type { Event, ObjectReference } from '../api/types.js';
import type { Client } from '../client/client.js';

export interface EventSink { client: Client; source: string; now: () => Date; log: (msg: string) => void }

export async function recordEvent(sink: EventSink, about: ObjectReference & { namespace: string; name: string }, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
  const ts = nowRFC3339(sink.now());
  const ev: Event = {
    apiVersion: 'v1', kind: 'Event',
    metadata: { name: `${about.name}.${Date.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`, namespace: about.namespace },
    involvedObject: about,
    reason, message, type, count: 1, firstTimestamp: ts, lastTimestamp: ts,
    source: { component: sink.source }, reportingComponent: sink.source,
  };
  try {
    await sink.client.create(ev);
  } catch (e) {
    sink.log(`could not record event ${reason} for ${about.kind?.toLowerCase()} ${about.namespace}/${about.name}: ${(e as Error).message}`);
  }
}
