// The parser of kubectl's JSONPath templates (the language of
// k8s.io/client-go/util/jsonpath, see jsonpath.ts): a template becomes blocks
// of nodes, actions between {…} grouped by range/end, with kubectl's syntax
// errors word for word.

import { PodnetError } from '../../errors.js';

/** The code of a template's errors, whose messages are kubectl's word for word; callers add the context kubectl adds. */
export const JSONPATH_ERROR = 'EJSONPATH';

export const templateError = (message: string) => new PodnetError(JSONPATH_ERROR, message);
export const isTemplateError = (err: unknown): err is PodnetError => err instanceof PodnetError && err.code === JSONPATH_ERROR;

export type JsonPathNode =
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
export type Block = { kind: 'nodes'; nodes: JsonPathNode[] } | RangeBlock | { kind: 'end' };

export interface JsonPathTemplate { readonly source: string; readonly blocks: readonly Block[] }

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
