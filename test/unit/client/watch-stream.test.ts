import { test, after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BodyDecoder, LineSplitter } from '../../../src/client/watch-stream.js';
import { parseResponseHead } from '../../../src/client/unix-http-pool.js';
import { HttpClient } from '../../../src/client/http-client.js';
import { isApiError } from '../../../src/errors.js';
import type { WatchEvent } from '../../../src/api/types.js';

/** Feeds `wire` (a body) in the given pieces; what the lines and the decoder say. */
function decode(head: string, pieces: Buffer[]): { lines: string[]; result: string; pending: number } {
  const lines: string[] = [];
  const splitter = new LineSplitter((t) => { lines.push(t); return true; });
  const body = new BodyDecoder(parseResponseHead(head));
  let result = 'more';
  for (const p of pieces) {
    result = body.push(p, 0, (b, s, e) => splitter.push(b, s, e));
    if (result !== 'more') break;
  }
  return { lines, result, pending: splitter.pendingBytes };
}

/** Every way of cutting `wire` in two, plus one byte at a time. */
function splits(wire: Buffer): Buffer[][] {
  const out: Buffer[][] = [[wire]];
  for (let i = 1; i < wire.length; i++) out.push([wire.subarray(0, i), wire.subarray(i)]);
  out.push([...wire].map((b) => Buffer.from([b])));
  return out;
}

const CHUNKED = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked';
const LENGTH = (n: number) => `HTTP/1.1 200 OK\r\nContent-Length: ${n}`;
const CLOSE = 'HTTP/1.1 200 OK\r\nConnection: close';

const CASES: [name: string, head: string, wire: string, lines: string[], result: string, pending: number][] = [
  ['one chunk, two lines', CHUNKED, 'e\r\n{"a":1}\n{"b"}\n\r\n', ['{"a":1}', '{"b"}'], 'more', 0],
  ['a line across two chunks', CHUNKED, '4\r\n{"a"\r\n4\r\n:1}\n\r\n', ['{"a":1}'], 'more', 0],
  ['chunk extensions and uppercase hex', CHUNKED, 'A;name=x\r\n123456789\n\r\n', ['123456789'], 'more', 0],
  ['the last chunk ends the body', CHUNKED, '2\r\nx\n\r\n0\r\n\r\n', ['x'], 'done', 0],
  ['trailer fields are skipped', CHUNKED, '2\r\nx\n\r\n0\r\nX-A: 1\r\nX-B: 2\r\n\r\n', ['x'], 'done', 0],
  ['an unfinished line waits', CHUNKED, '5\r\nab\ncd\r\n', ['ab'], 'more', 2],
  ['multi-byte UTF-8 across chunks', CHUNKED, '1\r\n\xc3\r\n2\r\n\xa9\n\r\n', ['é'], 'more', 0],
  ['Content-Length', LENGTH(6), 'a\nbc\nd', ['a', 'bc'], 'done', 1],
  ['close-delimited', CLOSE, 'a\nb\n', ['a', 'b'], 'more', 0],
];

for (const [name, head, wire, lines, result, pending] of CASES) {
  test(`watch body: ${name}, however the reads cut it`, () => {
    // latin1 keeps the test's raw bytes (the UTF-8 case) as written
    for (const pieces of splits(Buffer.from(wire, 'latin1'))) {
      assert.deepEqual(decode(head, pieces), { lines, result, pending }, `pieces ${pieces.map((p) => JSON.stringify(p.toString('latin1'))).join(' | ')}`);
    }
  });
}

const MALFORMED: [name: string, wire: string, message: RegExp][] = [
  ['a chunk size that is not hex', 'zz\r\nabc\r\n', /malformed chunked body: chunk size "zz"/],
  ['no CRLF after the data', '1\r\nab', /no CRLF after chunk data/],
  ['an endless chunk-size line', 'f'.repeat(2000), /chunk-size line too long/],
];

for (const [name, wire, message] of MALFORMED) {
  test(`watch body: ${name} is an error`, () => {
    assert.throws(() => decode(CHUNKED, [Buffer.from(wire)]), message);
  });
}

test('watch body: a line handler that returns false stops the lines and the body', () => {
  const seen: string[] = [];
  const splitter = new LineSplitter((t) => { seen.push(t); return false; });
  const body = new BodyDecoder(parseResponseHead(CHUNKED));
  assert.equal(body.push(Buffer.from('4\r\na\nb\n\r\n'), 0, (b, s, e) => splitter.push(b, s, e)), 'stopped');
  assert.deepEqual(seen, ['a']);
});

describe('HttpClient.watch over a real socket', () => {
  let dir: string;
  let socketPath: string;
  let server: http.Server;
  /** what the stub does for the next watch request */
  let script: (res: http.ServerResponse) => void = () => {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'podnet-watch-stream-'));
    socketPath = join(dir, 'api.sock');
    server = http.createServer((_req, res) => script(res));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const event = (type: string, name: string, rv: number) => `{"type":"${type}","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"${name}","namespace":"default","resourceVersion":"${rv}"}}}\n`;

  async function watchAll(): Promise<{ events: string[]; outcome: unknown }> {
    const client = new HttpClient({ socketPath });
    const events: string[] = [];
    const h = client.watch('configmaps', 'default', { resourceVersion: '1' }, (e: WatchEvent) => events.push(`${e.type} ${e.object.metadata.name}`));
    const outcome = await h.done.then(() => 'ended', (e: unknown) => e);
    client.close();
    return { events, outcome };
  }

  test('events in any chunking, then the end of the stream resolves done', async () => {
    script = (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      const text = event('ADDED', 'a', 2) + '\n' + event('MODIFIED', 'a', 3) + event('DELETED', 'a', 4);
      res.write(text.slice(0, 30));
      setImmediate(() => { res.write(text.slice(30, 150)); setImmediate(() => res.end(text.slice(150))); });
    };
    assert.deepEqual(await watchAll(), { events: ['ADDED a', 'MODIFIED a', 'DELETED a'], outcome: 'ended' });
  });

  test('a burst read in windows (the socket paused between reads) loses nothing, keeps the order and still sees the end', async () => {
    const n = 200;
    script = (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      let i = 0;
      const next = () => {
        if (i === n) { res.end(); return; }
        res.write(event('ADDED', `o${i}`, 2 + i));
        i++;
        setImmediate(next);
      };
      next();
    };
    const { events, outcome } = await watchAll();
    assert.deepEqual(events, Array.from({ length: n }, (_, i) => `ADDED o${i}`));
    assert.equal(outcome, 'ended');
  });

  test('stop() during a burst window resolves done', async () => {
    let timer: NodeJS.Timeout | undefined;
    script = (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      let i = 0;
      timer = setInterval(() => { if (!res.destroyed) res.write(event('ADDED', `p${i++}`, 2 + i)); }, 1);
    };
    const client = new HttpClient({ socketPath });
    let seen = 0;
    let h!: { done: Promise<void>; stop(): void };
    await new Promise<void>((resolve) => {
      h = client.watch('configmaps', 'default', { resourceVersion: '1' }, () => { if (++seen === 3) resolve(); });
    });
    h.stop();
    await h.done;
    clearInterval(timer);
    client.close();
  });

  test('an ERROR event rejects done with its Status (410 Expired)', async () => {
    script = (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ type: 'ERROR', object: { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message: 'too old resource version: 1 (5)', reason: 'Expired', code: 410 } }) + '\n');
    };
    const { events, outcome } = await watchAll();
    assert.deepEqual(events, []);
    assert.ok(isApiError(outcome, 'Expired'), String(outcome));
  });

  test('an error answer rejects done with the ApiError of its body', async () => {
    script = (res) => {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message: 'field label not supported: x', reason: 'BadRequest', code: 400 }));
    };
    const { outcome } = await watchAll();
    assert.ok(isApiError(outcome, 'BadRequest'), String(outcome));
    assert.match((outcome as Error).message, /field label not supported: x/);
  });

  test('a connection closed mid-stream rejects done as broken, after the events before it', async () => {
    script = (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      res.write(event('ADDED', 'b', 2) + '{"type":"ADD');
      setImmediate(() => res.socket?.destroy());
    };
    const { events, outcome } = await watchAll();
    assert.deepEqual(events, ['ADDED b']);
    assert.match((outcome as Error).message, /watch of configmaps broken: connection closed/);
  });

  test('a malformed event rejects done', async () => {
    script = (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      res.write('{"type":\n');
    };
    const { outcome } = await watchAll();
    assert.match((outcome as Error).message, /^malformed watch event: /);
  });

  test('stop() resolves done and delivers nothing more', async () => {
    let later!: () => void;
    script = (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      res.write(event('ADDED', 'c', 2));
      later = () => { if (!res.destroyed) res.write(event('ADDED', 'd', 3)); };
    };
    const client = new HttpClient({ socketPath });
    const events: string[] = [];
    let h!: { done: Promise<void>; stop(): void };
    const first = new Promise<void>((resolve) => {
      h = client.watch('configmaps', 'default', { resourceVersion: '1' }, (e: WatchEvent) => { events.push(e.object.metadata.name!); resolve(); });
    });
    await first;
    h.stop();
    later();
    await h.done;
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(events, ['c']);
    client.close();
  });

  test('no server at the socket rejects done with the connect error', async () => {
    const client = new HttpClient({ socketPath: join(dir, 'nobody.sock') });
    const h = client.watch('configmaps', 'default', {}, () => {});
    await assert.rejects(h.done, (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
  });

  test('a response head cut between reads is read whole', async () => {
    // a raw server writing the head a few bytes at a time
    const raw = net.createServer((sock) => {
      sock.once('data', () => {
        const wire = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' + `${(event('ADDED', 'e', 2).length).toString(16)}\r\n${event('ADDED', 'e', 2)}\r\n0\r\n\r\n`;
        let at = 0;
        const step = () => { if (at < wire.length) { sock.write(wire.slice(at, at + 7)); at += 7; setImmediate(step); } else sock.end(); };
        step();
      });
    });
    const rawPath = join(dir, 'raw.sock');
    await new Promise<void>((resolve) => raw.listen(rawPath, resolve));
    const client = new HttpClient({ socketPath: rawPath });
    const events: string[] = [];
    const h = client.watch('configmaps', 'default', { resourceVersion: '1' }, (e: WatchEvent) => events.push(e.object.metadata.name!));
    await h.done;
    assert.deepEqual(events, ['e']);
    await new Promise((r) => raw.close(r));
  });
});
