// The patch `podnet apply` sends for an object that exists: kubectl's
// client-side three-way merge, as a JSON merge patch (RFC 7386).
//   original: the manifest applied last time (the last-applied annotation)
//   modified: the manifest applied now
//   current:  the live object
// The patch sets what the manifest sets where the live object differs, and
// removes (null) what the last manifest set and this one no longer does.
// Fields the manifests never set (spec.replicas after `podnet scale`, labels
// another tool added, clusterIP, status) are left as they are, which a PUT of
// the manifest would not do.
//
// kubectl merges built-in kinds with a strategic merge patch, which merges
// some lists element by element (containers by name, ports by port). A JSON
// merge patch replaces a list as a whole, so a list is left alone when the
// live one still holds what the manifest says (the server only added defaults
// to its elements, e.g. a container's imagePullPolicy) and otherwise replaced
// by the manifest's: a changed list loses what others put inside it, the one
// place where this differs from kubectl. A list the manifest itself changed
// is sent whole, so fields it dropped inside an element go too.

import { isObj } from '../api/validation/fields.js';
import { deepEqual } from '../store/deep-equal.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const isObject = isObj as (v: unknown) => v is JsonObject;

/** Whether `live` holds everything `wanted` says: equal scalars, lists of the same length whose elements hold, objects whose every key holds. */
function holds(wanted: Json | undefined, live: Json | undefined): boolean {
  if (Array.isArray(wanted)) {
    return Array.isArray(live) && live.length === wanted.length && wanted.every((w, i) => holds(w, live[i]));
  }
  if (isObject(wanted)) {
    return isObject(live) && Object.keys(wanted).every((k) => holds(wanted[k], live[k]));
  }
  return wanted === live;
}

/** The changes that take current to modified, for the keys modified has (never deletions). */
function changes(modified: JsonObject, current: JsonObject | undefined): JsonObject {
  const patch: JsonObject = {};
  for (const [key, want] of Object.entries(modified)) {
    const live = current?.[key];
    if (isObject(want) && isObject(live)) {
      const inner = changes(want, live);
      if (Object.keys(inner).length > 0) patch[key] = inner;
    } else if (!holds(want, live)) {
      patch[key] = want;
    }
  }
  return patch;
}

/**
 * null for each key original has and modified has not, recursing into
 * objects both have; a list the manifest changed is sent whole, so that what
 * it no longer says inside an element (a container's command, a probe) goes.
 */
function deletions(original: JsonObject, modified: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const [key, was] of Object.entries(original)) {
    if (!(key in modified)) { patch[key] = null; continue; }
    const now = modified[key]!;
    if (isObject(was) && isObject(now)) {
      const inner = deletions(was, now);
      if (Object.keys(inner).length > 0) patch[key] = inner;
    } else if (Array.isArray(was) && Array.isArray(now) && !deepEqual(was, now)) {
      patch[key] = now;
    }
  }
  return patch;
}

/** Merges b into a (both patches; b wins on scalars, objects merge). */
function mergePatches(a: JsonObject, b: JsonObject): JsonObject {
  const out: JsonObject = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const mine = out[key];
    out[key] = isObject(mine) && isObject(value) ? mergePatches(mine, value) : value;
  }
  return out;
}

/** The merge patch for `podnet apply`; `{}` means nothing to change (kubectl's "unchanged"). */
export function threeWayMergePatch(original: JsonObject | undefined, modified: JsonObject, current: JsonObject): JsonObject {
  const patch = changes(modified, current);
  return original ? mergePatches(deletions(original, modified), patch) : patch;
}

export function isEmptyPatch(patch: JsonObject): boolean {
  return Object.keys(patch).length === 0;
}
