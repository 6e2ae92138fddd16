// `-o custom-columns=HEADER:PATH,…` and `-o custom-columns-file=FILE`, as
// kubectl's CustomColumnsPrinter: a header row, then one row per object whose
// cells are the column's JSONPath values as Go's fmt prints them, joined by
// commas, `<none>` when the path finds nothing. Aligned like every kubectl table.

import { PodnetError } from '../../errors.js';
import { findResults, goText, parseJsonPath, relaxedJsonPathExpression, type JsonPathTemplate } from './jsonpath.js';
import { alignTabs, TABLE_TABWRITER } from './tabwriter.js';

export interface CustomColumn { header: string; template: JsonPathTemplate }

const FILE_FORMAT = 'Expected format is one line of space separated headers, one line of space separated column specs.';

/** A column's path, relaxed as kubectl relaxes it (`metadata.name` is `{.metadata.name}`); a syntax error is kubectl's bare message. */
function column(header: string, path: string): CustomColumn {
  return { header, template: parseJsonPath(relaxedJsonPathExpression(path)) };
}

/** `NAME:.metadata.name,IP:.status.podIP`: each column is its header up to the first colon, then its path. */
export function parseCustomColumns(spec: string): CustomColumn[] {
  if (spec === '') throw new PodnetError('EUSAGE', 'custom-columns format specified but no custom columns given');
  return spec.split(',').map((part) => {
    const colon = part.indexOf(':');
    if (colon < 0) throw new PodnetError('EUSAGE', `unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`);
    return column(part.slice(0, colon), part.slice(colon + 1));
  });
}

/** A custom-columns file: a line of headers and a line of paths, each split at white space (lines after those two are ignored). */
export function parseCustomColumnsFile(text: string): CustomColumn[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  // a final newline ends the last line rather than starting another, as bufio.Scanner reads lines
  if (lines.at(-1) === '') lines.pop();
  const words = (line: string) => line.split(/\s+/u).filter(Boolean);
  if (lines.length < 1) throw new PodnetError('EUSAGE', `invalid template, missing header line. ${FILE_FORMAT}`);
  if (lines.length < 2) throw new PodnetError('EUSAGE', `invalid template, missing spec line. ${FILE_FORMAT}`);
  const headers = words(lines[0]!);
  const paths = words(lines[1]!);
  if (headers.length !== paths.length) throw new PodnetError('EUSAGE', `number of headers (${headers.length}) and field specifications (${paths.length}) don't match`);
  return headers.map((header, i) => column(header, paths[i]!));
}

/** kubectl's EscapeTerminal: a value must not move the cursor or colour the terminal. */
function escapeTerminal(text: string): string {
  return text.replaceAll('\x1b', '^[').replaceAll('\r', '\\r');
}

function cell(object: unknown, template: JsonPathTemplate): string {
  const results = findResults(template, object, { allowMissingKeys: true });
  const texts = results.flat().map((v) => escapeTerminal(goText(v)));
  if (results.length === 0 || results[0]!.length === 0) texts.unshift('<none>');
  return texts.join(',');
}

/** The table for these objects (the header alone when there are none); noHeaders drops the header row. */
export function printCustomColumns(objects: readonly unknown[], columns: readonly CustomColumn[], opts: { noHeaders: boolean }): string {
  const rows = objects.map((o) => columns.map((c) => cell(o, c.template)));
  if (!opts.noHeaders) rows.unshift(columns.map((c) => c.header));
  return alignTabs(rows.map((r) => `${r.join('\t')}\n`).join(''), TABLE_TABWRITER);
}
