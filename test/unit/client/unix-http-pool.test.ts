import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseResponseHead, readChunked, UnixHttpPool, type UnixHttpPoolOptions } from '../../../src/client/unix-http-pool.js';
import { HttpClient } from '../../../src/client/http-client.js';

const HEADS = [
  ['Content-Length', 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12', { status: 200, contentLength: 12, chunked: false, close: false }],
  ['chunked and close, any case', 'HTTP/1.1 404 Not Found\r\ntransfer-encoding: Chunked\r\nCONNECTION: close', { status: 404, contentLength: undefined, chunked: true, close: true }],
  ['HTTP/1.0 closes', 'HTTP/1.0 500 Internal Server Error\r\nContent-Length: 0', { status: 500, contentLength: 0, chunked: false, close: true }],
  ['keep-alive', 'HTTP/1.1 201 Created\r\nConnection: keep-alive\r\nContent-Length: 3', { status: 201, contentLength: 3, chunked: false, close: false }],
] as const;

for (const [name, head, want] of HEADS) {
  test(`response head: ${name}`, () => assert.deepEqual(parseResponseHead(head), want));
}

test('response head: a malformed status line or Content-Length is an error', () => {
  assert.throws(() => parseResponseHead('HTTP/2 200'), /malformed HTTP status line/);
  assert.throws(() => parseResponseHead('HTTP/1.1 200 OK\r\nContent-Length: 1x'), /malformed Content-Length/);
});

const CHUNKED = [
  ['two chunks', '5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n', 'hello world'],
  ['a trailer', '3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n', 'abc'],
  ['empty body', '0\r\n\r\n', ''],
  ['incomplete chunk', '5\r\nhel', undefined],
  ['no last chunk yet', '5\r\nhello\r\n', undefined],
  ['no final empty line yet', '0\r\n', undefined],
] as const;

for (const [name, wire, want] of CHUNKED) {
  test(`chunked body: ${name}`, () => assert.equal(readChunked(Buffer.from(wire))?.body.toString(), want));
}

let dir: string;
let socketPath: string;
let server: http.Server;
const serverSockets = new Set<Socket>();
let connections = 0;
/** the most requests one server socket had unanswered at once: > 1 means pipelining */
let maxPipelined = 0;
const unanswered = new Map<Socket, number>();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'podnet-pool-'));
  socketPath = join(dir, 'api.sock');
  server = http.createServer((req, res) => {
    const sock = req.socket;
    unanswered.set(sock, (unanswered.get(sock) ?? 0) + 1);
    maxPipelined = Math.max(maxPipelined, unanswered.get(sock)!);
    res.on('finish', () => unanswered.set(sock, unanswered.get(sock)! - 1));
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { body += c; });
    req.on('end', () => {
      const url = req.url ?? '';
      if (url === '/never') return; // never answers
      if (url === '/chunked') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"chunked"');
        setImmediate(() => res.end(':true}'));
        return;
      }
      if (url === '/close') {
        res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'close', 'Content-Length': 2 });
        res.end('{}');
        return;
      }
      const json = JSON.stringify({ method: req.method, url, body, type: req.headers['content-type'] ?? null });
      res.writeHead(url.startsWith('/missing') ? 404 : 200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
      res.end(json);
    });
  });
  server.on('connection', (s: Socket) => {
    connections++;
    serverSockets.add(s);
    s.on('close', () => serverSockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** Runs fn with a pool of these options and closes the pool after it, passed or failed. */
async function withPool(options: UnixHttpPoolOptions, fn: (pool: UnixHttpPool) => Promise<void>): Promise<void> {
  const pool = new UnixHttpPool(options);
  try {
    await fn(pool);
  } finally {
    pool.close();
  }
}

test('pool: 200 concurrent requests over at most 4 connections, each gets its own answer', async () => {
  const before0 = connections;
  await withPool({ socketPath, maxConnections: 4, pipelineDepth: 1, timeoutMs: 10_000 }, async (pool) => {
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => {
      const body = i % 2 === 0 ? JSON.stringify({ i, text: 'ünïcödé ✓' }) : undefined;
      return pool.request(i % 2 === 0 ? 'POST' : 'GET', i % 10 === 3 ? `/missing/${i}` : `/objects/${i}`, body, 'application/json');
    }));
    answers.forEach((a, i) => {
      assert.equal(a.status, i % 10 === 3 ? 404 : 200);
      const got = JSON.parse(a.body) as { method: string; url: string; body: string; type: string | null };
      assert.equal(got.method, i % 2 === 0 ? 'POST' : 'GET');
      assert.ok(got.url.endsWith(`/${i}`));
      if (i % 2 === 0) assert.deepEqual(JSON.parse(got.body), { i, text: 'ünïcödé ✓' });
      else assert.equal(got.type, null);
    });
    assert.ok(connections - before0 <= 4, `opened ${connections - before0} connections`);
  });
});

test('pool: 200 concurrent requests pipelined 8 deep on 2 connections, answers in order to the right callers', async () => {
  const before0 = connections;
  maxPipelined = 0;
  await withPool({ socketPath, maxConnections: 2, pipelineDepth: 8, timeoutMs: 10_000 }, async (pool) => {
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      pool.request(i % 3 === 0 ? 'POST' : 'GET', i % 7 === 0 ? `/missing/${i}` : `/objects/${i}`, i % 3 === 0 ? JSON.stringify({ i }) : undefined, 'application/json')));
    answers.forEach((a, i) => {
      assert.equal(a.status, i % 7 === 0 ? 404 : 200);
      const got = JSON.parse(a.body) as { url: string; body: string };
      assert.ok(got.url.endsWith(`/${i}`), `answer ${i} went to ${got.url}`);
      if (i % 3 === 0) assert.deepEqual(JSON.parse(got.body), { i });
    });
    assert.ok(connections - before0 <= 2, `opened ${connections - before0} connections`);
    assert.ok(maxPipelined > 1 && maxPipelined <= 8, `at most ${maxPipelined} requests in flight on one connection`);
  });
});

test('pool: a chunked answer between pipelined ones is read to its end', async () => {
  await withPool({ socketPath, maxConnections: 1, pipelineDepth: 4, timeoutMs: 10_000 }, async (pool) => {
    const [a, b, c] = await Promise.all(['/objects/a', '/chunked', '/objects/c'].map((u) => pool.request('GET', u, undefined, 'application/json')));
    assert.equal((JSON.parse(a!.body) as { url: string }).url, '/objects/a');
    assert.deepEqual(b, { status: 200, body: '{"chunked":true}' });
    assert.equal((JSON.parse(c!.body) as { url: string }).url, '/objects/c');
  });
});

test('pool: a request pipelined behind an answer that closes the connection fails, and is not sent again', async () => {
  await withPool({ socketPath, maxConnections: 1, pipelineDepth: 2, timeoutMs: 10_000 }, async (pool) => {
    const first = pool.request('GET', '/close', undefined, 'application/json');
    const second = pool.request('POST', '/objects/behind-close', '{}', 'application/json');
    assert.deepEqual(await first, { status: 200, body: '{}' });
    await assert.rejects(second, /POST \/objects\/behind-close: no answer, it may have been applied \(the server closed the connection before answering\)/);
    assert.equal((await pool.request('GET', '/objects/next', undefined, 'application/json')).status, 200);
  });
});

test('pool: a chunked answer, and an answer that closes its connection, then more requests', async () => {
  await withPool({ socketPath, maxConnections: 1, pipelineDepth: 1, timeoutMs: 10_000 }, async (pool) => {
    assert.deepEqual(await pool.request('GET', '/chunked', undefined, 'application/json'), { status: 200, body: '{"chunked":true}' });
    assert.deepEqual(await pool.request('GET', '/close', undefined, 'application/json'), { status: 200, body: '{}' });
    const again = await pool.request('GET', '/objects/after-close', undefined, 'application/json');
    assert.equal(again.status, 200);
  });
});

test('pool: a keep-alive connection the server dropped while idle is replaced; the requests are not lost', async () => {
  await withPool({ socketPath, maxConnections: 1, pipelineDepth: 4, timeoutMs: 10_000 }, async (pool) => {
    await pool.request('GET', '/objects/1', undefined, 'application/json');
    for (const s of serverSockets) s.destroy();
    const rs = await Promise.all(['/objects/2', '/objects/3', '/objects/4'].map((u) => pool.request('GET', u, undefined, 'application/json')));
    assert.deepEqual(rs.map((r) => (JSON.parse(r.body) as { url: string }).url), ['/objects/2', '/objects/3', '/objects/4']);
  });
});

test('pool: a request the server never answers fails with its method and path', async () => {
  await withPool({ socketPath, maxConnections: 1, pipelineDepth: 1, timeoutMs: 100 }, async (pool) => {
    await assert.rejects(pool.request('GET', '/never', undefined, 'application/json'), /GET \/never timed out after 100ms/);
    // the connection is replaced
    assert.equal((await pool.request('GET', '/objects/3', undefined, 'application/json')).status, 200);
  });
});

test('pool: a request pipelined behind one that times out fails with both names', async () => {
  await withPool({ socketPath, maxConnections: 1, pipelineDepth: 2, timeoutMs: 100 }, async (pool) => {
    const stuck = pool.request('GET', '/never', undefined, 'application/json');
    const behind = pool.request('GET', '/objects/5', undefined, 'application/json');
    await assert.rejects(stuck, /^Error: GET \/never timed out after 100ms$/);
    await assert.rejects(behind, /GET \/objects\/5: no answer, it may have been applied \(GET \/never timed out after 100ms\)/);
  });
});

// A server that answers and dies while the client is not looking: the next
// request's write fails (EPIPE) before the client's turn to read, and node
// closes the socket on a failed write. The answer already sent must still
// be read: the request it answers was applied.
test('pool: an answer sent just before the server died is read although writing the next request failed', async () => {
  const path = join(dir, 'dies.sock');
  let pool: UnixHttpPool | undefined;
  let second: Promise<unknown> | undefined;
  const dying = net.createServer((s) => {
    s.once('data', () => {
      s.write('HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}');
      s.destroy();
      // in the server's callback: the client has not polled its socket since
      second = pool!.request('POST', '/objects/2', '{}', 'application/json');
    });
  });
  await new Promise<void>((resolve) => dying.listen(path, resolve));
  try {
    await withPool({ socketPath: path, maxConnections: 1, pipelineDepth: 4, timeoutMs: 10_000 }, async (p) => {
      pool = p;
      assert.deepEqual(await p.request('POST', '/objects/1', '{}', 'application/json'), { status: 201, body: '{}' });
      await assert.rejects(second!, /POST \/objects\/2|EPIPE|ECONNRESET/);
    });
  } finally {
    dying.close();
  }
});

test('pool: no server at the path fails the request', async () => {
  await withPool({ socketPath: join(dir, 'nobody.sock'), maxConnections: 1, pipelineDepth: 1, timeoutMs: 1000 }, async (pool) => {
    await assert.rejects(pool.request('GET', '/x', undefined, 'application/json'), /ENOENT/);
  });
});

test('HttpClient with lean: true sends its requests through the pool, errors become ApiErrors', async () => {
  const client = new HttpClient({ socketPath, lean: true });
  try {
    const got = await client.get('configmaps', 'ns1', 'cm1') as unknown as { method: string; url: string };
    assert.deepEqual([got.method, got.url], ['GET', '/api/v1/namespaces/ns1/configmaps/cm1']);
    const created = await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'ns1' } }) as unknown as { method: string; type: string; body: string };
    assert.equal(created.method, 'POST');
    assert.equal(created.type, 'application/json');
    assert.equal((JSON.parse(created.body) as { metadata: { name: string } }).metadata.name, 'x');
  } finally {
    client.close();
  }
});
