// Pod status as the kubelet computes it from what its containers are doing.
// Pure: the pod worker feeds it facts and writes the result.

import type { Condition, ContainerState, ContainerStatus, Pod, PodPhase, PodStatus } from '../api/types.js';
import { setCondition } from '../api/pod-helpers.js';
import { incompleteInits, isSidecar, nextInitStep } from './init-containers.js';

export interface ContainerFacts {
  name: string;
  image: string;
  containerID?: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: ContainerState;
  lastState: ContainerState;
}

export interface PodFacts {
  podIP?: string;
  hostIP: string;
  startTime?: string;
  containers: ContainerFacts[];
  /** the init containers, in spec order */
  initContainers?: ContainerFacts[];
  /** set while the sandbox could not be created */
  sandboxError?: string;
  /** the pod ended and its sandbox is gone: podIP is the one it had, and nothing can start in it */
  sandboxStopped?: boolean;
}

export function podPhase(pod: Pod, containers: ContainerFacts[], inits: ContainerFacts[] = []): PodPhase {
  // Pending until every init container completed; Failed once one failed for good (restartPolicy Never).
  const init = nextInitStep(pod.spec, inits);
  if (init.kind === 'failed') return 'Failed';
  if (init.kind === 'run') return 'Pending';
  const policy = pod.spec.restartPolicy ?? 'Always';
  const running = containers.filter((c) => c.state.running).length;
  const terminated = containers.filter((c) => c.state.terminated);
  const everStarted = containers.every((c) => c.state.running || c.state.terminated || c.lastState.terminated);
  if (policy !== 'Always' && terminated.length === containers.length && containers.length > 0) {
    const failed = terminated.some((c) => c.state.terminated!.exitCode !== 0);
    if (policy === 'Never') return failed ? 'Failed' : 'Succeeded';
    if (!failed) return 'Succeeded';
  }
  if (running > 0 || everStarted) return 'Running';
  return 'Pending';
}

function containerStatus(c: ContainerFacts, ready: boolean): ContainerStatus {
  return {
    name: c.name, image: c.image, imageID: c.image ? `podnet://${c.image}` : '',
    ...(c.containerID ? { containerID: c.containerID } : {}),
    ready, started: c.started, restartCount: c.restartCount, state: c.state, lastState: c.lastState,
  };
}

/**
 * The ContainersReady condition as the kubelet generates it
 * (GenerateContainersReadyCondition): every sidecar (an init container with
 * restartPolicy Always) and every regular container ready, sidecars named
 * first; a terminal pod is never ready.
 */
function containersReadyCondition(pod: Pod, regular: ContainerStatus[], init: ContainerStatus[], phase: PodPhase): Condition {
  const unknown: string[] = [];
  const unready: string[] = [];
  const check = (name: string, statuses: ContainerStatus[]) => {
    const st = statuses.find((x) => x.name === name);
    if (!st) unknown.push(name);
    else if (!st.ready) unready.push(name);
  };
  for (const c of pod.spec.initContainers ?? []) if (isSidecar(c)) check(c.name, init);
  for (const c of pod.spec.containers) check(c.name, regular);
  if (phase === 'Succeeded' && unknown.length === 0) return { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' };
  if (phase === 'Failed') return { type: 'ContainersReady', status: 'False', reason: 'PodFailed' };
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: [${unknown.join(' ')}]`);
  if (unready.length > 0) messages.push(`containers with unready status: [${unready.join(' ')}]`);
  if (messages.length > 0) return { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: messages.join(', ') };
  return { type: 'ContainersReady', status: 'True' };
}

/** The conditions the kubelet writes, in its order; any other type (a readiness gate's, DisruptionTarget) is someone else's. */
const KUBELET_CONDITION_ORDER = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
export const KUBELET_CONDITIONS: ReadonlySet<string> = new Set(KUBELET_CONDITION_ORDER);

/**
 * Ready as the kubelet generates it (GeneratePodReadyCondition): what
 * ContainersReady says while that is not True, then every readiness gate's
 * condition (set by another controller) must be True.
 */
function readyCondition(pod: Pod, containersReady: Condition, conditions: readonly Condition[]): Condition {
  if (containersReady.status !== 'True') return { ...containersReady, type: 'Ready' };
  const unready: string[] = [];
  for (const gate of pod.spec.readinessGates ?? []) {
    const c = conditions.find((x) => x.type === gate.conditionType);
    if (!c) unready.push(`corresponding condition of pod readiness gate ${JSON.stringify(gate.conditionType)} does not exist.`);
    else if (c.status !== 'True') unready.push(`the status of pod readiness gate ${JSON.stringify(gate.conditionType)} is not "True", but ${c.status}`);
  }
  if (unready.length > 0) return { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: unready.join(', ') };
  return { type: 'Ready', status: 'True' };
}

export function computePodStatus(pod: Pod, facts: PodFacts, now: string): PodStatus {
  const inits = facts.initContainers ?? [];
  const initSpecs = pod.spec.initContainers ?? [];
  const containerStatuses = facts.containers.map((c) => containerStatus(c, c.ready));
  // The kubelet reports an init container ready once it exited 0 (a sidecar: as its probes say).
  const initContainerStatuses = inits.map((c, i) => containerStatus(c, initSpecs[i] && isSidecar(initSpecs[i]!) ? c.ready : c.state.terminated?.exitCode === 0));
  const incomplete = incompleteInits(pod.spec, inits);
  const phase = podPhase(pod, facts.containers, inits);
  const containersReady = containersReadyCondition(pod, containerStatuses, initContainerStatuses, phase);
  let conditions: Condition[] = pod.status?.conditions ?? [];
  const sandboxUp = !facts.sandboxStopped && (!!facts.podIP || !!pod.spec.hostNetwork);
  conditions = setCondition(conditions, { type: 'PodReadyToStartContainers', status: sandboxUp ? 'True' : 'False' }, now);
  conditions = setCondition(conditions, incomplete.length === 0 ? { type: 'Initialized', status: 'True' }
    : { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: [${incomplete.join(' ')}]` }, now);
  conditions = setCondition(conditions, readyCondition(pod, containersReady, conditions), now);
  conditions = setCondition(conditions, containersReady, now);
  conditions = setCondition(conditions, { type: 'PodScheduled', status: 'True' }, now);
  conditions.sort((a, b) => KUBELET_CONDITION_ORDER.indexOf(a.type) - KUBELET_CONDITION_ORDER.indexOf(b.type));
  const status: PodStatus = {
    // the class the API server set at create, sent back as the kubelet sends it
    phase, ...(pod.status?.qosClass ? { qosClass: pod.status.qosClass } : {}), conditions, hostIP: facts.hostIP, hostIPs: [{ ip: facts.hostIP }],
    ...(facts.podIP ? { podIP: facts.podIP, podIPs: [{ ip: facts.podIP }] } : {}),
    ...(facts.startTime ? { startTime: facts.startTime } : {}),
    ...(inits.length > 0 ? { initContainerStatuses } : {}),
    containerStatuses,
  };
  return status;
}
