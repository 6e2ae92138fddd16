// DaemonSets in podnet's printers: `get ds` (kubectl's DESIRED … NODE
// SELECTOR columns, and -o wide), the server-side Table, `get all`,
// `describe ds` and the selector `logs ds/NAME` reads pods by.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet, KubeObject, Pod } from '../../../src/api/types.js';
import { resourceForName } from '../../../src/api/resources.js';
import { toTable } from '../../../src/apiserver/table.js';
import type { Client } from '../../../src/client/client.js';
import { parseTargets } from '../../../src/cli/commands/get.js';
import { selectorForObject } from '../../../src/cli/commands/logs.js';
import { describe } from '../../../src/cli/printers/describe.js';
import { printTable } from '../../../src/cli/printers/table.js';
import * as f from './fixtures.js';
import { ago, lines, NOW } from './fixtures.js';

// describe prints times in the local zone, as kubectl does; pin it.
process.env.TZ = 'UTC';

const UID = '5c1d2e3f-0000-4000-8000-00000000d5e7';

function daemonSet(name: string, status: DaemonSet['status'], nodeSelector?: Record<string, string>): DaemonSet {
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet',
    metadata: { name, namespace: 'kube-system', uid: UID, creationTimestamp: ago(600), labels: { app: name }, annotations: { 'deprecated.daemonset.template.generation': '2' } },
    spec: {
      selector: { matchLabels: { app: name } }, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'agent', image: 'podnet/echo' }], ...(nodeSelector ? { nodeSelector } : {}) } },
    },
    status,
  };
}

const ROLLING = { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 1, numberAvailable: 2, numberMisscheduled: 0, numberUnavailable: 1 };

test('get ds: DESIRED, CURRENT, READY, UP-TO-DATE, AVAILABLE from the status, NODE SELECTOR from the template; -o wide adds containers, images and selector', () => {
  const sets = [daemonSet('agent', ROLLING), daemonSet('edge', { desiredNumberScheduled: 1, currentNumberScheduled: 0, numberReady: 0, numberMisscheduled: 0 }, { role: 'edge', zone: 'a' })];
  assert.equal(printTable('DaemonSet', sets, { now: NOW }), lines(
    'NAME    DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR      AGE',
    'agent   3         3         2       1            2           <none>             10m',
    'edge    1         0         0       0            0           role=edge,zone=a   10m',
  ));
  assert.equal(printTable('DaemonSet', [sets[0]!], { now: NOW, wide: true }), lines(
    'NAME    DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE   CONTAINERS   IMAGES        SELECTOR',
    'agent   3         3         2       1            2           <none>          10m   agent        podnet/echo   app=agent',
  ));
});

test('the server-side Table: kubectl\'s column names, the wide ones at priority 1', () => {
  const table = JSON.parse(toTable(resourceForName('ds')!, [daemonSet('agent', ROLLING)], { version: 'v1', includeObject: 'None', now: NOW })) as {
    columnDefinitions: { name: string; priority: number }[]; rows: { cells: string[] }[];
  };
  assert.deepEqual(table.columnDefinitions.map((c) => `${c.name}:${c.priority}`), [
    'Name:0', 'Desired:0', 'Current:0', 'Ready:0', 'Up-to-date:0', 'Available:0', 'Node Selector:0', 'Age:0', 'Containers:1', 'Images:1', 'Selector:1',
  ]);
  assert.deepEqual(table.rows[0]!.cells.slice(0, 7), ['agent', '3', '3', '2', '1', '2', '<none>']);
});

test('get all lists daemonsets after services, named daemonset.apps/NAME', () => {
  assert.deepEqual(parseTargets(['all']).map((t) => t.resource.kind).slice(0, 4), ['Pod', 'Service', 'DaemonSet', 'Deployment']);
  assert.equal(printTable('DaemonSet', [daemonSet('agent', ROLLING)], { now: NOW, withKindPrefix: true }).split('\n')[1]!.split(' ')[0], 'daemonset.apps/agent');
});

test('describe ds: the selectors, the node counts, its own pods by phase, the template, events', () => {
  const ds = daemonSet('agent', ROLLING, { role: 'edge' });
  const own = (name: string, phase: 'Running' | 'Pending'): Pod => {
    const p = f.runningPod(name, 'kube-system');
    return { ...p, metadata: { ...p.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: UID, controller: true }] }, status: { ...p.status, phase } };
  };
  const pods = [own('agent-a', 'Running'), own('agent-b', 'Running'), own('agent-c', 'Pending'), f.runningPod('stranger', 'kube-system')];
  const created = f.event({ kind: 'DaemonSet', name: 'agent' }, 'Normal', 'SuccessfulCreate', 'Created pod: agent-c', 30, 30, 1, 'daemonset-controller');
  created.involvedObject.namespace = 'kube-system';
  const text = describe(ds, [created], { pods }, NOW);
  assert.equal(text.split('\n').slice(0, 12).join('\n'), [
    'Name:           agent',
    'Namespace:      kube-system',
    'Selector:       app=agent',
    'Node-Selector:  role=edge',
    'Labels:         app=agent',
    'Annotations:    deprecated.daemonset.template.generation: 2',
    'Desired Number of Nodes Scheduled: 3',
    'Current Number of Nodes Scheduled: 3',
    'Number of Nodes Scheduled with Up-to-date Pods: 1',
    'Number of Nodes Scheduled with Available Pods: 2',
    'Number of Nodes Misscheduled: 0',
    'Pods Status:  2 Running / 1 Waiting / 0 Succeeded / 0 Failed',
  ].join('\n'));
  assert.match(text, /^Pod Template:\n {2}Labels: +app=agent\n {2}Containers:\n {3}agent:\n {4}Image: +podnet\/echo$/m);
  assert.match(text, /^ {2}Normal {2}SuccessfulCreate {2}30s {3}daemonset-controller {2}Created pod: agent-c$/m);
});

test('logs ds/NAME reads the pods the set selects', async () => {
  const ds = daemonSet('agent', ROLLING);
  const client = { get: async (plural: string) => { assert.equal(plural, 'daemonsets'); return ds as KubeObject; } } as unknown as Client;
  assert.deepEqual(await selectorForObject(client, 'kube-system', 'daemonsets', 'agent', 'get the logs from'), { labelSelector: 'app=agent' });
});
