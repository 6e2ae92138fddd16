// One daemon per cluster, whatever starts it: two `podnet up` at once used to
// start two daemons on one store (each with its own allocators), and both
// commands failed. And pid files are only trusted for processes that are
// the cluster's: a stale daemon.pid naming an unrelated process neither
// makes `up` believe a daemon runs nor gets that process killed by `down`.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { downOrKill, podnet, run } from '../../support/cli.js';

const CLUSTER = 'itpf5';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itpf5-'));
const pn = podnet(CLUSTER, stateDir);
const bystanders: number[] = [];

after(async () => {
  await downOrKill(pn, CLUSTER);
  for (const pid of bystanders) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  rmSync(stateDir, { recursive: true, force: true });
});

/** pids of processes running this cluster's daemon */
function daemons(): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try { args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0'); } catch { continue; }
    if (args.some((a) => a.endsWith('daemon-main.js')) && args.some((a, i) => a === '--cluster' && args[i + 1] === CLUSTER)) out.push(Number(entry));
  }
  return out;
}

function alive(pid: number): boolean {
  try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
}

test('a stale daemon.pid naming another live process: up starts the daemon, down leaves that process alone', { timeout: 120_000 }, async () => {
  const sleeper = spawn('sleep', ['600'], { stdio: 'ignore', detached: true });
  sleeper.unref();
  bystanders.push(sleeper.pid!);
  const clusterDir = path.join(stateDir, CLUSTER);
  mkdirSync(path.join(clusterDir, 'procs'), { recursive: true });
  writeFileSync(path.join(clusterDir, 'daemon.pid'), String(sleeper.pid));
  writeFileSync(path.join(clusterDir, 'procs', 'agent-node-9.pid'), String(sleeper.pid));
  const up = await pn(['up', '--bare'], { timeoutMs: 90_000 });
  assert.equal(up.code, 0, up.stderr);
  assert.equal(daemons().length, 1);
  // the daemon replaced the stale file with its own pid
  assert.deepEqual([Number(readFileSync(path.join(clusterDir, 'daemon.pid'), 'utf8'))], daemons());
  writeFileSync(path.join(clusterDir, 'procs', 'agent-node-9.pid'), String(sleeper.pid));
  const down = await pn(['down'], { timeoutMs: 60_000 });
  assert.equal(down.code, 0, down.stderr);
  assert.deepEqual(daemons(), []);
  assert.ok(alive(sleeper.pid!), 'the unrelated process named by a stale pid file is still running');
});

test('two podnet up at once: both succeed, one daemon runs the cluster, down removes everything', { timeout: 120_000 }, async () => {
  const [a, b] = await Promise.all([pn(['up', '--bare'], { timeoutMs: 90_000 }), pn(['up', '--bare'], { timeoutMs: 90_000 })]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const running = daemons();
  assert.equal(running.length, 1, `daemons: ${running.join(', ')}`);
  assert.equal(Number(readFileSync(path.join(stateDir, CLUSTER, 'daemon.pid'), 'utf8')), running[0]);
  const nodes = await pn(['get', 'nodes', '-o', 'name']);
  assert.deepEqual([nodes.code, nodes.stdout], [0, 'node/node-1\nnode/node-2\n'], nodes.stderr);
  // a third up finds the running daemon and starts none
  const again = await pn(['up', '--bare'], { timeoutMs: 60_000 });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(daemons(), running);
  const down = await pn(['down'], { timeoutMs: 60_000 });
  assert.equal(down.code, 0, down.stderr);
  assert.deepEqual(daemons(), []);
  const left = (await run(['ip', 'netns', 'list'])).stdout.split('\n').filter((l) => l.startsWith(`pn-${CLUSTER}-`));
  assert.deepEqual(left, []);
});
