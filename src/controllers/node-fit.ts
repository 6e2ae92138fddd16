// Which nodes a pod may go to beyond readiness and cordoning, as kube-scheduler's
// TaintToleration and NodeAffinity plugins decide: NoSchedule and NoExecute
// taints the pod does not tolerate keep it off a node; nodeSelector and the
// required node affinity must both match; preferred node affinity and
// PreferNoSchedule taints only rank the nodes that fit. Pure.

import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod, Taint, Toleration } from '../api/types.js';
import type { HostPortUse } from '../api/pod-helpers.js';

/** v1helper.ToleratesTaint: an empty key with Exists tolerates every taint; an empty effect every effect */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== 'Exists') return false;
  if (t.operator === 'Exists') return true;
  return (t.operator ?? 'Equal') === 'Equal' && (t.value ?? '') === (taint.value ?? '');
}

/** the taints upstream puts on a NotReady node and a cordoned one */
export const NOT_READY_TAINT: Taint = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };
export const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

/** whether some toleration of the pod tolerates this taint */
export function toleratesTaint(pod: Pod, taint: Taint): boolean {
  return (pod.spec.tolerations ?? []).some((t) => tolerates(t, taint));
}

/** the first NoSchedule/NoExecute taint of the node that none of the pod's tolerations tolerates */
export function untoleratedTaint(pod: Pod, node: Node): Taint | undefined {
  const tolerations = pod.spec.tolerations ?? [];
  return (node.spec?.taints ?? []).find((taint) => taint.effect !== 'PreferNoSchedule' && !tolerations.some((t) => tolerates(t, taint)));
}

/** kube-scheduler's wording: `{key: value}` */
export function describeTaint(taint: Taint): string {
  return `{${taint.key}: ${taint.value ?? ''}}`;
}

/** nodeSelector and requiredDuringScheduling: both must match */
export function matchesNodeSelection(pod: Pod, node: Node): boolean {
  if (Object.entries(pod.spec.nodeSelector ?? {}).some(([k, v]) => node.metadata.labels?.[k] !== v)) return false;
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  // an empty term list matches no node (NodeSelector's semantics)
  return !required || (required.nodeSelectorTerms ?? []).some((term) => termMatches(term, node));
}

/** How much a fitting node is preferred: the summed weights of the preferred terms it matches (more first), and its PreferNoSchedule taints the pod does not tolerate (fewer first). */
export function preference(pod: Pod, node: Node): { affinity: number; intolerable: number } {
  const affinity = (pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
    .reduce((sum, p) => sum + (p.preference && termMatches(p.preference, node) ? p.weight : 0), 0);
  const tolerations = (pod.spec.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
  const intolerable = (node.spec?.taints ?? []).filter((taint) => taint.effect === 'PreferNoSchedule' && !tolerations.some((t) => tolerates(t, taint))).length;
  return { affinity, intolerable };
}

/** a term with no requirement matches nothing; its requirements are ANDed */
function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  return exprs.every((r) => requirementMatches(r, labels[r.key]))
    && fields.every((r) => r.key === 'metadata.name' && requirementMatches(r, node.metadata.name));
}

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In': return value !== undefined && values.includes(value);
    case 'NotIn': return value === undefined || !values.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt': case 'Lt': {
      const have = Number.parseInt(value ?? '', 10);
      const want = Number.parseInt(values[0] ?? '', 10);
      if (!Number.isInteger(have) || !Number.isInteger(want) || values.length !== 1) return false;
      return r.operator === 'Gt' ? have > want : have < want;
    }
    default: return false;
  }
}

export { hostPortsOf, type HostPortUse } from '../api/pod-helpers.js';

/** kube-scheduler's NodePorts filter: the same port and protocol on the same address, the unset address overlapping every one. */
export function hostPortsConflict(wanted: readonly HostPortUse[], used: readonly HostPortUse[]): boolean {
  return wanted.some((w) => used.some((u) => u.port === w.port && u.protocol === w.protocol && (u.hostIP === '' || w.hostIP === '' || u.hostIP === w.hostIP)));
}
