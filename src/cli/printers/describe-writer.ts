// The building blocks of `kubectl describe` (k8s.io/kubectl/pkg/describe):
// a prefix writer that indents by two spaces per level, the multi-line label
// and annotation blocks, and the Events table. Text is collected with tabs and
// aligned at the end by the same tabwriter settings kubectl uses
// (minwidth 0, padding 2), so alignment follows tabwriter's column blocks.

import type { EndpointSlice, Event, KubeObject, Pod, ReplicaSet, Secret, Service } from '../../api/types.js';
import { controllerRefOf } from '../../controllers/controller-ref.js';
import { ageSince, toMillis, type Instant } from './age.js';
import { alignTabs, DESCRIBE_TABWRITER } from './tabwriter.js';

export const LEVEL_0 = 0;
export const LEVEL_1 = 1;
export const LEVEL_2 = 2;
export const LEVEL_3 = 3;

/** Annotation lines longer than this are folded (describe.go maxAnnotationLen). */
const MAX_ANNOTATION_LEN = 140;
/** Never shown by describe: it repeats the whole object. */
const SKIP_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);

/** What some describers need besides the object and its events. */
export interface DescribeRelated {
  /** EndpointSlices of the namespace (or just the Service's); Services and Ingresses use them */
  endpointSlices?: readonly EndpointSlice[];
  /** Pods: a Node lists its non-terminated pods, a StatefulSet or ReplicaSet counts its pods by phase, a claim names the namespace's pods that mount it */
  pods?: readonly Pod[];
  /** ReplicaSets of the namespace: a Deployment names its own, new and old */
  replicaSets?: readonly ReplicaSet[];
  /** Services of the namespace: an Ingress maps backend port numbers to port names */
  services?: readonly Service[];
  /** Secrets of the namespace: a ServiceAccount marks the names it lists that none has, and lists its token Secrets */
  secrets?: readonly Secret[];
}

export function nsOf(obj: KubeObject): string { return obj.metadata.namespace ?? ''; }

/** printController: the `Controlled By:  Kind/name` line, for an object that has a controller. */
export function printControlledBy(w: PrefixWriter, obj: KubeObject): void {
  const controller = controllerRefOf(obj);
  if (controller) w.write(LEVEL_0, `Controlled By:\t${controller.kind}/${controller.name}\n`);
}

/** A field podnet's types leave untyped (upstream has it; podnet passes it through). */
export function untyped<T>(o: object | undefined, name: string): T | undefined {
  return o ? ((o as Record<string, unknown>)[name] as T | undefined) : undefined;
}

export class PrefixWriter {
  private readonly parts: string[] = [];

  write(level: number, text: string): void {
    this.parts.push('  '.repeat(level) + text);
  }

  /** Go's fmt.Sprintln of one value: the value and a newline. */
  writeLine(text: string): void {
    this.parts.push(`${text}\n`);
  }

  /** The aligned text, as tabbedString returns it. */
  toString(): string {
    return alignTabs(this.parts.join(''), DESCRIBE_TABWRITER);
  }
}

function sortedKeys(map: Record<string, string> | undefined): string[] {
  return Object.keys(map ?? {}).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** printLabelsMultilineWithIndent: first label on the title line, the rest below it. */
export function printLabelsMultiline(w: PrefixWriter, title: string, labels: Record<string, string> | undefined, initialIndent = '', innerIndent = '\t'): void {
  w.write(LEVEL_0, `${initialIndent}${title}:${innerIndent}`);
  const keys = sortedKeys(labels);
  if (keys.length === 0) {
    w.writeLine('<none>');
    return;
  }
  keys.forEach((key, i) => {
    if (i !== 0) w.write(LEVEL_0, `${initialIndent}${innerIndent}`);
    w.write(LEVEL_0, `${key}=${labels![key]}\n`);
  });
}

/** printAnnotationsMultiline: `key: value`, long or multi-line values folded below the key. */
export function printAnnotationsMultiline(w: PrefixWriter, title: string, annotations: Record<string, string> | undefined): void {
  w.write(LEVEL_0, `${title}:\t`);
  const keys = sortedKeys(annotations).filter((k) => !SKIP_ANNOTATIONS.has(k));
  if (keys.length === 0) {
    w.writeLine('<none>');
    return;
  }
  const indent = '\t';
  keys.forEach((key, i) => {
    if (i !== 0) w.write(LEVEL_0, indent);
    const value = annotations![key]!.replace(/\n$/, '');
    if (value.length + key.length + 2 > MAX_ANNOTATION_LEN || value.includes('\n')) {
      w.write(LEVEL_0, `${key}:\n`);
      for (const s of value.split('\n')) {
        const max = MAX_ANNOTATION_LEN - 2;
        w.write(LEVEL_0, `${indent}  ${s.length > max ? `${s.slice(0, max)}...` : s}\n`);
      }
    } else {
      w.write(LEVEL_0, `${key}: ${value}\n`);
    }
  });
}

interface EventSeries { count?: number; lastObservedTime?: string }

function eventField<T>(e: Event, name: string): T | undefined {
  return e[name] as T | undefined;
}

/** event.SortableEvents: series time, else lastTimestamp, else eventTime. */
function eventSortTime(e: Event): number {
  const series = eventField<EventSeries>(e, 'series');
  const t = series?.lastObservedTime ?? e.lastTimestamp ?? eventField<string>(e, 'eventTime');
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? -Infinity : ms;
}

/** DescribeEvents: `Events:  <none>` or the Type/Reason/Age/From/Message table, oldest first. */
export function describeEvents(events: readonly Event[], w: PrefixWriter, now: Instant): void {
  if (events.length === 0) {
    w.write(LEVEL_0, 'Events:\t<none>\n');
    return;
  }
  const nowMs = toMillis(now);
  const sorted = [...events].sort((a, b) => eventSortTime(a) - eventSortTime(b));
  w.write(LEVEL_0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n');
  w.write(LEVEL_1, '----\t------\t----\t----\t-------\n');
  for (const e of sorted) {
    const eventTime = eventField<string>(e, 'eventTime');
    const first = eventTime ? ageSince(eventTime, nowMs) : ageSince(e.firstTimestamp, nowMs);
    const series = eventField<EventSeries>(e, 'series');
    let interval = first;
    if (series) interval = `${ageSince(series.lastObservedTime, nowMs)} (x${series.count ?? 0} over ${first})`;
    else if ((e.count ?? 0) > 1) interval = `${ageSince(e.lastTimestamp, nowMs)} (x${e.count} over ${first})`;
    const source = e.source?.component || eventField<string>(e, 'reportingController') || e.reportingComponent || '';
    w.write(LEVEL_1, `${e.type ?? ''}\t${e.reason ?? ''}\t${interval}\t${source}\t${(e.message ?? '').trim()}\n`);
  }
}

/** A workload's own pods by phase, as kubectl's getPodStatusForController words them (Pending is "Waiting"). */
export function podPhaseCounts(owner: KubeObject, pods: readonly Pod[]): string {
  const counts = { Running: 0, Pending: 0, Succeeded: 0, Failed: 0 };
  for (const p of pods) {
    const ref = controllerRefOf(p);
    if (!ref || ref.uid !== owner.metadata.uid) continue;
    const phase = p.status?.phase;
    if (phase && phase in counts) counts[phase as keyof typeof counts]++;
  }
  return `${counts.Running} Running / ${counts.Pending} Waiting / ${counts.Succeeded} Succeeded / ${counts.Failed} Failed`;
}
