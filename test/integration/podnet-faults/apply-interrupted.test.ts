// `podnet apply` whose daemon crashes half-way, for real: the CLI against a
// stand-in daemon on the cluster's API socket that creates the first objects
// and then dies with -9 (its socket file left behind, as a crash leaves it).
//
// Regression: apply printed only `error: cluster "X" is not running…`
// although hundreds of objects had been created. Now it prints the line of
// each object created before the crash, as kubectl prints them as it goes,
// then the error, and exits 1.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { podnet } from '../../support/cli.js';

const CLUSTER = 'itapplycrash';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itapplycrash-'));
const socket = path.join(stateDir, CLUSTER, 'api.sock');
const pn = podnet(CLUSTER, stateDir);
/** objects in the file, and how many the daemon creates before it crashes */
const OBJECTS = 600;
const CREATED = 250;

// Answers each create with the object (201), the 250th one included, then dies.
const DAEMON = `
const http = require('node:http');
let created = 0;
http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    if (req.method !== 'POST') { res.writeHead(404, { 'content-type': 'application/json' }); res.end('{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"NotFound","code":404,"message":"not found"}'); return; }
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(body, () => { if (++created === ${CREATED}) process.kill(process.pid, 'SIGKILL'); });
  });
}).listen(process.argv[1], () => console.log('listening'));
`;

let daemon: ChildProcess;
before(async () => {
  mkdirSync(path.dirname(socket), { recursive: true });
  daemon = spawn(process.execPath, ['-e', DAEMON, socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    daemon.stdout!.once('data', () => resolve());
    daemon.once('exit', (code) => reject(new Error(`the stand-in daemon exited (${code})`)));
  });
  daemon.removeAllListeners('exit');
});

after(() => {
  try { daemon.kill('SIGKILL'); } catch { /* gone */ }
  rmSync(stateDir, { recursive: true, force: true });
});

test('regression: a daemon that crashes after 250 of 600 objects: apply prints the 250 lines, then the error, and exits 1', async () => {
  const docs = Array.from({ length: OBJECTS }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-${i}}\ndata: {i: "${i}"}\n`);
  const r = await pn(['apply', '-f', '-'], { input: docs.join('---\n') });
  const lines = r.stdout.split('\n').filter(Boolean);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(lines.length, CREATED, `${lines.length} lines on stdout for ${CREATED} objects created:\n${r.stdout.slice(0, 300)}`);
  for (const line of lines) assert.match(line, /^configmap\/cm-\d+ created$/);
  assert.equal(r.stderr, `error: cluster "${CLUSTER}" is not running (nothing listens on its API socket ${socket}: its daemon has stopped); start it with: podnet up --cluster ${CLUSTER}\n`);
});
