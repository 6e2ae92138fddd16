// The horizontal-pod-autoscaler controller without a metrics API: its
// decisions as rows (below min, above max, in range with no metric to read,
// a target at zero, a target it cannot get, a write that fails), upstream's
// messages for each kind of metric, and the controller on a real in-memory
// registry scaling a Deployment up to minReplicas, then reporting
// ScalingActive False, on a fake clock.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, HorizontalPodAutoscaler, HorizontalPodAutoscalerStatus, MetricSpec } from '../../../src/api/types.js';
import { FakeEventRecorder } from '../../../src/controllers/events.js';
import {
  HorizontalPodAutoscalerController, metricFailure, planAutoscale, planRescaleFailure, type ScaleRead,
} from '../../../src/controllers/horizontal-pod-autoscaler.js';
import { eventually } from '../../support/cli.js';
import { FakeClock } from '../../support/fake-clock.js';
import { startController } from './controller-harness.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const STAMP = '2026-11-29T12:00:00Z';
const EARLIER = '2026-11-29T11:00:00Z';
const cpu50: MetricSpec = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } };
const NO_METRICS_API = 'unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)';

function autoscaler(status?: HorizontalPodAutoscalerStatus, metrics: MetricSpec[] = [cpu50]): HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-hpa', generation: 1 },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 4, metrics },
    ...(status ? { status } : {}),
  };
}

const conditionsOf = (s: HorizontalPodAutoscalerStatus) => (s.conditions ?? []).map((c) => `${c.type} ${c.status} ${c.reason}: ${c.message}`);

test('below minReplicas: scaled up to it, SucceededRescale, SuccessfulRescale, lastScaleTime now', () => {
  const plan = planAutoscale(autoscaler({ desiredReplicas: 0, currentMetrics: null }), { replicas: 1 }, NOW);
  assert.deepEqual(plan.rescale, { replicas: 2, reason: 'Current number of replicas below Spec.MinReplicas' });
  assert.deepEqual(plan.events, [{ type: 'Normal', reason: 'SuccessfulRescale', message: 'New size: 2; reason: Current number of replicas below Spec.MinReplicas' }]);
  assert.deepEqual({ ...plan.status, conditions: undefined }, { lastScaleTime: STAMP, currentReplicas: 1, desiredReplicas: 2, currentMetrics: null, conditions: undefined });
  assert.deepEqual(conditionsOf(plan.status), ['AbleToScale True SucceededRescale: the HPA controller was able to update the target scale to 2']);
});

test('above maxReplicas: scaled down to it', () => {
  const plan = planAutoscale(autoscaler(), { replicas: 7 }, NOW);
  assert.deepEqual(plan.rescale, { replicas: 4, reason: 'Current number of replicas above Spec.MaxReplicas' });
  assert.equal(plan.events[0]!.message, 'New size: 4; reason: Current number of replicas above Spec.MaxReplicas');
});

test('in range without metrics: no rescale; ScalingActive False FailedGetResourceMetric, and upstream\'s two Warnings', () => {
  const before: HorizontalPodAutoscalerStatus = {
    lastScaleTime: EARLIER, currentReplicas: 1, desiredReplicas: 2, currentMetrics: null,
    conditions: [{ type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: 'the HPA controller was able to update the target scale to 2', lastTransitionTime: EARLIER }],
  };
  const plan = planAutoscale(autoscaler(before), { replicas: 2 }, NOW);
  assert.equal(plan.rescale, undefined);
  assert.deepEqual(plan.events, [
    { type: 'Warning', reason: 'FailedGetResourceMetric', message: `failed to get cpu utilization: ${NO_METRICS_API}` },
    { type: 'Warning', reason: 'FailedComputeMetricsReplicas', message: `invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: ${NO_METRICS_API}` },
  ]);
  assert.deepEqual(conditionsOf(plan.status), [
    'AbleToScale True SucceededGetScale: the HPA controller was able to get the target\'s current scale',
    `ScalingActive False FailedGetResourceMetric: the HPA was unable to compute the replica count: failed to get cpu utilization: ${NO_METRICS_API}`,
  ]);
  // AbleToScale held True: its transition time stays; ScalingActive is new
  assert.deepEqual(plan.status.conditions!.map((c) => c.lastTransitionTime), [EARLIER, STAMP]);
  // the desired count and the last scale stay; each metric that could not be read is an empty status
  assert.deepEqual({ ...plan.status, conditions: undefined }, { lastScaleTime: EARLIER, currentReplicas: 2, desiredReplicas: 2, currentMetrics: [{ type: '' }], conditions: undefined });
});

test('a target at zero replicas is not scaled: ScalingDisabled', () => {
  const plan = planAutoscale(autoscaler(), { replicas: 0 }, NOW);
  assert.equal(plan.rescale, undefined);
  assert.deepEqual(plan.events, []);
  assert.deepEqual(conditionsOf(plan.status).at(-1), 'ScalingActive False ScalingDisabled: scaling is disabled since the replica count of the target is zero');
  assert.equal(plan.status.desiredReplicas, 0);
});

test('a target it cannot get: FailedGetScale, AbleToScale False, the rest of the status as it was', () => {
  const read: ScaleRead = { error: 'deployments.apps "web" not found' };
  const plan = planAutoscale(autoscaler({ desiredReplicas: 2, currentReplicas: 2, currentMetrics: null }), read, NOW);
  assert.deepEqual(plan.events, [{ type: 'Warning', reason: 'FailedGetScale', message: 'deployments.apps "web" not found' }]);
  assert.deepEqual(conditionsOf(plan.status), ['AbleToScale False FailedGetScale: the HPA controller was unable to get the target\'s current scale: deployments.apps "web" not found']);
  assert.deepEqual([plan.status.currentReplicas, plan.status.desiredReplicas], [2, 2]);
});

test('a rescale whose write fails: FailedRescale, AbleToScale False FailedUpdateScale', () => {
  const plan = planRescaleFailure(autoscaler({ desiredReplicas: 0, currentMetrics: null }), 1, { replicas: 2, reason: 'Current number of replicas below Spec.MinReplicas' }, 'boom', NOW);
  assert.deepEqual(plan.events, [{ type: 'Warning', reason: 'FailedRescale', message: 'New size: 2; reason: Current number of replicas below Spec.MinReplicas; error: boom' }]);
  assert.deepEqual(conditionsOf(plan.status), ['AbleToScale False FailedUpdateScale: the HPA controller was unable to update the target scale: boom']);
  assert.deepEqual([plan.status.currentReplicas, plan.status.desiredReplicas, plan.status.lastScaleTime], [1, 0, undefined]);
});

test('each kind of metric fails in upstream\'s words; the first one sets the condition, all are counted', () => {
  const metrics: MetricSpec[] = [
    { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
    { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 60 } } },
    { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '10' } } },
    { type: 'Object', object: { describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main' }, metric: { name: 'hits' }, target: { type: 'Value', value: '1k' } } },
  ];
  assert.deepEqual(metrics.map((m) => metricFailure(m, 'shop')), [
    { reason: 'FailedGetResourceMetric', error: 'failed to get memory usage: unable to get metrics for resource memory: unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)', wrapped: 'failed to get memory resource metric value: failed to get memory usage: unable to get metrics for resource memory: unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)' },
    { reason: 'FailedGetContainerResourceMetric', error: `failed to get cpu utilization: ${NO_METRICS_API}`, wrapped: `failed to get app container metric value: failed to get cpu utilization: ${NO_METRICS_API}` },
    { reason: 'FailedGetPodsMetric', error: 'unable to get metric rps: unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered', wrapped: 'failed to get pods metric value: unable to get metric rps: unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered' },
    { reason: 'FailedGetObjectMetric', error: 'unable to get metric hits: Ingress on shop main/unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered', wrapped: 'failed to get object metric value: unable to get metric hits: Ingress on shop main/unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered' },
  ]);
  const plan = planAutoscale(autoscaler(undefined, metrics), { replicas: 3 }, NOW);
  assert.deepEqual(plan.events.map((e) => e.reason), ['FailedGetResourceMetric', 'FailedGetContainerResourceMetric', 'FailedGetPodsMetric', 'FailedGetObjectMetric', 'FailedComputeMetricsReplicas']);
  assert.match(plan.events.at(-1)!.message, /^invalid metrics \(4 invalid out of 4\), first error is: failed to get memory resource metric value: /);
  assert.equal(plan.status.currentMetrics!.length, 4);
});

const stops: (() => void)[] = [];
after(() => { for (const stop of stops) stop(); });

test('the controller: a Deployment of 1 under an autoscaler of min 2 is scaled to 2, then ScalingActive False; synced again after the period', async () => {
  const events = new FakeEventRecorder();
  const clock = new FakeClock(NOW.getTime());
  const client = await startController(stops, (informers, c) => new HorizontalPodAutoscalerController(informers, c, events, clock, 50));
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'podnet/echo' }] } };
  await client.create<Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template } });
  await client.create<HorizontalPodAutoscaler>(autoscaler());
  await eventually('scaled to 2', async () => (await client.get<Deployment>('deployments', 'default', 'web')).spec.replicas === 2, 5_000, 10);
  const status = await eventually('ScalingActive False', async () => {
    const s = (await client.get<HorizontalPodAutoscaler>('horizontalpodautoscalers', 'default', 'web')).status!;
    return s.conditions?.some((c) => c.type === 'ScalingActive' && c.status === 'False') ? s : undefined;
  }, 5_000, 10);
  assert.deepEqual(conditionsOf(status), [
    'AbleToScale True SucceededGetScale: the HPA controller was able to get the target\'s current scale',
    `ScalingActive False FailedGetResourceMetric: the HPA was unable to compute the replica count: failed to get cpu utilization: ${NO_METRICS_API}`,
  ]);
  assert.deepEqual([status.currentReplicas, status.desiredReplicas, status.lastScaleTime, status.currentMetrics], [2, 2, STAMP, [{ type: '' }]]);
  assert.deepEqual(events.events[0], { type: 'Normal', reason: 'SuccessfulRescale', message: 'New size: 2; reason: Current number of replicas below Spec.MinReplicas', object: 'HorizontalPodAutoscaler/web' });
  // nothing changed, yet it is looked at again every period: the warnings repeat as upstream's do
  const warnings = () => events.events.filter((e) => e.reason === 'FailedGetResourceMetric').length;
  const seen = warnings();
  await eventually('another sync', async () => warnings() > seen, 5_000, 10);
});
