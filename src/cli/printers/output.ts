// `-o json`, `-o yaml` and `-o name`, byte for byte as kubectl prints them.
// kubectl get decodes into unstructured maps, so Go's encoders emit every
// object's keys in sorted order; json.MarshalIndent indents by 4 spaces and
// escapes <, > and & (HTML-safe); YAML comes from go-yaml v2 (YAML 1.1
// quoting, block sequences not indented under their key).

import { yaml } from '../lazy-yaml.js';
import type { KubeObject } from '../../api/types.js';
import { kindSlashName } from './resource-name.js';

export { kindSlashName, kindQualifier } from './resource-name.js';

export type OutputFormat = 'json' | 'yaml' | 'name';

export interface OutputOptions {
  /** one object was asked for by name: print it alone rather than in a List */
  single: boolean;
}

const JSON_INDENT = '    ';


/** Recursively sorts object keys (Go marshals map[string]interface{} sorted). */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** What kubectl wraps several objects in (an untyped v1 List). */
export function asList(objects: readonly KubeObject[]): Record<string, unknown> {
  return { apiVersion: 'v1', items: [...objects], kind: 'List', metadata: { resourceVersion: '' } };
}

/** What Go's encoder escapes in strings by default (HTML-safe JSON): <, >, &, U+2028 and U+2029. */
const GO_JSON_ESCAPED = /[<>&\u2028\u2029]/g;

/**
 * encoding/json's text for a decoded object: keys sorted, Go's HTML escaping;
 * indent '' is json.Marshal's compact form, else json.MarshalIndent's.
 */
export function goJSON(value: unknown, indent = ''): string {
  return JSON.stringify(sortKeys(value), null, indent).replace(GO_JSON_ESCAPED, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** json.MarshalIndent(obj, "", "    ") + "\n", including Go's HTML escaping. */
export function toKubectlJSON(value: unknown): string {
  return `${goJSON(value, JSON_INDENT)}\n`;
}

/** YAML as kubectl -o yaml prints it (always newline-terminated). */
export function toKubectlYAML(value: unknown): string {
  return yaml().stringify(sortKeys(value), { version: '1.1', indentSeq: false, lineWidth: 0, minContentWidth: 0 });
}

/**
 * The text kubectl prints for `get -o json|yaml|name`. json/yaml print the
 * object itself when `single`, else a List; name prints one `kind/name` per
 * line. The result is newline-terminated ('' for name with no objects).
 */
export function printObjects(objects: readonly KubeObject[], format: OutputFormat, opts: OutputOptions): string {
  switch (format) {
    case 'name':
      return objects.map((o) => `${kindSlashName(o)}\n`).join('');
    case 'json':
      return toKubectlJSON(opts.single && objects.length === 1 ? objects[0] : asList(objects));
    case 'yaml':
      return toKubectlYAML(opts.single && objects.length === 1 ? objects[0] : asList(objects));
  }
}
