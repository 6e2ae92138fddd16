import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import { startTestServer, waitFor, type TestServer } from './helpers.js';
import { isApiError } from '../../../src/errors.js';
import { HttpClient } from '../../../src/client/http-client.js';
import type { ConfigMap, KubeObject, Namespace, Pod, Service, Status, WatchEvent } from '../../../src/api/types.js';

const exec = promisify(execFile);
let t: TestServer;
before(async () => { t = await startTestServer({ historySize: 200 }); });
after(async () => { await t?.close(); });

const cm = (name: string, data: Record<string, string> = {}, labels?: Record<string, string>, ns = 'default'): ConfigMap =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data });
const pod = (name: string, ns = 'default', extra: Partial<Pod['spec']> = {}): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }], ...extra } });

test('the socket is mode 0600 and serves /healthz, /version and discovery', async () => {
  assert.equal(fs.statSync(t.socketPath).mode & 0o777, 0o600);
  assert.equal((await t.client.raw('GET', '/healthz')).body, 'ok');
  const version = JSON.parse((await t.client.raw('GET', '/version')).body) as { major: string; gitVersion: string };
  assert.equal(version.major, '1');
  const api = JSON.parse((await t.client.raw('GET', '/api')).body) as { kind: string; versions: string[] };
  assert.deepEqual([api.kind, api.versions], ['APIVersions', ['v1']]);
  const apis = JSON.parse((await t.client.raw('GET', '/apis')).body) as { kind: string; groups: { name: string }[] };
  assert.equal(apis.kind, 'APIGroupList');
  assert.deepEqual(apis.groups.map((g) => g.name).sort(), ['apps', 'authorization.k8s.io', 'autoscaling', 'batch', 'discovery.k8s.io', 'gateway.networking.k8s.io', 'networking.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'storage.k8s.io']);
  const core = JSON.parse((await t.client.raw('GET', '/api/v1')).body) as { resources: { name: string; kind: string; namespaced: boolean; shortNames?: string[] }[] };
  const svc = core.resources.find((r) => r.name === 'services')!;
  assert.deepEqual([svc.kind, svc.namespaced, svc.shortNames], ['Service', true, ['svc']]);
  assert.ok(core.resources.some((r) => r.name === 'pods/status'));
  const apps = JSON.parse((await t.client.raw('GET', '/apis/apps/v1')).body) as { groupVersion: string };
  assert.equal(apps.groupVersion, 'apps/v1');
});

test('a strategic merge patch (kubectl patch\'s default) merges containers by name', async () => {
  const p = pod('two-containers', 'default', { containers: [{ name: 'app', image: 'podnet/echo', ports: [{ containerPort: 8080, name: 'http' }] }, { name: 'side', image: 'podnet/pause' }] });
  await t.client.create(p);
  const r = await t.client.raw('PATCH', '/api/v1/namespaces/default/pods/two-containers', { spec: { containers: [{ name: 'app', image: 'podnet/echo:v2' }] } }, 'application/strategic-merge-patch+json');
  assert.equal(r.status, 200, r.body);
  const containers = (JSON.parse(r.body) as Pod).spec.containers;
  assert.deepEqual(containers.map((c) => [c.name, c.image, c.ports?.[0]?.containerPort]), [['app', 'podnet/echo:v2', 8080], ['side', 'podnet/pause', undefined]]);
  await t.client.delete('pods', 'default', 'two-containers');
});

test('create, get, list, update, patch, delete round trip', async () => {
  const created = await t.client.create(cm('round', { a: '1' }));
  assert.equal(created.kind, 'ConfigMap');
  assert.ok(created.metadata.uid);
  const got = await t.client.get<ConfigMap>('configmaps', 'default', 'round');
  assert.deepEqual(got, created);
  const list = await t.client.list<ConfigMap>('configmaps', 'default');
  assert.equal(list.kind, 'ConfigMapList');
  assert.equal(list.apiVersion, 'v1');
  assert.ok(Number(list.metadata.resourceVersion) >= Number(created.metadata.resourceVersion));
  assert.ok(list.items.every((i) => i.kind === 'ConfigMap' && i.apiVersion === 'v1'));
  const updated = await t.client.update<ConfigMap>({ ...got, data: { a: '2' } });
  assert.deepEqual(updated.data, { a: '2' });
  const patched = await t.client.patch<ConfigMap>('configmaps', 'default', 'round', { data: { b: '3' } });
  assert.deepEqual(patched.data, { a: '2', b: '3' });
  const strategic = await t.client.raw('PATCH', '/api/v1/namespaces/default/configmaps/round', { data: { a: null } }, 'application/strategic-merge-patch+json');
  assert.equal(strategic.status, 200);
  const json = await t.client.raw('PATCH', '/api/v1/namespaces/default/configmaps/round', [{ op: 'add', path: '/data/c', value: '4' }], 'application/json-patch+json');
  assert.deepEqual((JSON.parse(json.body) as ConfigMap).data, { b: '3', c: '4' });
  const dry = await t.client.raw('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', cm('dry'));
  assert.equal(dry.status, 201);
  await assert.rejects(t.client.get('configmaps', 'default', 'dry'), (e) => isApiError(e, 'NotFound'));
  const apply = await t.client.raw('PATCH', '/api/v1/namespaces/default/configmaps/round', {}, 'application/apply-patch+yaml');
  assert.equal(apply.status, 415);
  await t.client.delete('configmaps', 'default', 'round');
  await assert.rejects(t.client.get('configmaps', 'default', 'round'), (e) => isApiError(e, 'NotFound') && e.message === 'configmaps "round" not found');
});

test('cluster-scoped kinds and all-namespace lists', async () => {
  const nss = await t.client.list<Namespace>('namespaces');
  assert.deepEqual(nss.items.map((n) => n.metadata.name), ['default', 'ingress-nginx', 'kube-public', 'kube-system']);
  await t.client.create(cm('everywhere', {}, undefined, 'kube-system'));
  const all = await t.client.list('configmaps');
  assert.ok(all.items.some((i) => i.metadata.namespace === 'kube-system' && i.metadata.name === 'everywhere'));
  const node = await t.client.create<KubeObject>({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: { podCIDR: '10.244.0.0/24' } });
  assert.equal(node.metadata.namespace, undefined);
  assert.equal((await t.client.raw('GET', '/api/v1/namespaces/default/nodes/node-1')).status, 404);
});

test('409: stale resourceVersion on update, create of an existing name', async () => {
  const a = await t.client.create(cm('conflict'));
  await t.client.update({ ...a, data: { x: '1' } });
  await assert.rejects(t.client.update({ ...a, data: { x: '2' } }), (e) => isApiError(e, 'Conflict') && e.httpCode === 409 &&
    e.message === 'Operation cannot be fulfilled on configmaps "conflict": the object has been modified; please apply your changes to the latest version and try again');
  await assert.rejects(t.client.create(cm('conflict')), (e) => isApiError(e, 'AlreadyExists') && e.httpCode === 409);
  await assert.rejects(t.client.delete('configmaps', 'default', 'conflict', { preconditions: { uid: 'not-it' } }), (e) => isApiError(e, 'Conflict'));
});

test('422: a taken nodePort, with the upstream message and causes', async () => {
  await t.client.create<Service>({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'np1', namespace: 'default' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] } });
  await assert.rejects(t.client.create<Service>({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'np2', namespace: 'default' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] } }),
    (e) => isApiError(e, 'Invalid') && e.httpCode === 422 &&
      e.message === 'Service "np2" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated' &&
      e.status.details?.causes?.[0]?.field === 'spec.ports[0].nodePort');
  await assert.rejects(t.client.get('services', 'default', 'np2'), (e) => isApiError(e, 'NotFound'));
});

test('404: unknown kind (noMatch), unknown path, missing namespace', async () => {
  await assert.rejects(t.client.create({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }), (e) => isApiError(e) && e.httpCode === 404 &&
    e.message === 'no matches for kind "Widget" in version "example.com/v1"');
  const r = await t.client.raw('GET', '/apis/example.com/v1/widgets');
  assert.equal(r.status, 404);
  assert.equal((JSON.parse(r.body) as Status).kind, 'Status');
  await assert.rejects(t.client.create(cm('x', {}, undefined, 'nowhere')), (e) => isApiError(e, 'NotFound') && e.message === 'namespaces "nowhere" not found');
});

test('watch resumes from a resourceVersion without missing or repeating events', async () => {
  const first = await t.client.create(cm('w1'));
  await t.client.create(cm('w2'));
  await t.client.delete('configmaps', 'default', 'w1');
  const seen: string[] = [];
  const h = t.client.watch<ConfigMap>('configmaps', 'default', { resourceVersion: first.metadata.resourceVersion }, (e) => seen.push(`${e.type} ${e.object.metadata.name}`));
  await waitFor(() => seen.length === 2, 'replayed events');
  await t.client.create(cm('w3'));
  await waitFor(() => seen.length === 3, 'live event');
  assert.deepEqual(seen, ['ADDED w2', 'DELETED w1', 'ADDED w3']);
  h.stop();
  await h.done;
});

test('watch without a resourceVersion starts now; timeoutSeconds ends the stream', async () => {
  await t.client.create(cm('before-now'));
  const seen: string[] = [];
  const h = t.client.watch<ConfigMap>('configmaps', 'default', {}, (e) => seen.push(e.object.metadata.name!));
  await new Promise((r) => setTimeout(r, 50));
  await t.client.create(cm('after-now'));
  await waitFor(() => seen.length === 1, 'the new object');
  assert.deepEqual(seen, ['after-now']);
  h.stop();
  const r = await t.client.raw('GET', '/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1&resourceVersion=0');
  assert.equal(r.status, 200);
  const lines = r.body.trim().split('\n').map((l) => JSON.parse(l) as WatchEvent);
  assert.ok(lines.length > 0 && lines.every((l) => l.type === 'ADDED'), 'resourceVersion=0 sends the current state first, as upstream');
});

test('410: watch from a resourceVersion older than the history', async () => {
  const old = await t.client.create(cm('ancient'));
  for (let i = 0; i < 210; i++) await t.client.patch('configmaps', 'default', 'ancient', { data: { i: String(i) } });
  const h = t.client.watch('configmaps', 'default', { resourceVersion: old.metadata.resourceVersion }, () => {});
  await assert.rejects(h.done, (e) => isApiError(e, 'Expired') && e.httpCode === 410 && /^too old resource version: \d+ \(\d+\)$/.test(e.message));
});

test('504 Too large resource version: a list or watch from a version the server has not reached', async () => {
  const cur = Number((await t.client.create(cm('now'))).metadata.resourceVersion);
  for (const path of [`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${cur + 1000}`, `/api/v1/namespaces/default/configmaps?resourceVersion=${cur + 1000}`]) {
    const r = await t.client.raw('GET', path);
    assert.equal(r.status, 504, path);
    const st = JSON.parse(r.body) as Status;
    assert.equal(st.reason, 'Timeout');
    assert.match(st.message, new RegExp(`^Too large resource version: ${cur + 1000}, current: \\d+$`));
    assert.deepEqual([st.details?.causes?.[0]?.reason, st.details?.retryAfterSeconds], ['ResourceVersionTooLarge', 1]);
  }
  // the current version itself is fine
  const ok = await t.client.raw('GET', `/api/v1/namespaces/default/configmaps?resourceVersion=${cur}`);
  assert.equal(ok.status, 200);
});

test('label and field selectors on list and watch; leaving the selection is DELETED', async () => {
  await t.client.create(cm('l1', {}, { app: 'web', tier: 'front' }));
  await t.client.create(cm('l2', {}, { app: 'web', tier: 'back' }));
  await t.client.create(cm('l3', {}, { app: 'db' }));
  const names = async (opts: { labelSelector?: string; fieldSelector?: string }) =>
    (await t.client.list('configmaps', 'default', opts)).items.map((i) => i.metadata.name);
  assert.deepEqual(await names({ labelSelector: 'app=web' }), ['l1', 'l2']);
  assert.deepEqual(await names({ labelSelector: 'app=web,tier!=front' }), ['l2']);
  assert.deepEqual(await names({ labelSelector: 'app in (db)', fieldSelector: 'metadata.name=l3' }), ['l3']);
  assert.deepEqual(await names({ fieldSelector: 'metadata.name!=l1,metadata.namespace==default', labelSelector: 'app' }), ['l2', 'l3']);
  await assert.rejects(names({ fieldSelector: 'data.x=1' }), (e) => isApiError(e, 'BadRequest') && e.message === 'field label not supported: data.x');

  const seen: string[] = [];
  const h = t.client.watch('configmaps', 'default', { labelSelector: 'app=web' }, (e) => seen.push(`${e.type} ${e.object.metadata.name}`));
  await new Promise((r) => setTimeout(r, 50));
  await t.client.patch('configmaps', 'default', 'l1', { metadata: { labels: { app: 'other' } } });
  await t.client.patch('configmaps', 'default', 'l3', { metadata: { labels: { app: 'web' } } });
  await t.client.patch('configmaps', 'default', 'l2', { data: { touched: 'yes' } });
  await waitFor(() => seen.length === 3, 'selector events');
  assert.deepEqual(seen, ['DELETED l1', 'ADDED l3', 'MODIFIED l2']);
  h.stop();

  await t.client.create(pod('fs-a'));
  const podSeen: string[] = [];
  const ph = t.client.watch<Pod>('pods', undefined, { fieldSelector: 'spec.nodeName=node-9' }, (e) => podSeen.push(`${e.type} ${e.object.metadata.name}`));
  await new Promise((r) => setTimeout(r, 50));
  await t.client.patch('pods', 'default', 'fs-a', { spec: { nodeName: 'node-9' } });
  await waitFor(() => podSeen.length === 1, 'pod bound to node-9');
  assert.deepEqual(podSeen, ['ADDED fs-a']);
  assert.deepEqual((await t.client.list('pods', undefined, { fieldSelector: 'spec.nodeName=node-9' })).items.map((p) => p.metadata.name), ['fs-a']);
  ph.stop();
});

test('status subresource: PUT/PATCH /status change only status; main updates keep status', async () => {
  const p = await t.client.create(pod('st'));
  assert.equal(p.status?.phase, 'Pending');
  const s = await t.client.update<Pod>({ ...p, spec: { ...p.spec, nodeName: 'ignored' }, status: { phase: 'Running', podIP: '10.244.0.9' } }, { subresource: 'status' });
  assert.equal(s.status?.podIP, '10.244.0.9');
  assert.equal(s.spec.nodeName, undefined);
  const m = await t.client.update<Pod>({ ...s, metadata: { ...s.metadata, labels: { a: 'b' } }, status: { phase: 'Failed' } });
  assert.equal(m.status?.phase, 'Running');
  assert.deepEqual(m.metadata.labels, { a: 'b' });
  const sp = await t.client.patch<Pod>('pods', 'default', 'st', { status: { phase: 'Succeeded' }, metadata: { labels: { c: 'd' } } }, { subresource: 'status' });
  assert.equal(sp.status?.phase, 'Succeeded');
  assert.deepEqual(sp.metadata.labels, { a: 'b' });
  const got = await t.client.raw('GET', '/api/v1/namespaces/default/pods/st/status');
  assert.equal((JSON.parse(got.body) as Pod).status?.phase, 'Succeeded');
});

test('DELETE answers a Status for most kinds and the object for services and pods, as upstream storage does', async () => {
  const made = await t.client.create(cm('short-lived'));
  const r = await t.client.raw('DELETE', '/api/v1/namespaces/default/configmaps/short-lived');
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: 'short-lived', kind: 'configmaps', uid: made.metadata.uid } });
  await t.client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'gone-svc' }, spec: { ports: [{ port: 80 }] } } as Service);
  const svc = await t.client.raw('DELETE', '/api/v1/namespaces/default/services/gone-svc');
  assert.equal(svc.status, 200);
  assert.equal((JSON.parse(svc.body) as Service).kind, 'Service');
});

test('?dryRun=All answers as if written and stores nothing; other values are 400', async () => {
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'only-tried' }, data: { a: 'b' } });
  const sock = ['--unix-socket', t.socketPath, '-s', '-w', '\n%{http_code}', '-H', 'Content-Type: application/json'];
  const created = await exec('curl', [...sock, '-X', 'POST', '-d', body, 'http://localhost/api/v1/namespaces/default/configmaps?dryRun=All']);
  const [json, code] = created.stdout.trim().split('\n');
  assert.equal(code, '201');
  const obj = JSON.parse(json!) as ConfigMap;
  assert.deepEqual([obj.metadata.name, obj.data, obj.metadata.resourceVersion, !!obj.metadata.uid], ['only-tried', { a: 'b' }, undefined, true]);
  await assert.rejects(t.client.get('configmaps', 'default', 'only-tried'), (e) => isApiError(e, 'NotFound'));
  const bad = await t.client.raw('POST', '/api/v1/namespaces/default/configmaps?dryRun=Some', JSON.parse(body));
  assert.equal(bad.status, 400);
  assert.equal((JSON.parse(bad.body) as Status).message, 'dryRun: Unsupported value: "Some": supported values: "All"');
});

test('regression: a SelfSubjectAccessReview (kubectl auth can-i) is 201 and allowed, not 404; a SelfSubjectRulesReview allows everything; neither is stored', async () => {
  const sock = ['--unix-socket', t.socketPath, '-s', '-w', '\n%{http_code}', '-H', 'Content-Type: application/json'];
  const post = async (plural: string, body: object, method = 'POST') => {
    const r = await exec('curl', [...sock, '-X', method, ...(method === 'POST' ? ['-d', JSON.stringify(body)] : []), `http://localhost/apis/authorization.k8s.io/v1/${plural}`]);
    const [json, code] = r.stdout.trim().split('\n');
    return { code: Number(code), body: JSON.parse(json!) as { kind: string; spec: unknown; status: Record<string, unknown>; message?: string } };
  };
  const spec = { resourceAttributes: { namespace: 'default', verb: 'create', group: 'apps', resource: 'deployments' } };
  const access = await post('selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec });
  assert.equal(access.code, 201, JSON.stringify(access.body));
  assert.deepEqual([access.body.kind, access.body.spec, access.body.status.allowed], ['SelfSubjectAccessReview', spec, true]);
  assert.match(String(access.body.status.reason), /podnet has no authorization/);
  const rules = await post('selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'default' } });
  assert.equal(rules.code, 201);
  assert.deepEqual(rules.body.status, { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false });
  const invalid = await post('selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: {} });
  assert.deepEqual([invalid.code, invalid.body.message], [422, 'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified']);
  const wrongKind = await post('selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec });
  assert.equal(wrongKind.code, 400);
  // create is the only verb: nothing to list or get
  assert.equal((await post('selfsubjectaccessreviews', {}, 'GET')).code, 405);
  assert.equal((await post('selfsubjectaccessreviews/mine', {}, 'GET')).code, 404);
  const resources = JSON.parse((await t.client.raw('GET', '/apis/authorization.k8s.io/v1')).body) as { resources: { name: string; verbs: string[] }[] };
  assert.deepEqual(resources.resources.map((r) => [r.name, r.verbs]), [['selfsubjectaccessreviews', ['create']], ['selfsubjectrulesreviews', ['create']]]);
});

test('graceful pod deletion: marked first (202), gone after gracePeriodSeconds=0', async () => {
  await t.client.create(pod('grace', 'default', { nodeName: 'node-1', terminationGracePeriodSeconds: 20 }));
  const events: string[] = [];
  const h = t.client.watch('pods', 'default', { fieldSelector: 'metadata.name=grace' }, (e) => events.push(e.type));
  await new Promise((r) => setTimeout(r, 50));
  const marked = await t.client.raw('DELETE', '/api/v1/namespaces/default/pods/grace');
  assert.equal(marked.status, 202);
  const obj = JSON.parse(marked.body) as Pod;
  assert.equal(obj.metadata.deletionGracePeriodSeconds, 20);
  assert.ok(obj.metadata.deletionTimestamp);
  assert.ok((await t.client.get('pods', 'default', 'grace')).metadata.deletionTimestamp);
  const gone = await t.client.raw('DELETE', '/api/v1/namespaces/default/pods/grace?gracePeriodSeconds=0');
  assert.equal(gone.status, 200);
  await assert.rejects(t.client.get('pods', 'default', 'grace'), (e) => isApiError(e, 'NotFound'));
  await waitFor(() => events.length === 2, 'MODIFIED then DELETED');
  assert.deepEqual(events, ['MODIFIED', 'DELETED']);
  h.stop();
});

test('namespace deletion: Terminating refuses creates; only PUT …/finalize lets it go, not grace 0; built-ins are forbidden', async () => {
  await t.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
  await t.client.create(cm('inside', {}, undefined, 'doomed'));
  const marked = await t.client.delete('namespaces', undefined, 'doomed') as Namespace;
  assert.equal(marked.status?.phase, 'Terminating');
  await assert.rejects(t.client.create(cm('late', {}, undefined, 'doomed')), (e) => isApiError(e, 'Forbidden') && e.httpCode === 403 &&
    e.message === 'configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated' &&
    e.status.details?.causes?.[0]?.reason === 'NamespaceTerminating');
  await t.client.delete('configmaps', 'doomed', 'inside');
  await t.client.delete('namespaces', undefined, 'doomed', { gracePeriodSeconds: 0 });
  const held = await t.client.get<Namespace>('namespaces', undefined, 'doomed');
  assert.deepEqual(held.spec?.finalizers, ['kubernetes']);
  await t.client.update<Namespace>({ ...held, spec: { finalizers: [] } }, { subresource: 'finalize' });
  await assert.rejects(t.client.get('namespaces', undefined, 'doomed'), (e) => isApiError(e, 'NotFound'));
  await assert.rejects(t.client.delete('namespaces', undefined, 'kube-system'), (e) => isApiError(e, 'Forbidden') &&
    e.message === 'namespaces "kube-system" is forbidden: this namespace may not be deleted');
});

test('curl, a client nobody here wrote, can create, list and watch', async () => {
  const sock = ['--unix-socket', t.socketPath, '-s'];
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-curl' }, data: { by: 'curl' } });
  const created = await exec('curl', [...sock, '-X', 'POST', '-H', 'Content-Type: application/json', '-d', body, '-w', '\n%{http_code}', 'http://localhost/api/v1/namespaces/default/configmaps']);
  const [json, code] = created.stdout.trim().split('\n');
  assert.equal(code, '201');
  const rv = (JSON.parse(json!) as KubeObject).metadata.resourceVersion!;
  const listed = await exec('curl', [...sock, 'http://localhost/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dfrom-curl']);
  assert.deepEqual((JSON.parse(listed.stdout) as { items: ConfigMap[] }).items.map((i) => i.data), [{ by: 'curl' }]);
  await t.client.patch('configmaps', 'default', 'from-curl', { data: { by: 'patch' } });
  const watched = await exec('curl', [...sock, '-N', '--max-time', '5', `http://localhost/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${Number(rv) - 1}&timeoutSeconds=1&fieldSelector=metadata.name%3Dfrom-curl`]);
  const events = watched.stdout.trim().split('\n').map((l) => JSON.parse(l) as WatchEvent<ConfigMap>);
  assert.deepEqual(events.map((e) => [e.type, e.object.data?.by]), [['ADDED', 'curl'], ['MODIFIED', 'patch']]);
});

test('group commit: every acknowledged write is committed, and concurrent writes share commits', async () => {
  const store = t.server.store;
  const before = store.currentRv;
  const created = await Promise.all(Array.from({ length: 40 }, (_, i) => t.client.create(cm(`grouped-${i}`))));
  // each answer left the server only after its commit
  for (const c of created) assert.ok(Number(c.metadata.resourceVersion) <= store.currentRv);
  const rvs = created.map((c) => Number(c.metadata.resourceVersion)).sort((a, b) => a - b);
  assert.equal(new Set(rvs).size, 40, 'every write has its own resourceVersion');
  assert.ok(rvs[0]! > before);
  // an error answer waits too: the 409 for a name in the open group comes after that group is on disk
  const [first, dup] = await Promise.allSettled([t.client.create(cm('grouped-dup')), t.client.create(cm('grouped-dup'))]);
  assert.equal(first.status, 'fulfilled');
  assert.ok(dup.status === 'rejected' && isApiError(dup.reason, 'AlreadyExists'));
  assert.equal(store.whenCommitted(), undefined);
});

// HTTP runs on a thread of its own (src/apiserver/http-thread.ts): what it
// must do beside framing, as node:http on the main thread did.
test('HTTP thread: a body over 3 MiB is 413 and the server goes on; a watch the client hangs up is stopped on the main thread', async () => {
  const sock = ['--unix-socket', t.socketPath, '-s'];
  const big = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'too-big' }, data: { x: 'y'.repeat(3 * 1024 * 1024) } });
  fs.writeFileSync(`${t.dir}/big.json`, big);
  const refused = await exec('curl', [...sock, '-X', 'POST', '-H', 'Content-Type: application/json', '--data-binary', `@${t.dir}/big.json`, '-w', '\n%{http_code}', 'http://localhost/api/v1/namespaces/default/configmaps']);
  const lines = refused.stdout.trim().split('\n');
  assert.equal(lines.at(-1), '413');
  assert.equal((JSON.parse(lines[0]!) as Status).reason, 'RequestEntityTooLarge');
  await assert.rejects(t.client.get('configmaps', 'default', 'too-big'), (e: unknown) => isApiError(e, 'NotFound'));

  const before = t.server.store.committedWatchers;
  const stopped = await exec('curl', [...sock, '-N', '--max-time', '1', 'http://localhost/api/v1/namespaces/default/configmaps?watch=1']).catch((e: { code: number }) => e);
  assert.equal((stopped as { code: number }).code, 28, 'curl gave up on the open watch (timeout)');
  await waitFor(() => t.server.store.committedWatchers === before, 'the hung-up watch to be stopped');
  const after = await t.client.create(cm('after-hangup'));
  assert.equal(after.metadata.name, 'after-hangup');
});

test('HTTP thread: a watcher that stops reading is cut off once its backlog passes the limit, others keep their stream', async () => {
  const small = await startTestServer({ watchBacklogBytes: 256 * 1024 });
  try {
    const { default: net } = await import('node:net');
    const stalled = net.connect(small.socketPath);
    await new Promise<void>((resolve) => stalled.once('connect', () => resolve()));
    stalled.write('GET /api/v1/namespaces/default/configmaps?watch=1 HTTP/1.1\r\nHost: x\r\n\r\n');
    stalled.pause(); // reads nothing from here on
    let ended = false;
    stalled.on('close', () => { ended = true; });
    const seen: string[] = [];
    const live = small.client.watch<ConfigMap>('configmaps', 'default', {}, (e) => { seen.push(e.object.metadata.name!); });
    await waitFor(() => small.server.store.committedWatchers === 2, 'both watches to start');
    const payload = 'z'.repeat(64 * 1024);
    for (let i = 0; i < 64; i++) await small.client.create(cm(`fill-${i}`, { payload }));
    await waitFor(() => small.server.store.committedWatchers === 1, 'the stalled watch to be cut off', 10_000);
    stalled.resume(); // drain what the kernel held: the stream then ends
    await waitFor(() => ended, 'the stalled connection to close');
    await waitFor(() => seen.length === 64, 'the reading watcher to see every create');
    live.stop();
  } finally {
    await small.close();
  }
});

test('HTTP thread: watches pipelined on one connection are all stopped when the client hangs up', async () => {
  const { default: net } = await import('node:net');
  const before = t.server.store.committedWatchers;
  const s = net.connect(t.socketPath);
  await new Promise<void>((resolve) => s.once('connect', () => resolve()));
  // the second answer has no socket of its own until the first ends (it never does)
  s.write('GET /api/v1/namespaces/default/configmaps?watch=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/namespaces/default/secrets?watch=1 HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => t.server.store.committedWatchers === before + 2, 'both pipelined watches to start');
  s.destroy();
  await waitFor(() => t.server.store.committedWatchers === before, 'both watches to be stopped');
});

test('HTTP thread: if it dies, onHttpFailure is called once and every open watch is stopped', async () => {
  const failures: string[] = [];
  const own = await startTestServer({ onHttpFailure: (e) => failures.push(e.message) });
  try {
    const w = own.client.watch('configmaps', 'default', {}, () => {});
    await waitFor(() => own.server.store.committedWatchers === 1, 'the watch to start');
    // any exception on the thread: here an unknown record in its message handler
    (own.server as unknown as { http: { worker: { postMessage(b: unknown[]): void } } }).http.worker.postMessage(['?', 1]);
    await waitFor(() => failures.length > 0, 'onHttpFailure');
    await waitFor(() => own.server.store.committedWatchers === 0, 'the open watch to be stopped');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(failures.length, 1, failures.join(' | '));
    w.stop();
  } finally {
    await own.close();
  }
});

test('fieldValidation: Strict refuses unknown fields by path, Warn (the default) drops them with a Warning header, Ignore drops them', async () => {
  const url = 'http://localhost/apis/apps/v1/namespaces/default/deployments';
  const deployment = (name: string) => JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels: { app: name }, colour: 'blue' },
    spec: {
      replica: 2, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'podnet/echo', imagePullPolicy: 'Never', ports: [{ containerPort: 8080, protocl: 'TCP' }] }] } },
    },
  });
  const curl = async (args: string[]) => {
    const type = args.includes('PATCH') ? [] : ['-H', 'Content-Type: application/json'];
    const { stdout } = await exec('curl', ['--unix-socket', t.socketPath, '-s', '-D', '-', ...type, ...args]);
    const [head, body] = stdout.split('\r\n\r\n');
    return { code: Number(/^HTTP\/1\.1 (\d+)/.exec(head!)![1]), warning: /^Warning: (.*)$/mi.exec(head!)?.[1]?.trim(), body: body! };
  };
  const strict = await curl(['-X', 'POST', '-d', deployment('typos'), `${url}?fieldValidation=Strict`]);
  assert.equal(strict.code, 400);
  const status = JSON.parse(strict.body) as Status;
  assert.equal(status.reason, 'BadRequest');
  assert.equal(status.message, 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
    + 'unknown field "metadata.colour", unknown field "spec.replica", unknown field "spec.template.spec.containers[0].ports[0].protocl"');
  await assert.rejects(t.client.get('deployments', 'default', 'typos'), (e) => isApiError(e, 'NotFound'));

  const warned = await curl(['-X', 'POST', '-d', deployment('typos'), url]);
  assert.equal(warned.code, 201);
  assert.equal(warned.warning, '299 - "unknown field \\"metadata.colour\\"", 299 - "unknown field \\"spec.replica\\"", '
    + '299 - "unknown field \\"spec.template.spec.containers[0].ports[0].protocl\\""');
  const stored = await t.client.get<KubeObject & { spec: { replicas: number; replica?: number; template: { spec: { containers: { ports: object[] }[] } } } }>('deployments', 'default', 'typos');
  assert.deepEqual([stored.spec.replicas, 'replica' in stored.spec, 'colour' in stored.metadata], [1, false, false]);
  assert.deepEqual(stored.spec.template.spec.containers[0]!.ports[0], { containerPort: 8080, protocol: 'TCP' });

  const ignored = await curl(['-X', 'POST', '-d', deployment('ignored'), `${url}?fieldValidation=Ignore`]);
  assert.deepEqual([ignored.code, ignored.warning], [201, undefined]);
  assert.equal('replica' in (await t.client.get<KubeObject & { spec: object }>('deployments', 'default', 'ignored')).spec, false);

  // a merge patch is checked as the object it makes; a refused one changes nothing
  const patch = ['-X', 'PATCH', '-H', 'Content-Type: application/merge-patch+json', '-d', '{"spec":{"paused":true,"minReadySecond":5}}'];
  const refused = await curl([...patch, `${url}/typos?fieldValidation=Strict`]);
  // upstream's patcher: 422 on `patch`, the value the patched object's JSON
  assert.equal(refused.code, 422);
  const refusal = JSON.parse(refused.body) as Status;
  assert.match(refusal.message, /^ "" is invalid: patch: Invalid value: "\{\\"apiVersion\\":\\"apps\/v1\\",.*\\"minReadySecond\\":5,.*\}": strict decoding error: unknown field "spec.minReadySecond"$/);
  assert.deepEqual([refusal.reason, refusal.details?.causes?.[0]?.field], ['Invalid', 'patch']);
  assert.equal((await t.client.get<KubeObject & { spec: { paused?: boolean } }>('deployments', 'default', 'typos')).spec.paused, undefined);
  const patched = await curl([...patch, `${url}/typos`]);
  assert.deepEqual([patched.code, patched.warning], [200, '299 - "unknown field \\"spec.minReadySecond\\""']);

  // a strategic merge patch's refusal shows the patch as Go prints a map
  const smp = await curl(['-X', 'PATCH', '-H', 'Content-Type: application/strategic-merge-patch+json', '-d', '{"spec":{"paused":true,"replica":2}}', `${url}/typos?fieldValidation=Strict`]);
  assert.deepEqual([smp.code, (JSON.parse(smp.body) as Status).message],
    [422, ' "" is invalid: patch: Invalid value: "map[spec:map[paused:true replica:2]]": strict decoding error: unknown field "spec.replica"']);

  // a name in another script, and DEL, reach the client escaped (node refuses or mangles such header bytes)
  const foreign = await curl(['-X', 'PATCH', '-H', 'Content-Type: application/merge-patch+json', '-d', '{"spec":{"sеlector\u007f":1}}', `${url}/typos`]);
  assert.equal(foreign.code, 200);
  const seen: string[] = [];
  const warnClient = new HttpClient({ socketPath: t.socketPath, onWarning: (w) => seen.push(w) });
  const leanClient = new HttpClient({ socketPath: t.socketPath, lean: true, onWarning: (w) => seen.push(w) });
  try {
    await warnClient.patch('deployments', 'default', 'typos', { spec: { 'sеlector\u007f': 1 } });
    await leanClient.patch('deployments', 'default', 'typos', { spec: { 'rеplicas': 1 } });
    // warnings ride on an error answer too: the field dropped, then the object refused
    await assert.rejects(leanClient.patch('deployments', 'default', 'typos', { spec: { replicas: -1, typo: true } }), (e) => isApiError(e, 'Invalid'));
  } finally { warnClient.close(); leanClient.close(); }
  assert.deepEqual(seen, ['unknown field "spec.s\\u0435lector\\u007f"', 'unknown field "spec.r\\u0435plicas"', 'unknown field "spec.typo"']);

  // an object a build before field validation stored with an unknown field: a strict patch is judged on what it brings
  await t.server.localClient().create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'legacy', namespace: 'default' }, data: { a: '1' }, stale: true } as ConfigMap);
  const onLegacy = await curl(['-X', 'PATCH', '-H', 'Content-Type: application/merge-patch+json', '-d', '{"data":{"b":"2"}}', 'http://localhost/api/v1/namespaces/default/configmaps/legacy?fieldValidation=Strict']);
  assert.equal(onLegacy.code, 200);
  assert.deepEqual(JSON.parse(onLegacy.body).stale, undefined);

  // the scale subresource checks a Scale
  const scale = await curl(['-X', 'PUT', '-d', '{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"typos","namespace":"default"},"spec":{"replica":3}}', `${url}/typos/scale?fieldValidation=Strict`]);
  assert.deepEqual([scale.code, (JSON.parse(scale.body) as Status).message],
    [400, 'Scale in version "v1" cannot be handled as a Scale: strict decoding error: unknown field "spec.replica"']);

  // a clean write carries no Warning header; an unknown directive is refused as upstream's options validation does
  const clean = await curl(['-X', 'PATCH', '-H', 'Content-Type: application/merge-patch+json', '-d', '{"spec":{"paused":false}}', `${url}/typos?fieldValidation=Strict`]);
  assert.deepEqual([clean.code, clean.warning], [200, undefined]);
  const bogus = await curl(['-X', 'POST', '-d', deployment('bogus'), `${url}?fieldValidation=strict`]);
  assert.equal(bogus.code, 422);
  assert.equal((JSON.parse(bogus.body) as Status).message,
    'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"');
});

test('deletecollection: DELETE on a collection path deletes what the selectors match and answers the list; not for namespaces or across namespaces', async () => {
  await t.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dc' } });
  for (const [name, tier] of [['a', 'web'], ['b', 'web'], ['c', 'db']] as const) await t.client.create(cm(name, {}, { tier }, 'dc'));
  const curl = async (method: string, path: string) => {
    const { stdout } = await exec('curl', ['--unix-socket', t.socketPath, '-s', '-w', '\n%{http_code}', '-X', method, `http://localhost${path}`]);
    const at = stdout.lastIndexOf('\n');
    return { code: Number(stdout.slice(at + 1)), body: stdout.slice(0, at) };
  };
  const tried = await curl('DELETE', '/api/v1/namespaces/dc/configmaps?labelSelector=tier%3Dweb&dryRun=All');
  assert.equal(tried.code, 200);
  assert.equal((await t.client.list('configmaps', 'dc')).items.length, 3);
  const gone = await curl('DELETE', '/api/v1/namespaces/dc/configmaps?labelSelector=tier%3Dweb');
  assert.equal(gone.code, 200);
  const list = JSON.parse(gone.body) as { kind: string; items: ConfigMap[] };
  assert.deepEqual([list.kind, list.items.map((i) => i.metadata.name).sort()], ['ConfigMapList', ['a', 'b']]);
  assert.deepEqual((await t.client.list('configmaps', 'dc')).items.map((i) => i.metadata.name), ['c']);
  assert.equal((await curl('DELETE', '/api/v1/configmaps')).code, 405);
  assert.equal((await curl('DELETE', '/api/v1/namespaces')).code, 405);
  const core = JSON.parse((await t.client.raw('GET', '/api/v1')).body) as { resources: { name: string; verbs: string[] }[] };
  const verbsOf = (n: string) => core.resources.find((r) => r.name === n)!.verbs;
  assert.ok(verbsOf('configmaps').includes('deletecollection'));
  assert.ok(!verbsOf('namespaces').includes('deletecollection'));
});
