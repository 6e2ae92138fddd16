import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../src/api/types.js';
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
