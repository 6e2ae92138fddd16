// The scale subresource of Deployments, ReplicaSets and StatefulSets
// (/apis/apps/v1/namespaces/NS/deployments/NAME/scale), an autoscaling/v1
// Scale as upstream serves it: what `kubectl scale` reads and writes. A
// written Scale only sets spec.replicas of its object, through the object's
// own update (defaults, validation, the resourceVersion precondition).

import type { KubeObject, LabelSelector } from '../api/types.js';
import { RESOURCES, type ResourceInfo } from '../api/resources.js';
import { selectorToString } from '../api/labels.js';
import { jsonClone } from '../api/json-clone.js';
import { apiErrors, field } from '../errors.js';
import { IS_NEGATIVE } from '../api/validation/fields.js';
import type { Registry } from './registry.js';
import type { WriteMode } from '../store/store.js';

/** Kinds with a scale subresource (resources.ts marks them). */
export const SCALABLE = new Set(RESOURCES.filter((r) => r.hasScale).map((r) => r.kind));

export interface Scale {
  apiVersion: 'autoscaling/v1';
  kind: 'Scale';
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; creationTimestamp?: string };
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}

interface Scalable extends KubeObject { spec: { replicas?: number; selector?: LabelSelector }; status?: { replicas?: number } }

/** The object's Scale. */
export function scaleOf(obj: KubeObject): Scale {
  const o = obj as Scalable;
  const { name, namespace, uid, resourceVersion, creationTimestamp } = o.metadata;
  return {
    apiVersion: 'autoscaling/v1', kind: 'Scale',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: o.spec.replicas ?? 0 },
    status: { replicas: o.status?.replicas ?? 0, ...(o.spec.selector ? { selector: selectorToString(o.spec.selector) } : {}) },
  };
}

/** Writes a Scale: spec.replicas of the object, with the Scale's resourceVersion as precondition. */
export function updateScale(registry: Registry, info: ResourceInfo, namespace: string | undefined, name: string, scale: unknown, mode: WriteMode = {}): Scale {
  const s = scale as Partial<Scale> | null;
  const replicas = s?.spec?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    const errs = typeof replicas === 'number' && Number.isInteger(replicas) ? [field.invalid('spec.replicas', replicas, IS_NEGATIVE)] : [field.invalid('spec.replicas', replicas ?? null, 'must be an integer')];
    throw apiErrors.invalid('Scale', 'autoscaling', name, errs);
  }
  const cur = registry.get(info, namespace, name);
  const next = jsonClone(cur.object) as Scalable;
  next.spec.replicas = replicas;
  const rv = s?.metadata?.resourceVersion;
  if (rv) next.metadata.resourceVersion = rv;
  else delete next.metadata.resourceVersion;
  return scaleOf(registry.update(info, namespace, name, next, undefined, mode).object);
}
