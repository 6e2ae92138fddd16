import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Deployment, Pod, ResourceRequirements } from '../../../src/api/types.js';
import { describe, joinDescriptions } from '../../../src/cli/printers/describe.js';
import * as f from './fixtures.js';
import { ago, lines, NOW } from './fixtures.js';

// describe prints times in the local zone, as kubectl does; pin it.
process.env.TZ = 'UTC';

const backend = (name: string, number: number) => ({ service: { name, port: { number } } });
const WEB_SVC = f.service('web', { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] });
const WEB_SLICE = f.endpointSlice('web-x7k2p', 'web', [{ ip: '10.244.0.2', node: 'node-1', pod: 'web-1' }, { ip: '10.244.1.2', node: 'node-2', pod: 'web-2' }], [{ name: 'http', port: 8080 }]);

function runningPodWithHistory(): Pod {
  const pod = f.runningPod('web-5d8f7c9b4-x2x9k');
  const cs = pod.status!.containerStatuses![0]!;
  cs.restartCount = 2;
  cs.lastState = { terminated: { exitCode: 1, reason: 'Error', startedAt: ago(150), finishedAt: ago(120) } };
  return pod;
}

function pendingTerminatingPod(): Pod {
  const p = f.runningPod('pending');
  delete p.spec.nodeName;
  p.metadata.labels = { app: 'web', 'pod-template-hash': '5d8f7c9b4' };
  p.metadata.annotations = { short: 'v', long: 'x'.repeat(150), 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
  p.metadata.deletionTimestamp = ago(12);
  p.metadata.deletionGracePeriodSeconds = 30;
  const c = p.spec.containers[0]!;
  c.command = ['node', 'server.js'];
  c.args = ['--port', '8080'];
  c.ports!.push({ containerPort: 9090, protocol: 'UDP' });
  c.livenessProbe = { tcpSocket: { port: 8080 }, periodSeconds: 5 };
  c.startupProbe = { exec: { command: ['cat', '/tmp/ready'] } };
  p.status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }], containerStatuses: [{ name: 'echo', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] };
  return p;
}

/** Every volume source podnet fills or binds, envFrom, and each kind of env value source. */
function podWithVolumesAndEnvSources(): Pod {
  const p = f.runningPod('web-0', 'shop');
  p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'uid-web', controller: true }];
  p.status = {
    phase: 'Pending', hostIP: '172.18.0.2', startTime: ago(20), conditions: [{ type: 'PodScheduled', status: 'True' }],
    containerStatuses: [{ name: 'web', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }],
  };
  const c: Container = { name: 'web', image: 'podnet/web:1.2' };
  p.spec.containers = [c];
  c.resources = { limits: { memory: '129M' }, requests: { cpu: '250m', memory: '64Mi' } };
  c.envFrom = [{ configMapRef: { name: 'web-config' } }, { prefix: 'DB_', secretRef: { name: 'db-creds', optional: true } }];
  const field = (fieldPath: string) => ({ fieldRef: { apiVersion: 'v1', fieldPath } });
  c.env = [
    { name: 'POD_NAME', valueFrom: field('metadata.name') },
    { name: 'POD_NAMESPACE', valueFrom: field('metadata.namespace') },
    { name: 'POD_IP', valueFrom: field('status.podIP') },
    { name: 'NODE_NAME', valueFrom: field('spec.nodeName') },
    { name: 'APP', valueFrom: field("metadata.labels['app']") },
    { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
    { name: 'MEMORY_LIMIT_MI', valueFrom: { resourceFieldRef: { containerName: 'web', resource: 'limits.memory', divisor: '1Mi' } } },
    { name: 'CPU_REQUEST', valueFrom: { resourceFieldRef: { resource: 'requests.cpu' } } },
    { name: 'CPU_REQUEST_MILLI', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
    { name: 'EPHEMERAL_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.ephemeral-storage' } } },
    { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db-creds', key: 'password' } } },
  ];
  c.volumeMounts = [{ name: 'config', mountPath: '/etc/web', readOnly: true }, { name: 'data', mountPath: '/data' }];
  p.spec.volumes = [
    { name: 'config', configMap: { name: 'web-config', defaultMode: 420 } },
    { name: 'tls', secret: { secretName: 'web-tls', optional: true, defaultMode: 420 } },
    { name: 'podinfo', downwardAPI: { defaultMode: 420, items: [
      { path: 'labels', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' } },
      { path: 'cpu_limit', resourceFieldRef: { containerName: 'web', resource: 'limits.cpu', divisor: '1m' } },
    ] } },
    { name: 'kube-api-access', projected: { defaultMode: 420, sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      { secret: { name: 'extra', optional: true } },
      { clusterTrustBundle: { signerName: 'example.com/signer', path: 'bundle.pem' } },
    ] } },
    { name: 'logs', hostPath: { path: '/var/log', type: '' } },
    { name: 'docker-sock', hostPath: { path: '/run/docker.sock', type: 'Socket' } },
    { name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } },
    { name: 'shared', persistentVolumeClaim: { claimName: 'shared', readOnly: true } },
    { name: 'scratch', emptyDir: {} },
  ];
  return p;
}

/** From `Pod Template:` up to the next top-level line: the part a workload shares with describe pod. */
function podTemplateSection(text: string): string {
  const all = text.split('\n');
  const start = all.indexOf('Pod Template:');
  const end = all.findIndex((l, i) => i > start && !l.startsWith(' '));
  return lines(...all.slice(start, end));
}

/** A Deployment whose pod template reads env from a ConfigMap, the downward API and its own limits. */
function deploymentWithEnvSources(): Deployment {
  const d = f.deployment('web');
  const spec = d.spec.template.spec;
  const c: Container = { name: 'web', image: 'podnet/web:1.2', resources: { limits: { cpu: '500m' } } };
  spec.containers = [c];
  c.envFrom = [{ prefix: 'APP_', configMapRef: { name: 'web-config', optional: false } }];
  c.env = [
    { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
    { name: 'MEMORY_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
  ];
  spec.volumes = [{ name: 'config', configMap: { name: 'web-config' } }, { name: 'data', persistentVolumeClaim: { claimName: 'web-data' } }];
  return d;
}

const SCENARIOS: [name: string, run: () => string][] = [
  ['pod: node, IPs, controller, container state and last state, probes, env, conditions, events oldest first', () => describe(runningPodWithHistory(), [
    f.event({ kind: 'Pod', name: 'web-5d8f7c9b4-x2x9k' }, 'Warning', 'BackOff', 'Back-off restarting failed container', 150, 120, 3),
    f.event({ kind: 'Pod', name: 'web-5d8f7c9b4-x2x9k' }, 'Normal', 'Scheduled', 'Successfully assigned default/web-5d8f7c9b4-x2x9k to node-1', 185, 185, 1, 'default-scheduler'),
    f.event({ kind: 'Pod', name: 'another-pod' }, 'Normal', 'Scheduled', 'not about this pod', 185),
  ], {}, NOW)],
  ['pod: pending and terminating, multi-line labels, folded annotations, commands and every probe kind', () => describe(pendingTerminatingPod(), [
    f.event({ kind: 'Deployment', name: 'pending' }, 'Normal', 'X', 'any kind with the pod\'s name counts, as describe pod clears the kind', 10),
  ], {}, NOW)],
  ['pod: envFrom, fieldRef and resourceFieldRef env, and each volume source', () => describe(podWithVolumesAndEnvSources(), undefined, {}, NOW)],
  ['deployment: pod template with envFrom, resourceFieldRef env and volumes', () => podTemplateSection(describe(deploymentWithEnvSources(), undefined, {}, NOW))],
  ['service: LoadBalancer with ports, node ports and ready endpoints', () => describe(
    f.service('web', { type: 'LoadBalancer', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], selector: { app: 'web' }, externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' }] }, { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } }),
    [f.event({ kind: 'Service', name: 'web' }, 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer', 60, 60, 1, 'service-controller')],
    { endpointSlices: [WEB_SLICE, f.endpointSlice('web-more1', 'web', [{ ip: '10.244.2.2' }, { ip: '10.244.2.3', ready: false }, { ip: '10.244.2.4' }], [{ name: 'http', port: 8080 }])] }, NOW)],
  ['service: headless with only unready endpoints, and ExternalName', () => describe(
    f.service('db', { clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'db' }, ports: [{ port: 5432, protocol: 'TCP' }] }), [],
    { endpointSlices: [f.endpointSlice('db-1', 'db', [{ ip: '10.244.0.9', ready: false }], [{ port: 5432 }])] }, NOW)
    + describe(f.service('ext', { type: 'ExternalName', externalName: 'api.example.com', ipFamilies: [], ipFamilyPolicy: undefined }), [], {}, NOW)],
  ['endpointslice: ports and endpoints, or <unset>/<none>; no events section when events are not asked for', () =>
    describe(WEB_SLICE, [], {}, NOW) + describe(f.endpointSlice('empty', 'x', [], []), undefined, {}, NOW)],
  ['deployment: replicas line, strategy, pod template, conditions', () => describe(f.deployment('web'),
    [f.event({ kind: 'Deployment', name: 'web' }, 'Normal', 'ScalingReplicaSet', 'Scaled up replica set web-5d8f7c9b4 to 3', 600, 600, 1, 'deployment-controller')], {}, NOW)],
  ['statefulset: pods status counts only its own pods', () => {
    const own = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'uid-db', controller: true }];
    const p0 = f.runningPod('db-0');
    p0.metadata.ownerReferences = own;
    const p1 = f.runningPod('db-1');
    p1.metadata.ownerReferences = own;
    p1.status!.phase = 'Pending';
    return describe(f.statefulSet('db'), [], { pods: [p0, p1, f.runningPod('other')] }, NOW);
  }],
  ['ingress: TLS, rules table with backends and their endpoints, missing service', () => describe(
    f.ingress('shop', { ingressClassName: 'nginx', tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }], rules: [
      { host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web', 80) }, { path: '/api', pathType: 'Prefix', backend: backend('api', 8080) }] } },
      { http: { paths: [{ path: '/healthz', pathType: 'Exact', backend: { service: { name: 'web', port: { name: 'http' } } } }] } }] }, '203.0.113.10'),
    [f.event({ kind: 'Ingress', name: 'shop' }, 'Normal', 'Sync', 'Scheduled for sync', 300, 60, 2, 'nginx-ingress-controller')],
    { services: [WEB_SVC], endpointSlices: [WEB_SLICE] }, NOW)],
  ['ingress: only a default backend', () => describe(f.ingress('catchall', { defaultBackend: backend('web', 80) }), [], { services: [WEB_SVC], endpointSlices: [WEB_SLICE] }, NOW)],
  ['ingressclass: with and without parameters', () => describe(f.ingressClass('nginx'), [], {}, NOW)
    + describe(f.ingressClass('custom', { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' }), undefined, {}, NOW)],
  ['node: conditions, addresses, capacity, system info, non-terminated pods', () => {
    const n = f.node('node-1', { ready: true });
    n.metadata.annotations = { 'podnet.dev/netns': 'pn-podnet-node-1' };
    return describe(n, [f.event({ kind: 'Node', name: 'node-1' }, 'Normal', 'NodeReady', 'Node node-1 status is now: NodeReady', 3500, 3500, 1, 'kubelet')],
      { pods: [f.runningPod('web-1'), { ...f.runningPod('gone'), status: { phase: 'Succeeded' } }] }, NOW);
  }],
  ['namespace, secret and configmap', () => describe(f.namespace('shop', 45), [], {}, NOW)
    + describe(f.secret('shop-tls', { 'tls.crt': 'CERTIFICATE', 'tls.key': 'KEY' }), [], {}, NOW)
    + describe(f.configMap('web-config', { 'app.conf': 'listen 8080\nworkers 2', mode: 'prod' }), [], {}, NOW)],
];

const EXPECTED: Record<string, string> = {
  "pod: node, IPs, controller, container state and last state, probes, env, conditions, events oldest first": lines(
    'Name:         web-5d8f7c9b4-x2x9k',
    'Namespace:    default',
    'Node:         node-1/172.18.0.2',
    'Start Time:   Wed, 01 May 2024 11:56:55 +0000',
    'Labels:       app=web',
    'Annotations:  <none>',
    'Status:       Running',
    'IP:           10.244.0.2',
    'IPs:',
    '  IP:           10.244.0.2',
    'Controlled By:  Deployment/web',
    'Containers:',
    '  echo:',
    '    Container ID:   podnet://4f2a',
    '    Image:          podnet/echo',
    '    Image ID:       ',
    '    Port:           8080/TCP',
    '    Host Port:      0/TCP',
    '    State:          Running',
    '      Started:      Wed, 01 May 2024 11:57:00 +0000',
    '    Last State:     Terminated',
    '      Reason:       Error',
    '      Exit Code:    1',
    '      Started:      Wed, 01 May 2024 11:57:30 +0000',
    '      Finished:     Wed, 01 May 2024 11:58:00 +0000',
    '    Ready:          True',
    '    Restart Count:  2',
    '    Readiness:      http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3',
    '    Environment:',
    '      PORT:    8080',
    // kubectl resolves no fieldRef but metadata.name and metadata.namespace (kubernetes/kubernetes#109482)
    '      POD_IP:   (v1:status.podIP)',
    '    Mounts:    <none>',
    'Conditions:',
    '  Type              Status',
    '  Initialized       True ',
    '  Ready             True ',
    '  ContainersReady   True ',
    '  PodScheduled      True ',
    'Volumes:            <none>',
    'QoS Class:          BestEffort',
    'Node-Selectors:     <none>',
    'Tolerations:        <none>',
    'Events:',
    '  Type     Reason     Age                 From               Message',
    '  ----     ------     ----                ----               -------',
    '  Normal   Scheduled  3m5s                default-scheduler  Successfully assigned default/web-5d8f7c9b4-x2x9k to node-1',
    '  Warning  BackOff    2m (x3 over 2m30s)  kubelet            Back-off restarting failed container',
  ),
  "pod: pending and terminating, multi-line labels, folded annotations, commands and every probe kind": lines(
    'Name:                      pending',
    'Namespace:                 default',
    'Node:                      <none>',
    'Labels:                    app=web',
    '                           pod-template-hash=5d8f7c9b4',
    'Annotations:               long:',
    '                             xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...',
    '                           short: v',
    'Status:                    Terminating (lasts 12s)',
    'Termination Grace Period:  30s',
    'IP:                        ',
    'IPs:                       <none>',
    'Controlled By:             Deployment/web',
    'Containers:',
    '  echo:',
    '    Container ID:  ',
    '    Image:         podnet/echo',
    '    Image ID:      ',
    '    Ports:         8080/TCP, 9090/UDP',
    '    Host Ports:    0/TCP, 0/UDP',
    '    Command:',
    '      node',
    '      server.js',
    '    Args:',
    '      --port',
    '      8080',
    '    State:          Waiting',
    '      Reason:       ContainerCreating',
    '    Ready:          False',
    '    Restart Count:  0',
    '    Liveness:       tcp-socket :8080 delay=0s timeout=1s period=5s #success=1 #failure=3',
    '    Readiness:      http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3',
    '    Startup:        exec [cat /tmp/ready] delay=0s timeout=1s period=10s #success=1 #failure=3',
    '    Environment:',
    '      PORT:    8080',
    '      POD_IP:   (v1:status.podIP)',
    '    Mounts:    <none>',
    'Conditions:',
    '  Type           Status',
    '  PodScheduled   False ',
    'Volumes:         <none>',
    'QoS Class:       BestEffort',
    'Node-Selectors:  <none>',
    'Tolerations:     <none>',
    'Events:',
    '  Type    Reason  Age   From     Message',
    '  ----    ------  ----  ----     -------',
    '  Normal  X       10s   kubelet  any kind with the pod\'s name counts, as describe pod clears the kind',
  ),
  // Checked against kubectl 1.32 describing the same objects; the projected volume's
  // Optional lines are 1.33's (kubernetes/kubernetes#129457), which 1.32 printed as pointers.
  "pod: envFrom, fieldRef and resourceFieldRef env, and each volume source": lines(
    'Name:           web-0',
    'Namespace:      shop',
    'Node:           node-1/172.18.0.2',
    'Start Time:     Wed, 01 May 2024 11:59:40 +0000',
    'Labels:         app=web',
    'Annotations:    <none>',
    'Status:         Pending',
    'IP:             ',
    'IPs:            <none>',
    'Controlled By:  StatefulSet/web',
    'Containers:',
    '  web:',
    '    Container ID:   ',
    '    Image:          podnet/web:1.2',
    '    Image ID:       ',
    '    Port:           <none>',
    '    Host Port:      <none>',
    '    State:          Waiting',
    '      Reason:       ContainerCreating',
    '    Ready:          False',
    '    Restart Count:  0',
    '    Limits:',
    '      memory:  129M',
    '    Requests:',
    '      cpu:     250m',
    '      memory:  64Mi',
    '    Environment Variables from:',
    '      web-config  ConfigMap                 Optional: false',
    '      db-creds    Secret with prefix \'DB_\'  Optional: true',
    '    Environment:',
    '      POD_NAME:           web-0 (v1:metadata.name)',
    '      POD_NAMESPACE:      shop (v1:metadata.namespace)',
    '      POD_IP:              (v1:status.podIP)',
    '      NODE_NAME:           (v1:spec.nodeName)',
    '      APP:                 (v1:metadata.labels[\'app\'])',
    '      CPU_LIMIT:          node allocatable (limits.cpu)',
    '      MEMORY_LIMIT_MI:    124 (limits.memory)',
    '      CPU_REQUEST:        1 (requests.cpu)',
    '      CPU_REQUEST_MILLI:  250 (requests.cpu)',
    '      EPHEMERAL_LIMIT:    0 (limits.ephemeral-storage)',
    '      PASSWORD:           <set to the key \'password\' in secret \'db-creds\'>  Optional: false',
    '    Mounts:',
    '      /data from data (rw)',
    '      /etc/web from config (ro)',
    'Conditions:',
    '  Type           Status',
    '  PodScheduled   True ',
    'Volumes:',
    '  config:',
    '    Type:      ConfigMap (a volume populated by a ConfigMap)',
    '    Name:      web-config',
    '    Optional:  false',
    '  tls:',
    '    Type:        Secret (a volume populated by a Secret)',
    '    SecretName:  web-tls',
    '    Optional:    true',
    '  podinfo:',
    '    Type:  DownwardAPI (a volume populated by information about the pod)',
    '    Items:',
    '      metadata.labels -> labels',
    '      limits.cpu -> cpu_limit',
    '  kube-api-access:',
    '    Type:                    Projected (a volume that contains injected data from multiple sources)',
    '    TokenExpirationSeconds:  3607',
    '    ConfigMapName:           kube-root-ca.crt',
    '    Optional:                false',
    '    DownwardAPI:             true',
    '    SecretName:              extra',
    '    Optional:                true',
    '  logs:',
    '    Type:          HostPath (bare host directory volume)',
    '    Path:          /var/log',
    '    HostPathType:  ',
    '  docker-sock:',
    '    Type:          HostPath (bare host directory volume)',
    '    Path:          /run/docker.sock',
    '    HostPathType:  Socket',
    '  data:',
    '    Type:       PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)',
    '    ClaimName:  data-web-0',
    '    ReadOnly:   false',
    '  shared:',
    '    Type:       PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)',
    '    ClaimName:  shared',
    '    ReadOnly:   true',
    '  scratch:',
    '    Type:        EmptyDir (a temporary directory that shares a pod\'s lifetime)',
    '    Medium:      ',
    '    SizeLimit:   <unset>',
    'QoS Class:       Burstable',
    'Node-Selectors:  <none>',
    'Tolerations:     <none>',
  ),
  "deployment: pod template with envFrom, resourceFieldRef env and volumes": lines(
    'Pod Template:',
    '  Labels:  app=web',
    '  Containers:',
    '   web:',
    '    Image:      podnet/web:1.2',
    '    Port:       <none>',
    '    Host Port:  <none>',
    '    Limits:',
    '      cpu:  500m',
    '    Environment Variables from:',
    '      web-config  ConfigMap with prefix \'APP_\'  Optional: false',
    '    Environment:',
    '      POD_NAME:       (v1:metadata.name)',
    '      CPU_LIMIT:     1 (limits.cpu)',
    '      MEMORY_LIMIT:  node allocatable (limits.memory)',
    '    Mounts:          <none>',
    '  Volumes:',
    '   config:',
    '    Type:      ConfigMap (a volume populated by a ConfigMap)',
    '    Name:      web-config',
    '    Optional:  false',
    '   data:',
    '    Type:          PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)',
    '    ClaimName:     web-data',
    '    ReadOnly:      false',
    '  Node-Selectors:  <none>',
    '  Tolerations:     <none>',
  ),
  "service: LoadBalancer with ports, node ports and ready endpoints": lines(
    'Name:                     web',
    'Namespace:                default',
    'Labels:                   <none>',
    'Annotations:              <none>',
    'Selector:                 app=web',
    'Type:                     LoadBalancer',
    'IP Family Policy:         SingleStack',
    'IP Families:              IPv4',
    'IP:                       10.96.0.20',
    'IPs:                      10.96.0.20',
    'LoadBalancer Ingress:     203.0.113.10',
    'Port:                     http  80/TCP',
    'TargetPort:               8080/TCP',
    'NodePort:                 http  30080/TCP',
    'Endpoints:                10.244.0.2:8080,10.244.1.2:8080,10.244.2.2:8080 + 1 more...',
    'Session Affinity:         None',
    'External Traffic Policy:  Cluster',
    'Internal Traffic Policy:  Cluster',
    'Events:',
    '  Type    Reason               Age   From                Message',
    '  ----    ------               ----  ----                -------',
    '  Normal  EnsuredLoadBalancer  60s   service-controller  Ensured load balancer',
  ),
  "service: headless with only unready endpoints, and ExternalName": lines(
    'Name:              db',
    'Namespace:         default',
    'Labels:            <none>',
    'Annotations:       <none>',
    'Selector:          app=db',
    'Type:              ClusterIP',
    'IP Family Policy:  SingleStack',
    'IP Families:       IPv4',
    'IP:                None',
    'IPs:               None',
    'Port:              <unset>  5432/TCP',
    'TargetPort:        5432/TCP',
    'Endpoints:         ',
    'Session Affinity:  None',
    'Events:            <none>',
    'Name:              ext',
    'Namespace:         default',
    'Labels:            <none>',
    'Annotations:       <none>',
    'Selector:          <none>',
    'Type:              ExternalName',
    'IP Families:       <none>',
    'IP:                ',
    'IPs:               <none>',
    'External Name:     api.example.com',
    'Session Affinity:  None',
    'Events:            <none>',
  ),
  "endpointslice: ports and endpoints, or <unset>/<none>; no events section when events are not asked for": lines(
    'Name:         web-x7k2p',
    'Namespace:    default',
    'Labels:       endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io',
    '              kubernetes.io/service-name=web',
    'Annotations:  <none>',
    'AddressType:  IPv4',
    'Ports:',
    '  Name  Port  Protocol',
    '  ----  ----  --------',
    '  http  8080  TCP',
    'Endpoints:',
    '  - Addresses:  10.244.0.2',
    '    Conditions:',
    '      Ready:    true',
    '    Hostname:   <unset>',
    '    TargetRef:  Pod/web-1',
    '    NodeName:   node-1',
    '    Zone:       <unset>',
    '  - Addresses:  10.244.1.2',
    '    Conditions:',
    '      Ready:    true',
    '    Hostname:   <unset>',
    '    TargetRef:  Pod/web-2',
    '    NodeName:   node-2',
    '    Zone:       <unset>',
    'Events:         <none>',
    'Name:         empty',
    'Namespace:    default',
    'Labels:       endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io',
    '              kubernetes.io/service-name=x',
    'Annotations:  <none>',
    'AddressType:  IPv4',
    'Ports: <unset>',
    'Endpoints: <none>',
  ),
  "deployment: replicas line, strategy, pod template, conditions": lines(
    'Name:                   web',
    'Namespace:              default',
    'CreationTimestamp:      Wed, 01 May 2024 11:50:00 +0000',
    'Labels:                 app=web',
    'Annotations:            deployment.kubernetes.io/revision: 1',
    'Selector:               app=web',
    'Replicas:               3 desired | 3 updated | 3 total | 2 available | 1 unavailable',
    'StrategyType:           RollingUpdate',
    'MinReadySeconds:        0',
    'RollingUpdateStrategy:  25% max unavailable, 25% max surge',
    'Pod Template:',
    '  Labels:  app=web',
    '  Containers:',
    '   echo:',
    '    Image:         podnet/echo',
    '    Port:          8080/TCP',
    '    Host Port:     0/TCP',
    '    Environment:   <none>',
    '    Mounts:        <none>',
    '  Volumes:         <none>',
    '  Node-Selectors:  <none>',
    '  Tolerations:     <none>',
    'Conditions:',
    '  Type          Status  Reason',
    '  ----          ------  ------',
    '  Available     False   MinimumReplicasUnavailable',
    '  Progressing   True    ReplicaSetUpdated',
    'Events:',
    '  Type    Reason             Age   From                   Message',
    '  ----    ------             ----  ----                   -------',
    '  Normal  ScalingReplicaSet  10m   deployment-controller  Scaled up replica set web-5d8f7c9b4 to 3',
  ),
  "statefulset: pods status counts only its own pods": lines(
    'Name:               db',
    'Namespace:          default',
    'CreationTimestamp:  Wed, 01 May 2024 10:00:00 +0000',
    'Selector:           app=db',
    'Labels:             <none>',
    'Annotations:        <none>',
    'Replicas:           2 desired | 2 total',
    'Update Strategy:    RollingUpdate',
    '  Partition:        0',
    'Pods Status:        1 Running / 1 Waiting / 0 Succeeded / 0 Failed',
    'Pod Template:',
    '  Labels:  app=db',
    '  Containers:',
    '   db:',
    '    Image:        podnet/echo',
    '    Port:         <none>',
    '    Host Port:    <none>',
    '    Environment:  <none>',
    '    Mounts:       <none>',
    '   sidecar:',
    '    Image:         podnet/echo',
    '    Port:          <none>',
    '    Host Port:     <none>',
    '    Environment:   <none>',
    '    Mounts:        <none>',
    '  Volumes:         <none>',
    '  Node-Selectors:  <none>',
    '  Tolerations:     <none>',
    'Volume Claims:     <none>',
    'Events:            <none>',
  ),
  "ingress: TLS, rules table with backends and their endpoints, missing service": lines(
    'Name:             shop',
    'Labels:           <none>',
    'Namespace:        default',
    'Address:          203.0.113.10',
    'Ingress Class:    nginx',
    'Default backend:  <default>',
    'TLS:',
    '  shop-tls terminates shop.example.com',
    'Rules:',
    '  Host              Path  Backends',
    '  ----              ----  --------',
    '  shop.example.com  ',
    '                    /      web:80 (10.244.0.2:8080,10.244.1.2:8080)',
    '                    /api   api:8080 (<error: services "api" not found>)',
    '  *                 ',
    '                    /healthz   web:http (10.244.0.2:8080,10.244.1.2:8080)',
    'Annotations:        <none>',
    'Events:',
    '  Type    Reason  Age               From                      Message',
    '  ----    ------  ----              ----                      -------',
    '  Normal  Sync    60s (x2 over 5m)  nginx-ingress-controller  Scheduled for sync',
  ),
  "ingress: only a default backend": lines(
    'Name:             catchall',
    'Labels:           <none>',
    'Namespace:        default',
    'Address:          ',
    'Ingress Class:    <none>',
    'Default backend:  web:80 (10.244.0.2:8080,10.244.1.2:8080)',
    'Rules:',
    '  Host        Path  Backends',
    '  ----        ----  --------',
    '  *           *     web:80 (10.244.0.2:8080,10.244.1.2:8080)',
    'Annotations:  <none>',
    'Events:       <none>',
  ),
  "ingressclass: with and without parameters": lines(
    'Name:         nginx',
    'Labels:       <none>',
    'Annotations:  ingressclass.kubernetes.io/is-default-class: true',
    'Controller:   k8s.io/ingress-nginx',
    'Events:       <none>',
    'Name:         custom',
    'Labels:       <none>',
    'Annotations:  ingressclass.kubernetes.io/is-default-class: true',
    'Controller:   k8s.io/ingress-nginx',
    'Parameters:',
    '  APIGroup:  k8s.example.com',
    '  Kind:      IngressParameters',
    '  Name:      external-lb',
  ),
  "node: conditions, addresses, capacity, system info, non-terminated pods": lines(
    'Name:               node-1',
    'Roles:              <none>',
    'Labels:             kubernetes.io/hostname=node-1',
    'Annotations:        podnet.dev/netns: pn-podnet-node-1',
    'CreationTimestamp:  Wed, 01 May 2024 11:00:00 +0000',
    'Taints:             <none>',
    'Unschedulable:      false',
    'Conditions:',
    '  Type    Status  LastHeartbeatTime                 LastTransitionTime                Reason         Message',
    '  ----    ------  -----------------                 ------------------                ------         -------',
    '  Ready   True    Wed, 01 May 2024 11:59:50 +0000   Wed, 01 May 2024 11:01:40 +0000   KubeletReady   kubelet is posting ready status',
    'Addresses:',
    '  InternalIP:  172.18.0.2',
    '  Hostname:    node-1',
    'Capacity:',
    '  cpu:     2',
    '  memory:  4Gi',
    '  pods:    110',
    'Allocatable:',
    '  cpu:     2',
    '  memory:  4Gi',
    '  pods:    110',
    'System Info:',
    '  Machine ID:                 ',
    '  System UUID:                ',
    '  Boot ID:                    ',
    '  Kernel Version:             6.1.0-18-amd64',
    '  OS Image:                   Debian GNU/Linux 12 (bookworm)',
    '  Operating System:           linux',
    '  Architecture:               amd64',
    '  Container Runtime Version:  podnet://0.1.0',
    '  Kubelet Version:            v1.31.0-podnet',
    '  Kube-Proxy Version:         ',
    'PodCIDR:                      10.244.0.0/24',
    'PodCIDRs:                     10.244.0.0/24',
    'Non-terminated Pods:          (1 in total)',
    '  Namespace                   Name     CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age',
    '  ---------                   ----     ------------  ----------  ---------------  -------------  ---',
    '  default                     web-1    0 (0%)        0 (0%)      0 (0%)           0 (0%)         3m5s',
    'Allocated resources:',
    '  (Total limits may be over 100 percent, i.e., overcommitted.)',
    '  Resource           Requests  Limits',
    '  --------           --------  ------',
    '  cpu                0 (0%)    0 (0%)',
    '  memory             0 (0%)    0 (0%)',
    '  ephemeral-storage  0 (0%)    0 (0%)',
    'Events:',
    '  Type    Reason     Age   From     Message',
    '  ----    ------     ----  ----     -------',
    '  Normal  NodeReady  58m   kubelet  Node node-1 status is now: NodeReady',
  ),
  "namespace, secret and configmap": lines(
    'Name:         shop',
    'Labels:       kubernetes.io/metadata.name=shop',
    'Annotations:  <none>',
    'Status:       Active',
    '',
    'No resource quota.',
    '',
    'No LimitRange resource.',
    'Name:         shop-tls',
    'Namespace:    default',
    'Labels:       <none>',
    'Annotations:  <none>',
    '',
    'Type:  kubernetes.io/tls',
    '',
    'Data',
    '====',
    'tls.crt:  11 bytes',
    'tls.key:  3 bytes',
    'Name:         web-config',
    'Namespace:    default',
    'Labels:       <none>',
    'Annotations:  <none>',
    '',
    'Data',
    '====',
    'app.conf:',
    '----',
    'listen 8080',
    'workers 2',
    '',
    'mode:',
    '----',
    'prod',
    '',
    '',
    'BinaryData',
    '====',
    '',
    'Events:  <none>',
  ),
};

for (const [name, run] of SCENARIOS) {
  test(`describe ${name}`, () => assert.equal(run(), EXPECTED[name]));
}

test('several objects are separated as kubectl describe separates them', () => {
  assert.equal(joinDescriptions(['Name:  a\n', 'Name:  b\n']), 'Name:  a\n\n\nName:  b\n');
});

test('resourceFieldRef env values are worked out as kubectl does: the container\'s own spec, rounded up, a 0 cpu or memory limit is node allocatable', () => {
  const rows: [resources: ResourceRequirements, resource: string, divisor: string | undefined, shown: string][] = [
    [{ limits: { cpu: '0' } }, 'limits.cpu', undefined, 'node allocatable'],
    [{ limits: { cpu: '1500m' } }, 'limits.cpu', undefined, '2'],
    [{ limits: { cpu: '1500m' } }, 'limits.cpu', '1m', '1500'],
    [{ limits: { memory: '1Gi' } }, 'limits.memory', '0', '1073741824'],
    // the kubelet would take the request from the limit; describe does not
    [{ limits: { memory: '1Gi' } }, 'requests.memory', '1Mi', '0'],
    [{}, 'limits.ephemeral-storage', undefined, '0'],
    [{ requests: { 'hugepages-2Mi': '6Mi' } }, 'requests.hugepages-2Mi', '4Mi', '2'],
    [{ limits: { cpu: '1' } }, 'limits.example.com/gpu', undefined, ''],
  ];
  for (const [resources, resource, divisor, shown] of rows) {
    const d = f.deployment('web');
    const c = d.spec.template.spec.containers[0]!;
    c.resources = resources;
    c.env = [{ name: 'V', valueFrom: { resourceFieldRef: { resource, ...(divisor === undefined ? {} : { divisor }) } } }];
    const line = describe(d, undefined, {}, NOW).split('\n').find((l) => l.startsWith('      V:'));
    // the value follows the tabwriter's padding, at least two spaces
    const expected = `  ${shown} (${resource})`;
    assert.equal(line?.slice(-expected.length), expected, `${resource} of ${JSON.stringify(resources)}`);
  }
});

test('describe pod prints the stored QoS class; without one it works it out, init containers included', () => {
  const qosLine = (p: Pod) => describe(p, undefined, {}, NOW).split('\n').find((l) => l.startsWith('QoS Class:'))?.replace(/\s+/g, ' ');
  const stored = f.runningPod('web-1');
  assert.equal(qosLine(stored), 'QoS Class: BestEffort');
  stored.status = { ...stored.status, qosClass: 'Guaranteed' } as Pod['status'];
  assert.equal(qosLine(stored), 'QoS Class: Guaranteed');
  const computed = f.runningPod('web-2');
  computed.spec.initContainers = [{ name: 'init', image: 'busybox', resources: { requests: { memory: '64Mi' } } }];
  assert.equal(qosLine(computed), 'QoS Class: Burstable');
});
