import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Namespace } from '../../../src/api/types.js';
import type { LocalClient } from '../../../src/client/local-client.js';
import {
  DESCRIPTION_ANNOTATION, isPublished, ROOT_CA_CONFIGMAP, ROOT_CA_DESCRIPTION, ROOT_CA_KEY, RootCACertPublisher,
} from '../../../src/controllers/root-ca-publisher.js';
import { eventually } from '../../support/cli.js';
import { startController } from './controller-harness.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

const stops: (() => void)[] = [];
after(() => { for (const stop of stops) stop(); });

function start(): Promise<LocalClient> {
  return startController(stops, (informers, c) => new RootCACertPublisher(informers, c, Promise.resolve(CA)));
}

async function published(client: LocalClient, namespace: string, check: (cm: ConfigMap) => boolean = () => true): Promise<ConfigMap> {
  return eventually(`${ROOT_CA_CONFIGMAP} in ${namespace}`, async () => {
    const cm = await client.get<ConfigMap>('configmaps', namespace, ROOT_CA_CONFIGMAP);
    return check(cm) ? cm : undefined;
  }, 5_000, 20);
}

test('isPublished: the CA as the only data, with a description of any wording', () => {
  const cm = (data: Record<string, string> | undefined, description?: string): ConfigMap => ({
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: ROOT_CA_CONFIGMAP, namespace: 'a', ...(description !== undefined ? { annotations: { [DESCRIPTION_ANNOTATION]: description } } : {}) },
    ...(data ? { data } : {}),
  });
  const rows: [string, ConfigMap, boolean][] = [
    ['as written', cm({ [ROOT_CA_KEY]: CA }, ROOT_CA_DESCRIPTION), true],
    ['description reworded', cm({ [ROOT_CA_KEY]: CA }, 'our CA'), true],
    ['no description', cm({ [ROOT_CA_KEY]: CA }), false],
    ['empty description', cm({ [ROOT_CA_KEY]: CA }, ''), false],
    ['another CA', cm({ [ROOT_CA_KEY]: 'other' }, ROOT_CA_DESCRIPTION), false],
    ['a key added', cm({ [ROOT_CA_KEY]: CA, extra: 'x' }, ROOT_CA_DESCRIPTION), false],
    ['no data', cm(undefined, ROOT_CA_DESCRIPTION), false],
  ];
  for (const [what, c, want] of rows) assert.equal(isPublished(c, CA), want, what);
});

test('every namespace, the built-in ones and a new one, gets kube-root-ca.crt with the CA and the description', async () => {
  const client = await start();
  await client.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  for (const ns of ['default', 'kube-system', 'team']) {
    const cm = await published(client, ns);
    assert.deepEqual(cm.data, { [ROOT_CA_KEY]: CA }, ns);
    assert.equal(cm.metadata.annotations?.[DESCRIPTION_ANNOTATION], ROOT_CA_DESCRIPTION, ns);
  }
});

test('a deleted kube-root-ca.crt is made again', async () => {
  const client = await start();
  const first = await published(client, 'default');
  await client.delete('configmaps', 'default', ROOT_CA_CONFIGMAP);
  const again = await published(client, 'default', (cm) => cm.metadata.uid !== first.metadata.uid);
  assert.deepEqual(again.data, { [ROOT_CA_KEY]: CA });
});

test('changed data and a removed description are reset; the other annotations stay', async () => {
  const client = await start();
  const cm = await published(client, 'default');
  await client.update<ConfigMap>({ ...cm, metadata: { ...cm.metadata, annotations: { owner: 'me' } }, data: { [ROOT_CA_KEY]: 'mine', extra: 'x' } });
  const reset = await published(client, 'default', (c) => c.data?.[ROOT_CA_KEY] === CA);
  assert.deepEqual(reset.data, { [ROOT_CA_KEY]: CA });
  assert.deepEqual(reset.metadata.annotations, { owner: 'me', [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION });
});

test('a Terminating namespace is left alone: its ConfigMap is neither reset nor made again', async () => {
  const client = await start();
  await client.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'leaving' } });
  const cm = await published(client, 'leaving');
  // No namespace controller here: the `kubernetes` finalizer keeps it Terminating.
  await client.delete('namespaces', undefined, 'leaving');
  await client.update<ConfigMap>({ ...cm, data: { [ROOT_CA_KEY]: 'changed' } });
  // The same informer and one worker: once default's change is reset, leaving's was looked at.
  const other = await published(client, 'default');
  await client.update<ConfigMap>({ ...other, data: { [ROOT_CA_KEY]: 'changed' } });
  await published(client, 'default', (c) => c.data?.[ROOT_CA_KEY] === CA);
  assert.deepEqual((await client.get<ConfigMap>('configmaps', 'leaving', ROOT_CA_CONFIGMAP)).data, { [ROOT_CA_KEY]: 'changed' });

  await client.delete('configmaps', 'leaving', ROOT_CA_CONFIGMAP);
  await client.delete('configmaps', 'default', ROOT_CA_CONFIGMAP);
  await published(client, 'default', (c) => c.metadata.uid !== other.metadata.uid);
  assert.equal((await client.list('configmaps', 'leaving')).items.length, 0);
});

test('syncs wait for the CA: nothing is published before it exists', async () => {
  let resolve!: (pem: string) => void;
  const rootCA = new Promise<string>((r) => { resolve = r; });
  const client = await startController(stops, (informers, c) => new RootCACertPublisher(informers, c, rootCA));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal((await client.list('configmaps', 'default')).items.length, 0);
  resolve(CA);
  assert.deepEqual((await published(client, 'default')).data, { [ROOT_CA_KEY]: CA });
});
