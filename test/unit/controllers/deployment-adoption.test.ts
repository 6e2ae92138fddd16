// What a Deployment takes over: after `delete deploy --cascade=orphan` its
// ReplicaSets are orphans, and the Deployment applied again adopts them (and
// rolls them if their template is old), as upstream; orphan pods of its
// template are its new ReplicaSet's, the ReplicaSet controller adopting them;
// pods an earlier podnet made for the Deployment itself are handed to the
// ReplicaSet of their template. Both controllers on a real in-memory
// registry with no node agent (the test sets the pods' status).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, Pod, ReplicaSet } from '../../../src/api/types.js';
import type { LocalClient } from '../../../src/client/local-client.js';
import { POD_TEMPLATE_HASH, REVISION_ANNOTATION } from '../../../src/controllers/deployment.js';
import { templateHash } from '../../../src/controllers/template-hash.js';
import { eventually } from '../../support/cli.js';
import { startWorkloads } from './workloads-harness.js';

const stops: (() => void)[] = [];
after(() => { for (const stop of stops) stop(); });

const READY = { phase: 'Running' as const, conditions: [{ type: 'Ready', status: 'True' as const, lastTransitionTime: '2026-01-01T00:00:00Z' }] };
const web = (replicas: number, image = 'v1'): Deployment => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } } },
});

/** the template hash the controller gives `d`'s pods: of its template as the API defaulted it */
async function hashOf(client: LocalClient, d: Deployment): Promise<string> {
  const made = await client.create({ ...d, metadata: { ...d.metadata, name: 'probe' }, spec: { ...d.spec, paused: true } });
  await client.delete('deployments', 'default', 'probe');
  return templateHash(made.spec.template);
}

/** pods left behind: the labels given, Running and Ready, owned by `owner` when given */
async function leftPods(client: LocalClient, labels: Record<string, string>, names: string[], owner?: KubeRef): Promise<string[]> {
  const uids: string[] = [];
  for (const name of names) {
    const p = await client.create<Pod>({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels, ...(owner ? { ownerReferences: [{ ...owner, controller: true }] } : {}) }, spec: { containers: [{ name: 'c', image: 'v1' }] } });
    await client.update<Pod>({ ...p, status: READY }, { subresource: 'status' });
    uids.push(p.metadata.uid!);
  }
  return uids;
}
type KubeRef = { apiVersion: string; kind: string; name: string; uid: string };

const live = async (client: LocalClient) => (await client.list<Pod>('pods', 'default')).items.filter((p) => !p.metadata.deletionTimestamp);
const sets = async (client: LocalClient) => (await client.list<ReplicaSet>('replicasets', 'default')).items;
const controllerOf = (o: { metadata: { ownerReferences?: { uid: string; controller?: boolean }[] } }) => o.metadata.ownerReferences?.find((r) => r.controller)?.uid;
/** as a node agent would: every pod Running and Ready */
async function markAllReady(client: LocalClient): Promise<void> {
  for (const p of await live(client)) if (p.status?.phase !== 'Running') await client.update<Pod>({ ...p, status: READY }, { subresource: 'status' }).catch(() => undefined);
}

test('applied again with replicas 2 over 3 orphan pods of its template: its ReplicaSet adopts them and deletes one; no new pod', async () => {
  const client = await startWorkloads(stops);
  const hash = await hashOf(client, web(2));
  const left = await leftPods(client, { app: 'web', [POD_TEMPLATE_HASH]: hash }, ['web-a', 'web-b', 'web-c']);
  const d = await client.create(web(2));
  const kept = await eventually('2 pods, both the new set\'s', async () => {
    const [rs] = await sets(client);
    const pods = await live(client);
    return rs && controllerOf(rs) === d.metadata.uid && pods.length === 2 && pods.every((p) => controllerOf(p) === rs.metadata.uid) ? pods : undefined;
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

test('an orphaned ReplicaSet of an older template is adopted as an old set and rolled to the new template', async () => {
  const client = await startWorkloads(stops);
  const d1 = await client.create(web(2, 'v0'));
  await eventually('v0 pods', async () => { await markAllReady(client); return (await live(client)).length === 2; }, 5_000, 20);
  const [old] = await sets(client);
  // `delete deploy --cascade=orphan`, the garbage collector's part done by hand: the set loses its owner
  await client.delete('deployments', 'default', 'web');
  await eventually('the set orphaned', async () => {
    const rs = await client.get<ReplicaSet>('replicasets', 'default', old!.metadata.name!);
    if (controllerOf(rs) === d1.metadata.uid) await client.update<ReplicaSet>({ ...rs, metadata: { ...rs.metadata, ownerReferences: [] } }).catch(() => undefined);
    return controllerOf(await client.get<ReplicaSet>('replicasets', 'default', old!.metadata.name!)) === undefined;
  }, 5_000, 20);
  const d2 = await client.create(web(2, 'v1'));
  const hash = templateHash(d2.spec.template);
  await eventually('rolled: 2 pods of the new template, the old set adopted and at 0', async () => {
    await markAllReady(client);
    const pods = await live(client);
    const all = await sets(client);
    const adopted = all.find((rs) => rs.metadata.uid === old!.metadata.uid);
    return pods.length === 2 && pods.every((p) => p.metadata.labels?.[POD_TEMPLATE_HASH] === hash)
      && adopted && controllerOf(adopted) === d2.metadata.uid && adopted.spec.replicas === 0;
  }, 5_000, 20);
  const fresh = await client.get<Deployment>('deployments', 'default', 'web');
  assert.equal(fresh.metadata.annotations?.[REVISION_ANNOTATION], '2', 'the new set is revision 2, after the adopted one');
});

test('a bare pod with the Deployment\'s labels but no template hash is left alone', async () => {
  const client = await startWorkloads(stops);
  await leftPods(client, { app: 'web' }, ['bare']);
  await client.create(web(1));
  await eventually('its own pod made', async () => (await live(client)).length === 2, 5_000, 20);
  await new Promise((r) => setTimeout(r, 300));
  const bare = await client.get<Pod>('pods', 'default', 'bare');
  assert.equal(bare.metadata.ownerReferences, undefined);
  assert.equal((await live(client)).length, 2);
});

test('pods an earlier podnet made for the Deployment itself are handed to the ReplicaSet of their template, none made or lost', async () => {
  const client = await startWorkloads(stops);
  const d = await client.create({ ...web(2), spec: { ...web(2).spec, paused: true } });
  const hash = templateHash(d.spec.template);
  const left = await leftPods(client, { app: 'web', [POD_TEMPLATE_HASH]: hash }, ['web-old-a', 'web-old-b'], { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid! });
  await client.update<Deployment>({ ...(await client.get<Deployment>('deployments', 'default', 'web')), spec: { ...d.spec, paused: false } });
  const rs = await eventually('a set owns them', async () => {
    const [set] = await sets(client);
    const pods = await live(client);
    return set && set.spec.replicas === 2 && pods.length === 2 && pods.every((p) => controllerOf(p) === set.metadata.uid) ? set : undefined;
  }, 5_000, 20);
  assert.equal(rs.metadata.name, `web-${hash}`);
  assert.deepEqual((await live(client)).map((p) => p.metadata.uid).sort(), [...left].sort());
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await live(client)).length, 2, 'and none is made beside them');
});
