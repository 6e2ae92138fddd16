// The field names of each kind's Kubernetes v1.31 schema, for the API
// server's field validation (upstream decodes bodies into Go structs, which
// drop what they do not know; `fieldValidation=Strict` turns that into a
// 400, `Warn` into a warning). A subtree marked ANY is taken as it comes:
// maps with free keys (labels, data), and parts podnet never reads whose
// full schema is large (securityContext, affinity, most volume sources,
// every status). Listing a field podnet ignores is fine; leaving out a field
// upstream knows would refuse valid manifests, so when in doubt a subtree
// stays ANY.

import type { Schema as CustomResourceSchema } from './validation/crd-schema.js';
import { isObj } from './validation/fields.js';
import { gatewaySchemaOf } from './validation/gateway.js';

/** What the API server does with fields a kind does not know (`?fieldValidation=`, kubectl's `--validate`). */
export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

/** Any value: not walked. */
export const ANY = 0;
export interface ObjectFields { readonly fields: ReadonlyMap<string, FieldSchema> }
export interface ListOf { readonly items: ObjectFields }
export type FieldSchema = typeof ANY | ObjectFields | ListOf;

function obj(fields: Record<string, FieldSchema>): ObjectFields {
  return { fields: new Map(Object.entries(fields)) };
}
function list(items: ObjectFields): ListOf {
  return { items };
}
/** An object whose listed fields are all free-form. */
function names(...keys: string[]): ObjectFields {
  return obj(Object.fromEntries(keys.map((k) => [k, ANY])));
}
function extend(base: ObjectFields, more: Record<string, FieldSchema>): ObjectFields {
  return { fields: new Map([...base.fields, ...Object.entries(more)]) };
}

const ownerReference = names('apiVersion', 'kind', 'name', 'uid', 'controller', 'blockOwnerDeletion');
const managedField = names('manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1', 'subresource');
const objectMeta = obj({
  name: ANY, generateName: ANY, namespace: ANY, selfLink: ANY, uid: ANY, resourceVersion: ANY, generation: ANY,
  creationTimestamp: ANY, deletionTimestamp: ANY, deletionGracePeriodSeconds: ANY, labels: ANY, annotations: ANY,
  ownerReferences: list(ownerReference), finalizers: ANY, managedFields: list(managedField),
});
const objectReference = names('kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath');
const labelSelector = obj({ matchLabels: ANY, matchExpressions: list(names('key', 'operator', 'values')) });

const keySelector = names('name', 'key', 'optional');
const envVar = obj({
  name: ANY, value: ANY,
  valueFrom: obj({
    fieldRef: names('apiVersion', 'fieldPath'),
    resourceFieldRef: names('containerName', 'resource', 'divisor'),
    configMapKeyRef: keySelector,
    secretKeyRef: keySelector,
  }),
});
const envFromSource = obj({ prefix: ANY, configMapRef: names('name', 'optional'), secretRef: names('name', 'optional') });
const httpGet = obj({ path: ANY, port: ANY, host: ANY, scheme: ANY, httpHeaders: list(names('name', 'value')) });
const handlers = {
  exec: names('command'),
  httpGet,
  tcpSocket: names('port', 'host'),
};
const probe = obj({
  ...handlers,
  grpc: names('port', 'service'),
  initialDelaySeconds: ANY, timeoutSeconds: ANY, periodSeconds: ANY, successThreshold: ANY, failureThreshold: ANY,
  terminationGracePeriodSeconds: ANY,
});
const lifecycleHandler = obj({ ...handlers, sleep: names('seconds') });
const container = obj({
  name: ANY, image: ANY, command: ANY, args: ANY, workingDir: ANY,
  ports: list(names('name', 'hostPort', 'containerPort', 'protocol', 'hostIP')),
  envFrom: list(envFromSource), env: list(envVar),
  resources: names('limits', 'requests', 'claims'), resizePolicy: list(names('resourceName', 'restartPolicy')),
  restartPolicy: ANY,
  volumeMounts: list(names('name', 'readOnly', 'recursiveReadOnly', 'mountPath', 'subPath', 'mountPropagation', 'subPathExpr')),
  volumeDevices: list(names('name', 'devicePath')),
  livenessProbe: probe, readinessProbe: probe, startupProbe: probe,
  lifecycle: obj({ postStart: lifecycleHandler, preStop: lifecycleHandler }),
  terminationMessagePath: ANY, terminationMessagePolicy: ANY, imagePullPolicy: ANY,
  securityContext: ANY, stdin: ANY, stdinOnce: ANY, tty: ANY,
});
const ephemeralContainer = extend(container, { targetContainerName: ANY });
const keyToPath = names('key', 'path', 'mode');
const volume = obj({
  name: ANY,
  emptyDir: names('medium', 'sizeLimit'),
  hostPath: names('path', 'type'),
  secret: obj({ secretName: ANY, items: list(keyToPath), defaultMode: ANY, optional: ANY }),
  configMap: obj({ name: ANY, items: list(keyToPath), defaultMode: ANY, optional: ANY }),
  persistentVolumeClaim: names('claimName', 'readOnly'),
  // the other volume sources, as upstream's VolumeSource lists them; their insides are not checked
  ...Object.fromEntries([
    'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi', 'glusterfs', 'rbd', 'flexVolume', 'cinder',
    'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk',
    'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
  ].map((k) => [k, ANY])),
});
const podSpec = obj({
  volumes: list(volume), initContainers: list(container), containers: list(container),
  ephemeralContainers: list(ephemeralContainer),
  restartPolicy: ANY, terminationGracePeriodSeconds: ANY, activeDeadlineSeconds: ANY, dnsPolicy: ANY, nodeSelector: ANY,
  serviceAccountName: ANY, serviceAccount: ANY, automountServiceAccountToken: ANY, nodeName: ANY,
  hostNetwork: ANY, hostPID: ANY, hostIPC: ANY, shareProcessNamespace: ANY, securityContext: ANY,
  imagePullSecrets: list(names('name')), hostname: ANY, subdomain: ANY, affinity: ANY, schedulerName: ANY,
  tolerations: list(names('key', 'operator', 'value', 'effect', 'tolerationSeconds')),
  hostAliases: list(names('ip', 'hostnames')), priorityClassName: ANY, priority: ANY,
  dnsConfig: obj({ nameservers: ANY, searches: ANY, options: list(names('name', 'value')) }),
  readinessGates: list(names('conditionType')), runtimeClassName: ANY, enableServiceLinks: ANY,
  preemptionPolicy: ANY, overhead: ANY, topologySpreadConstraints: ANY, setHostnameAsFQDN: ANY,
  os: names('name'), hostUsers: ANY, schedulingGates: list(names('name')), resourceClaims: ANY,
});
const podTemplateSpec = obj({ metadata: objectMeta, spec: podSpec });

const serviceSpec = obj({
  ports: list(names('name', 'protocol', 'appProtocol', 'port', 'targetPort', 'nodePort')),
  selector: ANY, clusterIP: ANY, clusterIPs: ANY, type: ANY, externalIPs: ANY, sessionAffinity: ANY,
  loadBalancerIP: ANY, loadBalancerSourceRanges: ANY, externalName: ANY, externalTrafficPolicy: ANY,
  healthCheckNodePort: ANY, publishNotReadyAddresses: ANY,
  sessionAffinityConfig: obj({ clientIP: names('timeoutSeconds') }),
  ipFamilies: ANY, ipFamilyPolicy: ANY, allocateLoadBalancerNodePorts: ANY, loadBalancerClass: ANY,
  internalTrafficPolicy: ANY, trafficDistribution: ANY,
});

const ingressBackend = obj({
  service: obj({ name: ANY, port: names('name', 'number') }),
  resource: names('apiGroup', 'kind', 'name'),
});

const nodeSelectorTerm = obj({ matchExpressions: list(names('key', 'operator', 'values')), matchFields: list(names('key', 'operator', 'values')) });
const persistentVolumeClaimSpec = obj({
  accessModes: ANY, selector: labelSelector, resources: names('limits', 'requests'), volumeName: ANY, storageClassName: ANY,
  volumeMode: ANY, dataSource: names('apiGroup', 'kind', 'name'), dataSourceRef: names('apiGroup', 'kind', 'name', 'namespace'),
  volumeAttributesClassName: ANY,
});
// a StatefulSet's claim templates are whole claims, status included
const persistentVolumeClaim = kind({ spec: persistentVolumeClaimSpec, status: ANY });
const persistentVolumeSpec = obj({
  capacity: ANY, accessModes: ANY, claimRef: objectReference, persistentVolumeReclaimPolicy: ANY, storageClassName: ANY,
  mountOptions: ANY, volumeMode: ANY, nodeAffinity: obj({ required: obj({ nodeSelectorTerms: list(nodeSelectorTerm) }) }),
  volumeAttributesClassName: ANY,
  hostPath: names('path', 'type'), local: names('path', 'fsType'),
  // the other volume sources, as upstream's PersistentVolumeSource lists them; their insides are not checked
  ...Object.fromEntries([
    'gcePersistentDisk', 'awsElasticBlockStore', 'glusterfs', 'nfs', 'rbd', 'iscsi', 'cinder', 'cephfs', 'fc', 'flocker',
    'flexVolume', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO',
    'storageos', 'csi',
  ].map((k) => [k, ANY])),
});

const networkPolicyPort = names('protocol', 'port', 'endPort');
const networkPolicyPeer = obj({ podSelector: labelSelector, namespaceSelector: labelSelector, ipBlock: names('cidr', 'except') });
// networking/v1 NetworkPolicy has no status since 1.28 (the alpha one was withdrawn)
const networkPolicySpec = obj({
  podSelector: labelSelector, policyTypes: ANY,
  ingress: list(obj({ ports: list(networkPolicyPort), from: list(networkPolicyPeer) })),
  egress: list(obj({ ports: list(networkPolicyPort), to: list(networkPolicyPeer) })),
});

const policyRule = names('verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs');
const roleBinding = {
  subjects: list(names('kind', 'apiGroup', 'name', 'namespace')),
  roleRef: names('apiGroup', 'kind', 'name'),
};

const crossVersionObjectReference = names('kind', 'name', 'apiVersion');
const metricTarget = names('type', 'value', 'averageValue', 'averageUtilization');
const metricIdentifier = obj({ name: ANY, selector: labelSelector });
const metricSpec = obj({
  type: ANY,
  object: obj({ describedObject: crossVersionObjectReference, target: metricTarget, metric: metricIdentifier }),
  pods: obj({ metric: metricIdentifier, target: metricTarget }),
  resource: obj({ name: ANY, target: metricTarget }),
  containerResource: obj({ name: ANY, target: metricTarget, container: ANY }),
  external: obj({ metric: metricIdentifier, target: metricTarget }),
});
const scalingRules = obj({ stabilizationWindowSeconds: ANY, selectPolicy: ANY, policies: list(names('type', 'value', 'periodSeconds')) });

/** Every top-level object: TypeMeta and ObjectMeta. */
function kind(fields: Record<string, FieldSchema>): ObjectFields {
  return obj({ apiVersion: ANY, kind: ANY, metadata: objectMeta, ...fields });
}

/** The field names of a custom resource's schema (validation/crd-schema.ts): maps and lists of scalars are free-form. */
function fromCustomResource(schema: CustomResourceSchema): FieldSchema {
  if (schema.type === 'object' && !schema.additionalProperties) {
    return obj(Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, fromCustomResource(v)])));
  }
  if (schema.type === 'array' && schema.items.type === 'object' && !schema.items.additionalProperties) return list(fromCustomResource(schema.items) as ObjectFields);
  return ANY;
}

/** A Gateway API kind: its CRD's spec, and status when the kind has one (taken as it comes, as every status here). */
function gatewayKind(kindName: string, withStatus: boolean): ObjectFields {
  const spec = gatewaySchemaOf(kindName)!.properties.spec!;
  return kind({ spec: fromCustomResource(spec), ...(withStatus ? { status: ANY } : {}) });
}

const KINDS: ReadonlyMap<string, ObjectFields> = new Map(Object.entries({
  Namespace: kind({ spec: names('finalizers'), status: ANY }),
  Node: kind({
    spec: obj({
      podCIDR: ANY, podCIDRs: ANY, providerID: ANY, unschedulable: ANY,
      taints: list(names('key', 'value', 'effect', 'timeAdded')), configSource: ANY, externalID: ANY,
    }),
    status: ANY,
  }),
  Pod: kind({ spec: podSpec, status: ANY }),
  Service: kind({ spec: serviceSpec, status: ANY }),
  Secret: kind({ data: ANY, stringData: ANY, type: ANY, immutable: ANY }),
  ConfigMap: kind({ data: ANY, binaryData: ANY, immutable: ANY }),
  ServiceAccount: kind({ secrets: list(objectReference), imagePullSecrets: list(names('name')), automountServiceAccountToken: ANY }),
  Event: kind({
    involvedObject: objectReference, reason: ANY, message: ANY, source: names('component', 'host'),
    firstTimestamp: ANY, lastTimestamp: ANY, count: ANY, type: ANY, eventTime: ANY,
    series: names('count', 'lastObservedTime'), action: ANY, related: objectReference,
    reportingComponent: ANY, reportingInstance: ANY,
  }),
  Deployment: kind({
    spec: obj({
      replicas: ANY, selector: labelSelector, template: podTemplateSpec,
      strategy: obj({ type: ANY, rollingUpdate: names('maxUnavailable', 'maxSurge') }),
      minReadySeconds: ANY, revisionHistoryLimit: ANY, paused: ANY, progressDeadlineSeconds: ANY,
    }),
    status: ANY,
  }),
  ReplicaSet: kind({
    spec: obj({ replicas: ANY, minReadySeconds: ANY, selector: labelSelector, template: podTemplateSpec }),
    status: ANY,
  }),
  StatefulSet: kind({
    spec: obj({
      replicas: ANY, selector: labelSelector, template: podTemplateSpec, volumeClaimTemplates: list(persistentVolumeClaim),
      serviceName: ANY, podManagementPolicy: ANY,
      updateStrategy: obj({ type: ANY, rollingUpdate: names('partition', 'maxUnavailable') }),
      revisionHistoryLimit: ANY, minReadySeconds: ANY,
      persistentVolumeClaimRetentionPolicy: names('whenDeleted', 'whenScaled'), ordinals: names('start'),
    }),
    status: ANY,
  }),
  DaemonSet: kind({
    spec: obj({
      selector: labelSelector, template: podTemplateSpec, minReadySeconds: ANY, revisionHistoryLimit: ANY,
      updateStrategy: obj({ type: ANY, rollingUpdate: names('maxUnavailable', 'maxSurge') }),
    }),
    status: ANY,
  }),
  Job: kind({
    spec: obj({
      parallelism: ANY, completions: ANY, activeDeadlineSeconds: ANY, podFailurePolicy: ANY, successPolicy: ANY, backoffLimit: ANY,
      backoffLimitPerIndex: ANY, maxFailedIndexes: ANY, selector: labelSelector, manualSelector: ANY, template: podTemplateSpec,
      ttlSecondsAfterFinished: ANY, completionMode: ANY, suspend: ANY, podReplacementPolicy: ANY, managedBy: ANY,
    }),
    status: ANY,
  }),
  CronJob: kind({
    spec: obj({
      schedule: ANY, timeZone: ANY, startingDeadlineSeconds: ANY, concurrencyPolicy: ANY, suspend: ANY,
      successfulJobsHistoryLimit: ANY, failedJobsHistoryLimit: ANY,
      jobTemplate: obj({ metadata: ANY, spec: ANY }),
    }),
    status: ANY,
  }),
  Endpoints: kind({
    subsets: list(obj({
      addresses: list(names('ip', 'hostname', 'nodeName', 'targetRef')),
      notReadyAddresses: list(names('ip', 'hostname', 'nodeName', 'targetRef')),
      ports: list(names('name', 'port', 'protocol', 'appProtocol')),
    })),
  }),
  EndpointSlice: kind({
    addressType: ANY,
    endpoints: list(obj({
      addresses: ANY, conditions: names('ready', 'serving', 'terminating'), hostname: ANY,
      targetRef: objectReference, deprecatedTopology: ANY, nodeName: ANY, zone: ANY, hints: ANY,
    })),
    ports: list(names('name', 'protocol', 'port', 'appProtocol')),
  }),
  Ingress: kind({
    spec: obj({
      ingressClassName: ANY, defaultBackend: ingressBackend,
      tls: list(names('hosts', 'secretName')),
      rules: list(obj({ host: ANY, http: obj({ paths: list(obj({ path: ANY, pathType: ANY, backend: ingressBackend })) }) })),
    }),
    status: ANY,
  }),
  IngressClass: kind({
    spec: obj({ controller: ANY, parameters: names('apiGroup', 'kind', 'name', 'scope', 'namespace') }),
  }),
  NetworkPolicy: kind({ spec: networkPolicySpec }),
  PersistentVolumeClaim: persistentVolumeClaim,
  PersistentVolume: kind({ spec: persistentVolumeSpec, status: ANY }),
  StorageClass: kind({
    provisioner: ANY, parameters: ANY, reclaimPolicy: ANY, mountOptions: ANY, allowVolumeExpansion: ANY, volumeBindingMode: ANY,
    allowedTopologies: list(obj({ matchLabelExpressions: list(names('key', 'values')) })),
  }),
  HorizontalPodAutoscaler: kind({
    spec: obj({
      scaleTargetRef: crossVersionObjectReference, minReplicas: ANY, maxReplicas: ANY, metrics: list(metricSpec),
      behavior: obj({ scaleUp: scalingRules, scaleDown: scalingRules }),
    }),
    status: ANY,
  }),
  PodDisruptionBudget: kind({ spec: obj({ minAvailable: ANY, selector: labelSelector, maxUnavailable: ANY, unhealthyPodEvictionPolicy: ANY }), status: ANY }),
  Role: kind({ rules: list(policyRule) }),
  ClusterRole: kind({ rules: list(policyRule), aggregationRule: obj({ clusterRoleSelectors: list(labelSelector) }) }),
  RoleBinding: kind(roleBinding),
  ClusterRoleBinding: kind(roleBinding),
  GatewayClass: gatewayKind('GatewayClass', true),
  Gateway: gatewayKind('Gateway', true),
  HTTPRoute: gatewayKind('HTTPRoute', true),
  ReferenceGrant: gatewayKind('ReferenceGrant', false),
  // autoscaling/v1, the scale subresource's body
  Scale: kind({ spec: names('replicas'), status: ANY }),
}));

/** The schema of a kind podnet serves (and of Scale); undefined for any other. */
export function schemaOf(kindName: string): ObjectFields | undefined {
  return KINDS.get(kindName);
}

/**
 * The paths of the fields `value` has and `schema` does not know, in the
 * order they appear, written as upstream's strict decoder writes them
 * (`spec.template.spec.containers[0].imagee`). With `prune`, each is also
 * deleted, as decoding into upstream's types drops it. Values of the wrong
 * JSON type are left to validation.
 */
export function unknownFields(schema: ObjectFields, value: unknown, prune: boolean): string[] {
  const found: string[] = [];
  walkObject(schema, value, '', prune, found);
  return found;
}

function walkObject(schema: ObjectFields, value: unknown, path: string, prune: boolean, found: string[]): void {
  if (!isObj(value)) return;
  for (const key in value) {
    const child = schema.fields.get(key);
    const childPath = path ? `${path}.${key}` : key;
    if (child === undefined) {
      found.push(childPath);
      // a subtree shared with the stored object (a patch's untouched parts) is frozen, and was stored as it is
      if (prune && !Object.isFrozen(value)) delete value[key];
    } else if (child !== ANY) {
      walk(child, value[key], childPath, prune, found);
    }
  }
}

function walk(schema: ObjectFields | ListOf, value: unknown, path: string, prune: boolean, found: string[]): void {
  if ('items' in schema) {
    if (!Array.isArray(value)) return;
    for (let i = 0; i < value.length; i++) walkObject(schema.items, value[i], `${path}[${i}]`, prune, found);
  } else {
    walkObject(schema, value, path, prune, found);
  }
}
