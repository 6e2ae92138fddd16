// Structural equality of JSON values, insensitive to key order. The store uses
// it to tell a no-op update (no new resourceVersion, no event) from a real one,
// and to decide whether metadata.generation moves.

/** `ignore`: object keys compared as if absent, at any depth (e.g. condition timestamps). */
export function deepEqual(a: unknown, b: unknown, ignore?: ReadonlySet<string>): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i], ignore)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  // undefined-valued keys are absent in JSON, so treat them as absent here too
  const counted = (o: Record<string, unknown>) => Object.keys(o).filter((k) => o[k] !== undefined && !ignore?.has(k));
  const ak = counted(ao);
  if (ak.length !== counted(bo).length) return false;
  for (const k of ak) if (!deepEqual(ao[k], bo[k], ignore)) return false;
  return true;
}

/** Keys that do not count as "spec" for metadata.generation (apimachinery bumps it on anything else). */
const NON_SPEC_KEYS = new Set(['metadata', 'status', 'kind', 'apiVersion']);

/** True when anything outside metadata/status differs: the rule for bumping metadata.generation. */
export function specChanged(oldObj: Record<string, unknown>, newObj: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(oldObj), ...Object.keys(newObj)]);
  for (const k of keys) {
    if (NON_SPEC_KEYS.has(k)) continue;
    if (!deepEqual(oldObj[k], newObj[k])) return true;
  }
  return false;
}
