// HorizontalPodAutoscaler → the scale of its target, as kube-controller-
// manager's horizontal-pod-autoscaler controller (pkg/controller/
// podautoscaler) acts in a cluster without a metrics API, such as kind
// without metrics-server: a target below spec.minReplicas is scaled up to
// it, one above spec.maxReplicas down to it; in between, every metric fails
// to be read, so the autoscaler reports ScalingActive False with upstream's
// reason and message and leaves the replicas alone.
//
// What podnet does not do: it serves no metrics.k8s.io, custom.metrics.k8s.io
// or external.metrics.k8s.io API, so nothing is ever scaled on a metric,
// ScalingLimited (set by upstream only after a metric-based recommendation)
// never appears, and spec.behavior shapes nothing.
//
// The target is a Deployment, ReplicaSet or StatefulSet, read and written as
// its scale subresource reads and writes it: spec.replicas, the write made
// with the read's resourceVersion as its precondition. Every autoscaler is
// synced every HPA_SYNC_PERIOD_MS, as upstream's, and at once when it is
// made or its spec changes (upstream waits for the period then too).
// The decisions are pure (planAutoscale, planRescaleFailure).

import type { Condition, HorizontalPodAutoscaler, HorizontalPodAutoscalerStatus, KubeObject, MetricSpec } from '../api/types.js';
import { selectorToString } from '../api/labels.js';
import { nowRFC3339, setCondition } from '../api/pod-helpers.js';
import { groupOfApiVersion, resourceForGroupKind, type ResourceInfo } from '../api/resources.js';
import { realClock, type Clock } from '../client/clock.js';
import type { Client } from '../client/client.js';
import { isApiError } from '../errors.js';
import { Controller } from './controller.js';
import { recordPlanned, type EventRecorder, type PlannedEvent } from './events.js';
import { keyOf, splitKey, type InformerSource, type Lister } from './informers.js';
import { sameStatus } from './workload-pods.js';

/** --horizontal-pod-autoscaler-sync-period's default: each autoscaler is looked at this often */
export const HPA_SYNC_PERIOD_MS = 15_000;

/** what the API server answers for the metrics APIs podnet does not serve, as upstream's clients word it */
const NO_RESOURCE_METRICS = 'unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)';
const NO_CUSTOM_METRICS = 'unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered';
const noExternalMetrics = (metric: string) => `unable to fetch metrics from external metrics API: the server could not find the requested resource (get ${metric}.external.metrics.k8s.io)`;


/** The target's Scale as the controller read it, or why it could not. */
export type ScaleRead = { replicas: number } | { error: string };

export interface AutoscalePlan {
  /** write the target's spec.replicas; the status and events assume the write succeeds (else planRescaleFailure) */
  rescale?: { replicas: number; reason: string };
  status: HorizontalPodAutoscalerStatus;
  events: PlannedEvent[];
}

/**
 * Why one metric yields no replica count without a metrics API: the
 * condition reason and the error upstream's computeStatusFor… functions
 * return for it (the Event and the condition message), and the error
 * computeReplicasForMetric wraps it in (the aggregate's first error).
 */
export function metricFailure(metric: MetricSpec, namespace: string): { reason: string; error: string; wrapped: string } {
  switch (metric.type) {
    case 'Resource': case 'ContainerResource': {
      const src = metric.type === 'Resource' ? metric.resource : metric.containerResource;
      const name = src?.name ?? '';
      const what = src?.target?.averageValue !== undefined && src?.target?.averageValue !== null ? 'usage' : 'utilization';
      const error = `failed to get ${name} ${what}: unable to get metrics for resource ${name}: ${NO_RESOURCE_METRICS}`;
      return metric.type === 'Resource'
        ? { reason: 'FailedGetResourceMetric', error, wrapped: `failed to get ${name} resource metric value: ${error}` }
        : { reason: 'FailedGetContainerResourceMetric', error, wrapped: `failed to get ${metric.containerResource?.container ?? ''} container metric value: ${error}` };
    }
    case 'Pods': {
      const error = `unable to get metric ${metric.pods?.metric?.name ?? ''}: ${NO_CUSTOM_METRICS}`;
      return { reason: 'FailedGetPodsMetric', error, wrapped: `failed to get pods metric value: ${error}` };
    }
    case 'Object': {
      const o = metric.object;
      const error = `unable to get metric ${o?.metric?.name ?? ''}: ${o?.describedObject?.kind ?? ''} on ${namespace} ${o?.describedObject?.name ?? ''}/${NO_CUSTOM_METRICS}`;
      return { reason: 'FailedGetObjectMetric', error, wrapped: `failed to get object metric value: ${error}` };
    }
    case 'External': {
      const name = metric.external?.metric?.name ?? '';
      const selector = metric.external?.metric?.selector;
      const error = `unable to get external metric ${namespace}/${name}/${selector ? selectorToString(selector) : ''}: ${noExternalMetrics(name)}`;
      return { reason: 'FailedGetExternalMetric', error, wrapped: `failed to get ${name} external metric value: ${error}` };
    }
  }
  const error = `unknown metric source type "${String((metric as { type?: unknown }).type)}"`;
  return { reason: 'InvalidMetricSourceType', error, wrapped: error };
}

/** setStatus: upstream's status in its field order; currentReplicas is left out when 0, currentMetrics never. */
function statusOf(hpa: HorizontalPodAutoscaler, current: number, desired: number, metrics: HorizontalPodAutoscalerStatus['currentMetrics'], lastScaleTime: string | undefined, conditions: Condition[] | undefined): HorizontalPodAutoscalerStatus {
  const old = hpa.status;
  return {
    ...(old?.observedGeneration !== undefined ? { observedGeneration: old.observedGeneration } : {}),
    ...(lastScaleTime ? { lastScaleTime } : {}),
    ...(current !== 0 ? { currentReplicas: current } : {}),
    desiredReplicas: desired,
    currentMetrics: metrics ?? null,
    ...(conditions?.length ? { conditions } : {}),
  };
}

/**
 * reconcileAutoscaler without a metrics API. `scale` is the target's Scale
 * (or the error reading it gave); `now` stamps condition transitions and a
 * rescale.
 */
export function planAutoscale(hpa: HorizontalPodAutoscaler, scale: ScaleRead, now: Date): AutoscalePlan {
  const stamp = nowRFC3339(now);
  let conditions = hpa.status?.conditions;
  const set = (type: string, status: 'True' | 'False', reason: string, message: string) => {
    conditions = setCondition(conditions, { type, status, reason, message }, stamp);
  };
  const old = hpa.status;
  if ('error' in scale) {
    set('AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${scale.error}`);
    return { status: { ...(old ?? { desiredReplicas: 0 }), conditions }, events: [{ type: 'Warning', reason: 'FailedGetScale', message: scale.error }] };
  }
  set('AbleToScale', 'True', 'SucceededGetScale', 'the HPA controller was able to get the target\'s current scale');
  const current = scale.replicas;
  const min = hpa.spec.minReplicas ?? 1;
  const max = hpa.spec.maxReplicas;
  const rescaleTo = (replicas: number, reason: string): AutoscalePlan => {
    set('AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${replicas}`);
    return {
      rescale: { replicas, reason },
      status: statusOf(hpa, current, replicas, null, stamp, conditions),
      events: [{ type: 'Normal', reason: 'SuccessfulRescale', message: `New size: ${replicas}; reason: ${reason}` }],
    };
  };
  if (current === 0 && min !== 0) {
    set('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
    return { status: statusOf(hpa, current, current, null, old?.lastScaleTime, conditions), events: [] };
  }
  if (current > max) return rescaleTo(max, 'Current number of replicas above Spec.MaxReplicas');
  if (current < min) return rescaleTo(min, 'Current number of replicas below Spec.MinReplicas');
  // within bounds: each metric would decide, and none can be read
  const metrics = hpa.spec.metrics ?? [];
  const failures = metrics.map((m) => metricFailure(m, hpa.metadata.namespace ?? ''));
  const events: PlannedEvent[] = failures.map((f) => ({ type: 'Warning', reason: f.reason, message: f.error }));
  const first = failures[0];
  if (first) {
    set('ScalingActive', 'False', first.reason, `the HPA was unable to compute the replica count: ${first.error}`);
    events.push({ type: 'Warning', reason: 'FailedComputeMetricsReplicas', message: `invalid metrics (${failures.length} invalid out of ${metrics.length}), first error is: ${first.wrapped}` });
  }
  // a metric that could not be read is written as an empty status, {type: ""}, as upstream's are
  const unread = metrics.map(() => ({ type: '' }));
  return { status: statusOf(hpa, current, old?.desiredReplicas ?? 0, unread, old?.lastScaleTime, conditions), events };
}

/** The rescale's write failed: FailedRescale, AbleToScale False, and the status as it was but for the current replicas. */
export function planRescaleFailure(hpa: HorizontalPodAutoscaler, current: number, rescale: { replicas: number; reason: string }, error: string, now: Date): AutoscalePlan {
  const conditions = setCondition(hpa.status?.conditions, {
    type: 'AbleToScale', status: 'False', reason: 'FailedUpdateScale', message: `the HPA controller was unable to update the target scale: ${error}`,
  }, nowRFC3339(now));
  return {
    status: statusOf(hpa, current, hpa.status?.desiredReplicas ?? 0, null, hpa.status?.lastScaleTime, conditions),
    events: [{ type: 'Warning', reason: 'FailedRescale', message: `New size: ${rescale.replicas}; reason: ${rescale.reason}; error: ${error}` }],
  };
}

interface Target { info: ResourceInfo; object: KubeObject & { spec?: { replicas?: number } } }

export class HorizontalPodAutoscalerController extends Controller {
  private readonly hpas: Lister<HorizontalPodAutoscaler>;

  constructor(informers: InformerSource, private readonly client: Client, private readonly events: EventRecorder,
    private readonly clock: Clock = realClock, private readonly syncPeriodMs = HPA_SYNC_PERIOD_MS) {
    super('horizontal-pod-autoscaler', 1);
    const hpas = informers.informer<HorizontalPodAutoscaler>('horizontalpodautoscalers');
    this.hpas = hpas;
    // its own status writes change no generation: they do not bring a sync forward
    hpas.addHandlers({
      add: (h) => this.enqueue(keyOf(h)),
      update: (old, h) => { if (old.metadata.generation !== h.metadata.generation) this.enqueue(keyOf(h)); },
    });
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const hpa = this.hpas.get(namespace, name);
    if (!hpa) return;
    this.enqueueAfter(key, this.syncPeriodMs);
    const now = new Date(this.clock.now());
    const read = await this.readTarget(hpa);
    const scale: ScaleRead = 'error' in read ? read : { replicas: read.object.spec?.replicas ?? 0 };
    let plan = planAutoscale(hpa, scale, now);
    if (plan.rescale && !('error' in read)) {
      try {
        await this.client.patch(read.info.plural, namespace, read.object.metadata.name!, {
          metadata: { resourceVersion: read.object.metadata.resourceVersion }, spec: { replicas: plan.rescale.replicas },
        });
      } catch (err) {
        if (!isApiError(err)) throw err;
        plan = planRescaleFailure(hpa, read.object.spec?.replicas ?? 0, plan.rescale, err.message, now);
      }
    }
    recordPlanned(this.events, hpa, plan.events);
    // updateStatusIfNeeded; written with the cached resourceVersion, a Conflict is retried by the queue
    if (!sameStatus(hpa.status, plan.status)) await this.client.update<HorizontalPodAutoscaler>({ ...hpa, status: plan.status }, { subresource: 'status' });
  }

  /**
   * The scale target, found as upstream's REST mapper and scale client find
   * it: by the group of its apiVersion and its kind, then by name. Errors
   * are upstream's words for a kind nobody serves, one without a scale
   * subresource, and an object that is not there.
   */
  private async readTarget(hpa: HorizontalPodAutoscaler): Promise<Target | { error: string }> {
    const ref = hpa.spec.scaleTargetRef;
    const group = groupOfApiVersion(ref.apiVersion);
    const info = resourceForGroupKind(group, ref.kind);
    if (!info) return { error: `no matches for kind "${ref.kind}" in group "${group}"` };
    if (!info.hasScale) return { error: 'the server could not find the requested resource' };
    try {
      return { info, object: await this.client.get(info.plural, hpa.metadata.namespace, ref.name) };
    } catch (err) {
      if (isApiError(err)) return { error: err.message };
      throw err;
    }
  }
}
