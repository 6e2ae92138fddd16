// Upstream defaulting (k8s pkg/apis/*/v1/defaults.go plus the bits of the
// registry strategies that fill fields on create), applied in place before
// validation. Only fields podnet serves are defaulted; garbage is left for
// validation to report, so every step checks types before touching a value.

import type { KubeObject } from './types.js';
import { isObj, objects, type Obj } from './validation/fields.js';
import { defaultGatewayObject, defaultGatewayStatus } from './validation/gateway.js';

const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800; // 3 hours, core.DefaultClientIPServiceAffinitySeconds
const DEFAULT_REVISION_HISTORY_LIMIT = 10;
const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
const DEFAULT_MAX_SURGE = '25%';
const DEFAULT_MAX_UNAVAILABLE = '25%';
const TERMINATION_MESSAGE_PATH = '/dev/termination-log';
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Sets `o[key]` when it is absent (undefined, null or ''), like Go's zero-value checks. */
function setDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null || o[key] === '') o[key] = value;
}

function child(o: Obj, key: string): Obj | undefined {
  if (o[key] === undefined || o[key] === null) o[key] = {};
  return isObj(o[key]) ? o[key] : undefined;
}

/** The tag parsers.ParseImageName finds, "latest" when none (a digest counts as a tag here). */
function imageTag(image: string): string {
  if (image.includes('@')) return 'digest';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > lastSlash ? image.slice(colon + 1) : 'latest';
}

function defaultProbe(probe: unknown): void {
  if (!isObj(probe)) return;
  setDefault(probe, 'timeoutSeconds', 1);
  setDefault(probe, 'periodSeconds', 10);
  setDefault(probe, 'successThreshold', 1);
  setDefault(probe, 'failureThreshold', 3);
  defaultHttpGet(probe);
}

/** SetDefaults_HTTPGetAction, for probes and lifecycle hooks alike */
function defaultHttpGet(handler: Obj): void {
  if (isObj(handler.httpGet)) {
    setDefault(handler.httpGet, 'path', '/');
    setDefault(handler.httpGet, 'scheme', 'HTTP');
  }
}

function defaultContainer(c: Obj, hostNetwork: boolean): void {
  if (c.imagePullPolicy === undefined || c.imagePullPolicy === null || c.imagePullPolicy === '') {
    // SetDefaults_Container: untagged or :latest images are always pulled.
    c.imagePullPolicy = typeof c.image === 'string' && imageTag(c.image) !== 'latest' ? 'IfNotPresent' : 'Always';
  }
  setDefault(c, 'terminationMessagePath', TERMINATION_MESSAGE_PATH);
  setDefault(c, 'terminationMessagePolicy', 'File');
  for (const p of objects(c.ports)) {
    setDefault(p, 'protocol', 'TCP');
    // With the host's network a container port is a host port (SetDefaults_PodSpec).
    if (hostNetwork && typeof p.containerPort === 'number') setDefault(p, 'hostPort', p.containerPort);
  }
  for (const e of objects(c.env)) defaultFieldRef(e.valueFrom);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.startupProbe);
  if (isObj(c.lifecycle)) for (const hook of [c.lifecycle.postStart, c.lifecycle.preStop]) if (isObj(hook)) defaultHttpGet(hook);
}

/** SetDefaults_ObjectFieldSelector: a fieldRef's apiVersion is v1. */
function defaultFieldRef(holder: unknown): void {
  const fieldRef = isObj(holder) ? holder.fieldRef : undefined;
  if (isObj(fieldRef)) setDefault(fieldRef, 'apiVersion', 'v1');
}

/** the mode of a volume's files when neither the volume nor the item sets one (0644) */
const DEFAULT_VOLUME_FILE_MODE = 0o644;
/** a projected service account token's lifetime when unset */
const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
/** the keys of a VolumeSource: a volume with none of them is an emptyDir (SetDefaults_Volume) */
const VOLUME_KEYS_BESIDES_SOURCE = new Set(['name']);

/** `o[key]` when it is an object; unlike child(), never adds the key. */
function present(o: Obj | undefined, key: string): Obj | undefined {
  const v = o?.[key];
  return isObj(v) ? v : undefined;
}

/** SetDefaults_Volume and the defaults of its source, as the v1 defaulters set them. */
function defaultVolume(v: Obj): void {
  if (!Object.keys(v).some((k) => !VOLUME_KEYS_BESIDES_SOURCE.has(k) && v[k] !== undefined && v[k] !== null)) v.emptyDir = {};
  for (const key of ['configMap', 'secret', 'downwardAPI', 'projected']) {
    const source = present(v, key);
    if (source) setDefault(source, 'defaultMode', DEFAULT_VOLUME_FILE_MODE);
  }
  const hostPath = present(v, 'hostPath');
  if (hostPath) setDefault(hostPath, 'type', '');
  for (const item of objects(present(v, 'downwardAPI')?.items)) defaultFieldRef(item);
  for (const projection of objects(present(v, 'projected')?.sources)) {
    for (const item of objects(present(projection, 'downwardAPI')?.items)) defaultFieldRef(item);
    const token = present(projection, 'serviceAccountToken');
    if (token) setDefault(token, 'expirationSeconds', DEFAULT_TOKEN_EXPIRATION_SECONDS);
  }
}

/** SetDefaults_PodSpec and its containers; also used for templates. */
export function defaultPodSpec(spec: unknown): void {
  if (!isObj(spec)) return;
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS);
  setDefault(spec, 'schedulerName', DEFAULT_SCHEDULER_NAME);
  setDefault(spec, 'enableServiceLinks', true);
  setDefault(spec, 'securityContext', {});
  const hostNetwork = spec.hostNetwork === true;
  for (const c of objects(spec.containers)) defaultContainer(c, hostNetwork);
  for (const c of objects(spec.initContainers)) defaultContainer(c, hostNetwork);
  for (const v of objects(spec.volumes)) defaultVolume(v);
}

/**
 * SetDefaults_Pod: a container (or init container) that limits a resource
 * without requesting it requests its limit. Pods only, never templates:
 * upstream keeps this out of SetDefaults_PodSpec so that a template stays as
 * written and its pods get the requests when they are created.
 */
function defaultRequestsToLimits(spec: unknown): void {
  if (!isObj(spec)) return;
  for (const c of [...objects(spec.containers), ...objects(spec.initContainers)]) {
    const resources = present(c, 'resources');
    const limits = present(resources, 'limits');
    if (!resources || !limits) continue;
    const requested = resources.requests === undefined || resources.requests === null ? {} : resources.requests;
    if (!isObj(requested)) continue; // garbage, for validation to report
    const missing = Object.keys(limits).filter((name) => !Object.hasOwn(requested, name));
    if (missing.length === 0) continue;
    for (const name of missing) requested[name] = limits[name];
    resources.requests = requested;
  }
}

/**
 * The deprecated spec.serviceAccount is an alias of serviceAccountName
 * (upstream's v1 PodSpec conversion): it fills an empty name, and is then
 * written back as the name, or left out when there is none. Pods only:
 * a template is stored as written, so that a Deployment stored before this
 * defaulting does not change its template (and roll out) on its next write.
 */
function mirrorServiceAccount(spec: unknown): void {
  if (!isObj(spec)) return;
  const alias = spec.serviceAccount;
  if (typeof alias === 'string' && alias !== '') setDefault(spec, 'serviceAccountName', alias);
  const name = spec.serviceAccountName;
  if (typeof name === 'string' && name !== '') spec.serviceAccount = name;
  else if (alias === '' || alias === null) delete spec.serviceAccount;
}

function defaultPod(pod: Obj): void {
  defaultRequestsToLimits(pod.spec);
  defaultPodSpec(pod.spec);
  mirrorServiceAccount(pod.spec);
}

function defaultTemplate(spec: Obj): void {
  if (isObj(spec.template)) defaultPodSpec(spec.template.spec);
}

function defaultService(svc: Obj): void {
  const spec = child(svc, 'spec');
  if (!spec) return;
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = isObj(spec.sessionAffinityConfig) ? spec.sessionAffinityConfig : undefined;
    const clientIP = cfg && isObj(cfg.clientIP) ? cfg.clientIP : undefined;
    if (!clientIP || clientIP.timeoutSeconds === undefined || clientIP.timeoutSeconds === null) {
      spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_AFFINITY_SECONDS } };
    }
  }
  for (const p of objects(spec.ports)) {
    setDefault(p, 'protocol', 'TCP');
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  const type = spec.type;
  const externalIPs = Array.isArray(spec.externalIPs) ? spec.externalIPs : [];
  const externallyAccessible = type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && externalIPs.length > 0);
  if (externallyAccessible) setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  if (type === 'ClusterIP' || type === 'NodePort' || type === 'LoadBalancer') setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  // The service strategy keeps clusterIP and clusterIPs[0] in step.
  const clusterIPs = spec.clusterIPs;
  if (typeof spec.clusterIP === 'string' && spec.clusterIP && (!Array.isArray(clusterIPs) || clusterIPs.length === 0)) {
    spec.clusterIPs = [spec.clusterIP];
  } else if (Array.isArray(clusterIPs) && typeof clusterIPs[0] === 'string' && !spec.clusterIP) {
    spec.clusterIP = clusterIPs[0];
  }
  // The allocator's single-stack IPv4 choice, made here since podnet's cluster is IPv4 only.
  if (type !== 'ExternalName') {
    if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) spec.ipFamilies = ['IPv4'];
    setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
  }
}

/** A Deployment's strategy or a DaemonSet's updateStrategy: RollingUpdate unless set, its two bounds filled in. */
function defaultRollingUpdate(spec: Obj, key: string, maxUnavailable: number | string, maxSurge: number | string): void {
  const strategy = child(spec, key);
  if (!strategy) return;
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type !== 'RollingUpdate') return;
  const ru = child(strategy, 'rollingUpdate');
  if (!ru) return;
  setDefault(ru, 'maxUnavailable', maxUnavailable);
  setDefault(ru, 'maxSurge', maxSurge);
}

function defaultDeployment(d: Obj): void {
  const spec = child(d, 'spec');
  if (!spec) return;
  setDefault(spec, 'replicas', 1);
  defaultRollingUpdate(spec, 'strategy', DEFAULT_MAX_UNAVAILABLE, DEFAULT_MAX_SURGE);
  setDefault(spec, 'revisionHistoryLimit', DEFAULT_REVISION_HISTORY_LIMIT);
  setDefault(spec, 'progressDeadlineSeconds', DEFAULT_PROGRESS_DEADLINE_SECONDS);
  defaultTemplate(spec);
}

/** SetDefaults_ReplicaSet: one replica; the template as a Pod's spec (apps/v1 writes no labels from it). */
function defaultReplicaSet(rs: Obj): void {
  const spec = child(rs, 'spec');
  if (!spec) return;
  setDefault(spec, 'replicas', 1);
  defaultTemplate(spec);
}

function defaultStatefulSet(s: Obj): void {
  const spec = child(s, 'spec');
  if (!spec) return;
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'podManagementPolicy', 'OrderedReady');
  const us = child(spec, 'updateStrategy');
  if (us) {
    setDefault(us, 'type', 'RollingUpdate');
    if (us.type === 'RollingUpdate') {
      const ru = child(us, 'rollingUpdate');
      if (ru) setDefault(ru, 'partition', 0);
    }
  }
  setDefault(spec, 'revisionHistoryLimit', DEFAULT_REVISION_HISTORY_LIMIT);
  defaultTemplate(spec);
}

/**
 * SetDefaults_DaemonSet: RollingUpdate, one node at a time (maxUnavailable 1,
 * maxSurge 0, both filled in when rollingUpdate is left out), and the
 * template as a Pod's spec.
 */
function defaultDaemonSet(ds: Obj): void {
  const spec = child(ds, 'spec');
  if (!spec) return;
  defaultRollingUpdate(spec, 'updateStrategy', 1, 0);
  setDefault(spec, 'revisionHistoryLimit', DEFAULT_REVISION_HISTORY_LIMIT);
  defaultTemplate(spec);
}

/** a Job's failed pods (or container restarts) allowed before it fails, when unset (SetDefaults_Job) */
const DEFAULT_JOB_BACKOFF_LIMIT = 6;

/**
 * SetDefaults_Job: a Job that sets neither completions nor parallelism runs
 * one pod to one success; parallelism alone leaves completions unset (any one
 * success completes the Job). The template's labels become the Job's when it
 * has none (the generated ones are added when it is created: strategies.ts).
 */
function defaultJob(job: Obj): void {
  const spec = child(job, 'spec');
  if (!spec) return;
  const unset = (key: string) => spec[key] === undefined || spec[key] === null;
  if (unset('completions') && unset('parallelism')) spec.completions = 1;
  setIfNil(spec, 'parallelism', 1);
  setIfNil(spec, 'backoffLimit', DEFAULT_JOB_BACKOFF_LIMIT);
  setIfNil(spec, 'completionMode', 'NonIndexed');
  setIfNil(spec, 'suspend', false);
  setIfNil(spec, 'podReplacementPolicy', isObj(spec.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed');
  const template = isObj(spec.template) ? spec.template : undefined;
  const meta = isObj(job.metadata) ? job.metadata : undefined;
  const templateLabels = isObj(template?.metadata) ? template.metadata.labels : undefined;
  if (meta && isObj(templateLabels) && (!isObj(meta.labels) || Object.keys(meta.labels).length === 0)) meta.labels = { ...templateLabels };
  defaultTemplate(spec);
}

/**
 * SetDefaults_CronJob: concurrent runs allowed, not suspended, three
 * successful and one failed Job kept. The Job template's pod template is
 * defaulted as any; its Job fields are the created Job's to default.
 */
function defaultCronJob(cronJob: Obj): void {
  const spec = child(cronJob, 'spec');
  if (!spec) return;
  setIfNil(spec, 'concurrencyPolicy', 'Allow');
  setIfNil(spec, 'suspend', false);
  setIfNil(spec, 'successfulJobsHistoryLimit', 3);
  setIfNil(spec, 'failedJobsHistoryLimit', 1);
  const jobSpec = child(child(spec, 'jobTemplate') ?? {}, 'spec');
  if (jobSpec) defaultTemplate(jobSpec);
}

/** stringData is write-only: merged into data (base64, winning over data) and dropped, as the v1 conversion does. */
function defaultSecret(s: Obj): void {
  setDefault(s, 'type', 'Opaque');
  if (isObj(s.stringData)) {
    const data = isObj(s.data) ? s.data : {};
    for (const [k, v] of Object.entries(s.stringData)) {
      if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
    }
    s.data = data;
    delete s.stringData;
  }
}

function defaultNamespace(ns: Obj): void {
  const meta = isObj(ns.metadata) ? ns.metadata : undefined;
  // SetDefaults_Namespace: every namespace carries its own name as a label, so selectors can pick it.
  if (meta && typeof meta.name === 'string' && meta.name) {
    if (meta.labels === undefined || meta.labels === null) meta.labels = {};
    if (isObj(meta.labels)) meta.labels[NAMESPACE_NAME_LABEL] = meta.name;
  }
  defaultNamespaceStatus(ns);
}

/** The status part of a Namespace's defaults: all a status write of one is defaulted with. */
function defaultNamespaceStatus(ns: Obj): void {
  const status = child(ns, 'status');
  if (status) setDefault(status, 'phase', 'Active');
}

function defaultEndpoints(ep: Obj): void {
  for (const subset of objects(ep.subsets)) for (const p of objects(subset.ports)) setDefault(p, 'protocol', 'TCP');
}

function defaultEndpointSlice(es: Obj): void {
  for (const p of objects(es.ports)) {
    setDefault(p, 'protocol', 'TCP');
    if (p.name === undefined || p.name === null) p.name = '';
  }
}

function defaultIngressClass(ic: Obj): void {
  const spec = isObj(ic.spec) ? ic.spec : undefined;
  if (spec && isObj(spec.parameters)) setDefault(spec.parameters, 'scope', 'Cluster');
}

/** Sets `o[key]` when it is absent (undefined or null): a Go pointer field, where "" is a value of its own. */
function setIfNil(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

/** SetDefaults_PersistentVolumeClaimSpec and SetDefaults_PersistentVolumeClaim. */
function defaultPersistentVolumeClaim(pvc: Obj): void {
  const spec = child(pvc, 'spec');
  if (spec) setIfNil(spec, 'volumeMode', 'Filesystem');
  defaultStoragePhase(pvc);
}

/** SetDefaults_PersistentVolume, and a hostPath source's type as a pod volume's. */
function defaultPersistentVolume(pv: Obj): void {
  const spec = child(pv, 'spec');
  if (spec) {
    setDefault(spec, 'persistentVolumeReclaimPolicy', 'Retain');
    setIfNil(spec, 'volumeMode', 'Filesystem');
    const hostPath = present(spec, 'hostPath');
    if (hostPath) setDefault(hostPath, 'type', '');
  }
  defaultStoragePhase(pv);
}

/** Claims and volumes are Pending until the storage controller says otherwise; on every write, status writes included. */
function defaultStoragePhase(o: Obj): void {
  const status = child(o, 'status');
  if (status) setDefault(status, 'phase', 'Pending');
}

/** SetDefaults_StorageClass: both are pointers upstream, so "" stays "". */
function defaultStorageClass(sc: Obj): void {
  setIfNil(sc, 'reclaimPolicy', 'Delete');
  setIfNil(sc, 'volumeBindingMode', 'Immediate');
}

/**
 * SetDefaults_NetworkPolicy and SetDefaults_NetworkPolicyPort: a policy that
 * names no types is an Ingress policy, and an Egress one too when it has
 * egress rules; a port without a protocol is TCP. podSelector is a struct
 * upstream always writes out, so an absent one reads back as {} (all pods).
 */
function defaultNetworkPolicy(np: Obj): void {
  const spec = child(np, 'spec');
  if (!spec) return;
  setIfNil(spec, 'podSelector', {});
  const types = spec.policyTypes;
  if (types === undefined || types === null || (Array.isArray(types) && types.length === 0)) {
    spec.policyTypes = Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
  for (const rule of [...objects(spec.ingress), ...objects(spec.egress)]) {
    for (const port of objects(rule.ports)) setIfNil(port, 'protocol', 'TCP');
  }
}

/** autoscaling.DefaultCPUUtilization: the metric an autoscaler that names none scales on */
const DEFAULT_CPU_UTILIZATION = 80;

/** The rules a behavior's unset scaleUp and scaleDown parts take (autoscaling/v2 defaults.go); scaleDown's window is the controller's flag. */
function defaultScaleUpRules(): Obj {
  return { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] };
}
function defaultScaleDownRules(): Obj {
  return { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };
}

/** copyHPAScalingRules: the fields a rule sets (null counts as unset) over the defaults. */
function scalingRules(given: unknown, defaults: Obj): unknown {
  if (given === undefined || given === null) return defaults;
  if (!isObj(given)) return given;
  const out: Obj = { ...defaults };
  for (const key of ['selectPolicy', 'stabilizationWindowSeconds', 'policies']) if (given[key] !== undefined && given[key] !== null) out[key] = given[key];
  return out;
}

/**
 * SetDefaults_HorizontalPodAutoscaler: minReplicas 1, CPU at 80% when no
 * metric is named, and a behavior that is given filled in whole.
 */
function defaultHorizontalPodAutoscaler(hpa: Obj): void {
  const spec = child(hpa, 'spec');
  if (!spec) return;
  setIfNil(spec, 'minReplicas', 1);
  if (spec.metrics === undefined || spec.metrics === null || (Array.isArray(spec.metrics) && spec.metrics.length === 0)) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  if (isObj(spec.behavior)) {
    spec.behavior.scaleUp = scalingRules(spec.behavior.scaleUp, defaultScaleUpRules());
    spec.behavior.scaleDown = scalingRules(spec.behavior.scaleDown, defaultScaleDownRules());
  }
}

/** the group every roleRef names, and User and Group subjects belong to */
const RBAC_GROUP = 'rbac.authorization.k8s.io';

/**
 * SetDefaults_RoleBinding, SetDefaults_ClusterRoleBinding and
 * SetDefaults_Subject: a roleRef without apiGroup names the rbac group (the
 * roleRef is a struct upstream, so a binding without one reads back with it),
 * and a User or Group subject without apiGroup is in it; a ServiceAccount's
 * is the core group, ''.
 */
function defaultBinding(binding: Obj): void {
  const roleRef = child(binding, 'roleRef');
  if (roleRef) setDefault(roleRef, 'apiGroup', RBAC_GROUP);
  for (const subject of objects(binding.subjects)) {
    if (subject.apiGroup !== undefined && subject.apiGroup !== null && subject.apiGroup !== '') continue;
    if (subject.kind === 'User' || subject.kind === 'Group') subject.apiGroup = RBAC_GROUP;
  }
}

const DEFAULTERS: Record<string, (o: Obj) => void> = {
  Pod: defaultPod,
  Service: defaultService,
  Deployment: defaultDeployment,
  ReplicaSet: defaultReplicaSet,
  StatefulSet: defaultStatefulSet,
  DaemonSet: defaultDaemonSet,
  Job: defaultJob,
  CronJob: defaultCronJob,
  Secret: defaultSecret,
  Namespace: defaultNamespace,
  EndpointSlice: defaultEndpointSlice,
  Endpoints: defaultEndpoints,
  IngressClass: defaultIngressClass,
  NetworkPolicy: defaultNetworkPolicy,
  PersistentVolumeClaim: defaultPersistentVolumeClaim,
  PersistentVolume: defaultPersistentVolume,
  StorageClass: defaultStorageClass,
  RoleBinding: defaultBinding,
  ClusterRoleBinding: defaultBinding,
  HorizontalPodAutoscaler: defaultHorizontalPodAutoscaler,
  // the Gateway API kinds: their CRDs' structural defaults (validation/gateway.ts holds the schemas)
  GatewayClass: defaultGatewayObject,
  Gateway: defaultGatewayObject,
  HTTPRoute: defaultGatewayObject,
  ReferenceGrant: defaultGatewayObject,
};

/**
 * The defaulters that touch status, for a status write: its metadata and spec
 * are the stored ones, defaulted when they were stored.
 */
const STATUS_DEFAULTERS: Record<string, (o: Obj) => void> = {
  Namespace: defaultNamespaceStatus,
  PersistentVolumeClaim: defaultStoragePhase,
  PersistentVolume: defaultStoragePhase,
  GatewayClass: defaultGatewayStatus,
  Gateway: defaultGatewayStatus,
};

function applyFrom<T extends KubeObject>(table: Record<string, (o: Obj) => void>, obj: T): T {
  if (!isObj(obj)) return obj;
  const fn = table[typeof obj.kind === 'string' ? obj.kind : ''];
  if (fn) fn(obj as Obj);
  return obj;
}

/** Fills in upstream defaults in place and returns the same object. */
export function applyDefaults<T extends KubeObject>(obj: T): T {
  return applyFrom(DEFAULTERS, obj);
}

/** Fills in the status defaults of a status write in place and returns the same object. */
export function applyStatusDefaults<T extends KubeObject>(obj: T): T {
  return applyFrom(STATUS_DEFAULTERS, obj);
}
