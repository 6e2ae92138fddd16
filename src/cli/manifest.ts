// Reading manifests for `podnet apply -f` / `delete -f`: which files a path
// names (as kubectl's resource builder does without -R) and which objects a
// multi-document YAML (or JSON) text holds. Errors read like kubectl's.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { KubeObject } from '../api/types.js';
import { PodnetError } from '../errors.js';

/** The `-f -` marker: the caller reads standard input. */
export const STDIN = '-';

/** kubectl's FileExtensions: what a directory contributes. */
const MANIFEST_EXTENSIONS = ['.json', '.yaml', '.yml'];

export interface ManifestDoc {
  object: KubeObject;
  /** 0-based position of the YAML document in the source (List items share their List's) */
  index: number;
  /** 1-based line where the object starts */
  line: number;
}

export interface ManifestResult {
  docs: ManifestDoc[];
  errors: string[];
}

/**
 * go-yaml's wording for the parse errors people actually hit, keyed by the
 * `yaml` package's error codes; anything else keeps the package's message.
 */
const GO_YAML_MESSAGES: Record<string, string> = {
  BLOCK_AS_IMPLICIT_KEY: 'mapping values are not allowed in this context',
  MULTILINE_IMPLICIT_KEY: 'could not find expected \':\'',
  TAB_AS_INDENT: 'found character that cannot start any token',
  BAD_INDENT: 'did not find expected key',
  MISSING_CHAR: 'did not find expected node content',
  DUPLICATE_KEY: 'mapping key already defined',
};

/** How Go names a JSON value's type in "cannot unmarshal X into Go value". */
function goJSONType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v; // string, number
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** kubectl's meta.IsListType for manifests: a *List kind carrying items. */
function isList(obj: Record<string, unknown>): boolean {
  return typeof obj['kind'] === 'string' && obj['kind'].endsWith('List') && Array.isArray(obj['items']);
}

function missingFields(obj: Record<string, unknown>): string[] {
  const missing: string[] = [];
  if (typeof obj['apiVersion'] !== 'string' || obj['apiVersion'] === '') missing.push('apiVersion not set');
  if (typeof obj['kind'] !== 'string' || obj['kind'] === '') missing.push('kind not set');
  return missing;
}

/** utilerrors.NewAggregate formatting: one error bare, several in brackets. */
function aggregate(list: string[]): string {
  return list.length === 1 ? list[0]! : `[${list.join(', ')}]`;
}

function parseError(source: string, doc: Document.Parsed): string | undefined {
  const e = doc.errors[0];
  if (!e) return undefined;
  const pos = e.linePos?.[0];
  const where = pos ? `line ${pos.line}, column ${pos.col}` : 'line ?';
  // The package appends " at line L, column C:" and a code excerpt; keep the first sentence.
  const own = e.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '').trim();
  const message = GO_YAML_MESSAGES[e.code] ?? own;
  return `error parsing ${source}: error converting YAML to JSON: yaml: ${where}: ${message}`;
}

/**
 * Splits a manifest text into objects. Empty documents (`---` alone, comments)
 * are skipped; a `kind: List` contributes its items. `source` names the text
 * in errors (a file path, or "STDIN").
 */
export function readManifests(text: string, source: string): ManifestResult {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, merge: true, prettyErrors: true });
  const docs: ManifestDoc[] = [];
  const errors: string[] = [];
  const list = Array.isArray(parsed) ? parsed : [];
  // A text without any document at all parses to an EmptyStream.
  const lineOf = (offset: number | undefined): number => (offset === undefined ? 1 : lineCounter.linePos(offset).line);

  list.forEach((doc, index) => {
    const err = parseError(source, doc);
    if (err) {
      errors.push(err);
      return;
    }
    if (doc.contents === null) return;
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return;
    const line = lineOf(doc.contents.range?.[0]);
    const where = `(document ${index + 1}, line ${line})`;
    if (!isObject(value)) {
      errors.push(`unable to decode "${source}" ${where}: json: cannot unmarshal ${goJSONType(value)} into Go value of type map[string]interface {}`);
      return;
    }
    const push = (obj: Record<string, unknown>, objLine: number, objWhere: string): void => {
      const missing = missingFields(obj);
      if (missing.length > 0) {
        errors.push(`error validating "${source}": error validating data: ${aggregate(missing)} ${objWhere}`);
        return;
      }
      if (!isObject(obj['metadata'])) obj['metadata'] = {};
      docs.push({ object: obj as unknown as KubeObject, index, line: objLine });
    };
    if (isList(value)) {
      const itemNodes = (doc.get('items', true) as { items?: { range?: [number, number, number] }[] } | undefined)?.items ?? [];
      (value['items'] as unknown[]).forEach((item, i) => {
        const itemLine = lineOf(itemNodes[i]?.range?.[0]);
        const itemWhere = `(document ${index + 1}, line ${itemLine})`;
        if (!isObject(item)) {
          errors.push(`unable to decode "${source}" ${itemWhere}: json: cannot unmarshal ${goJSONType(item)} into Go value of type map[string]interface {}`);
          return;
        }
        push(item, itemLine, itemWhere);
      });
      return;
    }
    push(value, line, where);
  });
  return { docs, errors };
}

/**
 * The files `-f PATH` names: PATH itself, the *.json/*.yaml/*.yml files
 * directly in a directory (sorted, not recursive: kubectl without -R), or
 * [STDIN] for `-`. Throws PodnetError('ENOENT') like kubectl's
 * `the path "x" does not exist`.
 */
export function collectManifestFiles(path: string): string[] {
  if (path === STDIN) return [STDIN];
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new PodnetError('ENOENT', `the path "${path}" does not exist`);
  }
  if (!st.isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((e) => !e.isDirectory() && MANIFEST_EXTENSIONS.some((ext) => e.name.endsWith(ext)))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => join(path, name));
}
