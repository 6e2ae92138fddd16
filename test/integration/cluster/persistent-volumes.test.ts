// PersistentVolumeClaims and PersistentVolumes on a real cluster, as a user of
// kind or minikube sees them with `get pvc`, `get pv` and files in a pod:
// the docs' "Configure a Pod to Use a PersistentVolume" (a hostPath volume,
// a claim of class manual, a pod reading the volume's file); a claim of the
// default class `standard` provisioned as a directory of the cluster and
// deleted with it; a pod held by the scheduler until its claim exists;
// pvc-protection; a StatefulSet's claims as objects, kept or deleted by
// its retention policy; and a claim grown, or refused growth, by its class.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Event, PersistentVolume, PersistentVolumeClaim, Pod } from '../../../src/api/types.js';
import { downOrKill, eventually, podnet } from '../../support/cli.js';

const CLUSTER = 'itpv';
const hasKubectl = (process.env['PATH'] ?? '').split(':').some((d) => existsSync(path.join(d, 'kubectl')));
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itpv-'));
const pn = podnet(CLUSTER, stateDir);
/** the docs' /mnt/data, made here so that nothing of the machine is touched */
const hostData = path.join(stateDir, 'mnt-data');

const TUTORIAL = `
apiVersion: v1
kind: PersistentVolume
metadata: {name: task-pv-volume, labels: {type: local}}
spec:
  storageClassName: manual
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: "${hostData}"}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: task-pv-claim}
spec:
  storageClassName: manual
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 3Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: task-pv-pod}
spec:
  terminationGracePeriodSeconds: 1
  volumes: [{name: task-pv-storage, persistentVolumeClaim: {claimName: task-pv-claim}}]
  containers:
    - name: task-pv-container
      image: none
      command: [sleep, infinity]
      volumeMounts: [{mountPath: /usr/share/nginx/html, name: task-pv-storage}]
`;

const STATEFULSET = `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  selector: {matchLabels: {app: db}}
  persistentVolumeClaimRetentionPolicy: {whenScaled: Delete, whenDeleted: Retain}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: db, image: none, command: [sleep, infinity], volumeMounts: [{name: data, mountPath: /var/lib/db}]}]
  volumeClaimTemplates:
    - metadata: {name: data, labels: {tier: storage}}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`;

/** a ReadWriteOnce claim's manifest; without a class, the default one's */
const claimOf = (name: string, storage: string, className?: string) => `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: ${name}}
spec: {${className ? `storageClassName: ${className}, ` : ''}accessModes: [ReadWriteOnce], resources: {requests: {storage: ${storage}}}}
`;

async function json<T>(args: string[]): Promise<T> {
  const r = await pn([...args, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

const claim = (name: string) => json<PersistentVolumeClaim>(['get', 'pvc', name]);
const claims = async () => (await json<{ items: PersistentVolumeClaim[] }>(['get', 'pvc'])).items;
const volumes = async () => (await json<{ items: PersistentVolume[] }>(['get', 'pv'])).items;

async function running(name: string): Promise<Pod> {
  return eventually(`pod ${name} running`, async () => {
    const r = await pn(['get', 'pod', name, '-o', 'json']);
    const p = r.code === 0 ? JSON.parse(r.stdout) as Pod : undefined;
    return p?.status?.containerStatuses?.every((c) => c.state?.running) ? p : undefined;
  }, 30_000, 200);
}

async function inPod(pod: string, script: string): Promise<string> {
  const r = await pn(['exec', pod, '--', 'sh', '-c', script]);
  assert.equal(r.code, 0, `${script}: ${r.stderr}`);
  return r.stdout;
}

async function apply(manifest: string): Promise<void> {
  const r = await pn(['apply', '-f', '-'], { input: manifest });
  assert.equal(r.code, 0, r.stderr);
}

describe('persistent volumes: claims bound to volumes, provisioned, protected and reclaimed', { timeout: 240_000 }, () => {
  before(async () => {
    mkdirSync(hostData, { recursive: true });
    writeFileSync(path.join(hostData, 'index.html'), 'Hello from Kubernetes storage\n');
    const up = await pn(['up', '--nodes', '2', '--bare']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
  });

  after(async () => {
    await downOrKill(pn, CLUSTER);
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('the docs\' PersistentVolume task: the claim binds the hostPath volume, and the pod reads its file', async () => {
    await apply(TUTORIAL);
    await running('task-pv-pod');
    assert.equal(await inPod('task-pv-pod', 'cat /usr/share/nginx/html/index.html'), 'Hello from Kubernetes storage\n');
    const pvc = await claim('task-pv-claim');
    assert.deepEqual([pvc.status?.phase, pvc.spec.volumeName, pvc.status?.capacity?.storage], ['Bound', 'task-pv-volume', '10Gi']);
    const table = await pn(['get', 'pvc', 'task-pv-claim']);
    assert.match(table.stdout.split('\n')[1]!, /^task-pv-claim\s+Bound\s+task-pv-volume\s+10Gi\s+RWO\s+manual\s/);
    const pvTable = await pn(['get', 'pv', 'task-pv-volume']);
    assert.match(pvTable.stdout.split('\n')[1]!, /^task-pv-volume\s+10Gi\s+RWO\s+Retain\s+Bound\s+default\/task-pv-claim\s+manual\s/);
  });

  test('a pod whose claim does not exist waits, unscheduled, with kube-scheduler\'s reason; it starts once the claim is made, which the default class provisions', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: early}
spec:
  terminationGracePeriodSeconds: 1
  volumes: [{name: d, persistentVolumeClaim: {claimName: later}}]
  containers: [{name: c, image: none, command: [sleep, infinity], volumeMounts: [{mountPath: /data, name: d}]}]
`);
    const e = await eventually('FailedScheduling', async () => (await json<{ items: Event[] }>(['get', 'events'])).items.find((x) => x.involvedObject.name === 'early' && x.reason === 'FailedScheduling'));
    assert.equal(e.message, '0/2 nodes are available: persistentvolumeclaim "later" not found. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.');
    assert.equal((await json<Pod>(['get', 'pod', 'early'])).spec.nodeName, undefined);
    await apply(claimOf('later', '1Gi'));
    await running('early');
    const pvc = await claim('later');
    // the default class, as the DefaultStorageClass admission gave it, and a volume made for it
    assert.equal(pvc.spec.storageClassName, 'standard');
    assert.equal(pvc.spec.volumeName, `pvc-${pvc.metadata.uid}`);
    const pv = (await volumes()).find((v) => v.metadata.name === pvc.spec.volumeName)!;
    assert.deepEqual([pv.status?.phase, pv.spec.persistentVolumeReclaimPolicy, pv.spec.claimRef?.name], ['Bound', 'Delete', 'later']);
    await inPod('early', 'echo row > /data/table');
    const onDisk = pv.spec.hostPath!.path;
    assert.ok(existsSync(path.join(onDisk, 'table')));

    // pvc-protection: deleted while the pod mounts it, the claim stays (Terminating) and the pod keeps its data
    const del = await pn(['delete', 'pvc', 'later', '--wait=false']);
    assert.equal(del.code, 0, del.stderr);
    await new Promise((r) => setTimeout(r, 500));
    assert.ok((await claim('later')).metadata.deletionTimestamp);
    assert.equal(await inPod('early', 'cat /data/table'), 'row\n');
    // the pod gone, the claim goes, and with it (reclaim policy Delete) its volume and directory
    assert.equal((await pn(['delete', 'pod', 'early'])).code, 0);
    await eventually('claim, volume and directory gone', async () => (await claims()).every((c) => c.metadata.name !== 'later')
      && (await volumes()).every((v) => v.metadata.name !== pv.metadata.name) && !existsSync(onDisk), 30_000, 200);
  });

  test('a claim of a WaitForFirstConsumer class is provisioned once its pod is scheduled, for that pod\'s node', async () => {
    await apply(`apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: late}
provisioner: podnet.io/claim-directory
volumeBindingMode: WaitForFirstConsumer
---
${claimOf('late-claim', '1Gi', 'late')}`);
    await eventually('WaitForFirstConsumer', async () => (await json<{ items: Event[] }>(['get', 'events'])).items.some((x) => x.involvedObject.name === 'late-claim' && x.reason === 'WaitForFirstConsumer'));
    assert.equal((await claim('late-claim')).status?.phase, 'Pending');
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: late-user}
spec:
  terminationGracePeriodSeconds: 1
  volumes: [{name: d, persistentVolumeClaim: {claimName: late-claim}}]
  containers: [{name: c, image: none, command: [sleep, infinity], volumeMounts: [{mountPath: /data, name: d}]}]
`);
    const p = await running('late-user');
    const pvc = await claim('late-claim');
    assert.equal(pvc.status?.phase, 'Bound');
    assert.equal(pvc.metadata.annotations?.['volume.kubernetes.io/selected-node'], p.spec.nodeName);
    assert.equal((await pn(['delete', 'pod', 'late-user'])).code, 0);
  });

  test('a claim of a class with allowVolumeExpansion grows: get pvc shows the new CAPACITY and describe the resize; one of standard is refused a larger request with upstream\'s 403', async () => {
    await apply(`apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: expandable}
provisioner: podnet.io/claim-directory
allowVolumeExpansion: true
---
${claimOf('grows', '1Gi', 'expandable')}---
${claimOf('fixed', '1Gi')}`);
    for (const name of ['grows', 'fixed']) await eventually(`${name} Bound`, async () => (await claim(name)).status?.phase === 'Bound', 30_000, 200);
    assert.equal((await claim('fixed')).spec.storageClassName, 'standard');

    await apply(claimOf('grows', '2Gi', 'expandable'));
    await eventually('CAPACITY 2Gi', async () => /^grows\s+Bound\s+pvc-\S+\s+2Gi\s+RWO\s+expandable\s/.test((await pn(['get', 'pvc', 'grows'])).stdout.split('\n')[1] ?? ''), 30_000, 200);
    const grown = await claim('grows');
    assert.equal(grown.status?.conditions, undefined, 'no condition left once resized');
    const pv = (await volumes()).find((v) => v.metadata.name === grown.spec.volumeName)!;
    assert.deepEqual(pv.spec.capacity, { storage: '2Gi' });
    const described = await eventually('the resize events', async () => {
      const r = await pn(['describe', 'pvc', 'grows']);
      return /VolumeResizeSuccessful/.test(r.stdout) ? r.stdout : undefined;
    }, 30_000, 200);
    assert.match(described, /^Capacity: +2Gi$/m);
    assert.match(described, /^ {2}Warning +ExternalExpanding .*waiting for an external controller to expand this PVC$/m);
    assert.match(described, new RegExp(`^ {2}Normal +Resizing .*External resizer is resizing volume ${pv.metadata.name}$`, 'm'));
    assert.match(described, /^ {2}Normal +VolumeResizeSuccessful .*Resize volume succeeded$/m);

    const refused = await pn(['apply', '-f', '-'], { input: claimOf('fixed', '2Gi') });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Error from server \(Forbidden\): .*persistentvolumeclaims "fixed" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize/);
    const fixed = await claim('fixed');
    assert.deepEqual([fixed.spec.resources?.requests?.['storage'], fixed.status?.capacity?.['storage']], ['1Gi', '1Gi']);
    const table = await pn(['get', 'pvc', 'fixed']);
    assert.match(table.stdout.split('\n')[1]!, /^fixed\s+Bound\s+pvc-\S+\s+1Gi\s+RWO\s+standard\s/);

    // where kubectl is installed, its describers print what podnet's do (the class and volume have no events, so no ages differ)
    if (!hasKubectl) return;
    for (const target of [['sc', 'expandable'], ['pv', pv.metadata.name!]]) {
      const ours = await pn(['describe', ...target]);
      const theirs = await pn(['kubectl', 'describe', ...target]);
      assert.equal(theirs.code, 0, theirs.stderr);
      assert.equal(ours.stdout, theirs.stdout);
    }
    const kubectlRefused = await pn(['kubectl', 'patch', 'pvc', 'fixed', '-p', '{"spec":{"resources":{"requests":{"storage":"3Gi"}}}}']);
    assert.equal(kubectlRefused.stderr.trim(), 'Error from server (Forbidden): persistentvolumeclaims "fixed" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
  });

  test('a StatefulSet\'s claims are objects: one per ordinal with the template\'s labels, kept when the set is deleted (Retain), deleted on a scale-down (whenScaled: Delete)', async () => {
    await apply(STATEFULSET);
    await running('db-0');
    await running('db-1');
    const made = (await claims()).filter((c) => c.metadata.name!.startsWith('data-db-'));
    assert.deepEqual(made.map((c) => c.metadata.name).sort(), ['data-db-0', 'data-db-1']);
    for (const c of made) {
      assert.deepEqual(c.metadata.labels, { app: 'db', tier: 'storage' });
      assert.equal(c.status?.phase, 'Bound');
    }
    await inPod('db-1', 'echo kept > /var/lib/db/row');
    const scaled = await pn(['scale', '--replicas=1', 'statefulset/db']);
    assert.equal(scaled.code, 0, scaled.stderr);
    await eventually('data-db-1 deleted after db-1 is gone', async () => (await claims()).every((c) => c.metadata.name !== 'data-db-1'), 30_000, 200);
    await inPod('db-0', 'echo zero > /var/lib/db/row');
    assert.equal((await pn(['delete', 'statefulset', 'db'])).code, 0);
    await eventually('db-0 gone', async () => (await pn(['get', 'pod', 'db-0'])).code !== 0, 30_000, 200);
    assert.ok((await claims()).some((c) => c.metadata.name === 'data-db-0'), 'whenDeleted: Retain keeps the claim');
    // the set made again finds its data
    await apply(STATEFULSET.replace('replicas: 2', 'replicas: 1'));
    await running('db-0');
    assert.equal(await inPod('db-0', 'cat /var/lib/db/row'), 'zero\n');
  });
});
