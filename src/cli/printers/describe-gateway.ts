// `kubectl describe` of the Gateway API kinds, which kubectl describes as it
// does any custom resource (describe.go's genericDescriber): the name,
// namespace, labels and annotations, then the whole object as nested fields
// (keys sorted, each turned into words by smartLabelFor), then the events.
// describe.ts's generic describer prints the header and events; this file the fields.

import type { KubeObject } from '../../api/types.js';
import { isObj, type Obj } from '../../api/validation/fields.js';
import { LEVEL_0, type PrefixWriter } from './describe-writer.js';

/** What the header already showed, and managedFields, which describe never prints. */
const SKIPPED = new Set(['.metadata.managedFields', '.metadata.name', '.metadata.namespace', '.metadata.labels', '.metadata.annotations']);
/** Words smartLabelFor prints in capitals. */
const ACRONYMS = new Set(['API', 'URL', 'UID', 'OSB', 'GUID']);

/**
 * smartLabelFor: `gatewayClassName` → `Gateway Class Name`, `apiVersion` →
 * `API Version`; a key with anything but letters and '-' is printed as it is.
 */
export function smartLabel(key: string): string {
  if (/[^\p{L}-]/u.test(key)) return key;
  // camelcase.Split: runs of lower-case and of upper-case letters, an upper-case run giving its last letter to the lower-case run after it
  const parts = key.match(/\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?\p{Ll}+|\p{Lu}+|[^\p{L}]+/gu) ?? [key];
  return parts.map((p) => (ACRONYMS.has(p.toUpperCase()) ? p.toUpperCase() : p.charAt(0).toUpperCase() + p.slice(1))).join(' ');
}

/** Go's %v of a JSON scalar in an unstructured object. */
function scalarText(v: unknown): string {
  return v === null || v === undefined ? '<nil>' : String(v);
}

/** printUnstructuredContent: maps open a level, a list's maps follow one another a level down, scalars are `Label:\tvalue`. */
function printContent(w: PrefixWriter, level: number, content: Obj, path: string): void {
  for (const key of Object.keys(content).sort()) {
    const value = content[key];
    const at = `${path}.${key}`;
    if (SKIPPED.has(at)) continue;
    if (isObj(value)) {
      w.write(level, `${smartLabel(key)}:\n`);
      printContent(w, level + 1, value, at);
    } else if (Array.isArray(value)) {
      w.write(level, `${smartLabel(key)}:\n`);
      for (const item of value) {
        if (isObj(item)) printContent(w, level + 1, item, at);
        else w.write(level + 1, `${scalarText(item)}\n`);
      }
    } else {
      w.write(level, `${smartLabel(key)}:\t${scalarText(value)}\n`);
    }
  }
}

/**
 * The body of a GatewayClass, Gateway, HTTPRoute or ReferenceGrant as kubectl
 * describes a custom resource: the whole object as nested fields, less what
 * describe.ts's header already showed.
 */
export function printCustomResourceContent(w: PrefixWriter, obj: KubeObject): void {
  printContent(w, LEVEL_0, obj as unknown as Obj, '');
}
