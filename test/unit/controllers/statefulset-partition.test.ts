// Regression (probe against kube-controller-manager 1.31): with a partition
// and a template change, a pod below the partition that was deleted came back
// with the new template. The controller against a real registry: it stores
// the current revision's template on the set, and a pod below the partition
// is recreated from it, with the current revision's label.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, StatefulSet } from '../../../src/api/types.js';
import { FakeEventRecorder } from '../../../src/controllers/events.js';
import { REVISION_LABEL, StatefulSetController } from '../../../src/controllers/statefulset.js';
import { CURRENT_TEMPLATE_ANNOTATION } from '../../../src/controllers/statefulset-revision.js';
import { eventually } from '../../support/cli.js';
import { startController } from './controller-harness.js';

const stops: (() => void)[] = [];
after(() => { for (const stop of stops) stop(); });

const image = (p: Pod | undefined) => p?.spec.containers[0]?.image;

test('partition 2: db-0 deleted after a template change comes back from the old template and revision', async () => {
  const client = await startController(stops, (informers, c) => new StatefulSetController(informers, c, new FakeEventRecorder()));

  const template = (img: string) => ({ metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: img }] } });
  await client.create<StatefulSet>({
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'default' },
    spec: {
      replicas: 3, serviceName: 'db', podManagementPolicy: 'Parallel', selector: { matchLabels: { app: 'db' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } }, template: template('v1'),
    },
  });
  const pods = async () => new Map((await client.list<Pod>('pods', 'default')).items.map((p) => [p.metadata.name!, p]));
  const v1 = await eventually('three v1 pods and the stored template', async () => {
    const set = await client.get<StatefulSet>('statefulsets', 'default', 'db');
    const all = await pods();
    return all.size === 3 && set.metadata.annotations?.[CURRENT_TEMPLATE_ANNOTATION] ? set : undefined;
  }, 5_000, 20);
  const r1 = v1.status!.currentRevision!;

  await client.update<StatefulSet>({ ...v1, spec: { ...v1.spec, template: template('v2') } });
  const db2 = await eventually('db-2 on v2', async () => { const p = (await pods()).get('db-2'); return image(p) === 'v2' ? p : undefined; }, 5_000, 20);
  const r2 = db2.metadata.labels![REVISION_LABEL]!;
  assert.notEqual(r2, r1);

  const old0 = (await pods()).get('db-0')!;
  await client.delete('pods', 'default', 'db-0');
  const db0 = await eventually('db-0 again', async () => { const p = (await pods()).get('db-0'); return p && p.metadata.uid !== old0.metadata.uid ? p : undefined; }, 5_000, 20);
  assert.equal(image(db0), 'v1');
  assert.equal(db0.metadata.labels![REVISION_LABEL], r1);
  const set = await eventually('status counted', async () => {
    const s = await client.get<StatefulSet>('statefulsets', 'default', 'db');
    return s.status?.updatedReplicas === 1 && s.status.currentReplicas === 2 ? s : undefined;
  }, 5_000, 20);
  assert.deepEqual([set.status!.currentRevision, set.status!.updateRevision], [r1, r2]);
});
