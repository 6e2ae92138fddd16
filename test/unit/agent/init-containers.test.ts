import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodSpec } from '../../../src/api/types.js';
import { incompleteInits, nextInitStep } from '../../../src/agent/init-containers.js';
import { computePodStatus, type ContainerFacts } from '../../../src/agent/pod-status.js';
import { summarizePod } from '../../../src/cli/printers/pod-status.js';

const NOW = '2026-01-01T00:00:00Z';
const fact = (name: string, state: ContainerFacts['state'], extra: Partial<ContainerFacts> = {}): ContainerFacts =>
  ({ name, image: 'none', ready: false, started: !!state.running, restartCount: 0, state, lastState: {}, ...extra });
const waiting = (reason = 'PodInitializing'): ContainerFacts['state'] => ({ waiting: { reason } });
const done: ContainerFacts['state'] = { terminated: { exitCode: 0, reason: 'Completed' } };
const failed: ContainerFacts['state'] = { terminated: { exitCode: 1, reason: 'Error' } };
const running: ContainerFacts['state'] = { running: { startedAt: NOW } };
const spec = (restartPolicy: PodSpec['restartPolicy'] = 'Always', sidecar = false): PodSpec => ({
  containers: [{ name: 'main' }], restartPolicy,
  initContainers: [{ name: 'first', ...(sidecar ? { restartPolicy: 'Always' } : {}) }, { name: 'second' }],
});
const pod = (s: PodSpec): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: s });

test('init containers run one at a time, in order, each after the one before exited 0', () => {
  const rows: [string, PodSpec, ContainerFacts['state'][], ReturnType<typeof nextInitStep>][] = [
    ['nothing ran yet: the first', spec(), [waiting(), waiting()], { kind: 'run', index: 0 }],
    ['the first runs: keep it running', spec(), [running, waiting()], { kind: 'run', index: 0 }],
    ['the first completed: the second', spec(), [done, waiting()], { kind: 'run', index: 1 }],
    ['both completed: the regular containers', spec(), [done, done], { kind: 'done' }],
    ['the first failed under Always: it is retried', spec('Always'), [waiting('CrashLoopBackOff'), waiting()], { kind: 'run', index: 0 }],
    ['the first failed under OnFailure: it is retried', spec('OnFailure'), [waiting('CrashLoopBackOff'), waiting()], { kind: 'run', index: 0 }],
    ['the second failed under Never: the pod failed', spec('Never'), [done, failed], { kind: 'failed', index: 1 }],
    ['a sidecar that runs is not waited for', spec('Always', true), [running, waiting()], { kind: 'run', index: 1 }],
    ['a sidecar not started yet is started first', spec('Always', true), [waiting(), waiting()], { kind: 'run', index: 0 }],
  ];
  for (const [why, s, states, want] of rows) {
    assert.deepEqual(nextInitStep(s, states.map((st, i) => fact(`i${i}`, st))), want, why);
  }
  assert.deepEqual(nextInitStep({}, []), { kind: 'done' }, 'no init containers');
});

test('incompleteInits names every init container not yet completed', () => {
  assert.deepEqual(incompleteInits(spec(), [fact('first', done), fact('second', running)]), ['second']);
  assert.deepEqual(incompleteInits(spec(), [fact('first', waiting()), fact('second', waiting())]), ['first', 'second']);
});

/** status of pod spec `s` with init states `inits` and a main container in `main` */
function status(s: PodSpec, inits: ContainerFacts['state'][], main: ContainerFacts['state'] = waiting(), restarts = 0) {
  const p = pod(s);
  p.status = computePodStatus(p, {
    podIP: '10.244.0.2', hostIP: '172.18.0.2', containers: [fact('main', main, { ready: !!main.running })],
    initContainers: inits.map((st, i) => fact(s.initContainers![i]!.name, st, { restartCount: i === 0 ? restarts : 0 })),
  }, NOW);
  return p;
}

test('while initializing: phase Pending, Initialized=False naming the incomplete ones, STATUS Init:N/M', () => {
  const p = status(spec(), [done, running]);
  assert.equal(p.status!.phase, 'Pending');
  const initialized = p.status!.conditions!.find((c) => c.type === 'Initialized')!;
  assert.deepEqual([initialized.status, initialized.reason, initialized.message], ['False', 'ContainersNotInitialized', 'containers with incomplete status: [second]']);
  assert.equal(p.status!.conditions!.find((c) => c.type === 'Ready')!.status, 'False');
  assert.deepEqual(p.status!.initContainerStatuses!.map((c) => [c.name, c.ready, c.state?.terminated?.reason ?? Object.keys(c.state ?? {})[0]]), [['first', true, 'Completed'], ['second', false, 'running']]);
  assert.equal(summarizePod(p, Date.parse(NOW)).status, 'Init:1/2');
  assert.equal(summarizePod(status(spec(), [waiting(), waiting()]), Date.parse(NOW)).status, 'Init:0/2');
});

test('initialized: Initialized=True, phase from the regular containers', () => {
  const p = status(spec(), [done, done], running);
  assert.equal(p.status!.phase, 'Running');
  assert.equal(p.status!.conditions!.find((c) => c.type === 'Initialized')!.status, 'True');
  assert.equal(p.status!.conditions!.find((c) => c.type === 'Ready')!.status, 'True');
  assert.equal(summarizePod(p, Date.parse(NOW)).status, 'Running');
});

test('a failed init container: Failed and Init:Error under Never, Pending and Init:CrashLoopBackOff otherwise', () => {
  const never = status(spec('Never'), [failed, waiting()]);
  assert.equal(never.status!.phase, 'Failed');
  assert.equal(summarizePod(never, Date.parse(NOW)).status, 'Init:Error');
  const always = status(spec('Always'), [waiting('CrashLoopBackOff'), waiting()], waiting(), 2);
  assert.equal(always.status!.phase, 'Pending');
  assert.equal(summarizePod(always, Date.parse(NOW)).status, 'Init:CrashLoopBackOff');
  assert.equal(always.status!.initContainerStatuses![0]!.restartCount, 2);
});

test('a pod without init containers reports no initContainerStatuses and Initialized=True', () => {
  const p = pod({ containers: [{ name: 'main' }] });
  const s = computePodStatus(p, { hostIP: '172.18.0.2', containers: [fact('main', running, { ready: true })] }, NOW);
  assert.equal(s.initContainerStatuses, undefined);
  assert.equal(s.conditions!.find((c) => c.type === 'Initialized')!.status, 'True');
});

test('a sidecar counts for Ready as the kubelet counts it (GenerateContainersReadyCondition): named before the regular containers', () => {
  const withSidecar = (sidecarReady: boolean, mainReady: boolean) => {
    const p = pod(spec('Always', true));
    return computePodStatus(p, {
      podIP: '10.244.0.2', hostIP: '172.18.0.2', containers: [fact('main', running, { ready: mainReady })],
      initContainers: [fact('first', running, { ready: sidecarReady }), fact('second', done)],
    }, NOW);
  };
  const cond = (s: ReturnType<typeof computePodStatus>, type: string) => s.conditions!.find((c) => c.type === type)!;
  const both = withSidecar(true, true);
  assert.deepEqual([cond(both, 'Ready').status, cond(both, 'ContainersReady').status], ['True', 'True']);
  const sidecarNot = withSidecar(false, true);
  assert.deepEqual([cond(sidecarNot, 'Ready').status, cond(sidecarNot, 'Ready').reason, cond(sidecarNot, 'Ready').message], ['False', 'ContainersNotReady', 'containers with unready status: [first]']);
  assert.equal(cond(sidecarNot, 'ContainersReady').message, 'containers with unready status: [first]');
  assert.equal(cond(withSidecar(false, false), 'Ready').message, 'containers with unready status: [first main]');
  // a regular init container's readiness (done) never counts
  assert.equal(cond(withSidecar(true, true), 'Ready').message, undefined);
});

test('a finished pod is not ready, with the kubelet\'s reasons PodCompleted and PodFailed', () => {
  const finished = (exitCode: number) => computePodStatus(pod({ containers: [{ name: 'main' }], restartPolicy: 'Never' }),
    { hostIP: '172.18.0.2', containers: [fact('main', { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' } })] }, NOW);
  const ok = finished(0);
  assert.equal(ok.phase, 'Succeeded');
  assert.deepEqual(ok.conditions!.filter((c) => c.type === 'Ready' || c.type === 'ContainersReady').map((c) => [c.type, c.status, c.reason, c.message]),
    [['Ready', 'False', 'PodCompleted', undefined], ['ContainersReady', 'False', 'PodCompleted', undefined]]);
  const bad = finished(1);
  assert.equal(bad.phase, 'Failed');
  assert.deepEqual(bad.conditions!.filter((c) => c.type === 'Ready').map((c) => [c.status, c.reason]), [['False', 'PodFailed']]);
});
