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

// Regression: `rewrite-target: /$nosuchvar` made NGINX reject the whole conf
// with `unknown "nosuchvar" variable`, an error naming no line, so no Ingress
// could be blamed and every later change froze. Only capture groups may follow `$`.
const REWRITE_TARGETS: { value: string; ok: boolean }[] = [
  { value: '/', ok: true },
  { value: '/$1', ok: true },
  { value: '/$2/x/$9', ok: true },
  { value: '/api/$12', ok: true }, // `$1` then "2", as nginx reads it
  { value: '/$nosuchvar', ok: false },
  { value: '/$host$1', ok: false },
  { value: '/$0', ok: false },
  { value: '/path/$', ok: false },
  { value: '/${1}', ok: false }, // nginx 1.22: unknown "1" variable
  { value: '/a b', ok: false },
  { value: '/a;', ok: false },
];

test('rewrite-target: "$" only before a capture group number; anything else is ignored with a warning', async (t) => {
  for (const row of REWRITE_TARGETS) {
    await t.test(row.value, () => {
      const { options, problems } = parseAnnotations({ [`${ANNOTATION_PREFIX}rewrite-target`]: row.value });
      assert.equal(options.rewriteTarget, row.ok ? row.value : undefined);
      assert.equal(problems.length, row.ok ? 0 : 1);
      if (!row.ok) assert.match(problems[0]!.message, /rewrite-target.*ignored/);
    });
  }
});

test('allowlist-source-range (or its older name whitelist-source-range): IPs and CIDRs; a bad entry denies every source rather than none', () => {
  const parse = (a: Record<string, string>) => parseAnnotations(Object.fromEntries(Object.entries(a).map(([k, v]) => [ANNOTATION_PREFIX + k, v])));
  assert.deepEqual(parse({ 'allowlist-source-range': '10.0.0.0/8, 198.51.100.10,2001:db8::/32' }).options.allowlist, ['10.0.0.0/8', '198.51.100.10', '2001:db8::/32']);
  assert.deepEqual(parse({ 'whitelist-source-range': '192.0.2.0/24' }).options.allowlist, ['192.0.2.0/24']);
  assert.deepEqual(parse({ 'allowlist-source-range': '192.0.2.0/24', 'whitelist-source-range': '10.0.0.0/8' }).options.allowlist, ['192.0.2.0/24']);
  const bad = parse({ 'allowlist-source-range': '10.0.0.0/8, nowhere' });
  assert.deepEqual(bad.options.allowlist, []);
  assert.deepEqual(bad.problems.map((p) => p.reason), ['InvalidAnnotation']);
  assert.equal(parse({}).options.allowlist, undefined);
});
