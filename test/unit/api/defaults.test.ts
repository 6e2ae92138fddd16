// Defaulting, as rows of manifest → the defaulted object (or the fields that matter).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyDefaults, applyStatusDefaults } from '../../../src/api/defaults.js';
import type { KubeObject } from '../../../src/api/types.js';
import { container, deployment, pod, service, statefulSet, template, type Json } from './fixtures.js';

const d = (o: Json): Json => applyDefaults(structuredClone(o) as KubeObject) as Json;

test('defaults: Service ClusterIP', () => {
  assert.deepEqual(d(service()).spec, {
    selector: { app: 'web' },
    ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    type: 'ClusterIP',
    sessionAffinity: 'None',
    internalTrafficPolicy: 'Cluster',
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
  });
});

test('defaults: Service LoadBalancer', () => {
  const s = d(service({ type: 'LoadBalancer', ports: [{ port: 443, targetPort: 'https', protocol: 'TCP' }] })).spec;
  assert.equal(s.externalTrafficPolicy, 'Cluster');
  assert.equal(s.allocateLoadBalancerNodePorts, true);
  assert.equal(s.internalTrafficPolicy, 'Cluster');
  assert.equal(s.ports[0].targetPort, 'https');
});

test('defaults: Service NodePort gets externalTrafficPolicy, ClusterIP does not', () => {
  assert.equal(d(service({ type: 'NodePort' })).spec.externalTrafficPolicy, 'Cluster');
  assert.equal(d(service()).spec.externalTrafficPolicy, undefined);
});

test('defaults: Service ClientIP affinity timeout', () => {
  assert.deepEqual(d(service({ sessionAffinity: 'ClientIP' })).spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  assert.deepEqual(d(service({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } })).spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 60 } });
  assert.equal(d(service({ sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } })).spec.sessionAffinityConfig, undefined);
});

test('defaults: Service clusterIPs mirror clusterIP both ways', () => {
  assert.deepEqual(d(service({ clusterIP: 'None' })).spec.clusterIPs, ['None']);
  assert.equal(d(service({ clusterIPs: ['10.96.0.20'] })).spec.clusterIP, '10.96.0.20');
});

test('defaults: Service ExternalName gets no IP families or traffic policies', () => {
  const s = d(service({ type: 'ExternalName', externalName: 'a.example.com', ports: [] })).spec;
  assert.equal(s.ipFamilies, undefined);
  assert.equal(s.ipFamilyPolicy, undefined);
  assert.equal(s.internalTrafficPolicy, undefined);
});

test('defaults: Pod spec, containers and probes', () => {
  const p = d(pod({
    containers: [{
      name: 'app', image: 'podnet/echo:1.0', ports: [{ containerPort: 8080 }],
      readinessProbe: { httpGet: { port: 8080 } }, livenessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 5 },
      env: [{ name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
    }],
  }));
  assert.deepEqual(p.spec, {
    containers: [{
      name: 'app', image: 'podnet/echo:1.0', ports: [{ containerPort: 8080, protocol: 'TCP' }],
      readinessProbe: { httpGet: { port: 8080, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
      livenessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
      env: [{ name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP', apiVersion: 'v1' } } }],
      imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File',
    }],
    dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', terminationGracePeriodSeconds: 30,
    schedulerName: 'default-scheduler', enableServiceLinks: true, securityContext: {},
  });
});

test('defaults: imagePullPolicy follows the tag like upstream', () => {
  const policy = (image: string) => d(pod({ containers: [{ name: 'a', image }] })).spec.containers[0].imagePullPolicy;
  assert.equal(policy('podnet/echo'), 'Always');
  assert.equal(policy('podnet/echo:latest'), 'Always');
  assert.equal(policy('registry.k8s.io/e2e-test-images/agnhost:2.45'), 'IfNotPresent');
  assert.equal(policy('localhost:5000/echo'), 'Always');
});

test('defaults: hostNetwork pods publish container ports as host ports', () => {
  assert.equal(d(pod({ hostNetwork: true, containers: [{ name: 'a', image: 'x:1', ports: [{ containerPort: 53 }] }] })).spec.containers[0].ports[0].hostPort, 53);
});

test('defaults: Deployment', () => {
  const s = d(deployment()).spec;
  assert.equal(s.replicas, 1);
  assert.deepEqual(s.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(s.revisionHistoryLimit, 10);
  assert.equal(s.progressDeadlineSeconds, 600);
  assert.equal(s.template.spec.restartPolicy, 'Always');
  assert.equal(s.template.spec.containers[0].terminationMessagePolicy, 'File');
  assert.deepEqual(d(deployment({ strategy: { type: 'Recreate' }, replicas: 0 })).spec.strategy, { type: 'Recreate' });
  assert.equal(d(deployment({ replicas: 0 })).spec.replicas, 0);
});

test('defaults: StatefulSet', () => {
  const s = d(statefulSet()).spec;
  assert.equal(s.replicas, 1);
  assert.equal(s.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(s.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.equal(s.revisionHistoryLimit, 10);
  assert.equal(s.template.spec.dnsPolicy, 'ClusterFirst');
});

test('defaults: Secret type and stringData', () => {
  const s = d({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: 'MQ==', b: 'Mg==' }, stringData: { b: 'two', c: 'three' } });
  assert.equal(s.type, 'Opaque');
  assert.deepEqual(s.data, { a: 'MQ==', b: Buffer.from('two').toString('base64'), c: Buffer.from('three').toString('base64') });
  assert.equal('stringData' in s, false);
});

test('defaults: Namespace phase and name label', () => {
  const n = d({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
  assert.deepEqual(n.status, { phase: 'Active' });
  assert.deepEqual(n.metadata.labels, { 'kubernetes.io/metadata.name': 'team-a' });
});

test('defaults: EndpointSlice ports and IngressClass parameters', () => {
  const es = d({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'e' }, addressType: 'IPv4', endpoints: [], ports: [{ port: 80 }] });
  assert.deepEqual(es.ports, [{ port: 80, protocol: 'TCP', name: '' }]);
  const ic = d({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'n' }, spec: { controller: 'a.io/b', parameters: { kind: 'K', name: 'n' } } });
  assert.equal(ic.spec.parameters.scope, 'Cluster');
});

test('defaults: unknown kinds and garbage are left alone', () => {
  const weird = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: 'nonsense' };
  assert.deepEqual(d(weird), weird);
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: 'eighty' } };
  assert.equal(d(svc).spec.ports, 'eighty');
});

test('defaults: pod volumes as the v1 defaulters set them (file modes 0644, fieldRef v1, hostPath type, token lifetime; no source is an emptyDir)', () => {
  const p = pod();
  p.spec.volumes = [
    { name: 'bare' },
    { name: 'cfg', configMap: { name: 'c' } },
    { name: 'sec', secret: { secretName: 's', defaultMode: 0o400 } },
    { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
    { name: 'all', projected: { sources: [{ serviceAccountToken: { path: 'token' } }, { downwardAPI: { items: [{ path: 'n', fieldRef: { fieldPath: 'metadata.name' } }] } }] } },
    { name: 'host', hostPath: { path: '/srv' } },
    { name: 'claim', persistentVolumeClaim: { claimName: 'data' } },
  ];
  assert.deepEqual(d(p).spec.volumes, [
    { name: 'bare', emptyDir: {} },
    { name: 'cfg', configMap: { name: 'c', defaultMode: 420 } },
    { name: 'sec', secret: { secretName: 's', defaultMode: 256 } },
    { name: 'info', downwardAPI: { defaultMode: 420, items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels', apiVersion: 'v1' } }] } },
    { name: 'all', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }, { downwardAPI: { items: [{ path: 'n', fieldRef: { fieldPath: 'metadata.name', apiVersion: 'v1' } }] } }] } },
    { name: 'host', hostPath: { path: '/srv', type: '' } },
    { name: 'claim', persistentVolumeClaim: { claimName: 'data' } },
  ]);
});

test('defaults: a Pod\'s containers and init containers request what they limit and do not request (SetDefaults_Pod)', () => {
  const p = d(pod({
    containers: [
      container({ resources: { limits: { cpu: '500m', memory: '128Mi', 'example.com/gpu': 1 } } }),
      container({ name: 'side', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '250m' } } }),
      container({ name: 'none' }),
      container({ name: 'empty', resources: { limits: {} } }),
    ],
    initContainers: [container({ name: 'init', resources: { limits: { memory: '64Mi' } } })],
    ephemeralContainers: [container({ name: 'debug', resources: { limits: { cpu: '1' } } })],
  }));
  const resources = (list: Json[]) => list.map((c: Json) => c.resources);
  assert.deepEqual(resources(p.spec.containers), [
    { limits: { cpu: '500m', memory: '128Mi', 'example.com/gpu': 1 }, requests: { cpu: '500m', memory: '128Mi', 'example.com/gpu': 1 } },
    // a request that is set stays, even below the limit
    { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '250m', memory: '1Gi' } },
    undefined,
    { limits: {} },
  ]);
  assert.deepEqual(resources(p.spec.initContainers), [{ limits: { memory: '64Mi' }, requests: { memory: '64Mi' } }]);
  // ephemeral containers are not among the containers SetDefaults_Pod walks
  assert.deepEqual(resources(p.spec.ephemeralContainers), [{ limits: { cpu: '1' } }]);
});

test('defaults: pod templates keep limits without requests (SetDefaults_Pod is for Pods only)', () => {
  const limited = { containers: [container({ resources: { limits: { cpu: '1', memory: '1Gi' } } })] };
  for (const o of [deployment({ template: template(limited) }), statefulSet({ template: template(limited) })]) {
    assert.deepEqual(d(o).spec.template.spec.containers[0].resources, { limits: { cpu: '1', memory: '1Gi' } }, o.kind);
  }
});

test('defaults: requests that are not an object are left for validation', () => {
  const p = d(pod({ containers: [container({ resources: { limits: { cpu: '1' }, requests: 'lots' } })] }));
  assert.deepEqual(p.spec.containers[0].resources, { limits: { cpu: '1' }, requests: 'lots' });
});

test('defaults: PersistentVolumeClaim volumeMode Filesystem and phase Pending; a set mode stays', () => {
  const claim = (spec: Json) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec });
  assert.deepEqual(d(claim({ accessModes: ['ReadWriteOnce'] })), {
    ...claim({ accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem' }), status: { phase: 'Pending' },
  });
  assert.equal(d(claim({ volumeMode: 'Block' })).spec.volumeMode, 'Block');
  // storageClassName is never defaulted here: absent means "the default class" to admission, "" means none
  assert.equal('storageClassName' in d(claim({})).spec, false);
  assert.equal(d(claim({ storageClassName: '' })).spec.storageClassName, '');
});

test('defaults: PersistentVolume reclaim policy Retain, volumeMode Filesystem, hostPath type "", phase Pending', () => {
  const volume = (spec: Json, status?: Json) => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-1' }, spec, ...(status ? { status } : {}) });
  assert.deepEqual(d(volume({ hostPath: { path: '/srv/a' } })), {
    ...volume({ hostPath: { path: '/srv/a', type: '' }, persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' }), status: { phase: 'Pending' },
  });
  const kept = d(volume({ persistentVolumeReclaimPolicy: 'Delete', volumeMode: 'Block', hostPath: { path: '/dev/sdb', type: 'BlockDevice' } }, { phase: 'Bound' }));
  assert.deepEqual([kept.spec.persistentVolumeReclaimPolicy, kept.spec.volumeMode, kept.spec.hostPath.type, kept.status.phase], ['Delete', 'Block', 'BlockDevice', 'Bound']);
});

test('defaults: StorageClass reclaimPolicy Delete and volumeBindingMode Immediate, only when absent (both are pointers upstream)', () => {
  const cls = (fields: Json) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local' }, provisioner: 'podnet.io/local', ...fields });
  assert.deepEqual(d(cls({})), cls({ reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' }));
  assert.deepEqual(d(cls({ reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' })), cls({ reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' }));
  assert.equal(d(cls({ reclaimPolicy: '' })).reclaimPolicy, '');
});

test('status defaults: a claim or volume status written without a phase is Pending', () => {
  for (const kind of ['PersistentVolumeClaim', 'PersistentVolume']) {
    const written = applyStatusDefaults({ apiVersion: 'v1', kind, metadata: { name: 'x' }, status: {} } as KubeObject) as Json;
    assert.deepEqual(written.status, { phase: 'Pending' }, kind);
  }
});
