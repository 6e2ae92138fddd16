import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_BODY_BYTES, readBody } from '../../../src/apiserver/http-util.js';
import { isApiError } from '../../../src/errors.js';

// readBody against a real server on port 0: what each request's body read to.
const results: (string | Error)[] = [];
const server = http.createServer((req, res) => {
  readBody(req).then((body) => { results.push(body); res.end('ok'); }, (e: Error) => { results.push(e); if (!res.destroyed) res.end(); });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));

function send(chunks: (string | Buffer)[]): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/' }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', () => resolve());
    for (const c of chunks) req.write(c);
    req.end();
  });
}

test('readBody: the whole body as UTF-8, in one chunk or many, empty too', async () => {
  results.length = 0;
  await send(['{"a":"ü"}']);
  await send(['{"a":"', Buffer.from([0xc3]), Buffer.from([0xbc]), '"}']);
  await send([]);
  assert.deepEqual(results, ['{"a":"ü"}', '{"a":"ü"}', '']);
});

test('readBody: a body over the limit is 413 RequestEntityTooLarge', async () => {
  results.length = 0;
  await send([Buffer.alloc(MAX_BODY_BYTES + 1, 0x20)]);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(results.length, 1);
  assert.ok(isApiError(results[0]) && results[0].httpCode === 413, String(results[0]));
});
