// Which init container the pod worker runs next, as the kubelet's
// computeInitContainerActions decides for a pod: one at a time, in order,
// each to exit 0 before the next starts; regular containers only once all
// have. Pure: the worker feeds it what its init containers are doing.
//
// A sidecar (an init container with restartPolicy Always, KEP-753) is not
// waited for: once started it counts as done and the next one starts.

import type { Container, PodSpec } from '../api/types.js';
import type { ContainerFacts } from './pod-status.js';

export type InitStep =
  /** every init container completed (or, a sidecar, started): start the regular containers */
  | { kind: 'done' }
  /** init container `index` must be running: start it unless it runs or waits out its back-off */
  | { kind: 'run'; index: number }
  /** init container `index` failed and restartPolicy Never forbids a retry: the pod has failed */
  | { kind: 'failed'; index: number };

/** A sidecar: an init container with restartPolicy Always (KEP-753). */
export function isSidecar(c: Container): boolean {
  return c['restartPolicy'] === 'Always';
}

/** whether init container `c` lets the next one start */
export function initSatisfied(c: ContainerFacts, sidecar: boolean): boolean {
  if (sidecar) return c.started || !!c.state.running || !!c.lastState.terminated || c.restartCount > 0;
  return c.state.terminated?.exitCode === 0;
}

export function nextInitStep(spec: Pick<PodSpec, 'initContainers' | 'restartPolicy'>, inits: ContainerFacts[]): InitStep {
  const specs = spec.initContainers ?? [];
  for (let index = 0; index < inits.length; index++) {
    const c = inits[index]!;
    const sidecar = !!specs[index] && isSidecar(specs[index]!);
    if (initSatisfied(c, sidecar)) continue;
    // Upstream, a failed init container is retried unless the pod's policy is Never (OnFailure and Always alike).
    if (!sidecar && c.state.terminated && (spec.restartPolicy ?? 'Always') === 'Never') return { kind: 'failed', index };
    return { kind: 'run', index };
  }
  return { kind: 'done' };
}

/** names of the init containers not yet satisfied, for the Initialized condition's message */
export function incompleteInits(spec: Pick<PodSpec, 'initContainers'>, inits: ContainerFacts[]): string[] {
  const specs = spec.initContainers ?? [];
  return inits.filter((c, i) => !initSatisfied(c, !!specs[i] && isSidecar(specs[i]!))).map((c) => c.name);
}
