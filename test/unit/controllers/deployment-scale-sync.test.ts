// Regressions (probe against kube-controller-manager 1.31), the Deployment
// and ReplicaSet controllers against a real registry with no node agent:
// pods stay as the test sets their status. 1. A paused Deployment did not scale. 2. Scaled mid-rollout,
// every added pod was of the new, never-ready template.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, Pod } from '../../../src/api/types.js';
import { LocalClient } from '../../../src/client/local-client.js';
import { POD_TEMPLATE_HASH } from '../../../src/controllers/deployment.js';
import { eventually } from '../../support/cli.js';
import { startWorkloads } from './workloads-harness.js';

const stops: (() => void)[] = [];
after(() => { for (const stop of stops) stop(); });

function start(): Promise<LocalClient> {
  return startWorkloads(stops);
}

const template = (image: string) => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } });
const images = async (client: LocalClient) => (await client.list<Pod>('pods', 'default')).items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.spec.containers[0]!.image).sort().join(' ');
/** readiness passes on the v1 template only */
const markReady = async (client: LocalClient) => {
  for (const p of (await client.list<Pod>('pods', 'default')).items) {
    if (p.spec.containers[0]!.image !== 'v1' || p.status?.phase === 'Running') continue;
    await client.update<Pod>({ ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] } }, { subresource: 'status' });
  }
};
/** as kubectl edit: read, change, write, again on a conflict with the controller's status write */
const setSpec = (client: LocalClient, change: (spec: Deployment['spec']) => void) => eventually('the Deployment updated', async () => {
  const d = await client.get<Deployment>('deployments', 'default', 'web');
  change(d.spec);
  return client.update<Deployment>(d);
}, 5_000, 10);
/** the same answer at two looks 300 ms apart: the controller has settled */
const settled = async (what: string, client: LocalClient, want: string) => {
  await eventually(what, async () => (await images(client)) === want, 5_000, 20);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await images(client), want, `${what}, and it stays so`);
};

test('paused, template changed, scaled from 3 to 5: five pods, all of the old template', async () => {
  const client = await start();
  await client.create<Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template('v1') } });
  await settled('three v1 pods', client, 'v1 v1 v1');
  await setSpec(client, (s) => { s.paused = true; });
  await setSpec(client, (s) => { s.template = template('v2'); });
  await setSpec(client, (s) => { s.replicas = 5; });
  await settled('five v1 pods', client, 'v1 v1 v1 v1 v1');
  const hashes = new Set((await client.list<Pod>('pods', 'default')).items.map((p) => p.metadata.labels![POD_TEMPLATE_HASH]));
  assert.equal(hashes.size, 1, 'the added pods carry the old group\'s hash');
  await setSpec(client, (s) => { s.replicas = 2; });
  await settled('scaled down while paused', client, 'v1 v1');
});

test('replicas 4, maxSurge 1, maxUnavailable 1, the new template never ready, scaled to 8: 5 old + 4 new, as upstream', async () => {
  const client = await start();
  await client.create<Deployment>({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
    spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } }, template: template('v1') },
  });
  await settled('four v1 pods', client, 'v1 v1 v1 v1');
  await markReady(client);
  await setSpec(client, (s) => { s.template = template('v2'); });
  await settled('the rollout stuck at 3 old + 2 new', client, 'v1 v1 v1 v2 v2');
  await setSpec(client, (s) => { s.replicas = 8; });
  await settled('2 more old and 2 more new', client, 'v1 v1 v1 v1 v1 v2 v2 v2 v2');
  await markReady(client);
  await eventually('5 available', async () => (await client.get<Deployment>('deployments', 'default', 'web')).status?.availableReplicas === 5, 5_000, 20);
  await settled('the rollout goes on from there: nothing more to do while no new pod is ready', client, 'v1 v1 v1 v1 v1 v2 v2 v2 v2');
});
