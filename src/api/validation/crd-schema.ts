// What the API server does with a custom resource, for the kinds podnet
// serves as a cluster with their CRDs installed would (the Gateway API):
// structural defaulting from the schema's `default`s, then the OpenAPI v3
// checks (types, lengths, patterns, enums, bounds, item counts, required
// fields), then the uniqueness of `x-kubernetes-list-type` map and set items,
// then the `x-kubernetes-validations` (CEL) rules, written here as functions
// of `self` (and `oldSelf` for transition rules). Errors are worded as
// apiextensions-apiserver words them, field path first.

import { field, type FieldError } from '../../errors.js';
import { duplicateGo, goQuote, isObj, tooLong, type Obj } from './fields.js';

/**
 * An x-kubernetes-validations rule: `holds` is the CEL expression, false when
 * the rule fails, or the text of an evaluation error (CEL's `no such key`);
 * `transition` rules also read oldSelf and run on update only.
 */
export interface Rule {
  message: string;
  holds(self: unknown, oldSelf?: unknown): boolean | { error: string };
  transition?: boolean;
}

interface Common { default?: unknown; rules?: Rule[] }
export interface StringSchema extends Common { type: 'string'; minLength?: number; maxLength?: number; pattern?: string; enum?: string[] }
export interface IntegerSchema extends Common { type: 'integer'; minimum?: number; maximum?: number; enum?: number[] }
export interface BooleanSchema extends Common { type: 'boolean' }
export interface ObjectSchema extends Common {
  type: 'object';
  properties: Record<string, Schema>;
  required?: string[];
  /** a map's values (labels, TLS options) */
  additionalProperties?: Schema;
  maxProperties?: number;
}
export interface ArraySchema extends Common {
  type: 'array';
  items: Schema;
  minItems?: number;
  maxItems?: number;
  /** x-kubernetes-list-type: set items are unique, map items unique by mapKeys */
  listType?: 'set' | 'map';
  mapKeys?: string[];
}
export type Schema = StringSchema | IntegerSchema | BooleanSchema | ObjectSchema | ArraySchema;

export const str = (o: Omit<StringSchema, 'type'> = {}): StringSchema => ({ type: 'string', ...o });
export const int = (o: Omit<IntegerSchema, 'type'> = {}): IntegerSchema => ({ type: 'integer', ...o });
export const object = (properties: Record<string, Schema>, o: Omit<ObjectSchema, 'type' | 'properties'> = {}): ObjectSchema => ({ type: 'object', properties, ...o });
export const array = (items: Schema, o: Omit<ArraySchema, 'type' | 'items'> = {}): ArraySchema => ({ type: 'array', items, ...o });
/** A string-to-string map. */
export const stringMap = (o: Omit<ObjectSchema, 'type' | 'properties' | 'additionalProperties'> = {}, values: StringSchema = str()): ObjectSchema =>
  ({ type: 'object', properties: {}, additionalProperties: values, ...o });

/** CEL's has(): the field is set. */
export function has(o: unknown, key: string): boolean {
  return isObj(o) && o[key] !== undefined && o[key] !== null;
}

const unset = (v: unknown) => v === undefined || v === null;

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/**
 * Structural defaulting: an absent (or null) property with a default gets a
 * copy of it, and defaulting goes on inside it, as apiextensions' Default does.
 * Values of the wrong type are left alone, for validation to report.
 */
export function applySchemaDefaults(schema: Schema, value: unknown): void {
  if (schema.type === 'object' && isObj(value)) {
    for (const [key, prop] of Object.entries(schema.properties)) {
      if (unset(value[key]) && prop.default !== undefined) value[key] = clone(prop.default);
      if (!unset(value[key])) applySchemaDefaults(prop, value[key]);
    }
    if (schema.additionalProperties) for (const key of Object.keys(value)) if (!(key in schema.properties)) applySchemaDefaults(schema.additionalProperties, value[key]);
  } else if (schema.type === 'array' && Array.isArray(value)) {
    for (const item of value) applySchemaDefaults(schema.items, item);
  }
}

/** kube-openapi's name of a JSON value's type, as its "must be of type" errors print it. */
function jsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v === 'object' ? 'object' : typeof v;
}

function typeMatches(schema: Schema, v: unknown): boolean {
  switch (schema.type) {
    case 'string': return typeof v === 'string';
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'boolean': return typeof v === 'boolean';
    case 'object': return isObj(v);
    case 'array': return Array.isArray(v);
  }
}

const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');
/** Go's %#v of the key fields of a list-map item, as the duplicate error prints them. */
function goMapKeys(item: Obj, keys: readonly string[]): string {
  return `map[string]interface {}{${keys.map((k) => `${goQuote(k)}:${typeof item[k] === 'string' ? goQuote(item[k] as string) : String(item[k])}`).join(', ')}}`;
}

interface Found { errs: FieldError[]; blocking: boolean }

function openAPIErrors(schema: Schema, v: unknown, path: string, out: Found): void {
  if (!typeMatches(schema, v)) {
    out.errs.push(field.invalid(path, jsonType(v), `${path} in body must be of type ${schema.type}: ${goQuote(jsonType(v))}`));
    out.blocking = true;
    return;
  }
  switch (schema.type) {
    case 'string': {
      const s = v as string;
      if (schema.maxLength !== undefined && byteLength(s) > schema.maxLength) {
        out.errs.push(tooLong(path, schema.maxLength));
        out.blocking = true;
      }
      if (schema.minLength !== undefined && [...s].length < schema.minLength) out.errs.push(field.invalid(path, s, `${path} in body should be at least ${schema.minLength} chars long`));
      if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(s)) out.errs.push(field.invalid(path, s, `${path} in body should match '${schema.pattern}'`));
      if (schema.enum && !schema.enum.includes(s)) {
        out.errs.push(field.notSupported(path, s, schema.enum));
        out.blocking = true;
      }
      return;
    }
    case 'integer': {
      const n = v as number;
      if (schema.enum && !schema.enum.includes(n)) {
        out.errs.push(field.notSupported(path, n, schema.enum.map(String)));
        out.blocking = true;
      }
      if (schema.maximum !== undefined && n > schema.maximum) out.errs.push(field.invalid(path, n, `${path} in body should be less than or equal to ${schema.maximum}`));
      if (schema.minimum !== undefined && n < schema.minimum) out.errs.push(field.invalid(path, n, `${path} in body should be greater than or equal to ${schema.minimum}`));
      return;
    }
    case 'boolean': return;
    case 'array': {
      const a = v as unknown[];
      if (schema.maxItems !== undefined && a.length > schema.maxItems) {
        out.errs.push(field.tooMany(path, a.length, schema.maxItems));
        out.blocking = true;
      }
      if (schema.minItems !== undefined && a.length < schema.minItems) out.errs.push(field.invalid(path, a.length, `${path} in body should have at least ${schema.minItems} items`));
      a.forEach((item, i) => openAPIErrors(schema.items, item, `${path}[${i}]`, out));
      return;
    }
    case 'object': {
      const o = v as Obj;
      const keys = Object.keys(o).filter((k) => !unset(o[k]));
      if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) {
        out.errs.push(field.tooMany(path, keys.length, schema.maxProperties));
        out.blocking = true;
      }
      for (const name of schema.required ?? []) {
        if (unset(o[name])) {
          out.errs.push(field.required(join(path, name)));
          out.blocking = true;
        }
      }
      for (const [key, prop] of Object.entries(schema.properties)) if (!unset(o[key])) openAPIErrors(prop, o[key], join(path, key), out);
      if (schema.additionalProperties) for (const key of keys) if (!(key in schema.properties)) openAPIErrors(schema.additionalProperties, o[key], `${path}[${key}]`, out);
    }
  }
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** structurallisttype: a set's items, and a map's items by their keys, are unique. */
function listTypeErrors(schema: Schema, v: unknown, path: string, errs: FieldError[]): void {
  if (schema.type === 'array' && Array.isArray(v)) {
    const seen = new Set<string>();
    v.forEach((item, i) => {
      if (schema.listType === 'set') {
        const key = JSON.stringify(item);
        if (seen.has(key)) errs.push(field.duplicate(`${path}[${i}]`, item));
        seen.add(key);
      } else if (schema.listType === 'map' && isObj(item)) {
        const keys = schema.mapKeys ?? [];
        const key = JSON.stringify(keys.map((k) => item[k]));
        if (seen.has(key)) errs.push(duplicateGo(`${path}[${i}]`, goMapKeys(item, keys)));
        seen.add(key);
      }
      listTypeErrors(schema.items, item, `${path}[${i}]`, errs);
    });
  } else if (schema.type === 'object' && isObj(v)) {
    for (const [key, prop] of Object.entries(schema.properties)) listTypeErrors(prop, v[key], join(path, key), errs);
  }
}

/** The old value that goes with an item of a list-map (by its keys); atomic lists' items have none. */
function oldItem(schema: ArraySchema, item: unknown, old: unknown): unknown {
  if (schema.listType !== 'map' || !Array.isArray(old) || !isObj(item)) return undefined;
  const keys = schema.mapKeys ?? [];
  return old.find((o) => isObj(o) && keys.every((k) => o[k] === item[k]));
}

/** The CEL rules, each node's own before its children's (apiextensions' cel Validator). */
function celErrors(schema: Schema, v: unknown, old: unknown, path: string, errs: FieldError[]): void {
  if (unset(v) || !typeMatches(schema, v)) return;
  for (const rule of schema.rules ?? []) {
    if (rule.transition && unset(old)) continue;
    const result = rule.holds(v, old);
    if (result === false) errs.push(field.invalid(path, schema.type, rule.message));
    else if (result !== true) errs.push(field.invalid(path, schema.type, `${result.error} evaluating rule: ${rule.message}`));
  }
  if (schema.type === 'object') {
    const o = v as Obj;
    for (const [key, prop] of Object.entries(schema.properties)) celErrors(prop, o[key], isObj(old) ? old[key] : undefined, join(path, key), errs);
  } else if (schema.type === 'array') {
    (v as unknown[]).forEach((item, i) => celErrors(schema.items, item, oldItem(schema, item, old), `${path}[${i}]`, errs));
  }
}

/**
 * apiextensions' wording when an OpenAPI error (a missing field, a wrong type,
 * an unsupported value, too long or too many) keeps the CEL rules from running.
 */
const RULES_NOT_CHECKED = 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';

/**
 * Validates a defaulted custom resource (the whole object; metadata is the
 * caller's) against its schema, with `old` for transition rules on update.
 */
export function validateAgainstSchema(schema: ObjectSchema, obj: Obj, old?: Obj): FieldError[] {
  const found: Found = { errs: [], blocking: false };
  openAPIErrors(schema, obj, '', found);
  listTypeErrors(schema, obj, '', found.errs);
  if (found.blocking) return [...found.errs, field.invalid('<nil>', 'null', RULES_NOT_CHECKED)];
  celErrors(schema, obj, old, '', found.errs);
  return found.errs;
}
