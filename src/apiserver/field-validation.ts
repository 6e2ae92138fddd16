// Server-side field validation (`?fieldValidation=`), as kube-apiserver does
// it since 1.27: a field the kind's schema does not know is dropped
// (Ignore), dropped and reported in a `Warning` header (Warn, the default for
// a request that does not say) or refused with 400 (Strict, what kubectl
// sends unless told `--validate=warn|ignore|false`).

import { apiErrors, field } from '../errors.js';
import type { KubeObject } from '../api/types.js';
import type { ResourceInfo } from '../api/resources.js';
import { schemaOf, unknownFields } from '../api/known-fields.js';
import type { WriteMode } from '../store/store.js';

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';
const DIRECTIVES: readonly string[] = ['Ignore', 'Warn', 'Strict'];

/**
 * What an HTTP write asked for. In-process writes (the daemon's own
 * controllers, which only write fields they know) carry none and are not
 * walked at all.
 */
export interface RequestMode extends WriteMode {
  fieldValidation?: FieldValidation;
  /** Warn's findings, for the answer's Warning header */
  warnings?: string[];
}

const OPTIONS_KIND: Record<string, string> = { POST: 'CreateOptions', PUT: 'UpdateOptions', PATCH: 'PatchOptions' };

/** The query's directive; '' or absent is Warn. Anything else is refused as upstream's options validation does. */
export function fieldValidationOf(query: URLSearchParams, method: string): FieldValidation {
  const value = query.get('fieldValidation') ?? '';
  if (value === '') return 'Warn';
  if (DIRECTIVES.includes(value)) return value as FieldValidation;
  throw apiErrors.invalid(OPTIONS_KIND[method] ?? 'CreateOptions', 'meta.k8s.io', '', [
    field.notSupported('fieldValidation', value, ['', ...DIRECTIVES]),
  ]);
}

/** Drops the fields `obj`'s kind does not know, then refuses (Strict) or records them (Warn). */
export function checkFields(info: ResourceInfo, obj: KubeObject, mode: RequestMode): void {
  const directive = mode.fieldValidation;
  if (!directive) return;
  const schema = schemaOf(info.kind);
  if (!schema) return;
  const unknown = unknownFields(schema, obj, directive !== 'Strict');
  if (unknown.length === 0) return;
  if (directive === 'Strict') {
    const list = unknown.map((p) => `unknown field ${JSON.stringify(p)}`).join(', ');
    throw apiErrors.badRequest(`${info.kind} in version ${JSON.stringify(info.version)} cannot be handled as a ${info.kind}: strict decoding error: ${list}`);
  }
  if (directive === 'Warn') (mode.warnings ??= []).push(...unknown.map((p) => `unknown field ${JSON.stringify(p)}`));
}

/**
 * RFC 7234 §5.5 warn-values with code 299 (miscellaneous persistent
 * warning) and agent "-", as kube-apiserver writes them; one header, values
 * separated by commas.
 */
export function warningHeader(warnings: readonly string[]): string {
  return warnings.map((w) => `299 - "${w.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(', ');
}
