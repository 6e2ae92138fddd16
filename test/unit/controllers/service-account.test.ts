// The serviceaccounts controller (a `default` account in every Active
// namespace, made again when deleted, never in a Terminating one), the
// namespace controller emptying a namespace of its accounts, and the
// workload controllers' way from a refused pod (FailedCreate) to running
// pods once the account is applied.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, Namespace, Pod, ReplicaSet, ServiceAccount, StatefulSet } from '../../../src/api/types.js';
import type { LocalClient } from '../../../src/client/local-client.js';
import { FakeEventRecorder } from '../../../src/controllers/events.js';
import type { InformerFactory } from '../../../src/controllers/informer-factory.js';
import { NamespaceController } from '../../../src/controllers/namespace.js';
import { ReplicaSetController } from '../../../src/controllers/replicaset.js';
import { ServiceAccountsController, wakeWorkloadsOnServiceAccount } from '../../../src/controllers/service-account.js';
import { StatefulSetController } from '../../../src/controllers/statefulset.js';
import { isApiError } from '../../../src/errors.js';
import { eventually } from '../../support/cli.js';
import { startController } from './controller-harness.js';

const stops: (() => void)[] = [];
after(() => { for (const stop of stops) stop(); });

type Runnable = { run(): void; stop(): void };

/** Controllers on one real in-memory registry, sharing informers, as the daemon runs them. */
function start(...make: ((informers: InformerFactory, client: LocalClient) => Runnable | void)[]): Promise<LocalClient> {
  return startController(stops, (informers, client) => {
    const controllers = make.map((m) => m(informers, client)).filter((c): c is Runnable => c !== undefined);
    return { run: () => { for (const c of controllers) c.run(); }, stop: () => { for (const c of controllers) c.stop(); } };
  });
}

const accounts = (informers: InformerFactory, client: LocalClient) => new ServiceAccountsController(informers, client);

function defaultAccount(client: LocalClient, namespace: string, unlike?: string): Promise<ServiceAccount> {
  return eventually(`default account in ${namespace}`, async () => {
    const sa = await client.get<ServiceAccount>('serviceaccounts', namespace, 'default').catch(() => undefined);
    return sa && sa.metadata.uid !== unlike ? sa : undefined;
  }, 5_000, 20);
}

/**
 * Deletes the default namespace's account and waits for the controller to
 * make it again. With its one worker, every namespace queued before was
 * looked at by then: a test checks afterwards what that left alone.
 */
async function repairDefaultNamespace(client: LocalClient): Promise<ServiceAccount> {
  const first = await defaultAccount(client, 'default');
  await client.delete('serviceaccounts', 'default', 'default');
  return defaultAccount(client, 'default', first.metadata.uid);
}

test('a deleted default account is made again, bare', async () => {
  const client = await start(accounts);
  const again = await repairDefaultNamespace(client);
  assert.deepEqual(Object.keys(again).sort(), ['apiVersion', 'kind', 'metadata']);
  // a namespace made now has one from the registry already; the controller's create is then AlreadyExists, and quiet
  await client.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  await defaultAccount(client, 'team');
});

test('other accounts are the user\'s: a deleted one stays deleted', async () => {
  const client = await start(accounts);
  await client.create<ServiceAccount>({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'api', namespace: 'default' } });
  await client.delete('serviceaccounts', 'default', 'api');
  await repairDefaultNamespace(client);
  await assert.rejects(client.get('serviceaccounts', 'default', 'api'), (e) => isApiError(e, 'NotFound'));
});

test('a Terminating namespace gets no new default account', async () => {
  const client = await start(accounts);
  await client.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'leaving' } });
  await defaultAccount(client, 'leaving');
  // no namespace controller here: the `kubernetes` finalizer keeps it Terminating
  await client.delete('namespaces', undefined, 'leaving');
  await client.delete('serviceaccounts', 'leaving', 'default');
  await repairDefaultNamespace(client);
  await assert.rejects(client.get('serviceaccounts', 'leaving', 'default'), (e) => isApiError(e, 'NotFound'));
});

test('deleting a namespace deletes its accounts, and the namespace goes', async () => {
  const client = await start(accounts, (informers, c) => new NamespaceController(informers, c));
  await client.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  await client.create<ServiceAccount>({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'api', namespace: 'shop' } });
  await client.delete('namespaces', undefined, 'shop');
  await eventually('shop gone', async () => client.get('namespaces', undefined, 'shop').then(() => false, (e) => isApiError(e, 'NotFound')), 5_000, 20);
  assert.deepEqual((await client.list('serviceaccounts', 'shop')).items, []);
});

const template = (serviceAccountName?: string) => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'podnet/echo' }], ...(serviceAccountName ? { serviceAccountName } : {}) },
});

function replicaSet(name: string, namespace: string, serviceAccountName?: string, replicas = 2): ReplicaSet {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace }, spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: template(serviceAccountName) } };
}

test('wakeWorkloadsOnServiceAccount: a new account re-syncs the workloads of its namespace whose pods run as it, no others', async () => {
  const woken: string[] = [];
  const client = await start((informers) => { wakeWorkloadsOnServiceAccount(informers, [{ plural: 'replicasets', enqueue: (key) => woken.push(key) }]); });
  await client.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
  await client.create(replicaSet('api', 'default', 'api', 0));
  await client.create(replicaSet('web', 'default', undefined, 0));
  await client.create(replicaSet('api', 'other', 'api', 0));
  await eventually('informer has the sets', async () => (await client.list('replicasets')).items.length === 3, 5_000, 20);
  woken.length = 0;
  await client.create<ServiceAccount>({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'api', namespace: 'default' } });
  await eventually('woken', async () => woken.length > 0, 5_000, 20);
  assert.deepEqual(woken, ['default/api']);
});

type WorkloadController = Runnable & { enqueue(key: string): void };

/** One workload controller, woken by new accounts as the daemon wires it; its first FailedCreate event, awaited. */
async function startWorkload(plural: string, make: (informers: InformerFactory, client: LocalClient, events: FakeEventRecorder) => WorkloadController) {
  const events = new FakeEventRecorder();
  const client = await start((informers, c) => {
    const controller = make(informers, c, events);
    wakeWorkloadsOnServiceAccount(informers, [{ plural, enqueue: (key) => controller.enqueue(key) }]);
    return controller;
  });
  const failedCreate = () => eventually('FailedCreate', async () => events.events.find((e) => e.reason === 'FailedCreate'), 5_000, 20);
  return { client, failedCreate };
}

test('a ReplicaSet whose account is missing reports FailedCreate with the 403, and its pods come up once the account is applied', async () => {
  const { client, failedCreate } = await startWorkload('replicasets', (informers, c, events) => new ReplicaSetController(informers, c, events));
  await client.create(replicaSet('web', 'default', 'api'));
  const failed = await failedCreate();
  assert.equal(failed.type, 'Warning');
  assert.match(failed.message, /^Error creating: pods "web-[a-z0-9]{5}" is forbidden: error looking up service account default\/api: serviceaccount "api" not found$/);
  assert.deepEqual((await client.list('pods', 'default')).items, []);
  await client.create<ServiceAccount>({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'api', namespace: 'default' } });
  const pods = await eventually('2 pods', async () => { const p = (await client.list<Pod>('pods', 'default')).items; return p.length === 2 ? p : undefined; }, 5_000, 20);
  for (const p of pods) assert.deepEqual([p.spec.serviceAccountName, p.spec.serviceAccount], ['api', 'api']);
});

test('a StatefulSet whose account is missing reports FailedCreate in its own words, and makes web-0 once the account is applied', async () => {
  const { client, failedCreate } = await startWorkload('statefulsets', (informers, c, events) => new StatefulSetController(informers, c, events));
  const set: StatefulSet = {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default' },
    spec: { replicas: 1, serviceName: 'web', selector: { matchLabels: { app: 'web' } }, template: template('db-reader') },
  };
  await client.create<KubeObject>(set);
  const failed = await failedCreate();
  assert.equal(failed.message, 'create Pod web-0 in StatefulSet web failed error: pods "web-0" is forbidden: error looking up service account default/db-reader: serviceaccount "db-reader" not found');
  await client.create<ServiceAccount>({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'db-reader', namespace: 'default' } });
  const web0 = await eventually('web-0', async () => client.get<Pod>('pods', 'default', 'web-0').catch(() => undefined), 5_000, 20);
  assert.equal(web0.spec.serviceAccountName, 'db-reader');
});
