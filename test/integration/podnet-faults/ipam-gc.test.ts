// Leaked pod addresses come back: an agent killed with `kill -9` and
// restarted by the daemon runs CNI GC once it has re-adopted its pods, with
// every live pod as a valid attachment. Checked on the IPAM directory on
// disk: an allocation no pod holds (a kill after ADD, a DEL that failed) and
// an empty address file (a plugin killed between open and write, as before
// owners were linked into place) are freed; the live pod keeps its address.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pod } from '../../../src/api/types.js';
import { downOrKill, eventually, podnet } from '../../support/cli.js';

const CLUSTER = 'itgc1';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itgc1-'));
const clusterDir = path.join(stateDir, CLUSTER);
const pn = podnet(CLUSTER, stateDir);

const POD = `apiVersion: v1\nkind: Pod\nmetadata: {name: keep}\nspec:\n  nodeName: node-1\n  containers: [{name: echo, image: podnet/echo}]\n`;

function agentPid(): number {
  return Number(readFileSync(path.join(clusterDir, 'procs', 'agent-node-1.pid'), 'utf8'));
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

async function keepPod(): Promise<Pod> {
  const r = await pn(['get', 'pod', 'keep', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Pod;
}

const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describe('CNI GC after an agent kill -9', { timeout: 180_000 }, () => {
  before(async () => {
    const up = await pn(['up', '--nodes', '1', '--bare']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
  });

  after(async () => {
    await downOrKill(pn, CLUSTER);
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('the restarted agent frees an orphaned allocation and an empty address file, and keeps the live pod\'s', async () => {
    const r = await pn(['apply', '-f', '-'], { input: POD });
    assert.equal(r.code, 0, r.stderr);
    const ip = (await eventually('pod keep Ready', async () => { const p = await keepPod(); return isReady(p) ? p : undefined; }, 60_000, 200)).status!.podIP!;
    const [network] = readdirSync(path.join(clusterDir, 'ipam'));
    const store = path.join(clusterDir, 'ipam', network!);
    assert.ok(existsSync(path.join(store, ip)), `${ip} allocated in ${store}`);
    const prefix = ip.split('.').slice(0, 3).join('.');
    const orphan = path.join(store, `${prefix}.200`);
    const empty = path.join(store, `${prefix}.201`);
    writeFileSync(orphan, 'deadbeefdeadbeef\r\neth0');
    writeFileSync(empty, '');
    const old = new Date(Date.now() - 120_000);
    utimesSync(empty, old, old); // older than any allocation in progress could be

    const killed = agentPid();
    process.kill(killed, 'SIGKILL');
    await eventually('node-1 agent restarted', async () => { const pid = agentPid(); return pid !== killed && alive(pid) ? pid : undefined; }, 30_000, 100);
    await eventually('leaked addresses freed', async () => !existsSync(orphan) && !existsSync(empty), 30_000, 200);
    assert.ok(existsSync(path.join(store, ip)), 'the live pod keeps its address');
    const after = await keepPod();
    assert.equal(after.status?.podIP, ip);
    assert.ok(isReady(after), 'still Ready');
    assert.equal((await pn(['delete', 'pod', 'keep'])).code, 0);
    await eventually('pod keep gone and its address freed', async () => (await pn(['get', 'pod', 'keep'])).code !== 0 && !existsSync(path.join(store, ip)), 60_000, 200);
  });
});
