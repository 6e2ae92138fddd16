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
