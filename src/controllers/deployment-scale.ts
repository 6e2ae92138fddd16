// Scaling a Deployment's pod groups (pods of one pod-template-hash, podnet's
// stand-in for a ReplicaSet) to a new spec.replicas without rolling anything:
// upstream's DeploymentController.scale (pkg/controller/deployment/sync.go),
// run when the Deployment is paused or its replicas changed mid-rollout.
// Pure arithmetic on group sizes; deployment.ts turns sizes into pods.

/** one group of active pods that share a pod-template-hash */
export interface GroupSize {
  hash: string;
  size: number;
  /**
   * The creationTimestamp of the group's oldest pod: the group's age, as a
   * ReplicaSet's creationTimestamp is upstream (ties are broken by hash, as
   * upstream breaks them by name).
   */
  created: string;
}

export interface ScaleInput {
  replicas: number;
  /** resolved maxSurge (0 for Recreate) */
  maxSurge: number;
  rollingUpdate: boolean;
  /** the hash of the Deployment's current template */
  currentHash: string;
  /** the current group has replicas pods, all available (upstream IsSaturated) */
  currentSaturated: boolean;
}

/**
 * Target size per group hash; a group left out keeps its size. A group of the
 * current template with no pod yet is never created here (the rollout does
 * that), except when there is no pod at all: then the current template is the
 * only one podnet knows (upstream would scale its newest ReplicaSet, which has
 * the same template unless it changed while the Deployment was paused).
 */
export function scaleGroups(groups: GroupSize[], input: ScaleInput): Map<string, number> {
  const { replicas } = input;
  const active = groups.filter((g) => g.size > 0);
  // FindActiveOrLatest: one active group takes the whole count
  if (active.length === 0) return new Map([[input.currentHash, replicas]]);
  if (active.length === 1) return new Map([[active[0]!.hash, replicas]]);
  // a saturated current group: the old ones go (adoption of a finished rollout)
  if (input.currentSaturated) return new Map(active.filter((g) => g.hash !== input.currentHash).map((g) => [g.hash, 0]));
  if (!input.rollingUpdate) return new Map();
  return proportionalSizes(active, replicas, input.maxSurge);
}

/**
 * Upstream's proportional scaling: the pods to add (or remove) to reach
 * replicas + maxSurge are shared out in proportion to each group's size,
 * largest group first, and what rounding leaves over goes to the largest.
 * Ties go newer first when adding, older first when removing.
 *
 * Upstream divides by the deployment.kubernetes.io/max-replicas annotation
 * each ReplicaSet carries (replicas + maxSurge when it was last scaled),
 * falling back to status.replicas. podnet has no ReplicaSet to annotate and
 * will not rewrite pods to annotate them, so it divides by the sum of the
 * group sizes: what status.replicas reports, and the annotated value whenever
 * the rollout had reached its surge (the state it rests in when stuck). The
 * shares then add up to the change, up to rounding.
 */
export function proportionalSizes(groups: GroupSize[], replicas: number, maxSurge: number): Map<string, number> {
  const sizes = new Map(groups.map((g) => [g.hash, g.size]));
  const total = groups.reduce((n, g) => n + g.size, 0);
  const allowed = replicas > 0 ? replicas + maxSurge : 0;
  const toAdd = allowed - total;
  if (toAdd === 0 || total === 0) return sizes;
  const newerFirst = (a: GroupSize, b: GroupSize) => b.created.localeCompare(a.created) || b.hash.localeCompare(a.hash);
  const sorted = [...groups].sort((a, b) => b.size - a.size || (toAdd > 0 ? newerFirst(a, b) : newerFirst(b, a)));
  let added = 0;
  for (const g of sorted) {
    const share = proportion(g.size, replicas, allowed, total, toAdd - added, toAdd > 0);
    sizes.set(g.hash, g.size + share);
    added += share;
  }
  const largest = sorted[0]!.hash;
  sizes.set(largest, Math.max(0, sizes.get(largest)! + toAdd - added));
  return sizes;
}

/** upstream GetProportion with getReplicaSetFraction, bounded by what is left to add or remove */
function proportion(size: number, replicas: number, allowed: number, total: number, left: number, up: boolean): number {
  if (size === 0 || left === 0) return 0;
  // scaling to zero: each group's share is all of it
  const fraction = replicas === 0 ? -size : Math.round((size * allowed) / total) - size;
  return up ? Math.min(fraction, left) : Math.max(fraction, left);
}
