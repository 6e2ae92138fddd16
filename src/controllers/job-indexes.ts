// An Indexed Job's completion indexes: the one a pod carries, and
// status.completedIndexes written and read back as upstream's ordered
// intervals ("0-2,4").

import type { Pod } from '../api/types.js';

/** an Indexed Job's pod's index: annotation and label (batch.JobCompletionIndexAnnotation) */
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';

/** An Indexed Job's pod's index, or undefined when it has none that parses. */
export function completionIndexOf(pod: Pod): number | undefined {
  const text = pod.metadata.annotations?.[JOB_COMPLETION_INDEX];
  return text !== undefined && /^(0|[1-9]\d*)$/.test(text) ? Number(text) : undefined;
}

/** Indexes as status.completedIndexes writes them: sorted, runs of three or more as ranges... and of two too ("0-1"), as upstream's String(). */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : `${sorted[i]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** status.completedIndexes read back; what does not parse, or lies at or beyond `completions`, is dropped (parseIndexesFromString). */
export function parseIndexes(text: string | undefined, completions: number): number[] {
  const out = new Set<number>();
  for (const part of (text ?? '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const from = Number(m[1]);
    const to = Math.min(Number(m[2] ?? m[1]), completions - 1);
    for (let i = from; i <= to; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}
