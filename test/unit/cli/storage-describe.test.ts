// `podnet describe pvc|pv|sc` against the text kubectl prints (describe.go
// describePersistentVolumeClaim, describePersistentVolume,
// describeStorageClass), at a fixed clock and zone. The expected texts are
// laid out as kubectl's tabwriter aligns them: one column per block of lines
// that have a tab, a line without one (Source:, a folded annotation) ending
// the block.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from '../../../src/api/types.js';
import { describe } from '../../../src/cli/printers/describe.js';
import { podsUsingClaim } from '../../../src/cli/printers/describe-storage.js';
import { ago, event, lines, NOW, runningPod } from './fixtures.js';

process.env.TZ = 'UTC';

/** The docs' task-pv-claim once bound, as the API server returns it. */
function boundClaim(): PersistentVolumeClaim {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: {
      name: 'task-pv-claim', namespace: 'default', uid: 'uid-claim', creationTimestamp: ago(300),
      annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' },
      finalizers: ['kubernetes.io/pvc-protection'],
    },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '3Gi' } }, storageClassName: 'manual', volumeMode: 'Filesystem', volumeName: 'task-pv-volume' },
    status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '10Gi' } },
  };
}

function mounting(name: string, claimName: string, extraVolumes = 0): Pod {
  const pod = runningPod(name);
  const volumes = Array.from({ length: 1 + extraVolumes }, (_, i) => ({ name: `data-${i}`, persistentVolumeClaim: { claimName } }));
  return { ...pod, spec: { ...pod.spec, volumes: [...volumes, { name: 'scratch', emptyDir: {} }] } };
}

test('describe pvc: a bound claim, its volume\'s capacity and modes, the pods that mount it sorted by name, no events', () => {
  const pods = [mounting('web-b', 'task-pv-claim'), mounting('other', 'another-claim'), mounting('web-a', 'task-pv-claim'), runningPod('plain')];
  assert.equal(describe(boundClaim(), [], { pods }, NOW), lines(
    'Name:          task-pv-claim',
    'Namespace:     default',
    'StorageClass:  manual',
    'Status:        Bound',
    'Volume:        task-pv-volume',
    'Labels:        <none>',
    'Annotations:   pv.kubernetes.io/bind-completed: yes',
    '               pv.kubernetes.io/bound-by-controller: yes',
    'Finalizers:    [kubernetes.io/pvc-protection]',
    'Capacity:      10Gi',
    'Access Modes:  RWO',
    'VolumeMode:    Filesystem',
    'Used By:       web-a',
    '               web-b',
    'Events:        <none>',
  ));
});

test('describe pvc: a Pending claim has no capacity or modes yet; its events; the Terminating line', () => {
  const pending: PersistentVolumeClaim = {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: 'default', creationTimestamp: ago(60), labels: { app: 'db' }, finalizers: ['kubernetes.io/pvc-protection'] },
    spec: { accessModes: ['ReadWriteOnce', 'ReadOnlyMany'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'fast', volumeMode: 'Filesystem' },
    status: { phase: 'Pending' },
  };
  const events = [event({ kind: 'PersistentVolumeClaim', name: 'data' }, 'Normal', 'ExternalProvisioning', "Waiting for a volume to be created either by the external provisioner 'example.com/fast' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.", 60, 5, 6, 'persistentvolume-controller')];
  assert.equal(describe(pending, events, { pods: [] }, NOW), lines(
    'Name:          data',
    'Namespace:     default',
    'StorageClass:  fast',
    'Status:        Pending',
    'Volume:        ',
    'Labels:        app=db',
    'Annotations:   <none>',
    'Finalizers:    [kubernetes.io/pvc-protection]',
    'Capacity:      ',
    'Access Modes:  ',
    'VolumeMode:    Filesystem',
    'Used By:       <none>',
    'Events:',
    '  Type    Reason                Age               From                         Message',
    '  ----    ------                ----              ----                         -------',
    "  Normal  ExternalProvisioning  5s (x6 over 60s)  persistentvolume-controller  Waiting for a volume to be created either by the external provisioner 'example.com/fast' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.",
  ));
  const deleting = { ...boundClaim(), metadata: { ...boundClaim().metadata, deletionTimestamp: ago(90) } };
  assert.match(describe(deleting, undefined, { pods: [] }, NOW), /^Status: {8}Terminating \(lasts 90s\)$/m);
});

test('describe pvc: conditions as kubectl\'s six-column table, a missing time as Go\'s zero time', () => {
  const resizing = boundClaim();
  resizing.status = { ...resizing.status, conditions: [{ type: 'Resizing', status: 'True', lastTransitionTime: '2024-05-01T11:59:58Z' }] };
  const text = describe(resizing, undefined, { pods: [] }, NOW);
  assert.ok(text.endsWith(lines(
    'Used By:       <none>',
    'Conditions:',
    '  Type       Status  LastProbeTime                     LastTransitionTime                Reason  Message',
    '  ----       ------  -----------------                 ------------------                ------  -------',
    '  Resizing   True    Mon, 01 Jan 0001 00:00:00 +0000   Wed, 01 May 2024 11:59:58 +0000           ',
  )), text);
});

test('describe pvc: a claim\'s data source ends the column block, so Used By aligns apart, as kubectl\'s tabwriter does; the Used By list counts a pod once per volume that names the claim, and adds an owning pod', () => {
  const cloned = { ...boundClaim(), spec: { ...boundClaim().spec, dataSource: { kind: 'PersistentVolumeClaim', name: 'origin' } } };
  assert.match(describe(cloned, undefined, { pods: [] }, NOW), /\nVolumeMode:    Filesystem\nDataSource:\n  Kind:   PersistentVolumeClaim\n  Name:   origin\nUsed By:  <none>\n$/);
  const twice = mounting('twice', 'task-pv-claim', 1);
  const owner = runningPod('owner');
  const owned = { ...boundClaim(), metadata: { ...boundClaim().metadata, ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'owner', uid: owner.metadata.uid!, controller: true }] } };
  assert.deepEqual(podsUsingClaim(owned, [twice, owner]).map((p) => p.metadata.name), ['twice', 'twice', 'owner']);
});

/** The docs' task-pv-volume, bound. */
function hostPathVolume(): PersistentVolume {
  return {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: {
      name: 'task-pv-volume', uid: 'uid-pv', creationTimestamp: ago(400), labels: { type: 'local' },
      annotations: { 'pv.kubernetes.io/bound-by-controller': 'yes' }, finalizers: ['kubernetes.io/pv-protection'],
    },
    spec: {
      storageClassName: 'manual', capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/mnt/data', type: '' },
      persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem',
      claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'task-pv-claim', uid: 'uid-claim', apiVersion: 'v1' },
    },
    status: { phase: 'Bound' },
  };
}

test('describe pv: a bound hostPath volume, its source block aligned apart from the fields above it', () => {
  assert.equal(describe(hostPathVolume(), [], {}, NOW), lines(
    'Name:            task-pv-volume',
    'Labels:          type=local',
    'Annotations:     pv.kubernetes.io/bound-by-controller: yes',
    'Finalizers:      [kubernetes.io/pv-protection]',
    'StorageClass:    manual',
    'Status:          Bound',
    'Claim:           default/task-pv-claim',
    'Reclaim Policy:  Retain',
    'Access Modes:    RWO',
    'VolumeMode:      Filesystem',
    'Capacity:        10Gi',
    'Node Affinity:   <none>',
    'Message:         ',
    'Source:',
    '    Type:          HostPath (bare host directory volume)',
    '    Path:          /mnt/data',
    '    HostPathType:  ',
    'Events:            <none>',
  ));
});

test('describe pv: a local volume with its node affinity; a Failed one\'s message; a volume going Terminating; its events', () => {
  const local: PersistentVolume = {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name: 'local-pv', creationTimestamp: ago(400), finalizers: ['kubernetes.io/pv-protection'], deletionTimestamp: ago(30) },
    spec: {
      capacity: { storage: '102400Mi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete', storageClassName: 'local-storage',
      local: { path: '/mnt/disks/ssd1' }, volumeMode: 'Filesystem',
      nodeAffinity: { required: { nodeSelectorTerms: [
        { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-1', 'node-2'] }, { key: 'disk', operator: 'Exists' }] },
        { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['b'] }] },
      ] } },
    },
    status: { phase: 'Failed', message: 'host_path deleter only supports /tmp/.+ but received provided /mnt/disks/ssd1' },
  };
  const events = [event({ kind: 'PersistentVolume', name: 'local-pv' }, 'Warning', 'VolumeFailedDelete', 'host_path deleter only supports /tmp/.+ but received provided /mnt/disks/ssd1', 30, 30, 1, 'persistentvolume-controller')];
  assert.equal(describe(local, events, {}, NOW), lines(
    'Name:              local-pv',
    'Labels:            <none>',
    'Annotations:       <none>',
    'Finalizers:        [kubernetes.io/pv-protection]',
    'StorageClass:      local-storage',
    'Status:            Terminating (lasts 30s)',
    'Claim:             ',
    'Reclaim Policy:    Delete',
    'Access Modes:      RWO,RWX',
    'VolumeMode:        Filesystem',
    'Capacity:          100Gi',
    'Node Affinity:     ',
    '  Required Terms:  ',
    '    Term 0:        kubernetes.io/hostname in [node-1, node-2]',
    '                   disk exists',
    '    Term 1:        zone notin [b]',
    'Message:           host_path deleter only supports /tmp/.+ but received provided /mnt/disks/ssd1',
    'Source:',
    '    Type:  LocalVolume (a persistent volume backed by local storage on a node)',
    '    Path:  /mnt/disks/ssd1',
    'Events:',
    '  Type     Reason              Age   From                         Message',
    '  ----     ------              ----  ----                         -------',
    '  Warning  VolumeFailedDelete  30s   persistentvolume-controller  host_path deleter only supports /tmp/.+ but received provided /mnt/disks/ssd1',
  ));
});

test('describe pv: an nfs source; a source podnet does not print is kubectl\'s <unknown> line', () => {
  const nfs = { ...hostPathVolume(), spec: { ...hostPathVolume().spec, hostPath: undefined, nfs: { server: '10.0.0.5', path: '/exports' } } };
  assert.ok(describe(nfs, undefined, {}, NOW).endsWith(lines(
    'Source:',
    '    Type:      NFS (an NFS mount that lasts the lifetime of a pod)',
    '    Server:    10.0.0.5',
    '    Path:      /exports',
    '    ReadOnly:  false',
  )));
  const csi = { ...hostPathVolume(), spec: { ...hostPathVolume().spec, hostPath: undefined, csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-1' } } };
  assert.ok(describe(csi, undefined, {}, NOW).endsWith('Source:\n  <unknown>\n'));
});

const standard: StorageClass = {
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
  metadata: { name: 'standard', creationTimestamp: ago(3600), annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
  provisioner: 'podnet.io/claim-directory', reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate',
};

test('describe sc: podnet\'s default class; AllowVolumeExpansion <unset> when left out', () => {
  assert.equal(describe(standard, [], {}, NOW), lines(
    'Name:                  standard',
    'IsDefaultClass:        Yes',
    'Annotations:           storageclass.kubernetes.io/is-default-class=true',
    'Provisioner:           podnet.io/claim-directory',
    'Parameters:            <none>',
    'AllowVolumeExpansion:  <unset>',
    'MountOptions:          <none>',
    'ReclaimPolicy:         Delete',
    'VolumeBindingMode:     Immediate',
    'Events:                <none>',
  ));
});

test('describe sc: annotations and parameters on one line each; the last-applied annotation\'s newline splits the alignment, as in kubectl; mount options and topologies listed', () => {
  const applied = '{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"fast"},"provisioner":"example.com/fast"}\n';
  const fast: StorageClass = {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
    metadata: { name: 'fast', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': applied, team: 'db' } },
    provisioner: 'example.com/fast', parameters: { type: 'ssd', iops: '3000' }, allowVolumeExpansion: true, mountOptions: ['noatime', 'nfsvers=4.1'],
    reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer',
    allowedTopologies: [{ matchLabelExpressions: [{ key: 'topology.kubernetes.io/zone', values: ['a', 'b'] }] }],
  };
  assert.equal(describe(fast, undefined, {}, NOW), lines(
    'Name:            fast',
    'IsDefaultClass:  No',
    `Annotations:     kubectl.kubernetes.io/last-applied-configuration=${applied.trimEnd()}`,
    ',team=db',
    'Provisioner:           example.com/fast',
    'Parameters:            iops=3000,type=ssd',
    'AllowVolumeExpansion:  True',
    'MountOptions:',
    '  noatime',
    '  nfsvers=4.1',
    'ReclaimPolicy:      Retain',
    'VolumeBindingMode:  WaitForFirstConsumer',
    'AllowedTopologies:  ',
    '  Term 0:           topology.kubernetes.io/zone in [a, b]',
  ));
});
