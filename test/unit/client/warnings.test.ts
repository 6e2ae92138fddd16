import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWarningHeader } from '../../../src/client/warnings.js';
import { warningHeader } from '../../../src/apiserver/field-validation.js';
import { parseResponseHead } from '../../../src/client/unix-http-pool.js';

test('Warning headers: what the API server writes reads back as the same texts, escapes included', () => {
  const texts = ['unknown field "spec.replica"', 'a back\\slash', 'plain'];
  const header = warningHeader(texts);
  assert.equal(header, '299 - "unknown field \\"spec.replica\\"", 299 - "a back\\\\slash", 299 - "plain"');
  assert.deepEqual(parseWarningHeader(header), texts);
});

test('Warning headers: several headers, a date after the text, other codes and malformed values', () => {
  assert.deepEqual(parseWarningHeader(['299 - "one"', '299 kube-apiserver "two" "Tue, 15 Nov 1994 08:12:31 GMT"']), ['one', 'two']);
  assert.deepEqual(parseWarningHeader('110 - "stale", 299 - "kept"'), ['kept']);
  assert.deepEqual(parseWarningHeader('not a warning'), []);
});

test('the lean pool keeps Warning headers as sent (not lower-cased)', () => {
  const head = parseResponseHead('HTTP/1.1 201 Created\r\nContent-Length: 2\r\nWarning: 299 - "unknown field \\"spec.Foo\\""\r\nwarning: 299 - "B"');
  assert.deepEqual(head.warning, ['299 - "unknown field \\"spec.Foo\\""', '299 - "B"']);
  assert.equal(head.contentLength, 2);
});
