// `podnet down` after a crash of a cluster with many pods: every
// `pn-<cluster>-…` namespace and every process in it must go.
//
// Seen with the 100-pod test: `down` failed with "could not kill processes …
// still running after 5000 ms" and left 133 pod namespaces and their
// processes behind. killNamespaceProcesses (src/topology/teardown.ts) checks
// its deadline after listing the pids and before sending the first signal;
// listing runs `ip netns pids` once per namespace (each a scan of /proc), and
// for ~140 namespaces on a busy machine that first sweep alone takes longer
// than the 5 s budget, so it gives up without having killed anything.
//
// The crashed cluster is made by hand here: 150 namespaces named like pod
// namespaces, each with a process inside, no daemon, no state directory.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { podnet, run } from '../../support/cli.js';

const CLUSTER = 'itpf4';
const PODS = 150;
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itpf4-'));
const pn = podnet(CLUSTER, stateDir);
const sleepers: number[] = [];

async function ours(): Promise<string[]> {
  return (await run(['ip', 'netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`pn-${CLUSTER}-`));
}

/** alive and not a zombie (our own children are reaped by this process; the sleeps are detached) */
function running(pid: number): boolean {
  try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
}

after(async () => {
  // whatever `down` left: our own processes by pid, our own namespaces by name
  for (const pid of sleepers) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  for (const ns of await ours()) await run(['ip', 'netns', 'del', ns]);
  rmSync(stateDir, { recursive: true, force: true });
});

test(`podnet down removes ${PODS} crashed pod namespaces and kills the processes in them`, { timeout: 120_000 }, async () => {
  const names = Array.from({ length: PODS }, (_, i) => `pn-${CLUSTER}-pod-${i.toString(16).padStart(12, '0')}`);
  const batch = await run(['ip', '-batch', '-'], { input: names.map((n) => `netns add ${n}\n`).join('') });
  assert.equal(batch.code, 0, batch.stderr);
  for (const ns of names) {
    const child = spawn('ip', ['netns', 'exec', ns, 'sleep', '600'], { stdio: 'ignore', detached: true });
    child.unref();
    sleepers.push(child.pid!);
  }
  // ip netns exec replaces itself with sleep: wait until each namespace holds its process
  for (const ns of names) {
    for (let i = 0; i < 100 && (await run(['ip', 'netns', 'pids', ns])).stdout.trim() === ''; i++) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal((await ours()).length, PODS);

  const down = await pn(['down'], { timeoutMs: 90_000 });
  assert.equal(down.code, 0, down.stderr.slice(0, 300));
  assert.deepEqual(await ours(), []);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(sleepers.filter(running), [], 'processes left in the deleted namespaces');
});
