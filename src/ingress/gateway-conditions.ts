// The conditions podnet writes on Gateway API objects (metav1.Condition): each
// carries the generation it was computed from, and keeps its
// lastTransitionTime until its status flips (metav1's rule, setCondition's),
// so a sync that changes nothing writes nothing.

import { setCondition } from '../api/pod-helpers.js';
import { stableJson } from '../api/stable-json.js';
import type { Condition } from '../api/types.js';

export function condition(type: string, ok: boolean, reason: string, message: string, generation: number | undefined): Condition {
  return { type, status: ok ? 'True' : 'False', reason, message, ...(generation !== undefined ? { observedGeneration: generation } : {}) };
}

/** `wanted` merged into `previous`; conditions of other types (another writer's) stay as they are. */
export function mergeConditions(previous: readonly Condition[] | undefined, wanted: readonly Condition[], now: string): Condition[] {
  return wanted.reduce((list, c) => setCondition(list, c, now), [...(previous ?? [])]);
}

/** For a status entry podnet owns whole (a listener's, a route's parent entry): only the `wanted` types remain. */
export function ownConditions(previous: readonly Condition[] | undefined, wanted: readonly Condition[], now: string): Condition[] {
  const types = new Set(wanted.map((c) => c.type));
  return mergeConditions(previous?.filter((c) => types.has(c.type)), wanted, now);
}

/** Whether writing `next` would change `current` (a missing status equals an empty one). */
export function statusChanged(current: unknown, next: unknown): boolean {
  return stableJson(current ?? {}) !== stableJson(next ?? {});
}
