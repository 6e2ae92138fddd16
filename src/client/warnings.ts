// The Warning headers of API answers (what `fieldValidation=Warn` and
// deprecations say), shared by both HTTP transports.

/**
 * The texts of RFC 7234 warn-values (`299 - "text"`, comma-separated, text
 * with backslash escapes), as client-go's ParseWarningHeaders reads them;
 * malformed values are skipped. `header` holds the header's bytes as latin1
 * characters (how both transports read a head); the texts are UTF-8.
 */
export function parseWarningHeader(header: string | readonly string[]): string[] {
  const texts: string[] = [];
  const pattern = /(\d{3}) [^ ]+ "((?:[^"\\]|\\.)*)"(?: "[^"]*")?\s*(?:,\s*|$)/y;
  for (const raw of typeof header === 'string' ? [header] : header) {
    const value = Buffer.from(raw, 'latin1').toString('utf8');
    pattern.lastIndex = 0;
    for (let m = pattern.exec(value); m; m = pattern.exec(value)) {
      if (m[1] === '299') texts.push(m[2]!.replace(/\\(.)/g, '$1'));
      if (pattern.lastIndex >= value.length) break;
    }
  }
  return texts;
}
