// `kubectl describe` for every kind podnet serves, in kubectl's layout
// (k8s.io/kubectl/pkg/describe/describe.go). Pure: the caller fetches the
// object, its events and any related objects (EndpointSlices for Services and
// Ingresses, Pods for Nodes, StatefulSets, ReplicaSets and claims, ReplicaSets
// for Deployments, Secrets for ServiceAccounts) and gets the text back.

import type {
  ConfigMap, CronJob, DaemonSet, Deployment, Endpoints, EndpointSlice, Event, HorizontalPodAutoscaler, Ingress, IngressClass, Job, KubeObject, Namespace, NetworkPolicy, Node,
  PersistentVolume, PersistentVolumeClaim, Pod, PodDisruptionBudget, PodTemplateSpec, ReplicaSet, Role, RoleBinding, Secret, Service, ServiceAccount, StatefulSet,
  StorageClass,
} from '../../api/types.js';
import { deepEqual } from '../../api/validation/fields.js';
import { controllerRefOf } from '../../controllers/controller-ref.js';
import { rfc1123z, type Instant } from './age.js';
import { describeEndpoints, describeEndpointSlice, describeIngress, describeIngressClass, describeService } from './describe-network.js';
import { describeHorizontalPodAutoscaler } from './describe-hpa.js';
import { describeDaemonSet } from './describe-daemonset.js';
import { describeCronJob } from './describe-cronjob.js';
import { printCustomResourceContent } from './describe-gateway.js';
import { describeJob } from './describe-job.js';
import { describeNetworkPolicy } from './describe-networkpolicy.js';
import { describeNode } from './describe-node.js';
import { describePodDisruptionBudget } from './describe-pdb.js';
import { describeRole, describeRoleBinding } from './describe-rbac.js';
import { describePod, describePodTemplate } from './describe-pod.js';
import { describeServiceAccount } from './describe-serviceaccount.js';
import { describePersistentVolume, describePersistentVolumeClaim, describeStorageClass } from './describe-storage.js';
import {
  describeEvents, type DescribeRelated, LEVEL_0, LEVEL_1, nsOf, podPhaseCounts, PrefixWriter, printAnnotationsMultiline, printControlledBy,
  printLabelsMultiline, untyped,
} from './describe-writer.js';
import { formatLabelSelector, selectorString } from './selectors.js';

export type { DescribeRelated } from './describe-writer.js';
export { formatEndpointSlices } from './describe-network.js';

/** Deployment defaults (apps/v1 SetDefaults_Deployment). */
const DEFAULT_MAX_SURGE_UNAVAILABLE = '25%';
/** apps.DefaultDeploymentUniqueLabelKey: the label a Deployment adds to each of its ReplicaSets' templates. */
const POD_TEMPLATE_HASH = 'pod-template-hash';

/** Events about `obj` (searchEvents: same name and namespace, kind and uid when known). */
function eventsAbout(obj: KubeObject, events: readonly Event[]): Event[] {
  return events.filter((e) => {
    const ref = e.involvedObject ?? {};
    if (ref.name !== obj.metadata.name) return false;
    if (obj.metadata.namespace && ref.namespace && ref.namespace !== obj.metadata.namespace) return false;
    // describe pod clears the kind so events about the pod's containers match too.
    if (obj.kind !== 'Pod' && ref.kind && ref.kind !== obj.kind) return false;
    if (ref.uid && obj.metadata.uid && ref.uid !== obj.metadata.uid) return false;
    return true;
  });
}

/** intstr.String(): `25%` or `1`. */
function intOrString(v: number | string | undefined, fallback: string): string {
  return v === undefined || v === null ? fallback : String(v);
}

function printConditions(w: PrefixWriter, conditions: { type: string; status: string; reason?: string }[] | undefined): void {
  if (!conditions || conditions.length === 0) return;
  w.write(LEVEL_0, 'Conditions:\n  Type\tStatus\tReason\n');
  w.write(LEVEL_1, '----\t------\t------\n');
  for (const c of conditions) w.write(LEVEL_1, `${c.type} \t${c.status}\t${c.reason ?? ''}\n`);
}

/** A template as EqualIgnoreHash compares it: without the pod-template-hash label. */
function templateWithoutHash(template: PodTemplateSpec | undefined): unknown {
  const { [POD_TEMPLATE_HASH]: _hash, ...labels } = template?.metadata?.labels ?? {};
  // Go's semantic equality takes an empty map for a missing one
  return { ...template, metadata: { ...template?.metadata, labels: Object.keys(labels).length > 0 ? labels : undefined } };
}

/** ReplicaSetsByCreationTimestamp: oldest first, ties by name. */
function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const at = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const bt = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  const an = a.metadata.name ?? '';
  const bn = b.metadata.name ?? '';
  return at - bt || (an < bn ? -1 : an > bn ? 1 : 0);
}

/**
 * The ReplicaSets a Deployment controls, split as deploymentutil's
 * FindNewReplicaSet and FindOldReplicaSets split them: the new one is the
 * oldest whose template is the Deployment's (the hash label aside), every
 * other is old, oldest first, scaled to zero or not.
 */
export function deploymentReplicaSets(d: Deployment, replicaSets: readonly ReplicaSet[]): { newReplicaSet?: ReplicaSet; oldReplicaSets: ReplicaSet[] } {
  const owned = replicaSets.filter((rs) => d.metadata.uid !== undefined && controllerRefOf(rs)?.uid === d.metadata.uid).sort(byCreation);
  const template = templateWithoutHash(d.spec.template);
  const newReplicaSet = owned.find((rs) => deepEqual(templateWithoutHash(rs.spec.template), template));
  return { ...(newReplicaSet ? { newReplicaSet } : {}), oldReplicaSets: owned.filter((rs) => rs !== newReplicaSet) };
}

/** printReplicaSetsByLabels: `web-7d4b9c8f6 (3/3 replicas created)`, comma-joined, or <none>. */
function replicaSetList(sets: readonly ReplicaSet[]): string {
  return sets.map((rs) => `${rs.metadata.name ?? ''} (${rs.status?.replicas ?? 0}/${rs.spec.replicas ?? 1} replicas created)`).join(', ') || '<none>';
}

function describeDeployment(d: Deployment, events: readonly Event[] | undefined, related: DescribeRelated, now: Instant): string {
  const w = new PrefixWriter();
  const spec = d.spec;
  const st = d.status ?? {};
  w.write(LEVEL_0, `Name:\t${d.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${nsOf(d)}\n`);
  w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(d.metadata.creationTimestamp)}\n`);
  printLabelsMultiline(w, 'Labels', d.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', d.metadata.annotations);
  w.write(LEVEL_0, `Selector:\t${selectorString(spec.selector)}\n`);
  w.write(LEVEL_0, `Replicas:\t${spec.replicas ?? 1} desired | ${st.updatedReplicas ?? 0} updated | ${st.replicas ?? 0} total | ${st.availableReplicas ?? 0} available | ${st.unavailableReplicas ?? 0} unavailable\n`);
  const strategy = spec.strategy?.type ?? 'RollingUpdate';
  w.write(LEVEL_0, `StrategyType:\t${strategy}\n`);
  w.write(LEVEL_0, `MinReadySeconds:\t${spec.minReadySeconds ?? 0}\n`);
  if (strategy === 'RollingUpdate') {
    const ru = spec.strategy?.rollingUpdate ?? {};
    w.write(LEVEL_0, `RollingUpdateStrategy:\t${intOrString(ru.maxUnavailable, DEFAULT_MAX_SURGE_UNAVAILABLE)} max unavailable, ${intOrString(ru.maxSurge, DEFAULT_MAX_SURGE_UNAVAILABLE)} max surge\n`);
  }
  describePodTemplate(spec.template, w);
  printConditions(w, st.conditions);
  // kubectl prints both lines once the Deployment has any ReplicaSet
  const { newReplicaSet, oldReplicaSets } = deploymentReplicaSets(d, related.replicaSets ?? []);
  if (newReplicaSet || oldReplicaSets.length > 0) {
    w.write(LEVEL_0, `OldReplicaSets:\t${replicaSetList(oldReplicaSets)}\n`);
    w.write(LEVEL_0, `NewReplicaSet:\t${replicaSetList(newReplicaSet ? [newReplicaSet] : [])}\n`);
  }
  if (events) describeEvents(events, w, now);
  return w.toString();
}

/** getPodStatusForController: the controller's pods counted by phase. */
function describeReplicaSet(rs: ReplicaSet, events: readonly Event[] | undefined, related: DescribeRelated, now: Instant): string {
  const w = new PrefixWriter();
  w.write(LEVEL_0, `Name:\t${rs.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${nsOf(rs)}\n`);
  w.write(LEVEL_0, `Selector:\t${formatLabelSelector(rs.spec.selector)}\n`);
  printLabelsMultiline(w, 'Labels', rs.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', rs.metadata.annotations);
  printControlledBy(w, rs);
  w.write(LEVEL_0, `Replicas:\t${rs.status?.replicas ?? 0} current / ${rs.spec.replicas ?? 1} desired\n`);
  w.write(LEVEL_0, `Pods Status:\t${podPhaseCounts(rs, related.pods ?? [])}\n`);
  describePodTemplate(rs.spec.template, w);
  printConditions(w, rs.status?.conditions);
  if (events) describeEvents(events, w, now);
  return w.toString();
}

interface ClaimTemplate {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { storageClassName?: string; accessModes?: string[]; resources?: { requests?: Record<string, string> } };
}

function describeStatefulSet(s: StatefulSet, events: readonly Event[] | undefined, related: DescribeRelated, now: Instant): string {
  const w = new PrefixWriter();
  const spec = s.spec;
  w.write(LEVEL_0, `Name:\t${s.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${nsOf(s)}\n`);
  w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(s.metadata.creationTimestamp)}\n`);
  w.write(LEVEL_0, `Selector:\t${selectorString(spec.selector)}\n`);
  printLabelsMultiline(w, 'Labels', s.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', s.metadata.annotations);
  w.write(LEVEL_0, `Replicas:\t${spec.replicas ?? 1} desired | ${s.status?.replicas ?? 0} total\n`);
  w.write(LEVEL_0, `Update Strategy:\t${spec.updateStrategy?.type ?? 'RollingUpdate'}\n`);
  const partition = spec.updateStrategy?.rollingUpdate?.partition;
  if (partition !== undefined && partition !== null) w.write(LEVEL_1, `Partition:\t${partition}\n`);
  w.write(LEVEL_0, `Pods Status:\t${podPhaseCounts(s, related.pods ?? [])}\n`);
  describePodTemplate(spec.template, w);
  const claims = untyped<ClaimTemplate[]>(spec, 'volumeClaimTemplates') ?? [];
  if (claims.length === 0) {
    w.write(LEVEL_0, 'Volume Claims:\t<none>\n');
  } else {
    w.write(LEVEL_0, 'Volume Claims:\n');
    for (const c of claims) {
      w.write(LEVEL_1, `Name:\t${c.metadata?.name ?? ''}\n`);
      w.write(LEVEL_1, `StorageClass:\t${c.spec?.storageClassName ?? ''}\n`);
      printLabelsMultiline(w, 'Labels', c.metadata?.labels, '  ');
      printLabelsMultiline(w, 'Annotations', c.metadata?.annotations, '  ');
      w.write(LEVEL_1, `Capacity:\t${c.spec?.resources?.requests?.['storage'] ?? '<default>'}\n`);
      w.write(LEVEL_1, `Access Modes:\t[${(c.spec?.accessModes ?? []).join(' ')}]\n`);
    }
  }
  if (events) describeEvents(events, w, now);
  return w.toString();
}

function describeNamespace(ns: Namespace): string {
  const w = new PrefixWriter();
  w.write(LEVEL_0, `Name:\t${ns.metadata.name ?? ''}\n`);
  printLabelsMultiline(w, 'Labels', ns.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', ns.metadata.annotations);
  w.write(LEVEL_0, `Status:\t${ns.status?.phase ?? ''}\n`);
  const conditions = untyped<{ type: string; status: string; lastTransitionTime?: string; reason?: string; message?: string }[]>(ns.status, 'conditions') ?? [];
  if (conditions.length > 0) {
    w.write(LEVEL_0, 'Conditions:\n');
    w.write(LEVEL_1, 'Type\tStatus\tLastTransitionTime\tReason\tMessage\n');
    w.write(LEVEL_1, '----\t------\t------------------\t------\t-------\n');
    for (const c of conditions) w.write(LEVEL_1, `${c.type}\t${c.status}\t${rfc1123z(c.lastTransitionTime)}\t${c.reason ?? ''}\t${c.message ?? ''}\n`);
  }
  // podnet serves neither ResourceQuota nor LimitRange: kubectl's lines for none of either
  w.write(LEVEL_0, '\nNo resource quota.\n');
  w.write(LEVEL_0, '\nNo LimitRange resource.\n');
  return w.toString();
}

function describeSecret(s: Secret): string {
  const w = new PrefixWriter();
  w.write(LEVEL_0, `Name:\t${s.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${nsOf(s)}\n`);
  printLabelsMultiline(w, 'Labels', s.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', s.metadata.annotations);
  w.write(LEVEL_0, `\nType:\t${s.type ?? ''}\n`);
  w.write(LEVEL_0, '\nData\n====\n');
  for (const k of Object.keys(s.data ?? {}).sort()) {
    // data values are base64 on the wire; describe shows the decoded length only.
    w.write(LEVEL_0, `${k}:\t${Buffer.from(s.data![k]!, 'base64').length} bytes\n`);
  }
  return w.toString();
}

function describeConfigMap(cm: ConfigMap, events: readonly Event[] | undefined, now: Instant): string {
  const w = new PrefixWriter();
  w.write(LEVEL_0, `Name:\t${cm.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${nsOf(cm)}\n`);
  printLabelsMultiline(w, 'Labels', cm.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', cm.metadata.annotations);
  w.write(LEVEL_0, '\nData\n====\n');
  for (const k of Object.keys(cm.data ?? {}).sort()) {
    w.write(LEVEL_0, `${k}:\n----\n`);
    w.write(LEVEL_0, `${cm.data![k]}\n`);
    w.write(LEVEL_0, '\n');
  }
  w.write(LEVEL_0, '\nBinaryData\n====\n');
  for (const k of Object.keys(cm.binaryData ?? {}).sort()) {
    w.write(LEVEL_0, `${k}: ${Buffer.from(cm.binaryData![k]!, 'base64').length} bytes\n`);
  }
  w.write(LEVEL_0, '\n');
  if (events) describeEvents(events, w, now);
  return w.toString();
}

/**
 * Kinds without a describer of their own: name, namespace, labels, annotations,
 * then `printBody`'s lines (a custom resource's fields), then events.
 */
function describeGeneric(obj: KubeObject, events: readonly Event[] | undefined, now: Instant, printBody?: (w: PrefixWriter) => void): string {
  const w = new PrefixWriter();
  w.write(LEVEL_0, `Name:\t${obj.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${nsOf(obj)}\n`);
  printLabelsMultiline(w, 'Labels', obj.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', obj.metadata.annotations);
  printBody?.(w);
  if (events) describeEvents(events, w, now);
  return w.toString();
}

/**
 * The text `kubectl describe` prints for `obj`. `events` may be all events of
 * the namespace (those about other objects are dropped); pass undefined to
 * leave out the Events section (kubectl --show-events=false). Namespaces,
 * Secrets and the RBAC kinds never show events, as in kubectl.
 */
export function describe(obj: KubeObject, events: readonly Event[] | undefined, related: DescribeRelated = {}, now: Instant = Date.now()): string {
  const ev = events ? eventsAbout(obj, events) : undefined;
  switch (obj.kind) {
    case 'Pod': return describePod(obj as Pod, ev, now);
    case 'Service': return describeService(obj as Service, ev, related, now);
    case 'EndpointSlice': return describeEndpointSlice(obj as EndpointSlice, ev, now);
    case 'Endpoints': return describeEndpoints(obj as Endpoints, ev, now);
    case 'Deployment': return describeDeployment(obj as Deployment, ev, related, now);
    case 'ReplicaSet': return describeReplicaSet(obj as ReplicaSet, ev, related, now);
    case 'StatefulSet': return describeStatefulSet(obj as StatefulSet, ev, related, now);
    case 'DaemonSet': return describeDaemonSet(obj as DaemonSet, ev, related.pods ?? [], now);
    case 'Job': return describeJob(obj as Job, ev, now);
    case 'CronJob': return describeCronJob(obj as CronJob, ev, now);
    case 'Ingress': return describeIngress(obj as Ingress, ev, related, now);
    case 'IngressClass': return describeIngressClass(obj as IngressClass, ev, now);
    case 'NetworkPolicy': return describeNetworkPolicy(obj as NetworkPolicy);
    case 'Node': return describeNode(obj as Node, ev, related, now);
    case 'Namespace': return describeNamespace(obj as Namespace);
    case 'Secret': return describeSecret(obj as Secret);
    case 'ConfigMap': return describeConfigMap(obj as ConfigMap, ev, now);
    case 'ServiceAccount': return describeServiceAccount(obj as ServiceAccount, related.secrets, ev, now);
    case 'PersistentVolumeClaim': return describePersistentVolumeClaim(obj as PersistentVolumeClaim, ev, related, now);
    case 'PersistentVolume': return describePersistentVolume(obj as PersistentVolume, ev, now);
    case 'StorageClass': return describeStorageClass(obj as StorageClass, ev, now);
    case 'HorizontalPodAutoscaler': return describeHorizontalPodAutoscaler(obj as HorizontalPodAutoscaler, ev, now);
    case 'PodDisruptionBudget': return describePodDisruptionBudget(obj as PodDisruptionBudget, ev, now);
    case 'Role': case 'ClusterRole': return describeRole(obj as Role);
    case 'RoleBinding': case 'ClusterRoleBinding': return describeRoleBinding(obj as RoleBinding);
    case 'GatewayClass': case 'Gateway': case 'HTTPRoute': case 'ReferenceGrant': return describeGeneric(obj, ev, now, (w) => printCustomResourceContent(w, obj));
    default: return describeGeneric(obj, ev, now);
  }
}

/** kubectl describe prints "\n\n" between the descriptions of several objects. */
export function joinDescriptions(texts: readonly string[]): string {
  return texts.join('\n\n');
}
