// `kubectl describe job` (describe.go describeJob): the spec's numbers, when
// the Job started and finished, its pods by state from its status, an
// Indexed Job's completed indexes, its pod template and events.

import type { Event, Job } from '../../api/types.js';
import { isSet } from '../../api/validation/fields.js';
import { humanDuration, rfc1123z, type Instant } from './age.js';
import { describePodTemplate } from './describe-pod.js';
import { describeEvents, LEVEL_0, nsOf, PrefixWriter, printAnnotationsMultiline, printControlledBy, printLabelsMultiline } from './describe-writer.js';
import { selectorString } from './selectors.js';

/** capIndexesListOrNone's soft limit: a longer list is cut after the first comma past it, then "..." */
const COMPLETED_INDEXES_SOFT_LIMIT = 50;

/** capIndexesListOrNone: `<none>`, the list, or the list cut at the first comma past `limit` characters. */
export function capIndexes(indexes: string | undefined, limit = COMPLETED_INDEXES_SOFT_LIMIT): string {
  if (!indexes) return '<none>';
  const comma = indexes.indexOf(',', limit);
  return comma < 0 ? indexes : `${indexes.slice(0, comma + 1)}...`;
}

export function describeJob(job: Job, events: readonly Event[] | undefined, now: Instant): string {
  const w = new PrefixWriter();
  const { spec } = job;
  const status = job.status ?? {};
  w.write(LEVEL_0, `Name:\t${job.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${nsOf(job)}\n`);
  w.write(LEVEL_0, `Selector:\t${selectorString(spec.selector)}\n`);
  printLabelsMultiline(w, 'Labels', job.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', job.metadata.annotations);
  printControlledBy(w, job);
  if (isSet(spec.parallelism)) w.write(LEVEL_0, `Parallelism:\t${spec.parallelism}\n`);
  w.write(LEVEL_0, `Completions:\t${isSet(spec.completions) ? spec.completions : '<unset>'}\n`);
  if (isSet(spec.completionMode)) w.write(LEVEL_0, `Completion Mode:\t${spec.completionMode}\n`);
  if (isSet(spec.suspend)) w.write(LEVEL_0, `Suspend:\t${spec.suspend}\n`);
  if (isSet(spec.backoffLimit)) w.write(LEVEL_0, `Backoff Limit:\t${spec.backoffLimit}\n`);
  if (isSet(spec.ttlSecondsAfterFinished)) w.write(LEVEL_0, `TTL Seconds After Finished:\t${spec.ttlSecondsAfterFinished}\n`);
  if (status.startTime) w.write(LEVEL_0, `Start Time:\t${rfc1123z(status.startTime)}\n`);
  if (status.completionTime) w.write(LEVEL_0, `Completed At:\t${rfc1123z(status.completionTime)}\n`);
  if (status.startTime && status.completionTime) {
    w.write(LEVEL_0, `Duration:\t${humanDuration(Date.parse(status.completionTime) - Date.parse(status.startTime))}\n`);
  }
  if (isSet(spec.activeDeadlineSeconds)) w.write(LEVEL_0, `Active Deadline Seconds:\t${spec.activeDeadlineSeconds}s\n`);
  const counts = `${status.succeeded ?? 0} Succeeded / ${status.failed ?? 0} Failed`;
  const active = isSet(status.ready) ? `${status.active ?? 0} Active (${status.ready} Ready)` : `${status.active ?? 0} Active`;
  w.write(LEVEL_0, `Pods Statuses:\t${active} / ${counts}\n`);
  if (spec.completionMode === 'Indexed') w.write(LEVEL_0, `Completed Indexes:\t${capIndexes(status.completedIndexes)}\n`);
  describePodTemplate(spec.template, w);
  if (events) describeEvents(events, w, now);
  return w.toString();
}
