// Shared helpers for the validators: reading untyped JSON safely (a manifest
// may carry a string where a number belongs; that must be a field error, never
// a throw), and rendering values the way Go's `%#v` does in upstream messages
// (`map[string]string{"app":"web"}`, `[]string{"10.0.0.1"}`), which
// errors.ts's JSON rendering cannot express.

import { FieldError, field } from '../../errors.js';
import { isPathSegmentName } from './names.js';

export const IMMUTABLE = 'field is immutable'; // apimachinery FieldImmutableErrorMsg
export const IS_NEGATIVE = 'must be greater than or equal to 0'; // apimachinery IsNegativeErrorMsg
export const NOT_INTEGER = 'must be an integer';
export const NOT_STRING = 'must be a string';
export const NOT_BOOLEAN = 'must be a boolean';
export const NOT_LIST = 'must be a list';
export const NOT_OBJECT = 'must be an object';

const TYPE_TEXT: Partial<Record<FieldError['type'], string>> = {
  FieldValueInvalid: 'Invalid value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueTooLong: 'Too long',
};

/** A field error whose value is already rendered (Go `%#v` text) or omitted. */
class RenderedFieldError extends FieldError {
  constructor(type: FieldError['type'], path: string, readonly rendered: string | undefined, detail: string) {
    super(type, path, rendered, detail);
  }
  override detailMessage(): string {
    const parts = [TYPE_TEXT[this.type] ?? 'Invalid value'];
    if (this.rendered !== undefined) parts.push(this.rendered);
    if (this.detail) parts.push(this.detail);
    return parts.join(': ');
  }
}

/** field.Invalid with a Go-rendered value. */
export function invalidGo(path: string, rendered: string, detail: string): FieldError {
  return new RenderedFieldError('FieldValueInvalid', path, rendered, detail);
}

/** field.Duplicate with a Go-rendered value. */
export function duplicateGo(path: string, rendered: string): FieldError {
  return new RenderedFieldError('FieldValueDuplicate', path, rendered, '');
}

/** field.NotSupported with a Go-rendered value. */
export function notSupportedGo(path: string, rendered: string, supported: string[]): FieldError {
  return new RenderedFieldError('FieldValueNotSupported', path, rendered, `supported values: ${supported.map((v) => JSON.stringify(v)).join(', ')}`);
}

/** field.TooLong: the value is never printed. */
export function tooLong(path: string, maxBytes: number): FieldError {
  return new RenderedFieldError('FieldValueTooLong', path, undefined, `must have at most ${maxBytes} bytes`);
}

// ---- untyped access ----

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The items of a list that are objects; anything else, or a value that is no list, yields none. */
export function objects(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

export function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** Field `key` of `o` when `o` is an object, else undefined. */
export function get(o: unknown, key: string): unknown {
  return isObj(o) ? o[key] : undefined;
}

/**
 * Reads an optional string. A value of the wrong type yields an error and
 * undefined, so callers carry on with "not set".
 */
export function optString(o: unknown, key: string, path: string, errs: FieldError[]): string | undefined {
  const v = get(o, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    errs.push(field.invalid(path, v, NOT_STRING));
    return undefined;
  }
  return v;
}

/** A string field as Go reads it: '' when absent, undefined when it is no string (reported as such). */
export function stringField(o: unknown, key: string, path: string, errs: FieldError[]): string | undefined {
  const before = errs.length;
  const v = optString(o, key, path, errs);
  return errs.length > before ? undefined : v ?? '';
}

/** A string field that must be set (`detail` says why when it is not) and be one segment of a REST path: a reference's kind or name. */
export function requiredPathSegment(o: unknown, key: string, path: string, errs: FieldError[], detail?: string): void {
  const v = stringField(o, key, path, errs);
  if (v === '') errs.push(field.required(path, detail));
  else if (v !== undefined) for (const m of isPathSegmentName(v)) errs.push(field.invalid(path, v, m));
}

export function optInt(o: unknown, key: string, path: string, errs: FieldError[]): number | undefined {
  const v = get(o, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    errs.push(field.invalid(path, v, NOT_INTEGER));
    return undefined;
  }
  return v;
}

export function optBool(o: unknown, key: string, path: string, errs: FieldError[]): boolean | undefined {
  const v = get(o, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') {
    errs.push(field.invalid(path, v, NOT_BOOLEAN));
    return undefined;
  }
  return v;
}

export function optList(o: unknown, key: string, path: string, errs: FieldError[]): unknown[] | undefined {
  const v = get(o, key);
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    errs.push(field.invalid(path, v, NOT_LIST));
    return undefined;
  }
  return v;
}

export function optObj(o: unknown, key: string, path: string, errs: FieldError[]): Obj | undefined {
  const v = get(o, key);
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) {
    errs.push(field.invalid(path, v, NOT_OBJECT));
    return undefined;
  }
  return v;
}

/** A string-to-string map (labels, selectors, data); non-string values are errors and dropped. */
export function optStringMap(o: unknown, key: string, path: string, errs: FieldError[]): Record<string, string> | undefined {
  const m = optObj(o, key, path, errs);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) {
    if (typeof v === 'string') out[k] = v;
    else errs.push(field.invalid(`${path}[${k}]`, v, NOT_STRING));
  }
  return out;
}

/** A list of strings; non-string items are errors and dropped. */
export function optStringList(o: unknown, key: string, path: string, errs: FieldError[]): string[] | undefined {
  const l = optList(o, key, path, errs);
  if (!l) return undefined;
  const out: string[] = [];
  l.forEach((v, i) => {
    if (typeof v === 'string') out.push(v);
    else errs.push(field.invalid(`${path}[${i}]`, v, NOT_STRING));
  });
  return out;
}

/** Structural equality of JSON values, treating absent and null fields alike (Go zero values). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || a === null) return b === undefined || b === null;
  if (b === undefined || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!deepEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

// ---- Go %#v rendering ----

/** Go %q of a string (close enough: JSON escaping matches for printable text). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

export function goStringMap(m: Record<string, string> | undefined | null): string {
  if (m === undefined || m === null) return 'map[string]string(nil)';
  // Go's fmt prints map keys sorted.
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(String(m[k]))}`).join(', ')}}`;
}

export function goStringSlice(a: readonly string[] | undefined | null, type = '[]string'): string {
  if (a === undefined || a === null) return `${type}(nil)`;
  return `${type}{${a.map((s) => goQuote(String(s))).join(', ')}}`;
}

/** A pointer inside a struct as `%#v` prints it: its type and an address (any will do), or nil. */
export function goPointer(type: string, set: boolean): string {
  return `(${type})(${set ? '0xc000000000' : 'nil'})`;
}

/** intstr.IntOrString as `%#v` prints it (Type 0 = Int, 1 = String). */
export function goIntOrString(v: unknown): string {
  if (typeof v === 'number') return `intstr.IntOrString{Type:0, IntVal:${v}, StrVal:""}`;
  if (typeof v === 'string') return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(v)}}`;
  return 'intstr.IntOrString{Type:0, IntVal:0, StrVal:""}';
}

/** metav1.LabelSelector as upstream prints it in "field is immutable" errors. */
export function goLabelSelector(sel: unknown): string {
  const ml = get(sel, 'matchLabels');
  const me = get(sel, 'matchExpressions');
  const labels = isObj(ml) ? (Object.fromEntries(Object.entries(ml).map(([k, v]) => [k, String(v)])) as Record<string, string>) : undefined;
  let exprs = '[]v1.LabelSelectorRequirement(nil)';
  if (Array.isArray(me)) {
    exprs = `[]v1.LabelSelectorRequirement{${me
      .map((r) => {
        const values = get(r, 'values');
        const vals = Array.isArray(values) ? goStringSlice(values.map(String)) : '[]string(nil)';
        return `v1.LabelSelectorRequirement{Key:${goQuote(String(get(r, 'key') ?? ''))}, Operator:${goQuote(String(get(r, 'operator') ?? ''))}, Values:${vals}}`;
      })
      .join(', ')}}`;
  }
  return `v1.LabelSelector{MatchLabels:${goStringMap(labels)}, MatchExpressions:${exprs}}`;
}

/**
 * Go's `%+v` of an unstructured value (what apimachinery decoded from JSON,
 * integers as int64): `map[spec:map[paused:true replicas:2]]`, sorted keys,
 * strings bare, lists `[a b]`, null `<nil>`.
 */
export function goPlusV(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goPlusV).join(' ')}]`;
  if (isObj(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goPlusV(v[k])}`).join(' ')}]`;
  return String(v);
}
