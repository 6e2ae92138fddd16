// apps/v1 DaemonSet in the API server: defaulting, validation in upstream's
// words with its field paths, the immutable selector, the status a new set
// reads back with, and the template generation the strategy keeps.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet, KubeObject } from '../../../src/api/types.js';
import { applyDefaults } from '../../../src/api/defaults.js';
import { resourceForName } from '../../../src/api/resources.js';
import { isApiError } from '../../../src/errors.js';
import { info, setup } from '../store/registry-fixture.js';
import { container, meta, table, template, type Json } from './fixtures.js';

const DAEMONSETS = info('daemonsets');
const MISMATCH = (labels: string) => `spec.template.metadata.labels: Invalid value: ${labels}: \`selector\` does not match template \`labels\``;
const RU = 'spec.updateStrategy.rollingUpdate';

function daemonSet(spec: Json = {}, metadata: Json = meta('agent')): Json {
  return { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata, spec: { selector: { matchLabels: { app: 'web' } }, template: template(), ...spec } };
}
const rolling = (rollingUpdate: Json) => daemonSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate } });

test('DaemonSet is served as apps/v1 daemonsets, short name ds, in "all", without a scale subresource', () => {
  const r = resourceForName('ds');
  assert.deepEqual([r?.kind, r?.group, r?.version, r?.plural, r?.namespaced, r?.hasStatus, r?.categories, r?.hasScale], ['DaemonSet', 'apps', 'v1', 'daemonsets', true, true, ['all'], undefined]);
});

test('defaults: RollingUpdate one node at a time, 10 revisions, the template as a Pod', () => {
  const ds = applyDefaults(structuredClone(daemonSet()) as KubeObject) as DaemonSet;
  assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(ds.spec.revisionHistoryLimit, 10);
  assert.equal(ds.spec.template.spec.restartPolicy, 'Always');
  assert.equal(ds.spec.template.spec.dnsPolicy, 'ClusterFirst');
  const onDelete = applyDefaults(structuredClone(daemonSet({ updateStrategy: { type: 'OnDelete' } })) as KubeObject) as DaemonSet;
  assert.deepEqual(onDelete.spec.updateStrategy, { type: 'OnDelete' });
  const given = applyDefaults(structuredClone(rolling({ maxUnavailable: '20%' })) as KubeObject) as DaemonSet;
  assert.deepEqual(given.spec.updateStrategy?.rollingUpdate, { maxUnavailable: '20%', maxSurge: 0 });
});

table('DaemonSet', [
  { name: 'valid', obj: daemonSet(), want: [] },
  { name: 'OnDelete', obj: daemonSet({ updateStrategy: { type: 'OnDelete' } }), want: [] },
  { name: 'surge instead of unavailable', obj: rolling({ maxUnavailable: 0, maxSurge: '10%' }), want: [] },
  // upstream has no Required for it: a missing selector selects nothing, so the template does not match
  { name: 'no selector', obj: daemonSet({ selector: undefined }), want: [MISMATCH('map[string]string{"app":"web"}')] },
  { name: 'empty selector', obj: daemonSet({ selector: {} }), want: ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for daemonset'] },
  { name: 'selector does not match template', obj: daemonSet({ template: template({}, { app: 'api' }) }), want: [MISMATCH('map[string]string{"app":"api"}')] },
  { name: 'restartPolicy must be Always', obj: daemonSet({ template: template({ restartPolicy: 'OnFailure' }) }), want: ['spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'] },
  { name: 'activeDeadlineSeconds is forbidden', obj: daemonSet({ template: template({ activeDeadlineSeconds: 5 }) }), want: ['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported'] },
  { name: 'template needs containers', obj: daemonSet({ template: template({ containers: [] }) }), want: ['spec.template.spec.containers: Required value'] },
  { name: 'negative numbers', obj: daemonSet({ minReadySeconds: -1, revisionHistoryLimit: -2 }), want: [
    'spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0',
    'spec.revisionHistoryLimit: Invalid value: -2: must be greater than or equal to 0',
  ] },
  { name: 'unknown strategy', obj: daemonSet({ updateStrategy: { type: 'Recreate' } }), want: ['spec.updateStrategy: Unsupported value: apps.DaemonSetUpdateStrategy{Type:"Recreate", RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}: supported values: "RollingUpdate", "OnDelete"'] },
  { name: 'both zero', obj: rolling({ maxUnavailable: 0, maxSurge: '0%' }), want: [`${RU}.maxUnavailable: Required value: cannot be 0 when maxSurge is 0`] },
  { name: 'both set', obj: rolling({ maxUnavailable: 1, maxSurge: 1 }), want: [`${RU}.maxSurge: Invalid value: intstr.IntOrString{Type:0, IntVal:1, StrVal:""}: may not be set when maxUnavailable is non-zero`] },
  { name: 'over 100%', obj: rolling({ maxUnavailable: '150%', maxSurge: 0 }), want: [`${RU}.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%`] },
  { name: 'negative maxUnavailable', obj: rolling({ maxUnavailable: -1 }), want: [`${RU}.maxUnavailable: Invalid value: -1: must be greater than or equal to 0`] },
]);

table('DaemonSet update', [
  { name: 'template and strategy may change', obj: daemonSet({ template: template({ containers: [container({ image: 'podnet/echo:2' })] }), updateStrategy: { type: 'OnDelete' } }), old: daemonSet(), want: [] },
  { name: 'selector is immutable', obj: daemonSet({ selector: { matchLabels: { app: 'web', v: '2' } }, template: template({}, { app: 'web', v: '2' }) }), old: daemonSet(), want: ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "v":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable'] },
]);

test('a new DaemonSet reads back with its four required counts at 0 and template generation 1; a template change makes it 2, anything else keeps it', () => {
  const { registry } = setup();
  const created = registry.create(DAEMONSETS, 'default', daemonSet() as KubeObject).object as DaemonSet;
  assert.deepEqual(created.status, { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
  assert.equal(created.metadata.annotations?.['deprecated.daemonset.template.generation'], '1');
  assert.equal(created.metadata.generation, 1);
  const relabelled = registry.update(DAEMONSETS, 'default', 'agent', { ...structuredClone(created), metadata: { ...structuredClone(created.metadata), labels: { team: 'a' } } }).object as DaemonSet;
  assert.equal(relabelled.metadata.annotations?.['deprecated.daemonset.template.generation'], '1');
  const next = structuredClone(relabelled);
  next.spec.template.spec.containers[0]!.image = 'podnet/echo:2';
  // a client that drops the annotation does not reset the count
  delete next.metadata.annotations;
  const changed = registry.update(DAEMONSETS, 'default', 'agent', next).object as DaemonSet;
  assert.equal(changed.metadata.annotations?.['deprecated.daemonset.template.generation'], '2');
  assert.equal(changed.metadata.generation, 2);
});

test('an invalid DaemonSet is refused with 422 Invalid', () => {
  const { registry } = setup();
  assert.throws(() => registry.create(DAEMONSETS, 'default', daemonSet({ selector: {} }) as KubeObject), (e: unknown) => isApiError(e, 'Invalid'));
});
