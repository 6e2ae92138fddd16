// Reading manifests for `podnet apply -f` / `delete -f`: which files a path
// names (as kubectl's resource builder does without -R) and which objects a
// multi-document YAML (or JSON) text holds. Errors read like kubectl's.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Document, ScalarTag, Tags } from 'yaml';
import type { KubeObject } from '../api/types.js';
import { GO_OCTAL_INT, goOctalInt, readFastDocument } from './fast-yaml.js';
import { yaml } from './lazy-yaml.js';
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

/** lineOffset: lines of the whole text before the parsed one */
function parseError(source: string, doc: Document.Parsed, lineOffset: number): string | undefined {
  const e = doc.errors[0];
  if (!e) return undefined;
  const pos = e.linePos?.[0];
  const where = pos ? `line ${pos.line + lineOffset}, column ${pos.col}` : 'line ?';
  // The package appends " at line L, column C:" and a code excerpt; keep the first sentence.
  const own = e.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '').trim();
  const message = GO_YAML_MESSAGES[e.code] ?? own;
  return `error parsing ${source}: error converting YAML to JSON: yaml: ${where}: ${message}`;
}

/**
 * YAML 1.2 §9.1: a line that starts with `---` followed by white space or a
 * line break always starts a document, inside a block scalar, a quoted scalar
 * or an unclosed flow collection too; so the text between two such lines is
 * exactly one document of the stream.
 */
const DOCUMENT_START = /^---(?=[ \t\r\n]|$)/gm;
/**
 * What ties documents together or splits one without a `---` line: directives
 * (`%YAML`, `%TAG`, §6.8) apply to the next document, and a document end marker
 * (`...`, §9.1.2) may be followed by a bare document. Texts with either take
 * the whole-stream parser.
 */
const CROSS_DOCUMENT = /^(?:%|\.\.\.(?:[ \t\r\n]|$))/m;
/** Text before the first `---` line is a document only when it holds more than blank and comment lines. */
const NOTHING_BUT_COMMENTS = /^(?:\s*(?:#.*)?(?:\r?\n|$))*$/;
/**
 * A document's top-level `kind` line, read without parsing: documents whose
 * kind is plainly neither a Namespace nor a *List cannot hold a Namespace.
 */
const TOP_LEVEL_KIND = /^kind:[ \t]*(["']?)([A-Za-z0-9]+)\1[ \t]*(?:#.*)?\r?$/m;

/**
 * go-yaml's octal integers (`0400`, see GO_OCTAL_INT) for the `yaml` package.
 * It resolves a plain scalar by the first tag whose test matches, so this one
 * goes ahead of the core schema's decimal int; quoted scalars are never tested.
 */
const GO_OCTAL_INT_TAG: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  test: GO_OCTAL_INT,
  resolve: goOctalInt,
};

/** How the `yaml` package reads manifests (fast-yaml.ts reads them alike with js-yaml). */
export const PARSE_OPTIONS = {
  merge: true,
  prettyErrors: true,
  customTags: (tags: Tags): Tags => [GO_OCTAL_INT_TAG, ...tags],
} as const;
const TO_JS_OPTIONS = { maxAliasCount: 100 } as const;

interface Chunk {
  text: string;
  /** 1-based line of the chunk's first line in the whole text */
  line: number;
}

/** Decodes one parsed document into objects and errors; lineOf maps an offset in it to a line of the whole text. */
function decodeDocument(doc: Document.Parsed, index: number, source: string, lineOf: (offset: number | undefined) => number, out: ManifestResult): void {
  if (doc.contents === null) return;
  const itemLine = (i: number): number => {
    const itemNodes = (doc.get('items', true) as { items?: { range?: [number, number, number] }[] } | undefined)?.items ?? [];
    return lineOf(itemNodes[i]?.range?.[0]);
  };
  decodeValue(doc.toJS(TO_JS_OPTIONS), lineOf(doc.contents.range?.[0]), itemLine, index, source, out);
}

/** Decodes the value of one document (starting at `line` of the whole text) into objects and errors. */
function decodeValue(value: unknown, line: number, itemLine: (i: number) => number, index: number, source: string, out: ManifestResult): void {
  const { docs, errors } = out;
  if (value === null || value === undefined) return;
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
    (value['items'] as unknown[]).forEach((item, i) => {
      const objLine = itemLine(i);
      const itemWhere = `(document ${index + 1}, line ${objLine})`;
      if (!isObject(item)) {
        errors.push(`unable to decode "${source}" ${itemWhere}: json: cannot unmarshal ${goJSONType(item)} into Go value of type map[string]interface {}`);
        return;
      }
      push(item, objLine, itemWhere);
    });
    return;
  }
  push(value, line, where);
}

/** The whole-stream parse: one `parseAllDocuments` over the text (for texts the split cannot read; the reference in tests). */
export function readWholeStream(text: string, source: string): ManifestResult {
  const lineCounter = new (yaml().LineCounter)();
  const parsed = yaml().parseAllDocuments(text, { lineCounter, ...PARSE_OPTIONS });
  const out: ManifestResult = { docs: [], errors: [] };
  // A text without any document at all parses to an EmptyStream.
  const list = Array.isArray(parsed) ? parsed : [];
  const lineOf = (offset: number | undefined): number => (offset === undefined ? 1 : lineCounter.linePos(offset).line);
  list.forEach((doc, index) => {
    const err = parseError(source, doc, 0);
    if (err) out.errors.push(err);
    else decodeDocument(doc, index, source, lineOf, out);
  });
  return out;
}

/** The documents of a text split at its `---` lines, or undefined when only the whole-stream parser reads it right. */
function splitDocuments(text: string): Chunk[] | undefined {
  if (CROSS_DOCUMENT.test(text)) return undefined;
  const starts: number[] = [];
  for (const m of text.matchAll(DOCUMENT_START)) starts.push(m.index!);
  const chunks: Chunk[] = [];
  const first = text.slice(0, starts[0] ?? text.length);
  let line = 1;
  if (!NOTHING_BUT_COMMENTS.test(first)) chunks.push({ text: first, line });
  line += countLines(first);
  starts.forEach((start, i) => {
    const chunk = text.slice(start, starts[i + 1] ?? text.length);
    chunks.push({ text: chunk, line });
    line += countLines(chunk);
  });
  return chunks;
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * A manifest text whose documents are parsed one at a time, when asked for:
 * `podnet apply` sends the first objects while later documents still wait to
 * be parsed. Each document is parsed alone, as kubectl's YAML reader splits
 * the stream at `---` lines before decoding: the same objects, document
 * indexes, lines and messages as one `parseAllDocuments` over the whole text,
 * except that a broken document cannot swallow the next ones (the `yaml`
 * package lets an unterminated quoted value run on past a `---` line). A text
 * the split cannot read alone (directives, `...`) is parsed whole.
 */
export class LazyManifest {
  private readonly chunks: Chunk[] | undefined;
  private readonly results: (ManifestResult | undefined)[];
  private readonly whole: ManifestResult | undefined;

  constructor(text: string, readonly source: string) {
    this.chunks = splitDocuments(text);
    if (!this.chunks) this.whole = readWholeStream(text, source);
    this.results = new Array(this.chunks?.length ?? 0);
  }

  /** How many documents read() takes (a text parsed whole counts as one). */
  get length(): number { return this.chunks?.length ?? 1; }

  /**
   * Whether document i may hold an object of one of `kinds`, judged from its
   * text alone without parsing: false only for a document whose top-level
   * `kind:` line names another kind that is not a List.
   */
  mayHoldKind(i: number, kinds: ReadonlySet<string>): boolean {
    const chunk = this.chunks?.[i];
    if (!chunk) return true;
    const kind = TOP_LEVEL_KIND.exec(chunk.text)?.[2];
    return kind === undefined || kinds.has(kind) || kind.endsWith('List');
  }

  /** The objects of document i (parsed on the first call). */
  read(i: number): ManifestDoc[] {
    if (!this.chunks) return this.whole!.docs;
    let result = this.results[i];
    if (!result) {
      result = this.parseChunk(i, this.chunks[i]!);
      this.results[i] = result;
    }
    return result.docs;
  }

  /** Every document's errors in document order; reads the documents not read yet. */
  errors(): string[] {
    for (let i = 0; i < this.length; i++) this.read(i);
    if (this.whole) return this.whole.errors;
    return this.results.flatMap((r) => r!.errors);
  }

  private parseChunk(index: number, chunk: Chunk): ManifestResult {
    const out: ManifestResult = { docs: [], errors: [] };
    // js-yaml first (a quarter of the CPU); a List takes the `yaml` package too, for its items' lines
    const fast = readFastDocument(chunk.text);
    if (fast && !(fast.value && isList(fast.value))) {
      decodeValue(fast.value, chunk.line - 1 + fast.line, () => chunk.line, index, this.source, out);
      return out;
    }
    const lineCounter = new (yaml().LineCounter)();
    const doc = yaml().parseDocument(chunk.text, { lineCounter, ...PARSE_OPTIONS });
    const err = parseError(this.source, doc, chunk.line - 1);
    if (err) {
      out.errors.push(err);
      return out;
    }
    const lineOf = (offset: number | undefined): number => chunk.line - 1 + (offset === undefined ? 1 : lineCounter.linePos(offset).line);
    decodeDocument(doc, index, this.source, lineOf, out);
    return out;
  }
}

/**
 * Splits a manifest text into objects. Empty documents (`---` alone, comments)
 * are skipped; a `kind: List` contributes its items. `source` names the text
 * in errors (a file path, or "STDIN").
 */
export function readManifests(text: string, source: string): ManifestResult {
  const manifest = new LazyManifest(text, source);
  const docs: ManifestDoc[] = [];
  for (let i = 0; i < manifest.length; i++) docs.push(...manifest.read(i));
  return { docs, errors: manifest.errors() };
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
