// `kubectl describe cronjob` (describe.go describeCronJob): the schedule and
// its policies, the Job template's numbers and pod template, when it last
// ran, its active Jobs and its events.

import type { CronJob, Event } from '../../api/types.js';
import { isSet } from '../../api/validation/fields.js';
import { rfc1123z, type Instant } from './age.js';
import { describePodTemplate } from './describe-pod.js';
import { describeEvents, LEVEL_0, nsOf, PrefixWriter, printAnnotationsMultiline, printLabelsMultiline } from './describe-writer.js';
import { selectorString } from './selectors.js';

const UNSET = '<unset>';
const orUnset = (v: unknown, unit = '') => (isSet(v) ? `${String(v)}${unit}` : UNSET);

export function describeCronJob(cronJob: CronJob, events: readonly Event[] | undefined, now: Instant): string {
  const w = new PrefixWriter();
  const { spec } = cronJob;
  w.write(LEVEL_0, `Name:\t${cronJob.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${nsOf(cronJob)}\n`);
  printLabelsMultiline(w, 'Labels', cronJob.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', cronJob.metadata.annotations);
  w.write(LEVEL_0, `Schedule:\t${spec.schedule ?? ''}\n`);
  if (spec.timeZone) w.write(LEVEL_0, `Time Zone:\t${spec.timeZone}\n`);
  w.write(LEVEL_0, `Concurrency Policy:\t${spec.concurrencyPolicy ?? ''}\n`);
  w.write(LEVEL_0, `Suspend:\t${isSet(spec.suspend) ? (spec.suspend ? 'True' : 'False') : UNSET}\n`);
  w.write(LEVEL_0, `Successful Job History Limit:\t${orUnset(spec.successfulJobsHistoryLimit)}\n`);
  w.write(LEVEL_0, `Failed Job History Limit:\t${orUnset(spec.failedJobsHistoryLimit)}\n`);
  w.write(LEVEL_0, `Starting Deadline Seconds:\t${orUnset(spec.startingDeadlineSeconds, 's')}\n`);
  // describeJobTemplate
  const jobSpec = spec.jobTemplate?.spec;
  w.write(LEVEL_0, `Selector:\t${jobSpec?.selector ? selectorString(jobSpec.selector) : UNSET}\n`);
  w.write(LEVEL_0, `Parallelism:\t${orUnset(jobSpec?.parallelism)}\n`);
  w.write(LEVEL_0, `Completions:\t${orUnset(jobSpec?.completions)}\n`);
  if (isSet(jobSpec?.activeDeadlineSeconds)) w.write(LEVEL_0, `Active Deadline Seconds:\t${jobSpec!.activeDeadlineSeconds}s\n`);
  if (jobSpec?.template) describePodTemplate(jobSpec.template, w);
  const last = cronJob.status?.lastScheduleTime;
  w.write(LEVEL_0, `Last Schedule Time:\t${last ? rfc1123z(last) : UNSET}\n`);
  const active = cronJob.status?.active ?? [];
  w.write(LEVEL_0, `Active Jobs:\t${active.length > 0 ? active.map((r) => r.name).join(', ') : '<none>'}\n`);
  if (events) describeEvents(events, w, now);
  return w.toString();
}
