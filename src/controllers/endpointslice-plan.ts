// The slices a Service has + the endpoints it should have → the fewest slice
// writes, as upstream's EndpointSlice reconciler plans them
// (staging/src/k8s.io/endpointslice reconciler: reconcileByPortMapping,
// getSliceToFill, finalize). Every slice write makes every node's proxy, the
// DNS and the ingress controller read that slice again, so an endpoint stays
// in the slice it is in: slices are updated in place, endpoints that went are
// taken out, new ones fill slices with room, and a slice is created only when
// none has room. Like upstream, this never rebalances: slices may be left
// part-full after scale-downs.

import type { Endpoint, EndpointPort } from '../api/types.js';
import { deepEqual } from '../store/deep-equal.js';

export interface SliceContent { ports: EndpointPort[]; endpoints: Endpoint[] }
export interface ExistingSlice extends SliceContent { name: string }

export interface SlicePlan {
  create: SliceContent[];
  /** existing slices rewritten, by name, with their whole new content */
  update: ExistingSlice[];
  delete: string[];
  /** existing slices whose ports and endpoints stay as they are */
  unchanged: string[];
}

/**
 * Upstream's endpoint hash: the addresses, hostname and the pod the endpoint
 * stands for. Two endpoints with the same key are one endpoint whose
 * conditions, node or zone changed: updated where it is, never moved.
 */
function endpointKey(ep: Endpoint): string {
  return JSON.stringify([[...ep.addresses].sort(), ep.hostname ?? '', ep.targetRef?.namespace ?? '', ep.targetRef?.name ?? '']);
}

/** The ports as a set: the same ports in another order belong in the same slices. */
function portsKey(ports: readonly EndpointPort[]): string {
  return JSON.stringify(ports.map((p) => JSON.stringify([p.name ?? '', p.protocol ?? 'TCP', p.port ?? 0, p.appProtocol ?? ''])).sort());
}

const byName = (a: ExistingSlice, b: ExistingSlice) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Pure. `desired` holds one entry per port set with all its endpoints (in the
 * order new ones should be placed); `existing` the Service's slices as stored.
 */
export function planSlices(existing: readonly ExistingSlice[], desired: readonly SliceContent[], maxPerSlice: number): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [], unchanged: [] };
  const existingByPorts = new Map<string, ExistingSlice[]>();
  for (const s of [...existing].sort(byName)) {
    const key = portsKey(s.ports);
    existingByPorts.set(key, [...(existingByPorts.get(key) ?? []), s]);
  }
  for (const want of desired) {
    const key = portsKey(want.ports);
    planPortSet(existingByPorts.get(key) ?? [], want, maxPerSlice, plan);
    existingByPorts.delete(key);
  }
  for (const slices of existingByPorts.values()) for (const s of slices) plan.delete.push(s.name);

  // A Service without endpoints keeps one placeholder slice, without ports
  // either, as upstream: the one it has, else a new one.
  if (plan.delete.length === existing.length && plan.create.length === 0) {
    const placeholder = existing.length === 1 && existing[0]!.ports.length === 0 && existing[0]!.endpoints.length === 0;
    if (placeholder) plan.unchanged.push(plan.delete.pop()!);
    else plan.create.push({ ports: [], endpoints: [] });
  }
  // A slice to create and one to delete become one update of the latter
  // (upstream's finalize): one write instead of two, and no slice name churn.
  plan.delete.sort();
  while (plan.create.length > 0 && plan.delete.length > 0) plan.update.push({ name: plan.delete.shift()!, ...plan.create.shift()! });
  return plan;
}

/** One port set: keep, update, fill, then create, in that order of preference. */
function planPortSet(slices: readonly ExistingSlice[], want: SliceContent, max: number, plan: SlicePlan): void {
  const wanted = new Map<string, Endpoint>();
  for (const ep of want.endpoints) wanted.set(endpointKey(ep), ep);
  const updating: ExistingSlice[] = [];
  const unchanged: ExistingSlice[] = [];
  for (const s of slices) {
    let changed = !deepEqual(s.ports, want.ports);
    const kept: Endpoint[] = [];
    for (const ep of s.endpoints) {
      const key = endpointKey(ep);
      const w = wanted.get(key);
      // gone, or already placed in an earlier slice (a duplicate someone wrote)
      if (!w) { changed = true; continue; }
      wanted.delete(key);
      if (!deepEqual(ep, w)) changed = true;
      kept.push(w);
    }
    if (kept.length === 0) plan.delete.push(s.name);
    else if (changed) updating.push({ name: s.name, ports: want.ports, endpoints: kept });
    else unchanged.push(s);
  }
  const remaining = [...wanted.values()];
  let next = 0;
  // New endpoints go first into slices that are written anyway, the fullest
  // first (upstream sorts slicesToUpdate by length; sort is stable, so ties
  // stay in name order).
  updating.sort((a, b) => b.endpoints.length - a.endpoints.length);
  for (const s of updating) while (next < remaining.length && s.endpoints.length < max) s.endpoints.push(remaining[next++]!);
  while (next < remaining.length) {
    const left = remaining.length - next;
    // Fewer than a slice's worth left: into the fullest unchanged slice they
    // all fit in (upstream's getSliceToFill), else into a new slice.
    let target: SliceContent | undefined;
    if (left < max) {
      let best = -1;
      for (let i = 0; i < unchanged.length; i++) {
        const n = unchanged[i]!.endpoints.length;
        if (n + left <= max && (best < 0 || n > unchanged[best]!.endpoints.length)) best = i;
      }
      if (best >= 0) {
        const s = unchanged.splice(best, 1)[0]!;
        const filled = { name: s.name, ports: want.ports, endpoints: [...s.endpoints] };
        updating.push(filled);
        target = filled;
      }
    }
    if (!target) { target = { ports: want.ports, endpoints: [] }; plan.create.push(target); }
    while (next < remaining.length && target.endpoints.length < max) target.endpoints.push(remaining[next++]!);
  }
  plan.update.push(...updating);
  plan.unchanged.push(...unchanged.map((s) => s.name));
}
