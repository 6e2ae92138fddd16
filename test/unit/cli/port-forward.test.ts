// `podnet port-forward` as kubectl's: the port arguments (named ports, `:REMOTE`,
// a bare PORT), the kinds it forwards to, the pod AttachablePodForObject
// picks (sort.Reverse(podutils.ActivePods)), Service and container port
// mapping with kubectl's errors word for word, and noticing a lost pod.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, Pod, PodPhase, Service, WatchEvent } from '../../../src/api/types.js';
import type { Client, WatchHandle } from '../../../src/client/client.js';
import { apiErrors } from '../../../src/errors.js';
import {
  forwardToPod, forwardToService, mostActiveFirst, parsePortSpec, parseTargetRef, watchPodGone, type PortSpec,
} from '../../../src/cli/commands/port-forward.js';
import { parseTargets } from '../../../src/cli/commands/get.js';
import { parseDuration } from '../../../src/cli/args.js';
import { ago, runningPod, service } from './fixtures.js';

const LOOPBACK = '127.0.0.1';

/** assert.throws' check for an error whose message is exactly `text`, as kubectl prints it after `error: ` */
function saying(text: string): (err: unknown) => boolean {
  return (err) => (err as Error).message === text;
}

test('port-forward port arguments: [ADDR:][LOCAL:]REMOTE, REMOTE a number or a port name', () => {
  const rows: [string, PortSpec][] = [
    ['8080:80', { address: LOOPBACK, local: 8080, remote: 80 }],
    ['80', { address: LOOPBACK, remote: 80 }],
    [':80', { address: LOOPBACK, local: 0, remote: 80 }],
    ['0:80', { address: LOOPBACK, local: 0, remote: 80 }],
    // regression: a named port was "invalid port specification"
    ['18083:http', { address: LOOPBACK, local: 18083, remote: 'http' }],
    ['http', { address: LOOPBACK, remote: 'http' }],
    [':http', { address: LOOPBACK, local: 0, remote: 'http' }],
    ['localhost:9000:8080', { address: LOOPBACK, local: 9000, remote: 8080 }],
    ['127.0.0.1:9000:http', { address: LOOPBACK, local: 9000, remote: 'http' }],
    ['::1:9000:80', { address: '::1', local: 9000, remote: 80 }],
    ['[::1]:9000:80', { address: '::1', local: 9000, remote: 80 }],
  ];
  for (const [spec, want] of rows) assert.deepEqual(parsePortSpec(spec), want, spec);
  for (const bad of ['80:99999', '80:0', '0', '80:', '', 'x:80', '70000:80', '-1:80']) {
    assert.throws(() => parsePortSpec(bad), /invalid port specification/, bad);
  }
  assert.throws(() => parsePortSpec('0.0.0.0:80:80'), /listens on loopback only \(got 0\.0\.0\.0\)/);
});

test('port-forward targets: a bare NAME is a pod; TYPE/NAME takes every name of a kind', () => {
  const rows: [string, string, string][] = [
    ['web-1', 'pods', 'web-1'],
    ['pod/web-1', 'pods', 'web-1'],
    ['po/web-1', 'pods', 'web-1'],
    ['deploy/web', 'deployments', 'web'],
    ['deployment/web', 'deployments', 'web'],
    ['deployments.apps/web', 'deployments', 'web'],
    ['sts/db', 'statefulsets', 'db'],
    ['statefulset/db', 'statefulsets', 'db'],
    ['svc/frontend', 'services', 'frontend'],
    ['service/frontend', 'services', 'frontend'],
  ];
  for (const [ref, plural, name] of rows) {
    const got = parseTargetRef(ref);
    assert.deepEqual([got.resource.plural, got.name], [plural, name], ref);
  }
  assert.throws(() => parseTargetRef('widget/x'), /the server doesn't have a resource type "widget"/);
  assert.throws(() => parseTargetRef('pod/'), /must have a single resource and name/);
  assert.throws(() => parseTargetRef('/web'), /must have a single resource and name/);
});

interface Facts { unassigned?: boolean; phase?: PodPhase; readyFor?: number; restarts?: number; age?: number }

/** runningPod with only what ActivePods compares set from `facts` (ready only when readyFor is given). */
function podWith(name: string, facts: Facts): Pod {
  const p = runningPod(name);
  if (facts.unassigned) delete p.spec.nodeName;
  if (facts.age === undefined) delete p.metadata.creationTimestamp; else p.metadata.creationTimestamp = ago(facts.age);
  const status = p.status!;
  status.phase = facts.phase ?? 'Running';
  status.conditions = [facts.readyFor === undefined ? { type: 'Ready', status: 'False' } : { type: 'Ready', status: 'True', lastTransitionTime: ago(facts.readyFor) }];
  for (const cs of status.containerStatuses ?? []) cs.restartCount = facts.restarts ?? 0;
  return p;
}

test('port-forward picks the pod kubectl does: sort.Reverse(podutils.ActivePods), first', () => {
  // rows: the rule, then a pod it puts before the other whatever comes after it in the order
  const rows: [string, Facts, Facts][] = [
    ['assigned before unassigned', { phase: 'Pending', age: 10 }, { unassigned: true, age: 900 }],
    ['Running before Unknown', { age: 10 }, { phase: 'Unknown', readyFor: 800, age: 900 }],
    ['Unknown before Pending', { phase: 'Unknown', age: 10 }, { phase: 'Pending', age: 900 }],
    ['ready before not ready', { readyFor: 5, restarts: 9, age: 10 }, { age: 900 }],
    ['ready for longer first', { readyFor: 300, restarts: 4, age: 310 }, { readyFor: 30, age: 900 }],
    ['fewer restarts first', { restarts: 0, age: 10 }, { restarts: 2, age: 900 }],
    ['older first', { age: 900 }, { age: 10 }],
    ['no creation time last', { age: 10 }, {}],
  ];
  for (const [rule, first, second] of rows) {
    const a = podWith('a', first);
    const b = podWith('b', second);
    assert.deepEqual([b, a].sort(mostActiveFirst).map((p) => p.metadata.name), ['a', 'b'], rule);
    assert.deepEqual([a, b].sort(mostActiveFirst).map((p) => p.metadata.name), ['a', 'b'], rule);
  }
  // a phase ActivePods does not list (Succeeded) ranks with Pending: the older one comes first
  const done = podWith('done', { phase: 'Succeeded', age: 900 });
  const pending = podWith('pending', { phase: 'Pending', age: 10 });
  assert.equal([pending, done].sort(mostActiveFirst)[0]!.metadata.name, 'done');
  assert.equal(mostActiveFirst(podWith('x', { age: 5 }), podWith('y', { age: 5 })), 0);
});

/** The shop's frontend Service, with a port for each way a targetPort can be written. */
function frontend(extra: Partial<Service['spec']> = {}): Service {
  const svc = service('frontend', {
    clusterIP: '10.96.0.20',
    selector: { app: 'frontend' },
    ports: [
      { name: 'http', port: 80, targetPort: 'http' },
      { name: 'metrics', port: 9090, targetPort: 9100 },
      { name: 'plain', port: 7000 },
      { name: 'quoted', port: 7001, targetPort: '7002' },
      { name: 'dns', port: 53, protocol: 'UDP', targetPort: 5353 },
      { name: 'admin', port: 8443, targetPort: 'admin' },
    ],
    ...extra,
  });
  return svc;
}

function frontendPod(): Pod {
  const p = runningPod('frontend-1');
  p.spec.containers[0]!.ports = [{ name: 'http', containerPort: 8080 }, { name: 'syslog', containerPort: 514, protocol: 'UDP' }];
  p.spec.initContainers = [{ name: 'warm', ports: [{ name: 'warmup', containerPort: 7777 }] }];
  return p;
}

/** What an argument forwards to on frontend-1, by itself (`pod`) or chosen for the frontend Service (`svc`). */
function forwardOn(to: 'svc' | 'pod', arg: string, svc = frontend()) {
  return to === 'svc' ? forwardToService(parsePortSpec(arg), svc, frontendPod()) : forwardToPod(parsePortSpec(arg), frontendPod());
}

test('port-forward REMOTE: a Service port or its name, mapped to its targetPort on the pod; a container port or its name', () => {
  // rows: target, argument → local, remote (kubectl's translateServicePortToTargetPort and convertPodNamedPortToNumber)
  const rows: ['svc' | 'pod', string, number, number][] = [
    ['svc', '18083:http', 18083, 8080],
    ['svc', 'http', 80, 8080],
    ['svc', ':http', 0, 8080],
    ['svc', '80', 80, 8080],
    ['svc', '8080:80', 8080, 8080],
    ['svc', 'metrics', 9090, 9100],
    ['svc', '7000', 7000, 7000],
    ['svc', '7001', 7001, 7002],
    ['pod', 'http', 8080, 8080],
    ['pod', '9000:http', 9000, 8080],
    ['pod', ':http', 0, 8080],
    ['pod', '5000', 5000, 5000],
    ['pod', 'warmup', 7777, 7777],
  ];
  for (const [to, arg, local, remote] of rows) assert.deepEqual(forwardOn(to, arg), { address: LOOPBACK, local, remote }, `${to} ${arg}`);
  // headless: no targetPort mapping, any port is the pod's own
  const headless = frontend({ clusterIP: 'None' });
  assert.deepEqual(forwardOn('svc', 'http', headless), { address: LOOPBACK, local: 80, remote: 80 });
  assert.deepEqual(forwardOn('svc', '81', headless), { address: LOOPBACK, local: 81, remote: 81 });
});

test('port-forward REMOTE refused with kubectl\'s messages', () => {
  const rows: ['svc' | 'pod', string, string][] = [
    ['svc', '8080:nope', "Service 'frontend' does not have a named port 'nope'"],
    ['svc', '81', 'Service frontend does not have a service port 81'],
    ['svc', 'dns', 'UDP protocol is not supported for dns'],
    ['svc', '53', 'UDP protocol is not supported for 53'],
    ['svc', 'admin', "Pod 'frontend-1' does not have a named port 'admin'"],
    ['pod', 'nope', "Pod 'frontend-1' does not have a named port 'nope'"],
    ['pod', 'syslog', 'UDP protocol is not supported for syslog'],
  ];
  for (const [to, arg, message] of rows) assert.throws(() => forwardOn(to, arg), saying(message), `${to} ${arg}`);
});

/** A Client with only what watchPodGone uses: a scripted GET and watches the test drives. */
class PodWatchClient {
  current: Pod | undefined;
  readonly watches: { options: { fieldSelector?: string; resourceVersion?: string }; emit: (e: WatchEvent<Pod>) => void; end: () => void; stopped: boolean }[] = [];

  async get(): Promise<KubeObject> {
    if (!this.current) throw apiErrors.notFound('pods', '', 'web-1');
    return structuredClone(this.current);
  }

  watch(_plural: string, _ns: string | undefined, options: { fieldSelector?: string; resourceVersion?: string }, onEvent: (e: WatchEvent<Pod>) => void): WatchHandle {
    let end!: () => void;
    const done = new Promise<void>((resolve) => { end = resolve; });
    const w = { options, emit: onEvent, end, stopped: false };
    this.watches.push(w);
    return { done, stop: () => { w.stopped = true; end(); } };
  }
}

function watched(): { client: PodWatchClient; pod: Pod; gone: () => number; stop: () => void } {
  const pod = runningPod('web-1');
  pod.metadata.resourceVersion = '41';
  const client = new PodWatchClient();
  client.current = pod;
  let calls = 0;
  const stop = watchPodGone(client as unknown as Client, pod, () => { calls++; });
  return { client, pod, gone: () => calls, stop };
}

const settle = () => new Promise((r) => setImmediate(r));

test('lost connection: the forward notices its pod deleted or replaced, not merely changed', async () => {
  const changed = watched();
  assert.deepEqual(changed.client.watches[0]!.options, { fieldSelector: 'metadata.name=web-1', resourceVersion: '41' });
  const terminating = { ...changed.pod, metadata: { ...changed.pod.metadata, resourceVersion: '42', deletionTimestamp: ago(0) } };
  changed.client.watches[0]!.emit({ type: 'MODIFIED', object: terminating });
  changed.client.watches[0]!.emit({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '43' } } as Pod });
  assert.equal(changed.gone(), 0, 'a terminating pod still serves');
  changed.client.watches[0]!.emit({ type: 'DELETED', object: terminating });
  changed.client.watches[0]!.emit({ type: 'DELETED', object: terminating });
  assert.equal(changed.gone(), 1, 'deleted, reported once');
  changed.stop();

  const replaced = watched();
  replaced.client.watches[0]!.emit({ type: 'ADDED', object: { ...replaced.pod, metadata: { ...replaced.pod.metadata, uid: 'uid-new' } } });
  assert.equal(replaced.gone(), 1, 'a new pod of the same name (a StatefulSet\'s) is another pod');
  replaced.stop();
});

test('lost connection: a watch that ends is checked with a GET, and a pod gone meanwhile is lost', async () => {
  const w = watched();
  w.client.current = undefined;
  w.client.watches[0]!.end();
  await settle();
  await settle();
  assert.equal(w.gone(), 1);
  w.stop();

  const stopped = watched();
  stopped.stop();
  assert.equal(stopped.client.watches[0]!.stopped, true);
  stopped.client.current = undefined;
  await settle();
  assert.equal(stopped.gone(), 0, 'stopping (Ctrl-C) is not losing the pod');
});

test('get targets: kinds, short names, kind/name pairs', () => {
  assert.deepEqual(parseTargets(['svc,endpointslices']).map((t) => t.resource.plural), ['services', 'endpointslices']);
  assert.deepEqual(parseTargets(['po', 'a', 'b']).map((t) => [t.resource.plural, t.names]), [['pods', ['a', 'b']]]);
  assert.deepEqual(parseTargets(['pod/a', 'svc/b', 'pod/c']).map((t) => [t.resource.plural, t.names]), [['pods', ['a', 'c']], ['services', ['b']]]);
  assert.deepEqual(parseTargets(['deployments.apps']).map((t) => t.resource.kind), ['Deployment']);
  assert.throws(() => parseTargets(['widgets']), /the server doesn't have a resource type "widgets"/);
});

test('durations as kubectl writes them', () => {
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('5'), 5_000);
  assert.throws(() => parseDuration('soon'), /invalid duration/);
});
