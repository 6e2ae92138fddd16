// A CronJob on a real cluster: applied, listed and described as kubectl
// shows them, and at its next minute the controller makes a Job named after
// the scheduled time, whose pod runs and completes; the CronJob's status then
// says when it last ran and succeeded. (A schedule of every minute: the test
// waits for the next minute boundary, at most a minute.)

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Job } from '../../../src/api/types.js';
import { eventually, podnet, withCluster } from '../../support/cli.js';

const CLUSTER = 'itcron';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itcron-'));
const pn = podnet(CLUSTER, stateDir);

const CRONJOB = `apiVersion: batch/v1
kind: CronJob
metadata: {name: tick}
spec:
  schedule: "* * * * *"
  successfulJobsHistoryLimit: 1
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: main
              image: busybox
              command: ["sh", "-c", "echo tick from $(hostname)"]
`;

interface CronJobStatus { status?: { lastScheduleTime?: string; lastSuccessfulTime?: string; active?: unknown[] } }

describe('CronJobs', { timeout: 180_000 }, () => {
  withCluster(pn, CLUSTER, stateDir);

  test('applied and listed; at the next minute a Job named for it runs to completion, and the CronJob says so', async () => {
    const applied = await pn(['apply', '-f', '-'], { input: CRONJOB });
    assert.deepEqual([applied.code, applied.stdout, applied.stderr], [0, 'cronjob.batch/tick created\n', '']);
    const table = await pn(['get', 'cj']);
    assert.match(table.stdout, /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\ntick\s+\* \* \* \* \*\s+<none>\s+False\s+0\s+<none>\s+\S+\n$/);

    const job = await eventually('a Job of the CronJob', async () => {
      const jobs = JSON.parse((await pn(['get', 'jobs', '-o', 'json'])).stdout) as { items: Job[] };
      return jobs.items.find((j) => j.metadata.ownerReferences?.some((o) => o.kind === 'CronJob' && o.name === 'tick'));
    }, 80_000, 500);
    // upstream's name: the CronJob's and the scheduled time in minutes since the epoch
    const minutes = Number(job.metadata.name!.replace(/^tick-/, ''));
    const scheduled = job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'];
    assert.ok(scheduled, 'the scheduled-timestamp annotation');
    assert.equal(minutes * 60_000, Date.parse(scheduled));

    const waited = await pn(['wait', '--for=condition=complete', `job/${job.metadata.name}`, '--timeout=60s']);
    assert.equal(waited.code, 0, waited.stderr);
    const logs = await pn(['logs', `job/${job.metadata.name}`]);
    assert.match(logs.stdout, new RegExp(`^tick from ${job.metadata.name}-[a-z0-9]{5}\\n$`));

    const cj = await eventually('the CronJob\'s last successful time', async () => {
      const c = JSON.parse((await pn(['get', 'cronjob', 'tick', '-o', 'json'])).stdout) as CronJobStatus;
      return c.status?.lastSuccessfulTime ? c : undefined;
    }, 20_000, 250);
    assert.equal(cj.status?.lastScheduleTime, scheduled);
    const described = await pn(['describe', 'cronjob', 'tick']);
    assert.match(described.stdout, /^Schedule:\s+\* \* \* \* \*$/m);
    assert.match(described.stdout, new RegExp(`SuccessfulCreate\\s+.*Created job ${job.metadata.name}`));
  });
});
