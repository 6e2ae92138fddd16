// Orphans adopted, through the real CLI with real pods: the StatefulSet
// Basics tutorial's non-cascading delete (delete the set with
// --cascade=orphan, delete web-0, apply the set again with fewer replicas)
// ends with the new set owning the pods that were left and deleting the one
// beyond its replicas; a Deployment applied again after the same delete
// takes its pods back instead of making new ones beside them.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Deployment, KubeObject, Pod, Service, StatefulSet } from '../../../src/api/types.js';
import { HttpClient } from '../../../src/client/http-client.js';
import { isApiError } from '../../../src/errors.js';
import { downOrKill, eventually, podnet } from '../../support/cli.js';

const CLUSTER = 'itadopt';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itadopt-'));
const pn = podnet(CLUSTER, stateDir);

const headless: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx' }, spec: { clusterIP: 'None', selector: { app: 'nginx' }, ports: [{ port: 8080 }] } };
const web = (replicas: number): StatefulSet => ({
  apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web' },
  spec: {
    serviceName: 'nginx', replicas, selector: { matchLabels: { app: 'nginx' } },
    template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'echo', image: 'podnet/echo', readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }] } },
  },
});

const hello = (replicas: number): Deployment => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'hello' },
  spec: {
    replicas, selector: { matchLabels: { app: 'hello' } },
    template: { metadata: { labels: { app: 'hello' } }, spec: { containers: [{ name: 'echo', image: 'podnet/echo', readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 } }] } },
  },
});

/** the CLI does what the tutorial's user does; JSON is YAML too */
async function cli(args: string[], ...objects: KubeObject[]): Promise<void> {
  const r = await pn(args, objects.length ? { input: objects.map((o) => JSON.stringify(o)).join('\n---\n') } : {});
  assert.equal(r.code, 0, `podnet ${args.join(' ')}: ${r.stderr}`);
}

let api: HttpClient;
const pods = async (selector: string) => (await api.list<Pod>('pods', 'default', { labelSelector: selector })).items;
async function read<T extends KubeObject>(plural: string, name: string): Promise<T | undefined> {
  try { return await api.get<T>(plural, 'default', name); } catch (err) { if (isApiError(err, 'NotFound')) return undefined; throw err; }
}
const statefulSet = () => read<StatefulSet>('statefulsets', 'web');
const ready = (p: Pod) => !p.metadata.deletionTimestamp && !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
const names = (ps: Pod[]) => ps.map((p) => p.metadata.name).sort();

describe('orphans adopted', { timeout: 170_000 }, () => {
  before(async () => {
    await cli(['up', '--bare']);
    api = new HttpClient({ socketPath: path.join(stateDir, CLUSTER, 'api.sock') });
  });

  after(async () => {
    api?.close();
    await downOrKill(pn, CLUSTER);
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('StatefulSet: deleted with --cascade=orphan, web-0 deleted, applied again with 2 replicas: web-1 adopted, web-0 made, web-2 deleted, 2/2 ready', async () => {
    await cli(['apply', '-f', '-'], headless, web(3));
    const first = await eventually('web-0..2 ready', async () => {
      const all = await pods('app=nginx');
      return all.length === 3 && all.every(ready) ? all : undefined;
    }, 90_000, 250);

    await cli(['delete', 'statefulset', 'web', '--cascade=orphan']);
    await eventually('set web gone', async () => (await statefulSet()) === undefined, 20_000, 100);
    const orphans = await eventually('its pods orphaned', async () => {
      const all = await pods('app=nginx');
      return all.length === 3 && all.every((p) => !p.metadata.ownerReferences?.length) ? all : undefined;
    }, 20_000, 100);
    assert.deepEqual(orphans.map((p) => p.metadata.uid).sort(), first.map((p) => p.metadata.uid).sort());
    await cli(['delete', 'pod', 'web-0']);

    await cli(['apply', '-f', '-'], web(2));
    const set = (await statefulSet())!;
    const settled = await eventually('web-0 and web-1 ready, owned by the new set; web-2 gone', async () => {
      const all = await pods('app=nginx');
      const owned = all.every((p) => p.metadata.ownerReferences?.some((r) => r.controller && r.uid === set.metadata.uid));
      return owned && all.every(ready) && names(all).join() === 'web-0,web-1' ? all : undefined;
    }, 90_000, 250);
    const web1 = settled.find((p) => p.metadata.name === 'web-1')!;
    assert.equal(web1.metadata.uid, orphans.find((p) => p.metadata.name === 'web-1')!.metadata.uid, 'web-1 was adopted, not made again');
    const status = await eventually('READY 2/2', async () => {
      const s = (await statefulSet())?.status;
      return s?.readyReplicas === 2 && s.replicas === 2 ? s : undefined;
    }, 20_000, 100);
    assert.equal(status.updatedReplicas, 2);
  });

  test('Deployment: deleted with --cascade=orphan and applied again with 1 replica: its ReplicaSet adopted, one of its pods deleted, none made', async () => {
    await cli(['apply', '-f', '-'], hello(2));
    const first = await eventually('2 hello pods ready', async () => {
      const all = await pods('app=hello');
      return all.length === 2 && all.every(ready) ? all : undefined;
    }, 90_000, 250);
    const setName = first[0]!.metadata.ownerReferences![0]!.name;
    await cli(['delete', 'deployment', 'hello', '--cascade=orphan']);
    await eventually('its ReplicaSet orphaned and the Deployment gone', async () => {
      const set = await read<KubeObject>('replicasets', setName);
      return set && !set.metadata.ownerReferences?.length && (await pods('app=hello')).length === 2 && (await read('deployments', 'hello')) === undefined;
    }, 20_000, 100);

    await cli(['apply', '-f', '-'], hello(1));
    const d = (await read<Deployment>('deployments', 'hello'))!;
    const kept = await eventually('one pod left, of the ReplicaSet the new Deployment adopted', async () => {
      const all = await pods('app=hello');
      const set = await read<KubeObject>('replicasets', setName);
      return all.length === 1 && set?.metadata.ownerReferences?.some((r) => r.controller && r.uid === d.metadata.uid) && all[0]!.metadata.ownerReferences?.[0]?.name === setName ? all[0] : undefined;
    }, 30_000, 100);
    assert.ok(first.some((p) => p.metadata.uid === kept.metadata.uid), 'one of the first pods, not a new one');
    const status = await eventually('READY 1/1', async () => {
      const s = (await read<Deployment>('deployments', 'hello'))?.status;
      return s?.readyReplicas === 1 && s.replicas === 1 ? s : undefined;
    }, 20_000, 100);
    assert.equal(status.updatedReplicas, 1);
  });
});
