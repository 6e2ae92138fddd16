// JSON Merge Patch, RFC 7386 section 2: objects merge recursively, null
// removes a member, anything else (arrays included) replaces. Strategic merge
// patch, which merges some lists by key, is strategic-merge-patch.ts.

import { jsonClone } from '../api/json-clone.js';

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return jsonClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

