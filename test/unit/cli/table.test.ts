import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ingress, PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from '../../../src/api/types.js';
import { joinTables, noResourcesMessage, printTable } from '../../../src/cli/printers/table.js';
import * as f from './fixtures.js';
import { ago, lines, NOW } from './fixtures.js';

test('nodes: STATUS from the Ready condition, ROLES from node-role labels, VERSION from the kubelet', () => {
  const n1 = f.node('node-1', { ready: true });
  const n2 = f.node('node-2', { ready: false, unschedulable: true, ip: '172.18.0.3', age: 86400 * 2 + 3600 * 5 });
  const n3 = f.node('node-3', { labels: { 'node-role.kubernetes.io/control-plane': '' }, age: 600 });
  delete n3.status!.nodeInfo!['kubeletVersion'];
  assert.equal(printTable('Node', [n1, n2, n3], { now: NOW }), lines(
    'NAME     STATUS                        ROLES           AGE    VERSION',
    'node-1   Ready                         <none>          60m    v1.31.0-podnet',
    'node-2   NotReady,SchedulingDisabled   <none>          2d5h   v1.31.0-podnet',
    'node-3   Unknown                       control-plane   10m    v1.31.0-podnet',
  ));
  // -A adds no NAMESPACE column to a cluster-scoped kind
  assert.equal(printTable('Node', [n1, n2], { now: NOW, wide: true, allNamespaces: true }), lines(
    'NAME     STATUS                        ROLES    AGE    VERSION          INTERNAL-IP   EXTERNAL-IP   OS-IMAGE                         KERNEL-VERSION   CONTAINER-RUNTIME',
    'node-1   Ready                         <none>   60m    v1.31.0-podnet   172.18.0.2    <none>        Debian GNU/Linux 12 (bookworm)   6.1.0-18-amd64   podnet://0.1.0',
    'node-2   NotReady,SchedulingDisabled   <none>   2d5h   v1.31.0-podnet   172.18.0.3    <none>        Debian GNU/Linux 12 (bookworm)   6.1.0-18-amd64   podnet://0.1.0',
  ));
});

test('namespaces', () => {
  assert.equal(printTable('Namespace', [f.namespace('default', 86400 * 5), f.namespace('kube-system', 86400 * 5), f.namespace('shop', 45)], { now: NOW }), lines(
    'NAME          STATUS   AGE',
    'default       Active   5d',
    'kube-system   Active   5d',
    'shop          Active   45s',
  ));
});

test('-L label columns and --show-labels come last, as kubectl decorateTable adds them', () => {
  const n1 = f.node('node-1', { ready: true, labels: { 'topology.kubernetes.io/zone': 'a', 'kubernetes.io/hostname': 'node-1' } });
  const n2 = f.node('node-2', { ready: true });
  assert.equal(printTable('Node', [n1, n2], { now: NOW, labelColumns: ['topology.kubernetes.io/zone'], showLabels: true }), lines(
    'NAME     STATUS   ROLES    AGE   VERSION          ZONE   LABELS',
    'node-1   Ready    <none>   60m   v1.31.0-podnet   a      kubernetes.io/hostname=node-1,topology.kubernetes.io/zone=a',
    'node-2   Ready    <none>   60m   v1.31.0-podnet          kubernetes.io/hostname=node-2',
  ));
});

function podsInEveryState(): Pod[] {
  const running = f.runningPod('web-5d8f7c9b4-x2x9k');
  const restarted = f.runningPod('web-5d8f7c9b4-q7p2m');
  restarted.status!.containerStatuses![0]!.restartCount = 3;
  restarted.status!.containerStatuses![0]!.lastState = { terminated: { exitCode: 1, reason: 'Error', startedAt: ago(100), finishedAt: ago(75) } };
  const creating = f.runningPod('web-5d8f7c9b4-zzz11');
  creating.status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }], containerStatuses: [{ name: 'echo', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] };
  const crash = f.runningPod('crashy');
  crash.status!.containerStatuses![0] = { name: 'echo', ready: false, restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 2m40s' } }, lastState: { terminated: { exitCode: 2, reason: 'Error', finishedAt: ago(20) } } };
  const pull = f.runningPod('nginx');
  pull.status = { phase: 'Pending', containerStatuses: [{ name: 'echo', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull' } } }] };
  const done = f.runningPod('job-1');
  done.status = { phase: 'Succeeded', containerStatuses: [{ name: 'echo', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] };
  const failed = f.runningPod('job-2');
  failed.status = { phase: 'Failed', containerStatuses: [{ name: 'echo', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } }] };
  const terminating = f.runningPod('web-5d8f7c9b4-old01');
  terminating.metadata.deletionTimestamp = ago(5);
  const pending = f.runningPod('unscheduled');
  delete pending.spec.nodeName;
  delete pending.metadata.creationTimestamp;
  pending.status = { phase: 'Pending' };
  return [running, restarted, creating, crash, pull, done, failed, terminating, pending];
}

test('pods: STATUS as kubectl computes it, RESTARTS with the last restart age', () => {
  assert.equal(printTable('Pod', podsInEveryState(), { now: NOW }), lines(
    'NAME                  READY   STATUS              RESTARTS      AGE',
    'web-5d8f7c9b4-x2x9k   1/1     Running             0             3m5s',
    'web-5d8f7c9b4-q7p2m   1/1     Running             3 (75s ago)   3m5s',
    'web-5d8f7c9b4-zzz11   0/1     ContainerCreating   0             3m5s',
    'crashy                0/1     CrashLoopBackOff    5 (20s ago)   3m5s',
    'nginx                 0/1     ErrImagePull        0             3m5s',
    'job-1                 0/1     Completed           0             3m5s',
    'job-2                 0/1     Error               0             3m5s',
    'web-5d8f7c9b4-old01   1/1     Terminating         0             3m5s',
    'unscheduled           0/1     Pending             0             <unknown>',
  ));
});

test('pods: wide and all-namespaces columns', () => {
  const [running, , , , , , , , pending] = podsInEveryState();
  assert.equal(printTable('Pod', [running!, pending!], { now: NOW, wide: true }), lines(
    'NAME                  READY   STATUS    RESTARTS   AGE         IP           NODE     NOMINATED NODE   READINESS GATES',
    'web-5d8f7c9b4-x2x9k   1/1     Running   0          3m5s        10.244.0.2   node-1   <none>           <none>',
    'unscheduled           0/1     Pending   0          <unknown>   <none>       <none>   <none>           <none>',
  ));
  assert.equal(printTable('Pod', [running!], { now: NOW, allNamespaces: true }), lines(
    'NAMESPACE   NAME                  READY   STATUS    RESTARTS   AGE',
    'default     web-5d8f7c9b4-x2x9k   1/1     Running   0          3m5s',
  ));
});

test('pods: init containers and sidecars', () => {
  const pod = f.runningPod('init');
  pod.spec.initContainers = [{ name: 'setup', image: 'x', command: ['true'] }, { name: 'wait', image: 'x', command: ['sleep'] }];
  pod.status = { phase: 'Pending', containerStatuses: [{ name: 'echo', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }] };
  (pod.status as Record<string, unknown>)['initContainerStatuses'] = [
    { name: 'setup', ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
    { name: 'wait', ready: false, restartCount: 0, state: { running: { startedAt: ago(10) } } },
  ];
  const failing = f.runningPod('init-fail');
  failing.spec.initContainers = [{ name: 'setup', image: 'x', command: ['false'] }];
  failing.status = { phase: 'Pending' };
  (failing.status as Record<string, unknown>)['initContainerStatuses'] = [
    { name: 'setup', ready: false, restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(30) } } },
  ];
  const sidecar = f.runningPod('sidecar');
  sidecar.spec.initContainers = [{ name: 'proxy', image: 'x', command: ['proxy'], restartPolicy: 'Always' }];
  (sidecar.status as Record<string, unknown>)['initContainerStatuses'] = [
    { name: 'proxy', ready: true, started: true, restartCount: 1, state: { running: { startedAt: ago(60) } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(61) } } },
  ];
  assert.equal(printTable('Pod', [pod, failing, sidecar], { now: NOW }), lines(
    'NAME        READY   STATUS                  RESTARTS      AGE',
    'init        0/1     Init:1/2                0             3m5s',
    'init-fail   0/1     Init:CrashLoopBackOff   2 (30s ago)   3m5s',
    'sidecar     2/2     Running                 1 (61s ago)   3m5s',
  ));
});

test('deployments and statefulsets, with wide container and selector columns', () => {
  const web = f.deployment('web');
  const api = f.deployment('api');
  api.spec.replicas = 1;
  api.status = {};
  api.spec.template.spec.containers.push({ name: 'proxy', image: 'podnet/echo' });
  api.spec.selector = { matchLabels: { app: 'api' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'backend'] }, { key: 'legacy', operator: 'DoesNotExist' }] };
  assert.equal(printTable('Deployment', [web, api], { now: NOW }), lines(
    'NAME   READY   UP-TO-DATE   AVAILABLE   AGE',
    'web    2/3     3            2           10m',
    'api    0/1     0            0           10m',
  ));
  assert.equal(printTable('Deployment', [web, api], { now: NOW, wide: true }), lines(
    'NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES                    SELECTOR',
    'web    2/3     3            2           10m   echo         podnet/echo               app=web',
    'api    0/1     0            0           10m   echo,proxy   podnet/echo,podnet/echo   app=api,!legacy,tier in (backend,web)',
  ));
  assert.equal(printTable('StatefulSet', [f.statefulSet('db')], { now: NOW }), lines(
    'NAME   READY   AGE',
    'db     1/2     120m',
  ));
  assert.equal(printTable('StatefulSet', [f.statefulSet('db')], { now: NOW, wide: true }), lines(
    'NAME   READY   AGE    CONTAINERS   IMAGES',
    'db     1/2     120m   db,sidecar   podnet/echo,podnet/echo',
  ));
});

const SERVICES = [
  f.service('kubernetes', { clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], ports: [{ name: 'https', port: 443, targetPort: 6443, protocol: 'TCP' }] }),
  f.service('kube-dns', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], selector: { 'k8s-app': 'kube-dns' }, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }),
  f.service('web', { type: 'NodePort', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' }] }),
  f.service('shop', { type: 'LoadBalancer', clusterIP: '10.96.0.30', clusterIPs: ['10.96.0.30'], selector: { app: 'shop', tier: 'front' }, ports: [{ port: 80, nodePort: 31000, protocol: 'TCP' }, { port: 443, nodePort: 31443, protocol: 'TCP' }] }, { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } }),
  f.service('pending-lb', { type: 'LoadBalancer', clusterIP: '10.96.0.31', clusterIPs: ['10.96.0.31'], ports: [{ port: 80, nodePort: 31001, protocol: 'TCP' }] }),
  f.service('many-lb', { type: 'LoadBalancer', clusterIP: '10.96.0.32', clusterIPs: ['10.96.0.32'], ports: [{ port: 80, nodePort: 31002, protocol: 'TCP' }] }, { loadBalancer: { ingress: [{ ip: '203.0.113.12' }, { ip: '203.0.113.11' }] } }),
  f.service('db', { clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'db' }, ports: [{ port: 5432, protocol: 'TCP' }] }),
  f.service('ext', { type: 'ExternalName', externalName: 'api.example.com', ipFamilies: [] }),
  f.service('pinned', { clusterIP: '10.96.0.40', clusterIPs: ['10.96.0.40'], externalIPs: ['198.51.100.7'], ports: [{ port: 8080, protocol: 'TCP' }] }),
];

test('services: EXTERNAL-IP per type, PORT(S) with node ports, LB addresses clipped outside -o wide', () => {
  assert.equal(printTable('Service', SERVICES, { now: NOW }), lines(
    'NAME         TYPE           CLUSTER-IP   EXTERNAL-IP        PORT(S)                      AGE',
    'kubernetes   ClusterIP      10.96.0.1    <none>             443/TCP                      120m',
    'kube-dns     ClusterIP      10.96.0.10   <none>             53/UDP,53/TCP                120m',
    'web          NodePort       10.96.0.20   <none>             80:30080/TCP                 120m',
    'shop         LoadBalancer   10.96.0.30   203.0.113.10       80:31000/TCP,443:31443/TCP   120m',
    'pending-lb   LoadBalancer   10.96.0.31   <pending>          80:31001/TCP                 120m',
    'many-lb      LoadBalancer   10.96.0.32   203.0.113.11,...   80:31002/TCP                 120m',
    'db           ClusterIP      None         <none>             5432/TCP                     120m',
    'ext          ExternalName   <none>       api.example.com    <none>                       120m',
    'pinned       ClusterIP      10.96.0.40   198.51.100.7       8080/TCP                     120m',
  ));
  assert.equal(printTable('Service', SERVICES.slice(2, 6), { now: NOW, wide: true }), lines(
    'NAME         TYPE           CLUSTER-IP   EXTERNAL-IP                 PORT(S)                      AGE    SELECTOR',
    'web          NodePort       10.96.0.20   <none>                      80:30080/TCP                 120m   app=web',
    'shop         LoadBalancer   10.96.0.30   203.0.113.10                80:31000/TCP,443:31443/TCP   120m   app=shop,tier=front',
    'pending-lb   LoadBalancer   10.96.0.31   <pending>                   80:31001/TCP                 120m   <none>',
    'many-lb      LoadBalancer   10.96.0.32   203.0.113.11,203.0.113.12   80:31002/TCP                 120m   <none>',
  ));
});

test('endpointslices: first three ports and endpoints, then "+ N more..."', () => {
  const web = f.endpointSlice('web-x7k2p', 'web', [{ ip: '10.244.0.2' }, { ip: '10.244.1.2' }], [{ port: 8080 }]);
  const big = f.endpointSlice('big-abcde', 'big', [{ ip: '10.244.0.2' }, { ip: '10.244.0.3' }, { ip: '10.244.1.2' }, { ip: '10.244.1.3' }, { ip: '10.244.1.4', ready: false }],
    [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9090 }, { name: 'a', port: 1 }, { name: 'b', port: 2 }]);
  const empty = f.endpointSlice('empty-zzzzz', 'empty', [], []);
  assert.equal(printTable('EndpointSlice', [web, big, empty], { now: NOW }), lines(
    'NAME          ADDRESSTYPE   PORTS                     ENDPOINTS                                      AGE',
    'web-x7k2p     IPv4          8080                      10.244.0.2,10.244.1.2                          120m',
    'big-abcde     IPv4          8080,9090,1 + 1 more...   10.244.0.2,10.244.0.3,10.244.1.2 + 2 more...   120m',
    'empty-zzzzz   IPv4          <unset>                   <unset>                                        120m',
  ));
});

function ingresses(): Ingress[] {
  const backend = (name: string, number: number) => ({ service: { name, port: { number } } });
  const list = [
    f.ingress('shop', { ingressClassName: 'nginx', rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web', 80) }] } }] }, '203.0.113.10'),
    f.ingress('secure', { ingressClassName: 'nginx', tls: [{ hosts: ['secure.example.com'], secretName: 'secure-tls' }], rules: [{ host: 'secure.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web', 80) }] } }] }),
    f.ingress('catchall', { defaultBackend: backend('web', 80) }),
    f.ingress('multi', { ingressClassName: 'nginx', rules: ['a.example.com', 'b.example.com', '', 'c.example.com', 'd.example.com'].map((h) => ({ ...(h ? { host: h } : {}), http: { paths: [{ path: '/', pathType: 'Prefix' as const, backend: backend('web', 80) }] } })) }, '203.0.113.100'),
  ];
  list[3]!.status!.loadBalancer!.ingress!.push({ ip: '203.0.113.101' });
  return list;
}

test('ingresses: CLASS, HOSTS (* when none), ADDRESS, PORTS 80 or "80, 443" with TLS', () => {
  assert.equal(printTable('Ingress', ingresses(), { now: NOW }), lines(
    'NAME       CLASS    HOSTS                                                   ADDRESS            PORTS     AGE',
    'shop       nginx    shop.example.com                                        203.0.113.10       80        5m',
    'secure     nginx    secure.example.com                                                         80, 443   5m',
    'catchall   <none>   *                                                                          80        5m',
    'multi      nginx    a.example.com,b.example.com,c.example.com + 2 more...   203.0.113.100...   80        5m',
  ));
  assert.equal(printTable('Ingress', ingresses().slice(3), { now: NOW, wide: true }), lines(
    'NAME    CLASS   HOSTS                                                   ADDRESS                       PORTS   AGE',
    'multi   nginx   a.example.com,b.example.com,c.example.com + 2 more...   203.0.113.100,203.0.113.101   80      5m',
  ));
});

test('ingressclasses, secrets, configmaps', () => {
  assert.equal(printTable('IngressClass', [
    f.ingressClass('nginx'),
    f.ingressClass('custom', { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' }),
    f.ingressClass('core', { kind: 'ConfigMap', name: 'params' }),
  ], { now: NOW }), lines(
    'NAME     CONTROLLER             PARAMETERS                                      AGE',
    'nginx    k8s.io/ingress-nginx   <none>                                          3d',
    'custom   k8s.io/ingress-nginx   IngressParameters.k8s.example.com/external-lb   3d',
    'core     k8s.io/ingress-nginx   ConfigMap/params                                3d',
  ));
  assert.equal(printTable('Secret', [f.secret('shop-tls', { 'tls.crt': 'CERT', 'tls.key': 'KEY' }), { ...f.secret('empty', {}), type: 'Opaque' }], { now: NOW }), lines(
    'NAME       TYPE                DATA   AGE',
    'shop-tls   kubernetes.io/tls   2      45s',
    'empty      Opaque              0      45s',
  ));
  assert.equal(printTable('ConfigMap', [f.configMap('kube-root-ca.crt', { 'ca.crt': 'x' }), { ...f.configMap('bin', { a: '1' }), binaryData: { b: 'AAAA' } }], { now: NOW }), lines(
    'NAME               DATA   AGE',
    'kube-root-ca.crt   1      90s',
    'bin                2      90s',
  ));
});

function claims(): PersistentVolumeClaim[] {
  const meta = (name: string, age: number) => ({ name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: ago(age) });
  return [
    {
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta('data', 600),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: 'pv-1', storageClassName: 'local', volumeMode: 'Filesystem' },
      status: { phase: 'Bound', accessModes: ['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteMany'], capacity: { storage: '1024Mi' } },
    },
    {
      // not bound yet: no volume, so no capacity or modes, whatever it asks for
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta('cache', 30),
      spec: { accessModes: ['ReadWriteOncePod'], resources: { requests: { storage: '500Mi' } }, storageClassName: '' },
      status: { phase: 'Pending' },
    },
    {
      // being deleted, held by its finalizer; the beta annotation names its class
      apiVersion: 'v1', kind: 'PersistentVolumeClaim',
      metadata: { ...meta('old', 7200), deletionTimestamp: ago(5), annotations: { 'volume.beta.kubernetes.io/storage-class': 'legacy' } },
      spec: { accessModes: ['ReadOnlyMany'], resources: { requests: { storage: '1Gi' } }, volumeName: 'pv-old', volumeMode: 'Block' },
      status: { phase: 'Bound', accessModes: ['ReadOnlyMany'] },
    },
  ];
}

test('persistentvolumeclaims: CAPACITY and ACCESS MODES of the bound volume, Terminating while deleted, <unset> VOLUMEATTRIBUTESCLASS', () => {
  assert.equal(printTable('PersistentVolumeClaim', claims(), { now: NOW }), lines(
    'NAME    STATUS        VOLUME   CAPACITY   ACCESS MODES   STORAGECLASS   VOLUMEATTRIBUTESCLASS   AGE',
    'data    Bound         pv-1     1Gi        RWO,RWX        local          <unset>                 10m',
    'cache   Pending                                                         <unset>                 30s',
    'old     Terminating   pv-old   0          ROX            legacy         <unset>                 120m',
  ));
  assert.equal(printTable('PersistentVolumeClaim', claims(), { now: NOW, wide: true, allNamespaces: true }), lines(
    'NAMESPACE   NAME    STATUS        VOLUME   CAPACITY   ACCESS MODES   STORAGECLASS   VOLUMEATTRIBUTESCLASS   AGE    VOLUMEMODE',
    'default     data    Bound         pv-1     1Gi        RWO,RWX        local          <unset>                 10m    Filesystem',
    'default     cache   Pending                                                         <unset>                 30s    <unset>',
    'default     old     Terminating   pv-old   0          ROX            legacy         <unset>                 120m   Block',
  ));
});

test('persistentvolumes: CLAIM as namespace/name, RECLAIM POLICY, REASON; -A adds no NAMESPACE', () => {
  const pv = (name: string, spec: PersistentVolume['spec'], status: PersistentVolume['status'], extra: object = {}): PersistentVolume => ({
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name, uid: `uid-${name}`, creationTimestamp: ago(3600), ...extra }, spec, status,
  });
  const volumes = [
    pv('pv-1', { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete', storageClassName: 'local', volumeMode: 'Filesystem', claimRef: { namespace: 'default', name: 'data' }, hostPath: { path: '/srv/pv-1' } }, { phase: 'Bound' }),
    pv('pv-2', { capacity: { storage: '2000M' }, accessModes: ['ReadWriteOncePod'], persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: '/srv/pv-2' } }, { phase: 'Failed', reason: 'VolumeFailedDelete' }),
    pv('pv-old', { accessModes: ['ReadOnlyMany'], persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: '/srv/old' } }, { phase: 'Released' }, { deletionTimestamp: ago(5) }),
  ];
  assert.equal(printTable('PersistentVolume', volumes, { now: NOW, allNamespaces: true }), lines(
    'NAME     CAPACITY   ACCESS MODES   RECLAIM POLICY   STATUS        CLAIM          STORAGECLASS   VOLUMEATTRIBUTESCLASS   REASON               AGE',
    'pv-1     1Gi        RWO,RWX        Delete           Bound         default/data   local          <unset>                                      60m',
    'pv-2     2G         RWOP           Retain           Failed                                      <unset>                 VolumeFailedDelete   60m',
    'pv-old   0          ROX            Retain           Terminating                                 <unset>                                      60m',
  ));
  assert.equal(printTable('PersistentVolume', volumes.slice(0, 2), { now: NOW, wide: true }).split('\n')[0], 'NAME   CAPACITY   ACCESS MODES   RECLAIM POLICY   STATUS   CLAIM          STORAGECLASS   VOLUMEATTRIBUTESCLASS   REASON               AGE   VOLUMEMODE');
});

test('storageclasses: (default) after each class marked default, upstream\'s defaults for absent policy and mode', () => {
  const sc = (name: string, fields: Partial<StorageClass>, annotations?: Record<string, string>): StorageClass => ({
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', provisioner: 'podnet.io/local',
    metadata: { name, creationTimestamp: ago(86400), ...(annotations ? { annotations } : {}) }, ...fields,
  });
  assert.equal(printTable('StorageClass', [
    sc('local', { reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer' }, { 'storageclass.kubernetes.io/is-default-class': 'true' }),
    sc('keep', { reclaimPolicy: 'Retain', allowVolumeExpansion: true }),
    sc('legacy', {}, { 'storageclass.beta.kubernetes.io/is-default-class': 'true' }),
    sc('not-default', { provisioner: 'example.com/nfs' }, { 'storageclass.kubernetes.io/is-default-class': 'false' }),
  ], { now: NOW, withKindPrefix: true }), lines(
    'NAME                                           PROVISIONER       RECLAIMPOLICY   VOLUMEBINDINGMODE      ALLOWVOLUMEEXPANSION   AGE',
    'storageclass.storage.k8s.io/local (default)    podnet.io/local   Delete          WaitForFirstConsumer   false                  24h',
    'storageclass.storage.k8s.io/keep               podnet.io/local   Retain          Immediate              true                   24h',
    'storageclass.storage.k8s.io/legacy (default)   podnet.io/local   Delete          Immediate              false                  24h',
    'storageclass.storage.k8s.io/not-default        example.com/nfs   Delete          Immediate              false                  24h',
  ));
});

test('events: LAST SEEN, OBJECT as kind/name, trimmed MESSAGE; wide adds source and counts', () => {
  const evs = [
    f.event({ kind: 'Pod', name: 'web-5d8f7c9b4-x2x9k' }, 'Normal', 'Scheduled', 'Successfully assigned default/web-5d8f7c9b4-x2x9k to node-1', 185, 185, 1, 'default-scheduler'),
    f.event({ kind: 'Pod', name: 'crashy' }, 'Warning', 'BackOff', 'Back-off restarting failed container echo in pod crashy_default(uid-crashy)  ', 300, 20, 7),
    f.event({ kind: 'Deployment', name: 'web' }, 'Normal', 'ScalingReplicaSet', 'Scaled up replica set web-5d8f7c9b4 to 3', 600, 600, 1, 'deployment-controller'),
  ];
  evs[1]!.source!.host = 'node-1';
  assert.equal(printTable('Event', evs, { now: NOW }), lines(
    'LAST SEEN   TYPE      REASON              OBJECT                    MESSAGE',
    '3m5s        Normal    Scheduled           pod/web-5d8f7c9b4-x2x9k   Successfully assigned default/web-5d8f7c9b4-x2x9k to node-1',
    '20s         Warning   BackOff             pod/crashy                Back-off restarting failed container echo in pod crashy_default(uid-crashy)',
    '10m         Normal    ScalingReplicaSet   deployment/web            Scaled up replica set web-5d8f7c9b4 to 3',
  ));
  assert.equal(printTable('Event', evs.slice(1), { now: NOW, wide: true, withKindPrefix: true }), lines(
    'LAST SEEN   TYPE      REASON              OBJECT           SUBOBJECT   SOURCE                  MESSAGE                                                                       FIRST SEEN   COUNT   NAME',
    '20s         Warning   BackOff             pod/crashy                   kubelet, node-1         Back-off restarting failed container echo in pod crashy_default(uid-crashy)   5m           7       event/crashy.backoff',
    '10m         Normal    ScalingReplicaSet   deployment/web               deployment-controller   Scaled up replica set web-5d8f7c9b4 to 3                                      10m          1       event/web.scalingreplicaset',
  ));
});

test('get a,b: kind.group/name prefixes, one table per kind separated by a blank line', () => {
  const slice = f.endpointSlice('web-x7k2p', 'web', [{ ip: '10.244.0.2' }, { ip: '10.244.1.2' }], [{ port: 8080 }]);
  assert.equal(joinTables([
    printTable('Service', SERVICES.slice(2, 3), { now: NOW, withKindPrefix: true }),
    printTable('Deployment', [], { now: NOW, withKindPrefix: true }),
    printTable('EndpointSlice', [slice], { now: NOW, withKindPrefix: true }),
  ]), lines(
    'NAME          TYPE       CLUSTER-IP   EXTERNAL-IP   PORT(S)        AGE',
    'service/web   NodePort   10.96.0.20   <none>        80:30080/TCP   120m',
    '',
    'NAME                                       ADDRESSTYPE   PORTS   ENDPOINTS               AGE',
    'endpointslice.discovery.k8s.io/web-x7k2p   IPv4          8080    10.244.0.2,10.244.1.2   120m',
  ));
  assert.equal(printTable('Ingress', ingresses().slice(0, 1), { now: NOW, withKindPrefix: true, allNamespaces: true }), lines(
    'NAMESPACE   NAME                             CLASS   HOSTS              ADDRESS        PORTS   AGE',
    'default     ingress.networking.k8s.io/shop   nginx   shop.example.com   203.0.113.10   80      5m',
  ));
});

test('--no-headers: the rows alone, NAMESPACE and label cells kept; several kinds run on without a blank line', () => {
  const n1 = f.node('node-1', { ready: true, labels: { 'topology.kubernetes.io/zone': 'a' } });
  assert.equal(printTable('Node', [n1], { now: NOW, labelColumns: ['topology.kubernetes.io/zone'], noHeaders: true }), lines(
    'node-1   Ready   <none>   60m   v1.31.0-podnet   a',
  ));
  assert.equal(printTable('Ingress', ingresses().slice(0, 1), { now: NOW, allNamespaces: true, noHeaders: true }), lines(
    'default   shop   nginx   shop.example.com   203.0.113.10   80    5m',
  ));
  const slice = f.endpointSlice('web-x7k2p', 'web', [{ ip: '10.244.0.2' }], [{ port: 8080 }]);
  const opts = { now: NOW, withKindPrefix: true, noHeaders: true };
  assert.equal(joinTables([printTable('Service', SERVICES.slice(2, 3), opts), printTable('EndpointSlice', [slice], opts)], { noHeaders: true }), lines(
    'service/web   NodePort   10.96.0.20   <none>   80:30080/TCP   120m',
    'endpointslice.discovery.k8s.io/web-x7k2p   IPv4   8080   10.244.0.2   120m',
  ));
});

test('nothing found: no table, and kubectl\'s message for stderr', () => {
  assert.equal(printTable('Pod', [], { now: NOW }), '');
  assert.equal(noResourcesMessage('default'), 'No resources found in default namespace.');
  assert.equal(noResourcesMessage('shop', true), 'No resources found');
  assert.equal(noResourcesMessage(), 'No resources found');
  assert.throws(() => printTable('Widget', [f.runningPod('x')]), /no table printer for kind "Widget"/);
});
