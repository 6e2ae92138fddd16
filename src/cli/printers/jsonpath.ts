// kubectl's JSONPath templates (`get -o jsonpath=…`, custom-columns, `wait
// --for=jsonpath=…`), the language of k8s.io/client-go/util/jsonpath: text
// with {…} actions, range/end, quoted text, filters compared the way Go's
// text/template compares. It is not RFC 9535 JSONPath nor what npm's JSONPath
// libraries implement, hence an engine of our own: a parser that turns the
// template into blocks of nodes, and an evaluator that walks them over a
// decoded JSON object as kubectl walks an unstructured one. JSON integers are
// Go int64s there and other numbers float64s, which decides how they compare
// and print. Where Go would iterate a map in random order, this engine takes
// the keys sorted.

import { PodnetError } from '../../errors.js';
import { sortKeys, toKubectlJSON } from './output.js';

/** The code of a template's errors, whose messages are kubectl's word for word; callers add the context kubectl adds. */
export const JSONPATH_ERROR = 'EJSONPATH';

const templateError = (message: string) => new PodnetError(JSONPATH_ERROR, message);
const isTemplateError = (err: unknown): err is PodnetError => err instanceof PodnetError && err.code === JSONPATH_ERROR;

type JsonPathNode =
  /** quoted text in an action, or the text between actions: itself, whatever the input */
  | { kind: 'text'; text: string }
  | { kind: 'field'; name: string }
  /** `[i]` (single: the end is i + 1) or `[start:end:step]`; undefined is a bound not given */
  | { kind: 'slice'; start?: number; end?: number; step?: number; single: boolean }
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | { kind: 'union'; branches: JsonPathNode[][] }
  /** `[?(left OP right)]`, or `[?(left)]` with operator 'exists' */
  | { kind: 'filter'; left: JsonPathNode[]; operator: string; right: JsonPathNode[] }
  /** a number or true/false in an action: itself once for every input */
  | { kind: 'literal'; value: number | boolean }
  /** any other bare word; only range and end mean something */
  | { kind: 'identifier'; name: string };

type RangeBlock = { kind: 'range'; nodes: JsonPathNode[]; body: Block[]; closed: boolean };
type Block = { kind: 'nodes'; nodes: JsonPathNode[] } | RangeBlock | { kind: 'end' };

export interface JsonPathTemplate { readonly source: string; readonly blocks: readonly Block[] }

export interface JsonPathOptions {
  /** a field that is not there yields nothing rather than an error (kubectl get's default, and wait's) */
  allowMissingKeys: boolean;
}

// ---------------------------------------------------------------- parsing

const TERMINATORS = new Set([' ', '\t', '\r', '\n', '.', ',', '[', ']', '$', '@', '{', '}']);
const isTerminator = (c: string | undefined) => c === undefined || TERMINATORS.has(c);
const isAlphaNumeric = (c: string | undefined) => c !== undefined && /^[\p{L}\p{Nd}_]$/u.test(c);
const FILTER = /^([^!<>=]+)([!<>=]+)([^\n]+?)$/;
const SLICE = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/;
const DICT_KEY = /^'([^']*)'$/;

/** Go's %#U: `U+0023 '#'`, without the quoted character when it is not printable. */
function goCharName(c: string): string {
  const hex = c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(c) ? `U+${hex} '${c}'` : `U+${hex}`;
}

class TemplateParser {
  private pos = 0;
  constructor(private readonly input: string) {}

  /** The template as its actions in order; the text between actions is an action of one text node. */
  actions(): JsonPathNode[][] {
    const actions: JsonPathNode[][] = [];
    while (this.pos < this.input.length) {
      const open = this.input.indexOf('{', this.pos);
      const textEnd = open < 0 ? this.input.length : open;
      if (textEnd > this.pos) actions.push([{ kind: 'text', text: this.input.slice(this.pos, textEnd) }]);
      if (open < 0) break;
      this.pos = open + 1;
      actions.push(this.action());
    }
    return actions;
  }

  /** The nodes of one action, up to and past its `}`. */
  private action(): JsonPathNode[] {
    const nodes: JsonPathNode[] = [];
    for (;;) {
      if (this.at('}')) { this.pos += 1; return nodes; }
      if (this.at('[?(')) { nodes.push(this.filter()); continue; }
      if (this.at('..')) {
        if (nodes.at(-1)?.kind === 'recursive') throw templateError('invalid multiple recursive descent');
        this.pos += 2;
        nodes.push({ kind: 'recursive' });
        if (isAlphaNumeric(this.input[this.pos])) nodes.push(this.field());
        continue;
      }
      const c = String.fromCodePoint(this.input.codePointAt(this.pos) ?? 0);
      if (this.pos >= this.input.length || c === '\r' || c === '\n') throw templateError('unclosed action');
      if (c === ' ' || c === '@' || c === '$') { this.pos += 1; continue; } // `$` and `@` are the current object
      if (c === '[') { this.pos += 1; nodes.push(...this.subscript()); continue; }
      if (c === '"' || c === "'") { nodes.push(this.quoted()); continue; }
      if (c === '.') { this.pos += 1; nodes.push(this.field()); continue; }
      if (c === '+' || c === '-' || /^\p{Nd}$/u.test(c)) { nodes.push(this.number()); continue; }
      if (isAlphaNumeric(c)) { nodes.push(this.identifier()); continue; }
      throw templateError(`unrecognized character in action: ${goCharName(c)}`);
    }
  }

  private at(prefix: string): boolean {
    return this.input.startsWith(prefix, this.pos);
  }

  /** `.name` after its dot: up to a terminator; a backslash keeps the next character (`kubernetes\.io`) and is dropped. */
  private field(): JsonPathNode {
    const start = this.pos;
    while (!isTerminator(this.input[this.pos])) this.pos += this.input[this.pos] === '\\' ? 2 : 1;
    const raw = this.input.slice(start, Math.min(this.pos, this.input.length));
    this.pos = Math.min(this.pos, this.input.length);
    return raw === '*' ? { kind: 'wildcard' } : { kind: 'field', name: raw.replaceAll('\\', '') };
  }

  private identifier(): JsonPathNode {
    const start = this.pos;
    while (!isTerminator(this.input[this.pos])) this.pos += 1;
    const word = this.input.slice(start, this.pos);
    return word === 'true' || word === 'false' ? { kind: 'literal', value: word === 'true' } : { kind: 'identifier', name: word };
  }

  private number(): JsonPathNode {
    const start = this.pos;
    if (this.at('+') || this.at('-')) this.pos += 1;
    while (/^[.\p{Nd}]$/u.test(this.input[this.pos] ?? '')) this.pos += 1;
    const text = this.input.slice(start, this.pos);
    // Go: an int if strconv.Atoi takes it, else a float if ParseFloat does
    if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) throw templateError(`cannot parse number ${text}`);
    return { kind: 'literal', value: Number(text) };
  }

  /** After `[`: an index or slice, `*`, a union `a,b`, or a quoted key `['a.b']` (read as the path `.a.b`). */
  private subscript(): JsonPathNode[] {
    const close = this.input.slice(this.pos).search(/[\]\n]/);
    if (close < 0 || this.input[this.pos + close] === '\n') throw templateError('unterminated array');
    let text = this.input.slice(this.pos, this.pos + close);
    this.pos += close + 1;
    if (text === '*') text = ':';
    const parts = text.split(',');
    if (parts.length > 1) return [{ kind: 'union', branches: parts.map((p) => subAction(`[${p.replace(/^ +| +$/g, '')}]`)) }];
    const key = DICT_KEY.exec(text);
    if (key) return subAction(`.${key[1]}`);
    const m = SLICE.exec(text);
    if (!m) throw templateError(`invalid array index ${text}`);
    const bound = (s: string | undefined) => {
      if (s === undefined || s === '') return undefined;
      if (!/^-?\d+$/.test(s)) throw templateError(`array index ${s} is not a number`);
      return Number(s);
    };
    const start = bound(m[1]);
    const end = bound(m[2]?.slice(1));
    const step = bound(m[3]?.slice(1));
    return [{ kind: 'slice', single: m[2] === undefined, ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}), ...(step !== undefined ? { step } : {}) }];
  }

  /** After `[?(`: up to the `)` outside quotes, then `]`; split at the first run of comparison characters. */
  private filter(): JsonPathNode {
    this.pos += 3;
    const start = this.pos;
    let quote: string | undefined;
    let quoteClosed = false;
    for (;;) {
      const c = this.input[this.pos++];
      if (c === undefined || c === '\n') throw templateError('unterminated filter');
      if (c === '"' || c === "'") {
        if (quote === undefined) quote = c;
        else if (c === quote && this.input[this.pos - 2] !== '\\') quoteClosed = true;
      } else if (c === ')' && (quote !== undefined) === quoteClosed) break;
    }
    if (this.input[this.pos++] !== ']') throw templateError('unclosed array expect ]');
    const text = this.input.slice(start, this.pos - 2);
    const m = FILTER.exec(text);
    if (!m) return { kind: 'filter', left: subAction(text), operator: 'exists', right: [] };
    return { kind: 'filter', left: subAction(m[1]!), operator: m[2]!, right: subAction(m[3]!) };
  }

  /** `"…"` or `'…'` with Go's escapes; a quote after a backslash does not end it. */
  private quoted(): JsonPathNode {
    const start = this.pos;
    const quote = this.input[this.pos++]!;
    for (;;) {
      const c = this.input[this.pos++];
      if (c === undefined || c === '\n') throw templateError('unterminated quoted string');
      if (c === quote && this.input[this.pos - 2] !== '\\') break;
    }
    return { kind: 'text', text: unquote(this.input.slice(start, this.pos)) };
  }
}

/** The nodes of `text` read as one action (a union's branch, a quoted key, a filter's side). */
function subAction(text: string): JsonPathNode[] {
  return new TemplateParser(`{${text}}`).actions()[0] ?? [];
}

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };

/** strconv.Unquote, for either quote: \n \t \xHH \uHHHH \UHHHHHHHH \OOO and the escaped quote itself. */
function unquote(raw: string): string {
  const quote = raw[0]!;
  const body = raw.slice(1, -1);
  if (!body.includes('\\') && !body.includes(quote)) return body;
  const invalid = () => templateError(`unquote string ${raw} error invalid syntax`);
  const bytes: number[] = [];
  const hex = (from: number, digits: number) => {
    const h = body.slice(from, from + digits);
    if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(h)) throw invalid();
    return parseInt(h, 16);
  };
  for (let i = 0; i < body.length;) {
    const c = String.fromCodePoint(body.codePointAt(i)!);
    if (c === quote) throw invalid();
    if (c !== '\\') { bytes.push(...Buffer.from(c)); i += c.length; continue; }
    const e = body[i + 1];
    i += 2;
    if (e !== undefined && Object.hasOwn(SIMPLE_ESCAPES, e)) bytes.push(SIMPLE_ESCAPES[e]!);
    else if (e === quote) bytes.push(e.charCodeAt(0));
    else if (e === 'x') { bytes.push(hex(i, 2)); i += 2; }
    else if (e === 'u' || e === 'U') {
      const digits = e === 'u' ? 4 : 8;
      const rune = hex(i, digits);
      if (rune > 0x10ffff || (rune >= 0xd800 && rune < 0xe000)) throw invalid();
      bytes.push(...Buffer.from(String.fromCodePoint(rune)));
      i += digits;
    } else if (e !== undefined && /^[0-7]$/.test(e) && /^[0-7]{2}$/.test(body.slice(i, i + 2))) {
      const byte = parseInt(e + body.slice(i, i + 2), 8);
      if (byte > 255) throw invalid();
      bytes.push(byte);
      i += 2;
    } else throw invalid();
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Groups actions into blocks: `{range …}` opens a block that the matching
 * `{end}` closes; an unclosed range runs to the end of the template; an
 * `{end}` with no range open is kept, to fail when it runs, as in kubectl.
 */
function toBlocks(actions: JsonPathNode[][]): Block[] {
  const top: Block[] = [];
  const open: RangeBlock[] = [];
  const isWord = (word: string) => (n: JsonPathNode) => n.kind === 'identifier' && n.name === word;
  for (const nodes of actions) {
    const into = open.at(-1)?.body ?? top;
    if (nodes.some(isWord('end'))) {
      const closing = open.pop();
      if (closing) closing.closed = true; else top.push({ kind: 'end' });
    } else if (nodes.some(isWord('range'))) {
      const range: RangeBlock = { kind: 'range', nodes: nodes.filter((n) => !isWord('range')(n)), body: [], closed: false };
      into.push(range);
      open.push(range);
    } else into.push({ kind: 'nodes', nodes });
  }
  return top;
}

/** Parses a template; a syntax error throws with kubectl's message ("unterminated array") and the code JSONPATH_ERROR. */
export function parseJsonPath(template: string): JsonPathTemplate {
  return { source: template, blocks: toBlocks(new TemplateParser(template).actions()) };
}

/**
 * kubectl's RelaxedJSONPathExpression, for custom-columns and wait: `a.b`,
 * `.a.b`, `{a.b}` and `{.a.b}` all become `{.a.b}`; '' stays ''.
 */
export function relaxedJsonPathExpression(expression: string): string {
  if (expression === '') return '';
  const m = /^\{\.?([^{}]+)\}$|^\.?([^{}]+)$/.exec(expression);
  if (!m) throw new PodnetError('EUSAGE', "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'");
  return `{.${m[1] ?? m[2]}}`;
}

// ---------------------------------------------------------------- evaluation

type JsonMap = Record<string, unknown>;
const isMap = (v: unknown): v is JsonMap => typeof v === 'object' && v !== null && !Array.isArray(v);
const sortedKeys = (m: JsonMap) => Object.keys(m).filter((k) => m[k] !== undefined).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** What Go iterates in a value: a map's values, a list's items, a string's UTF-8 bytes. */
function children(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isMap(v)) return sortedKeys(v).map((k) => v[k]);
  if (typeof v === 'string') return [...Buffer.from(v)];
  return [];
}

/** Go's name for a decoded JSON value's type, for "… is not array or slice". */
function goTypeName(v: unknown): string {
  if (isMap(v)) return 'map[string]interface {}';
  if (typeof v === 'number') return isGoInt(v) ? 'int64' : 'float64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

const isGoInt = (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 63;

function evalField(input: unknown[], name: string, opts: JsonPathOptions): unknown[] {
  const results = input.filter(isMap).filter((m) => Object.hasOwn(m, name) && m[name] !== undefined).map((m) => m[name]);
  if (results.length === 0 && input.length > 0 && !opts.allowMissingKeys) throw templateError(`${name} is not found`);
  return results;
}

function evalSlice(input: unknown[], node: Extract<JsonPathNode, { kind: 'slice' }>): unknown[] {
  const results: unknown[] = [];
  for (const v of input) {
    if (v === null) continue;
    if (!Array.isArray(v)) throw templateError(`${goTypeName(v)} is not array or slice`);
    const length = v.length;
    let start = node.start ?? 0;
    if (start < 0) start += length;
    let end = node.single ? (node.start ?? 0) + 1 : node.end ?? length;
    if (end < 0 || (end === 0 && node.single)) end += length;
    // kubectl stops at the first empty slice, dropping the inputs after it
    if (start === end) return results;
    if (start >= length || start < 0) throw templateError(`array index out of bounds: index ${start}, length ${length}`);
    if (end > length || end < 0) throw templateError(`array index out of bounds: index ${end - 1}, length ${length}`);
    if (start > end) throw templateError(`starting index ${start} is greater than ending index ${end}`);
    const step = node.step ?? 1;
    if (step <= 0) throw templateError('step must be > 0');
    for (let i = start; i < end; i += step) results.push(v[i]);
  }
  return results;
}

/** Every value with something inside it, each before what it holds (`..`). */
function evalRecursive(input: unknown[]): unknown[] {
  return input.flatMap((v) => {
    const inner = children(v);
    return inner.length > 0 ? [v, ...evalRecursive(inner)] : [];
  });
}

function evalFilter(input: unknown[], node: Extract<JsonPathNode, { kind: 'filter' }>, opts: JsonPathOptions): unknown[] {
  const results: unknown[] = [];
  for (const v of input) {
    if (!Array.isArray(v)) throw templateError(`${goText(v)} is not array or slice and cannot be filtered`);
    for (const item of v) if (filterPasses(item, node, opts)) results.push(item);
  }
  return results;
}

function filterPasses(item: unknown, node: Extract<JsonPathNode, { kind: 'filter' }>, opts: JsonPathOptions): boolean {
  if (node.operator === 'exists') {
    // kubectl ignores the error here and looks at what the failing step
    // returned: nothing for a missing field, its own input for anything else
    try { return evalNodes([item], node.left, { allowMissingKeys: true }).length > 0; } catch (err) {
      if (isTemplateError(err)) return true;
      throw err;
    }
  }
  const side = (nodes: JsonPathNode[]) => {
    const values = evalNodes([item], nodes, opts);
    if (values.length > 1) throw templateError('can only compare one element at a time');
    return values;
  };
  const left = side(node.left);
  if (left.length === 0) return false;
  const right = side(node.right);
  if (right.length === 0) return false;
  return compare(node.operator, left[0], right[0]);
}

type ComparableKind = 'bool' | 'int' | 'float' | 'string';

function comparableKind(v: unknown): ComparableKind {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return isGoInt(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'string';
  throw templateError('invalid type for comparison');
}

/** Go text/template's eq, ne, lt, le, gt, ge: both sides of one kind, strings by their bytes. */
function compare(operator: string, a: unknown, b: unknown): boolean {
  const equal = () => {
    if (comparableKind(a) !== comparableKind(b)) throw templateError('incompatible types for comparison');
    return a === b;
  };
  const less = () => {
    const kind = comparableKind(a);
    if (kind !== comparableKind(b)) throw templateError('incompatible types for comparison');
    if (kind === 'bool') throw templateError('invalid type for comparison');
    return kind === 'string' ? Buffer.compare(Buffer.from(a as string), Buffer.from(b as string)) < 0 : (a as number) < (b as number);
  };
  switch (operator) {
    case '==': return equal();
    case '!=': return !equal();
    case '<': return less();
    case '<=': return less() || equal();
    case '>': return !(less() || equal());
    case '>=': return !less();
    default: throw templateError(`unrecognized filter operator ${operator}`);
  }
}

function evalNode(input: unknown[], node: JsonPathNode, opts: JsonPathOptions): unknown[] {
  switch (node.kind) {
    case 'text': return [node.text];
    case 'literal': return input.map(() => node.value);
    case 'identifier': throw templateError(`unrecognized identifier ${node.name}`);
    case 'field': return evalField(input, node.name, opts);
    case 'slice': return evalSlice(input, node);
    case 'wildcard': return input.flatMap(children);
    case 'recursive': return evalRecursive(input);
    case 'union': return node.branches.flatMap((branch) => evalNodes(input, branch, opts));
    case 'filter': return evalFilter(input, node, opts);
  }
}

function evalNodes(input: unknown[], nodes: readonly JsonPathNode[], opts: JsonPathOptions): unknown[] {
  return nodes.reduce((values, node) => evalNode(values, node, opts), input);
}

function runBlocks(blocks: readonly Block[], data: unknown, opts: JsonPathOptions): unknown[][] {
  const out: unknown[][] = [];
  for (const block of blocks) {
    if (block.kind === 'end') throw templateError('not in range, nothing to end');
    if (block.kind === 'nodes') { out.push(evalNodes([data], block.nodes, opts)); continue; }
    const items = evalNodes([data], block.nodes, opts);
    // kubectl walks an empty range's body once on nothing (its errors still count) and prints none of it
    if (items.length === 0) runBlocks(block.body, null, opts);
    for (const item of items) out.push(...runBlocks(block.body, item, opts));
    // without its {end}, kubectl goes on through the body once more on the enclosing object
    if (!block.closed) out.push(...runBlocks(block.body, data, opts));
  }
  return out;
}

/** kubectl's FindResults: one list of values per action run (a range's body runs once per item). */
export function findResults(template: JsonPathTemplate, data: unknown, opts: JsonPathOptions): unknown[][] {
  return runBlocks(template.blocks, data, opts);
}

// ---------------------------------------------------------------- printing

/** A float64 as Go's %v prints it: shortest digits, in exponent form below 1e-4 and from 1e6 (`1e-05`, `1.5e+06`). */
function goFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  const [digits, exponent] = n.toExponential().split('e') as [string, string];
  const exp = Number(exponent);
  if (exp >= -4 && exp < 6) return String(n);
  return `${digits}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** A decoded JSON value as Go's fmt.Sprint prints it: `map[a:1 b:[x y]]`, `<nil>`, `1e-05`. */
export function goText(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'number') return isGoInt(v) ? String(v) : goFloat(v);
  if (Array.isArray(v)) return `[${v.map(goText).join(' ')}]`;
  if (isMap(v)) return `map[${sortedKeys(v).map((k) => `${k}:${goText(v[k])}`).join(' ')}]`;
  return String(v);
}

/** A decoded JSON value as Go's %#v prints it, for the object kubectl shows when a template fails. */
function goSyntax(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}(nil)';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSyntax).join(', ')}}`;
  if (isMap(v)) return `map[string]interface {}{${sortedKeys(v).map((k) => `${JSON.stringify(k)}:${goSyntax(v[k])}`).join(', ')}}`;
  return goText(v);
}

const GO_JSON_ESCAPED = /[<>&\u2028\u2029]/g;

/** json.Marshal: compact, keys sorted, <, > and & escaped. */
function goCompactJSON(v: unknown): string {
  return JSON.stringify(sortKeys(v)).replace(GO_JSON_ESCAPED, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One value as kubectl's jsonpath prints it: maps and lists as compact JSON, null as `null`, the rest as Go prints them. */
function resultText(v: unknown): string {
  if (v === null) return 'null';
  return typeof v === 'object' ? goCompactJSON(v) : goText(v);
}

/**
 * The text kubectl's JSONPath.Execute writes: each action's values joined by
 * one space, the actions one after the other. asJson (`-o jsonpath-as-json`):
 * each action's values as an indented JSON list and a newline instead.
 */
export function executeJsonPath(template: JsonPathTemplate, data: unknown, opts: JsonPathOptions & { asJson?: boolean }): string {
  return findResults(template, data, opts)
    .map((values) => (opts.asJson ? toKubectlJSON(values) : values.map(resultText).join(' ')))
    .join('');
}

/**
 * kubectl get's `-o jsonpath=…` printer: the template parsed now (a syntax
 * error is "error parsing jsonpath …"), then run on each object given, with
 * kubectl's report of a run that fails (the template and the object).
 * Missing fields print nothing, as kubectl's --allow-missing-template-keys
 * defaults to true.
 */
export function jsonPathPrinter(template: string, opts: { asJson: boolean }): (data: unknown) => string {
  let parsed: JsonPathTemplate;
  try { parsed = parseJsonPath(template); } catch (err) {
    if (isTemplateError(err)) throw new PodnetError('EUSAGE', `error: error parsing jsonpath ${template}, ${err.message}`);
    throw err;
  }
  return (data) => {
    try { return executeJsonPath(parsed, data, { allowMissingKeys: true, asJson: opts.asJson }); } catch (err) {
      if (!isTemplateError(err)) throw err;
      throw new PodnetError(JSONPATH_ERROR, [
        `error: error executing jsonpath ${JSON.stringify(template)}: Error executing template: ${err.message}. Printing more information for debugging the template:`,
        '\ttemplate was:',
        `\t\t${template}`,
        '\tobject given to jsonpath engine was:',
        `\t\t${goSyntax(data)}`,
        '',
        '',
      ].join('\n'));
    }
  };
}
