// Field selectors (`metadata.name=web,spec.nodeName!=node-1`) as the API server
// parses them (apimachinery fields.ParseSelector): comma-separated terms, each
// `key=value`, `key==value` or `key!=value`, all of which must hold. Only the
// field labels a kind registers are accepted; others are a 400 with upstream's
// message "field label not supported: X".

import type { KubeObject } from '../api/types.js';

export interface FieldRequirement { field: string; op: '=' | '!='; value: string }

type Getter = (obj: KubeObject) => string;

const dig = (path: string[]): Getter => (obj) => {
  let v: unknown = obj;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v === undefined || v === null ? '' : String(v);
};

const COMMON: Record<string, Getter> = {
  'metadata.name': (o) => o.metadata.name ?? '',
  'metadata.namespace': (o) => o.metadata.namespace ?? '',
};

/** Per-kind field labels (upstream's *ToSelectableFields / AddFieldLabelConversionFunc). */
const BY_PLURAL: Record<string, Record<string, Getter>> = {
  pods: {
    'spec.nodeName': dig(['spec', 'nodeName']),
    'spec.restartPolicy': dig(['spec', 'restartPolicy']),
    'spec.schedulerName': dig(['spec', 'schedulerName']),
    'spec.serviceAccountName': dig(['spec', 'serviceAccountName']),
    'spec.hostNetwork': (o) => String(!!(o.spec as { hostNetwork?: boolean } | undefined)?.hostNetwork),
    'status.phase': dig(['status', 'phase']),
    'status.podIP': dig(['status', 'podIP']),
  },
  nodes: { 'spec.unschedulable': (o) => String(!!(o.spec as { unschedulable?: boolean } | undefined)?.unschedulable) },
  namespaces: { 'status.phase': dig(['status', 'phase']) },
  secrets: { type: dig(['type']) },
  services: { 'spec.clusterIP': dig(['spec', 'clusterIP']), 'spec.type': dig(['spec', 'type']) },
  events: {
    'involvedObject.kind': dig(['involvedObject', 'kind']),
    'involvedObject.namespace': dig(['involvedObject', 'namespace']),
    'involvedObject.name': dig(['involvedObject', 'name']),
    'involvedObject.uid': dig(['involvedObject', 'uid']),
    'involvedObject.apiVersion': dig(['involvedObject', 'apiVersion']),
    'involvedObject.resourceVersion': dig(['involvedObject', 'resourceVersion']),
    'involvedObject.fieldPath': dig(['involvedObject', 'fieldPath']),
    reason: dig(['reason']),
    type: dig(['type']),
    source: dig(['source', 'component']),
  },
};

export class FieldSelectorError extends Error {}

/** Parses the syntax only; throws FieldSelectorError on malformed input. */
export function parseFieldSelector(text: string): FieldRequirement[] {
  const reqs: FieldRequirement[] = [];
  for (const raw of text.split(',')) {
    const term = raw.trim();
    if (term === '') continue;
    const m = /^([^=!]+)(!=|==|=)(.*)$/.exec(term);
    if (!m) throw new FieldSelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
    const key = m[1]!.trim();
    if (key === '') throw new FieldSelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
    reqs.push({ field: key, op: m[2] === '!=' ? '!=' : '=', value: m[3]!.trim() });
  }
  return reqs;
}

/**
 * Compiles requirements for one plural into a predicate; throws
 * FieldSelectorError "field label not supported: X" for unknown fields.
 */
export function compileFieldSelector(plural: string, reqs: FieldRequirement[]): (obj: KubeObject) => boolean {
  if (reqs.length === 0) return () => true;
  const own = BY_PLURAL[plural] ?? {};
  const checks = reqs.map((r) => {
    const get = COMMON[r.field] ?? own[r.field];
    if (!get) throw new FieldSelectorError(`field label not supported: ${r.field}`);
    return { get, op: r.op, value: r.value };
  });
  return (obj) => checks.every((c) => (c.get(obj) === c.value) === (c.op === '='));
}

/** metadata.name=X as a single requirement, if the selector is exactly that (fast path for get-like watches). */
export function exactName(reqs: FieldRequirement[]): string | undefined {
  const names = reqs.filter((r) => r.field === 'metadata.name' && r.op === '=');
  return names.length === 1 ? names[0]!.value : undefined;
}
