// One manifest document read with js-yaml, which takes about a quarter of the
// CPU the `yaml` package's Composer needs for a small document (0.2 s against
// 0.9 s for the 2,001 documents of the apply benchmark). The `yaml` package
// stays the reference: it reads every document js-yaml refuses, so error
// messages and their lines keep its wording and positions, and js-yaml runs
// under a schema that resolves plain scalars exactly as podnet's `yaml`
// package options do: the core schema (YAML 1.2) with go-yaml's octal
// integers. A test compares the two on generated documents.

import jsYaml from 'js-yaml';

/** What one document holds: its value (null when it holds none) and the 1-based line where it starts. */
export interface FastDocument {
  value: Record<string, unknown> | null;
  /** line of the first content line, 1-based within the text */
  line: number;
}

// The core schema's numbers as the `yaml` package resolves them
// (yaml/dist/schema/core/schema.js); js-yaml's own core schema also reads
// 0b binary and signed hex/octal, which YAML 1.2 keeps as strings.
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_INF_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/**
 * A plain integer with a leading 0 is octal to kubectl, which reads manifests
 * with go-yaml v2: YAML 1.1 integers, resolved by Go's strconv.ParseInt(s, 0,
 * 64). So the Kubernetes docs' `defaultMode: 0400` means 256 there, where
 * YAML 1.2 reads 400, and podnet reads it as kubectl does, in both parsers
 * (manifest.ts gives the `yaml` package the same rule). As in Go, a sign may
 * lead (`-0400` is -256) and `00` is 0; `08` and `09` are not octal, and
 * go-yaml falls back to reading them as decimal numbers, as YAML 1.2 does.
 * Quoted scalars stay strings.
 */
export const GO_OCTAL_INT = /^[-+]?0[0-7]+$/;

/** The value of a scalar that GO_OCTAL_INT matches (parseInt takes the sign). */
export function goOctalInt(s: string): number {
  return parseInt(s, 8);
}

const coreNull = new jsYaml.Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (s: string | null) => s === null || NULL.test(s),
  construct: () => null,
});

const coreBool = new jsYaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (s: string | null) => s !== null && BOOL.test(s),
  construct: (s: string) => s[0] === 't' || s[0] === 'T',
});

const coreInt = new jsYaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (s: string | null) => s !== null && (INT_OCT.test(s) || INT.test(s) || INT_HEX.test(s)),
  construct: (s: string) => {
    if (INT_OCT.test(s)) return parseInt(s.substring(2), 8);
    if (GO_OCTAL_INT.test(s)) return goOctalInt(s);
    return INT_HEX.test(s) ? parseInt(s.substring(2), 16) : parseInt(s, 10);
  },
});

const coreFloat = new jsYaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (s: string | null) => s !== null && (FLOAT_INF_NAN.test(s) || FLOAT.test(s)),
  construct: (s: string) => {
    if (!FLOAT_INF_NAN.test(s)) return parseFloat(s);
    if (s.slice(-3).toLowerCase() === 'nan') return NaN;
    return s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  },
});

/** null, bool, int, float in the `yaml` package's order. */
const SCHEMA = jsYaml.FAILSAFE_SCHEMA.extend({ implicit: [coreNull, coreBool, coreInt, coreFloat] });

/**
 * A merge key: podnet reads manifests with `merge: true`, as go-yaml does,
 * and the `yaml` package refuses a merge of anything but a mapping where
 * js-yaml would not; rare in manifests, so left to the package.
 */
const MERGE_KEY = /(?:^|[\s,[{?-])<<[ \t]*:/m;

/**
 * An anchor or alias: js-yaml shares the aliased node instead of expanding
 * it, so it has no counterpart of the `yaml` package's maxAliasCount guard
 * against alias bombs. Such a document takes the `yaml` package (a false
 * match, like `a && b`, only costs the faster path).
 */
const ANCHOR_OR_ALIAS = /(?:^|[\s,[{])[&*][^\s,[\]{}]/m;

/**
 * A null key (`null:`, `~:`, an empty key): the `yaml` package names it ''
 * in the object, js-yaml 'null'. A false match only costs the faster path.
 */
const NULL_KEY = /(?:^|[\s,[{?-])(?:~|[Nn]ull|NULL)?[ \t]*:(?:\s|$)/m;

/**
 * A sequence item with nothing on its line (`-` alone, `- -`, or before a comment):
 * js-yaml can attach the lines after it to the wrong collection when the
 * next line is less indented (found by the comparison test).
 */
const BARE_ITEM = /^[ \t]*(?:-[ \t]+)*-[ \t]*(?:#.*)?$/m;

const QUOTE = /['"]/;

/**
 * Whether a line leaves a quote open: a quoted scalar that goes on over
 * several lines, where js-yaml is laxer about the indentation of the next
 * lines than YAML 1.2 (§7.3) and the `yaml` package (found by the comparison
 * test). An apostrophe in a plain scalar also counts: it only costs the
 * faster path.
 */
function opensQuoteOverLines(text: string): boolean {
  if (!QUOTE.test(text)) return false;
  for (const line of text.split('\n')) {
    if ((line.replace(/''/g, '').split("'").length - 1) % 2 === 1) return true;
    if ((line.replace(/\\./g, '').split('"').length - 1) % 2 === 1) return true;
  }
  return false;
}

const BYTE_ORDER_MARK = /^\ufeff/;

/** The line where a document's content starts: the first that is not blank, a comment, a directive or a bare `---`. */
function contentLine(text: string): number {
  let number = 0;
  for (const raw of text.split('\n')) {
    number++;
    let rest = number === 1 ? raw.replace(BYTE_ORDER_MARK, '') : raw;
    if (number === 1 && rest.startsWith('---')) rest = rest.slice(3);
    else if (raw.startsWith('%')) continue;
    const content = rest.trim();
    if (content !== '' && content[0] !== '#') return number;
  }
  return 1;
}

/**
 * Reads one document (a text holding at most one `---` line, at its start)
 * whose root is a mapping, or that holds nothing. Undefined when js-yaml
 * refuses it or it holds anything else: parse it with the `yaml` package,
 * whose messages name the problem.
 */
export function readFastDocument(text: string): FastDocument | undefined {
  if (ANCHOR_OR_ALIAS.test(text) || MERGE_KEY.test(text) || NULL_KEY.test(text) || BARE_ITEM.test(text) || opensQuoteOverLines(text)) return undefined;
  let value: unknown;
  try {
    value = jsYaml.load(text, { schema: SCHEMA });
  } catch {
    return undefined;
  }
  if (value === undefined || value === null) return { value: null, line: 1 };
  if (typeof value !== 'object' || Array.isArray(value)) return undefined;
  return { value: value as Record<string, unknown>, line: contentLine(text) };
}
