// Strategic merge patch (kubectl patch's default type; k8s.io/apimachinery
// strategicpatch) for the kinds podnet serves. Like a JSON merge patch, but
// the lists whose Go field carries a patchMergeKey are merged element by
// element on that key (containers by name, a Service's ports by port), so
// `{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"v2"}]}}}}`
// changes one image instead of replacing every container with a bare one.
// Directives: `$patch: replace` (a map, or as a list element the list,
// replaced whole), `$patch: delete` (a
// list element or a map removed), `$retainKeys`, `$deleteFromPrimitiveList/F`;
// `$setElementOrder/F` orders a merged list (without it, merged lists keep
// the live order and new elements go last). Lists without a merge key are
// replaced, as upstream does for atomic lists.

import { jsonClone } from '../api/json-clone.js';
import { isObj } from '../api/validation/fields.js';

type Obj = Record<string, unknown>;

/** patchMergeKey of the list fields of core/v1, apps/v1, discovery/v1 and networking/v1 that have one */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  imagePullSecrets: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  conditions: 'type',
  ownerReferences: 'uid',
};
/** metadata.finalizers: a list of scalars merged as a set (patchStrategy merge; a Namespace's spec.finalizers is atomic) */
const isSetList = (path: readonly string[], field: string) => field === 'finalizers' && path[path.length - 1] === 'metadata';

/**
 * A container's ports merge on containerPort, a Service's on port; other
 * ports lists (EndpointSlice) are atomic. At an object's top level only a
 * ServiceAccount has lists: its secrets merge on name, its imagePullSecrets
 * are atomic (a pod spec's merge on name).
 */
function mergeKeyOf(path: readonly string[], field: string): string | undefined {
  if (path.length === 0) return field === 'secrets' ? 'name' : undefined;
  if (field !== 'ports') return MERGE_KEYS[field];
  const parent = path[path.length - 1];
  if (parent === 'containers' || parent === 'initContainers' || parent === 'ephemeralContainers') return 'containerPort';
  return path.length === 1 && path[0] === 'spec' ? 'port' : undefined;
}


const DELETE_FROM = '$deleteFromPrimitiveList/';
const ELEMENT_ORDER = '$setElementOrder/';

/** The patched value; undefined when the patch deletes it (`$patch: delete`). */
function merge(target: unknown, patch: unknown, path: readonly string[]): unknown {
  if (!isObj(patch)) return jsonClone(patch);
  if (patch.$patch === 'delete') return undefined;
  if (patch.$patch === 'replace') return withoutDirectives(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith(ELEMENT_ORDER)) {
      // an order without its list reorders the live list
      const field = key.slice(ELEMENT_ORDER.length);
      const mergeKey = mergeKeyOf(path, field);
      if (!(field in patch) && Array.isArray(value) && mergeKey && Array.isArray(out[field])) out[field] = inElementOrder(out[field] as unknown[], value, out[field] as unknown[], mergeKey);
      continue;
    }
    if (key.startsWith(DELETE_FROM)) {
      const field = key.slice(DELETE_FROM.length);
      const drop = Array.isArray(value) ? value : [];
      if (Array.isArray(out[field])) setList(out, field, (out[field] as unknown[]).filter((x) => !drop.includes(x)));
      continue;
    }
    if (value === null) { delete out[key]; continue; }
    if (Array.isArray(value)) {
      const live = out[key];
      let list = mergeList(live, value, path, key);
      const order = patch[`${ELEMENT_ORDER}${key}`];
      const mergeKey = mergeKeyOf(path, key);
      if (Array.isArray(order) && mergeKey && Array.isArray(live)) list = inElementOrder(list, order, live, mergeKey);
      setList(out, key, list);
      continue;
    }
    const merged = merge(out[key], value, [...path, key]);
    if (merged === undefined) delete out[key]; else out[key] = merged;
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys as unknown[]);
    for (const key of Object.keys(out)) if (!keep.has(key)) delete out[key];
  }
  return out;
}

function mergeList(current: unknown, patch: unknown[], path: readonly string[], field: string): unknown[] {
  // an element {$patch: replace} replaces the whole list with the others
  if (patch.some((p) => isObj(p) && p.$patch === 'replace')) {
    return patch.filter((p) => !(isObj(p) && p.$patch === 'replace')).map((p) => (isObj(p) ? withoutDirectives(p) : jsonClone(p)));
  }
  const key = mergeKeyOf(path, field);
  if (isSetList(path, field)) {
    const out = Array.isArray(current) ? [...current] : [];
    for (const v of patch) if (!out.includes(v)) out.push(v);
    return out;
  }
  if (!key || !Array.isArray(current)) return patch.filter((p) => !(isObj(p) && p.$patch === 'delete')).map((p) => merge(undefined, p, [...path, field]));
  const out = [...current];
  for (const p of patch) {
    if (!isObj(p)) continue;
    const at = out.findIndex((el) => isObj(el) && el[key] === p[key]);
    if (p.$patch === 'delete') { if (at >= 0) out.splice(at, 1); continue; }
    const merged = merge(at >= 0 ? out[at] : undefined, p, [...path, field]);
    if (at >= 0) out[at] = merged; else out.push(merged);
  }
  return out;
}

/**
 * `$setElementOrder/F`, as upstream's normalizeElementOrder: the elements it
 * names in its order, merged with the ones only the server has (in their
 * live order); at each step the server-only element goes first only when
 * the live list had both and it came first there (a new element goes
 * before it). The kubelet sends its conditions this way, so a condition
 * another controller set (a readiness gate's) keeps its place before the
 * kubelet's, as on a real node.
 */
function inElementOrder(merged: unknown[], order: unknown[], live: unknown[], key: string): unknown[] {
  const keyOf = (el: unknown) => (isObj(el) ? el[key] : undefined);
  const rank = new Map<unknown, number>();
  order.forEach((o, i) => { if (!rank.has(keyOf(o))) rank.set(keyOf(o), i); });
  const liveIndex = new Map<unknown, number>();
  live.forEach((el, i) => { if (!liveIndex.has(keyOf(el))) liveIndex.set(keyOf(el), i); });
  const listed = merged.filter((el) => rank.has(keyOf(el))).sort((a, b) => rank.get(keyOf(a))! - rank.get(keyOf(b))!);
  const serverOnly = merged.filter((el) => !rank.has(keyOf(el)));
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < listed.length || j < serverOnly.length) {
    if (j >= serverOnly.length) { out.push(listed[i++]); continue; }
    if (i >= listed.length) { out.push(serverOnly[j++]); continue; }
    const li = liveIndex.get(keyOf(listed[i]));
    const ri = liveIndex.get(keyOf(serverOnly[j]));
    if (li !== undefined && ri !== undefined && ri < li) out.push(serverOnly[j++]);
    else out.push(listed[i++]);
  }
  return out;
}

/**
 * A list the patch emptied is dropped, as Go's omitempty drops an empty slice
 * from the stored object (an orphaned pod has no ownerReferences, not []).
 */
function setList(out: Obj, key: string, list: unknown[]): void {
  if (list.length === 0 && Array.isArray(out[key]) && (out[key] as unknown[]).length > 0) delete out[key];
  else out[key] = list;
}

function withoutDirectives(patch: Obj): Obj {
  const out: Obj = {};
  for (const [key, value] of Object.entries(patch)) if (!key.startsWith('$')) out[key] = jsonClone(value);
  return out;
}

export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  return merge(target, patch, []) ?? {};
}
