// A daemon that crashed leaves its API socket file with nothing listening:
// every command that talks to the cluster says the cluster is not running
// and how to start it, as when there is no socket at all. Regression: each
// printed `error: connect ECONNREFUSED …/api.sock` (apply once per document).
// The "crash" is a process listening on the socket, killed with -9.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { podnet } from '../../support/cli.js';

const CLUSTER = 'itstopped';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itstopped-'));
const socket = path.join(stateDir, CLUSTER, 'api.sock');
const pn = podnet(CLUSTER, stateDir);
const NOT_RUNNING = `error: cluster "${CLUSTER}" is not running (nothing listens on its API socket ${socket}: its daemon has stopped); start it with: podnet up --cluster ${CLUSTER}\n`;

before(async () => {
  mkdirSync(path.dirname(socket), { recursive: true });
  const listener = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(socket)}, () => console.log('listening'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    listener.stdout.on('data', () => resolve());
    listener.on('exit', (code) => reject(new Error(`listener exited (${code})`)));
  });
  listener.removeAllListeners('exit');
  listener.kill('SIGKILL');
  await new Promise((r) => listener.once('close', r));
  assert.ok(existsSync(socket), 'a process killed with -9 leaves its socket file');
});

after(() => { rmSync(stateDir, { recursive: true, force: true }); });

const COMMANDS: { argv: string[]; input?: string }[] = [
  { argv: ['get', 'pods'] },
  { argv: ['get', 'nodes', '-o', 'name'] },
  { argv: ['describe', 'pod', 'web'] },
  { argv: ['delete', 'pod', 'web'] },
  { argv: ['wait', '--for=condition=Ready', 'pod/web', '--timeout=1s'] },
  { argv: ['scale', '--replicas=2', 'deployment/web'] },
  { argv: ['logs', 'web'] },
  { argv: ['exec', 'web', '--', 'true'] },
  { argv: ['exec', 'node/node-1', '--', 'true'] },
  { argv: ['kubectl', 'get', 'pods'] },
  // several documents, one line: not one connect error per document
  { argv: ['apply', '-f', '-'], input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n' },
];

for (const { argv, input } of COMMANDS) {
  test(`podnet ${argv.join(' ')}: the cluster is not running, start it with podnet up`, async () => {
    const r = await pn(argv, input !== undefined ? { input } : {});
    assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', NOT_RUNNING]);
  });
}
