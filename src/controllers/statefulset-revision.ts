// A StatefulSet's two revisions without ControllerRevisions. Upstream keeps
// every template it has run as a ControllerRevision; status.currentRevision
// names the one the pods ran before the template last changed, and a pod
// below a rolling update's partition that is deleted (or added by a scale-up)
// is created again from it. podnet has no ControllerRevision resource, so the
// controller keeps the current revision's template in one annotation on the
// StatefulSet, written while that revision is also the update revision (so
// the template it copies is spec.template itself). It lives in the API store,
// so a daemon restart loses nothing; a client that replaces the whole object
// without it (kubectl replace, not apply) loses the old template, and then
// new pods below the partition come from spec.template, labelled with the
// update revision, which is what they are.

import type { PodTemplateSpec, StatefulSet } from '../api/types.js';
import { templateHash } from './template-hash.js';

export const CURRENT_TEMPLATE_ANNOTATION = 'podnet.io/statefulset-current-revision';

interface StoredRevision { revision: string; template: PodTemplateSpec }

/** `<set>-<hash of spec.template>`, the update revision's name. */
export function updateRevisionOf(set: StatefulSet): string {
  return `${set.metadata.name}-${templateHash(set.spec.template)}`;
}

/** status.currentRevision; a set that never had a status starts at its update revision (upstream's getStatefulSetRevisions). */
export function currentRevisionOf(set: StatefulSet): string {
  return set.status?.currentRevision || updateRevisionOf(set);
}

/** The template of `revision` as the annotation stored it, if it did. */
export function storedTemplate(set: StatefulSet, revision: string): PodTemplateSpec | undefined {
  const text = set.metadata.annotations?.[CURRENT_TEMPLATE_ANNOTATION];
  if (!text) return undefined;
  try {
    const stored = JSON.parse(text) as StoredRevision;
    return stored.revision === revision && stored.template && typeof stored.template === 'object' ? stored.template : undefined;
  } catch {
    return undefined; // hand-edited: as if absent
  }
}

/** The annotation to write when the current revision is the update revision and the stored one is another, else undefined. */
export function annotationToStore(set: StatefulSet, currentRevision: string): string | undefined {
  const update = updateRevisionOf(set);
  if (currentRevision !== update || storedTemplate(set, update)) return undefined;
  const stored: StoredRevision = { revision: update, template: set.spec.template };
  return JSON.stringify(stored);
}

/**
 * Upstream's newVersionedStatefulSetPod: with RollingUpdate, an ordinal below
 * start + partition is created from the current revision, any other from the
 * update revision (OnDelete too: its new pods run the new template).
 */
export function createsFromCurrentRevision(set: StatefulSet, ordinal: number): boolean {
  const us = set.spec.updateStrategy;
  if (us?.type === 'OnDelete') return false;
  const start = startOrdinal(set);
  return ordinal < start + (us?.rollingUpdate?.partition ?? 0);
}

/** spec.ordinals.start (GA in 1.31). */
export function startOrdinal(set: StatefulSet): number {
  const start = set.spec.ordinals?.start;
  return typeof start === 'number' && Number.isInteger(start) && start > 0 ? start : 0;
}
