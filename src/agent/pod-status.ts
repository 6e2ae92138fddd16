// Pod status as the kubelet computes it from what its containers are doing.
// Pure: the pod worker feeds it facts and writes the result.

import type { Condition, ContainerState, ContainerStatus, Pod, PodPhase, PodStatus } from '../api/types.js';
import { setCondition } from '../api/pod-helpers.js';

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
  /** set while the sandbox could not be created */
  sandboxError?: string;
}

export function podPhase(pod: Pod, containers: ContainerFacts[]): PodPhase {
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

export function computePodStatus(pod: Pod, facts: PodFacts, now: string): PodStatus {
  const containerStatuses: ContainerStatus[] = facts.containers.map((c) => ({
    name: c.name, image: c.image, imageID: c.image ? `podnet://${c.image}` : '',
    ...(c.containerID ? { containerID: c.containerID } : {}),
    ready: c.ready, started: c.started, restartCount: c.restartCount, state: c.state, lastState: c.lastState,
  }));
  const phase = podPhase(pod, facts.containers);
  const allReady = facts.containers.length > 0 && facts.containers.every((c) => c.ready) && phase === 'Running';
  const notReady = facts.containers.filter((c) => !c.ready).map((c) => c.name);
  const notReadyMessage = `containers with unready status: [${notReady.join(' ')}]`;
  let conditions: Condition[] = pod.status?.conditions ?? [];
  conditions = setCondition(conditions, { type: 'PodReadyToStartContainers', status: facts.podIP || pod.spec.hostNetwork ? 'True' : 'False' }, now);
  conditions = setCondition(conditions, { type: 'Initialized', status: 'True' }, now);
  conditions = setCondition(conditions, allReady ? { type: 'Ready', status: 'True' } : { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: notReadyMessage }, now);
  conditions = setCondition(conditions, allReady ? { type: 'ContainersReady', status: 'True' } : { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: notReadyMessage }, now);
  conditions = setCondition(conditions, { type: 'PodScheduled', status: 'True' }, now);
  const order = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
  conditions.sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
  const status: PodStatus = {
    phase, conditions, hostIP: facts.hostIP, hostIPs: [{ ip: facts.hostIP }],
    ...(facts.podIP ? { podIP: facts.podIP, podIPs: [{ ip: facts.podIP }] } : {}),
    ...(facts.startTime ? { startTime: facts.startTime } : {}),
    containerStatuses,
  };
  return status;
}
