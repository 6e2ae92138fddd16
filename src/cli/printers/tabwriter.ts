// A port of Go's text/tabwriter, the aligner behind every kubectl table and
// `kubectl describe`. Porting the algorithm (rather than "pad every column to
// its widest cell") matters: tabwriter aligns *column blocks* — runs of
// consecutive lines that have a cell in that column — so a line without a tab
// ("Events:") ends a block, and `Events:\t<none>` lines up with the fields above
// it. Only the features kubectl uses are ported: space padding, left alignment,
// no escapes, no flags.
//
// Cells are tab-terminated: the text after the last tab of a line is not part
// of any column and is written unpadded (so the last table column is not padded).

export interface TabwriterOptions {
  /** minimal cell width including padding (Go: minwidth) */
  minWidth: number;
  /** spaces added to the widest cell of a column (Go: padding) */
  padding: number;
}

/** kubectl get: cli-runtime printers.GetNewTabWriter (minwidth 6, tabwidth 4, padding 3, ' '). */
export const TABLE_TABWRITER: TabwriterOptions = { minWidth: 6, padding: 3 };

/** kubectl describe: tabbedString (out.Init(buf, 0, 8, 2, ' ', 0)). */
export const DESCRIBE_TABWRITER: TabwriterOptions = { minWidth: 0, padding: 2 };

/** Width of a cell as tabwriter counts it: UTF-8 runes, not bytes or UTF-16 units. */
function cellWidth(cell: string): number {
  return [...cell].length;
}

/** Aligns `text` exactly as writing it to a Go tabwriter and flushing would. */
export function alignTabs(text: string, opts: TabwriterOptions): string {
  const lines = text.split('\n').map((l) => l.split('\t'));
  const widths: number[] = [];
  const out: string[] = [];

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      const line = lines[i]!;
      line.forEach((cell, j) => {
        out.push(cell);
        if (j < widths.length) out.push(' '.repeat(Math.max(0, widths[j]! - cellWidth(cell))));
      });
      // The last buffered line has no newline of its own (text ended there).
      if (i + 1 < lines.length) out.push('\n');
    }
  };

  // Go: (*Writer).format — recursive over columns; widths[] holds the widths
  // of the enclosing column blocks.
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let th = line0; th < line1; th++) {
      if (column >= lines[th]!.length - 1) continue;
      // A cell exists in this column: print the lines above, then size the block.
      writeLines(line0, th);
      line0 = th;
      let width = opts.minWidth;
      for (; th < line1; th++) {
        const line = lines[th]!;
        if (column >= line.length - 1) break;
        width = Math.max(width, cellWidth(line[column]!) + opts.padding);
      }
      widths.push(width);
      format(line0, th);
      widths.pop();
      line0 = th;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join('');
}
