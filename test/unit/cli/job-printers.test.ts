// Jobs in podnet's printers: `get jobs` (kubectl ≥ 1.28's STATUS, COMPLETIONS
// and DURATION columns, and -o wide), the server-side Table, `describe job`,
// `get all`, and `wait --for=condition=complete` matching the condition
// whatever its case.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from '../../../src/api/types.js';
import { resourceForName } from '../../../src/api/resources.js';
import { toTable } from '../../../src/apiserver/table.js';
import { conditionMet } from '../../../src/cli/commands/wait.js';
import { parseTargets } from '../../../src/cli/commands/get.js';
import { capIndexes } from '../../../src/cli/printers/describe-job.js';
import { describe } from '../../../src/cli/printers/describe.js';
import { printTable } from '../../../src/cli/printers/table.js';
import * as f from './fixtures.js';
import { ago, lines, NOW } from './fixtures.js';

// describe prints times in the local zone, as kubectl does; pin it.
process.env.TZ = 'UTC';

const UID = '0b6f7c3e-1d2a-4c5b-8e9f-123456789abc';

function job(name: string, o: { completions?: number; parallelism?: number; succeeded?: number; started?: number; took?: number; conditions?: string[]; indexed?: string; deleting?: boolean } = {}): Job {
  const labels = { 'batch.kubernetes.io/controller-uid': UID, 'batch.kubernetes.io/job-name': name, 'controller-uid': UID, 'job-name': name };
  const startTime = o.started !== undefined ? ago(o.started) : undefined;
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: { name, namespace: 'default', uid: UID, creationTimestamp: ago(o.started ?? 600), labels, ...(o.deleting ? { deletionTimestamp: ago(1) } : {}) },
    spec: {
      ...(o.completions !== undefined ? { completions: o.completions } : {}), parallelism: o.parallelism ?? 1, backoffLimit: 6,
      completionMode: o.indexed !== undefined ? 'Indexed' : 'NonIndexed', suspend: false,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': UID } },
      template: { metadata: { labels }, spec: { restartPolicy: 'Never', containers: [{ name: 'curl', image: 'curlimages/curl', command: ['curl', '-s', 'http://web'] }] } },
    },
    status: {
      ...(startTime ? { startTime } : {}),
      ...(startTime && o.took !== undefined ? { completionTime: ago(o.started! - o.took) } : {}),
      ...(o.succeeded ? { succeeded: o.succeeded } : {}), ready: 0, terminating: 0,
      ...(o.indexed ? { completedIndexes: o.indexed } : {}),
      conditions: (o.conditions ?? []).map((type) => ({ type, status: 'True' as const, reason: '', message: '' })),
    },
  };
}

test('get jobs: STATUS from the conditions, COMPLETIONS succeeded/completions, DURATION from start to completion (or now)', () => {
  const jobs = [
    job('migrate', { completions: 1, succeeded: 1, started: 600, took: 7, conditions: ['SuccessCriteriaMet', 'Complete'] }),
    job('smoke', { completions: 3, parallelism: 2, succeeded: 1, started: 95 }),
    job('any', { parallelism: 3, started: 30 }),
    job('one', { parallelism: 1 }),
    job('broken', { completions: 1, started: 300, conditions: ['FailureTarget', 'Failed'] }),
    job('dying', { completions: 1, started: 300, conditions: ['FailureTarget'] }),
    job('held', { completions: 1, conditions: ['Suspended'] }),
    job('going', { completions: 1, started: 20, deleting: true }),
  ];
  assert.equal(printTable('Job', jobs, { now: NOW }), lines(
    'NAME      STATUS          COMPLETIONS   DURATION   AGE',
    'migrate   Complete        1/1           7s         10m',
    'smoke     Running         1/3           95s        95s',
    'any       Running         0/1 of 3      30s        30s',
    'one       Running         0/1                      10m',
    'broken    Failed          0/1           5m         5m',
    'dying     FailureTarget   0/1           5m         5m',
    'held      Suspended       0/1                      10m',
    'going     Terminating     0/1           20s        20s',
  ));
  assert.equal(printTable('Job', [jobs[0]!], { now: NOW, wide: true }), lines(
    'NAME      STATUS     COMPLETIONS   DURATION   AGE   CONTAINERS   IMAGES            SELECTOR',
    `migrate   Complete   1/1           7s         10m   curl         curlimages/curl   batch.kubernetes.io/controller-uid=${UID}`,
  ));
});

test('the server-side Table: kubectl\'s column names, the wide ones at priority 1', () => {
  const jobs = resourceForName('jobs')!;
  const table = JSON.parse(toTable(jobs, [job('migrate', { completions: 1, succeeded: 1, started: 600, took: 7, conditions: ['Complete'] })], { version: 'v1', includeObject: 'None', now: NOW })) as {
    columnDefinitions: { name: string; priority: number }[]; rows: { cells: string[] }[];
  };
  assert.deepEqual(table.columnDefinitions.map((c) => `${c.name}:${c.priority}`), ['Name:0', 'Status:0', 'Completions:0', 'Duration:0', 'Age:0', 'Containers:1', 'Images:1', 'Selector:1']);
  assert.deepEqual(table.rows[0]!.cells.slice(0, 5), ['migrate', 'Complete', '1/1', '7s', '10m']);
});

test('get all ends with jobs, named job.batch/NAME', () => {
  assert.deepEqual(parseTargets(['all']).map((t) => t.resource.kind).at(-1), 'Job');
  assert.equal(printTable('Job', [job('migrate', { completions: 1 })], { now: NOW, withKindPrefix: true }).split('\n')[1]!.split(' ')[0], 'job.batch/migrate');
});

test('describe job: the spec\'s numbers, start, completion and duration, pods by state, the template, events', () => {
  const j = job('migrate', { completions: 1, succeeded: 1, started: 600, took: 7, conditions: ['SuccessCriteriaMet', 'Complete'] });
  j.spec.activeDeadlineSeconds = 120;
  j.spec.ttlSecondsAfterFinished = 300;
  const text = describe(j, [f.event({ kind: 'Job', name: 'migrate' }, 'Normal', 'Completed', 'Job completed', 593, 593, 1, 'job-controller')], {}, NOW);
  assert.equal(text, lines(
    'Name:                        migrate',
    'Namespace:                   default',
    `Selector:                    batch.kubernetes.io/controller-uid=${UID}`,
    `Labels:                      batch.kubernetes.io/controller-uid=${UID}`,
    '                             batch.kubernetes.io/job-name=migrate',
    `                             controller-uid=${UID}`,
    '                             job-name=migrate',
    'Annotations:                 <none>',
    'Parallelism:                 1',
    'Completions:                 1',
    'Completion Mode:             NonIndexed',
    'Suspend:                     false',
    'Backoff Limit:               6',
    'TTL Seconds After Finished:  300',
    'Start Time:                  Wed, 01 May 2024 11:50:00 +0000',
    'Completed At:                Wed, 01 May 2024 11:50:07 +0000',
    'Duration:                    7s',
    'Active Deadline Seconds:     120s',
    'Pods Statuses:               0 Active (0 Ready) / 1 Succeeded / 0 Failed',
    'Pod Template:',
    `  Labels:  batch.kubernetes.io/controller-uid=${UID}`,
    '           batch.kubernetes.io/job-name=migrate',
    `           controller-uid=${UID}`,
    '           job-name=migrate',
    '  Containers:',
    '   curl:',
    '    Image:      curlimages/curl',
    '    Port:       <none>',
    '    Host Port:  <none>',
    '    Command:',
    '      curl',
    '      -s',
    '      http://web',
    '    Environment:   <none>',
    '    Mounts:        <none>',
    '  Volumes:         <none>',
    '  Node-Selectors:  <none>',
    '  Tolerations:     <none>',
    'Events:',
    '  Type    Reason     Age    From            Message',
    '  ----    ------     ----   ----            -------',
    '  Normal  Completed  9m53s  job-controller  Job completed',
  ));
});

test('describe job: Completions <unset> without them; an Indexed Job lists its completed indexes, cut after 50 characters', () => {
  const any = describe(job('any', { parallelism: 3 }), undefined, {}, NOW);
  assert.match(any, /^Completions: +<unset>$/m);
  assert.ok(!any.includes('Completed Indexes'), any);
  assert.match(describe(job('idx', { completions: 5, indexed: '0-2,4' }), undefined, {}, NOW), /^Completed Indexes: +0-2,4$/m);
  assert.match(describe(job('idx', { completions: 5, indexed: '' }), undefined, {}, NOW), /^Completed Indexes: +<none>$/m);
  const long = Array.from({ length: 40 }, (_, i) => String(i * 2)).join(',');
  assert.equal(capIndexes(long), `${long.slice(0, long.indexOf(',', 50) + 1)}...`);
});

test('wait --for=condition=complete: kubectl matches condition names whatever their case', () => {
  const done = job('migrate', { conditions: ['Complete'] });
  assert.equal(conditionMet(done, 'complete'), true);
  assert.equal(conditionMet(done, 'Complete'), true);
  assert.equal(conditionMet(done, 'failed'), false);
});
