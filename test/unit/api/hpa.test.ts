// HorizontalPodAutoscalers in the API's pure parts and the registry:
// validation as rows in the API server's words and field paths, the v2
// defaults (minReplicas, the CPU metric, a behavior filled in whole),
// discovery (autoscaling/v2 only, short name hpa, in "all") and the status a
// new autoscaler starts with.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../../../src/api/defaults.js';
import type { HorizontalPodAutoscaler, KubeObject } from '../../../src/api/types.js';
import { discoveryDocument } from '../../../src/apiserver/discovery.js';
import { isApiError } from '../../../src/errors.js';
import { DNS1123_LABEL_MSG, DNS1123_SUBDOMAIN_MSG, meta, table, type Json } from './fixtures.js';
import { info, setup } from '../store/registry-fixture.js';

const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const cpu = (averageUtilization: unknown = 50) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization } } });
const hpa = (spec: Json, metadata: Json = meta('web')) => ({
  apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata, spec: { scaleTargetRef: target, minReplicas: 2, maxReplicas: 4, metrics: [cpu()], ...spec },
});
const metric = (m: Json) => hpa({ metrics: [m] });

table('HorizontalPodAutoscaler', [
  { name: 'min 2, max 4, CPU at 50%', obj: hpa({}), want: [] },
  { name: 'no metrics: CPU at 80% by default', obj: hpa({ metrics: undefined }), want: [] },
  { name: 'min equal to max', obj: hpa({ minReplicas: 3, maxReplicas: 3 }), want: [] },
  { name: 'the name is a DNS subdomain', obj: hpa({}, meta('Web')), want: [`metadata.name: Invalid value: "Web": ${DNS1123_SUBDOMAIN_MSG}`] },
  {
    name: 'minReplicas at least 1 (no scale to zero without its alpha gate)',
    obj: hpa({ minReplicas: 0 }),
    want: ['spec.minReplicas: Invalid value: 0: must be greater than or equal to 1', 'spec.metrics: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas'],
  },
  {
    name: 'maxReplicas is required, and the defaulted minReplicas 1 is above it',
    obj: hpa({ maxReplicas: undefined, minReplicas: undefined }),
    want: ['spec.maxReplicas: Invalid value: 0: must be greater than 0', 'spec.maxReplicas: Invalid value: 0: must be greater than or equal to `minReplicas`'],
  },
  { name: 'max not below min', obj: hpa({ minReplicas: 3, maxReplicas: 2 }), want: ['spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`'] },
  {
    name: 'the scale target has a kind and a name',
    obj: hpa({ scaleTargetRef: { apiVersion: 'apps/v1' } }),
    want: ['spec.scaleTargetRef.kind: Required value', 'spec.scaleTargetRef.name: Required value'],
  },
  { name: 'the target\'s name is a path segment', obj: hpa({ scaleTargetRef: { ...target, name: 'a/b' } }), want: ['spec.scaleTargetRef.name: Invalid value: "a/b": may not contain \'/\''] },
  {
    name: 'a metric has a type',
    obj: metric({ resource: cpu().resource }),
    want: ['spec.metrics[0].type: Required value: must specify a metric source type', 'spec.metrics[0].type: Unsupported value: "": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"'],
  },
  { name: 'an unknown type is listed once', obj: metric({ type: 'Memory' }), want: ['spec.metrics[0].type: Unsupported value: "Memory": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"'] },
  { name: 'the source the type names', obj: metric({ type: 'Pods', resource: cpu().resource }), want: ['spec.metrics[0].pods: Required value: must populate information for the given metric source'] },
  {
    name: 'only the source the type names',
    obj: metric({ type: 'Resource', resource: cpu().resource, pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '10' } } }),
    want: ['spec.metrics[0].pods: Forbidden: must populate the given metric source only'],
  },
  { name: 'a utilization above 0', obj: metric(cpu(0)), want: ['spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0'] },
  {
    name: 'a resource target: utilization or a value',
    obj: metric({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization' } } }),
    want: ['spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization'],
  },
  {
    name: 'not both',
    obj: metric({ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageUtilization: 50, averageValue: '500Mi' } } }),
    want: ['spec.metrics[0].resource.target.averageValue: Forbidden: may not set both a target raw value and a target utilization'],
  },
  {
    name: 'a target type and a resource name',
    obj: metric({ type: 'Resource', resource: { target: { type: 'Percent', averageUtilization: 50 } } }),
    want: ['spec.metrics[0].resource.name: Required value: must specify a resource name', 'spec.metrics[0].resource.target.type: Invalid value: "Percent": must be either Utilization, Value, or AverageValue'],
  },
  {
    name: 'a value above zero, shown as its quantity',
    obj: metric({ type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '0m' } } }),
    want: ['spec.metrics[0].pods.target.averageValue: Invalid value: "0": must be positive'],
  },
  {
    name: 'a pods metric names its metric and an average',
    obj: metric({ type: 'Pods', pods: { metric: {}, target: { type: 'Value', value: '10' } } }),
    want: ['spec.metrics[0].pods.metric.name: Required value: must specify a metric name', 'spec.metrics[0].pods.target.averageValue: Required value: must specify a positive target averageValue'],
  },
  {
    name: 'a container resource names its container, a DNS label',
    obj: metric({ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'App', target: { type: 'Utilization', averageUtilization: 60 } } }),
    want: [`spec.metrics[0].containerResource.container: Invalid value: "App": ${DNS1123_LABEL_MSG}`],
  },
  {
    name: 'an external metric: one kind of target',
    obj: metric({ type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: '10', averageValue: '2' } } }),
    want: ['spec.metrics[0].external.target.value: Forbidden: may not set both a target value for metric and a per-pod target'],
  },
  {
    name: 'behavior: bounds of a window and a period, a known select policy',
    obj: hpa({ behavior: { scaleDown: { stabilizationWindowSeconds: 4000, selectPolicy: 'Fastest', policies: [{ type: 'Pods', value: 0, periodSeconds: 2000 }] } } }),
    want: [
      'spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: 4000: must be less than or equal to 3600',
      'spec.behavior.scaleDown.selectPolicy: Unsupported value: "Fastest": supported values: "Disabled", "Max", "Min"',
      'spec.behavior.scaleDown.policies[0].value: Invalid value: 0: must be greater than zero',
      'spec.behavior.scaleDown.policies[0].periodSeconds: Invalid value: 2000: must be less than or equal to 1800',
    ],
  },
  { name: 'behavior: an empty policy list is none', obj: hpa({ behavior: { scaleUp: { policies: [] } } }), want: ['spec.behavior.scaleUp.policies: Required value: must specify at least one Policy'] },
  { name: 'an update is checked as a create', obj: hpa({ maxReplicas: 1 }), old: hpa({}), want: ['spec.maxReplicas: Invalid value: 1: must be greater than or equal to `minReplicas`'] },
]);

test('defaults: minReplicas 1, CPU at 80% when no metric is named, a given behavior filled in whole', () => {
  const bare = applyDefaults({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' }, spec: { scaleTargetRef: target, maxReplicas: 3 } } as never) as unknown as HorizontalPodAutoscaler;
  assert.equal(bare.spec.minReplicas, 1);
  assert.deepEqual(bare.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  assert.equal(bare.spec.behavior, undefined);
  const withBehavior = applyDefaults(hpa({ behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } }) as never) as unknown as HorizontalPodAutoscaler;
  assert.deepEqual(withBehavior.spec.behavior, {
    scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
    // the scale-down window is the controller's flag upstream: left unset
    scaleDown: { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }], stabilizationWindowSeconds: 60 },
  });
});

test('discovery: only autoscaling/v2, with horizontalpodautoscalers (hpa, in "all", a status) beside nothing else', () => {
  const group = discoveryDocument('/apis/autoscaling') as { versions: { version: string }[]; preferredVersion: { version: string } };
  assert.deepEqual([group.versions.map((v) => v.version), group.preferredVersion.version], [['v2'], 'v2']);
  const resources = (discoveryDocument('/apis/autoscaling/v2') as { resources: { name: string; shortNames?: string[]; categories?: string[] }[] }).resources;
  assert.deepEqual(resources.map((r) => [r.name, r.shortNames, r.categories]), [
    ['horizontalpodautoscalers', ['hpa'], ['all']],
    ['horizontalpodautoscalers/status', undefined, undefined],
  ]);
  assert.equal(discoveryDocument('/apis/autoscaling/v1'), undefined);
});

test('a new autoscaler starts with desiredReplicas 0 and no metrics; an autoscaling/v1 one is no match', () => {
  const { registry } = setup();
  const created = registry.create(info('horizontalpodautoscalers'), 'default', hpa({}) as KubeObject).object as HorizontalPodAutoscaler;
  assert.deepEqual(created.status, { currentMetrics: null, desiredReplicas: 0 });
  assert.throws(() => registry.resolveKind('autoscaling/v1', 'HorizontalPodAutoscaler'), (e) => isApiError(e, 'NotFound') && e.message === 'no matches for kind "HorizontalPodAutoscaler" in version "autoscaling/v1"');
});
