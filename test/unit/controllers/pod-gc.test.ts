// The pod garbage collector against a real registry and informers: a pod bound
// to a Node that does not exist is failed and removed after the quarantine,
// also when it was already Terminating; pods on existing nodes are left alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from '../../../src/api/types.js';
import { LocalClient } from '../../../src/client/local-client.js';
import { InformerFactory } from '../../../src/controllers/informer-factory.js';
import { ORPHAN_QUARANTINE_MS, PodGarbageCollector } from '../../../src/controllers/pod-gc.js';
import { isApiError } from '../../../src/errors.js';
import { eventually } from '../../support/cli.js';
import { setup } from '../store/registry-fixture.js';

const bound = (name: string, nodeName: string): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
  spec: { nodeName, containers: [{ name: 'c', image: 'podnet/pause' }] },
});

function world() {
  const client = new LocalClient(setup().registry);
  const informers = new InformerFactory(client);
  return { client, informers, gc: new PodGarbageCollector(informers, client) };
}

test('pods bound to a missing Node are failed and deleted after the quarantine, others stay', async () => {
  const { client, informers, gc } = world();
  try {
    await client.create<Node>({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: {} });
    await client.create(bound('on-real-node', 'node-1'));
    await client.create(bound('typo', 'node-9'));
    await client.create(bound('leaving', 'node-9'));
    // deleted before: it would wait for node-9's agent forever
    const leaving = await client.delete('pods', 'default', 'leaving') as Pod;
    assert.ok(leaving.metadata.deletionTimestamp);
    informers.start();
    await informers.waitForSync();
    await eventually('the informer to hold the 3 pods', async () => informers.informer<Pod>('pods').list().length === 3);

    const t0 = Date.parse('2026-11-28T00:00:00Z');
    assert.deepEqual(await gc.check(t0), [], 'nothing before the quarantine');
    assert.deepEqual(await gc.check(t0 + ORPHAN_QUARANTINE_MS - 1), []);
    assert.deepEqual((await gc.check(t0 + ORPHAN_QUARANTINE_MS)).sort(), ['default/leaving', 'default/typo']);
    for (const name of ['typo', 'leaving']) {
      await assert.rejects(client.get('pods', 'default', name), (e) => isApiError(e, 'NotFound'));
    }
    await client.get('pods', 'default', 'on-real-node');
  } finally {
    informers.stop();
  }
});

test('a Node that appears during the quarantine keeps its pods', async () => {
  const { client, informers, gc } = world();
  try {
    await client.create(bound('early', 'node-2'));
    informers.start();
    await informers.waitForSync();
    const t0 = Date.parse('2026-11-28T00:00:00Z');
    assert.deepEqual(await gc.check(t0), []);
    await client.create<Node>({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-2' }, spec: {} });
    await eventually('the informer to hold node-2', async () => informers.informer<Node>('nodes').list().length === 1);
    assert.deepEqual(await gc.check(t0 + ORPHAN_QUARANTINE_MS), []);
    await client.get('pods', 'default', 'early');
  } finally {
    informers.stop();
  }
});
