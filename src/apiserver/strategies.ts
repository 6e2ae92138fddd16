// Per-kind rules the API server applies before validation, after upstream's
// rest strategies (PrepareForCreate / PrepareForUpdate): what a client may not
// set on create, and which fields an update of the main resource or of the
// status subresource may change.

import { randomUUID } from 'node:crypto';
import { NAMESPACE_FINALIZER } from '../api/deletion.js';
import { jsonClone } from '../api/json-clone.js';
import { podQOSClass } from '../api/pod-qos.js';
import { nowRFC3339 } from '../api/pod-helpers.js';
import { JOB_CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_JOB_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL } from '../api/job-labels.js';
import { TEMPLATE_GENERATION_ANNOTATION, templateGenerationOf } from '../api/template-generation.js';
import type { Job, KubeObject, Namespace, PersistentVolume, Pod } from '../api/types.js';
import { deepEqual } from '../store/deep-equal.js';
import type { ResourceInfo } from '../api/resources.js';
import { initialGatewayStatus } from '../api/validation/gateway.js';

const customResourceStatus = (obj: KubeObject): unknown => initialGatewayStatus(obj.kind);

/**
 * Status a new object starts with, from the object as sent and defaulted;
 * Nodes keep what the creator sent (upstream allows it). A Pod's QoS class is
 * worked out from its defaulted resources, unless the creator sent one:
 * upstream's pod strategy reads the class (GetPodQOS) before it replaces the
 * status, so a class in the request is kept.
 */
const INITIAL_STATUS: Record<string, (obj: KubeObject, now: Date) => unknown> = {
  Namespace: () => ({ phase: 'Active' }),
  Pod: (pod) => ({ phase: 'Pending', qosClass: podQOSClass(pod as Pod) }),
  Service: () => ({ loadBalancer: {} }),
  Deployment: () => ({}),
  // ReplicaSetStatus.replicas has no omitempty: upstream's empty status reads back as replicas 0
  ReplicaSet: () => ({ replicas: 0 }),
  StatefulSet: () => ({}),
  // DaemonSetStatus: these four have no omitempty, so a new set reads back with them at 0
  DaemonSet: () => ({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 }),
  Job: () => ({}),
  CronJob: () => ({}),
  // autoscaling/v2: desiredReplicas and currentMetrics have no omitempty
  HorizontalPodAutoscaler: () => ({ currentMetrics: null, desiredReplicas: 0 }),
  // the four counts have no omitempty: a new budget reads back with them at 0
  PodDisruptionBudget: () => ({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }),
  Ingress: () => ({ loadBalancer: {} }),
  PersistentVolumeClaim: () => ({ phase: 'Pending' }),
  // PersistentVolumeLastPhaseTransitionTime, GA in 1.31: a volume says since when it is in its phase
  PersistentVolume: (_pv, now) => ({ phase: 'Pending', lastPhaseTransitionTime: nowRFC3339(now) }),
  // custom resources: create drops the status, and a read fills in the CRD's status default (GatewayClass and Gateway have one)
  GatewayClass: customResourceStatus,
  Gateway: customResourceStatus,
  HTTPRoute: customResourceStatus,
};

/**
 * The kinds whose spec.volumeAttributesClassName v1.31 drops on every write
 * (DropDisabledSpecFields: the VolumeAttributesClass gate is off by default),
 * so no podnet object ever has one.
 */
const WITHOUT_VOLUME_ATTRIBUTES_CLASS = new Set(['PersistentVolumeClaim', 'PersistentVolume']);

/** A fresh spec without the field, never the caller's: a patch may hand over parts of the stored, frozen object. */
function dropVolumeAttributesClass(info: ResourceInfo, obj: KubeObject): void {
  const spec = (obj as { spec?: unknown }).spec;
  if (!WITHOUT_VOLUME_ATTRIBUTES_CLASS.has(info.kind) || !isPlainObject(spec) || !('volumeAttributesClassName' in spec)) return;
  const { volumeAttributesClassName: _dropped, ...rest } = spec;
  (obj as { spec?: unknown }).spec = rest;
}

/** Server-owned metadata a client cannot set on create. */
const SERVER_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const;

/**
 * Runs after defaulting, as upstream's BeforeCreate does: a Pod's QoS class
 * needs its defaulted requests. `now` is the store's clock. The object gets
 * the `uid` it is to be stored with here, before validation, as upstream's
 * API server gives it one before the strategy runs: a Job's generated
 * selector names it.
 */
export function prepareForCreate(info: ResourceInfo, obj: KubeObject, now: Date = new Date(), uid: string = randomUUID()): void {
  for (const k of SERVER_METADATA) delete obj.metadata[k];
  obj.metadata.uid = uid;
  const initial = INITIAL_STATUS[info.kind];
  if (initial) obj.status = initial(obj, now);
  dropVolumeAttributesClass(info, obj);
  if (info.kind === 'DaemonSet') setTemplateGeneration(obj, 1);
  if (info.kind === 'Namespace') {
    // upstream's namespace strategy: every namespace starts with the controller's finalizer
    const spec = (obj as Namespace).spec;
    const finalizers = Array.isArray(spec?.finalizers) ? spec.finalizers : [];
    if (!finalizers.includes(NAMESPACE_FINALIZER)) (obj as Namespace).spec = { ...(spec ?? {}), finalizers: [...finalizers, NAMESPACE_FINALIZER] };
  }
  if (info.kind === 'Job') generateJobSelector(obj as Job, uid);
}

/** Main-resource update: status and deletion state come from the stored object. */
export function prepareForUpdate(info: ResourceInfo, obj: KubeObject, old: KubeObject): void {
  const meta = obj.metadata;
  // the generated selector is checked against the uid, which a PUT need not carry (the store keeps the old one)
  if (info.kind === 'Job' && !meta.uid) meta.uid = old.metadata.uid;
  meta.deletionTimestamp = old.metadata.deletionTimestamp;
  meta.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
  if (meta.deletionTimestamp === undefined) delete meta.deletionTimestamp;
  if (meta.deletionGracePeriodSeconds === undefined) delete meta.deletionGracePeriodSeconds;
  if (info.hasStatus) {
    if (old.status === undefined) delete obj.status;
    else obj.status = jsonClone(old.status);
  }
  if (info.kind === 'DaemonSet') {
    const before = templateGenerationOf(old);
    setTemplateGeneration(obj, deepEqual(specField(obj, 'template'), specField(old, 'template')) ? before : before + 1);
  }
  // spec.finalizers change only through the finalize subresource
  if (info.kind === 'Namespace') withNamespaceFinalizers(obj as Namespace, (old as Namespace).spec?.finalizers);
  dropVolumeAttributesClass(info, obj);
}

/** A fresh annotations map, never the caller's: a patch may hand over the stored, frozen one. */
function setTemplateGeneration(obj: KubeObject, generation: number): void {
  obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [TEMPLATE_GENERATION_ANNOTATION]: String(generation) };
}

function specField(obj: KubeObject, key: string): unknown {
  const spec = (obj as { spec?: unknown }).spec;
  return isPlainObject(spec) ? spec[key] : undefined;
}

function withNamespaceFinalizers(ns: Namespace, finalizers: string[] | undefined): void {
  const spec: NonNullable<Namespace['spec']> = { ...(isPlainObject(ns.spec) ? ns.spec : {}) };
  if (finalizers === undefined) delete spec.finalizers;
  else spec.finalizers = [...finalizers];
  ns.spec = spec;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A namespace's finalize subresource (PUT namespaces/{name}/finalize, as the
 * namespace controller sends it): only spec.finalizers comes from the request.
 */
export function prepareForFinalize(obj: KubeObject, old: KubeObject): KubeObject {
  const next = jsonClone(old) as Namespace;
  const asked = (obj as Namespace).spec?.finalizers;
  withNamespaceFinalizers(next, Array.isArray(asked) ? asked : undefined);
  if (obj.metadata?.resourceVersion) next.metadata.resourceVersion = obj.metadata.resourceVersion;
  else delete next.metadata.resourceVersion;
  return next;
}

/**
 * Status update: everything but .status is the stored object's. The result
 * shares the stored object's frozen parts (spec, labels, ...) instead of
 * copying them: only its top level and its metadata are its own, which is
 * all the store fills in, and the store's comparisons (no-op update, spec
 * changed) find the shared spec equal at once. So nothing may change `next`
 * below its metadata or status: a status write only runs the status
 * defaulters (registry.update), which touch nothing but the new .status.
 */
export function prepareForStatusUpdate(info: ResourceInfo, obj: KubeObject, old: KubeObject, now: Date = new Date()): KubeObject {
  const next: KubeObject = { ...old, metadata: { ...old.metadata } };
  if (obj.status === undefined) delete next.status;
  else next.status = obj.status;
  if (info.kind === 'Pod') keepQOSClass(next, old);
  if (info.kind === 'PersistentVolume') stampPhaseTransition(next as PersistentVolume, old as PersistentVolume, now);
  // the caller's resourceVersion is still the optimistic-concurrency precondition
  if (obj.metadata?.resourceVersion) next.metadata.resourceVersion = obj.metadata.resourceVersion;
  else delete next.metadata.resourceVersion;
  return next;
}

/**
 * A Pod's QoS class is set once, on create: a status write without one keeps
 * the stored class (upstream's pod status strategy backfills it, since old
 * kubelets left it out). A fresh status object, never the caller's: a patch
 * may hand over parts of the stored, frozen object.
 */
function keepQOSClass(next: KubeObject, old: KubeObject): void {
  const stored = isPlainObject(old.status) ? old.status.qosClass : undefined;
  if (stored === undefined || stored === null || stored === '') return;
  const status = next.status === undefined || next.status === null ? {} : next.status;
  if (!isPlainObject(status)) return; // garbage stays garbage, as any status write's
  const sent = status.qosClass;
  if (sent === undefined || sent === null || sent === '') next.status = { ...status, qosClass: stored };
}

/**
 * A volume's lastPhaseTransitionTime follows its phase (upstream's PV status
 * strategy): kept while the phase stays, set to now when the phase changes
 * and the writer did not set a new time itself. A fresh status object, as in
 * keepQOSClass.
 */
function stampPhaseTransition(next: PersistentVolume, old: PersistentVolume, now: Date): void {
  const status = next.status === undefined || next.status === null ? {} : next.status;
  if (!isPlainObject(status)) return;
  const before = isPlainObject(old.status) ? old.status : {};
  const sent = status.lastPhaseTransitionTime;
  const unset = sent === undefined || sent === null;
  if (status.phase === before.phase) {
    if (unset && before.lastPhaseTransitionTime !== undefined) next.status = { ...status, lastPhaseTransitionTime: before.lastPhaseTransitionTime };
  } else if (unset || sent === before.lastPhaseTransitionTime) {
    next.status = { ...status, lastPhaseTransitionTime: nowRFC3339(now) };
  }
}


/**
 * Upstream's job strategy (generateSelector), run on create once the Job has
 * its uid: unless spec.manualSelector, the template gets the job-name and
 * controller-uid labels (both spellings; a label the user set is left for
 * validation to judge), and the selector matches the prefixed controller-uid.
 * Then what the v1 defaulting gives a Job read back from storage: the
 * template's labels as the Job's own when it has none.
 */
export function generateJobSelector(job: Job, uid: string): void {
  const spec = job.spec;
  if (!isPlainObject(spec) || spec.manualSelector === true) return;
  // a template that is no object is left for validation to report
  const template = isPlainObject(spec.template) ? spec.template : undefined;
  const meta = template ? (isPlainObject(template.metadata) ? template.metadata : (template.metadata = {})) : undefined;
  const labels = { ...labelMap(meta?.labels) };
  for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) labels[key] ??= job.metadata.name ?? '';
  for (const key of [LEGACY_JOB_CONTROLLER_UID_LABEL, JOB_CONTROLLER_UID_LABEL]) labels[key] ??= uid;
  if (meta) meta.labels = labels;
  const selector = isPlainObject(spec.selector) ? spec.selector : {};
  const matchLabels = { ...labelMap(selector.matchLabels) };
  matchLabels[JOB_CONTROLLER_UID_LABEL] ??= uid;
  spec.selector = { ...selector, matchLabels };
  if (!job.metadata.labels || Object.keys(job.metadata.labels).length === 0) job.metadata.labels = { ...labels };
}

/** A label map as stored; garbage (no object) counts as none here and is validation's to report. */
function labelMap(v: unknown): Record<string, string> {
  return isPlainObject(v) ? v as Record<string, string> : {};
}
