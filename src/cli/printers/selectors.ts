// Label maps and label selectors rendered as kubectl renders them
// (k8s.io/apimachinery/pkg/labels: FormatLabels, Selector.String();
// metav1.FormatLabelSelector).

import type { LabelSelector } from '../../api/types.js';

const NONE = '<none>';

function byKey(a: string, b: string): number { return a < b ? -1 : a > b ? 1 : 0; }

/** labels.FormatLabels: `k=v` sorted by key and comma-joined; `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort(byKey);
  if (keys.length === 0) return NONE;
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/**
 * metav1.LabelSelectorAsSelector(sel).String(): requirements sorted by key;
 * matchLabels as `k=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`. An empty or
 * missing selector prints as the empty string.
 */
export function selectorString(sel: LabelSelector | undefined): string {
  if (!sel) return '';
  const reqs: { key: string; text: string }[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key: k, text: `${k}=${v}` });
  for (const e of sel.matchExpressions ?? []) {
    const values = [...new Set(e.values ?? [])].sort(byKey).join(',');
    switch (e.operator) {
      case 'In': reqs.push({ key: e.key, text: `${e.key} in (${values})` }); break;
      case 'NotIn': reqs.push({ key: e.key, text: `${e.key} notin (${values})` }); break;
      case 'Exists': reqs.push({ key: e.key, text: e.key }); break;
      case 'DoesNotExist': reqs.push({ key: e.key, text: `!${e.key}` }); break;
    }
  }
  // Stable sort by key only, as labels.internalSelector sorts ByKey.
  return reqs.sort((a, b) => byKey(a.key, b.key)).map((r) => r.text).join(',');
}

/** metav1.FormatLabelSelector: the selector's string, `<none>` for an empty or missing one (which select all and nothing). */
export function formatLabelSelector(sel: LabelSelector | undefined): string {
  return selectorString(sel) || NONE;
}
