// batch/v1 CronJob in the API server: defaulting, and validation in
// upstream's words with its field paths (the schedule, TZ in it, the time
// zone, the policy, the numbers, the Job template, the name's length).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob } from '../../../src/api/types.js';
import { applyDefaults } from '../../../src/api/defaults.js';
import { container, table, type Json } from './fixtures.js';

function cronJob(spec: Json = {}, name = 'backup'): Json {
  return {
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name, namespace: 'default' },
    spec: {
      schedule: '*/5 * * * *',
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [container()] } } } },
      ...spec,
    },
  };
}

test('defaults: Allow, not suspended, 3 successful and 1 failed Job kept; the Job fields are left to the Job', () => {
  const cj = applyDefaults(structuredClone(cronJob()) as CronJob) as CronJob;
  assert.equal(cj.spec.concurrencyPolicy, 'Allow');
  assert.equal(cj.spec.suspend, false);
  assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
  assert.equal(cj.spec.failedJobsHistoryLimit, 1);
  assert.equal(cj.spec.jobTemplate.spec.backoffLimit, undefined);
  assert.equal(cj.spec.jobTemplate.spec.template.spec.dnsPolicy, 'ClusterFirst');
});

test('defaults keep what is set', () => {
  const cj = applyDefaults(structuredClone(cronJob({ concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 0 })) as CronJob) as CronJob;
  assert.equal(cj.spec.concurrencyPolicy, 'Forbid');
  assert.equal(cj.spec.successfulJobsHistoryLimit, 0);
});

const withPodSpec = (podSpec: Json) => cronJob({ jobTemplate: { spec: { template: { spec: { containers: [container()], ...podSpec } } } } });

table('CronJob', [
  { name: 'valid', obj: cronJob(), want: [] },
  { name: 'a descriptor', obj: cronJob({ schedule: '@daily' }), want: [] },
  { name: 'schedule empty', obj: cronJob({ schedule: '' }), want: ['spec.schedule: Required value'] },
  { name: 'schedule unset', obj: cronJob({ schedule: undefined }), want: ['spec.schedule: Required value'] },
  { name: 'schedule not cron', obj: cronJob({ schedule: 'every minute' }), want: ['spec.schedule: Invalid value: "every minute": expected exactly 5 fields, found 2: [every minute]'] },
  { name: 'a value out of range', obj: cronJob({ schedule: '0 24 * * *' }), want: ['spec.schedule: Invalid value: "0 24 * * *": end of range (24) above maximum (23): 24'] },
  { name: 'TZ in the schedule', obj: cronJob({ schedule: 'TZ=UTC 0 0 * * *' }), want: [
    'spec.schedule: Invalid value: "TZ=UTC 0 0 * * *": expected exactly 5 fields, found 6: [TZ=UTC 0 0 * * *]',
    'spec.schedule: Invalid value: "TZ=UTC 0 0 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
  ] },
  { name: 'CRON_TZ with timeZone', obj: cronJob({ schedule: 'CRON_TZ=UTC 0 0 * * *', timeZone: 'UTC' }), want: [
    'spec.schedule: Invalid value: "CRON_TZ=UTC 0 0 * * *": expected exactly 5 fields, found 6: [CRON_TZ=UTC 0 0 * * *]',
    'spec.schedule: Invalid value: "CRON_TZ=UTC 0 0 * * *": cannot use both timeZone field and TZ or CRON_TZ in schedule',
  ] },
  { name: 'a known time zone', obj: cronJob({ timeZone: 'Europe/Paris' }), want: [] },
  { name: 'an unknown time zone', obj: cronJob({ timeZone: 'Mars/Olympus' }), want: ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus'] },
  { name: 'an empty time zone', obj: cronJob({ timeZone: '' }), want: ['spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string'] },
  { name: 'negative numbers', obj: cronJob({ startingDeadlineSeconds: -1, successfulJobsHistoryLimit: -2, failedJobsHistoryLimit: -3 }), want: [
    'spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0',
    'spec.successfulJobsHistoryLimit: Invalid value: -2: must be greater than or equal to 0',
    'spec.failedJobsHistoryLimit: Invalid value: -3: must be greater than or equal to 0',
  ] },
  { name: 'unknown policy', obj: cronJob({ concurrencyPolicy: 'Sometimes' }), want: ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"'] },
  { name: 'empty policy', obj: cronJob({ concurrencyPolicy: '' }), want: ['spec.concurrencyPolicy: Required value'] },
  { name: 'the template restartPolicy is defaulted to Always, which a Job may not have', obj: withPodSpec({}), want: [
    'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
  ] },
  { name: 'Job numbers under the template', obj: cronJob({ jobTemplate: { spec: { backoffLimit: -1, template: { spec: { restartPolicy: 'Never', containers: [container()] } } } } }), want: [
    'spec.jobTemplate.spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0',
  ] },
  { name: 'a selector in the template', obj: cronJob({ jobTemplate: { spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { restartPolicy: 'Never', containers: [container()] } } } } }), want: [
    'spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated',
  ] },
  { name: 'no Job template', obj: cronJob({ jobTemplate: undefined }), want: ['spec.jobTemplate.spec.template: Required value'] },
  { name: 'a name of 52 characters', obj: cronJob({}, 'a'.repeat(52)), want: [] },
  { name: 'a name of 53 characters', obj: cronJob({}, 'a'.repeat(53)), want: [`metadata.name: Invalid value: "${'a'.repeat(53)}": must be no more than 52 characters`] },
]);
