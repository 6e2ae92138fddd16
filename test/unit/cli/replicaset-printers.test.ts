// ReplicaSets in podnet's printers: `get rs` (and its place in `get all`),
// `describe replicaset`, and the OldReplicaSets/NewReplicaSet lines of
// `describe deployment`, as kubectl prints them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from '../../../src/api/types.js';
import { deploymentReplicaSets, describe } from '../../../src/cli/printers/describe.js';
import { printTable } from '../../../src/cli/printers/table.js';
import * as f from './fixtures.js';
import { ago, lines, NOW } from './fixtures.js';

// describe prints times in the local zone, as kubectl does; pin it.
process.env.TZ = 'UTC';

const WEB = f.deployment('web');

/** A ReplicaSet of WEB (its template with the hash label), `ready` of `replicas` pods. */
function replicaSet(hash: string, o: { replicas?: number; current?: number; ready?: number; age?: number; image?: string; owner?: Deployment | null } = {}): ReplicaSet {
  const labels = { app: 'web', 'pod-template-hash': hash };
  const owner = o.owner === undefined ? WEB : o.owner;
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: {
      name: `web-${hash}`, namespace: 'default', uid: `uid-web-${hash}`, creationTimestamp: ago(o.age ?? 600), labels,
      annotations: { 'deployment.kubernetes.io/revision': '1' },
      ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true }] } : {}),
    },
    spec: {
      replicas: o.replicas ?? 3, selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'echo', image: o.image ?? 'podnet/echo', ports: [{ containerPort: 8080, protocol: 'TCP' }] }] } },
    },
    status: { replicas: o.current ?? o.replicas ?? 3, readyReplicas: o.ready ?? o.replicas ?? 3 },
  };
}

test('get rs: DESIRED from spec, CURRENT and READY from status; -o wide adds containers, images and the selector', () => {
  const sets = [replicaSet('7d4b9c8f6'), replicaSet('5f6c8d9b7', { replicas: 0, current: 1, ready: 0, age: 86400 * 2, image: 'podnet/echo:1' })];
  assert.equal(printTable('ReplicaSet', sets, { now: NOW }), lines(
    'NAME            DESIRED   CURRENT   READY   AGE',
    'web-7d4b9c8f6   3         3         3       10m',
    'web-5f6c8d9b7   0         1         0       2d',
  ));
  const bare: ReplicaSet = { ...replicaSet('x'), status: {} };
  bare.spec = { ...bare.spec, selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] } };
  assert.equal(printTable('ReplicaSet', [sets[0]!, bare], { now: NOW, wide: true }), lines(
    'NAME            DESIRED   CURRENT   READY   AGE   CONTAINERS   IMAGES        SELECTOR',
    'web-7d4b9c8f6   3         3         3       10m   echo         podnet/echo   app=web,pod-template-hash=7d4b9c8f6',
    'web-x           3         0         0       10m   echo         podnet/echo   app in (api,web)',
  ));
});

test('get all: ReplicaSets come after Deployments, named replicaset.apps/NAME', () => {
  assert.equal(printTable('ReplicaSet', [replicaSet('7d4b9c8f6')], { now: NOW, withKindPrefix: true }), lines(
    'NAME                            DESIRED   CURRENT   READY   AGE',
    'replicaset.apps/web-7d4b9c8f6   3         3         3       10m',
  ));
});

test('describe replicaset: selector, controller, replicas, its own pods by phase, template, conditions, events', () => {
  const rs = replicaSet('7d4b9c8f6', { current: 3 });
  rs.spec.template.spec.containers = [{ name: 'echo', image: 'podnet/echo:2', args: ['--port=9090'], env: [{ name: 'MODE', value: 'canary' }] }];
  rs.spec.template.spec.nodeSelector = { 'kubernetes.io/os': 'linux' };
  rs.status!.conditions = [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate' }];
  const own = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name!, uid: rs.metadata.uid!, controller: true }];
  const pods = ['a', 'b', 'c', 'd'].map((s) => {
    const p = f.runningPod(`web-7d4b9c8f6-${s}`);
    p.metadata.ownerReferences = own;
    return p;
  });
  pods[2]!.status!.phase = 'Pending';
  pods[3]!.status!.phase = 'Failed';
  // a pod of the Deployment's own (from before ReplicaSets) is not counted
  const text = describe(rs, [f.event({ kind: 'ReplicaSet', name: rs.metadata.name! }, 'Normal', 'SuccessfulCreate', 'Created pod: web-7d4b9c8f6-a', 600, 600, 1, 'replicaset-controller')],
    { pods: [...pods, f.runningPod('web-old')] }, NOW);
  assert.equal(text, lines(
    'Name:           web-7d4b9c8f6',
    'Namespace:      default',
    'Selector:       app=web,pod-template-hash=7d4b9c8f6',
    'Labels:         app=web',
    '                pod-template-hash=7d4b9c8f6',
    'Annotations:    deployment.kubernetes.io/revision: 1',
    'Controlled By:  Deployment/web',
    'Replicas:       3 current / 3 desired',
    'Pods Status:    2 Running / 1 Waiting / 0 Succeeded / 1 Failed',
    'Pod Template:',
    '  Labels:  app=web',
    '           pod-template-hash=7d4b9c8f6',
    '  Containers:',
    '   echo:',
    '    Image:      podnet/echo:2',
    '    Port:       <none>',
    '    Host Port:  <none>',
    '    Args:',
    '      --port=9090',
    '    Environment:',
    '      MODE:        canary',
    '    Mounts:        <none>',
    '  Volumes:         <none>',
    '  Node-Selectors:  kubernetes.io/os=linux',
    '  Tolerations:     <none>',
    'Conditions:',
    '  Type             Status  Reason',
    '  ----             ------  ------',
    '  ReplicaFailure   True    FailedCreate',
    'Events:',
    '  Type    Reason            Age   From                   Message',
    '  ----    ------            ----  ----                   -------',
    '  Normal  SuccessfulCreate  10m   replicaset-controller  Created pod: web-7d4b9c8f6-a',
  ));
});

test('describe replicaset: no Controlled By line for a bare set; <none> without events', () => {
  const text = describe(replicaSet('7d4b9c8f6', { owner: null, replicas: 1, current: 0 }), [], {}, NOW);
  assert.ok(!text.includes('Controlled By'), text);
  assert.match(text, /^Replicas: +0 current \/ 1 desired$/m);
  assert.match(text, /^Pods Status: +0 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
  assert.match(text, /^Events: +<none>$/m);
});

/** WEB after a rollout to podnet/echo:2, and the ReplicaSets of that history (plus others'), in no particular order. */
function rolledOut(): { d: Deployment; sets: ReplicaSet[] } {
  const d = structuredClone(WEB);
  d.spec.template.spec.containers[0]!.image = 'podnet/echo:2';
  const other = f.deployment('api');
  const sets = [
    replicaSet('6c9f8b7d5', { image: 'podnet/echo:2', age: 60 }),
    replicaSet('7d4b9c8f6', { replicas: 0, current: 0, age: 600 }),
    replicaSet('5f6c8d9b7', { replicas: 1, current: 1, age: 3600, image: 'podnet/echo:0' }),
    // the new template, but another Deployment's set, or nobody's: never this Deployment's
    replicaSet('4b5c6d7f8', { image: 'podnet/echo:2', age: 7200, owner: other }),
    replicaSet('3a4b5c6d7', { image: 'podnet/echo:2', age: 7200, owner: null }),
  ];
  return { d, sets };
}

test('describe deployment: its new ReplicaSet and its old ones, oldest first, with replicas created of desired', () => {
  const { d, sets } = rolledOut();
  const text = describe(d, [], { replicaSets: sets }, NOW);
  // the lines share a tabwriter block with the conditions table, which widens its first column, as in kubectl's output
  assert.equal(text.slice(text.indexOf('Conditions:')), lines(
    'Conditions:',
    '  Type           Status  Reason',
    '  ----           ------  ------',
    '  Available      False   MinimumReplicasUnavailable',
    '  Progressing    True    ReplicaSetUpdated',
    'OldReplicaSets:  web-5f6c8d9b7 (1/1 replicas created), web-7d4b9c8f6 (0/0 replicas created)',
    'NewReplicaSet:   web-6c9f8b7d5 (3/3 replicas created)',
    'Events:          <none>',
  ));
});

test('describe deployment: OldReplicaSets <none> after a first rollout; both lines left out with no ReplicaSet, as kubectl', () => {
  const text = describe(WEB, undefined, { replicaSets: [replicaSet('7d4b9c8f6')] }, NOW);
  assert.match(text, /^OldReplicaSets: +<none>\nNewReplicaSet: +web-7d4b9c8f6 \(3\/3 replicas created\)\n$/m);
  // a set the Deployment no longer matches the template of is old; none new yet (mid-rollout before the new set exists)
  const { d } = rolledOut();
  const mid = describe(d, undefined, { replicaSets: [replicaSet('7d4b9c8f6')] }, NOW);
  assert.match(mid, /^OldReplicaSets: +web-7d4b9c8f6 \(3\/3 replicas created\)\nNewReplicaSet: +<none>\n$/m);
  assert.ok(!describe(WEB, undefined, { replicaSets: [] }, NOW).includes('OldReplicaSets'));
  assert.ok(!describe(WEB, undefined, { replicaSets: [replicaSet('3a4b5c6d7', { owner: null })] }, NOW).includes('NewReplicaSet'));
});

test('deploymentReplicaSets: the new set is the oldest whose template is the Deployment\'s, the hash label aside', () => {
  const { d, sets } = rolledOut();
  const twin = replicaSet('9z8y7x6w5', { image: 'podnet/echo:2', age: 30 });
  const { newReplicaSet, oldReplicaSets } = deploymentReplicaSets(d, [twin, ...sets]);
  assert.equal(newReplicaSet?.metadata.name, 'web-6c9f8b7d5');
  assert.deepEqual(oldReplicaSets.map((rs) => rs.metadata.name), ['web-5f6c8d9b7', 'web-7d4b9c8f6', 'web-9z8y7x6w5']);
});
