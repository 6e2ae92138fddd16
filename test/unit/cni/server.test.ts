import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CniServer } from '../../../src/cni/server.js';
import { formatRequest, parseReply, type WireReply } from '../../../src/cni/wire.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pn-cni-server-'));
const server = new CniServer(path.join(dir, 'podnet-cni.sock'));

before(async () => { await server.listen(); });
after(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** One call as the shim makes it: write the request, half-close, read the reply to the end. */
function call(text: string): Promise<WireReply> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(server.socketPath);
    let reply = '';
    sock.setEncoding('utf8').on('data', (d: string) => { reply += d; });
    sock.on('end', () => { try { resolve(parseReply(reply)); } catch (e) { reject(e); } });
    sock.on('error', reject);
    sock.end(text);
  });
}

test('the socket is root-only', () => {
  assert.equal(fs.statSync(server.socketPath).mode & 0o777, 0o600);
});

test('VERSION through the server answers exactly what the executable prints', async () => {
  const reply = await call(formatRequest({ pid: process.pid, vars: { CNI_COMMAND: 'VERSION' }, stdin: '{"cniVersion":"1.0.0"}' }));
  assert.equal(reply.kind, 'result');
  assert.ok(reply.kind === 'result');
  assert.equal(reply.code, 0);
  assert.deepEqual(JSON.parse(reply.stdout), { cniVersion: '1.0.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] });
});

test('a CNI error comes back as exit status 1 and the spec error object', async () => {
  const reply = await call(formatRequest({ pid: process.pid, vars: { CNI_COMMAND: 'ADD' }, stdin: '{}' }));
  assert.ok(reply.kind === 'result');
  assert.equal(reply.code, 1);
  assert.equal((JSON.parse(reply.stdout) as { code: number }).code, 4);
});

test('garbage and callers that cannot be checked are declined, so the shim runs standalone', async () => {
  assert.equal((await call('hello')).kind, 'decline');
  const gone = await call(formatRequest({ pid: 2 ** 22 + 1, vars: { CNI_COMMAND: 'VERSION' }, stdin: '' }));
  assert.equal(gone.kind, 'decline');
  assert.match((gone as { reason: string }).reason, /not found/);
});
