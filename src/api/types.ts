// Kubernetes object shapes podnet serves. Field names and semantics follow the
// upstream API (core/v1, apps/v1, discovery.k8s.io/v1, networking.k8s.io/v1);
// only the fields podnet gives meaning to are typed, the rest pass through.

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  /** Deployment conditions: when the condition's reason was last confirmed (its progress deadline counts from here) */
  lastUpdateTime?: string;
  lastHeartbeatTime?: string;
  lastProbeTime?: string | null;
  /** metav1.Condition (PodDisruptionBudgets): the generation the condition was computed from */
  observedGeneration?: number;
}

// ---- core/v1 ----

export interface Namespace extends KubeObject {
  spec?: { finalizers?: string[] };
  status?: { phase?: 'Active' | 'Terminating' };
}

export interface NodeAddress { type: 'InternalIP' | 'Hostname' | 'ExternalIP'; address: string }

export interface HostAlias { ip: string; hostnames?: string[] }

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint { key: string; value?: string; effect: TaintEffect; timeAdded?: string }

export interface Toleration { key?: string; operator?: 'Exists' | 'Equal'; value?: string; effect?: TaintEffect; tolerationSeconds?: number }

export interface NodeSelectorRequirement { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt'; values?: string[] }

export interface NodeSelectorTerm { matchExpressions?: NodeSelectorRequirement[]; matchFields?: NodeSelectorRequirement[] }

export interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] };
  preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; preference: NodeSelectorTerm }[];
}

export interface Node extends KubeObject {
  spec?: { podCIDR?: string; podCIDRs?: string[]; unschedulable?: boolean; taints?: Taint[] };
  status?: {
    addresses?: NodeAddress[];
    conditions?: Condition[];
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    nodeInfo?: Record<string, string>;
  };
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { apiVersion?: string; fieldPath: string };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    resourceFieldRef?: ResourceFieldSelector;
  };
}

/** limits.cpu, requests.memory, …: a container's resource as a number of `divisor`s (default 1) */
export interface ResourceFieldSelector { containerName?: string; resource: string; divisor?: string | number }

/** every key of a ConfigMap or Secret as an environment variable, with an optional prefix */
export interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
}

export interface ResourceRequirements {
  limits?: Record<string, string | number>;
  requests?: Record<string, string | number>;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: Protocol;
  hostPort?: number;
  /** the host address a hostPort binds to; unset (or 0.0.0.0): every one of the node's */
  hostIP?: string;
}

export interface Probe {
  httpGet?: { path?: string; port: number | string; host?: string; scheme?: 'HTTP' | 'HTTPS'; httpHeaders?: { name: string; value: string }[] };
  tcpSocket?: { port: number | string; host?: string };
  exec?: { command: string[] };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

/** a lifecycle hook's action: one of these (tcpSocket only for compatibility; the kubelet does not run it) */
export interface LifecycleHandler extends Pick<Probe, 'exec' | 'httpGet' | 'tcpSocket'> {
  sleep?: { seconds: number };
}

export interface Container {
  name: string;
  lifecycle?: { postStart?: LifecycleHandler; preStop?: LifecycleHandler };
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  resources?: ResourceRequirements;
  ports?: ContainerPort[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  workingDir?: string;
  imagePullPolicy?: string;
  volumeMounts?: VolumeMount[];
  [field: string]: unknown;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  hostAliases?: HostAlias[];
  affinity?: { nodeAffinity?: NodeAffinity; [kind: string]: unknown };
  hostname?: string;
  subdomain?: string;
  hostNetwork?: boolean;
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  dnsPolicy?: 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None';
  dnsConfig?: { nameservers?: string[]; searches?: string[]; options?: { name: string; value?: string }[] };
  terminationGracePeriodSeconds?: number;
  schedulerName?: string;
  enableServiceLinks?: boolean;
  volumes?: Volume[];
  /** conditions, set by others, that Ready also waits for */
  readinessGates?: { conditionType: string }[];
  /** the ServiceAccount the pod runs as: `default` unless it names another (admission sets it on create) */
  serviceAccountName?: string;
  /** deprecated alias of serviceAccountName, written back as it */
  serviceAccount?: string;
  /** stored as sent: podnet mounts no token either way */
  automountServiceAccountToken?: boolean;
  imagePullSecrets?: LocalObjectReference[];
  [field: string]: unknown;
}

/** a ConfigMap's or Secret's key as a file (`path`, relative to the volume) */
export interface KeyToPath { key: string; path: string; mode?: number }

/** a downward API file: one field of the pod, or one of a container's resources */
export interface DownwardAPIVolumeFile {
  path: string;
  fieldRef?: { apiVersion?: string; fieldPath: string };
  resourceFieldRef?: ResourceFieldSelector;
  mode?: number;
}

export interface ConfigMapVolumeSource { name?: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean }
export interface SecretVolumeSource { secretName?: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean }
export interface DownwardAPIVolumeSource { items?: DownwardAPIVolumeFile[]; defaultMode?: number }

/** one source of a projected volume (serviceAccountToken and the rest: no files in podnet) */
export interface VolumeProjection {
  configMap?: Omit<ConfigMapVolumeSource, 'defaultMode'>;
  secret?: { name?: string; items?: KeyToPath[]; optional?: boolean };
  downwardAPI?: { items?: DownwardAPIVolumeFile[] };
  serviceAccountToken?: { audience?: string; expirationSeconds?: number; path: string };
  [source: string]: unknown;
}

/**
 * A pod volume: exactly one source. podnet fills emptyDir, configMap,
 * secret, downwardAPI and projected volumes and binds hostPath; the other
 * sources (persistentVolumeClaim, csi, nfs, …) have nothing behind them here.
 */
export interface Volume {
  name: string;
  emptyDir?: { medium?: string; sizeLimit?: string | number };
  configMap?: ConfigMapVolumeSource;
  secret?: SecretVolumeSource;
  downwardAPI?: DownwardAPIVolumeSource;
  projected?: { sources?: VolumeProjection[]; defaultMode?: number };
  hostPath?: { path: string; type?: string };
  [source: string]: unknown;
}

export interface VolumeMount { name: string; mountPath: string; readOnly?: boolean; subPath?: string; subPathExpr?: string; mountPropagation?: string; recursiveReadOnly?: string }

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode: number; signal?: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string };
}

export interface ContainerStatus {
  name: string;
  image?: string;
  imageID?: string;
  containerID?: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface PodStatus {
  phase?: PodPhase;
  conditions?: Condition[];
  hostIP?: string;
  hostIPs?: { ip: string }[];
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  reason?: string;
  message?: string;
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
  /** Guaranteed, Burstable or BestEffort: set by the API server when the pod is created (pod-qos.ts) */
  qosClass?: string;
}

export interface PodTemplateSpec {
  metadata?: ObjectMeta;
  spec: PodSpec;
}

export interface Pod extends KubeObject {
  spec: PodSpec;
  status?: PodStatus;
}

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface ServicePort {
  name?: string;
  protocol?: Protocol;
  appProtocol?: string;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
}

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';

export interface ServiceSpec {
  type?: ServiceType;
  selector?: Record<string, string>;
  ports?: ServicePort[];
  clusterIP?: string;
  clusterIPs?: string[];
  externalName?: string;
  externalIPs?: string[];
  loadBalancerIP?: string;
  /** who may connect to the LoadBalancer address (CIDRs); enforced by the cloud LB and the node proxy */
  loadBalancerSourceRanges?: string[];
  sessionAffinity?: 'None' | 'ClientIP';
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  externalTrafficPolicy?: 'Cluster' | 'Local';
  internalTrafficPolicy?: 'Cluster' | 'Local';
  healthCheckNodePort?: number;
  publishNotReadyAddresses?: boolean;
  ipFamilies?: ('IPv4' | 'IPv6')[];
  ipFamilyPolicy?: 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
  allocateLoadBalancerNodePorts?: boolean;
  loadBalancerClass?: string;
  [field: string]: unknown;
}

export interface LoadBalancerIngress { ip?: string; hostname?: string; ports?: { port: number; protocol: Protocol }[] }

export interface Service extends KubeObject {
  spec: ServiceSpec;
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] }; conditions?: Condition[] };
}

export interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  immutable?: boolean;
}

/** a name of an object in the same namespace */
export interface LocalObjectReference { name?: string }

/**
 * An identity pods run as. podnet issues no tokens: `secrets` and
 * `automountServiceAccountToken` are kept as sent and nothing reads them.
 */
export interface ServiceAccount extends KubeObject {
  secrets?: ObjectReference[];
  /** copied into a new pod that has none of its own (admission) */
  imagePullSecrets?: LocalObjectReference[];
  automountServiceAccountToken?: boolean;
}

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
  immutable?: boolean;
}

export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface Event extends KubeObject {
  involvedObject: ObjectReference;
  reason?: string;
  message?: string;
  type?: 'Normal' | 'Warning';
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  source?: { component?: string; host?: string };
  reportingComponent?: string;
}

// ---- apps/v1 ----

export interface DeploymentSpec {
  replicas?: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
  strategy?: {
    type?: 'RollingUpdate' | 'Recreate';
    rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
  };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  paused?: boolean;
}

export interface Deployment extends KubeObject {
  spec: DeploymentSpec;
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    /** bumped when a set of another owner holds the name the Deployment's template hashes to */
    collisionCount?: number;
    conditions?: Condition[];
  };
}

export interface ReplicaSetSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
}

export interface ReplicaSet extends KubeObject {
  spec: ReplicaSetSpec;
  status?: {
    replicas?: number;
    fullyLabeledReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
    conditions?: Condition[];
  };
}

export interface StatefulSetSpec {
  replicas?: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
  serviceName?: string;
  podManagementPolicy?: 'OrderedReady' | 'Parallel';
  updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { partition?: number } };
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
  /** the first pod's ordinal (GA in 1.31): pods are named <set>-<start> … */
  ordinals?: { start?: number };
  /** each pod gets a claim per template, `<template>-<set>-<ordinal>` (only the name matters to podnet) */
  volumeClaimTemplates?: { metadata?: { name?: string; [field: string]: unknown }; spec?: Record<string, unknown> }[];
  /** what becomes of the claims when the set is deleted or scaled down (Retain by default) */
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
}

export interface StatefulSet extends KubeObject {
  spec: StatefulSetSpec;
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    currentReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
}

export interface DaemonSetSpec {
  selector: LabelSelector;
  template: PodTemplateSpec;
  /** RollingUpdate (the default: maxUnavailable 1, maxSurge 0) or OnDelete */
  updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
}

export interface DaemonSet extends KubeObject {
  spec: DaemonSetSpec;
  status?: {
    /** nodes that should run the daemon pod */
    desiredNumberScheduled?: number;
    /** of those, the nodes that run one */
    currentNumberScheduled?: number;
    /** nodes that run one but should not */
    numberMisscheduled?: number;
    numberReady?: number;
    numberAvailable?: number;
    numberUnavailable?: number;
    /** nodes whose daemon pod runs the current template */
    updatedNumberScheduled?: number;
    observedGeneration?: number;
    collisionCount?: number;
    conditions?: Condition[];
  };
}

// ---- batch/v1 ----

export type JobCompletionMode = 'NonIndexed' | 'Indexed';

export interface JobSpec {
  /** pods running at once; defaulted to 1 */
  parallelism?: number;
  /** successes that complete the Job; unset (with parallelism set): any one success completes it */
  completions?: number;
  activeDeadlineSeconds?: number;
  /** failed pods (Never) or container restarts (OnFailure) before the Job fails; defaulted to 6 */
  backoffLimit?: number;
  selector?: LabelSelector;
  /** true: the user wrote spec.selector and the template's labels, none are generated */
  manualSelector?: boolean;
  template: PodTemplateSpec;
  ttlSecondsAfterFinished?: number;
  completionMode?: JobCompletionMode;
  suspend?: boolean;
  /** stored and validated; podnet's controller does not act on these (docs/architecture.md, "Jobs") */
  podFailurePolicy?: Record<string, unknown>;
  successPolicy?: Record<string, unknown>;
  backoffLimitPerIndex?: number;
  maxFailedIndexes?: number;
  podReplacementPolicy?: string;
  /** another controller's Jobs (a value other than kubernetes.io/job-controller) are left alone */
  managedBy?: string;
}

export interface JobStatus {
  startTime?: string;
  completionTime?: string;
  active?: number;
  ready?: number;
  terminating?: number;
  succeeded?: number;
  failed?: number;
  /** Indexed: the indexes that succeeded, as ranges ("0-2,4") */
  completedIndexes?: string;
  /** finished pods counted in status but whose tracking finalizer is still being removed */
  uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
  conditions?: Condition[];
}

export interface Job extends KubeObject {
  spec: JobSpec;
  status?: JobStatus;
}

export type ConcurrencyPolicy = 'Allow' | 'Forbid' | 'Replace';

export interface CronJobSpec {
  /** five cron fields or a descriptor (src/api/cron-schedule.ts) */
  schedule: string;
  /** an IANA zone the schedule is read in; unset: UTC */
  timeZone?: string;
  /** a run missed by more than this many seconds is skipped */
  startingDeadlineSeconds?: number;
  concurrencyPolicy?: ConcurrencyPolicy;
  suspend?: boolean;
  jobTemplate: { metadata?: ObjectMeta; spec: JobSpec };
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
}

export interface CronJobStatus {
  active?: ObjectReference[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
}

export interface CronJob extends KubeObject {
  spec: CronJobSpec;
  status?: CronJobStatus;
}

// ---- autoscaling/v2 ----
// Only v2 is served: autoscaling/v1 manifests are "no matches for kind"
// (docs/architecture.md, "HorizontalPodAutoscalers").

/** the object an autoscaler scales (its scale subresource), or a metric describes */
export interface CrossVersionObjectReference { kind: string; name: string; apiVersion?: string }

/** a quantity: "500m", "1Gi", or a number */
export type QuantityValue = string | number;

export interface MetricTarget {
  type: 'Utilization' | 'Value' | 'AverageValue';
  value?: QuantityValue;
  averageValue?: QuantityValue;
  /** percent of the pods' requests */
  averageUtilization?: number;
}

export interface MetricIdentifier { name: string; selector?: LabelSelector }

export interface MetricSpec {
  type: 'Resource' | 'ContainerResource' | 'Pods' | 'Object' | 'External';
  resource?: { name: string; target: MetricTarget };
  containerResource?: { name: string; container: string; target: MetricTarget };
  pods?: { metric: MetricIdentifier; target: MetricTarget };
  object?: { describedObject: CrossVersionObjectReference; metric: MetricIdentifier; target: MetricTarget };
  external?: { metric: MetricIdentifier; target: MetricTarget };
}

export interface HPAScalingPolicy { type: 'Pods' | 'Percent'; value: number; periodSeconds: number }

export interface HPAScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled';
  policies?: HPAScalingPolicy[];
}

export interface HorizontalPodAutoscalerSpec {
  scaleTargetRef: CrossVersionObjectReference;
  /** defaulted to 1 */
  minReplicas?: number;
  maxReplicas: number;
  /** defaulted to CPU at 80% of the pods' requests */
  metrics?: MetricSpec[];
  /** stored and defaulted; podnet computes no metric-based scaling for it to shape */
  behavior?: { scaleUp?: HPAScalingRules; scaleDown?: HPAScalingRules };
}

/** a metric's last reading; podnet has no metrics API, so each is `{type: ""}`, as upstream writes a metric it could not read */
export interface MetricStatus { type: string; [source: string]: unknown }

export interface HorizontalPodAutoscalerStatus {
  observedGeneration?: number;
  lastScaleTime?: string;
  currentReplicas?: number;
  desiredReplicas: number;
  currentMetrics?: MetricStatus[] | null;
  /** AbleToScale, ScalingActive, ScalingLimited */
  conditions?: Condition[];
}

export interface HorizontalPodAutoscaler extends KubeObject {
  spec: HorizontalPodAutoscalerSpec;
  status?: HorizontalPodAutoscalerStatus;
}

// ---- discovery.k8s.io/v1 ----

export interface Endpoint {
  addresses: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef?: ObjectReference;
}

export interface EndpointPort {
  name?: string;
  port?: number;
  protocol?: Protocol;
  appProtocol?: string;
}

// ---- core/v1 Endpoints (deprecated upstream in 1.33; podnet reports 1.31) ----

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}

export interface EndpointsPort { name?: string; port: number; protocol?: Protocol; appProtocol?: string }

export interface EndpointSubset { addresses?: EndpointAddress[]; notReadyAddresses?: EndpointAddress[]; ports?: EndpointsPort[] }

export interface Endpoints extends KubeObject {
  subsets?: EndpointSubset[];
}

export interface EndpointSlice extends KubeObject {
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints: Endpoint[];
  ports?: EndpointPort[];
}

// ---- networking.k8s.io/v1 ----

export interface IngressServiceBackend { name: string; port?: { name?: string; number?: number } }

export interface IngressBackend {
  service?: IngressServiceBackend;
  resource?: { apiGroup?: string; kind: string; name: string };
}

export type PathType = 'Exact' | 'Prefix' | 'ImplementationSpecific';

export interface HTTPIngressPath {
  path?: string;
  pathType?: PathType;
  backend: IngressBackend;
}

export interface IngressRule {
  host?: string;
  http?: { paths: HTTPIngressPath[] };
}

export interface IngressTLS { hosts?: string[]; secretName?: string }

export interface Ingress extends KubeObject {
  spec: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    rules?: IngressRule[];
    tls?: IngressTLS[];
  };
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
}

export interface IngressClass extends KubeObject {
  spec: {
    controller?: string;
    parameters?: { apiGroup?: string; kind: string; name: string; namespace?: string; scope?: string };
  };
}

// ---- network policy ----

export interface NetworkPolicyPort {
  /** TCP (the default), UDP or SCTP */
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  /** a number, or the name of a container port of the pods at the traffic's destination */
  port?: number | string;
  /** with a numeric port: the range port..endPort */
  endPort?: number;
}

export interface IPBlock { cidr: string; except?: string[] }

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

export interface NetworkPolicyIngressRule { ports?: NetworkPolicyPort[]; from?: NetworkPolicyPeer[] }
export interface NetworkPolicyEgressRule { ports?: NetworkPolicyPort[]; to?: NetworkPolicyPeer[] }

export interface NetworkPolicy extends KubeObject {
  spec: {
    podSelector: LabelSelector;
    ingress?: NetworkPolicyIngressRule[];
    egress?: NetworkPolicyEgressRule[];
    /** defaulted by the API server: Ingress always, Egress when egress rules are given */
    policyTypes?: ('Ingress' | 'Egress')[];
  };
}

// ---- policy/v1 ----

export interface PodDisruptionBudgetSpec {
  /** pods that must stay available: a number, or a percentage of the pods' controllers' scale; at most one of the two */
  minAvailable?: number | string;
  /** pods that may be unavailable: a number or a percentage of the controllers' scale */
  maxUnavailable?: number | string;
  /** the pods it guards, in its namespace: none when unset, all of them when empty */
  selector?: LabelSelector;
  /** stored as sent: podnet evicts nothing (no eviction API, no drain) */
  unhealthyPodEvictionPolicy?: string;
}

/** What the disruption controller computes; upstream writes the four numbers even when 0. */
export interface PodDisruptionBudgetStatus {
  observedGeneration?: number;
  /** pods an eviction took and not yet deleted: always empty, podnet has no eviction API */
  disruptedPods?: Record<string, string>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  /** DisruptionAllowed */
  conditions?: Condition[];
}

export interface PodDisruptionBudget extends KubeObject {
  spec: PodDisruptionBudgetSpec;
  status?: PodDisruptionBudgetStatus;
}

// ---- rbac.authorization.k8s.io/v1 ----
// Stored, listed and validated; nothing enforces them: podnet's API server
// authenticates no one (docs/architecture.md, "RBAC").

export interface PolicyRule {
  verbs: string[];
  /** '' is the core group; each group with each resource */
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  /** ClusterRoles only: paths like /healthz, never with resources */
  nonResourceURLs?: string[];
}

export interface Role extends KubeObject {
  rules?: PolicyRule[];
}

export interface ClusterRole extends KubeObject {
  rules?: PolicyRule[];
  /** upstream's aggregation controller fills rules from the ClusterRoles these select; podnet stores it and fills nothing */
  aggregationRule?: { clusterRoleSelectors?: LabelSelector[] };
}

/** what a binding grants: a Role of its namespace or a ClusterRole; fixed once made */
export interface RoleRef {
  apiGroup: string;
  kind: string;
  name: string;
}

/** who a binding names: a ServiceAccount (with its namespace), a User or a Group */
export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

/** RoleBinding and ClusterRoleBinding have the same shape */
export interface RoleBinding extends KubeObject {
  subjects?: Subject[];
  roleRef: RoleRef;
}

// ---- storage ----

export type PersistentVolumeAccessMode = 'ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod';

export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface PersistentVolumeClaimSpec {
  accessModes?: PersistentVolumeAccessMode[];
  selector?: LabelSelector;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeName?: string;
  /** absent: the default StorageClass at create (DefaultStorageClass admission); "": no class, only PVs without one */
  storageClassName?: string;
  volumeMode?: 'Filesystem' | 'Block';
  [field: string]: unknown;
}

export interface PersistentVolumeClaim extends KubeObject {
  spec: PersistentVolumeClaimSpec;
  status?: {
    phase?: 'Pending' | 'Bound' | 'Lost';
    accessModes?: PersistentVolumeAccessMode[];
    capacity?: Record<string, string>;
    conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string; lastProbeTime?: string }[];
    [field: string]: unknown;
  };
}

export interface PersistentVolumeSpec {
  capacity?: Record<string, string>;
  accessModes?: PersistentVolumeAccessMode[];
  claimRef?: ObjectReference;
  persistentVolumeReclaimPolicy?: 'Retain' | 'Delete' | 'Recycle';
  storageClassName?: string;
  volumeMode?: 'Filesystem' | 'Block';
  mountOptions?: string[];
  nodeAffinity?: { required?: { nodeSelectorTerms: unknown[] } };
  hostPath?: { path: string; type?: string };
  local?: { path: string; fsType?: string };
  /** any other volume source (nfs, csi, …): stored, but a pod gets it as an unsupported volume */
  [field: string]: unknown;
}

export interface PersistentVolume extends KubeObject {
  spec: PersistentVolumeSpec;
  status?: {
    phase?: 'Pending' | 'Available' | 'Bound' | 'Released' | 'Failed';
    message?: string;
    reason?: string;
    lastPhaseTransitionTime?: string;
  };
}

export interface StorageClass extends KubeObject {
  provisioner: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: 'Retain' | 'Delete';
  mountOptions?: string[];
  allowVolumeExpansion?: boolean;
  volumeBindingMode?: 'Immediate' | 'WaitForFirstConsumer';
  allowedTopologies?: unknown[];
}

// ---- lists and watch ----

export interface ListMeta { resourceVersion?: string; continue?: string }

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: T[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  object: T;
}

export interface StatusCause { reason?: string; message?: string; field?: string }

/** The API server's error body (metav1.Status). */
export interface Status {
  apiVersion: 'v1';
  kind: 'Status';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message: string;
  reason: string;
  code: number;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
}
