// HorizontalPodAutoscalers in podnet's printers: the names `get` takes,
// kubectl's table (REFERENCE, TARGETS with <unknown> readings, MINPODS,
// MAXPODS, REPLICAS) and describe (metrics, bounds, behavior, the target's
// pods, conditions, events), as kubectl prints an autoscaler in a cluster
// without metrics-server.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceForName, resourcesInCategory } from '../../../src/api/resources.js';
import type { Event, HorizontalPodAutoscaler, MetricSpec } from '../../../src/api/types.js';
import { describe } from '../../../src/cli/printers/describe.js';
import { formatHpaTargets } from '../../../src/cli/printers/describe-hpa.js';
import { printTable } from '../../../src/cli/printers/table.js';
import { ago, lines, NOW } from './fixtures.js';

// describe prints times in the local zone, as kubectl does; pin it.
process.env.TZ = 'UTC';

const NO_METRICS = 'failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)';
const cpu50: MetricSpec = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } };
const memory: MetricSpec = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '512Mi' } } };
const rps: MetricSpec = { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '1000m' } } };
const hits: MetricSpec = { type: 'Object', object: { describedObject: { kind: 'Ingress', name: 'main' }, metric: { name: 'hits' }, target: { type: 'Value', value: '1k' } } };
const queue: MetricSpec = { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } } };
const appCpu: MetricSpec = { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 60 } } };

function autoscaler(name: string, spec: Partial<HorizontalPodAutoscaler['spec']> = {}, status: HorizontalPodAutoscaler['status'] = { desiredReplicas: 0, currentMetrics: null }): HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: ago(3600) },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 4, metrics: [cpu50], ...spec },
    status,
  };
}

/** what the controller leaves on an autoscaler it scaled to its minimum and then could read no metric for */
const scaled: HorizontalPodAutoscaler['status'] = {
  lastScaleTime: ago(3585), currentReplicas: 2, desiredReplicas: 2, currentMetrics: [{ type: '' }],
  conditions: [
    { type: 'AbleToScale', status: 'True', reason: 'SucceededGetScale', message: 'the HPA controller was able to get the target\'s current scale', lastTransitionTime: ago(3585) },
    { type: 'ScalingActive', status: 'False', reason: 'FailedGetResourceMetric', message: `the HPA was unable to compute the replica count: ${NO_METRICS}`, lastTransitionTime: ago(3570) },
  ],
};

test('hpa, horizontalpodautoscaler and HorizontalPodAutoscaler name the kind; it is in "all", after the apps kinds and before cronjobs and jobs', () => {
  for (const name of ['hpa', 'horizontalpodautoscaler', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers.autoscaling']) {
    assert.equal(resourceForName(name)?.kind, 'HorizontalPodAutoscaler', name);
  }
  assert.deepEqual(resourcesInCategory('all').map((r) => r.kind).slice(-4), ['StatefulSet', 'HorizontalPodAutoscaler', 'CronJob', 'Job']);
});

test('get hpa: REFERENCE Kind/name, TARGETS current/target (<unknown> without metrics), MINPODS (<unset>), MAXPODS, REPLICAS', () => {
  assert.equal(printTable('HorizontalPodAutoscaler', [
    autoscaler('web', {}, scaled),
    autoscaler('api', { minReplicas: undefined, metrics: [memory, rps, queue] }),
  ], { now: NOW }), lines(
    'NAME   REFERENCE        TARGETS                                            MINPODS   MAXPODS   REPLICAS   AGE',
    'web    Deployment/web   cpu: <unknown>/50%                                 2         4         2          60m',
    'api    Deployment/web   memory: <unknown>/512Mi, <unknown>/1 + 1 more...   <unset>   4         0          60m',
  ));
});

test('TARGETS: each kind of metric, readings when a status has them, <none> without metrics', () => {
  assert.equal(formatHpaTargets([hits, queue], null), '<unknown>/1k, <unknown>/30 (avg)');
  assert.equal(formatHpaTargets([appCpu], undefined), 'cpu: <unknown>/60%');
  assert.equal(formatHpaTargets([cpu50, rps], [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 37, averageValue: '37m' } } }, { type: 'Pods', pods: { current: { averageValue: '1500m' } } }]), 'cpu: 37%/50%, 1500m/1');
  assert.equal(formatHpaTargets([], null), '<none>');
});

test('describe hpa: metrics as ( current / target ), the bounds, the target\'s pods, conditions and events, as on kind without metrics-server', () => {
  const events: Event[] = [
    { apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.1', namespace: 'default' }, involvedObject: { kind: 'HorizontalPodAutoscaler', name: 'web', namespace: 'default', uid: 'uid-web' }, type: 'Normal', reason: 'SuccessfulRescale', message: 'New size: 2; reason: Current number of replicas below Spec.MinReplicas', count: 1, firstTimestamp: ago(3585), lastTimestamp: ago(3585), source: { component: 'horizontal-pod-autoscaler' } },
    { apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.2', namespace: 'default' }, involvedObject: { kind: 'HorizontalPodAutoscaler', name: 'web', namespace: 'default', uid: 'uid-web' }, type: 'Warning', reason: 'FailedGetResourceMetric', message: NO_METRICS, count: 239, firstTimestamp: ago(3570), lastTimestamp: ago(15), source: { component: 'horizontal-pod-autoscaler' } },
  ];
  assert.equal(describe(autoscaler('web', {}, scaled), events, {}, NOW), lines(
    'Name:                                                  web',
    'Namespace:                                             default',
    'Labels:                                                <none>',
    'Annotations:                                           <none>',
    'CreationTimestamp:                                     Wed, 01 May 2024 11:00:00 +0000',
    'Reference:                                             Deployment/web',
    'Metrics:                                               ( current / target )',
    '  resource cpu on pods  (as a percentage of request):  <unknown> / 50%',
    'Min replicas:                                          2',
    'Max replicas:                                          4',
    'Deployment pods:                                       2 current / 2 desired',
    'Conditions:',
    '  Type           Status  Reason                   Message',
    '  ----           ------  ------                   -------',
    '  AbleToScale    True    SucceededGetScale        the HPA controller was able to get the target\'s current scale',
    `  ScalingActive  False   FailedGetResourceMetric  the HPA was unable to compute the replica count: ${NO_METRICS}`,
    'Events:',
    '  Type     Reason                   Age                  From                       Message',
    '  ----     ------                   ----                 ----                       -------',
    '  Normal   SuccessfulRescale        59m                  horizontal-pod-autoscaler  New size: 2; reason: Current number of replicas below Spec.MinReplicas',
    `  Warning  FailedGetResourceMetric  15s (x239 over 59m)  horizontal-pod-autoscaler  ${NO_METRICS}`,
  ));
});

test('describe hpa: every kind of metric, and a behavior with its policies', () => {
  const behavior = {
    scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max' as const, policies: [{ type: 'Pods' as const, value: 4, periodSeconds: 15 }, { type: 'Percent' as const, value: 100, periodSeconds: 15 }] },
    scaleDown: { selectPolicy: 'Max' as const, policies: [{ type: 'Percent' as const, value: 100, periodSeconds: 15 }] },
  };
  // the lines from Metrics on (the ones above are the previous test's, wider)
  const text = describe(autoscaler('api', { metrics: [memory, rps, hits, queue, appCpu], behavior }), undefined, {}, NOW);
  assert.equal(text.slice(text.indexOf('Metrics:')), lines(
    'Metrics:                                                                  ( current / target )',
    '  resource memory on pods:                                                <unknown> / 512Mi',
    '  "rps" on pods:                                                          <unknown> / 1',
    '  "hits" on Ingress/main (target value):                                  <unknown> / 1k',
    '  "queue" (target average value):                                         <unknown> / 30',
    '  resource cpu of container "app" on pods  (as a percentage of request):  <unknown> / 60%',
    'Min replicas:                                                             2',
    'Max replicas:                                                             4',
    'Behavior:',
    '  Scale Up:',
    '    Stabilization Window: 0 seconds',
    '    Select Policy: Max',
    '    Policies:',
    '      - Type: Pods     Value: 4    Period: 15 seconds',
    '      - Type: Percent  Value: 100  Period: 15 seconds',
    '  Scale Down:',
    '    Select Policy: Max',
    '    Policies:',
    '      - Type: Percent  Value: 100  Period: 15 seconds',
    'Deployment pods:       0 current / 0 desired',
  ));
});
