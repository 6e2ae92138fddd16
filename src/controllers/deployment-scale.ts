// Scaling a Deployment's ReplicaSets to a new spec.replicas in proportion to
// their sizes: upstream's DeploymentController.scale
// (pkg/controller/deployment/sync.go), run when the Deployment is paused or
// its replicas changed mid-rollout. Pure arithmetic on sizes; deployment.ts
// (planScale) turns sizes into ReplicaSet scales.

/** one active ReplicaSet: its name, spec.replicas and age */
export interface GroupSize {
  hash: string;
  size: number;
  /** its creationTimestamp (ties are broken by name, as upstream) */
  created: string;
}

/**
 * Upstream's proportional scaling: the pods to add (or remove) to reach
 * replicas + maxSurge are shared out in proportion to each group's size,
 * largest group first, and what rounding leaves over goes to the largest.
 * Ties go newer first when adding, older first when removing.
 *
 * Upstream divides by the deployment.kubernetes.io/max-replicas annotation
 * each ReplicaSet carries (replicas + maxSurge when it was last scaled).
 * podnet divides by the sum of the sizes, which is the annotated value
 * whenever the rollout had reached its surge (the state it rests in when
 * stuck), so the shares add up to the change, up to rounding.
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
