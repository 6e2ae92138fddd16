// Cascading deletion through the real CLI, as kubectl does it: `podnet delete
// --cascade=orphan` keeps a Deployment's running pods and strips their
// ownerReferences, the default cascade deletes them, a ConfigMap owned by a
// Deployment goes with it, and `--cascade=foreground` keeps the Deployment,
// readable, until a blocking dependent is gone.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ConfigMap, Deployment, KubeObject, Pod } from '../../../src/api/types.js';
import { HttpClient } from '../../../src/client/http-client.js';
import { downOrKill, eventually, podnet } from '../../support/cli.js';
import { echoDeployment } from '../../support/manifests.js';

const CLUSTER = 'itcp4';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itcp4-'));
const pn = podnet(CLUSTER, stateDir);

const deployment = (name: string, replicas: number) => echoDeployment({ name, replicas });

async function apply(text: string): Promise<string> {
  const r = await pn(['apply', '-f', '-'], { input: text });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

async function json<T>(args: string[]): Promise<T | undefined> {
  const r = await pn([...args, '-o', 'json']);
  if (r.code !== 0 && /NotFound/.test(r.stderr)) return undefined;
  assert.equal(r.code, 0, `podnet ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

const pods = async (selector: string) => (await json<{ items: Pod[] }>(['get', 'pods', '-l', selector]))!.items;

/** A ConfigMap owned by the Deployment `owner` (its current uid). */
async function ownedConfigMap(name: string, owner: string, extra = ''): Promise<void> {
  const d = (await json<Deployment>(['get', 'deployment', owner]))!;
  await apply(`apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: ${owner}, uid: ${d.metadata.uid}, blockOwnerDeletion: true}]
${extra}data: {k: v}
`);
}

describe('garbage collection through the CLI', { timeout: 150_000 }, () => {
  before(async () => {
    const up = await pn(['up', '--bare']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
  });

  after(async () => {
    await downOrKill(pn, CLUSTER);
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('delete --cascade=orphan keeps the ReplicaSet, orphaned, and its running pods, still its own', async () => {
    assert.equal(await apply(deployment('web', 2)), 'deployment.apps/web created\n');
    const running = await eventually('2 running web pods', async () => {
      const all = await pods('app=web');
      return all.length === 2 && all.every((p) => p.status?.phase === 'Running') ? all : undefined;
    }, 60_000, 250);
    for (const p of running) assert.equal(p.metadata.ownerReferences?.[0]?.kind, 'ReplicaSet');
    const setName = running[0]!.metadata.ownerReferences![0]!.name;

    const d = await pn(['delete', 'deployment', 'web', '--cascade=orphan']);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(d.stdout, 'deployment.apps "web" deleted\n');
    await eventually('deployment web gone', async () => (await json<Deployment>(['get', 'deployment', 'web'])) === undefined, 20_000, 100);
    const kept = await pods('app=web');
    assert.deepEqual(kept.map((p) => p.metadata.uid).sort(), running.map((p) => p.metadata.uid).sort());
    for (const p of kept) {
      assert.equal(p.metadata.ownerReferences?.[0]?.name, setName, `${p.metadata.name} is still its ReplicaSet's`);
      assert.equal(p.metadata.deletionTimestamp, undefined);
      assert.equal(p.status?.phase, 'Running');
    }
    const set = await json<KubeObject>(['get', 'replicaset', setName]);
    assert.equal(set?.metadata.ownerReferences, undefined, 'the ReplicaSet is orphaned');
    // and they stay: nothing collects an orphan later
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal((await pods('app=web')).length, 2);
    const rm = await pn(['delete', 'replicaset', setName]);
    assert.equal(rm.code, 0, rm.stderr);
    await eventually('its pods collected with it', async () => (await pods('app=web')).length === 0, 60_000, 250);
  });

  test('delete with the default cascade deletes the pods', async () => {
    await apply(deployment('api', 2));
    await eventually('2 api pods', async () => (await pods('app=api')).length === 2, 30_000, 100);
    const d = await pn(['delete', 'deployment', 'api']);
    assert.equal(d.code, 0, d.stderr);
    await eventually('no api pods', async () => (await pods('app=api')).length === 0, 60_000, 250);
  });

  test('a ConfigMap with an ownerReference to a Deployment disappears after the Deployment is deleted', async () => {
    await apply(deployment('cfg-owner', 0));
    await ownedConfigMap('settings', 'cfg-owner');
    assert.ok(await json<ConfigMap>(['get', 'configmap', 'settings']));
    const d = await pn(['delete', 'deployment', 'cfg-owner']);
    assert.equal(d.code, 0, d.stderr);
    await eventually('configmap settings gone', async () => (await json<ConfigMap>(['get', 'configmap', 'settings'])) === undefined, 20_000, 100);
  });

  test('delete --cascade=foreground keeps the Deployment until its blocking dependents are gone', async () => {
    await apply(deployment('slow', 0));
    await ownedConfigMap('held', 'slow', '  finalizers: [example.com/hold]\n');
    // as kubectl, delete waits until the object is gone: here it cannot be, so --timeout ends the wait
    const d = await pn(['delete', 'deployment', 'slow', '--cascade=foreground', '--timeout=1s']);
    assert.equal(d.code, 1);
    assert.equal(d.stdout, 'deployment.apps "slow" deleted\n');
    assert.equal(d.stderr.trim(), 'error: timed out waiting for the condition on deployments/slow');
    // the collector deletes the ConfigMap, whose own finalizer holds it, and so the Deployment
    const held = await eventually('held marked for deletion', async () => {
      const cm = await json<ConfigMap>(['get', 'configmap', 'held']);
      return cm?.metadata.deletionTimestamp ? cm : undefined;
    }, 20_000, 100);
    assert.deepEqual(held.metadata.finalizers, ['example.com/hold']);
    const slow = (await json<Deployment>(['get', 'deployment', 'slow']))!;
    assert.ok(slow.metadata.deletionTimestamp);
    assert.deepEqual(slow.metadata.finalizers, ['foregroundDeletion']);

    const client = new HttpClient({ socketPath: path.join(stateDir, CLUSTER, 'api.sock') });
    try {
      await client.patch<KubeObject>('configmaps', 'default', 'held', { metadata: { finalizers: null } });
    } finally { client.close(); }
    await eventually('deployment slow gone', async () => (await json<Deployment>(['get', 'deployment', 'slow'])) === undefined, 20_000, 100);
  });
});
