// `podnet exec` preconditions as kubectl exec meets them: a completed pod
// (kubectl), a container the pod does not have (the API server's 400), a
// container that is not running (the kubelet, through the failed upgrade).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, PodnetError } from '../../../src/errors.js';
import { execTarget } from '../../../src/cli/commands/exec.js';
import { runningPod } from './fixtures.js';

const alive = (pids: Record<string, number>) => (name: string) => pids[name];
const quiet = () => {};

test('exec: a completed pod is refused before anything runs', () => {
  for (const phase of ['Succeeded', 'Failed'] as const) {
    const pod = runningPod('done');
    pod.status!.phase = phase;
    assert.throws(() => execTarget(pod, undefined, quiet, alive({ echo: 42 })),
      (e: unknown) => e instanceof PodnetError && e.message === `cannot exec into a container in a completed pod; current phase is ${phase}`);
  }
});

test('exec: -c NAME the pod does not have is the API server\'s BadRequest', () => {
  assert.throws(() => execTarget(runningPod('web'), 'nope', quiet, alive({ echo: 42 })),
    (e: unknown) => e instanceof ApiError && e.reason === 'BadRequest' && e.message === 'container nope is not valid for pod web');
});

test('exec: a container that is not running cannot be entered', () => {
  const pod = runningPod('badimg');
  pod.status!.phase = 'Pending';
  assert.throws(() => execTarget(pod, undefined, quiet, alive({})),
    (e: unknown) => e instanceof PodnetError && !(e instanceof ApiError) && e.message === 'unable to upgrade connection: container not found ("echo")');
});

test('exec: the running container, defaulted with kubectl\'s notice', () => {
  assert.deepEqual(execTarget(runningPod('web'), undefined, quiet, alive({ echo: 42 })), { container: 'echo', pid: 42 });
  const pod = runningPod('two');
  pod.spec.containers = [{ name: 'a' }, { name: 'b' }];
  const notes: string[] = [];
  assert.deepEqual(execTarget(pod, undefined, (l) => { notes.push(l); }, alive({ a: 1, b: 2 })), { container: 'a', pid: 1 });
  assert.deepEqual(notes, ['Defaulted container "a" out of: a, b\n']);
  assert.deepEqual(execTarget(pod, 'b', quiet, alive({ a: 1, b: 2 })), { container: 'b', pid: 2 });
});
