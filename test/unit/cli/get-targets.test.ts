// What `podnet get` fetches for the types it is given: names, short names,
// comma lists, and the category `all`, as kubectl expands it from discovery.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTargets } from '../../../src/cli/commands/get.js';
import { resourceForName } from '../../../src/api/resources.js';

const kinds = (...args: string[]) => parseTargets(args).map((t) => t.resource.kind);

test('all: pods, services, daemonsets, deployments, replicasets, statefulsets, horizontalpodautoscalers, cronjobs and jobs, in discovery order', () => {
  assert.deepEqual(kinds('all'), ['Pod', 'Service', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet', 'HorizontalPodAutoscaler', 'CronJob', 'Job']);
  assert.deepEqual(kinds('ALL'), ['Pod', 'Service', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet', 'HorizontalPodAutoscaler', 'CronJob', 'Job']);
});

test('all with other kinds: each kind once, in the order named', () => {
  assert.deepEqual(kinds('ing,all'), ['Ingress', 'Pod', 'Service', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet', 'HorizontalPodAutoscaler', 'CronJob', 'Job']);
  assert.deepEqual(kinds('svc,all'), ['Service', 'Pod', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet', 'HorizontalPodAutoscaler', 'CronJob', 'Job']);
  assert.deepEqual(kinds('rs,all'), ['ReplicaSet', 'Pod', 'Service', 'DaemonSet', 'Deployment', 'StatefulSet', 'HorizontalPodAutoscaler', 'CronJob', 'Job']);
  assert.deepEqual(kinds('hpa,all'), ['HorizontalPodAutoscaler', 'Pod', 'Service', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet', 'CronJob', 'Job']);
});

test('cj is the CronJob short name', () => {
  assert.deepEqual(kinds('cj'), ['CronJob']);
  assert.deepEqual(kinds('cronjobs.batch'), ['CronJob']);
});

test('an unknown type is still refused in kubectl\'s words', () => {
  assert.throws(() => parseTargets(['everything']), /the server doesn't have a resource type "everything"/);
});

test('no type: kubectl\'s "You must specify the type of resource", listing the storage kinds too, each one podnet serves', () => {
  let message = '';
  assert.throws(() => parseTargets([]), (e: Error) => { message = e.message; return true; });
  const listed = /Use "podnet get ([a-z|]+)"$/.exec(message)?.[1]?.split('|') ?? [];
  assert.ok(listed.length > 10, message);
  for (const kind of ['persistentvolumeclaims', 'persistentvolumes', 'storageclasses']) assert.ok(listed.includes(kind), `${kind} in: ${message}`);
  for (const kind of listed) assert.ok(resourceForName(kind), `${kind} is listed but not served`);
});
