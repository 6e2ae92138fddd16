// Job validation (k8s pkg/apis/batch/validation ValidateJob and
// ValidateJobSpecUpdate), in upstream's order: the generated selector, the
// spec's numbers and modes, the pod template (whose restartPolicy must be
// OnFailure or Never), the selector and whether it selects the template,
// then, for an Indexed Job, whether its last pod's hostname is a DNS label.

import { field, FieldError } from '../../errors.js';
import { CronScheduleError, parseCronSchedule } from '../cron-schedule.js';
import { JOB_CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_JOB_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL } from '../job-labels.js';
import { matchesLabelSelector, validateLabelSelector } from '../labels.js';
import type { LabelSelector } from '../types.js';
import { validateSelectorUnchanged } from './apps.js';
import {
  IMMUTABLE, IS_NEGATIVE, deepEqual, get, goLabelSelector, goQuote, goStringMap, invalidGo, isObj, isSet, notSupportedGo, optInt,
  optObj, optString, stringField, type Obj,
} from './fields.js';
import { isDNS1123Label } from './names.js';
import { readTemplate, validateTemplateContents } from './pod-template.js';

/** maxParallelismForIndexedJob: caps the length of status.completedIndexes */
const MAX_INDEXED_PARALLELISM = 100_000;
const COMPLETION_MODES = ['NonIndexed', 'Indexed'];
/** sets.List of the supported podReplacementPolicy values (sorted) */
const POD_REPLACEMENT_POLICIES = ['Failed', 'TerminatingOrFailed'];
const JOB_RESTART_POLICIES = ['OnFailure', 'Never'];
/** the label keys of the generated selector, legacy spelling first (validateGeneratedSelector's order) */
const GENERATED_LABELS = [
  { key: LEGACY_JOB_CONTROLLER_UID_LABEL, value: 'uid' }, { key: LEGACY_JOB_NAME_LABEL, value: 'name' },
  { key: JOB_CONTROLLER_UID_LABEL, value: 'uid' }, { key: JOB_NAME_LABEL, value: 'name' },
] as const;

/** spec.template.metadata.labels when it is a map; undefined otherwise (its type is readTemplate's to report). */
function templateLabelsOf(spec: Obj): Record<string, string> | undefined {
  const labels = get(get(spec.template, 'metadata'), 'labels');
  return isObj(labels) ? labels as Record<string, string> : undefined;
}

function nonNegative(o: Obj, key: string, errs: FieldError[]): number | undefined {
  const v = optInt(o, key, `spec.${key}`, errs);
  if (v !== undefined && v < 0) errs.push(field.invalid(`spec.${key}`, v, IS_NEGATIVE));
  return v;
}

/**
 * validateGeneratedSelector: unless spec.manualSelector, the template carries
 * the job-name and controller-uid labels with the Job's name and uid
 * (ValidateHasLabel), and the selector selects them.
 */
function validateGeneratedSelector(job: Obj, spec: Obj): FieldError[] {
  if (spec.manualSelector === true || !isSet(spec.selector)) return [];
  const errs: FieldError[] = [];
  const meta = isObj(job.metadata) ? job.metadata : {};
  const uid = typeof meta.uid === 'string' ? meta.uid : '';
  const name = typeof meta.name === 'string' ? meta.name : '';
  if (!uid) errs.push(field.required('metadata.uid'));
  const templateLabels = templateLabelsOf(spec) ?? {};
  const expected: Record<string, string> = {};
  for (const { key, value } of GENERATED_LABELS) {
    const want = value === 'uid' ? uid : name;
    expected[key] = want;
    const path = `spec.template.metadata.labels[${key}]`;
    if (!(key in templateLabels)) errs.push(field.required(path, want));
    else if (templateLabels[key] !== want) errs.push(invalidGo(path, goStringMap(templateLabels), want));
  }
  if (validateLabelSelector(spec.selector, 'spec.selector').length === 0 && !matchesLabelSelector(spec.selector as LabelSelector, expected)) {
    errs.push(invalidGo('spec.selector', goLabelSelector(spec.selector), '`selector` not auto-generated'));
  }
  return errs;
}

/** The restartPolicy rule: Always (what the pod defaulting gives an unset one) is "Required", anything else but OnFailure and Never unsupported. */
function validateJobRestartPolicy(spec: Obj, podSpec: unknown, errs: FieldError[]): void {
  const path = 'spec.template.spec.restartPolicy';
  const policy = get(podSpec, 'restartPolicy');
  if (policy === 'Always' || policy === '' || !isSet(policy)) {
    errs.push(field.required(path, `valid values: ${JOB_RESTART_POLICIES.map(goQuote).join(', ')}`));
  } else if (typeof policy !== 'string' || !JOB_RESTART_POLICIES.includes(policy)) {
    errs.push(field.notSupported(path, policy, JOB_RESTART_POLICIES));
  } else if (isSet(spec.podFailurePolicy) && policy !== 'Never') {
    errs.push(field.invalid(path, policy, 'only "Never" is supported when podFailurePolicy is specified'));
  }
}

/** validateJobSpec: the numbers, the completion mode and what it allows, the policies, then the template. */
function validateJobSpecFields(spec: Obj, errs: FieldError[]): void {
  const parallelism = nonNegative(spec, 'parallelism', errs);
  const completions = nonNegative(spec, 'completions', errs);
  for (const key of ['activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex']) nonNegative(spec, key, errs);
  if (isSet(spec.maxFailedIndexes)) {
    nonNegative(spec, 'maxFailedIndexes', errs);
    if (!isSet(spec.backoffLimitPerIndex)) errs.push(field.required('spec.backoffLimitPerIndex', 'when maxFailedIndexes is specified'));
  }
  optString(spec, 'managedBy', 'spec.managedBy', errs);
  const mode = optString(spec, 'completionMode', 'spec.completionMode', errs);
  if (mode !== undefined && !COMPLETION_MODES.includes(mode)) errs.push(notSupportedGo('spec.completionMode', goQuote(mode), COMPLETION_MODES));
  if (mode === 'Indexed') {
    if (!isSet(spec.completions)) errs.push(field.required('spec.completions', 'when completion mode is Indexed'));
    if (parallelism !== undefined && parallelism > MAX_INDEXED_PARALLELISM) {
      errs.push(field.invalid('spec.parallelism', parallelism, `must be less than or equal to ${MAX_INDEXED_PARALLELISM} when completion mode is Indexed`));
    }
    if (completions !== undefined && typeof spec.maxFailedIndexes === 'number' && spec.maxFailedIndexes > completions) {
      errs.push(field.invalid('spec.maxFailedIndexes', spec.maxFailedIndexes, 'must be less than or equal to completions'));
    }
  } else {
    for (const key of ['backoffLimitPerIndex', 'maxFailedIndexes']) {
      if (isSet(spec[key])) errs.push(field.invalid(`spec.${key}`, spec[key], 'requires indexed completion mode'));
    }
  }
  optObj(spec, 'podFailurePolicy', 'spec.podFailurePolicy', errs);
  const successPolicy = optObj(spec, 'successPolicy', 'spec.successPolicy', errs);
  if (successPolicy && mode !== 'Indexed') errs.push(field.invalid('spec.successPolicy', successPolicy, 'requires indexed completion mode'));
  const replacement = optString(spec, 'podReplacementPolicy', 'spec.podReplacementPolicy', errs);
  if (replacement !== undefined) {
    const allowed = isSet(spec.podFailurePolicy) ? ['Failed'] : POD_REPLACEMENT_POLICIES;
    if (!allowed.includes(replacement)) errs.push(field.notSupported('spec.podReplacementPolicy', replacement, allowed));
  }
  const read = readTemplate(spec, errs);
  if (!read) return;
  validateTemplateContents(read, errs);
  validateJobRestartPolicy(spec, read.template.spec, errs);
}

/** ValidateJob: everything a Job is checked for, on create and (again) on update. */
export function validateJob(job: Obj): FieldError[] {
  const spec = job.spec;
  if (!isObj(spec)) return [field.required('spec.selector'), field.required('spec.template')];
  const errs = validateGeneratedSelector(job, spec);
  validateJobSpecFields(spec, errs);
  const selector = spec.selector;
  if (!isSet(selector)) {
    errs.push(field.required('spec.selector'));
  } else {
    const selectorErrs = validateLabelSelector(selector, 'spec.selector');
    errs.push(...selectorErrs);
    const templateLabels = templateLabelsOf(spec);
    if (selectorErrs.length === 0 && !matchesLabelSelector(selector as LabelSelector, templateLabels)) {
      errs.push(invalidGo('spec.template.metadata.labels', goStringMap(templateLabels), '`selector` does not match template `labels`'));
    }
  }
  // the controller names an Indexed Job's pods' hostnames `<job>-<index>`: the last one must be a DNS label
  const name = get(job.metadata, 'name');
  if (spec.completionMode === 'Indexed' && typeof spec.completions === 'number' && spec.completions > 0 && typeof name === 'string') {
    const lastHostname = `${name}-${spec.completions - 1}`;
    if (isDNS1123Label(lastHostname).length > 0) {
      errs.push(field.invalid('metadata.name', name, `will not able to create pod with invalid DNS label: ${lastHostname}`));
    }
  }
  return errs;
}

/**
 * The template's fields a suspended Job that never started may change
 * (upstream's AllowMutableSchedulingDirectives): where its pods may run, and
 * their labels and annotations. Any other template change is refused.
 */
const SCHEDULING_DIRECTIVES = ['nodeSelector', 'tolerations', 'affinity', 'schedulingGates'];

function withoutSchedulingDirectives(template: unknown): unknown {
  if (!isObj(template)) return template;
  const meta = isObj(template.metadata) ? template.metadata : {};
  const { labels: _l, annotations: _a, ...restMeta } = meta;
  const podSpec = isObj(template.spec) ? template.spec : {};
  return { ...template, metadata: restMeta, spec: Object.fromEntries(Object.entries(podSpec).filter(([k]) => !SCHEDULING_DIRECTIVES.includes(k))) };
}

/**
 * ValidateJobSpecUpdate's immutable fields: completions, selector, template
 * (but for the scheduling directives of a suspended Job not yet started),
 * completionMode and the policies. A template is shown as JSON where
 * upstream prints the Go struct.
 */
export function validateJobUpdate(job: Obj, old: Obj): FieldError[] {
  const spec = isObj(job.spec) ? job.spec : {};
  const oldSpec = isObj(old.spec) ? old.spec : {};
  const errs: FieldError[] = [];
  if (!deepEqual(spec.completions, oldSpec.completions)) errs.push(field.invalid('spec.completions', spec.completions ?? null, IMMUTABLE));
  errs.push(...validateSelectorUnchanged(spec, oldSpec));
  const notStartedAndSuspended = oldSpec.suspend === true && !isSet(get(old.status, 'startTime'));
  const comparable = notStartedAndSuspended ? withoutSchedulingDirectives : (t: unknown) => t;
  if (!deepEqual(comparable(spec.template), comparable(oldSpec.template))) errs.push(field.invalid('spec.template', spec.template ?? null, IMMUTABLE));
  if (!deepEqual(spec.completionMode, oldSpec.completionMode)) errs.push(invalidGo('spec.completionMode', goQuote(String(spec.completionMode ?? '')), IMMUTABLE));
  for (const key of ['podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy']) {
    if (!deepEqual(spec[key], oldSpec[key])) errs.push(field.invalid(`spec.${key}`, spec[key] ?? null, IMMUTABLE));
  }
  return errs;
}

// ---- CronJob (ValidateCronJobCreate, ValidateCronJobSpec) ----

/** a CronJob's Jobs are named `<cronjob>-<minutes since the epoch>`: the name leaves room for the suffix in a DNS-1035 label */
const MAX_CRONJOB_NAME_LENGTH = 52;
const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];

/** The Job checks under spec.jobTemplate, whose own paths start at `spec.` */
function underJobTemplate(errs: readonly FieldError[]): FieldError[] {
  return errs.map((e) => new FieldError(e.type, `spec.jobTemplate.${e.field}`, e.value, e.detail));
}

/** A zone name the runtime's time-zone database knows (upstream loads it with time.LoadLocation). */
function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function validateSchedule(spec: Obj, errs: FieldError[]): void {
  const schedule = stringField(spec, 'schedule', 'spec.schedule', errs);
  const timeZone = optString(spec, 'timeZone', 'spec.timeZone', errs);
  if (schedule === undefined) return;
  if (schedule === '') {
    errs.push(field.required('spec.schedule'));
  } else {
    try {
      parseCronSchedule(schedule);
    } catch (e) {
      if (!(e instanceof CronScheduleError)) throw e;
      errs.push(field.invalid('spec.schedule', schedule, e.message));
    }
    if (schedule.includes('TZ')) {
      const why = timeZone === undefined ? 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead' : 'cannot use both timeZone field and TZ or CRON_TZ in schedule';
      errs.push(field.invalid('spec.schedule', schedule, why));
    }
  }
  if (timeZone !== undefined) {
    if (timeZone === '') errs.push(field.invalid('spec.timeZone', timeZone, 'timeZone must be nil or non-empty string'));
    else if (!isKnownTimeZone(timeZone)) errs.push(field.invalid('spec.timeZone', timeZone, `unknown time zone ${timeZone}`));
  }
}

/** ValidateJobTemplateSpec: a Job spec, whose selector the Job's creation generates and which may not ask for a manual one. */
function validateJobTemplate(spec: Obj, errs: FieldError[]): void {
  const template = optObj(spec, 'jobTemplate', 'spec.jobTemplate', errs);
  const jobSpec = template && isObj(template.spec) ? template.spec : undefined;
  if (!jobSpec) { errs.push(field.required('spec.jobTemplate.spec.template')); return; }
  const jobErrs: FieldError[] = [];
  validateJobSpecFields(jobSpec, jobErrs);
  errs.push(...underJobTemplate(jobErrs));
  if (isSet(jobSpec.selector)) errs.push(invalidGo('spec.jobTemplate.spec.selector', goLabelSelector(jobSpec.selector), '`selector` will be auto-generated'));
  if (jobSpec.manualSelector === true) errs.push(notSupportedGo('spec.jobTemplate.spec.manualSelector', 'true', ['nil', 'false']));
}

/** ValidateCronJobSpec: the schedule and its zone, the policy, the numbers, the Job template. */
export function validateCronJob(cronJob: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObj(cronJob.spec) ? cronJob.spec : {};
  validateSchedule(spec, errs);
  for (const key of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) nonNegative(spec, key, errs);
  const policy = optString(spec, 'concurrencyPolicy', 'spec.concurrencyPolicy', errs);
  if (policy === undefined || policy === '') errs.push(field.required('spec.concurrencyPolicy'));
  else if (!CONCURRENCY_POLICIES.includes(policy)) errs.push(field.notSupported('spec.concurrencyPolicy', policy, CONCURRENCY_POLICIES));
  validateJobTemplate(spec, errs);
  return errs;
}

/** ValidateCronJobCreate: the spec, and a name short enough for its Jobs' names. */
export function validateCronJobCreate(cronJob: Obj): FieldError[] {
  const name = get(cronJob.metadata, 'name');
  const errs: FieldError[] = [];
  if (typeof name === 'string' && name.length > MAX_CRONJOB_NAME_LENGTH) {
    errs.push(field.invalid('metadata.name', name, `must be no more than ${MAX_CRONJOB_NAME_LENGTH} characters`));
  }
  return errs;
}
