// `podnet logs` as kubectl logs: which container instance the kubelet's
// validateContainerLogStatus reads (and its 400s word for word), kubectl's
// default container, GetFirstPod's ByLogging order for TYPE/NAME, and --tail.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStatus, KubeList, KubeObject, Pod, PodPhase } from '../../../src/api/types.js';
import { matchesRequirements, parseSelector } from '../../../src/api/labels.js';
import type { ListOptions } from '../../../src/client/client.js';
import { ApiError } from '../../../src/errors.js';
import type { Context } from '../../../src/cli/context.js';
import { byLogging, defaultContainer, parseTail, resolveLogsPod } from '../../../src/cli/commands/logs.js';
import { logInstance, tailOffset } from '../../../src/agent/container-logs.js';
import { FakeClient } from '../ingress/fake-client.js';
import { ago, deployment, runningPod, service, statefulSet } from './fixtures.js';

function withStatus(cs: Partial<ContainerStatus>, name = 'p'): Pod {
  const pod = runningPod(name);
  pod.status!.containerStatuses = [{ name: 'echo', ready: false, restartCount: 0, ...cs }];
  return pod;
}

function badRequest(message: string) {
  return (err: unknown) => err instanceof ApiError && err.reason === 'BadRequest' && err.message === message;
}

const TERMINATED = { terminated: { exitCode: 3, reason: 'Error' } };

test('logs: the instance the kubelet reads, current or --previous', () => {
  // rows: state, lastState, restartCount → current instance, previous instance
  const rows: [string, Partial<ContainerStatus>, number, number | 'none'][] = [
    ['running, never restarted', { state: { running: {} }, restartCount: 0 }, 0, 'none'],
    ['running after 2 restarts', { state: { running: {} }, lastState: TERMINATED, restartCount: 2 }, 2, 1],
    ['waiting to restart (CrashLoopBackOff): the instance that just died', { state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: TERMINATED, restartCount: 2 }, 2, 2],
    ['terminated for good (restartPolicy Never)', { state: TERMINATED, restartCount: 0 }, 0, 'none'],
    ['terminated after a restart (OnFailure)', { state: { terminated: { exitCode: 0 } }, lastState: TERMINATED, restartCount: 1 }, 1, 0],
  ];
  for (const [what, cs, current, previous] of rows) {
    assert.equal(logInstance(withStatus(cs), 'echo', false), current, what);
    if (previous === 'none') assert.throws(() => logInstance(withStatus(cs), 'echo', true), badRequest('previous terminated container "echo" in pod "p" not found'), what);
    else assert.equal(logInstance(withStatus(cs), 'echo', true), previous, what);
  }
});

test('logs: a waiting container gets the kubelet\'s words for the common reasons', () => {
  const rows: [string | undefined, string][] = [
    ['ErrImagePull', "image can't be pulled"],
    ['ImagePullBackOff', 'trying and failing to pull image'],
    ['ContainerCreating', 'ContainerCreating'],
    ['CreateContainerConfigError', 'CreateContainerConfigError'],
  ];
  for (const [reason, words] of rows) {
    const pod = withStatus({ state: { waiting: { ...(reason ? { reason } : {}) } } }, 'badimg');
    assert.throws(() => logInstance(pod, 'echo', false), badRequest(`container "echo" in pod "badimg" is waiting to start: ${words}`));
  }
  assert.throws(() => logInstance(withStatus({ state: {} }), 'echo', false), badRequest('container "echo" in pod "p" is waiting to start - no logs yet'));
  // bound, not reported yet: ContainerCreating; not bound: the API server's empty answer
  const unreported = runningPod('p');
  delete unreported.status!.containerStatuses;
  assert.throws(() => logInstance(unreported, 'echo', false), badRequest('container "echo" in pod "p" is waiting to start: ContainerCreating'));
  delete unreported.spec.nodeName;
  assert.equal(logInstance(unreported, 'echo', false), undefined);
});

test('logs: the default container, with kubectl\'s notice when there is a choice', () => {
  const notes: string[] = [];
  const warn = (l: string) => { notes.push(l); };
  const one = runningPod('one');
  assert.equal(defaultContainer(one, warn), 'echo');
  assert.deepEqual(notes, []);
  const two = runningPod('two');
  two.spec.containers = [{ name: 'a' }, { name: 'b' }];
  assert.equal(defaultContainer(two, warn), 'a');
  assert.deepEqual(notes, ['Defaulted container "a" out of: a, b\n']);
  two.spec.initContainers = [{ name: 'setup' }];
  notes.length = 0;
  defaultContainer(two, warn);
  assert.deepEqual(notes, ['Defaulted container "a" out of: a, b, setup (init)\n']);
  notes.length = 0;
  two.metadata.annotations = { 'kubectl.kubernetes.io/default-container': 'b' };
  assert.equal(defaultContainer(two, warn), 'b');
  assert.deepEqual(notes, [], 'the annotation chooses quietly');
  two.metadata.annotations = { 'kubectl.kubernetes.io/default-container': 'gone' };
  assert.equal(defaultContainer(two, warn), 'a', 'an annotation naming no container is ignored');
});

function pod(name: string, opts: { node?: string; phase?: PodPhase; readySince?: number; restarts?: number; age: number }): Pod {
  const p = runningPod(name);
  p.metadata.creationTimestamp = ago(opts.age);
  if (opts.node === undefined) p.spec.nodeName = 'node-1'; else if (opts.node === '') delete p.spec.nodeName; else p.spec.nodeName = opts.node;
  p.status!.phase = opts.phase ?? 'Running';
  p.status!.conditions = opts.readySince !== undefined ? [{ type: 'Ready', status: 'True', lastTransitionTime: ago(opts.readySince) }] : [{ type: 'Ready', status: 'False' }];
  p.status!.containerStatuses![0]!.restartCount = opts.restarts ?? 0;
  return p;
}

test('logs: TYPE/NAME picks the pod podutils.ByLogging puts first', () => {
  const order = (...pods: Pod[]) => [...pods].sort(byLogging).map((p) => p.metadata.name);
  assert.deepEqual(order(pod('unbound', { node: '', age: 900 }), pod('bound', { age: 10, phase: 'Pending' })), ['bound', 'unbound']);
  assert.deepEqual(order(pod('pending', { phase: 'Pending', age: 900 }), pod('unknown', { phase: 'Unknown', age: 900 }), pod('running', { age: 10 })), ['running', 'unknown', 'pending']);
  assert.deepEqual(order(pod('notready', { age: 900 }), pod('ready', { readySince: 5, age: 10 })), ['ready', 'notready']);
  assert.deepEqual(order(pod('newly', { readySince: 5, age: 900 }), pod('long', { readySince: 500, age: 600 })), ['long', 'newly']);
  assert.deepEqual(order(pod('calm', { age: 900 }), pod('crashy', { restarts: 4, age: 10 })), ['crashy', 'calm']);
  assert.deepEqual(order(pod('young', { age: 10 }), pod('old', { age: 900 })), ['old', 'young']);
});

class SelectingClient extends FakeClient {
  override async list<T extends KubeObject = KubeObject>(plural: string, _ns?: string, options?: ListOptions): Promise<KubeList<T>> {
    const all = await super.list<T>(plural);
    const reqs = parseSelector(options?.labelSelector ?? '');
    return { ...all, items: all.items.filter((o) => matchesRequirements(reqs, o.metadata.labels)) };
  }
}

test('logs: deploy/, statefulset/, svc/ resolve to their first pod; pod/ directly', async () => {
  const client = new SelectingClient();
  const ctx = { cluster: 't', paths: {} as Context['paths'], client: () => client, ready: async () => {} } as Context;
  client.put(deployment('web'));
  client.put(statefulSet('db'));
  client.put(service('front', { selector: { app: 'web' } }));
  client.put(service('headless', {}));
  const webOld = pod('web-old', { readySince: 500, age: 900 });
  const webNew = pod('web-new', { readySince: 5, age: 10 });
  const db0 = pod('db-0', { age: 100 });
  for (const [p, app] of [[webOld, 'web'], [webNew, 'web'], [db0, 'db']] as const) { p.metadata.labels = { app }; client.put(p); }
  const notes: string[] = [];
  const warn = (l: string) => { notes.push(l); };
  assert.equal((await resolveLogsPod(ctx, 'default', 'deploy/web', warn)).metadata.name, 'web-old');
  assert.deepEqual(notes, ['Found 2 pods, using pod/web-old\n']);
  notes.length = 0;
  assert.equal((await resolveLogsPod(ctx, 'default', 'deployment/web', warn)).metadata.name, 'web-old');
  assert.equal((await resolveLogsPod(ctx, 'default', 'svc/front', warn)).metadata.name, 'web-old');
  assert.equal((await resolveLogsPod(ctx, 'default', 'statefulset/db', warn)).metadata.name, 'db-0');
  assert.equal((await resolveLogsPod(ctx, 'default', 'sts/db', warn)).metadata.name, 'db-0');
  assert.equal((await resolveLogsPod(ctx, 'default', 'pod/web-new', warn)).metadata.name, 'web-new');
  assert.equal((await resolveLogsPod(ctx, 'default', 'web-new', warn)).metadata.name, 'web-new');
  await assert.rejects(resolveLogsPod(ctx, 'default', 'svc/headless', warn), /cannot get the logs from \*v1\.Service: invalid service 'headless': Service is defined without a selector/);
  await assert.rejects(resolveLogsPod(ctx, 'default', 'deploy/nope', warn), /deployments\.apps "nope" not found|deployments "nope" not found/);
  await assert.rejects(resolveLogsPod(ctx, 'default', 'frobs/x', warn), /the server doesn't have a resource type "frobs"/);
});

test('logs --tail: the last N lines, -1 all, below -1 refused', () => {
  const text = (s: string, n: number) => { const b = Buffer.from(s); const off = tailOffset(b, n); return off === undefined ? undefined : b.subarray(off).toString(); };
  assert.equal(text('a\nb\nc\n', 2), 'b\nc\n');
  assert.equal(text('a\nb\nc', 2), 'b\nc');
  assert.equal(text('a\nb\nc\n', 0), '');
  assert.equal(text('a\nb\nc\n', 3), undefined, 'fewer lines than asked: the caller takes all it has');
  assert.equal(text('a\n\nc\n', 2), '\nc\n', 'an empty line is a line');
  assert.equal(parseTail(undefined), -1);
  assert.equal(parseTail('-1'), -1);
  assert.equal(parseTail('10'), 10);
  assert.throws(() => parseTail('-2'), /--tail must be greater than or equal to -1/);
  assert.throws(() => parseTail('x'), /invalid argument "x" for "--tail" flag/);
});
