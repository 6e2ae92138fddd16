// The StatefulSet Basics tutorial's non-cascading delete, on a real in-memory
// registry with no node agent (the test sets the pods' status): a set made
// again over the orphans of an old one adopts them, keeps the ordinals it
// wants and deletes the one beyond its replicas. Regression: the orphans kept
// no owner, web-2 stayed, and the set read 1/2 ready forever.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, StatefulSet } from '../../../src/api/types.js';
import type { LocalClient } from '../../../src/client/local-client.js';
import { FakeEventRecorder } from '../../../src/controllers/events.js';
import { isMemberOf, REVISION_LABEL, StatefulSetController } from '../../../src/controllers/statefulset.js';
import { updateRevisionOf } from '../../../src/controllers/statefulset-revision.js';
import { eventually } from '../../support/cli.js';
import { startController } from './controller-harness.js';

const stops: (() => void)[] = [];
after(() => { for (const stop of stops) stop(); });

function web(replicas: number): StatefulSet {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default' },
    spec: { replicas, serviceName: 'nginx', selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }] } } },
  };
}

const READY = { phase: 'Running' as const, conditions: [{ type: 'Ready', status: 'True' as const, lastTransitionTime: '2026-01-01T00:00:00Z' }] };

/** an orphan the old set left: its labels, no ownerReferences, Running and Ready */
async function orphan(client: LocalClient, name: string, labels: Record<string, string>): Promise<void> {
  const p = await client.create<Pod>({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }] } });
  await client.update<Pod>({ ...p, status: READY }, { subresource: 'status' });
}

const podsByName = async (client: LocalClient) => new Map((await client.list<Pod>('pods', 'default')).items.map((p) => [p.metadata.name!, p]));

test('isMemberOf: the selector matches and the name is <set>-<ordinal>', () => {
  const pod = (name: string, app: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app } }, spec: { containers: [] } });
  assert.equal(isMemberOf(web(2), pod('web-7', 'nginx')), true);
  assert.equal(isMemberOf(web(2), pod('web-7', 'db')), false, 'selector');
  assert.equal(isMemberOf(web(2), pod('webx-7', 'nginx')), false, 'another set\'s name');
  assert.equal(isMemberOf(web(2), pod('web-x-7', 'nginx')), false, 'a set named web-x');
  assert.equal(isMemberOf(web(2), pod('web', 'nginx')), false);
});

test('a set made again over orphans web-1 and web-2 adopts them, makes web-0 and deletes web-2; a stranger is left alone', async () => {
  const client = await startController(stops, (informers, c) => new StatefulSetController(informers, c, new FakeEventRecorder()));
  // the old set, as the API defaulted its template: the orphans carry its revision
  const old = await client.create(web(0));
  await client.delete('statefulsets', 'default', 'web');
  const labels = { app: 'nginx', [REVISION_LABEL]: updateRevisionOf(old) };
  await orphan(client, 'web-1', labels);
  await orphan(client, 'web-2', labels);
  await orphan(client, 'stranger', { app: 'nginx' });
  const set = await client.create(web(2));

  const made = await eventually('web-0 made', async () => (await podsByName(client)).get('web-0'), 5_000, 20);
  assert.equal(made.metadata.ownerReferences?.[0]?.uid, set.metadata.uid);
  const pods = await podsByName(client);
  for (const name of ['web-1', 'web-2']) {
    assert.deepEqual(pods.get(name)?.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true }], `${name} adopted`);
  }
  assert.equal(pods.get('stranger')?.metadata.ownerReferences, undefined, 'not named as a member: not adopted');
  assert.ok(pods.get('web-2'), 'OrderedReady: web-2 waits until web-0 is Running and Ready');

  await client.update<Pod>({ ...made, status: READY }, { subresource: 'status' });
  await eventually('web-2 deleted', async () => !(await podsByName(client)).has('web-2'), 5_000, 20);
  const status = await eventually('status 2/2', async () => {
    const s = (await client.get<StatefulSet>('statefulsets', 'default', 'web')).status;
    return s?.replicas === 2 && s.readyReplicas === 2 ? s : undefined;
  }, 5_000, 20);
  assert.equal(status.updatedReplicas, 2);
  assert.deepEqual([...(await podsByName(client)).keys()].sort(), ['stranger', 'web-0', 'web-1']);
});

test('a pod relabelled out of the selector is released: its ownerReference goes', async () => {
  const client = await startController(stops, (informers, c) => new StatefulSetController(informers, c, new FakeEventRecorder()));
  await client.create({ ...web(1), spec: { ...web(1).spec, podManagementPolicy: 'Parallel' as const } });
  const first = await eventually('web-0 made', async () => (await podsByName(client)).get('web-0'), 5_000, 20);
  assert.ok(first.metadata.ownerReferences?.[0]?.controller);
  await client.patch('pods', 'default', 'web-0', { metadata: { labels: { app: 'debug' } } });
  await eventually('web-0 released', async () => (await client.get<Pod>('pods', 'default', 'web-0')).metadata.ownerReferences === undefined, 5_000, 20);
});
