// batch/v1 Job in the API server: defaulting, the selector generated on
// create, validation in upstream's words with its field paths, what an
// update may change, and the cascade of a DELETE that names none.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job, Pod } from '../../../src/api/types.js';
import { applyDefaults } from '../../../src/api/defaults.js';
import { isApiError } from '../../../src/errors.js';
import { generateJobSelector } from '../../../src/apiserver/strategies.js';
import { info, setup } from '../store/registry-fixture.js';
import { container, DNS1123_LABEL_MSG, table, type Json } from './fixtures.js';

const UID = '6a1f2c3d-0000-4000-8000-000000000001';
const GENERATED = { 'batch.kubernetes.io/controller-uid': UID, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': UID, 'job-name': 'pi' };
const SELECTOR = { matchLabels: { 'batch.kubernetes.io/controller-uid': UID } };
const JOBS = info('jobs');

/** A Job as it is stored: its generated selector and template labels in place. */
function job(spec: Json = {}, labels: Json = GENERATED): Json {
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', namespace: 'default', uid: UID },
    spec: { selector: SELECTOR, template: { metadata: { labels }, spec: { restartPolicy: 'Never', containers: [container()] } }, ...spec },
  };
}

const withPodSpec = (podSpec: Json) => job({ template: { metadata: { labels: GENERATED }, spec: { containers: [container()], ...podSpec } } });

table('Job', [
  { name: 'valid', obj: job(), want: [] },
  { name: 'restartPolicy unset is defaulted to Always, which a Job may not have', obj: withPodSpec({}), want: ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'] },
  { name: 'restartPolicy Always', obj: withPodSpec({ restartPolicy: 'Always' }), want: ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'] },
  { name: 'restartPolicy OnFailure', obj: withPodSpec({ restartPolicy: 'OnFailure' }), want: [] },
  // as upstream: the pod spec's own rule, then the Job's
  { name: 'restartPolicy unknown', obj: withPodSpec({ restartPolicy: 'Sometimes' }), want: [
    'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "OnFailure", "Never"',
  ] },
  { name: 'negative numbers', obj: job({ parallelism: -1, completions: -2, backoffLimit: -3, activeDeadlineSeconds: -4, ttlSecondsAfterFinished: -5 }), want: [
    'spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
    'spec.completions: Invalid value: -2: must be greater than or equal to 0',
    'spec.activeDeadlineSeconds: Invalid value: -4: must be greater than or equal to 0',
    'spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0',
    'spec.ttlSecondsAfterFinished: Invalid value: -5: must be greater than or equal to 0',
  ] },
  { name: 'a string where a number belongs', obj: job({ parallelism: '2' }), want: ['spec.parallelism: Invalid value: "2": must be an integer'] },
  { name: 'completionMode unknown', obj: job({ completionMode: 'Sometimes' }), want: ['spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"'] },
  { name: 'Indexed needs completions', obj: job({ completionMode: 'Indexed', parallelism: 2 }), want: ['spec.completions: Required value: when completion mode is Indexed'] },
  { name: 'Indexed: the last pod\'s hostname must be a DNS label', obj: { ...job({ completionMode: 'Indexed', completions: 3 }), metadata: { name: 'a'.repeat(62), namespace: 'default', uid: UID } }, want: [
    `spec.template.metadata.labels[job-name]: Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"${UID}", "batch.kubernetes.io/job-name":"pi", "controller-uid":"${UID}", "job-name":"pi"}: ${'a'.repeat(62)}`,
    `spec.template.metadata.labels[batch.kubernetes.io/job-name]: Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"${UID}", "batch.kubernetes.io/job-name":"pi", "controller-uid":"${UID}", "job-name":"pi"}: ${'a'.repeat(62)}`,
    `metadata.name: Invalid value: "${'a'.repeat(62)}": will not able to create pod with invalid DNS label: ${'a'.repeat(62)}-2`,
  ] },
  { name: 'backoffLimitPerIndex needs Indexed', obj: job({ backoffLimitPerIndex: 1 }), want: ['spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode'] },
  { name: 'podFailurePolicy wants restartPolicy Never', obj: job({ podFailurePolicy: { rules: [] }, template: { metadata: { labels: GENERATED }, spec: { restartPolicy: 'OnFailure', containers: [container()] } } }), want: [
    'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
  ] },
  { name: 'a generated label changed by hand', obj: job({}, { ...GENERATED, 'job-name': 'other' }), want: [
    `spec.template.metadata.labels[job-name]: Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"${UID}", "batch.kubernetes.io/job-name":"pi", "controller-uid":"${UID}", "job-name":"other"}: pi`,
  ] },
  { name: 'a generated label missing', obj: job({}, Object.fromEntries(Object.entries(GENERATED).filter(([k]) => k !== 'controller-uid'))), want: [`spec.template.metadata.labels[controller-uid]: Required value: ${UID}`] },
  { name: 'manualSelector: the user\'s selector must select the template', obj: job({ manualSelector: true, selector: { matchLabels: { app: 'pi' } } }, { app: 'other' }), want: [
    'spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`',
  ] },
  { name: 'manualSelector without a selector', obj: job({ manualSelector: true, selector: undefined }, { app: 'pi' }), want: ['spec.selector: Required value'] },
  { name: 'the template\'s pod spec is checked under spec.template.spec', obj: withPodSpec({ restartPolicy: 'Never', containers: [container({ name: 'Pi' })] }), want: [`spec.template.spec.containers[0].name: Invalid value: "Pi": ${DNS1123_LABEL_MSG}`] },
  { name: 'a pod-level activeDeadlineSeconds is allowed (unlike a Deployment\'s)', obj: withPodSpec({ restartPolicy: 'Never', activeDeadlineSeconds: 30 }), want: [] },
]);

table('Job update', [
  { name: 'parallelism, suspend and the deadline may change', obj: job({ completions: 1, parallelism: 3, suspend: true, activeDeadlineSeconds: 60 }), old: job(), want: [] },
  { name: 'completions are immutable', obj: job({ completions: 3 }), old: job(), want: ['spec.completions: Invalid value: 3: field is immutable'] },
  { name: 'the selector is immutable', obj: job({ selector: { matchLabels: { ...SELECTOR.matchLabels, 'job-name': 'pi' } } }), old: job(), want: [
    `spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"batch.kubernetes.io/controller-uid":"${UID}", "job-name":"pi"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable`,
  ] },
  { name: 'completionMode is immutable', obj: job({ completionMode: 'Indexed', completions: 1 }), old: job({ completions: 1 }), want: ['spec.completionMode: Invalid value: "Indexed": field is immutable'] },
]);

test('Job update: the template is immutable, but for labels, annotations and node placement while suspended and never started', () => {
  const { registry } = setup();
  const created = registry.create(JOBS, 'default', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi' }, spec: { suspend: true, template: { spec: { restartPolicy: 'Never', containers: [container()] } } } }).object as Job;
  const changed = (j: Job, f: (t: Job['spec']['template']) => void): Job => { const next = structuredClone(j); f(next.spec.template); return next; };
  const placed = registry.update(JOBS, 'default', 'pi', changed(created, (t) => { t.spec.nodeSelector = { disk: 'ssd' }; t.metadata!.annotations = { a: 'b' }; })).object as Job;
  assert.deepEqual(placed.spec.template.spec.nodeSelector, { disk: 'ssd' });
  assert.throws(() => registry.update(JOBS, 'default', 'pi', changed(placed, (t) => { t.spec.containers[0]!.image = 'podnet/echo:2'; })), (e: unknown) => {
    assert.ok(isApiError(e, 'Invalid'));
    assert.match(e.message, /^Job\.batch "pi" is invalid: spec\.template: Invalid value: \{.*\}: field is immutable$/);
    return true;
  });
  // once it ran, nothing of the template changes any more
  const started = registry.update(JOBS, 'default', 'pi', { ...structuredClone(placed), status: { startTime: '2026-01-01T00:00:00Z' } }, 'status').object as Job;
  assert.throws(() => registry.update(JOBS, 'default', 'pi', changed(started, (t) => { t.spec.nodeSelector = { disk: 'hdd' }; })), /spec\.template: Invalid value: .*: field is immutable/);
});

test('defaults: one pod to one success when neither completions nor parallelism is set; parallelism alone leaves completions unset', () => {
  const d = (spec: Json) => (applyDefaults(structuredClone({ ...job(), spec: { ...job().spec, ...spec } }) as Job)).spec;
  const plain = d({});
  assert.deepEqual([plain.completions, plain.parallelism, plain.backoffLimit, plain.completionMode, plain.suspend, plain.podReplacementPolicy],
    [1, 1, 6, 'NonIndexed', false, 'TerminatingOrFailed']);
  assert.deepEqual([d({ parallelism: 3 }).completions, d({ parallelism: 3 }).parallelism], [undefined, 3]);
  assert.deepEqual([d({ completions: 5 }).completions, d({ completions: 5 }).parallelism], [5, 1]);
  assert.equal(d({ template: { spec: { containers: [container()] } } }).template.spec.restartPolicy, 'Always');
});

test('generateJobSelector: both spellings of job-name and controller-uid on the template, the selector on the prefixed uid; a label the user set is kept', () => {
  const j = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi' }, spec: { template: { metadata: { labels: { app: 'pi', 'job-name': 'mine' } }, spec: { containers: [] } } } } as unknown as Job;
  generateJobSelector(j, UID);
  assert.deepEqual(j.spec.template.metadata!.labels, { app: 'pi', 'job-name': 'mine', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': UID, 'batch.kubernetes.io/controller-uid': UID });
  assert.deepEqual(j.spec.selector, SELECTOR);
  const manual = { ...j, spec: { ...j.spec, manualSelector: true, selector: { matchLabels: { app: 'pi' } } } } as Job;
  generateJobSelector(manual, UID);
  assert.deepEqual(manual.spec.selector, { matchLabels: { app: 'pi' } });
});

test('create: the selector and template labels carry the uid the Job got, its labels are the template\'s, its status starts empty', () => {
  const { registry } = setup();
  const sent = (name: string) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name }, spec: { template: { spec: { restartPolicy: 'Never', containers: [container()] } } }, status: { succeeded: 9 } });
  const stored = registry.create(JOBS, 'default', sent('pi')).object as Job;
  const uid = stored.metadata.uid!;
  assert.deepEqual(stored.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
  const expected = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': uid, 'job-name': 'pi' };
  assert.deepEqual(stored.spec.template.metadata!.labels, expected);
  assert.deepEqual(stored.metadata.labels, expected);
  assert.deepEqual(stored.status, {});
  // written once, as upstream: the uid was the Job's before the strategy ran
  assert.equal(stored.metadata.generation, 1);
  assert.deepEqual(registry.get(JOBS, 'default', 'pi').object, stored);
  // a dry run shows the same, for a uid nobody keeps
  const dry = registry.create(JOBS, 'default', sent('dry'), { dryRun: true }).object as Job;
  assert.equal(dry.spec.selector?.matchLabels?.['batch.kubernetes.io/controller-uid'], dry.metadata.uid);
  assert.throws(() => registry.get(JOBS, 'default', 'dry'), (e: unknown) => isApiError(e, 'NotFound'));
});

test('create: a Job\'s own labels stay when it has them; the user\'s template labels become its labels when it has none', () => {
  const { registry } = setup();
  const base = { apiVersion: 'batch/v1', kind: 'Job', spec: { template: { metadata: { labels: { app: 'pi' } }, spec: { restartPolicy: 'Never', containers: [container()] } } } };
  const own = registry.create(JOBS, 'default', { ...structuredClone(base), metadata: { name: 'own', labels: { team: 'a' } } }).object as Job;
  assert.deepEqual(own.metadata.labels, { team: 'a' });
  const fromTemplate = registry.create(JOBS, 'default', { ...structuredClone(base), metadata: { name: 'from-template' } }).object as Job;
  assert.deepEqual(fromTemplate.metadata.labels, { app: 'pi' });
});

test('delete: without a propagationPolicy a Job orphans its pods, as batch/v1 does; Background takes them along', () => {
  const { registry } = setup();
  const make = (name: string) => registry.create(JOBS, 'default', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name }, spec: { template: { spec: { restartPolicy: 'Never', containers: [container()] } } } }).object as Job;
  make('a');
  const orphaning = registry.delete(JOBS, 'default', 'a');
  assert.equal(orphaning.removed, false);
  assert.deepEqual(orphaning.object.object.metadata.finalizers, ['orphan']);
  make('b');
  assert.equal(registry.delete(JOBS, 'default', 'b', { propagationPolicy: 'Background' }).removed, true);
  // a Job's pod is an ordinary pod: nothing here holds it
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [container()] } };
  assert.equal(registry.create(info('pods'), 'default', pod).object.metadata.name, 'p');
});
