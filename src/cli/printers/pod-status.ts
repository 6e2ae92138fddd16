// The READY / STATUS / RESTARTS cells of `kubectl get pods`, computed exactly as
// kubernetes/pkg/printers/internalversion printPod does. STATUS is not the
// phase: a waiting or terminated container's reason wins (ContainerCreating,
// CrashLoopBackOff, ErrImagePull, Completed, Error), init containers report
// `Init:N/M`, and a pod being deleted is `Terminating`.

import type { Condition, Container, ContainerStatus, Pod } from '../../api/types.js';
import { ageSince, type Instant } from './age.js';

/** Fields of the upstream Pod this printer reads that podnet's types leave untyped. */
interface PodStatusExtras {
  initContainerStatuses?: ContainerStatus[];
  nominatedNodeName?: string;
}

/** kubelet's reason for pods on a lost node (pkg/util/node.NodeUnreachablePodReason). */
const NODE_UNREACHABLE_REASON = 'NodeLost';
const SCHEDULING_GATED = 'SchedulingGated';

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

/** A sidecar: an init container with restartPolicy Always (KEP-753). */
function isRestartableInit(c: Container | undefined): boolean {
  return c?.['restartPolicy'] === 'Always';
}

function hasTrueCondition(conditions: Condition[] | undefined, type: string): boolean {
  return !!conditions?.some((c) => c.type === type && c.status === 'True');
}

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (!b) return a;
  if (!a) return b;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

export function summarizePod(pod: Pod, now: Instant): PodSummary {
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  const extras = status as PodStatusExtras;
  const initSpecs = spec.initContainers ?? [];
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = (spec.containers ?? []).length;
  let readyContainers = 0;
  let lastRestart: string | undefined;
  let lastRestartableInitRestart: string | undefined;

  const phase = status.phase ?? '';
  let reason: string = status.reason || phase;
  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === SCHEDULING_GATED) reason = SCHEDULING_GATED;
  }

  const initByName = new Map(initSpecs.map((c) => [c.name, c]));
  for (const c of initSpecs) if (isRestartableInit(c)) totalContainers++;

  let initializing = false;
  const initStatuses = extras.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i]!;
    restarts += cs.restartCount ?? 0;
    lastRestart = later(lastRestart, cs.lastState?.terminated?.finishedAt);
    const sidecar = isRestartableInit(initByName.get(cs.name));
    if (sidecar) {
      restartableInitRestarts += cs.restartCount ?? 0;
      lastRestartableInitRestart = later(lastRestartableInitRestart, cs.lastState?.terminated?.finishedAt);
    }
    const terminated = cs.state?.terminated;
    const waiting = cs.state?.waiting;
    if (terminated && terminated.exitCode === 0) continue;
    if (sidecar && cs.started) {
      if (cs.ready) readyContainers++;
      continue;
    }
    if (terminated) {
      if (!terminated.reason) {
        reason = terminated.signal ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode}`;
      } else {
        reason = `Init:${terminated.reason}`;
      }
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || hasTrueCondition(status.conditions, 'Initialized')) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      restarts += cs.restartCount ?? 0;
      lastRestart = later(lastRestart, cs.lastState?.terminated?.finishedAt);
      const waiting = cs.state?.waiting;
      const terminated = cs.state?.terminated;
      if (waiting?.reason) {
        reason = waiting.reason;
      } else if (terminated?.reason) {
        reason = terminated.reason;
      } else if (terminated) {
        reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
      } else if (cs.ready && cs.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A pod whose last container completed but another still runs is not "Completed".
    if (reason === 'Completed' && hasRunning) {
      reason = hasTrueCondition(status.conditions, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata.deletionTimestamp && status.reason === NODE_UNREACHABLE_REASON) {
    reason = 'Unknown';
  } else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') {
    reason = 'Terminating';
  }

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart) restartsText = `${restarts} (${ageSince(lastRestart, now)} ago)`;

  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsText };
}

/** The wide columns IP, NODE, NOMINATED NODE, READINESS GATES. */
export function podWideCells(pod: Pod): string[] {
  const status = pod.status ?? {};
  const ip = status.podIPs?.[0]?.ip || status.podIP || '<none>';
  const node = pod.spec?.nodeName || '<none>';
  const nominated = (status as PodStatusExtras).nominatedNodeName || '<none>';
  const gates = pod.spec?.readinessGates ?? [];
  let readinessGates = '<none>';
  if (gates.length > 0) {
    let trueCount = 0;
    for (const g of gates) {
      const c = status.conditions?.find((x) => x.type === g.conditionType);
      if (c?.status === 'True') trueCount++;
    }
    readinessGates = `${trueCount}/${gates.length}`;
  }
  return [ip, node, nominated, readinessGates];
}
