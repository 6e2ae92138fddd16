// Workloads: a Deployment whose rollout stopped making progress (its
// progressDeadlineSeconds passed), and a Job that failed, each with why and
// where to look; the pods behind them are judged under Pods.

import { getCondition } from '../api/pod-helpers.js';
import type { Deployment } from '../api/types.js';
import { PROGRESS_DEADLINE_EXCEEDED } from '../controllers/deployment-progress.js';
import { key } from '../trace/lookup.js';
import type { DoctorEvidence } from './evidence.js';
import { fail, ok, warn, type Finding } from './findings.js';
import { clusterOption } from '../cli/context.js';
import { plural } from '../trace/report.js';

export function checkWorkloads(e: DoctorEvidence): Finding[] {
  const out: Finding[] = [];
  const deployments = e.objects.workloads.filter((w) => w.kind === 'Deployment');
  let rolling = 0;
  for (const d of deployments) {
    // the view keeps the whole Deployment: its status is there, as the API gave it
    const progressing = getCondition((d as { status?: Deployment['status'] }).status?.conditions, 'Progressing');
    if (progressing?.status === 'False' && progressing.reason === PROGRESS_DEADLINE_EXCEEDED) {
      out.push(fail('Workloads', `Deployment ${key(d)} stopped making progress: ${progressing.message ?? PROGRESS_DEADLINE_EXCEEDED}`,
        `podnet describe deployment ${d.metadata.name} -n ${d.metadata.namespace}${clusterOption(e.cluster)} shows its ReplicaSets and events; the Pods check names its pods' trouble`));
    } else {
      rolling += 1;
    }
  }
  for (const job of e.objects.jobs) {
    const failed = getCondition(job.status?.conditions, 'Failed');
    if (failed?.status !== 'True') continue;
    out.push(warn('Workloads', `Job ${key(job)} failed: ${failed.reason ?? 'Failed'}${failed.message ? ` (${failed.message})` : ''}, ${plural(job.status?.failed ?? 0, 'failed pod')}`,
      `podnet logs job/${job.metadata.name} -n ${job.metadata.namespace}${clusterOption(e.cluster)} shows its first pod's output`));
  }
  if (rolling > 0) out.unshift(ok('Workloads', `${plural(rolling, 'Deployment')} making progress or done`));
  return out;
}
