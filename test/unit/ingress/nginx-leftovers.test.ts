// NginxProcess.stopLeftovers with a stand-in for NGINX: a shell script named
// like no other program here, whose "workers" are subshells (they keep its
// name, as NGINX's workers keep nginx's) and outlive it, one of them deaf to
// SIGQUIT. The master is killed with -9, as in the ingress pod that then
// crash-looped on `bind() … Address already in use`.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NginxProcess } from '../../../src/ingress/nginx-process.js';
import { processGroupMembers, processGroupOf, processName, processRunning } from '../../../src/net/process.js';
import { RecordingRunner } from '../../../src/net/runner.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pn-nginx-leftovers-'));
after(() => {
  // a failed assertion leaves the stand-in running, and its pipes would keep this file from ever ending
  for (const p of ours()) try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
  rmSync(dir, { recursive: true, force: true });
});

/** 13 characters: the whole name is the process's name (the kernel keeps 15) */
const NAME = 'pn-fake-nginx';
const bin = path.join(dir, NAME);
writeFileSync(bin, `#!/bin/sh
( while :; do sleep 0.1; done ) &
( trap '' QUIT; while :; do sleep 0.1; done ) &
wait
`);
chmodSync(bin, 0o755);

const ours = () => processGroupMembers(processGroupOf(process.pid)!).filter((p) => processName(p.pid) === NAME && processRunning(p));

test('a master killed with -9 leaves its workers running; stopLeftovers stops them (SIGQUIT, then SIGKILL for one that ignores it), and nothing else', async () => {
  const nginx = new NginxProcess({ prefix: path.join(dir, 'run'), conf: path.join(dir, 'conf', 'nginx.conf'), certDir: path.join(dir, 'run', 'certs') }, new RecordingRunner(), bin);
  await nginx.prepare();
  const exited = new Promise<string | null>((resolve) => nginx.onUnexpectedExit((_code, signal) => resolve(signal)));
  assert.equal((await nginx.apply('# any text: the stand-in reads no conf\n')).action, 'started');
  // started means a first worker; the stand-in's second is forked a moment later (on a busy machine, later still)
  for (let i = 0; i < 200 && nginx.workers().length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  const workers = nginx.workers();
  assert.equal(workers.length, 2);

  process.kill(nginx.pid!, 'SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  assert.deepEqual(ours().map((p) => p.pid).sort(), [...workers].sort(), 'the workers outlive their master');

  // another program in the same process group (this one too) is not NGINX's
  const bystander = spawn('sleep', ['5'], { stdio: 'ignore' });
  const t0 = Date.now();
  await nginx.stopLeftovers(300);
  await new Promise((r) => setTimeout(r, 50)); // SIGKILL is delivered at once, the exit a moment later
  assert.deepEqual(ours(), [], 'left running');
  assert.ok(Date.now() - t0 >= 300, 'the worker that ignores SIGQUIT was killed before its grace was over');
  assert.equal(bystander.exitCode === null && bystander.signalCode === null, true, 'another process of the group was signalled');
  bystander.kill('SIGKILL');
});
