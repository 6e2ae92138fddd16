import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition, Pod } from '../../../src/api/types.js';
import { computePodStatus, podPhase, type ContainerFacts } from '../../../src/agent/pod-status.js';

const pod = (restartPolicy: 'Always' | 'OnFailure' | 'Never' = 'Always'): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c' }], restartPolicy } });
const c = (state: ContainerFacts['state'], ready = false, lastState: ContainerFacts['lastState'] = {}): ContainerFacts => ({ name: 'c', image: 'podnet/echo', ready, started: !!state.running, restartCount: 0, state, lastState });

test('phase follows the containers and the restart policy', () => {
  assert.equal(podPhase(pod(), [c({ waiting: { reason: 'ContainerCreating' } })]), 'Pending');
  assert.equal(podPhase(pod(), [c({ running: {} })]), 'Running');
  assert.equal(podPhase(pod(), [c({ waiting: { reason: 'CrashLoopBackOff' } }, false, { terminated: { exitCode: 1 } })]), 'Running');
  assert.equal(podPhase(pod('Never'), [c({ terminated: { exitCode: 0 } })]), 'Succeeded');
  assert.equal(podPhase(pod('Never'), [c({ terminated: { exitCode: 2 } })]), 'Failed');
  assert.equal(podPhase(pod('OnFailure'), [c({ terminated: { exitCode: 0 } })]), 'Succeeded');
});

test('Ready and ContainersReady only when every container is ready', () => {
  const s = computePodStatus(pod(), { podIP: '10.244.0.2', hostIP: '172.18.0.2', containers: [c({ running: {} }, true)] }, '2026-01-01T00:00:00Z');
  assert.equal(s.phase, 'Running');
  assert.equal(s.podIP, '10.244.0.2');
  assert.deepEqual(s.podIPs, [{ ip: '10.244.0.2' }]);
  assert.deepEqual(s.conditions!.map((x) => `${x.type}=${x.status}`), ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']);
  const notReady = computePodStatus(pod(), { podIP: '10.244.0.2', hostIP: '172.18.0.2', containers: [c({ running: {} }, false)] }, '2026-01-01T00:00:00Z');
  const ready = notReady.conditions!.find((x) => x.type === 'Ready')!;
  assert.equal(ready.status, 'False');
  assert.equal(ready.message, 'containers with unready status: [c]');
});

test('readiness gates: Ready waits for each gate\'s condition to be True, in the kubelet\'s words', () => {
  const gated = (conditions: Condition[]): Pod =>
    ({ ...pod(), spec: { ...pod().spec, readinessGates: [{ conditionType: 'example.com/lb-ready' }, { conditionType: 'example.com/warm' }] }, status: { conditions } });
  const facts = { podIP: '10.244.0.2', hostIP: '172.18.0.2', containers: [c({ running: {} }, true)] };
  const readyOf = (p: Pod) => computePodStatus(p, facts, '2026-01-01T00:00:00Z').conditions!.find((x) => x.type === 'Ready')!;
  assert.deepEqual(readyOf(gated([])), {
    type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', lastTransitionTime: '2026-01-01T00:00:00Z',
    message: 'corresponding condition of pod readiness gate "example.com/lb-ready" does not exist., corresponding condition of pod readiness gate "example.com/warm" does not exist.',
  });
  const oneFalse = gated([{ type: 'example.com/lb-ready', status: 'True' }, { type: 'example.com/warm', status: 'False' }]);
  assert.equal(readyOf(oneFalse).message, 'the status of pod readiness gate "example.com/warm" is not "True", but False');
  const both = gated([{ type: 'example.com/lb-ready', status: 'True' }, { type: 'example.com/warm', status: 'True' }]);
  assert.equal(readyOf(both).status, 'True');
  // the gates' conditions are kept, before the kubelet's own (as the kubelet's status merge orders them)
  assert.deepEqual(computePodStatus(both, facts, '2026-01-01T00:00:00Z').conditions!.map((x) => x.type),
    ['example.com/lb-ready', 'example.com/warm', 'PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
  // unready containers come first: their message, not the gates'
  const unready = computePodStatus(both, { ...facts, containers: [c({ running: {} }, false)] }, '2026-01-01T00:00:00Z');
  assert.equal(unready.conditions!.find((x) => x.type === 'Ready')!.message, 'containers with unready status: [c]');
  // ContainersReady does not depend on the gates
  assert.equal(computePodStatus(gated([]), facts, '2026-01-01T00:00:00Z').conditions!.find((x) => x.type === 'ContainersReady')!.status, 'True');
});
