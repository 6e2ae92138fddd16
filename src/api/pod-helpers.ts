// Small facts about Pods that controllers, the agent and printers agree on.

import type { Condition, Container, Pod } from './types.js';

export function getCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isPodReady(pod: Pod): boolean {
  return getCondition(pod.status?.conditions, 'Ready')?.status === 'True';
}

/**
 * ms until a pod counts as available (Ready for minReadySeconds, upstream's
 * podutil.IsPodAvailable, from the Ready condition's lastTransitionTime);
 * 0 when it already is, -1 when it is not Ready.
 */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, nowMs: number): number {
  const ready = getCondition(pod.status?.conditions, 'Ready');
  if (ready?.status !== 'True') return -1;
  if (minReadySeconds <= 0) return 0;
  const since = Date.parse(ready.lastTransitionTime ?? '');
  if (Number.isNaN(since)) return 0;
  return Math.max(0, since + minReadySeconds * 1000 - nowMs);
}

export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  return msUntilAvailable(pod, minReadySeconds, nowMs) === 0;
}

export function isTerminating(pod: Pod): boolean {
  return !!pod.metadata.deletionTimestamp;
}

/** Succeeded/Failed pods hold no IP and serve nothing (upstream: "terminal"). */
export function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** Active as ReplicaSet and StatefulSet controllers count: not terminal, not being deleted. */
export function isActive(pod: Pod): boolean {
  return !isTerminating(pod) && !isTerminal(pod);
}

/** Replaces or adds a condition, moving lastTransitionTime only when the status flips. */
export function setCondition(conditions: Condition[] | undefined, next: Condition, now: string): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const prev = i >= 0 ? list[i] : undefined;
  const merged: Condition = { ...next, lastTransitionTime: prev && prev.status === next.status ? prev.lastTransitionTime ?? now : now };
  if (i >= 0) list[i] = merged; else list.push(merged);
  return list;
}

let formattedSecond = NaN;
let formatted = '';

/**
 * RFC 3339 with second precision, as Kubernetes renders metav1.Time. The text
 * of the last second is kept: every status write and Event asks for it, many
 * times a second during a burst.
 */
export function nowRFC3339(date?: Date): string {
  const second = Math.floor((date ? date.getTime() : Date.now()) / 1000);
  if (second !== formattedSecond) {
    formatted = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    formattedSecond = second;
  }
  return formatted;
}

export function isControlledBy(obj: { metadata: { ownerReferences?: { uid: string; controller?: boolean }[] } }, ownerUid: string | undefined): boolean {
  return !!ownerUid && !!obj.metadata.ownerReferences?.some((r) => r.uid === ownerUid && r.controller);
}

/** the pod's container (regular or init: their names are unique across both) named `name` */
export function podContainer(pod: Pod, name: string): Container | undefined {
  return [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((x) => x.name === name);
}

/** The working directory a container of the pod names (`workingDir`), if any: where an exec in it starts. */
export function workingDirOf(pod: Pod, container: string): string | undefined {
  return podContainer(pod, container)?.workingDir;
}

/** A port a pod takes on its node: the `hostPort` of a container port, on `hostIP` ('' for every address), with the containerPort it goes to. */
export interface HostPortUse { protocol: string; hostIP: string; port: number; containerPort: number }

/** The containers' host ports: what the node's rules serve (src/cni/portmap.ts) and the scheduler keeps apart. */
export function hostPortsOf(pod: Pod): HostPortUse[] {
  return pod.spec.containers.flatMap((c) => (c.ports ?? [])
    .filter((p) => typeof p.hostPort === 'number' && p.hostPort > 0)
    .map((p) => ({ protocol: p.protocol ?? 'TCP', hostIP: p.hostIP && p.hostIP !== '0.0.0.0' ? p.hostIP : '', port: p.hostPort!, containerPort: p.containerPort })));
}
