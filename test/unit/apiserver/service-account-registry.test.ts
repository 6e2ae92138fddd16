// ServiceAccounts through the API server's pieces: discovery and OpenAPI
// (what `kubectl get sa` resolves), Strict field validation, the server-side
// Table, the default account made with each namespace (in its batch, and by
// bootstrap for a store written before podnet served the kind), and the
// ServiceAccount admission check on Pod creates.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUILTIN_NAMESPACES } from '../../../src/api/resources.js';
import type { KubeObject, Namespace, Pod, ServiceAccount } from '../../../src/api/types.js';
import { discoveryDocument } from '../../../src/apiserver/discovery.js';
import { checkFields } from '../../../src/apiserver/field-validation.js';
import { openApiDocument } from '../../../src/apiserver/openapi.js';
import { Registry } from '../../../src/apiserver/registry.js';
import { toTable } from '../../../src/apiserver/table.js';
import { isApiError } from '../../../src/errors.js';
import { ObjectStore } from '../../../src/store/store.js';
import { info, NOW, setup } from '../store/registry-fixture.js';

const ACCOUNTS = info('serviceaccounts');
const PODS = info('pods');
const NAMESPACES = info('namespaces');

const namespace = (name: string): Namespace => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const account = (name: string, rest: Partial<ServiceAccount> = {}): ServiceAccount => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name }, ...rest });
const pod = (name: string, spec: Partial<Pod['spec']> = {}, metadata: KubeObject['metadata'] = { name }): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata, spec: { containers: [{ name: 'c', image: 'podnet/echo' }], ...spec } });

type ResourceList = { resources: { name: string; singularName: string; kind: string; namespaced: boolean; shortNames?: string[]; categories?: string[]; verbs: string[] }[] };

test('discovery: serviceaccounts in core v1, namespaced, short name sa, every verb, no status subresource, not in `all`', () => {
  const resources = (discoveryDocument('/api/v1') as ResourceList).resources;
  const sa = resources.find((r) => r.name === 'serviceaccounts');
  assert.deepEqual(sa, {
    name: 'serviceaccounts', singularName: 'serviceaccount', namespaced: true, kind: 'ServiceAccount',
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['sa'],
  });
  assert.equal(resources.find((r) => r.name === 'serviceaccounts/status'), undefined);
});

test('OpenAPI: the namespaced and all-namespaces paths, and no status path', () => {
  const paths = Object.keys((JSON.parse(openApiDocument('/openapi/v3/api/v1')!) as { paths: Record<string, unknown> }).paths);
  for (const p of ['/api/v1/namespaces/{namespace}/serviceaccounts', '/api/v1/namespaces/{namespace}/serviceaccounts/{name}', '/api/v1/serviceaccounts']) assert.ok(paths.includes(p), p);
  assert.ok(!paths.includes('/api/v1/namespaces/{namespace}/serviceaccounts/{name}/status'));
});

test('Strict field validation knows the three fields and an object reference\'s, and refuses others with 400', () => {
  checkFields('ServiceAccount', 'v1', account('api', {
    secrets: [{ kind: 'Secret', name: 'api-token', namespace: 'shop', uid: 'u', apiVersion: 'v1', resourceVersion: '1', fieldPath: '' }],
    imagePullSecrets: [{ name: 'regcred' }], automountServiceAccountToken: false,
  }), { fieldValidation: 'Strict' });
  const body = { ...account('api'), secret: [{ name: 'x' }], imagePullSecrets: [{ name: 'regcred', namespace: 'shop' }] };
  assert.throws(() => checkFields('ServiceAccount', 'v1', body, { fieldValidation: 'Strict' }), (e: unknown) => isApiError(e, 'BadRequest')
    && e.message === 'ServiceAccount in version "v1" cannot be handled as a ServiceAccount: strict decoding error: unknown field "secret", unknown field "imagePullSecrets[0].namespace"');
});

test('server-side Table: Name, Secrets (how many it lists), Age; nothing for -o wide', () => {
  const created = new Date(NOW.getTime() - 3 * 86_400_000).toISOString();
  const rows = [
    { ...account('default'), metadata: { name: 'default', namespace: 'shop', creationTimestamp: created } },
    { ...account('api', { secrets: [{ name: 'a' }, { name: 'b' }] }), metadata: { name: 'api', namespace: 'shop', creationTimestamp: created } },
  ];
  const t = JSON.parse(toTable(ACCOUNTS, rows, { version: 'v1', includeObject: 'None', now: NOW.getTime() })) as {
    columnDefinitions: { name: string; priority: number; format: string }[]; rows: { cells: string[] }[];
  };
  assert.deepEqual(t.columnDefinitions.map((c) => [c.name, c.priority, c.format]), [['Name', 0, 'name'], ['Secrets', 0, ''], ['Age', 0, '']]);
  assert.deepEqual(t.rows.map((r) => r.cells), [['default', '0', '3d'], ['api', '2', '3d']]);
});

test('bootstrap: every built-in namespace has its default account, bare as upstream\'s controller makes it', () => {
  const { registry } = setup();
  for (const ns of BUILTIN_NAMESPACES) {
    const sa = registry.get(ACCOUNTS, ns, 'default').object as ServiceAccount;
    assert.deepEqual(Object.keys(sa).sort(), ['apiVersion', 'kind', 'metadata'], ns);
    assert.deepEqual(Object.keys(sa.metadata).sort(), ['creationTimestamp', 'generation', 'name', 'namespace', 'resourceVersion', 'uid'], ns);
  }
});

test('a new namespace comes with its default account in the same batch: a pod sent right after it is admitted', () => {
  const { registry, store } = setup();
  const seen: string[] = [];
  const stop = store.watch('serviceaccounts', undefined, (ev) => seen.push(`${ev.type} ${ev.namespace}/${ev.name} ${ev.rv}`));
  const ns = registry.create(NAMESPACES, undefined, namespace('team'));
  // one commit: the account's write follows the namespace's, nothing in between
  assert.deepEqual(seen, [`ADDED team/default ${ns.rv + 1}`]);
  assert.equal(store.currentRv, ns.rv + 1);
  stop();
  const p = registry.create(PODS, 'team', pod('first')).object as Pod;
  assert.equal(p.spec.serviceAccountName, 'default');
  // a dry run makes neither
  registry.create(NAMESPACES, undefined, namespace('trial'), { dryRun: true });
  assert.throws(() => registry.get(ACCOUNTS, 'trial', 'default'), (e) => isApiError(e, 'NotFound'));
});

test('bootstrap gives a store written before ServiceAccounts were served its default accounts, none in a Terminating namespace; once', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'podnet-sa-'));
  try {
    const file = path.join(dir, 'store.db');
    // the old build's store: namespaces without accounts, one of them going
    const old = new ObjectStore({ path: file });
    for (const name of [...BUILTIN_NAMESPACES, 'team']) old.create('namespaces', { ...namespace(name), spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
    old.create('namespaces', { ...namespace('leaving'), metadata: { name: 'leaving', deletionTimestamp: '2026-11-26T23:00:00Z' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Terminating' } });
    old.close();

    const store = new ObjectStore({ path: file });
    const registry = new Registry(store);
    registry.bootstrap(BUILTIN_NAMESPACES);
    const accounts = registry.list(ACCOUNTS, undefined).items.map((i) => `${i.object.metadata.namespace}/${i.object.metadata.name}`).sort();
    assert.deepEqual(accounts, ['default/default', 'ingress-nginx/default', 'kube-public/default', 'kube-system/default', 'team/default']);
    const rv = store.currentRv;
    registry.bootstrap(BUILTIN_NAMESPACES);
    assert.equal(store.currentRv, rv);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pod create: the account defaults to default, must exist (403, the request\'s name or generateName), and lends its pull secrets', () => {
  const { registry } = setup();
  const plain = registry.create(PODS, 'default', pod('web')).object as Pod;
  assert.deepEqual([plain.spec.serviceAccountName, plain.spec.serviceAccount], ['default', 'default']);
  const missing = 'error looking up service account default/api: serviceaccount "api" not found';
  assert.throws(() => registry.create(PODS, 'default', pod('web-1', { serviceAccountName: 'api' })), (e) => isApiError(e, 'Forbidden') && e.message === `pods "web-1" is forbidden: ${missing}`);
  assert.throws(() => registry.create(PODS, 'default', pod('', { serviceAccountName: 'api' }, { generateName: 'web-7d4b9c8f6-' })),
    (e) => isApiError(e, 'Forbidden') && e.message === `pods "web-7d4b9c8f6-" is forbidden: ${missing}`);
  // the deprecated alias names the account too
  assert.throws(() => registry.create(PODS, 'default', pod('web-2', { serviceAccount: 'api' })), (e) => isApiError(e, 'Forbidden') && e.message === `pods "web-2" is forbidden: ${missing}`);
  registry.create(ACCOUNTS, 'default', account('api', { imagePullSecrets: [{ name: 'regcred' }], automountServiceAccountToken: true }));
  const admitted = registry.create(PODS, 'default', pod('web-1', { serviceAccountName: 'api' })).object as Pod;
  assert.deepEqual([admitted.spec.serviceAccountName, admitted.spec.serviceAccount, admitted.spec.imagePullSecrets], ['api', 'api', [{ name: 'regcred' }]]);
  // no token: nothing mounted
  assert.equal(admitted.spec.volumes, undefined);
});

test('pod update: admission does not run again; the account is immutable as the rest of the spec', () => {
  const { registry } = setup();
  registry.create(ACCOUNTS, 'default', account('api'));
  const p = registry.create(PODS, 'default', pod('web', { serviceAccountName: 'api' })).object as Pod;
  registry.delete(ACCOUNTS, 'default', 'api');
  // the account gone, the pod is still updatable (its labels)
  const labelled = registry.update(PODS, 'default', 'web', { ...structuredClone(p), metadata: { ...p.metadata, labels: { app: 'web' } } }).object as Pod;
  assert.equal(labelled.spec.serviceAccountName, 'api');
  const moved = { ...structuredClone(labelled), spec: { ...structuredClone(labelled.spec), serviceAccountName: 'default' } };
  assert.throws(() => registry.update(PODS, 'default', 'web', moved), (e) => isApiError(e, 'Invalid') && e.message.startsWith('Pod "web" is invalid: spec: Forbidden: pod updates may not change fields'));
});

test('a ServiceAccount is created, updated and deleted as any namespaced object; its name is checked (422)', () => {
  const { registry } = setup();
  const sa = registry.create(ACCOUNTS, 'default', account('api')).object as ServiceAccount;
  const updated = registry.update(ACCOUNTS, 'default', 'api', { ...structuredClone(sa), secrets: [{ name: 'api-token' }] }).object as ServiceAccount;
  assert.deepEqual(updated.secrets, [{ name: 'api-token' }]);
  assert.equal(updated.metadata.generation, 2);
  assert.throws(() => registry.create(ACCOUNTS, 'default', account('API')), (e) => isApiError(e, 'Invalid') && e.message.startsWith('ServiceAccount "API" is invalid: metadata.name: Invalid value: "API": a lowercase RFC 1123 subdomain'));
  assert.equal(registry.delete(ACCOUNTS, 'default', 'api').removed, true);
});
