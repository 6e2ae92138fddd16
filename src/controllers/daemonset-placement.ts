// Where a DaemonSet's pods go, as kube-controller-manager's DaemonSet
// controller decides it: the node must fit the template (nodeSelector,
// required node affinity, taints against the template's tolerations plus the
// ones every daemon pod gets), and each pod is made for one node by a
// required node affinity on `metadata.name`, which the scheduler then honours
// (upstream's way since ScheduleDaemonSetPods went GA: the scheduler, not the
// controller, binds the pod, so a node that is not Ready or has no room keeps
// it Pending, with the scheduler's reasons in its events). Pure.

import type { Node, NodeAffinity, Pod, PodSpec, Taint, Toleration } from '../api/types.js';
import { matchesNodeSelection, tolerates } from './node-fit.js';

const EXISTS = 'Exists' as const;

/**
 * Upstream's AddOrUpdateDaemonPodTolerations: a daemon pod stays on a node
 * that is not ready or unreachable (NoExecute), and is placed despite disk,
 * memory or pid pressure and cordoning (NoSchedule); a hostNetwork pod also
 * despite an unavailable pod network, which it does not use.
 */
function daemonTolerations(spec: PodSpec): Toleration[] {
  const keys: [string, Toleration['effect']][] = [
    ['node.kubernetes.io/not-ready', 'NoExecute'],
    ['node.kubernetes.io/unreachable', 'NoExecute'],
    ['node.kubernetes.io/disk-pressure', 'NoSchedule'],
    ['node.kubernetes.io/memory-pressure', 'NoSchedule'],
    ['node.kubernetes.io/pid-pressure', 'NoSchedule'],
    ['node.kubernetes.io/unschedulable', 'NoSchedule'],
  ];
  if (spec.hostNetwork) keys.push(['node.kubernetes.io/network-unavailable', 'NoSchedule']);
  return keys.map(([key, effect]) => ({ key, operator: EXISTS, effect }));
}

const sameToleration = (a: Toleration, b: Toleration) =>
  (a.key ?? '') === (b.key ?? '') && (a.operator ?? 'Equal') === (b.operator ?? 'Equal') && (a.value ?? '') === (b.value ?? '') && (a.effect ?? '') === (b.effect ?? '');

/** The template's tolerations with the daemon ones added; one the template has already (same key, operator, value, effect) is replaced, as upstream's AddOrUpdateTolerationInPodSpec does. */
export function withDaemonTolerations(spec: PodSpec): Toleration[] {
  const out = [...(spec.tolerations ?? [])];
  for (const t of daemonTolerations(spec)) {
    const i = out.findIndex((o) => sameToleration(o, t));
    if (i >= 0) out[i] = t; else out.push(t);
  }
  return out;
}

/**
 * Upstream's ReplaceDaemonSetPodNodeNameNodeAffinity: the required node
 * affinity becomes one term matching the node's name (the controller has
 * checked the template's own terms already); preferred terms stay.
 */
export function affinityForNode(spec: PodSpec, nodeName: string): NonNullable<PodSpec['affinity']> {
  const nodeAffinity: NodeAffinity = {
    ...(spec.affinity?.nodeAffinity ?? {}),
    requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] },
  };
  return { ...(spec.affinity ?? {}), nodeAffinity };
}

/** The node a daemon pod is for: where it is bound, or the one its node affinity names while it waits for the scheduler (upstream's GetTargetNodeName). */
export function targetNodeOf(pod: Pod): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

export interface NodeFit {
  /** a daemon pod should be made here (desiredNumberScheduled counts these nodes) */
  shouldRun: boolean;
  /** a daemon pod already here may stay (only an untolerated NoExecute taint, or the node no longer selected, evicts it) */
  shouldContinueRunning: boolean;
}

/**
 * Upstream's NodeShouldRunDaemonPod: the template (with the daemon
 * tolerations) against the node's name, selection and NoSchedule and
 * NoExecute taints. A new NoSchedule taint keeps new pods off the node but
 * leaves the running one, as upstream does.
 */
export function nodeFit(spec: PodSpec, node: Node): NodeFit {
  const pod = { metadata: {}, spec: { ...spec, tolerations: withDaemonTolerations(spec) } } as Pod;
  const named = !spec.nodeName || spec.nodeName === node.metadata.name;
  if (!named || !matchesNodeSelection(pod, node)) return { shouldRun: false, shouldContinueRunning: false };
  const untolerated = (effect: Taint['effect']) => (node.spec?.taints ?? []).some((taint) => taint.effect === effect && !pod.spec.tolerations!.some((t) => tolerates(t, taint)));
  const evicted = untolerated('NoExecute');
  return { shouldRun: !evicted && !untolerated('NoSchedule'), shouldContinueRunning: !evicted };
}
