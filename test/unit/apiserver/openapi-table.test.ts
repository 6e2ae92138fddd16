// What kubectl reads from podnet's API server before it writes (the OpenAPI v3
// documents) and what it prints (server-side Tables).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '../../../src/api/resources.js';
import type { KubeObject, Pod, Service } from '../../../src/api/types.js';
import { openApiDocument } from '../../../src/apiserver/openapi.js';
import { includeObjectOf, tableVersionOf, toTable } from '../../../src/apiserver/table.js';
import { discoveryDocument } from '../../../src/apiserver/discovery.js';

interface Operation { parameters: { name: string; in: string }[]; requestBody?: { content: Record<string, unknown> }; 'x-kubernetes-action': string; 'x-kubernetes-group-version-kind': { group: string; version: string; kind: string } }
type PathItem = Partial<Record<'get' | 'put' | 'post' | 'patch' | 'delete', Operation>> & { parameters: { name: string }[] };
interface Doc { openapi: string; paths: Record<string, PathItem>; components: { schemas: Record<string, unknown> } }

const doc = (path: string) => JSON.parse(openApiDocument(path)!) as Doc;

describe('OpenAPI v3 documents', () => {
  test('the root names one document per group version podnet serves, at a URL with the hash of its content', () => {
    const root = JSON.parse(openApiDocument('/openapi/v3')!) as { paths: Record<string, { serverRelativeURL: string }> };
    assert.deepEqual(Object.keys(root.paths).sort(), [
      'api/v1', 'apis/apps/v1', 'apis/authorization.k8s.io/v1', 'apis/autoscaling/v2', 'apis/batch/v1', 'apis/discovery.k8s.io/v1',
      'apis/gateway.networking.k8s.io/v1', 'apis/gateway.networking.k8s.io/v1beta1', 'apis/networking.k8s.io/v1', 'apis/policy/v1', 'apis/rbac.authorization.k8s.io/v1', 'apis/storage.k8s.io/v1',
    ]);
    for (const [gv, { serverRelativeURL }] of Object.entries(root.paths)) {
      assert.match(serverRelativeURL, new RegExp(`^/openapi/v3/${gv.replace(/\./g, '\\.')}\\?hash=[0-9A-F]{128}$`));
      assert.ok(openApiDocument(serverRelativeURL.split('?')[0]!), `${serverRelativeURL} is served`);
    }
    assert.equal(openApiDocument('/openapi/v3/apis/batch/v2'), undefined);
    assert.equal(openApiDocument('/openapi/v2'), undefined);
  });

  test('every kind has a PATCH that names its kind and takes fieldValidation and dryRun (kubectl then leaves validation to the server)', () => {
    for (const r of RESOURCES) {
      const gv = r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`;
      const d = doc(`openapi/v3/${gv}`);
      assert.equal(d.openapi, '3.0.0');
      const base = `/${gv}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}`;
      const patch = d.paths[`${base}/{name}`]?.patch;
      assert.ok(patch, `${base}/{name} has a patch`);
      assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: r.group, version: r.version, kind: r.kind });
      assert.deepEqual(patch.parameters.map((p) => p.name).sort(), ['dryRun', 'fieldValidation']);
      // the patch formats the API server takes; not server-side apply (415)
      assert.deepEqual(Object.keys(patch.requestBody!.content).sort(), ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json']);
      assert.equal(d.paths[base]?.post?.['x-kubernetes-action'], 'post');
      assert.equal(d.paths[base]?.get?.['x-kubernetes-action'], 'list');
      // deletecollection where discovery lists it (not for namespaces)
      assert.equal(d.paths[base]?.delete !== undefined, r.kind !== 'Namespace', `${r.kind} deletecollection`);
      assert.equal(d.paths[`${base}/{name}/status`] !== undefined, r.hasStatus, `${r.kind} status path`);
    }
  });

  test('the scale subresource names autoscaling/v1 Scale; no object schemas are published', () => {
    const d = doc('openapi/v3/apis/apps/v1');
    assert.deepEqual(d.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']?.patch?.['x-kubernetes-group-version-kind'], { group: 'autoscaling', version: 'v1', kind: 'Scale' });
    assert.deepEqual(d.components, { schemas: {} });
  });
});

describe('discovery categories', () => {
  test('pods, services, daemonsets, deployments, replicasets and statefulsets are in "all", as upstream lists them', () => {
    const all = [discoveryDocument('/api/v1'), discoveryDocument('/apis/apps/v1')]
      .flatMap((l) => (l as { resources: { name: string; categories?: string[] }[] }).resources)
      .filter((r) => r.categories?.includes('all')).map((r) => r.name);
    assert.deepEqual(all, ['pods', 'services', 'daemonsets', 'deployments', 'replicasets', 'statefulsets']);
  });

  test('the storage kinds: pvc and pv in v1 with their status, sc in storage.k8s.io/v1 (what kubectl get pvc|pv|sc looks up)', () => {
    type List = { resources: { name: string; namespaced: boolean; shortNames?: string[]; verbs: string[] }[] };
    const find = (l: unknown, name: string) => (l as List).resources.find((r) => r.name === name);
    const core = discoveryDocument('/api/v1');
    assert.deepEqual(find(core, 'persistentvolumeclaims')?.shortNames, ['pvc']);
    assert.equal(find(core, 'persistentvolumeclaims')?.namespaced, true);
    assert.deepEqual(find(core, 'persistentvolumes')?.shortNames, ['pv']);
    assert.equal(find(core, 'persistentvolumes')?.namespaced, false);
    assert.ok(find(core, 'persistentvolumeclaims/status') && find(core, 'persistentvolumes/status'));
    const groups = (discoveryDocument('/apis') as { groups: { name: string }[] }).groups.map((g) => g.name);
    assert.ok(groups.includes('storage.k8s.io'));
    const sc = find(discoveryDocument('/apis/storage.k8s.io/v1'), 'storageclasses');
    assert.deepEqual([sc?.shortNames, sc?.namespaced, sc?.verbs.includes('deletecollection')], [['sc'], false, true]);
  });
});

describe('server-side Tables', () => {
  test('the Accept header kubectl get sends asks for a v1 Table; a plain JSON request for none', () => {
    assert.equal(tableVersionOf('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'), 'v1');
    assert.equal(tableVersionOf('application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json'), 'v1beta1');
    assert.equal(tableVersionOf('application/json'), undefined);
    assert.equal(tableVersionOf(''), undefined);
    assert.equal(tableVersionOf('application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io'), undefined);
    assert.equal(tableVersionOf('application/json;as=Table;v=v2;g=meta.k8s.io'), undefined);
  });

  test('includeObject: Metadata unless None or Object', () => {
    assert.equal(includeObjectOf(new URLSearchParams('')), 'Metadata');
    assert.equal(includeObjectOf(new URLSearchParams('includeObject=Object')), 'Object');
    assert.equal(includeObjectOf(new URLSearchParams('includeObject=None')), 'None');
  });

  const svc: Service = {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2026-11-29T00:00:00Z', labels: { app: 'web' } },
    spec: { type: 'ClusterIP', clusterIP: '10.96.0.20', ports: [{ port: 80, protocol: 'TCP' }], selector: { app: 'web' } },
  };
  const services = RESOURCES.find((r) => r.kind === 'Service')!;
  const now = Date.parse('2026-11-29T00:05:00Z');

  test('a Service list: podnet get\'s columns in upstream\'s names, SELECTOR only for -o wide, cells as podnet get prints them', () => {
    const t = JSON.parse(toTable(services, [svc], { version: 'v1', includeObject: 'Metadata', resourceVersion: '42', now })) as {
      kind: string; apiVersion: string; metadata: { resourceVersion?: string };
      columnDefinitions: { name: string; priority: number; format: string }[]; rows: { cells: string[]; object: KubeObject }[];
    };
    assert.equal(t.kind, 'Table');
    assert.equal(t.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(t.metadata, { resourceVersion: '42' });
    assert.deepEqual(t.columnDefinitions.map((c) => [c.name, c.priority]), [['Name', 0], ['Type', 0], ['Cluster-IP', 0], ['External-IP', 0], ['Port(s)', 0], ['Age', 0], ['Selector', 1]]);
    assert.equal(t.columnDefinitions[0]!.format, 'name');
    assert.deepEqual(t.rows[0]!.cells, ['web', 'ClusterIP', '10.96.0.20', '<none>', '80/TCP', '5m', 'app=web']);
    assert.deepEqual(t.rows[0]!.object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: svc.metadata });
  });

  test('includeObject Object carries the object, None nothing; a watch event after the first has rows only', () => {
    const whole = JSON.parse(toTable(services, [svc], { version: 'v1beta1', includeObject: 'Object', now })) as { apiVersion: string; rows: { object?: unknown }[]; metadata: object };
    assert.equal(whole.apiVersion, 'meta.k8s.io/v1beta1');
    assert.deepEqual(whole.rows[0]!.object, svc);
    assert.deepEqual(whole.metadata, {});
    const bare = JSON.parse(toTable(services, [svc], { version: 'v1', includeObject: 'None', withColumns: false, now })) as { rows: { object?: unknown }[]; columnDefinitions?: unknown };
    assert.equal(bare.rows[0]!.object, undefined);
    assert.equal(bare.columnDefinitions, undefined);
  });

  test('irregular column names: Up-to-date, OS-Image, AddressType, Nominated Node; an Event\'s wide columns keep their order', () => {
    const names = (kind: string) => (JSON.parse(toTable(RESOURCES.find((r) => r.kind === kind)!, [], { version: 'v1', includeObject: 'None' })) as { columnDefinitions: { name: string; priority: number }[] }).columnDefinitions;
    assert.deepEqual(names('Deployment').map((c) => c.name), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector']);
    assert.ok(names('Node').some((c) => c.name === 'OS-Image' && c.priority === 1));
    assert.equal(names('EndpointSlice')[1]!.name, 'AddressType');
    assert.deepEqual(names('Pod').filter((c) => c.priority === 1).map((c) => c.name), ['IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    // the storage kinds' run-together names, as printers.go spells them
    assert.deepEqual(names('PersistentVolume').map((c) => `${c.name}:${c.priority}`), [
      'Name:0', 'Capacity:0', 'Access Modes:0', 'Reclaim Policy:0', 'Status:0', 'Claim:0', 'StorageClass:0', 'VolumeAttributesClass:0', 'Reason:0', 'Age:0', 'VolumeMode:1',
    ]);
    assert.deepEqual(names('PersistentVolumeClaim').map((c) => c.name), ['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode']);
    assert.deepEqual(names('StorageClass').map((c) => c.name), ['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age']);
    assert.deepEqual(names('Event').map((c) => `${c.name}:${c.priority}`), ['Last Seen:0', 'Type:0', 'Reason:0', 'Object:0', 'Subobject:1', 'Source:1', 'Message:0', 'First Seen:1', 'Count:1', 'Name:1']);
    // a role has upstream's default Table; a binding's subjects are wide-only, ServiceAccounts run together
    assert.deepEqual(names('Role').map((c) => c.name), ['Name', 'Created At']);
    assert.deepEqual(names('RoleBinding').map((c) => `${c.name}:${c.priority}`), ['Name:0', 'Role:0', 'Age:0', 'Users:1', 'Groups:1', 'ServiceAccounts:1']);
    assert.deepEqual(names('PodDisruptionBudget').map((c) => c.name), ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']);
    assert.deepEqual(names('HorizontalPodAutoscaler').map((c) => c.name), ['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
  });

  test('a Pod row is the row podnet get prints', () => {
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', creationTimestamp: '2026-11-29T00:04:00Z' }, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Pending' } };
    const t = JSON.parse(toTable(RESOURCES.find((r) => r.kind === 'Pod')!, [pod], { version: 'v1', includeObject: 'None', now })) as { rows: { cells: string[] }[] };
    assert.deepEqual(t.rows[0]!.cells.slice(0, 5), ['p', '0/1', 'Pending', '0', '60s']);
  });
});
