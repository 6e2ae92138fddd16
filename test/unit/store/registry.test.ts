import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry, type RegistryEvent } from '../../../src/apiserver/registry.js';
import { BUILTIN_NAMESPACES } from '../../../src/api/resources.js';
import { isApiError } from '../../../src/errors.js';
import type { Deployment, KubeObject, Namespace, Pod, Service } from '../../../src/api/types.js';
import { info, setup } from './registry-fixture.js';

const pod = (name: string, extra: Partial<Pod['spec']> = {}, labels?: Record<string, string>): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }], ...extra } });

test('bootstrap creates the built-in namespaces and default/kubernetes at 10.96.0.1 once', () => {
  const { registry, store } = setup();
  assert.deepEqual(registry.list(info('namespaces'), undefined).items.map((i) => i.object.metadata.name), ['default', 'ingress-nginx', 'kube-public', 'kube-system']);
  const k = registry.get(info('services'), 'default', 'kubernetes').object as Service;
  assert.equal(k.spec.clusterIP, '10.96.0.1');
  assert.deepEqual(k.spec.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }]);
  const rv = store.currentRv;
  registry.bootstrap(BUILTIN_NAMESPACES);
  assert.equal(store.currentRv, rv);
});

test('create: unknown kind is noMatch, missing namespace 404, terminating namespace 403, namespace mismatch 400', () => {
  const { registry } = setup();
  assert.throws(() => registry.resolveKind('v1', 'Widget'), (e) => isApiError(e) && e.httpCode === 404 && e.message === 'no matches for kind "Widget" in version "v1"');
  assert.throws(() => registry.create(info('pods'), 'nope', pod('a')), (e) => isApiError(e, 'NotFound') && e.message === 'namespaces "nope" not found');
  registry.create(info('namespaces'), undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  registry.delete(info('namespaces'), undefined, 'team');
  assert.throws(() => registry.create(info('pods'), 'team', pod('a')), (e) => isApiError(e, 'Forbidden') &&
    e.message === 'pods "a" is forbidden: unable to create new content in namespace team because it is being terminated');
  assert.throws(() => registry.create(info('pods'), 'default', { ...pod('a'), metadata: { name: 'a', namespace: 'kube-system' } }), (e) => isApiError(e, 'BadRequest'));
});

test('create resets status (Pod → Pending) and rejects a resourceVersion', () => {
  const { registry } = setup();
  const p = registry.create(info('pods'), 'default', { ...pod('a'), status: { phase: 'Running' } });
  assert.deepEqual(p.object.status, { phase: 'Pending', qosClass: 'BestEffort' });
  assert.equal(p.object.metadata.namespace, 'default');
  assert.throws(() => registry.create(info('pods'), 'default', { ...pod('b'), metadata: { name: 'b', resourceVersion: '3' } }), (e) => isApiError(e, 'BadRequest'));
});

test('a nodePort conflict is 422 and leaves nothing stored or allocated', () => {
  const { registry, store } = setup();
  const s = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] } });
  registry.create(info('services'), 'default', s('a'));
  const ips = registry.allocators.ips.allocatedCount;
  const rv = store.currentRv;
  assert.throws(() => registry.create(info('services'), 'default', s('b')), (e) => isApiError(e, 'Invalid') && e.httpCode === 422 &&
    e.message === 'Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
  assert.equal(store.currentRv, rv);
  assert.equal(registry.allocators.ips.allocatedCount, ips);
});

test('a failed store write releases the Service allocation', () => {
  const { registry } = setup();
  const s = (ip: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'dup' }, spec: { clusterIP: ip, ports: [{ port: 80 }] } });
  registry.create(info('services'), 'default', s('10.96.5.5'));
  // same name, different IP: allocation succeeds, the store says AlreadyExists, the IP must be free again
  assert.throws(() => registry.create(info('services'), 'default', s('10.96.5.6')), (e) => isApiError(e, 'AlreadyExists'));
  assert.ok(!registry.allocators.ips.isAllocated('10.96.5.6'));
});

test('service update carries clusterIP and nodePorts over; delete releases them; allocators rebuild from the store', () => {
  const { registry, store } = setup();
  const created = registry.create(info('services'), 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { type: 'NodePort', ports: [{ name: 'http', port: 80 }] } }).object as Service;
  const updated = registry.update(info('services'), 'default', 'web', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { type: 'NodePort', ports: [{ name: 'http', port: 81 }] } }).object as Service;
  assert.equal(updated.spec.clusterIP, created.spec.clusterIP);
  assert.equal(updated.spec.ports![0]!.nodePort, created.spec.ports![0]!.nodePort);
  const rebuilt = new Registry(store);
  assert.ok(rebuilt.allocators.ips.isAllocated(created.spec.clusterIP!));
  assert.ok(rebuilt.allocators.nodePorts.isAllocated(created.spec.ports![0]!.nodePort!));
  registry.delete(info('services'), 'default', 'web');
  assert.ok(!registry.allocators.ips.isAllocated(created.spec.clusterIP!));
  assert.ok(!registry.allocators.nodePorts.isAllocated(created.spec.ports![0]!.nodePort!));
});

test('a status write shares the stored spec (frozen) instead of copying it, and keeps generation and the stored metadata', () => {
  const { registry, store } = setup();
  const created = registry.create(info('deployments'), 'default', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }] } } },
  });
  const before = created.object;
  const after = registry.update(info('deployments'), 'default', 'web', { ...before, metadata: { ...before.metadata, labels: { sneaky: 'x' } }, status: { replicas: 1 } }, 'status');
  assert.equal(after.object.spec, before.spec, 'the same (frozen) spec object');
  assert.ok(Object.isFrozen(after.object) && Object.isFrozen(after.object.metadata) && Object.isFrozen(after.object.status));
  assert.deepEqual(after.object.metadata.labels, { app: 'web' });
  assert.equal(after.object.metadata.generation, 1);
  assert.equal(after.object.metadata.resourceVersion, String(store.latestRv));
  assert.deepEqual(after.object.status, { replicas: 1 });
  assert.deepEqual(JSON.parse(after.json), { ...JSON.parse(created.json), metadata: { ...JSON.parse(created.json).metadata, resourceVersion: after.object.metadata.resourceVersion }, status: { replicas: 1 } });
  // the same status again is a no-op: no new resourceVersion
  const again = registry.update(info('deployments'), 'default', 'web', { ...after.object, metadata: { ...after.object.metadata }, status: { replicas: 1 } }, 'status');
  assert.equal(again.rv, after.rv);
  // a stale resourceVersion is still a conflict
  assert.throws(() => registry.update(info('deployments'), 'default', 'web', { ...before, metadata: { ...before.metadata }, status: { replicas: 2 } }, 'status'), (e) => isApiError(e, 'Conflict'));
});

test('a Namespace status write without a phase gets phase Active (its only status default)', () => {
  const { registry } = setup();
  registry.create(info('namespaces'), undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  const ns = registry.update(info('namespaces'), undefined, 'team', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' }, status: {} }, 'status');
  assert.deepEqual(ns.object.status, { phase: 'Active' });
  assert.equal(ns.object.metadata.labels?.['kubernetes.io/metadata.name'], 'team');
});

const LIMITS = { cpu: '500m', memory: '128Mi' };
/** a status read loosely: PodStatus does not list qosClass */
const statusOf = (o: KubeObject) => o.status as Record<string, unknown> | undefined;
const limited = (name: string, extra: Record<string, unknown> = {}): Pod['spec']['containers'][number] =>
  ({ name, image: 'podnet/echo', resources: { limits: LIMITS, ...extra } });

test('create stores the QoS class of the defaulted Pod: limits alone become requests (Guaranteed), other requests are Burstable, nothing is BestEffort, init containers count', () => {
  const { registry } = setup();
  const create = (name: string, spec: Partial<Pod['spec']>) => registry.create(info('pods'), 'default', pod(name, spec)).object as Pod;
  const onlyLimits = create('only-limits', { containers: [limited('c')] });
  assert.deepEqual(onlyLimits.spec.containers[0]!.resources, { limits: LIMITS, requests: LIMITS });
  assert.deepEqual(onlyLimits.status, { phase: 'Pending', qosClass: 'Guaranteed' });
  assert.equal(statusOf(create('less', { containers: [limited('c', { requests: { cpu: '250m' } })] }))?.qosClass, 'Burstable');
  assert.equal(statusOf(create('nothing', {}))?.qosClass, 'BestEffort');
  assert.equal(statusOf(create('init-requests', { initContainers: [{ name: 'i', image: 'podnet/echo', resources: { requests: { cpu: '100m' } } }] }))?.qosClass, 'Burstable');
  const init = create('init-limits', { containers: [limited('c')], initContainers: [limited('i')] });
  assert.deepEqual(init.spec.initContainers![0]!.resources, { limits: LIMITS, requests: LIMITS });
  assert.equal(statusOf(init)?.qosClass, 'Guaranteed');
});

test('create keeps a qosClass the client sent, as upstream\'s pod strategy reads it before it replaces the status', () => {
  const { registry } = setup();
  const p = registry.create(info('pods'), 'default', { ...pod('a'), status: { phase: 'Running', qosClass: 'Guaranteed' } });
  assert.deepEqual(p.object.status, { phase: 'Pending', qosClass: 'Guaranteed' });
});

test('a Deployment\'s template is stored without requests; the pods made from it get them', () => {
  const { registry } = setup();
  const d = registry.create(info('deployments'), 'default', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [limited('c')] } } },
  }).object as Deployment;
  assert.deepEqual(d.spec.template.spec.containers[0]!.resources, { limits: LIMITS });
  const p = registry.create(info('pods'), 'default', { ...pod('web-1'), spec: structuredClone(d.spec.template.spec) }).object as Pod;
  assert.deepEqual(p.spec.containers[0]!.resources, { limits: LIMITS, requests: LIMITS });
  assert.equal(statusOf(p)?.qosClass, 'Guaranteed');
});

test('status writes that leave the QoS class out keep it (PUT, the agent\'s strategic merge patch, a null, no status at all), as upstream backfills it', () => {
  const { registry } = setup();
  registry.create(info('pods'), 'default', pod('a', { containers: [limited('c')] }));
  const put = registry.update(info('pods'), 'default', 'a', { ...pod('a'), status: { phase: 'Running' } }, 'status').object;
  assert.deepEqual(statusOf(put), { phase: 'Running', qosClass: 'Guaranteed' });
  const agent = registry.patch(info('pods'), 'default', 'a', { status: { podIP: '10.244.0.5', conditions: [{ type: 'Ready', status: 'True' }] } }, 'status', 'strategic').object;
  assert.equal(statusOf(agent)?.qosClass, 'Guaranteed');
  assert.equal(statusOf(agent)?.podIP, '10.244.0.5');
  const cleared = registry.patch(info('pods'), 'default', 'a', { status: { qosClass: null } }, 'status').object;
  assert.equal(statusOf(cleared)?.qosClass, 'Guaranteed');
  const emptied = registry.update(info('pods'), 'default', 'a', { ...pod('a'), status: { phase: 'Running', qosClass: '' } }, 'status').object;
  assert.equal(statusOf(emptied)?.qosClass, 'Guaranteed');
  const none = registry.update(info('pods'), 'default', 'a', pod('a'), 'status').object;
  assert.deepEqual(statusOf(none), { qosClass: 'Guaranteed' });
});

test('status subresource changes only status; main updates keep the stored status', () => {
  const { registry } = setup();
  registry.create(info('pods'), 'default', pod('a'));
  const s = registry.update(info('pods'), 'default', 'a', { ...pod('a', { nodeName: 'evil' }), status: { phase: 'Running', podIP: '10.244.0.5' } }, 'status').object as Pod;
  assert.equal(s.status?.phase, 'Running');
  assert.equal(s.spec.nodeName, undefined);
  // the stored spec's defaulted serviceAccountName is sent back, as a client's read-modify-write does
  const m = registry.update(info('pods'), 'default', 'a', { ...pod('a', { nodeName: 'n1', serviceAccountName: 'default' }), status: { phase: 'Failed' } }).object as Pod;
  assert.equal(m.spec.nodeName, 'n1');
  assert.equal(m.status?.phase, 'Running');
  assert.equal(m.metadata.generation, 2);
  const patched = registry.patch(info('pods'), 'default', 'a', { status: { phase: 'Succeeded' } }, 'status').object as Pod;
  assert.equal(patched.status?.phase, 'Succeeded');
  assert.throws(() => registry.update(info('configmaps'), 'default', 'x', { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }, 'status'), (e) => isApiError(e, 'NotFound'));
});

test('patch with a stale resourceVersion is 409', () => {
  const { registry } = setup();
  registry.create(info('configmaps'), 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } });
  assert.throws(() => registry.patch(info('configmaps'), 'default', 'c', { metadata: { resourceVersion: '1' }, data: { a: '2' } }), (e) => isApiError(e, 'Conflict'));
  const p = registry.patch(info('configmaps'), 'default', 'c', { data: { a: null, b: '2' } });
  assert.deepEqual(p.object.data, { b: '2' });
});

test('graceful pod deletion: scheduled pods are marked, grace 0 removes; unscheduled pods go at once', () => {
  const { registry } = setup();
  registry.create(info('pods'), 'default', pod('bound', { nodeName: 'n1', terminationGracePeriodSeconds: 10 }));
  const marked = registry.delete(info('pods'), 'default', 'bound');
  assert.equal(marked.removed, false);
  assert.equal(marked.object.object.metadata.deletionTimestamp, '2026-11-26T23:59:11Z');
  assert.equal(marked.object.object.metadata.deletionGracePeriodSeconds, 10);
  assert.equal(registry.delete(info('pods'), 'default', 'bound', { gracePeriodSeconds: 30 }).object.rv, marked.object.rv, 'a longer grace changes nothing');
  const gone = registry.delete(info('pods'), 'default', 'bound', { gracePeriodSeconds: 0 });
  assert.equal(gone.removed, true);
  assert.throws(() => registry.get(info('pods'), 'default', 'bound'), (e) => isApiError(e, 'NotFound'));
  registry.create(info('pods'), 'default', pod('free'));
  assert.equal(registry.delete(info('pods'), 'default', 'free').removed, true);
});

test('namespaces: delete marks Terminating; only finalize (spec.finalizers) and the last metadata finalizer let it go; built-ins are forbidden', () => {
  const { registry } = setup();
  const ns = (name: string, metadata: object = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...metadata } });
  const created = registry.create(info('namespaces'), undefined, ns('team')).object as Namespace;
  assert.deepEqual(created.spec?.finalizers, ['kubernetes']);
  // an update cannot drop the controller's finalizer: only the finalize subresource can
  const updated = registry.update(info('namespaces'), undefined, 'team', { ...ns('team'), spec: {} } as KubeObject).object as Namespace;
  assert.deepEqual(updated.spec?.finalizers, ['kubernetes']);
  const t = registry.delete(info('namespaces'), undefined, 'team');
  assert.equal(t.removed, false);
  assert.equal((t.object.object.status as { phase: string }).phase, 'Terminating');
  assert.ok(t.object.object.metadata.deletionTimestamp);
  assert.equal(registry.delete(info('namespaces'), undefined, 'team').removed, false);
  // a client's grace period 0 (kubectl delete --force --grace-period=0) does not skip the controller
  assert.equal(registry.delete(info('namespaces'), undefined, 'team', { gracePeriodSeconds: 0 }).removed, false);
  registry.get(info('namespaces'), undefined, 'team');
  // finalized by the controller: gone
  registry.update(info('namespaces'), undefined, 'team', { ...ns('team'), spec: { finalizers: [] } } as KubeObject, 'finalize');
  assert.throws(() => registry.get(info('namespaces'), undefined, 'team'), (e) => isApiError(e, 'NotFound'));

  // a namespace's own metadata.finalizers hold it after the controller is done, until the last goes
  registry.create(info('namespaces'), undefined, ns('held', { finalizers: ['example.com/hold'] }));
  registry.delete(info('namespaces'), undefined, 'held');
  registry.update(info('namespaces'), undefined, 'held', { ...ns('held'), spec: { finalizers: [] } } as KubeObject, 'finalize');
  assert.equal(registry.delete(info('namespaces'), undefined, 'held', { gracePeriodSeconds: 0 }).removed, false);
  assert.ok(registry.get(info('namespaces'), undefined, 'held'));
  registry.patch(info('namespaces'), undefined, 'held', { metadata: { finalizers: null } });
  assert.throws(() => registry.get(info('namespaces'), undefined, 'held'), (e) => isApiError(e, 'NotFound'));

  // finalize is a namespace's subresource only, and spec.finalizers need qualified or standard names
  assert.throws(() => registry.update(info('configmaps'), 'default', 'x', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }, 'finalize'), (e) => isApiError(e, 'NotFound'));
  assert.throws(() => registry.create(info('namespaces'), undefined, { ...ns('bad'), spec: { finalizers: ['mine'] } } as KubeObject), (e) => isApiError(e, 'Invalid') &&
    e.message === 'Namespace "bad" is invalid: spec.finalizers: Invalid value: "mine": name is neither a standard finalizer name nor is it fully qualified');
  for (const name of ['default', 'kube-system', 'kube-public']) {
    assert.throws(() => registry.delete(info('namespaces'), undefined, name), (e) => isApiError(e, 'Forbidden') &&
      e.message === `namespaces "${name}" is forbidden: this namespace may not be deleted`);
  }
});

test('finalizers hold a deletion until the last one is removed', () => {
  const { registry } = setup();
  registry.create(info('configmaps'), 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'f', finalizers: ['example.com/x'] } });
  assert.equal(registry.delete(info('configmaps'), 'default', 'f').removed, false);
  registry.patch(info('configmaps'), 'default', 'f', { metadata: { finalizers: null } });
  assert.throws(() => registry.get(info('configmaps'), 'default', 'f'), (e) => isApiError(e, 'NotFound'));
});

test('filtered watch: an object leaving the field selection is DELETED, entering it is ADDED', () => {
  const { registry } = setup();
  registry.create(info('pods'), 'default', pod('a'));
  const events: RegistryEvent[] = [];
  registry.watch(info('pods'), 'default', { fieldSelector: 'status.phase=Running' }, (e) => events.push(e));
  const phase = (name: string, p: string) => registry.patch(info('pods'), 'default', name, { status: { phase: p } }, 'status');
  phase('a', 'Running');
  registry.patch(info('pods'), 'default', 'a', { metadata: { labels: { x: 'y' } } });
  phase('a', 'Failed');
  registry.create(info('pods'), 'default', pod('b'));
  assert.deepEqual(events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  const deleted = JSON.parse(events[2]!.json) as Pod;
  assert.equal(deleted.status?.phase, 'Running', 'DELETED carries the last matching state');
  assert.equal(deleted.metadata.resourceVersion, String(events[2]!.rv));
});

test('filtered watch by label: relabelling out of the selection is DELETED', () => {
  const { registry } = setup();
  registry.create(info('pods'), 'default', pod('a', {}, { app: 'web' }));
  const events: string[] = [];
  registry.watch(info('pods'), undefined, { labelSelector: 'app in (web,api)', resourceVersion: '1' }, (e) => events.push(e.type));
  registry.patch(info('pods'), 'default', 'a', { metadata: { labels: { app: 'db' } } });
  registry.patch(info('pods'), 'default', 'a', { metadata: { labels: { app: 'api' } } });
  registry.delete(info('pods'), 'default', 'a');
  assert.deepEqual(events, ['ADDED', 'DELETED', 'ADDED', 'DELETED']);
});

test('watch with sendInitialEvents sends the current state first; namespaces are filtered', () => {
  const { registry } = setup();
  registry.create(info('pods'), 'default', pod('a'));
  registry.create(info('pods'), 'kube-system', pod('b'));
  const events: string[] = [];
  const w = registry.watch(info('pods'), 'default', { sendInitialEvents: true }, (e) => events.push(`${e.type} ${JSON.parse(e.json).metadata.name}`));
  registry.create(info('pods'), 'kube-system', pod('c'));
  registry.create(info('pods'), 'default', pod('d'));
  w.stop();
  registry.create(info('pods'), 'default', pod('e'));
  assert.deepEqual(events, ['ADDED a', 'ADDED d']);
});

test('bad selectors and resourceVersions are 400', () => {
  const { registry } = setup();
  assert.throws(() => registry.list(info('pods'), undefined, { fieldSelector: 'spec.foo=1' }), (e) => isApiError(e, 'BadRequest') && e.message === 'field label not supported: spec.foo');
  assert.throws(() => registry.watch(info('pods'), undefined, { resourceVersion: 'abc' }, () => {}), (e) => isApiError(e, 'BadRequest'));
});

test('a 422 names the kind with its group, as the API server does (Deployment.apps, Ingress.networking.k8s.io)', () => {
  const { registry } = setup();
  const deployment: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'other' } }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }] } } } };
  assert.throws(() => registry.create(info('deployments'), 'default', deployment), (e) => isApiError(e, 'Invalid') &&
    e.message === 'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`' &&
    e.status.details?.kind === 'Deployment' && e.status.details?.group === 'apps');
  const ingress: KubeObject = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'shop' }, spec: { rules: [{ http: { paths: [{ path: 'api', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } }] } }] } };
  assert.throws(() => registry.create(info('ingresses'), 'default', ingress), (e) => isApiError(e, 'Invalid') &&
    e.message.startsWith('Ingress.networking.k8s.io "shop" is invalid: spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path'));
  const service: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 70000, targetPort: 8080 }] } };
  assert.throws(() => registry.create(info('services'), 'default', service), (e) => isApiError(e, 'Invalid') &&
    e.message === 'Service "web" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive');
});

test('a patch that changes only clusterIP is the immutable clusterIPs[0], as upstream normalizeClusterIPs makes it', () => {
  const { registry } = setup();
  registry.create(info('services'), 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'fixed' }, spec: { clusterIP: '10.96.5.5', ports: [{ port: 80 }] } });
  assert.throws(() => registry.patch(info('services'), 'default', 'fixed', { spec: { clusterIP: '10.96.5.6' } }), (e) => isApiError(e, 'Invalid') &&
    e.message === 'Service "fixed" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.5.6"}: may not change once set');
});

test('a patch that changes a Service\'s type or traffic policy drops the values it carried over unchanged, as upstream', () => {
  const { registry } = setup();
  const lb: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 80 }] } };
  const created = registry.create(info('services'), 'default', lb).object as Service;
  const nodePort = created.spec.ports![0]!.nodePort!;
  const hc = created.spec.healthCheckNodePort!;
  assert.ok(nodePort && hc);
  // Local → Cluster: the health check port goes (and is free again)
  const cluster = registry.patch(info('services'), 'default', 'lb', { spec: { externalTrafficPolicy: 'Cluster' } }).object as Service;
  assert.equal(cluster.spec.healthCheckNodePort, undefined);
  assert.equal(registry.allocators.nodePorts.isAllocated(hc), false);
  // LoadBalancer → ClusterIP: node ports and the traffic policy go
  const plain = registry.patch(info('services'), 'default', 'lb', { spec: { type: 'ClusterIP' } }).object as Service;
  assert.equal(plain.spec.ports![0]!.nodePort, undefined);
  assert.equal(plain.spec.externalTrafficPolicy, undefined);
  assert.equal(registry.allocators.nodePorts.isAllocated(nodePort), false);
  assert.equal(plain.spec.allocateLoadBalancerNodePorts, undefined);
  // ClusterIP → ExternalName: the cluster IP and the defaulted IP families go
  const ip = plain.spec.clusterIP!;
  const ext = registry.patch(info('services'), 'default', 'lb', { spec: { type: 'ExternalName', externalName: 'db.example.com' } }).object as Service;
  assert.deepEqual([ext.spec.clusterIP, ext.spec.clusterIPs, ext.spec.ipFamilies, ext.spec.ipFamilyPolicy], [undefined, undefined, undefined, undefined]);
  assert.equal(registry.allocators.ips.isAllocated(ip), false);
  // and back: new ones are defaulted and allocated
  const back = registry.patch(info('services'), 'default', 'lb', { spec: { type: 'LoadBalancer', externalName: null } }).object as Service;
  assert.deepEqual([back.spec.ipFamilies, back.spec.ipFamilyPolicy, back.spec.allocateLoadBalancerNodePorts], [['IPv4'], 'SingleStack', true]);
  assert.ok(back.spec.clusterIP && back.spec.ports![0]!.nodePort);
  // LoadBalancer → ExternalName in one step
  const ext2 = registry.patch(info('services'), 'default', 'lb', { spec: { type: 'ExternalName', externalName: 'db.example.com' } }).object as Service;
  assert.deepEqual([ext2.spec.clusterIP, ext2.spec.ipFamilies, ext2.spec.allocateLoadBalancerNodePorts, ext2.spec.ports![0]!.nodePort], [undefined, undefined, undefined, undefined]);
  // a node port the client sets with the type change is its own value: rejected
  const np = registry.create(info('services'), 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'np' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } }).object as Service;
  assert.throws(() => registry.patch(info('services'), 'default', 'np', { spec: { type: 'ClusterIP', ports: [{ port: 80, nodePort: np.spec.ports![0]!.nodePort! + 1 }] } }), (e) => isApiError(e, 'Invalid') &&
    /spec\.ports\[0\]\.nodePort: Forbidden: may not be used when `type` is 'ClusterIP'/.test(e.message));
});

test('an update whose object carries another uid is a failed precondition (409), as upstream', () => {
  const { registry } = setup();
  const cur = registry.create(info('configmaps'), 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'u' } }).object;
  assert.throws(() => registry.update(info('configmaps'), 'default', 'u', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'u', uid: 'other' } }), (e) => isApiError(e, 'Conflict') && e.httpCode === 409 &&
    e.message === `Precondition failed: UID in precondition: other, UID in object meta: ${cur.metadata.uid}`);
  registry.update(info('configmaps'), 'default', 'u', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'u', uid: cur.metadata.uid }, data: { a: 'b' } });
});

test('dry run (dryRun=All): create, update, patch and delete are checked and answered, nothing is stored or allocated', () => {
  const { registry, store } = setup();
  const events: string[] = [];
  const stop = store.watch('services', undefined, (ev) => events.push(`${ev.type} ${ev.name}`));
  const rv = store.currentRv;
  const svc = (name: string, spec: object): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { type: 'NodePort', ports: [{ port: 80 }], ...spec } } as KubeObject);
  const dry = registry.create(info('services'), 'default', svc('dry', { clusterIP: '10.96.7.7', ports: [{ port: 80, nodePort: 30777 }] }), { dryRun: true }).object as Service;
  // what would be stored: defaulted, allocated, with a uid, without a resourceVersion
  assert.deepEqual([dry.spec.clusterIP, dry.spec.ports![0]!.nodePort, dry.spec.sessionAffinity, !!dry.metadata.uid, dry.metadata.resourceVersion], ['10.96.7.7', 30777, 'None', true, undefined]);
  assert.throws(() => registry.get(info('services'), 'default', 'dry'), (e) => isApiError(e, 'NotFound'));
  assert.equal(registry.allocators.ips.isAllocated('10.96.7.7'), false);
  assert.equal(registry.allocators.nodePorts.isAllocated(30777), false);
  // errors are the real ones
  assert.throws(() => registry.create(info('services'), 'default', svc('bad', { ports: [{ port: 70000 }] }), { dryRun: true }), (e) => isApiError(e, 'Invalid'));
  // update and patch of a real object: answered as they would be, the stored one unchanged
  registry.create(info('services'), 'default', svc('real', {}));
  const before = registry.get(info('services'), 'default', 'real');
  const patched = registry.patch(info('services'), 'default', 'real', { metadata: { labels: { tier: 'web' } } }, undefined, 'merge', { dryRun: true }).object;
  assert.deepEqual(patched.metadata.labels, { tier: 'web' });
  assert.equal(registry.get(info('services'), 'default', 'real').json, before.json);
  assert.equal(registry.delete(info('services'), 'default', 'real', {}, { dryRun: true }).removed, true);
  assert.equal(registry.get(info('services'), 'default', 'real').json, before.json);
  stop();
  assert.deepEqual(events, ['ADDED real']);
  assert.equal(store.currentRv, rv + 1);
});

test('namespaces stored before spec.finalizers get the controller\'s entry at start; a Terminating phase without a deletion timestamp is marked', () => {
  const { registry, store } = setup();
  // as an older podnet stored it: no spec.finalizers
  store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'old' }, spec: {}, status: { phase: 'Active' } } as KubeObject);
  registry.create(info('configmaps'), 'old', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
  registry.bootstrap(BUILTIN_NAMESPACES);
  assert.deepEqual((registry.get(info('namespaces'), undefined, 'old').object as Namespace).spec?.finalizers, ['kubernetes']);
  registry.delete(info('namespaces'), undefined, 'old');
  // a second delete and a write while Terminating do not remove it before the controller is done
  assert.equal(registry.delete(info('namespaces'), undefined, 'old', { gracePeriodSeconds: 0 }).removed, false);
  registry.patch(info('namespaces'), undefined, 'old', { metadata: { labels: { a: 'b' } } });
  registry.get(info('namespaces'), undefined, 'old');
  // only the phase says Terminating (a status write): a delete marks it properly
  registry.create(info('namespaces'), undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'odd' } });
  registry.update(info('namespaces'), undefined, 'odd', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'odd' }, status: { phase: 'Terminating' } } as KubeObject, 'status');
  const marked = registry.delete(info('namespaces'), undefined, 'odd');
  assert.ok(marked.object.object.metadata.deletionTimestamp);
  registry.update(info('namespaces'), undefined, 'odd', { ...(JSON.parse(marked.object.json) as Namespace), spec: { finalizers: [] } } as KubeObject, 'finalize');
  assert.throws(() => registry.get(info('namespaces'), undefined, 'odd'), (e) => isApiError(e, 'NotFound'));
});

test('a dry-run delete answers what the delete would do: marked (not removed) when finalizers or a grace period hold the object', () => {
  const { registry } = setup();
  registry.create(info('configmaps'), 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/x'] } });
  const dry = registry.delete(info('configmaps'), 'default', 'held', {}, { dryRun: true });
  assert.equal(dry.removed, false);
  assert.ok(dry.object.object.metadata.deletionTimestamp);
  assert.equal(registry.get(info('configmaps'), 'default', 'held').object.metadata.deletionTimestamp, undefined);
  registry.create(info('configmaps'), 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'free' } });
  assert.equal(registry.delete(info('configmaps'), 'default', 'free', {}, { dryRun: true }).removed, true);
  registry.get(info('configmaps'), 'default', 'free');
});

test('a Pod stored by an older build, without today\'s defaults (requests from limits), can still be updated: the stored spec is compared defaulted', () => {
  const { store, registry } = setup();
  const old = { ...pod('legacy', { containers: [limited('c')] }), metadata: { name: 'legacy', namespace: 'default' } };
  const created = registry.create(info('pods'), 'default', pod('probe')).object as Pod;
  // as an older build stored it: no requests, no other defaults beyond what a created pod had then
  store.create('pods', JSON.parse(JSON.stringify({ ...old, spec: { ...created.spec, containers: [limited('c')] } })) as Pod);
  const stored = registry.get(info('pods'), 'default', 'legacy').object as Pod;
  assert.equal(stored.spec.containers[0]!.resources?.requests, undefined);
  // (a fresh body, as one decoded from a request: the stored object is frozen)
  const body = JSON.parse(JSON.stringify(stored)) as Pod;
  const labelled = registry.update(info('pods'), 'default', 'legacy', { ...body, metadata: { ...body.metadata, labels: { a: 'b' } } });
  assert.equal(labelled.object.metadata.labels?.['a'], 'b');
});
