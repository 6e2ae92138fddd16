import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANNOTATION_PREFIX, parseAnnotations } from '../../../src/ingress/annotations.js';
import { parseGoBool } from '../../../src/api/go-bool.js';

// ingress-nginx reads boolean annotations with Go's strconv.ParseBool: these rows are its table.
const BOOLEANS: { value: string; want: boolean | undefined }[] = [
  ...['1', 't', 'T', 'TRUE', 'true', 'True'].map((value) => ({ value, want: true })),
  ...['0', 'f', 'F', 'FALSE', 'false', 'False'].map((value) => ({ value, want: false })),
  ...['', 'yes', 'no', 'on', 'tRUE', 'True ', ' true', '2'].map((value) => ({ value, want: undefined })),
];

test('parseGoBool accepts exactly what strconv.ParseBool accepts', () => {
  for (const row of BOOLEANS) assert.equal(parseGoBool(row.value), row.want, JSON.stringify(row.value));
});

test('boolean annotations: every ParseBool spelling is honoured, anything else is ignored with a warning', () => {
  for (const row of BOOLEANS) {
    const { options, problems } = parseAnnotations({ [`${ANNOTATION_PREFIX}ssl-redirect`]: row.value, [`${ANNOTATION_PREFIX}use-regex`]: row.value });
    assert.equal(options.sslRedirect, row.want ?? true, `ssl-redirect ${JSON.stringify(row.value)}`);
    assert.equal(options.useRegex, row.want ?? false, `use-regex ${JSON.stringify(row.value)}`);
    assert.equal(problems.length, row.want === undefined ? 2 : 0, `problems for ${JSON.stringify(row.value)}`);
  }
});
