// Objects as the API server would return them, at a fixed clock, for the
// printer tests. NOW is 2024-05-01 12:00:00 UTC; ago() builds timestamps
// relative to it.

import type {
  ConfigMap, Deployment, EndpointSlice, Event, Ingress, IngressClass, Namespace, Node, Pod, Secret, Service, StatefulSet,
} from '../../../src/api/types.js';

export const NOW = Date.parse('2024-05-01T12:00:00Z');

/** RFC 3339 timestamp `seconds` before NOW. */
export function ago(seconds: number): string {
  return new Date(NOW - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Lines joined with newlines, newline-terminated: expected output reads like the terminal. */
export function lines(...ls: string[]): string {
  return ls.map((l) => `${l}\n`).join('');
}

export function node(name: string, opts: { ready?: boolean; ip?: string; unschedulable?: boolean; labels?: Record<string, string>; age?: number } = {}): Node {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, uid: `uid-${name}`, creationTimestamp: ago(opts.age ?? 3600), labels: opts.labels ?? { 'kubernetes.io/hostname': name } },
    spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'], ...(opts.unschedulable ? { unschedulable: true } : {}) },
    status: {
      addresses: [{ type: 'InternalIP', address: opts.ip ?? '172.18.0.2' }, { type: 'Hostname', address: name }],
      conditions: opts.ready === undefined ? [] : [{
        type: 'Ready', status: opts.ready ? 'True' : 'False', reason: opts.ready ? 'KubeletReady' : 'KubeletNotReady',
        message: opts.ready ? 'kubelet is posting ready status' : 'node agent stopped', lastHeartbeatTime: ago(10), lastTransitionTime: ago(3500),
      }],
      capacity: { cpu: '2', memory: '4Gi', pods: '110' },
      allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
      nodeInfo: { kubeletVersion: 'v1.31.0-podnet', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-18-amd64', containerRuntimeVersion: 'podnet://0.1.0', operatingSystem: 'linux', architecture: 'amd64' },
    },
  };
}

export function namespace(name: string, age: number): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, creationTimestamp: ago(age), labels: { 'kubernetes.io/metadata.name': name } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
}

export function runningPod(name: string, ns = 'default'): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: ns, uid: `uid-${name}`, creationTimestamp: ago(185), labels: { app: 'web' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-web', controller: true }],
    },
    spec: {
      nodeName: 'node-1',
      containers: [{
        name: 'echo', image: 'podnet/echo', ports: [{ containerPort: 8080, protocol: 'TCP' }],
        readinessProbe: { httpGet: { path: '/healthz', port: 8080 } },
        env: [{ name: 'PORT', value: '8080' }, { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
      }],
    },
    status: {
      phase: 'Running', podIP: '10.244.0.2', podIPs: [{ ip: '10.244.0.2' }], hostIP: '172.18.0.2', startTime: ago(185),
      conditions: [
        { type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' },
        { type: 'ContainersReady', status: 'True' }, { type: 'PodScheduled', status: 'True' },
      ],
      containerStatuses: [{
        name: 'echo', ready: true, restartCount: 0, image: 'podnet/echo', imageID: '', containerID: 'podnet://4f2a',
        state: { running: { startedAt: ago(180) } },
      }],
    },
  };
}

export function deployment(name: string): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: ago(600), labels: { app: name }, annotations: { 'deployment.kubernetes.io/revision': '1' } },
    spec: {
      replicas: 3, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'echo', image: 'podnet/echo', ports: [{ containerPort: 8080, protocol: 'TCP' }] }] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    },
    status: {
      replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 1,
      conditions: [
        { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' },
        { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' },
      ],
    },
  };
}

export function statefulSet(name: string): StatefulSet {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: ago(7200) },
    spec: {
      replicas: 2, serviceName: name, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'db', image: 'podnet/echo' }, { name: 'sidecar', image: 'podnet/echo' }] } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    },
    status: { replicas: 2, readyReplicas: 1 },
  };
}

export function service(name: string, spec: Partial<Service['spec']>, status?: Service['status']): Service {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: ago(7200) },
    spec: { type: 'ClusterIP', sessionAffinity: 'None', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', ...spec },
    ...(status ? { status } : {}),
  };
}

export function endpointSlice(name: string, serviceName: string, addresses: { ip: string; ready?: boolean; node?: string; pod?: string }[], ports: { name?: string; port: number }[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name, namespace: 'default', creationTimestamp: ago(7200), labels: { 'kubernetes.io/service-name': serviceName, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
    addressType: 'IPv4',
    endpoints: addresses.map((a) => ({
      addresses: [a.ip], conditions: { ready: a.ready ?? true, serving: a.ready ?? true, terminating: false },
      ...(a.node ? { nodeName: a.node } : {}), ...(a.pod ? { targetRef: { kind: 'Pod', namespace: 'default', name: a.pod } } : {}),
    })),
    ports: ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: 'TCP' })),
  };
}

export function ingress(name: string, spec: Ingress['spec'], lbIP?: string): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: ago(300) },
    spec,
    ...(lbIP ? { status: { loadBalancer: { ingress: [{ ip: lbIP }] } } } : {}),
  };
}

export function ingressClass(name: string, parameters?: IngressClass['spec']['parameters']): IngressClass {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass',
    metadata: { name, creationTimestamp: ago(86400 * 3), annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
    spec: { controller: 'k8s.io/ingress-nginx', ...(parameters ? { parameters } : {}) },
  };
}

export function secret(name: string, data: Record<string, string>): Secret {
  return {
    apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default', creationTimestamp: ago(45) }, type: 'kubernetes.io/tls',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

export function configMap(name: string, data: Record<string, string>): ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', creationTimestamp: ago(90) }, data };
}

export function event(involved: { kind: string; name: string }, type: 'Normal' | 'Warning', reason: string, message: string, firstAgo: number, lastAgo = firstAgo, count = 1, component = 'kubelet'): Event {
  return {
    apiVersion: 'v1', kind: 'Event',
    metadata: { name: `${involved.name}.${reason.toLowerCase()}`, namespace: 'default' },
    involvedObject: { apiVersion: 'v1', kind: involved.kind, name: involved.name, namespace: 'default' },
    type, reason, message, count, firstTimestamp: ago(firstAgo), lastTimestamp: ago(lastAgo), source: { component },
  };
}
