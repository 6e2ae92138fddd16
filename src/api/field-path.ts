// Downward API field paths (upstream's fieldpath package): shared by the
// validation of env vars and volume items and by the agent that fills them.

/**
 * SplitMaybeSubscriptedPath: `metadata.labels['a[b]c']` → ['metadata.labels',
 * 'a[b]c']: split at the first `['`, ending in `']`, with something before it.
 */
export function splitSubscript(fieldPath: string): [string, string] | undefined {
  if (!fieldPath.endsWith("']")) return undefined;
  const open = fieldPath.indexOf("['");
  if (open <= 0 || open + 2 > fieldPath.length - 2) return undefined;
  return [fieldPath.slice(0, open), fieldPath.slice(open + 2, -2)];
}
