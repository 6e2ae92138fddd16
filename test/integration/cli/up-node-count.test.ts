// `podnet up` on a cluster that is already there: the node count is fixed
// when a cluster is created. Asking a running (or resumed) cluster for
// another count fails at once and says how to get it; a matching or absent
// --nodes is fine. A cluster resumed after its daemon crashed is announced as
// resumed, with the nodes it had. Regressions: `up --nodes 2` on a 1-node
// cluster waited the whole timeout and failed with "(1/2 nodes Ready)";
// resuming a cluster printed "starting cluster (2 nodes)…" whatever it had.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { processAlive } from '../../../src/net/process.js';
import { downOrKill, eventually, podnet } from '../../support/cli.js';

const CLUSTER = 'itnodes';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itnodes-'));
const pn = podnet(CLUSTER, stateDir);
const FAST_MS = 10_000;

before(async () => {
  const up = await pn(['up', '--nodes', '1', '--bare']);
  assert.equal(up.code, 0, up.stderr);
});

after(async () => {
  await downOrKill(pn, CLUSTER);
  rmSync(stateDir, { recursive: true, force: true });
});

/** kill -9 the daemon, as a crash would; its nodes and their agents stay */
async function crashDaemon(): Promise<void> {
  const pid = Number(readFileSync(path.join(stateDir, CLUSTER, 'daemon.pid'), 'utf8'));
  process.kill(pid, 'SIGKILL');
  await eventually('the daemon gone', async () => !processAlive(pid));
}

const refusal = (has: string, wants: number, resumed = false) =>
  `error: cluster "${CLUSTER}" is already up with ${has}${resumed ? ' (resumed from its state)' : ''}; to have ${wants} nodes, remove it first: podnet down --cluster ${CLUSTER}, then podnet up --cluster ${CLUSTER} --nodes ${wants}\n`;

test('up --nodes N on a running cluster of another size fails at once, saying why', async () => {
  const t0 = Date.now();
  const r = await pn(['up', '--nodes', '2', '--bare']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', refusal('1 node', 2)]);
  assert.ok(Date.now() - t0 < FAST_MS, `took ${Date.now() - t0} ms`);
});

test('up with the same --nodes, or none, on a running cluster succeeds', async () => {
  for (const argv of [['up', '--nodes', '1', '--bare'], ['up', '--bare']]) {
    const r = await pn(argv);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^cluster "${CLUSTER}" is up: 1 nodes Ready`));
  }
});

test('up after a crash resumes the cluster with the nodes it had, and says so', async () => {
  await crashDaemon();
  const r = await pn(['up', '--bare']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr.split('\n')[0], `resuming cluster "${CLUSTER}" from its state in ${path.join(stateDir, CLUSTER)}…`);
  assert.doesNotMatch(r.stderr, /starting cluster|2 nodes/);
  assert.match(r.stderr, /^ {2}1\/1 nodes Ready$/m);
  assert.match(r.stdout, /is up: 1 nodes Ready/);
});

test('up --nodes N after a crash of a cluster of another size: resumed as it was, and refused', async () => {
  await crashDaemon();
  const t0 = Date.now();
  const r = await pn(['up', '--nodes', '3', '--bare']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `resuming cluster "${CLUSTER}" from its state in ${path.join(stateDir, CLUSTER)}…\n${refusal('1 node', 3, true)}`);
  assert.ok(Date.now() - t0 < FAST_MS + 10_000, `took ${Date.now() - t0} ms`);
  const nodes = await pn(['get', 'nodes', '-o', 'name']);
  assert.deepEqual([nodes.code, nodes.stdout], [0, 'node/node-1\n']);
});
