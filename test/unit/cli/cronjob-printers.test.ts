// CronJobs in podnet's printers: `get cronjobs` / `get cj` (kubectl's
// columns, -o wide), the server-side Table, and `describe cronjob`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob } from '../../../src/api/types.js';
import { resourceForName } from '../../../src/api/resources.js';
import { toTable } from '../../../src/apiserver/table.js';
import { describe } from '../../../src/cli/printers/describe.js';
import { printTable } from '../../../src/cli/printers/table.js';
import { ago, lines, NOW } from './fixtures.js';

// describe prints times in the local zone, as kubectl does; pin it.
process.env.TZ = 'UTC';

function cronJob(name: string, o: { schedule?: string; timeZone?: string; suspend?: boolean; active?: string[]; lastRun?: number; deadline?: number } = {}): CronJob {
  return {
    apiVersion: 'batch/v1', kind: 'CronJob',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: ago(3600) },
    spec: {
      schedule: o.schedule ?? '*/5 * * * *', concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1,
      ...(o.suspend !== undefined ? { suspend: o.suspend } : {}), ...(o.timeZone ? { timeZone: o.timeZone } : {}),
      ...(o.deadline !== undefined ? { startingDeadlineSeconds: o.deadline } : {}),
      jobTemplate: { spec: { template: { metadata: { labels: { app: name } }, spec: { restartPolicy: 'OnFailure', containers: [{ name: 'dump', image: 'postgres:16' }] } } } },
    },
    status: {
      ...(o.active ? { active: o.active.map((n) => ({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'default', name: n, uid: `uid-${n}` })) } : {}),
      ...(o.lastRun !== undefined ? { lastScheduleTime: ago(o.lastRun) } : {}),
    },
  };
}

const CRONJOBS = [
  cronJob('backup', { suspend: false, active: ['backup-28580000'], lastRun: 90 }),
  cronJob('report', { schedule: '@daily', timeZone: 'Europe/Paris', suspend: true }),
  cronJob('cleanup', { schedule: '0 3 * * *' }),
];

test('get cronjobs: NAME, SCHEDULE, TIMEZONE, SUSPEND, ACTIVE, LAST SCHEDULE, AGE as kubectl prints them', () => {
  assert.equal(printTable('CronJob', CRONJOBS, { now: NOW }), lines(
    'NAME      SCHEDULE      TIMEZONE       SUSPEND   ACTIVE   LAST SCHEDULE   AGE',
    'backup    */5 * * * *   <none>         False     1        90s             60m',
    'report    @daily        Europe/Paris   True      0        <none>          60m',
    'cleanup   0 3 * * *     <none>         <unset>   0        <none>          60m',
  ));
});

test('get cronjobs -o wide: the Job template\'s containers, images and selector', () => {
  assert.equal(printTable('CronJob', [CRONJOBS[0]!], { now: NOW, wide: true }), lines(
    'NAME     SCHEDULE      TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE   CONTAINERS   IMAGES        SELECTOR',
    'backup   */5 * * * *   <none>     False     1        90s             60m   dump         postgres:16   <none>',
  ));
});

test('cj names the kind; the server-side Table has kubectl\'s column names, the wide ones at priority 1', () => {
  assert.equal(resourceForName('cj')?.kind, 'CronJob');
  const table = JSON.parse(toTable(resourceForName('cronjobs')!, [CRONJOBS[0]!], { version: 'v1', includeObject: 'None', now: NOW })) as {
    columnDefinitions: { name: string; priority: number }[]; rows: { cells: string[] }[];
  };
  assert.deepEqual(table.columnDefinitions.map((c) => `${c.name}:${c.priority}`), [
    'Name:0', 'Schedule:0', 'Timezone:0', 'Suspend:0', 'Active:0', 'Last Schedule:0', 'Age:0', 'Containers:1', 'Images:1', 'Selector:1',
  ]);
  assert.deepEqual(table.rows[0]!.cells.slice(0, 7), ['backup', '*/5 * * * *', '<none>', 'False', '1', '90s', '60m']);
});

test('describe cronjob: the schedule and policies, the Job template, the last run and the active Jobs', () => {
  const text = describe(cronJob('backup', { suspend: false, active: ['backup-1', 'backup-2'], lastRun: 90, deadline: 200 }), [], {}, NOW);
  const head = text.split('\n');
  assert.deepEqual(head.slice(0, 14), [
    'Name:                          backup',
    'Namespace:                     default',
    'Labels:                        <none>',
    'Annotations:                   <none>',
    'Schedule:                      */5 * * * *',
    'Concurrency Policy:            Forbid',
    'Suspend:                       False',
    'Successful Job History Limit:  3',
    'Failed Job History Limit:      1',
    'Starting Deadline Seconds:     200s',
    'Selector:                      <unset>',
    'Parallelism:                   <unset>',
    'Completions:                   <unset>',
    'Pod Template:',
  ]);
  // the pod template's lines break the tabwriter's column block, as in kubectl's output
  assert.ok(text.endsWith(lines(
    'Last Schedule Time:  Wed, 01 May 2024 11:58:30 +0000',
    'Active Jobs:         backup-1, backup-2',
    'Events:              <none>',
  )), text);
  const never = describe(cronJob('report', { timeZone: 'Europe/Paris' }), undefined, {}, NOW);
  assert.match(never, /\nTime Zone:\s+Europe\/Paris\n/);
  assert.match(never, /\nSuspend:\s+<unset>\n/);
  assert.match(never, /\nLast Schedule Time:\s+<unset>\nActive Jobs:\s+<none>\n$/);
});
