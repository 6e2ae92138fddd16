// The plain subset of YAML 1.2 that Kubernetes manifests are nearly always
// written in, read without the `yaml` package: block mappings and sequences,
// one-line flow collections, plain and simple quoted scalars, comments.
// The `yaml` package's Lexer/Parser/Composer cost the CLI ~0.4 ms of CPU per
// small document (0.85 s for the 2,001 documents of the apply benchmark, most
// of it JIT and garbage); this reader takes a few µs. It answers only for a
// text it reads exactly as the `yaml` package (core schema, YAML 1.2) would;
// anything else (anchors, tags, block scalars, multi-line scalars, escapes,
// merge keys, tabs, duplicate keys, an error) gives undefined and the caller
// parses the text with the `yaml` package, whose objects and error messages
// stay the reference. A test compares the two on generated documents.

/** What one document holds: its value (null when it holds none) and the 1-based line where it starts. */
export interface PlainDocument {
  value: Record<string, unknown> | null;
  /** line of the first content line, 1-based within the text */
  line: number;
}

/** Thrown inside the reader when the text leaves the subset; never escapes. */
class NotPlain extends Error {}
const NOT_PLAIN = new NotPlain();

interface Line {
  indent: number;
  /** the line without its indentation */
  text: string;
  /** 1-based */
  number: number;
}

/**
 * The core schema's scalar tags in the `yaml` package's order
 * (yaml/dist/schema/core/schema.js): the first whose test matches resolves
 * a plain scalar; a scalar none matches is a string.
 */
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** A plain key: a string under the core schema, nothing that may need quoting or resolve otherwise. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.\/-]*$/;
/**
 * Characters of a plain scalar inside a flow collection in this subset (YAML
 * 1.2 §7.3.3 allows more; whatever else shows up sends the text to the `yaml`
 * package): no `#`, quotes, indicators or backslash.
 */
const FLOW_PLAIN_CHARS = /^[A-Za-z0-9_.\/~+=:;()$^?<\- ]*$/;
/** Characters of a plain scalar in block context here: printable ASCII (non-ASCII text takes the `yaml` package). */
const BLOCK_PLAIN_CHARS = /^[\x20-\x7e]*$/;
/**
 * What may start a plain scalar (§7.3.3 ns-plain-first): not an indicator,
 * or `-` followed by a non-space (`-1`, `--port=80`); `?` and `:` starts are
 * left to the `yaml` package.
 */
const PLAIN_FIRST = /^(?:[^-?:,\[\]{}#&*!|>'"%@` ]|-[^ ])/;
/** Words `merge: true` gives a meaning to, and the key toJS cannot assign plainly. */
const SPECIAL_KEYS = new Set(['<<', '__proto__']);
/** A `---` line with nothing after it but white space and a comment. */
const DOCUMENT_MARKER = /^---(?:[ ]+(?:#.*)?)?$/;

/** The core schema's value of a plain scalar (as yaml's Composer + toJS give it). */
export function resolvePlain(s: string): unknown {
  if (NULL.test(s)) return null;
  if (BOOL.test(s)) return s[0] === 't' || s[0] === 'T';
  if (INT_OCT.test(s)) return parseInt(s.substring(2), 8);
  if (INT.test(s)) return parseInt(s, 10);
  if (INT_HEX.test(s)) return parseInt(s.substring(2), 16);
  if (FLOAT_NAN.test(s)) return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (FLOAT_EXP.test(s) || FLOAT.test(s)) return parseFloat(s);
  return s;
}

/**
 * A one-line plain scalar of the subset (its comment already cut off), or
 * NOT_PLAIN. `: ` and a trailing `:` would make it a key (§7.3.3), ` #` a
 * comment.
 */
function plainScalar(s: string, chars: RegExp): unknown {
  if (!PLAIN_FIRST.test(s) || !chars.test(s) || s.includes(': ') || s.includes(' #') || s.endsWith(':')) throw NOT_PLAIN;
  return resolvePlain(s);
}

/**
 * A quoted scalar on one line starting at text[0]: double-quoted without
 * escapes, or single-quoted (where '' is a quote, §7.3.2). Returns the value
 * and where the text goes on after the closing quote.
 */
function quoted(text: string, from: number): { value: string; end: number } {
  const q = text[from]!;
  if (q === '"') {
    const close = text.indexOf('"', from + 1);
    if (close < 0) throw NOT_PLAIN;
    const value = text.slice(from + 1, close);
    if (value.includes('\\') || /[\t\x00-\x1f\x7f]/.test(value)) throw NOT_PLAIN;
    return { value, end: close + 1 };
  }
  let value = '';
  let i = from + 1;
  for (;;) {
    const close = text.indexOf('\'', i);
    if (close < 0) throw NOT_PLAIN;
    value += text.slice(i, close);
    if (text[close + 1] === '\'') { value += '\''; i = close + 2; continue; }
    if (/[\t\x00-\x1f\x7f]/.test(value)) throw NOT_PLAIN;
    return { value, end: close + 1 };
  }
}

/** The rest of a line after a value: nothing, or white space and a comment. */
function onlyCommentAfter(text: string, end: number): void {
  if (end === text.length) return;
  if (text[end] !== ' ') throw NOT_PLAIN;
  const rest = text.slice(end).trimStart();
  if (rest !== '' && rest[0] !== '#') throw NOT_PLAIN;
}

/** Cuts a ` #` comment off a plain line (a `#` with no space before it belongs to the scalar, §6.6). */
function withoutComment(text: string): string {
  const hash = text.indexOf(' #');
  return (hash < 0 ? text : text.slice(0, hash)).trimEnd();
}

function setKey(map: Record<string, unknown>, key: string, value: unknown): void {
  // the `yaml` package refuses duplicate keys (uniqueKeys): its error is the one to report
  if (SPECIAL_KEYS.has(key) || Object.prototype.hasOwnProperty.call(map, key)) throw NOT_PLAIN;
  map[key] = value;
}

/** A key: plain and plainly a string, or quoted. Returns the key and where its `:` is. */
function readKey(text: string): { key: string; colon: number } {
  let key: string;
  let end: number;
  if (text[0] === '"' || text[0] === '\'') {
    ({ value: key, end } = quoted(text, 0));
  } else {
    end = text.indexOf(':');
    if (end < 0) throw NOT_PLAIN;
    key = text.slice(0, end);
    if (!PLAIN_KEY.test(key) || typeof resolvePlain(key) !== 'string') throw NOT_PLAIN;
  }
  if (text[end] !== ':' || (end + 1 < text.length && text[end + 1] !== ' ')) throw NOT_PLAIN;
  return { key, colon: end };
}

/** One-line flow collections (§7.4, §7.5): `{a: b, c: [1, 2]}`, no trailing commas, no implicit pairs in sequences. */
class FlowReader {
  i = 0;
  constructor(private readonly s: string) {}

  private skipSpaces(): void { while (this.s[this.i] === ' ') this.i++; }

  value(): unknown {
    this.skipSpaces();
    const c = this.s[this.i];
    if (c === '{') return this.map();
    if (c === '[') return this.seq();
    if (c === '"' || c === '\'') {
      const q = quoted(this.s, this.i);
      this.i = q.end;
      return q.value;
    }
    const start = this.i;
    while (this.i < this.s.length && !',[]{}'.includes(this.s[this.i]!) && !(this.s[this.i] === ':' && this.s[this.i + 1] === ' ')) this.i++;
    const raw = this.s.slice(start, this.i).trimEnd();
    // inside flow collections `:` may only separate a key from its value here
    if (raw === '' || raw.includes(':')) throw NOT_PLAIN;
    return plainScalar(raw, FLOW_PLAIN_CHARS);
  }

  private map(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.i++;
    this.skipSpaces();
    if (this.s[this.i] === '}') { this.i++; return out; }
    for (;;) {
      this.skipSpaces();
      const c = this.s[this.i];
      if (c === '{' || c === '[') throw NOT_PLAIN;
      const key = this.value();
      if (typeof key !== 'string' || this.s[this.i] !== ':' || this.s[this.i + 1] !== ' ') throw NOT_PLAIN;
      if (!(c === '"' || c === '\'') && !PLAIN_KEY.test(key)) throw NOT_PLAIN;
      this.i += 2;
      setKey(out, key, this.value());
      this.skipSpaces();
      if (this.s[this.i] === '}') { this.i++; return out; }
      if (this.s[this.i] !== ',') throw NOT_PLAIN;
      this.i++;
      this.skipSpaces();
      if (this.s[this.i] === '}') throw NOT_PLAIN;
    }
  }

  private seq(): unknown[] {
    const out: unknown[] = [];
    this.i++;
    this.skipSpaces();
    if (this.s[this.i] === ']') { this.i++; return out; }
    for (;;) {
      out.push(this.value());
      this.skipSpaces();
      if (this.s[this.i] === ']') { this.i++; return out; }
      if (this.s[this.i] !== ',') throw NOT_PLAIN;
      this.i++;
      this.skipSpaces();
      if (this.s[this.i] === ']') throw NOT_PLAIN;
    }
  }
}

/** A value written on the same line as its key or `- `: flow collection, quoted or plain scalar. */
function inlineValue(text: string): unknown {
  const c = text[0];
  if (c === '{' || c === '[') {
    const r = new FlowReader(text);
    const v = r.value();
    onlyCommentAfter(text, r.i);
    return v;
  }
  if (c === '"' || c === '\'') {
    const q = quoted(text, 0);
    onlyCommentAfter(text, q.end);
    return q.value;
  }
  return plainScalar(withoutComment(text), BLOCK_PLAIN_CHARS);
}

class BlockReader {
  private at = 0;
  constructor(private readonly lines: Line[]) {}

  get done(): boolean { return this.at >= this.lines.length; }

  private peek(): Line | undefined { return this.lines[this.at]; }

  /** A block mapping whose keys stand at `indent`; `first` is the text of its first entry when it follows `- ` on the line. */
  map(indent: number, first?: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let text = first;
    for (;;) {
      if (text === undefined) {
        const line = this.peek();
        if (!line || line.indent < indent) return out;
        if (line.indent > indent) throw NOT_PLAIN;
        if (line.text.startsWith('- ') || line.text === '-') return out; // a sequence under the parent's key, same indentation
        text = line.text;
        this.at++;
      }
      const { key, colon } = readKey(text);
      const rest = text.slice(colon + 1).trimStart();
      text = undefined;
      if (rest !== '' && rest[0] !== '#') {
        setKey(out, key, inlineValue(rest));
        const next = this.peek();
        if (next && next.indent > indent) throw NOT_PLAIN; // a multi-line scalar, or an error
        continue;
      }
      setKey(out, key, this.nested(indent, true));
    }
  }

  /** The node under a key or `-` with nothing after it on its line: a deeper block, a sequence at the key's indentation, or null. */
  private nested(indent: number, underKey: boolean): unknown {
    const next = this.peek();
    if (!next) return null;
    const isSeq = next.text.startsWith('- ') || next.text === '-';
    if (next.indent > indent) return isSeq ? this.seq(next.indent) : this.map(next.indent);
    if (underKey && next.indent === indent && isSeq) return this.seq(indent);
    return null;
  }

  /** A block sequence whose `-` stand at `indent`. */
  seq(indent: number): unknown[] {
    const out: unknown[] = [];
    for (;;) {
      const line = this.peek();
      if (!line || line.indent < indent) return out;
      if (line.indent > indent) throw NOT_PLAIN;
      if (!(line.text.startsWith('- ') || line.text === '-')) return out;
      this.at++;
      const rest = line.text.slice(1).trimStart();
      if (rest === '' || rest[0] === '#') { out.push(this.nested(indent, false)); continue; }
      if (/^[-?](?: |$)/.test(rest)) throw NOT_PLAIN; // a compact nested sequence, a complex key
      const column = indent + (line.text.length - rest.length);
      if (this.startsEntry(rest)) {
        out.push(this.map(column, rest));
        continue;
      }
      out.push(inlineValue(rest));
      const next = this.peek();
      if (next && next.indent > indent) throw NOT_PLAIN;
    }
  }

  /** Whether an item's text is `key: …` (a compact mapping) rather than a scalar or flow collection. */
  private startsEntry(text: string): boolean {
    if (text[0] === '{' || text[0] === '[') return false;
    if (text[0] === '"' || text[0] === '\'') {
      const q = quoted(text, 0);
      return text[q.end] === ':';
    }
    const hash = text.indexOf(' #');
    const body = hash < 0 ? text : text.slice(0, hash);
    return body.includes(': ') || body.endsWith(':');
  }
}

/**
 * Reads one document (a text holding at most one `---` line, at its start)
 * whose top level is a block mapping at column 0, or nothing but comments.
 * Undefined when the text is outside the subset: parse it with the `yaml`
 * package instead.
 */
export function readPlainDocument(text: string): PlainDocument | undefined {
  if (/[\t\r\ufeff]/.test(text)) return undefined;
  const lines: Line[] = [];
  let number = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const raw = text.slice(start, end);
    number++;
    start = end + 1;
    if (number === 1 && raw.startsWith('---')) {
      if (!DOCUMENT_MARKER.test(raw)) return undefined;
      continue;
    }
    const content = raw.trimStart();
    if (content === '' || content[0] === '#') continue;
    // a marker after the first line means the caller's split went wrong: leave it to the full parser
    if (raw.startsWith('---') || raw.startsWith('...')) return undefined;
    lines.push({ indent: raw.length - content.length, text: content.trimEnd(), number });
  }
  const first = lines[0];
  if (!first) return { value: null, line: 1 };
  if (first.indent !== 0 || first.text.startsWith('- ') || first.text === '-') return undefined;
  try {
    const reader = new BlockReader(lines);
    const value = reader.map(0);
    if (!reader.done) return undefined;
    return { value, line: first.number };
  } catch (e) {
    if (e instanceof NotPlain) return undefined;
    throw e;
  }
}
