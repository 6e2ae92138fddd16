import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Namespace } from '../../../src/api/types.js';
import { NamespaceController } from '../../../src/controllers/namespace.js';
import { eventually } from '../../support/cli.js';
import { startController } from './controller-harness.js';

const stops: (() => void)[] = [];
after(() => { for (const stop of stops) stop(); });

test('a deleted namespace is emptied, then it is gone', async () => {
  const client = await startController(stops, (informers, c) => new NamespaceController(informers, c));
  await client.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  await client.create<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'team' }, data: { k: 'v' } });
  await client.delete('namespaces', undefined, 'team');
  await eventually('the namespace gone', async () => (await client.list('namespaces')).items.every((n) => n.metadata.name !== 'team'), 5_000, 20);
  assert.equal((await client.list('configmaps', 'team')).items.length, 0);
});

test('each object is deleted with the Background cascade, as upstream\'s deleter asks (a Job\'s own default would orphan its pods)', async () => {
  const policies: (string | undefined)[] = [];
  const client = await startController(stops, (informers, c) => new NamespaceController(informers, {
    ...c, list: c.list.bind(c), get: c.get.bind(c), update: c.update.bind(c),
    delete: (plural, namespace, name, options) => { if (plural !== 'namespaces') policies.push(options?.propagationPolicy); return c.delete(plural, namespace, name, options); },
  } as typeof c));
  await client.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'jobs' } });
  await client.create<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'jobs' }, data: { k: 'v' } });
  await client.delete('namespaces', undefined, 'jobs');
  await eventually('the namespace gone', async () => (await client.list('namespaces')).items.every((n) => n.metadata.name !== 'jobs'), 5_000, 20);
  assert.ok(policies.length >= 2, `deletes seen: ${policies.length}`);
  assert.ok(policies.every((p) => p === 'Background'), JSON.stringify(policies));
});
