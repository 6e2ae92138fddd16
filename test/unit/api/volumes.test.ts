// Pod volumes, volume mounts, envFrom and the downward API selectors, as rows
// of manifest → exact messages (upstream's wording and field paths, odd ones
// included), and real-world pod templates that must keep passing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalQuantity } from '../../../src/api/validation/volumes.js';
import { validatePodSpec } from '../../../src/api/validation/pod.js';
import {
  CONFIG_KEY_MSG, DNS1123_LABEL_MSG, DNS1123_SUBDOMAIN_MSG, LABEL_KEY_NAME_MSG, container, deployment, pod, run, statefulSet, table,
  template, type Json,
} from './fixtures.js';

const MODE = 'must be a number between 0 and 0777 (octal), both inclusive';
const VOLUME_FIELD_PATHS = 'supported values: "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"';
const RESOURCES = 'supported values: "limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"';
const BYTE_DIVISORS = "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the";
const QUANTITY = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/** A pod with these volumes, its container mounting `mounts`. */
const withVolumes = (volumes: unknown[], mounts: unknown[] = []) => pod({ volumes, containers: [container({ volumeMounts: mounts })] });
const one = (volume: Json) => withVolumes([{ name: 'v', ...volume }]);
const downward = (...items: Json[]) => one({ downwardAPI: { items } });
const projected = (...sources: Json[]) => one({ projected: { sources } });
const envWith = (extra: Json) => pod({ containers: [container(extra)] });
const resourceEnv = (ref: Json) => envWith({ env: [{ name: 'R', valueFrom: { resourceFieldRef: ref } }] });

// A web Deployment's template as people write them: files from a ConfigMap
// (some picked by key), a Secret, the service account volume as upstream's
// admission plugin injects it, downward API files, scratch space, a host
// directory, env from a ConfigMap and a Secret, and resource env vars.
const WEB_POD_SPEC: Json = {
  volumes: [
    { name: 'config', configMap: { name: 'web-config', defaultMode: 0o644, items: [{ key: 'nginx.conf', path: 'nginx.conf' }, { key: 'mime.types', path: 'conf.d/mime.types', mode: 0o444 }] } },
    { name: 'tls', secret: { secretName: 'web-tls', defaultMode: 0o400, optional: false } },
    {
      name: 'kube-api-access-x7k2p',
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    },
    {
      name: 'podinfo',
      downwardAPI: {
        items: [
          { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
          { path: 'tier', fieldRef: { fieldPath: "metadata.labels['tier']" } },
          { path: 'owner', fieldRef: { fieldPath: "metadata.annotations['Example.com/Owner']" } },
          { path: 'cpu_limit', resourceFieldRef: { containerName: 'web', resource: 'limits.cpu', divisor: '1m' } },
          { path: 'mem_request', resourceFieldRef: { containerName: 'web', resource: 'requests.memory', divisor: '1Mi' } },
        ],
      },
    },
    { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    { name: 'logs', hostPath: { path: '/var/log/web', type: 'DirectoryOrCreate' } },
  ],
  initContainers: [container({
    name: 'render', image: 'busybox:1.36', command: ['sh', '-c', 'cp /config/* /work/'],
    volumeMounts: [{ name: 'config', mountPath: '/config', readOnly: true }, { name: 'cache', mountPath: '/work' }],
  })],
  containers: [container({
    name: 'web', image: 'nginx:1.27',
    envFrom: [{ configMapRef: { name: 'web-env' } }, { prefix: 'SECRET_', secretRef: { name: 'web-secrets', optional: true } }],
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'MEMORY_LIMIT_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'CPU_REQUEST', valueFrom: { resourceFieldRef: { containerName: 'web', resource: 'requests.cpu', divisor: 1 } } },
    ],
    resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
    volumeMounts: [
      { name: 'config', mountPath: '/etc/nginx/nginx.conf', subPath: 'nginx.conf', readOnly: true },
      { name: 'config', mountPath: '/etc/nginx/conf.d', subPath: 'conf.d', readOnly: true },
      { name: 'tls', mountPath: '/etc/tls', readOnly: true, recursiveReadOnly: 'IfPossible' },
      { name: 'kube-api-access-x7k2p', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
      { name: 'podinfo', mountPath: '/etc/podinfo' },
      { name: 'cache', mountPath: '/var/cache/nginx', mountPropagation: 'None' },
      { name: 'logs', mountPath: '/var/log/nginx', subPathExpr: '$(POD_NAME)', mountPropagation: 'HostToContainer' },
    ],
  })],
};

table('real-world pod templates', [
  { name: 'a web Deployment with configMap, secret, projected, downwardAPI, emptyDir and hostPath volumes', obj: deployment({ template: template(WEB_POD_SPEC) }), want: [] },
  { name: 'the same as a Pod', obj: pod(WEB_POD_SPEC), want: [] },
  { name: 'a StatefulSet whose template has its own volumes', obj: statefulSet({ template: template(WEB_POD_SPEC) }), want: [] },
]);

test('a StatefulSet template may mount its volumeClaimTemplates', () => {
  const spec = { restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', containers: [container({ imagePullPolicy: 'Always', volumeMounts: [{ name: 'data', mountPath: '/data' }] })] };
  assert.deepEqual(validatePodSpec(spec, 'spec.template.spec', ['data']).map(String), []);
  assert.deepEqual(validatePodSpec(spec, 'spec.template.spec').map(String), ['spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"']);
});

table('volumes', [
  { name: 'name required', obj: withVolumes([{ emptyDir: {} }]), want: ['spec.volumes[0].name: Required value'] },
  { name: 'name is a DNS label', obj: withVolumes([{ name: 'Data', emptyDir: {} }]), want: [`spec.volumes[0].name: Invalid value: "Data": ${DNS1123_LABEL_MSG}`] },
  { name: 'names are unique', obj: withVolumes([{ name: 'data', emptyDir: {} }, { name: 'data', emptyDir: {} }]), want: ['spec.volumes[1].name: Duplicate value: "data"'] },
  // the API server defaults a volume without a source to an emptyDir before it validates (SetDefaults_Volume)
  { name: 'a volume without a source is an emptyDir', obj: one({}), want: [] },
  { name: 'only one source', obj: one({ emptyDir: {}, configMap: { name: 'c' } }), want: ['spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type'] },
  { name: 'a second downwardAPI source is spelled as upstream spells it', obj: one({ secret: { secretName: 's' }, downwardAPI: {} }), want: ['spec.volumes[0].downwarAPI: Forbidden: may not specify more than 1 volume type'] },
  { name: 'sources podnet does not serve still count', obj: one({ nfs: { server: 'nfs.example', path: '/' } }), want: [] },
  { name: 'a claim', obj: one({ persistentVolumeClaim: { claimName: 'data', readOnly: true } }), want: [] },
  { name: 'a claim needs a name', obj: one({ persistentVolumeClaim: {} }), want: ['spec.volumes[0].persistentVolumeClaim.claimName: Required value'] },
  { name: 'a volume of the wrong type', obj: withVolumes(['data']), want: ['spec.volumes[0]: Invalid value: "data": must be an object'] },
  { name: 'volumes of the wrong type', obj: pod({ volumes: { name: 'v' } }), want: ['spec.volumes: Invalid value: {"name":"v"}: must be a list'] },
]);

table('configMap and secret volumes', [
  { name: 'configMap name required', obj: one({ configMap: {} }), want: ['spec.volumes[0].configMap.name: Required value'] },
  { name: 'secretName required', obj: one({ secret: { defaultMode: 0o600 } }), want: ['spec.volumes[0].secret.secretName: Required value'] },
  { name: 'item key and path required', obj: one({ configMap: { name: 'c', items: [{}] } }), want: ['spec.volumes[0].configMap.items[0].key: Required value', 'spec.volumes[0].configMap.items[0].path: Required value'] },
  { name: 'item path is relative', obj: one({ secret: { secretName: 's', items: [{ key: 'k', path: '/etc/k' }] } }), want: ['spec.volumes[0].secret.items[0].path: Invalid value: "/etc/k": must be a relative path'] },
  { name: 'item path has no .. element', obj: one({ configMap: { name: 'c', items: [{ key: 'k', path: 'a/../../b' }] } }), want: ["spec.volumes[0].configMap.items[0].path: Invalid value: \"a/../../b\": must not contain '..'"] },
  { name: 'item path may not start with .. (the writer\'s own names)', obj: one({ configMap: { name: 'c', items: [{ key: 'k', path: '..data' }] } }), want: ["spec.volumes[0].configMap.items[0].path: Invalid value: \"..data\": must not start with '..'"] },
  { name: 'a leading ../ is reported once', obj: one({ configMap: { name: 'c', items: [{ key: 'k', path: '../k' }] } }), want: ["spec.volumes[0].configMap.items[0].path: Invalid value: \"../k\": must not contain '..'"] },
  { name: 'item mode at most 0777', obj: one({ configMap: { name: 'c', items: [{ key: 'k', path: 'k', mode: 0o1000 }] } }), want: [`spec.volumes[0].configMap.items[0].mode: Invalid value: 512: ${MODE}`] },
  { name: 'item mode not negative', obj: one({ secret: { secretName: 's', items: [{ key: 'k', path: 'k', mode: -1 }] } }), want: [`spec.volumes[0].secret.items[0].mode: Invalid value: -1: ${MODE}`] },
  { name: 'defaultMode 0 and 0777 are the bounds', obj: withVolumes([{ name: 'a', configMap: { name: 'c', defaultMode: 0 } }, { name: 'b', secret: { secretName: 's', defaultMode: 0o777 } }]), want: [] },
  { name: 'defaultMode above 0777', obj: one({ secret: { secretName: 's', defaultMode: 1000 } }), want: [`spec.volumes[0].secret.defaultMode: Invalid value: 1000: ${MODE}`] },
  // upstream leaves the key's format to the ConfigMap itself; a missing key fails on the node
  { name: 'item keys are not format-checked', obj: one({ configMap: { name: 'c', items: [{ key: 'not a key!', path: 'k' }] } }), want: [] },
]);

table('downwardAPI volumes', [
  { name: 'an item needs a path and one reference; errors name the source', obj: downward({}), want: ['spec.volumes[0].downwardAPI.path: Required value', 'spec.volumes[0].downwardAPI: Required value: one of fieldRef and resourceFieldRef is required'] },
  { name: 'not both references', obj: downward({ path: 'x', fieldRef: { fieldPath: 'metadata.name' }, resourceFieldRef: { containerName: 'app', resource: 'limits.cpu' } }), want: ['spec.volumes[0].downwardAPI: Invalid value: "resource": fieldRef and resourceFieldRef can not be specified simultaneously'] },
  { name: 'path rules', obj: downward({ path: '/abs', fieldRef: { fieldPath: 'metadata.name' } }), want: ['spec.volumes[0].downwardAPI.path: Invalid value: "/abs": must be a relative path'] },
  { name: 'item mode', obj: downward({ path: 'n', mode: 0o1777, fieldRef: { fieldPath: 'metadata.name' } }), want: [`spec.volumes[0].downwardAPI.mode: Invalid value: 1023: ${MODE}`] },
  { name: 'fields a volume may hold', obj: downward(...['metadata.name', 'metadata.namespace', 'metadata.uid', 'metadata.labels', 'metadata.annotations', "metadata.labels['app']", "metadata.annotations['a.io/b']"].map((fieldPath, i) => ({ path: `f${i}`, fieldRef: { fieldPath } }))), want: [] },
  { name: 'status fields are for env vars only', obj: downward({ path: 'ip', fieldRef: { fieldPath: 'status.podIP' } }), want: [`spec.volumes[0].downwardAPI.fieldRef.fieldPath: Unsupported value: "status.podIP": ${VOLUME_FIELD_PATHS}`] },
  { name: 'spec.host is converted before the check', obj: downward({ path: 'n', fieldRef: { fieldPath: 'spec.host' } }), want: [`spec.volumes[0].downwardAPI.fieldRef.fieldPath: Unsupported value: "spec.nodeName": ${VOLUME_FIELD_PATHS}`] },
  { name: 'a field the downward API does not know', obj: downward({ path: 'c', fieldRef: { fieldPath: 'spec.containers' } }), want: ['spec.volumes[0].downwardAPI.fieldRef.fieldPath: Invalid value: "spec.containers": error converting fieldPath: field label not supported: spec.containers'] },
  { name: 'a subscript only on labels and annotations', obj: downward({ path: 'c', fieldRef: { fieldPath: "spec.nodeSelector['zone']" } }), want: ["spec.volumes[0].downwardAPI.fieldRef.fieldPath: Invalid value: \"spec.nodeSelector['zone']\": error converting fieldPath: field label does not support subscript: spec.nodeSelector['zone']"] },
  { name: 'a label subscript is a qualified name', obj: downward({ path: 'c', fieldRef: { fieldPath: "metadata.labels['bad key']" } }), want: [`spec.volumes[0].downwardAPI.fieldRef: Invalid value: "bad key": ${LABEL_KEY_NAME_MSG}`] },
  { name: 'only apiVersion v1', obj: downward({ path: 'n', fieldRef: { apiVersion: 'v2', fieldPath: 'metadata.name' } }), want: ['spec.volumes[0].downwardAPI.fieldRef.fieldPath: Invalid value: "metadata.name": error converting fieldPath: unsupported pod version: v2'] },
  { name: 'fieldPath required', obj: downward({ path: 'n', fieldRef: {} }), want: ['spec.volumes[0].downwardAPI.fieldRef.fieldPath: Required value'] },
  { name: 'a resource file names its container', obj: downward({ path: 'cpu', resourceFieldRef: { resource: 'limits.cpu' } }), want: ['spec.volumes[0].downwardAPI.resourceFieldRef.containerName: Required value'] },
  { name: 'a known resource', obj: downward({ path: 'gpu', resourceFieldRef: { containerName: 'app', resource: 'limits.nvidia.com/gpu' } }), want: [`spec.volumes[0].downwardAPI.resourceFieldRef.resource: Unsupported value: "limits.nvidia.com/gpu": ${RESOURCES}`] },
  { name: 'hugepages by prefix', obj: downward({ path: 'hp', resourceFieldRef: { containerName: 'app', resource: 'limits.hugepages-2Mi', divisor: '1Mi' } }), want: [] },
  { name: 'defaultMode', obj: one({ downwardAPI: { defaultMode: 0o2000 } }), want: [`spec.volumes[0].downwardAPI.defaultMode: Invalid value: 1024: ${MODE}`] },
]);

table('projected volumes', [
  { name: 'one kind per source', obj: projected({ configMap: { name: 'c' }, secret: { name: 's' } }), want: ['spec.volumes[0].projected.sources[0]: Forbidden: may not specify more than 1 volume type per source'] },
  { name: 'an empty source is not an error upstream', obj: projected({}), want: [] },
  { name: 'configMap and secret names required', obj: projected({ configMap: {} }, { secret: { items: [{ key: 'k', path: 'k' }] } }), want: ['spec.volumes[0].projected.sources[0].configMap.name: Required value', 'spec.volumes[0].projected.sources[1].secret.name: Required value'] },
  { name: 'two sources may not write one path', obj: projected({ configMap: { name: 'c', items: [{ key: 'a', path: 'conf' }] } }, { secret: { name: 's', items: [{ key: 'b', path: 'conf' }] } }), want: ['spec.volumes[0].projected: Invalid value: "s": conflicting duplicate paths'] },
  { name: 'a downward API file clashing is named by its path', obj: projected({ downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }, { path: 'ns', fieldRef: { fieldPath: 'metadata.name' } }] } }), want: ['spec.volumes[0].projected: Invalid value: "ns": conflicting duplicate paths'] },
  { name: 'downward API errors name the source', obj: projected({ downwardAPI: { items: [{ path: 'ip', fieldRef: { fieldPath: 'status.podIP' } }] } }), want: [`spec.volumes[0].projected.sources[0].downwardAPI.fieldRef.fieldPath: Unsupported value: "status.podIP": ${VOLUME_FIELD_PATHS}`] },
  { name: 'item rules apply', obj: projected({ secret: { name: 's', items: [{ key: 'k', path: '/k', mode: 0o1000 }] } }), want: ['spec.volumes[0].projected.sources[0].secret.items[0].path: Invalid value: "/k": must be a relative path', `spec.volumes[0].projected.sources[0].secret.items[0].mode: Invalid value: 512: ${MODE}`] },
  { name: 'a token lives at least 10 minutes', obj: projected({ serviceAccountToken: { path: 'token', expirationSeconds: 599 } }), want: ['spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes'] },
  { name: 'a token lives at most 2^32 seconds', obj: projected({ serviceAccountToken: { path: 'token', expirationSeconds: 2 ** 32 + 1 } }), want: ['spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds'] },
  { name: 'a token without expirationSeconds is fine (upstream defaults it to 3600)', obj: projected({ serviceAccountToken: { path: 'token' } }), want: [] },
  { name: 'a token path is required, reported on the volume', obj: projected({ serviceAccountToken: { audience: 'vault' } }), want: ['spec.volumes[0].projected.path: Required value'] },
  { name: 'a token path is relative', obj: projected({ serviceAccountToken: { path: '/var/token' } }), want: ['spec.volumes[0].projected.path: Invalid value: "/var/token": must be a relative path'] },
  { name: 'a token path may repeat another source\'s', obj: projected({ serviceAccountToken: { path: 'token' } }, { configMap: { name: 'c', items: [{ key: 'k', path: 'token' }] } }), want: [] },
  { name: 'defaultMode', obj: one({ projected: { defaultMode: -1, sources: [] } }), want: [`spec.volumes[0].projected.defaultMode: Invalid value: -1: ${MODE}`] },
]);

table('hostPath and emptyDir volumes', [
  { name: 'hostPath path required', obj: one({ hostPath: { type: 'Directory' } }), want: ['spec.volumes[0].hostPath.path: Required value'] },
  { name: 'hostPath without .. elements', obj: one({ hostPath: { path: '/var/../etc' } }), want: ["spec.volumes[0].hostPath.path: Invalid value: \"/var/../etc\": must not contain '..'"] },
  { name: 'hostPath types', obj: withVolumes(['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'].map((type, i) => ({ name: `h${i}`, hostPath: { path: '/dev/null', type } }))), want: [] },
  { name: 'an unknown hostPath type', obj: one({ hostPath: { path: '/srv', type: 'Dir' } }), want: ['spec.volumes[0].hostPath.type: Unsupported value: "Dir": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"'] },
  { name: 'emptyDir sizeLimit not negative', obj: one({ emptyDir: { sizeLimit: '-1Gi' } }), want: ['spec.volumes[0].emptyDir.sizeLimit: Forbidden: SizeLimit field must be a valid resource quantity'] },
  { name: 'emptyDir sizeLimit a quantity', obj: one({ emptyDir: { sizeLimit: 'lots' } }), want: [`spec.volumes[0].emptyDir.sizeLimit: Invalid value: "lots": ${QUANTITY}`] },
  // the API server does not check the medium; the node refuses an unknown one
  { name: 'emptyDir medium is not checked here', obj: withVolumes([{ name: 'a', emptyDir: { medium: 'HugePages-2Mi' } }, { name: 'b', emptyDir: { medium: 'Tape' } }]), want: [] },
]);

table('volumeMounts', [
  { name: 'a mount names a volume of the pod', obj: withVolumes([{ name: 'data', emptyDir: {} }], [{ name: 'cfg', mountPath: '/cfg' }]), want: ['spec.containers[0].volumeMounts[0].name: Not found: "cfg"'] },
  { name: 'a mount of a broken volume is not found either', obj: withVolumes([{ name: 'cfg', configMap: {} }], [{ name: 'cfg', mountPath: '/cfg' }]), want: ['spec.volumes[0].configMap.name: Required value', 'spec.containers[0].volumeMounts[0].name: Not found: "cfg"'] },
  { name: 'name and mountPath required', obj: withVolumes([], [{}]), want: ['spec.containers[0].volumeMounts[0].name: Required value', 'spec.containers[0].volumeMounts[0].name: Not found: ""', 'spec.containers[0].volumeMounts[0].mountPath: Required value'] },
  { name: 'mount points are unique in a container', obj: withVolumes([{ name: 'a', emptyDir: {} }, { name: 'b', emptyDir: {} }], [{ name: 'a', mountPath: '/data' }, { name: 'b', mountPath: '/data' }]), want: ['spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/data": must be unique'] },
  { name: 'two containers may mount one volume at one path', obj: pod({ volumes: [{ name: 'a', emptyDir: {} }], containers: [container({ volumeMounts: [{ name: 'a', mountPath: '/a' }] }), container({ name: 'b', volumeMounts: [{ name: 'a', mountPath: '/a' }] })] }), want: [] },
  { name: 'subPath is relative; errors name the list', obj: withVolumes([{ name: 'a', emptyDir: {} }], [{ name: 'a', mountPath: '/a', subPath: '/etc' }]), want: ['spec.containers[0].volumeMounts.subPath: Invalid value: "/etc": must be a relative path'] },
  { name: 'subPath without ..', obj: withVolumes([{ name: 'a', emptyDir: {} }], [{ name: 'a', mountPath: '/a', subPath: 'x/../..' }]), want: ["spec.containers[0].volumeMounts.subPath: Invalid value: \"x/../..\": must not contain '..'"] },
  { name: 'subPath and subPathExpr exclude each other', obj: withVolumes([{ name: 'a', emptyDir: {} }], [{ name: 'a', mountPath: '/a', subPath: 'x', subPathExpr: '$(POD_NAME)' }]), want: ['spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: "$(POD_NAME)": subPathExpr and subPath are mutually exclusive'] },
  { name: 'subPathExpr is relative', obj: withVolumes([{ name: 'a', emptyDir: {} }], [{ name: 'a', mountPath: '/a', subPathExpr: '/$(POD_NAME)' }]), want: ['spec.containers[0].volumeMounts.subPathExpr: Invalid value: "/$(POD_NAME)": must be a relative path'] },
  { name: 'mountPropagation values', obj: withVolumes([{ name: 'a', emptyDir: {} }], [{ name: 'a', mountPath: '/a', mountPropagation: 'Shared' }]), want: ['spec.containers[0].volumeMounts.mountPropagation: Unsupported value: "Shared": supported values: "Bidirectional", "HostToContainer", "None"'] },
  { name: 'Bidirectional needs a privileged container', obj: withVolumes([{ name: 'a', hostPath: { path: '/mnt' } }], [{ name: 'a', mountPath: '/a', mountPropagation: 'Bidirectional' }]), want: ['spec.containers[0].volumeMounts.mountPropagation: Forbidden: Bidirectional mount propagation is available only to privileged containers'] },
  { name: 'Bidirectional in a privileged container', obj: pod({ volumes: [{ name: 'a', hostPath: { path: '/mnt' } }], containers: [container({ securityContext: { privileged: true }, volumeMounts: [{ name: 'a', mountPath: '/a', mountPropagation: 'Bidirectional' }] })] }), want: [] },
  { name: 'recursiveReadOnly needs readOnly and no propagation', obj: withVolumes([{ name: 'a', emptyDir: {} }], [{ name: 'a', mountPath: '/a', recursiveReadOnly: 'Enabled', mountPropagation: 'HostToContainer' }]), want: ['spec.containers[0].volumeMounts.recursiveReadOnly: Forbidden: may only be specified when readOnly is true', 'spec.containers[0].volumeMounts.recursiveReadOnly: Forbidden: may only be specified when mountPropagation is None or not specified'] },
  { name: 'recursiveReadOnly values', obj: withVolumes([{ name: 'a', emptyDir: {} }], [{ name: 'a', mountPath: '/a', readOnly: true, recursiveReadOnly: 'Always' }]), want: ['spec.containers[0].volumeMounts.recursiveReadOnly: Unsupported value: "Always": supported values: "Disabled", "Enabled", "IfPossible"'] },
  { name: 'init containers mount the pod\'s volumes too', obj: pod({ volumes: [{ name: 'a', emptyDir: {} }], initContainers: [container({ name: 'init', volumeMounts: [{ name: 'b', mountPath: '/b' }] })] }), want: ['spec.initContainers[0].volumeMounts[0].name: Not found: "b"'] },
  { name: 'in a Deployment template', obj: deployment({ template: template({ containers: [container({ volumeMounts: [{ name: 'data', mountPath: '/data' }] })] }) }), want: ['spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"'] },
  { name: 'a mount of the wrong type', obj: withVolumes([], ['data']), want: ['spec.containers[0].volumeMounts[0]: Invalid value: "data": must be an object'] },
]);

table('envFrom', [
  { name: 'one of configMapRef or secretRef; reported on the list', obj: envWith({ envFrom: [{ prefix: 'A_' }] }), want: ['spec.containers[0].envFrom: Invalid value: "": must specify one of: `configMapRef` or `secretRef`'] },
  { name: 'not both', obj: envWith({ envFrom: [{ configMapRef: { name: 'c' }, secretRef: { name: 's' } }] }), want: ['spec.containers[0].envFrom: Invalid value: "": may not have more than one field specified at a time'] },
  { name: 'a name is required', obj: envWith({ envFrom: [{ configMapRef: {} }, { secretRef: { optional: true } }] }), want: ['spec.containers[0].envFrom[0].configMapRef.name: Required value', 'spec.containers[0].envFrom[1].secretRef.name: Required value'] },
  { name: 'the name is an object name', obj: envWith({ envFrom: [{ secretRef: { name: 'Creds' } }] }), want: [`spec.containers[0].envFrom[0].secretRef.name: Invalid value: "Creds": ${DNS1123_SUBDOMAIN_MSG}`] },
  { name: 'a trailing dash passes, as upstream checks it like a generateName', obj: envWith({ envFrom: [{ configMapRef: { name: 'web-' } }] }), want: [] },
  { name: 'the prefix follows the relaxed env var rule', obj: envWith({ envFrom: [{ prefix: '1.x-', configMapRef: { name: 'c' } }, { prefix: 'A=', secretRef: { name: 's' } }] }), want: ["spec.containers[0].envFrom[1].prefix: Invalid value: \"A=\": a valid environment variable name must consist only of printable ASCII characters other than '='"] },
  { name: 'in an init container', obj: pod({ initContainers: [container({ name: 'init', envFrom: [{}] })] }), want: ['spec.initContainers[0].envFrom: Invalid value: "": must specify one of: `configMapRef` or `secretRef`'] },
]);

table('env resourceFieldRef', [
  { name: 'resource required', obj: resourceEnv({ divisor: '1m' }), want: ['spec.containers[0].env[0].valueFrom.resourceFieldRef.resource: Required value'] },
  { name: 'containerName is optional in env', obj: resourceEnv({ resource: 'requests.ephemeral-storage', divisor: '1Gi' }), want: [] },
  { name: 'a known resource', obj: resourceEnv({ resource: 'cpu' }), want: [`spec.containers[0].env[0].valueFrom.resourceFieldRef.resource: Unsupported value: "cpu": ${RESOURCES}`] },
  { name: 'cpu in millicores or cores', obj: resourceEnv({ resource: 'limits.cpu', divisor: '1Mi' }), want: ["spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor: Invalid value: \"limits.cpu\": only divisor's values 1m and 1 are supported with the cpu resource"] },
  { name: 'divisors compare in canonical form', obj: envWith({ env: [['limits.cpu', '1000m'], ['requests.cpu', 0.001], ['limits.memory', '1024Ki'], ['limits.memory', '1000k'], ['requests.memory', 1], ['limits.cpu', '0']].map(([resource, divisor], i) => ({ name: `R${i}`, valueFrom: { resourceFieldRef: { resource, divisor } } })) }), want: [] },
  { name: 'memory in whole units', obj: resourceEnv({ resource: 'limits.memory', divisor: '1024' }), want: [`spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor: Invalid value: "limits.memory": ${BYTE_DIVISORS} memory resource`] },
  { name: 'ephemeral storage', obj: resourceEnv({ resource: 'limits.ephemeral-storage', divisor: '2Gi' }), want: [`spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor: Invalid value: "limits.ephemeral-storage": ${BYTE_DIVISORS} local ephemeral storage resource`] },
  { name: 'hugepages', obj: resourceEnv({ resource: 'requests.hugepages-1Gi', divisor: '1m' }), want: [`spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor: Invalid value: "requests.hugepages-1Gi": ${BYTE_DIVISORS} hugepages resource`] },
  { name: 'a divisor that is no quantity', obj: resourceEnv({ resource: 'limits.memory', divisor: 'one' }), want: [`spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor: Invalid value: "one": ${QUANTITY}`] },
  { name: 'counts as the one source', obj: envWith({ env: [{ name: 'R', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' }, configMapKeyRef: { name: 'c', key: 'k' } } }] }), want: ['spec.containers[0].env[0].valueFrom: Invalid value: "": may not have more than one field specified at a time'] },
]);

table('env fieldRef through the field label conversion', [
  { name: 'spec.host is the old name of spec.nodeName', obj: envWith({ env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'spec.host' } } }] }), want: [] },
  { name: 'an unknown field', obj: envWith({ env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'spec.nodename' } } }] }), want: ['spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Invalid value: "spec.nodename": error converting fieldPath: field label not supported: spec.nodename'] },
  { name: 'all labels are for volumes only', obj: envWith({ env: [{ name: 'L', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } }] }), want: ['spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "metadata.labels": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"'] },
  { name: 'configMapKeyRef keys stay format-checked in env', obj: envWith({ env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'c', key: 'a b' } } }] }), want: [`spec.containers[0].env[0].valueFrom.configMapKeyRef.key: Invalid value: "a b": ${CONFIG_KEY_MSG}`] },
]);

test('canonicalQuantity prints what resource.Quantity.String() prints', () => {
  const rows: [unknown, string | undefined][] = [
    ['1', '1'], ['1000m', '1'], ['0.001', '1m'], ['0.5', '500m'], ['1500m', '1500m'], ['1000', '1k'], ['1024', '1024'],
    ['1000k', '1M'], ['1E', '1E'], ['1024Ki', '1Mi'], ['2048Mi', '2Gi'], ['1.5Ki', '1536'], ['0.5Ki', '512'], ['1Ki', '1Ki'],
    ['1e3', '1e3'], ['12e-1', '1200e-3'], ['0', '0'], ['0Mi', '0'], ['-1Gi', '-1Gi'], ['+2', '2'], [1, '1'], [0.001, '1m'],
    ['', undefined], ['.', undefined], ['one', undefined], ['1e', undefined], ['1 Mi', undefined], [true, undefined], [null, undefined],
  ];
  for (const [input, want] of rows) assert.equal(canonicalQuantity(input), want, `canonicalQuantity(${JSON.stringify(input)})`);
});

/** Copies of `o` with one value somewhere inside replaced by `garbage`. */
function* withGarbage(o: unknown, garbage: unknown): Generator<unknown> {
  if (typeof o !== 'object' || o === null) return;
  for (const key of Object.keys(o)) {
    const replaced = structuredClone(o) as Record<string, unknown>;
    replaced[key] = garbage;
    yield replaced;
    for (const inner of withGarbage((o as Record<string, unknown>)[key], garbage)) {
      const nested = structuredClone(o) as Record<string, unknown>;
      nested[key] = inner;
      yield nested;
    }
  }
}

test('wrong types anywhere in volumes, mounts and envFrom give field errors, never a throw', () => {
  const sample = { volumes: WEB_POD_SPEC.volumes, containers: WEB_POD_SPEC.containers };
  let tried = 0;
  for (const garbage of [null, 'x', -1, 1.5, true, [], [1, null], {}]) {
    for (const spec of withGarbage(sample, garbage)) {
      assert.doesNotThrow(() => run(pod(spec as Json)), JSON.stringify(spec).slice(0, 200));
      tried++;
    }
  }
  assert.ok(tried > 1000, `only ${tried} variants`);
});
