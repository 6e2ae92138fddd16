import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWarningHeader } from '../../../src/client/warnings.js';
import { warningHeader } from '../../../src/apiserver/http-util.js';
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

test('Warning headers stay printable ASCII: other characters go as the text \\uXXXX', () => {
  const header = warningHeader(['unknown field "spec.s\u0435lector\u007f"', 'tab\there']);
  assert.match(header, /^[\x20-\x7e]*$/);
  assert.deepEqual(parseWarningHeader(header), ['unknown field "spec.s\\u0435lector\\u007f"', 'tab\\u0009here']);
  // UTF-8 bytes another server sends, read as latin1 characters the way both transports read a head
  assert.deepEqual(parseWarningHeader(Buffer.from('299 - "unknown field \\"spec.sеlector\\""', 'utf8').toString('latin1')), ['unknown field "spec.sеlector"']);
});
