// Server-side field validation (`?fieldValidation=`), as kube-apiserver does
// it since 1.27: a field the kind's schema does not know is dropped
// (Ignore), dropped and reported in a `Warning` header (Warn, the default for
// a request that does not say) or refused with 400 (Strict, what kubectl
// sends unless told `--validate=warn|ignore|false`).

import { apiErrors, field } from '../errors.js';
import type { KubeObject } from '../api/types.js';
import { jsonClone } from '../api/json-clone.js';
import { stableJson } from '../api/stable-json.js';
import { goPlusV, goQuote, invalidGo } from '../api/validation/fields.js';
import type { PatchType } from './registry.js';
import { schemaOf, unknownFields, type FieldValidation, type ObjectFields } from '../api/known-fields.js';
import type { WriteMode } from '../store/store.js';

const DIRECTIVES: readonly FieldValidation[] = ['Ignore', 'Warn', 'Strict'];
/** as upstream lists them in its refusal (a sorted set) */
const SUPPORTED = ['', ...DIRECTIVES].sort();

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
  if ((DIRECTIVES as readonly string[]).includes(value)) return value as FieldValidation;
  throw apiErrors.invalid(OPTIONS_KIND[method] ?? 'CreateOptions', 'meta.k8s.io', '', [
    field.notSupported('fieldValidation', value, SUPPORTED),
  ]);
}

/**
 * Drops the fields `obj`'s kind does not know and records them under Warn;
 * under Strict leaves `obj` alone and returns their paths.
 */
function dropUnknown(schema: ObjectFields | undefined, obj: unknown, mode: RequestMode): string[] | undefined {
  const directive = mode.fieldValidation;
  if (!directive || !schema) return undefined;
  const unknown = unknownFields(schema, obj, directive !== 'Strict');
  if (unknown.length === 0) return undefined;
  if (directive === 'Strict') return unknown;
  if (directive === 'Warn') (mode.warnings ??= []).push(...unknown.map(unknownFieldText));
  return undefined;
}

const unknownFieldText = (path: string) => `unknown field ${JSON.stringify(path)}`;
const strictText = (unknown: readonly string[]) => `strict decoding error: ${unknown.map(unknownFieldText).join(', ')}`;

/**
 * A created or replaced object (the request body): Strict refuses unknown fields as upstream's decoder does, with 400.
 * `schema`: the kind's fields when they are not in known-fields.ts (the authorization reviews, which are never stored).
 */
export function checkFields(kind: string, version: string, obj: unknown, mode: RequestMode, schema = schemaOf(kind)): void {
  const unknown = dropUnknown(schema, obj, mode);
  if (unknown) throw apiErrors.badRequest(`${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: ${strictText(unknown)}`);
}

/**
 * A patched object: Strict refuses as upstream's patcher does, with 422 on
 * `patch`, its value the patched object's JSON (a merge or JSON patch) or
 * the patch as Go prints a map (a strategic merge patch).
 */
export function checkPatchedFields(kind: string, patched: unknown, patch: unknown, type: PatchType, mode: RequestMode): void {
  const unknown = dropUnknown(schemaOf(kind), patched, mode);
  if (!unknown) return;
  const value = type === 'strategic' ? goPlusV(patch) : stableJson(patched);
  throw apiErrors.invalid('', '', '', [invalidGo('patch', goQuote(value), strictText(unknown))]);
}

/**
 * The stored object as a patch's base: without unknown fields a build before
 * field validation may have kept (upstream never shows them: decoding from
 * etcd drops them), so a Strict patch is judged on what it brings.
 */
export function patchBase<T extends KubeObject>(kind: string, stored: T, mode: RequestMode): T {
  const schema = mode.fieldValidation ? schemaOf(kind) : undefined;
  if (!schema || unknownFields(schema, stored, false).length === 0) return stored;
  const copy = jsonClone(stored);
  unknownFields(schema, copy, true);
  return copy;
}
