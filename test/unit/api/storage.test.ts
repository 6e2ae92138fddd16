// PersistentVolumeClaim, PersistentVolume and StorageClass validation, as
// rows of manifest (defaulted first, as the API server does) → exact messages.

import { DNS1123_SUBDOMAIN_MSG, LABEL_KEY_NAME_MSG, meta, table, type Json } from './fixtures.js';

const pvc = (spec: Json = {}, metadata: Json = meta('data'), status?: Json): Json => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata,
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
  ...(status ? { status } : {}),
});
const pv = (spec: Json = {}, metadata: Json = { name: 'pv-1' }): Json => ({
  apiVersion: 'v1', kind: 'PersistentVolume', metadata,
  spec: { accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' }, hostPath: { path: '/srv/pv-1' }, ...spec },
});
const sc = (fields: Json = {}, metadata: Json = { name: 'local' }): Json => ({
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata, provisioner: 'podnet.io/local', ...fields,
});

const QUANTITY_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const ACCESS_MODES = 'supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"';
const CLAIM_SPEC_IMMUTABLE = 'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims';
const BOUND = { phase: 'Bound' };
const node1Affinity = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-1'] }] }] } };

table('PersistentVolumeClaim', [
  { name: 'valid', obj: pvc(), want: [] },
  { name: 'valid with a class, a selector and every field people set', obj: pvc({ storageClassName: 'fast', selector: { matchLabels: { disk: 'ssd' } }, volumeMode: 'Block', accessModes: ['ReadOnlyMany', 'ReadWriteMany'] }), want: [] },
  { name: 'an empty class is a choice, not a name', obj: pvc({ storageClassName: '' }), want: [] },
  { name: 'access modes required', obj: pvc({ accessModes: [] }), want: ['spec.accessModes: Required value: at least 1 access mode is required'] },
  { name: 'access modes absent', obj: pvc({ accessModes: undefined }), want: ['spec.accessModes: Required value: at least 1 access mode is required'] },
  { name: 'unknown access mode', obj: pvc({ accessModes: ['ReadWriteSometimes'] }), want: [`spec.accessModes: Unsupported value: "ReadWriteSometimes": ${ACCESS_MODES}`] },
  { name: 'ReadWriteOncePod alone', obj: pvc({ accessModes: ['ReadWriteOncePod'] }), want: [] },
  { name: 'ReadWriteOncePod with another mode', obj: pvc({ accessModes: ['ReadWriteOncePod', 'ReadWriteOnce'] }), want: ['spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes'] },
  { name: 'selector checked between the two access-mode checks', obj: pvc({ accessModes: ['Sometimes'], selector: { matchLabels: { 'bad key!': 'x' } } }),
    want: [`spec.selector.matchLabels: Invalid value: "bad key!": ${LABEL_KEY_NAME_MSG}`, `spec.accessModes: Unsupported value: "Sometimes": ${ACCESS_MODES}`] },
  { name: 'storage request required', obj: pvc({ resources: { requests: { cpu: '1' } } }), want: ['spec.resources[storage]: Required value'] },
  { name: 'no resources at all', obj: pvc({ resources: undefined }), want: ['spec.resources[storage]: Required value'] },
  { name: 'storage request positive', obj: pvc({ resources: { requests: { storage: '0' } } }), want: ['spec.resources[storage]: Invalid value: "0": must be greater than zero'] },
  { name: 'negative storage request, printed as the quantity it is', obj: pvc({ resources: { requests: { storage: '-1024Mi' } } }), want: ['spec.resources[storage]: Invalid value: "-1Gi": must be greater than zero'] },
  { name: 'storage request not a quantity', obj: pvc({ resources: { requests: { storage: 'lots' } } }), want: [`spec.resources.requests[storage]: Invalid value: "lots": ${QUANTITY_MSG}`] },
  { name: 'a limit not a quantity', obj: pvc({ resources: { requests: { storage: '1Gi' }, limits: { storage: '1 Gi' } } }), want: [`spec.resources.limits[storage]: Invalid value: "1 Gi": ${QUANTITY_MSG}`] },
  { name: 'class name a DNS subdomain', obj: pvc({ storageClassName: 'Fast_SSD' }), want: [`spec.storageClassName: Invalid value: "Fast_SSD": ${DNS1123_SUBDOMAIN_MSG}`] },
  { name: 'volume mode', obj: pvc({ volumeMode: 'Raw' }), want: ['spec.volumeMode: Unsupported value: "Raw": supported values: "Block", "Filesystem"'] },
  { name: 'name a DNS subdomain', obj: pvc({}, meta('Data')), want: [`metadata.name: Invalid value: "Data": ${DNS1123_SUBDOMAIN_MSG}`] },
]);

table('PersistentVolumeClaim update', [
  { name: 'nothing changed', obj: pvc(), old: pvc(), want: [] },
  { name: 'the binder sets volumeName once', obj: pvc({ volumeName: 'pv-1' }), old: pvc(), want: [] },
  { name: 'volumeName "" counts as unset', obj: pvc({ volumeName: 'pv-1' }), old: pvc({ volumeName: '' }), want: [] },
  { name: 'volumeName never changes once set', obj: pvc({ volumeName: 'pv-2' }), old: pvc({ volumeName: 'pv-1' }), want: [CLAIM_SPEC_IMMUTABLE] },
  { name: 'access modes are fixed', obj: pvc({ accessModes: ['ReadWriteMany'] }), old: pvc(), want: [CLAIM_SPEC_IMMUTABLE] },
  { name: 'a class may be given to a claim created without one', obj: pvc({ storageClassName: 'fast' }), old: pvc(), want: [] },
  { name: 'but "" is a class choice: it stays', obj: pvc({ storageClassName: 'fast' }), old: pvc({ storageClassName: '' }), want: [CLAIM_SPEC_IMMUTABLE] },
  { name: 'a class never changes once set', obj: pvc({ storageClassName: 'slow' }), old: pvc({ storageClassName: 'fast' }), want: [CLAIM_SPEC_IMMUTABLE] },
  { name: 'nor is it removed', obj: pvc(), old: pvc({ storageClassName: 'fast' }), want: [CLAIM_SPEC_IMMUTABLE] },
  { name: 'the beta annotation\'s class may move into the spec',
    obj: pvc({ storageClassName: 'fast' }, meta('data', { annotations: { 'volume.beta.kubernetes.io/storage-class': 'fast' } })),
    old: pvc({}, meta('data', { annotations: { 'volume.beta.kubernetes.io/storage-class': 'fast' } })), want: [] },
  { name: 'but not another class than the annotation\'s',
    obj: pvc({ storageClassName: 'slow' }, meta('data', { annotations: { 'volume.beta.kubernetes.io/storage-class': 'fast' } })),
    old: pvc({}, meta('data', { annotations: { 'volume.beta.kubernetes.io/storage-class': 'fast' } })), want: [CLAIM_SPEC_IMMUTABLE] },
  { name: 'the beta annotation is immutable',
    obj: pvc({}, meta('data', { annotations: { 'volume.beta.kubernetes.io/storage-class': 'slow' } })),
    old: pvc({}, meta('data', { annotations: { 'volume.beta.kubernetes.io/storage-class': 'fast' } })),
    want: ['metadata.annotations.volume.beta.kubernetes.io/storage-class: Invalid value: "slow": field is immutable'] },
  { name: 'a bound claim may grow', obj: pvc({ resources: { requests: { storage: '2Gi' } } }, meta('data'), BOUND), old: pvc({}, meta('data'), BOUND), want: [] },
  { name: 'an unbound one may not', obj: pvc({ resources: { requests: { storage: '2Gi' } } }), old: pvc(), want: [CLAIM_SPEC_IMMUTABLE] },
  { name: 'the same size written differently is no change', obj: pvc({ resources: { requests: { storage: '1024Mi' } } }), old: pvc(), want: [] },
  { name: 'a bound claim may not shrink', obj: pvc({ resources: { requests: { storage: '512Mi' } } }, meta('data'), BOUND), old: pvc({}, meta('data'), BOUND),
    want: ['spec.resources.requests.storage: Forbidden: field can not be less than previous value'] },
  { name: 'other requests of a bound claim are fixed', obj: pvc({ resources: { requests: { storage: '1Gi', 'example.com/iops': '100' } } }, meta('data'), BOUND),
    old: pvc({}, meta('data'), BOUND), want: [CLAIM_SPEC_IMMUTABLE] },
  { name: 'volume mode is immutable, reported without spec.', obj: pvc({ volumeMode: 'Block' }), old: pvc(),
    want: [CLAIM_SPEC_IMMUTABLE, 'volumeMode: Invalid value: "Block": field is immutable'] },
  { name: 'the object is validated too, before the update rules', obj: pvc({ accessModes: ['Sometimes'] }), old: pvc(),
    want: [`spec.accessModes: Unsupported value: "Sometimes": ${ACCESS_MODES}`, CLAIM_SPEC_IMMUTABLE] },
]);

table('PersistentVolume', [
  { name: 'valid hostPath', obj: pv(), want: [] },
  { name: 'valid local with node affinity', obj: pv({ hostPath: undefined, local: { path: '/mnt/disks/a' }, nodeAffinity: node1Affinity, storageClassName: 'local', persistentVolumeReclaimPolicy: 'Delete' }), want: [] },
  { name: 'another source is stored as it is', obj: pv({ hostPath: undefined, nfs: { server: 'nfs.example.com', path: '/exports' } }), want: [] },
  { name: 'access modes required (no detail, unlike a claim)', obj: pv({ accessModes: [] }), want: ['spec.accessModes: Required value'] },
  { name: 'unknown access mode', obj: pv({ accessModes: ['RWO'] }), want: [`spec.accessModes: Unsupported value: "RWO": ${ACCESS_MODES}`] },
  { name: 'ReadWriteOncePod with another mode', obj: pv({ accessModes: ['ReadOnlyMany', 'ReadWriteOncePod'] }), want: ['spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes'] },
  { name: 'capacity required', obj: pv({ capacity: undefined }),
    want: ['spec.capacity: Required value', 'spec.capacity: Unsupported value: core.ResourceList(nil): supported values: "storage"'] },
  { name: 'capacity is storage only', obj: pv({ capacity: { storage: '1Gi', cpu: '1' } }),
    want: ['spec.capacity: Unsupported value: core.ResourceList{"cpu":"1", "storage":"1Gi"}: supported values: "storage"'] },
  { name: 'capacity positive', obj: pv({ capacity: { storage: '0' } }), want: ['spec.capacity[storage]: Invalid value: "0": must be greater than zero'] },
  { name: 'negative capacity: not a resource quantity, and not positive', obj: pv({ capacity: { storage: '-1Gi' } }),
    want: ['spec.capacity[storage]: Invalid value: -1073741824: must be a valid resource quantity', 'spec.capacity[storage]: Invalid value: "-1Gi": must be greater than zero'] },
  { name: 'capacity not a quantity', obj: pv({ capacity: { storage: 'big' } }), want: [`spec.capacity[storage]: Invalid value: "big": ${QUANTITY_MSG}`] },
  { name: 'reclaim policy', obj: pv({ persistentVolumeReclaimPolicy: 'Keep' }), want: ['spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"'] },
  { name: 'a volume source required', obj: pv({ hostPath: undefined }), want: ['spec: Required value: must specify a volume type'] },
  { name: 'one volume source only', obj: pv({ local: { path: '/mnt/a' }, nodeAffinity: node1Affinity }), want: ['spec.local: Forbidden: may not specify more than 1 volume type'] },
  { name: 'cephfs spelled as upstream spells it', obj: pv({ cephfs: { monitors: ['m'] } }), want: ['spec.cephFS: Forbidden: may not specify more than 1 volume type'] },
  { name: 'flexVolume is counted without the error, as upstream', obj: pv({ flexVolume: { driver: 'x/y' } }), want: [] },
  { name: 'hostPath path required', obj: pv({ hostPath: { path: '' } }), want: ['spec.hostPath.path: Required value'] },
  { name: 'hostPath without ..', obj: pv({ hostPath: { path: '/srv/../etc' } }), want: ['spec.hostPath.path: Invalid value: "/srv/../etc": must not contain \'..\''] },
  { name: 'hostPath type', obj: pv({ hostPath: { path: '/srv/a', type: 'Folder' } }),
    want: ['spec.hostPath.type: Unsupported value: "Folder": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"'] },
  { name: 'the whole machine may not be recycled', obj: pv({ hostPath: { path: '/srv/..//' }, persistentVolumeReclaimPolicy: 'Recycle' }),
    want: ['spec.hostPath.path: Invalid value: "/srv/..//": must not contain \'..\'', "spec.persistentVolumeReclaimPolicy: Forbidden: may not be 'recycle' for a hostPath mount of '/'"] },
  { name: 'a local volume needs node affinity', obj: pv({ hostPath: undefined, local: { path: '/mnt/a' } }), want: ['spec.nodeAffinity: Required value: Local volume requires node affinity'] },
  { name: 'node affinity needs required terms', obj: pv({ nodeAffinity: {} }), want: ['spec.nodeAffinity.required: Required value: must specify required node constraints'] },
  { name: 'node affinity needs a term', obj: pv({ nodeAffinity: { required: { nodeSelectorTerms: [] } } }), want: ['spec.nodeAffinity.required.nodeSelectorTerms: Required value: must have at least one node selector term'] },
  { name: 'class name a DNS subdomain', obj: pv({ storageClassName: 'Local' }), want: [`spec.storageClassName: Invalid value: "Local": ${DNS1123_SUBDOMAIN_MSG}`] },
  { name: 'volume mode', obj: pv({ volumeMode: 'Raw' }), want: ['spec.volumeMode: Unsupported value: "Raw": supported values: "Block", "Filesystem"'] },
]);

table('PersistentVolume update', [
  { name: 'the binder and the user may change claimRef, class, policy and capacity',
    obj: pv({ claimRef: { namespace: 'default', name: 'data' }, storageClassName: 'local', persistentVolumeReclaimPolicy: 'Delete', capacity: { storage: '2Gi' } }), old: pv(), want: [] },
  { name: 'the volume source never changes', obj: pv({ hostPath: { path: '/srv/other' } }), old: pv(),
    want: ['spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation'] },
  { name: 'nor the kind of source', obj: pv({ hostPath: undefined, local: { path: '/srv/pv-1' }, nodeAffinity: node1Affinity }), old: pv(),
    want: ['spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation'] },
  { name: 'volume mode is immutable', obj: pv({ volumeMode: 'Block' }), old: pv(), want: ['volumeMode: Invalid value: "Block": field is immutable'] },
  { name: 'node affinity may be set once', obj: pv({ nodeAffinity: node1Affinity }), old: pv(), want: [] },
  { name: 'and then never changes', obj: pv({ nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }] } } }), old: pv({ nodeAffinity: node1Affinity }),
    want: ['nodeAffinity: Invalid value: {"required":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"zone","operator":"Exists"}]}]}}: field is immutable'] },
]);

table('StorageClass', [
  { name: 'valid', obj: sc(), want: [] },
  { name: 'valid with everything', obj: sc({ parameters: { tier: 'fast' }, reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true, mountOptions: ['noatime'] }), want: [] },
  { name: 'provisioner required', obj: sc({ provisioner: undefined }), want: ['provisioner: Required value'] },
  { name: 'provisioner a qualified name (case ignored)', obj: sc({ provisioner: 'Podnet.IO/Local' }), want: [] },
  { name: 'provisioner not a qualified name', obj: sc({ provisioner: 'podnet io/local' }),
    want: [`provisioner: Invalid value: "podnet io/local": prefix part ${DNS1123_SUBDOMAIN_MSG}`] },
  { name: 'parameter keys not empty', obj: sc({ parameters: { '': 'x' } }), want: ['parameters: Invalid value: "": field can not be empty.'] },
  { name: 'at most 512 parameters', obj: sc({ parameters: Object.fromEntries(Array.from({ length: 513 }, (_, i) => [`k${i}`, 'v'])) }), want: ['parameters: Too long: must have at most 512 bytes'] },
  { name: 'parameters at most 256 KiB', obj: sc({ parameters: { big: 'x'.repeat(256 * 1024) } }), want: ['parameters: Too long: must have at most 262144 bytes'] },
  { name: 'reclaim policy Delete or Retain', obj: sc({ reclaimPolicy: 'Recycle' }), want: ['reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"'] },
  { name: 'binding mode', obj: sc({ volumeBindingMode: 'Later' }), want: ['volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"'] },
  { name: 'name a DNS subdomain', obj: sc({}, { name: 'Local' }), want: [`metadata.name: Invalid value: "Local": ${DNS1123_SUBDOMAIN_MSG}`] },
]);

table('StorageClass update', [
  { name: 'expansion, mount options and annotations may change',
    obj: sc({ allowVolumeExpansion: true, mountOptions: ['noatime'] }, { name: 'local', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }), old: sc(), want: [] },
  { name: 'parameters are fixed', obj: sc({ parameters: { tier: 'slow' } }), old: sc({ parameters: { tier: 'fast' } }), want: ['parameters: Forbidden: updates to parameters are forbidden.'] },
  { name: 'provisioner is fixed', obj: sc({ provisioner: 'example.com/nfs' }), old: sc(), want: ['provisioner: Forbidden: updates to provisioner are forbidden.'] },
  { name: 'reclaim policy is fixed', obj: sc({ reclaimPolicy: 'Retain' }), old: sc(), want: ['reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.'] },
  { name: 'binding mode is fixed', obj: sc({ volumeBindingMode: 'WaitForFirstConsumer' }), old: sc(), want: ['volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable'] },
]);
