// ReplicaSet validation and defaults, as rows of manifest → exact messages
// (upstream's ValidateReplicaSetSpec and the apps/v1 ReplicaSet strategy).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyDefaults } from '../../../src/api/defaults.js';
import type { KubeObject } from '../../../src/api/types.js';
import { DNS1123_LABEL_MSG, container, deployment, meta, table, template, type Json } from './fixtures.js';

const MISMATCH = (labels: string) => `spec.template.metadata.labels: Invalid value: ${labels}: \`selector\` does not match template \`labels\``;
const EMPTY_SELECTOR = 'v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}';

function replicaSet(spec: Json = {}, metadata: Json = meta('web-7d4b9c8f6')): Json {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata, spec: { selector: { matchLabels: { app: 'web' } }, template: template(), ...spec } };
}

table('ReplicaSet', [
  { name: 'valid', obj: replicaSet(), want: [] },
  { name: 'zero replicas', obj: replicaSet({ replicas: 0 }), want: [] },
  { name: 'negative replicas', obj: replicaSet({ replicas: -1 }), want: ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'] },
  { name: 'negative minReadySeconds', obj: replicaSet({ minReadySeconds: -5 }), want: ['spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0'] },
  { name: 'selector required', obj: replicaSet({ selector: undefined }), want: ['spec.selector: Required value', MISMATCH('map[string]string{"app":"web"}')] },
  // upstream words a ReplicaSet's empty selector as a Deployment's
  { name: 'empty selector', obj: replicaSet({ selector: {} }), want: [`spec.selector: Invalid value: ${EMPTY_SELECTOR}: empty selector is invalid for deployment`] },
  { name: 'replicas and minReadySeconds come before the selector', obj: replicaSet({ replicas: -2, minReadySeconds: -1, selector: {} }), want: [
    'spec.replicas: Invalid value: -2: must be greater than or equal to 0',
    'spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0',
    `spec.selector: Invalid value: ${EMPTY_SELECTOR}: empty selector is invalid for deployment`,
  ] },
  { name: 'selector does not match template', obj: replicaSet({ template: template({}, { app: 'api', 'pod-template-hash': '7d4b9c8f6' }) }), want: [MISMATCH('map[string]string{"app":"api", "pod-template-hash":"7d4b9c8f6"}')] },
  { name: 'template without labels', obj: replicaSet({ template: { spec: { containers: [container()] } } }), want: [MISMATCH('map[string]string(nil)')] },
  { name: 'matchExpressions select too', obj: replicaSet({ selector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] } }), want: [] },
  { name: 'template restartPolicy must be Always', obj: replicaSet({ template: template({ restartPolicy: 'OnFailure' }) }), want: ['spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'] },
  { name: 'activeDeadlineSeconds is forbidden in the template', obj: replicaSet({ template: template({ activeDeadlineSeconds: 30 }) }), want: ['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported'] },
  { name: 'template pod spec is validated under spec.template.spec', obj: replicaSet({ template: template({ containers: [container({ name: 'Web' })] }) }), want: [`spec.template.spec.containers[0].name: Invalid value: "Web": ${DNS1123_LABEL_MSG}`] },
  { name: 'template needs containers', obj: replicaSet({ template: template({ containers: [] }) }), want: ['spec.template.spec.containers: Required value'] },
  { name: 'bad selector operator stops template checks', obj: replicaSet({ selector: { matchExpressions: [{ key: 'app', operator: 'Is', values: ['web'] }] }, template: template({ containers: [] }) }), want: [
    'spec.selector.matchExpressions[0].operator: Invalid value: "Is": not a valid selector operator',
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"Is", Values:[]string{"web"}}}}: invalid label selector',
  ] },
  { name: 'name must be a DNS subdomain', obj: replicaSet({}, meta('Web')), want: [
    "metadata.name: Invalid value: \"Web\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  ] },
]);

table('ReplicaSet update', [
  { name: 'replicas, minReadySeconds and template may change', obj: replicaSet({ replicas: 5, minReadySeconds: 10, template: template({ containers: [container({ image: 'podnet/echo:2' })] }) }), old: replicaSet(), want: [] },
  { name: 'selector is immutable (apps/v1)', obj: replicaSet({ selector: { matchLabels: { app: 'web', v: '2' } }, template: template({}, { app: 'web', v: '2' }) }), old: replicaSet(), want: [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "v":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  ] },
  { name: 'the spec rules still hold, each reported once', obj: replicaSet({ replicas: -1 }), old: replicaSet(), want: ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'] },
]);

const defaulted = (o: Json): Json => applyDefaults(structuredClone(o) as KubeObject) as Json;

test('defaults: ReplicaSet gets one replica and nothing a Deployment has besides', () => {
  const s = defaulted(replicaSet()).spec;
  assert.equal(s.replicas, 1);
  assert.deepEqual(Object.keys(s).sort(), ['replicas', 'selector', 'template']);
  assert.equal(defaulted(replicaSet({ replicas: 0 })).spec.replicas, 0);
  // apps/v1 takes no labels from the template (extensions/v1beta1 did)
  assert.equal(defaulted(replicaSet({}, { name: 'web-1' })).metadata.labels, undefined);
});

test('defaults: a ReplicaSet\'s template is defaulted as a Deployment\'s', () => {
  const podSpec = { containers: [container({ ports: [{ containerPort: 8080 }], readinessProbe: { httpGet: { port: 8080 } } })] };
  const rs = defaulted(replicaSet({ template: template(podSpec) })).spec.template;
  assert.equal(rs.spec.restartPolicy, 'Always');
  assert.equal(rs.spec.containers[0].terminationMessagePolicy, 'File');
  assert.deepEqual(rs, defaulted(deployment({ template: template(podSpec) })).spec.template);
});
