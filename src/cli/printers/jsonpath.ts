// kubectl's JSONPath templates (`get -o jsonpath=…`, custom-columns, `wait
// --for=jsonpath=…`), the language of k8s.io/client-go/util/jsonpath: text
// with {…} actions, range/end, quoted text, filters compared the way Go's
// text/template compares. It is not RFC 9535 JSONPath nor what npm's JSONPath
// libraries implement, hence an engine of our own: a parser that turns the
// template into blocks of nodes (jsonpath-parser.ts), and here the evaluator
// that walks them over a decoded JSON object as kubectl walks an unstructured
// one, and the printers of what it finds. JSON integers are
// Go int64s there and other numbers float64s, which decides how they compare
// and print. Where Go would iterate a map in random order, this engine takes
// the keys sorted.

import { PodnetError } from '../../errors.js';
import { goJSON, toKubectlJSON } from './output.js';
import { isTemplateError, JSONPATH_ERROR, parseJsonPath, templateError, type Block, type JsonPathNode, type JsonPathTemplate } from './jsonpath-parser.js';

export { JSONPATH_ERROR, parseJsonPath, relaxedJsonPathExpression, type JsonPathTemplate } from './jsonpath-parser.js';

export interface JsonPathOptions {
  /** a field that is not there yields nothing rather than an error (kubectl get's default, and wait's) */
  allowMissingKeys: boolean;
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

/** One value as kubectl's jsonpath prints it: maps and lists as compact JSON, null as `null`, the rest as Go prints them. */
function resultText(v: unknown): string {
  if (v === null) return 'null';
  return typeof v === 'object' ? goJSON(v) : goText(v);
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
