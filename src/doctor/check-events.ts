// Events: the Warning Events of the last minutes, newest first: what the
// controllers, the scheduler, the node agents and the ingress controller
// reported going wrong (a rejected NGINX configuration, a FailedCreate, a
// failed probe), with how often; a readiness probe that failed only while
// its pod was starting is left out.

import type { Event } from '../api/types.js';
import { plural } from '../trace/report.js';
import type { DoctorEvidence } from './evidence.js';
import { ago, warn, type Finding } from './findings.js';

export const RECENT_MS = 10 * 60_000;
const SHOWN = 10;

const lastSeen = (ev: Event) => Date.parse(ev.lastTimestamp ?? ev.metadata.creationTimestamp ?? '') || 0;

/** The uids of the objects doctor lists, by kind: an Event about one of those kinds whose uid is gone is about the past. */
function presentUids(e: DoctorEvidence): Map<string, Set<string>> {
  const o = e.objects;
  const uids = (items: { metadata: { uid?: string } }[]) => new Set(items.map((i) => i.metadata.uid ?? ''));
  return new Map([
    ['Pod', uids(o.pods)], ['Service', uids(o.services)], ['Ingress', uids(o.ingresses)], ['Node', uids(o.nodes)], ['NetworkPolicy', uids(o.policies)],
    ['Deployment', uids(o.workloads.filter((w) => w.kind === 'Deployment'))],
    ['StatefulSet', uids(o.workloads.filter((w) => w.kind === 'StatefulSet'))],
  ]);
}

/** a pod that became Ready this soon after its containers started was starting, not recovering */
const STARTUP_MS = 60_000;

/**
 * A readiness probe that failed while its pod was starting (a probe may run
 * before the program listens): the pod became Ready within STARTUP_MS of its
 * containers' start, after the failure, and is Ready now. A failure after the
 * pod was Ready stays, and so does one of a pod that was Ready, failed and
 * recovered later (its Ready transition is then long after its start).
 */
function failedWhileStarting(e: DoctorEvidence): (ev: Event) => boolean {
  const readySince = new Map<string, number>();
  for (const p of e.objects.pods) {
    const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status !== 'True' || !p.metadata.uid) continue;
    const at = Date.parse(ready.lastTransitionTime ?? '') || 0;
    const starts = (p.status?.containerStatuses ?? []).map((c) => Date.parse(c.state?.running?.startedAt ?? '') || 0);
    const started = Math.max(Date.parse(p.status?.startTime ?? '') || 0, ...starts);
    if (started > 0 && at - started <= STARTUP_MS) readySince.set(p.metadata.uid, at);
  }
  return (ev) => {
    if (ev.reason !== 'Unhealthy' || !ev.message?.startsWith('Readiness probe failed') || ev.involvedObject.kind !== 'Pod') return false;
    const since = readySince.get(ev.involvedObject.uid ?? '');
    // the event's times are to the second, as the condition's
    return since !== undefined && lastSeen(ev) <= since;
  };
}

export function checkEvents(e: DoctorEvidence): Finding[] {
  const present = presentUids(e);
  const current = (ev: Event) => {
    const uids = present.get(ev.involvedObject.kind ?? '');
    return !uids || !ev.involvedObject.uid || uids.has(ev.involvedObject.uid);
  };
  const whileStarting = failedWhileStarting(e);
  const recent = e.objects.events.filter((ev) => ev.type === 'Warning' && e.now - lastSeen(ev) <= RECENT_MS && current(ev) && !whileStarting(ev)).sort((a, b) => lastSeen(b) - lastSeen(a));
  const out = recent.slice(0, SHOWN).map((ev) => {
    const o = ev.involvedObject;
    const times = (ev.count ?? 1) > 1 ? ` (${plural(ev.count!, 'time')}, last ${ago(e.now, lastSeen(ev))})` : ` (${ago(e.now, lastSeen(ev))})`;
    return warn('Events', `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name} ${ev.reason ?? ''}: ${ev.message ?? ''}${times}`);
  });
  if (recent.length > SHOWN) out.push(warn('Events', `… and ${recent.length - SHOWN} more: podnet kubectl get events -A --field-selector type=Warning`));
  return out;
}
