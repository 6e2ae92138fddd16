// A Deployment applied again after `delete deploy --cascade=orphan` takes the
// pods that were left, as upstream's adopts the orphaned ReplicaSets: the
// controller on a real in-memory registry with no node agent (the test sets
// the pods' status). Regression: the orphans kept no owner and the new
// Deployment made its own replicas beside them (4 pods for replicas 2).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, Pod } from '../../../src/api/types.js';
import type { LocalClient } from '../../../src/client/local-client.js';
import { DeploymentController, POD_TEMPLATE_HASH, wantsPod } from '../../../src/controllers/deployment.js';
import { FakeEventRecorder } from '../../../src/controllers/events.js';
import { templateHash } from '../../../src/controllers/template-hash.js';
import { eventually } from '../../support/cli.js';
import { startController } from './controller-harness.js';
import { deployment, pod } from './fixtures.js';

const stops: (() => void)[] = [];
after(() => { for (const stop of stops) stop(); });

const wantRows: { name: string; labels: Record<string, string>; want: boolean }[] = [
  { name: 'selector matched, with a template hash', labels: { app: 'web', [POD_TEMPLATE_HASH]: 'abc' }, want: true },
  { name: 'selector matched, no template hash (a bare pod)', labels: { app: 'web' }, want: false },
  { name: 'another app, with a template hash', labels: { app: 'db', [POD_TEMPLATE_HASH]: 'abc' }, want: false },
];
for (const row of wantRows) {
  test(`wantsPod: ${row.name} → ${row.want}`, () => {
    assert.equal(wantsPod(deployment(2), pod('p', { labels: row.labels })), row.want);
  });
}

const READY = { phase: 'Running' as const, conditions: [{ type: 'Ready', status: 'True' as const, lastTransitionTime: '2026-01-01T00:00:00Z' }] };
const web = (replicas: number, image = 'v1'): Deployment => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } } },
});

async function start(): Promise<LocalClient> {
  return startController(stops, (informers, client) => new DeploymentController(informers, client, new FakeEventRecorder()));
}

/** the template hash the controller gives `d`'s pods: of its template as the API defaulted it */
async function hashOf(client: LocalClient, d: Deployment): Promise<string> {
  const made = await client.create({ ...d, metadata: { ...d.metadata, name: 'probe' } });
  await client.delete('deployments', 'default', 'probe');
  return templateHash(made.spec.template);
}

/** pods the old Deployment left: its labels, no ownerReferences, Running and Ready */
async function orphans(client: LocalClient, labels: Record<string, string>, names: string[]): Promise<string[]> {
  const uids: string[] = [];
  for (const name of names) {
    const p = await client.create<Pod>({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels }, spec: { containers: [{ name: 'c', image: 'v1' }] } });
    await client.update<Pod>({ ...p, status: READY }, { subresource: 'status' });
    uids.push(p.metadata.uid!);
  }
  return uids;
}

const live = async (client: LocalClient) => (await client.list<Pod>('pods', 'default')).items.filter((p) => !p.metadata.deletionTimestamp);
const ownedBy = (d: Deployment) => (p: Pod) => p.metadata.ownerReferences?.some((r) => r.controller && r.uid === d.metadata.uid) ?? false;
/** as a node agent would: every pod Running and Ready */
async function markAllReady(client: LocalClient): Promise<void> {
  for (const p of await live(client)) if (p.status?.phase !== 'Running') await client.update<Pod>({ ...p, status: READY }, { subresource: 'status' }).catch(() => undefined);
}

test('applied again with replicas 2 over 3 orphans of its template: adopts them, deletes one, makes none', async () => {
  const client = await start();
  const hash = await hashOf(client, web(2));
  const left = await orphans(client, { app: 'web', [POD_TEMPLATE_HASH]: hash }, ['web-a', 'web-b', 'web-c']);
  const d = await client.create(web(2));
  const kept = await eventually('2 pods, both adopted', async () => {
    const pods = await live(client);
    return pods.length === 2 && pods.every(ownedBy(d)) ? pods : undefined;
  }, 5_000, 20);
  for (const p of kept) assert.ok(left.includes(p.metadata.uid!), `${p.metadata.name} is one of the orphans, not a new pod`);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await live(client)).length, 2, 'and it stays at 2');
  const status = await eventually('status 2 ready', async () => {
    const s = (await client.get<Deployment>('deployments', 'default', 'web')).status;
    return s?.readyReplicas === 2 ? s : undefined;
  }, 5_000, 20);
  assert.equal(status.updatedReplicas, 2);
});

test('orphans of an older template are adopted as an old group and rolled to the new one', async () => {
  const client = await start();
  const oldHash = await hashOf(client, web(2, 'v0'));
  const left = await orphans(client, { app: 'web', [POD_TEMPLATE_HASH]: oldHash }, ['web-a', 'web-b']);
  const d = await client.create(web(2, 'v1'));
  const hash = templateHash(d.spec.template);
  const first = await eventually('adopted, and a first new pod made', async () => {
    const pods = await live(client);
    return pods.filter((p) => left.includes(p.metadata.uid!)).every(ownedBy(d)) && pods.some((p) => p.metadata.labels?.[POD_TEMPLATE_HASH] === hash) ? pods : undefined;
  }, 5_000, 20);
  assert.ok(first.length <= 3, 'maxSurge 25% of 2: one pod over replicas at most');
  await eventually('rolled: 2 pods of the new template, owned', async () => {
    await markAllReady(client);
    const pods = await live(client);
    return pods.length === 2 && pods.every((p) => p.metadata.labels?.[POD_TEMPLATE_HASH] === hash && ownedBy(d)(p));
  }, 5_000, 20);
});

test('a bare pod with the Deployment\'s labels but no template hash is left alone', async () => {
  const client = await start();
  await orphans(client, { app: 'web' }, ['bare']);
  const d = await client.create(web(1));
  await eventually('its own pod made', async () => (await live(client)).some(ownedBy(d)), 5_000, 20);
  await new Promise((r) => setTimeout(r, 300));
  const bare = await client.get<Pod>('pods', 'default', 'bare');
  assert.equal(bare.metadata.ownerReferences, undefined);
  assert.equal((await live(client)).length, 2);
});
