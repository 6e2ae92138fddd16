// Pods: Ready, or why not (the waiting reason, the scheduler's message), and
// the ones that restarted, with how their last run ended.

import { getCondition, isPodReady } from '../api/pod-helpers.js';
import { NODE_NOT_READY } from '../controllers/node-lifecycle.js';
import type { Pod } from '../api/types.js';
import { clusterOption } from '../cli/context.js';
import { key } from '../trace/lookup.js';
import { podNotReadyReason } from '../trace/no-endpoints.js';
import { plural } from '../trace/report.js';
import type { DoctorEvidence } from './evidence.js';
import { fail, ok, warn, type Finding } from './findings.js';

/** a pod younger than this that is not Ready yet is starting, not broken */
export const STARTING_GRACE_MS = 30_000;
/** reasons that never pass by waiting */
const BROKEN = /BackOff|Err|Invalid|unschedulable|Failed/;

const ageMs = (pod: Pod, now: number) => now - Date.parse(pod.metadata.creationTimestamp ?? new Date(now).toISOString());

/** A pod not Ready yet that is only starting: young, and not in a state waiting does not end (a crash loop, a bad image, unschedulable). */
export function isStarting(pod: Pod, now: number): boolean {
  return ageMs(pod, now) <= STARTING_GRACE_MS && !BROKEN.test(podNotReadyReason(pod));
}

function lastExit(pod: Pod): string {
  const restarted = (pod.status?.containerStatuses ?? []).filter((c) => c.restartCount > 0);
  return restarted.map((c) => {
    const t = c.lastState?.terminated;
    return `${c.name} ${plural(c.restartCount, 'time')}${t ? `, last exit ${t.exitCode}${t.reason ? ` (${t.reason})` : ''}` : ''}`;
  }).join('; ');
}

/** kubectl's way to a pod's output, as a user types it */
function logsHint(pod: Pod, cluster: string): string {
  return `podnet logs -n ${pod.metadata.namespace} ${pod.metadata.name}${pod.status?.containerStatuses?.some((c) => c.restartCount > 0) ? ' --previous' : ''}${clusterOption(cluster)} shows its output`;
}

export function checkPods(e: DoctorEvidence): Finding[] {
  const out: Finding[] = [];
  const live = e.objects.pods.filter((p) => p.status?.phase !== 'Succeeded' && !p.metadata.deletionTimestamp);
  let ready = 0;
  const notReadyNodes = new Set<string>();
  for (const pod of live) {
    const restarts = lastExit(pod);
    // a Job's failed pods are its retries: the Job's own status and Events tell whether it failed
    if (pod.status?.phase === 'Failed' && pod.metadata.ownerReferences?.some((o) => o.kind === 'Job' && o.controller)) continue;
    if (pod.status?.phase === 'Failed') {
      out.push(warn('Pods', `pod ${key(pod)} has failed${pod.status.reason ? ` (${pod.status.reason}${pod.status.message ? `: ${pod.status.message}` : ''})` : ''}`));
      continue;
    }
    if (isPodReady(pod)) {
      ready += 1;
      if (restarts) out.push(warn('Pods', `pod ${key(pod)} is Ready but restarted: ${restarts}`, logsHint(pod, e.cluster)));
      continue;
    }
    if (getCondition(pod.status?.conditions, 'Ready')?.reason === NODE_NOT_READY) {
      notReadyNodes.add(pod.spec.nodeName ?? '');
      continue;
    }
    const why = podNotReadyReason(pod);
    const text = `pod ${key(pod)} is ${why.startsWith('not ready') ? why : `not Ready: ${why}`}${restarts ? `; restarted: ${restarts}` : ''}`;
    if (!isStarting(pod, e.now)) out.push(fail('Pods', text, /unschedulable/.test(why) ? undefined : logsHint(pod, e.cluster)));
    else out.push(warn('Pods', `${text} (created ${Math.round(ageMs(pod, e.now) / 1000)} s ago)`));
  }
  for (const node of notReadyNodes) {
    const pods = live.filter((p) => p.spec.nodeName === node && getCondition(p.status?.conditions, 'Ready')?.reason === NODE_NOT_READY);
    out.push(fail('Pods', `${plural(pods.length, 'pod')} on node ${node} ${pods.length === 1 ? 'is' : 'are'} not Ready because the node is not (see Nodes): ${pods.map(key).join(', ')}`));
  }
  if (ready > 0) out.unshift(ok('Pods', `${plural(ready, 'pod')} Ready of ${live.length}`));
  return out;
}
