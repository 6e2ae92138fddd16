// The node agent's side of "killed processes never corrupt state, IPs are
// never handed out twice, and none leak": CNI GC with every live pod as the
// valid attachments, a failed teardown kept and retried, and container pids
// on disk the moment they are spawned. The CNI plugin is a fake executable
// (the same exec protocol the agent always uses) that logs every call.

import { after, before, test } from 'node:test';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pod } from '../../../src/api/types.js';
import type { Client } from '../../../src/client/client.js';
import { Kubelet } from '../../../src/agent/kubelet.js';
import { PodWorker, type AgentContext, type PersistedState } from '../../../src/agent/pod-worker.js';
import { Semaphore } from '../../../src/agent/semaphore.js';
import { processStartTicks } from '../../../src/net/process.js';
import type { Runner } from '../../../src/net/runner.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pn-kubelet-hk-'));
// The hostNetwork pods below get a pause that joins the node's network
// namespace: a bare one stands in for it (no CNI, no links).
const CLUSTER = 'unithk';
const NODE_NETNS = `pn-${CLUSTER}-node-1`;
before(() => { execFileSync('ip', ['netns', 'add', NODE_NETNS]); });
after(() => {
  execFileSync('ip', ['netns', 'del', NODE_NETNS]);
  fs.rmSync(root, { recursive: true, force: true });
});

const NODE = 'node-1';

interface Fixture { ctx: AgentContext; podsDir: string; calls: () => { command: string; containerId: string; stdin: string }[]; failDel: (on: boolean) => void; events: string[] }

/** A fake podnet-cni: logs `COMMAND CONTAINERID` and stdin as one JSON line; DEL fails (code 11, the IPAM lock) while `fail-del` exists. */
function fixture(name: string, slots = new Semaphore(4), extra: Partial<AgentContext> = {}): Fixture {
  const dir = path.join(root, name);
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  const log = path.join(dir, 'cni.log');
  const failFlag = path.join(dir, 'fail-del');
  fs.writeFileSync(path.join(bin, 'podnet-cni'), `#!/bin/sh
stdin=$(cat)
printf '%s\\n' "{\\"command\\":\\"$CNI_COMMAND\\",\\"containerId\\":\\"$CNI_CONTAINERID\\",\\"stdin\\":$stdin}" >> '${log}'
if [ "$CNI_COMMAND" = DEL ] && [ -e '${failFlag}' ]; then
  echo '{"cniVersion":"1.1.0","code":11,"msg":"could not lock IPAM store"}'; exit 1
fi
`, { mode: 0o755 });
  const podsDir = path.join(dir, 'pods');
  fs.mkdirSync(podsDir, { recursive: true });
  const runner: Runner = { run: async () => ({ stdout: '', stderr: '', code: 0 }) };
  const events: string[] = [];
  const client = { patch: async (_r: string, _ns: string, _n: string) => ({ metadata: { resourceVersion: '0' } }), delete: async () => undefined } as unknown as Client;
  const ctx: AgentContext = {
    cluster: CLUSTER, nodeName: NODE, nodeIP: '172.18.0.2', podsDir, runner, client,
    events: { normal: (_o, reason) => { events.push(reason); }, warning: (_o, reason) => { events.push(reason); } },
    cniConfig: () => ({ cniVersion: '1.1.0', name: 'pn-unit-node-1', type: 'podnet-cni' }), cniPath: [bin],
    services: () => [], config: { configMap: () => undefined, secret: () => undefined, claim: () => undefined, volume: () => undefined, nodeAllocatable: {} }, nodeResolvConf: '', sandboxSlots: slots, apiSocket: '/nonexistent', ...extra,
  };
  const calls = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { command: string; containerId: string; stdin: string }) : []);
  return { ctx, podsDir, calls, failDel: (on) => { if (on) fs.writeFileSync(failFlag, ''); else fs.rmSync(failFlag, { force: true }); }, events };
}

function pod(uid: string, extra: Partial<Pod['spec']> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { uid, name: `p-${uid}`, namespace: 'default', resourceVersion: '1' }, spec: { nodeName: NODE, containers: [], ...extra } };
}

function writeState(podsDir: string, uid: string, extra: Partial<PersistedState> = {}): void {
  fs.mkdirSync(path.join(podsDir, uid), { recursive: true });
  const state: PersistedState = { uid, namespace: 'default', name: `p-${uid}`, node: NODE, netns: `pn-unit-pod-${uid}`, containerId: uid, hostNetwork: false, startTime: '2026-01-01T00:00:00Z', containers: {}, ...extra };
  fs.writeFileSync(path.join(podsDir, uid, 'state.json'), JSON.stringify(state));
}

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function gcAttachments(stdin: unknown): string[] {
  return ((stdin as Record<string, { containerID: string; ifname: string }[]>)['cni.dev/valid-attachments'] ?? []).map((a) => `${a.containerID}/${a.ifname}`);
}

test('agent start: CNI GC runs after adoption with every live pod as a valid attachment (leaked IPs were never reclaimed)', async () => {
  const f = fixture('gc-start');
  writeState(f.podsDir, 'live1');
  const kubelet = new Kubelet(f.ctx);
  await kubelet.adopt([pod('live1')]);
  kubelet.sync(pod('new2', { hostNetwork: true })); // created after adoption (hostNetwork: no real sandbox in a unit test)
  await kubelet.startHousekeeping();
  kubelet.stopHousekeeping();
  const gc = f.calls().filter((c) => c.command === 'GC');
  assert.equal(gc.length, 1, JSON.stringify(f.calls()));
  assert.deepEqual(gcAttachments(gc[0]!.stdin), ['live1/eth0', 'new2/eth0']);
  kubelet.remove(pod('new2')); // its status writes would go on forever against the fake client
  await until('new2 to stop', () => kubelet.podCount() === 1);
});

test('GC waits for every sandbox slot: an ADD in flight (IP allocated, state not yet complete) is never collected', async () => {
  const slots = new Semaphore(2);
  const f = fixture('gc-slots', slots);
  writeState(f.podsDir, 'a');
  const kubelet = new Kubelet(f.ctx);
  await kubelet.adopt([pod('a')]);
  let finishAdd!: () => void;
  const addInFlight = slots.run(() => new Promise<void>((r) => { finishAdd = r; }));
  const gcDone = kubelet.startHousekeeping();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(f.calls().filter((c) => c.command === 'GC').length, 0, 'GC ran beside an ADD in flight');
  let laterRan = false;
  const later = slots.run(async () => { laterRan = true; });
  finishAdd();
  await addInFlight;
  await gcDone;
  kubelet.stopHousekeeping();
  await later;
  assert.equal(f.calls().filter((c) => c.command === 'GC').length, 1);
  assert.ok(laterRan);
});

test('a failed teardown keeps the container ID and netns, and the kubelet retries the DEL (was: pod dir removed, IP taken forever)', async () => {
  const f = fixture('teardown-retry');
  writeState(f.podsDir, 'gone', { sandboxPid: 999999999, podIP: '10.244.0.9', containers: { app: { pid: 999999998, restartCount: 0 } } });
  const kubelet = new Kubelet(f.ctx);
  await kubelet.adopt([pod('gone')]);
  f.failDel(true);
  kubelet.remove(pod('gone'));
  await until('the worker to finish', () => kubelet.podCount() === 0);
  const kept = PodWorker.loadState(f.podsDir, 'gone');
  assert.ok(kept, 'state.json kept after the failed DEL');
  assert.equal(kept.containerId, 'gone');
  assert.equal(kept.netns, 'pn-unit-pod-gone');
  assert.equal(kept.sandboxPid, undefined, 'no pid kept: it may be reused');
  assert.deepEqual(kept.containers, {});

  // a GC meanwhile leaves the address to the retry
  await kubelet.startHousekeeping();
  assert.ok(fs.existsSync(path.join(f.podsDir, 'gone', 'state.json')), 'retry failed too: still kept');
  const firstGc = f.calls().filter((c) => c.command === 'GC').at(-1)!;
  assert.deepEqual(gcAttachments(firstGc.stdin), ['gone/eth0']);

  f.failDel(false);
  await kubelet.housekeep();
  kubelet.stopHousekeeping();
  assert.equal(fs.existsSync(path.join(f.podsDir, 'gone')), false, 'retried DEL succeeded: directory gone');
  const dels = f.calls().filter((c) => c.command === 'DEL' && c.containerId === 'gone');
  assert.equal(dels.length, 3, 'the failed DEL, the failed retry, the good retry');
  assert.deepEqual(gcAttachments(f.calls().filter((c) => c.command === 'GC').at(-1)!.stdin), []);
});

test('hostNetwork: a container\'s pid is in state.json as soon as it is spawned (an agent killed then started it a second time)', async () => {
  let pidsAtStart: Record<string, { pid?: number }> | undefined;
  const f = fixture('hostnet');
  f.ctx.events = {
    normal: (_o, reason) => { if (reason === 'Started') pidsAtStart = PodWorker.loadState(f.podsDir, 'hn')?.containers; },
    warning: () => undefined,
  };
  const p = pod('hn', { hostNetwork: true, containers: [{ name: 'app', command: ['sleep', '30'] }] });
  const worker = new PodWorker(f.ctx, p);
  await worker.update(p);
  try {
    // "Started" is emitted right after the spawn: a kill -9 of the agent there is what the check stands for
    assert.ok(pidsAtStart?.app?.pid, `no pid on disk right after the spawn: ${JSON.stringify(pidsAtStart)}`);
    // a restarted agent adopts that process and starts nothing
    const adopted = new PodWorker(f.ctx, p, PodWorker.loadState(f.podsDir, 'hn'));
    adopted.adoptContainers();
    const before = f.events.length;
    await adopted.update(p);
    assert.equal(f.events.length, before, 'nothing started again');
    await adopted.removed();
  } finally {
    await worker.removed();
  }
});

test('a pod an agent from before init containers started: its init containers count as done, nothing runs beside the main container', async () => {
  const f = fixture('legacy-init');
  const p = pod('li', { hostNetwork: true, initContainers: [{ name: 'setup', command: ['sleep', '30'] }], containers: [{ name: 'app', command: ['sleep', '30'] }] });
  // as an older agent wrote it: the main container started, no record of init containers
  // (its pid with its start time: a bare pid of a pod without a pause is not adopted, see pod-processes.test.ts)
  const main = (await import('node:child_process')).spawn('sleep', ['30'], { stdio: 'ignore' });
  const startTicks = processStartTicks(main.pid!);
  writeState(f.podsDir, 'li', { hostNetwork: true, podIP: '172.18.0.2', containers: { app: { pid: main.pid!, ...(startTicks !== undefined ? { startTicks } : {}), restartCount: 0, startedAt: '2026-01-01T00:00:01Z' } } });
  const adopted = new PodWorker(f.ctx, p, PodWorker.loadState(f.podsDir, 'li'));
  try {
    adopted.adoptContainers();
    await adopted.update(p);
    assert.ok(!f.events.includes('Started'), `started: ${f.events.join(', ')}`);
  } finally {
    await adopted.removed();
    main.kill('SIGKILL');
  }
});

test('sidecars: the next init container starts right after a sidecar (no status echo needed), and sidecars stop when the pod is over', async () => {
  const f = fixture('sidecar');
  const p = pod('sc', {
    hostNetwork: true, restartPolicy: 'Never',
    initContainers: [{ name: 'side', command: ['sleep', '30'], restartPolicy: 'Always' }, { name: 'setup', command: ['true'] }],
    containers: [{ name: 'app', command: ['sh', '-c', 'sleep 0.3'] }],
  } as Partial<Pod['spec']>);
  const worker = new PodWorker(f.ctx, p);
  try {
    // one update only: the pod's own status write never comes back through an informer here
    await worker.update(p);
    const state = () => PodWorker.loadState(f.podsDir, 'sc');
    const side = await until('the sidecar started', () => state()?.initContainers?.side?.pid);
    await until('setup completed and app started', () => state()?.initContainers?.setup?.exitCode === 0 && state()?.containers.app?.pid);
    // app ends (Never): the pod is over, and its sidecar is stopped
    await until('the sidecar stopped', () => { try { process.kill(side, 0); return false; } catch { return true; } }, 10_000);
  } finally {
    await worker.removed();
  }
});

test('Semaphore.runExclusive waits for the tasks running and keeps later ones waiting', async () => {
  const s = new Semaphore(2);
  const order: string[] = [];
  let releaseA!: () => void;
  const a = s.run(() => new Promise<void>((r) => { releaseA = () => { order.push('a done'); r(); }; }));
  const x = s.runExclusive(async () => { order.push('exclusive'); });
  const b = s.run(async () => { order.push('b'); });
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(order, []);
  releaseA();
  await Promise.all([a, x, b]);
  assert.deepEqual(order, ['a done', 'exclusive', 'b']);
});

test('a container\'s last termination survives an agent restart: its lastState (what logs --previous and RESTARTS read) comes back from state.json', async () => {
  const statuses: NonNullable<Pod['status']>[] = [];
  const client = {
    patch: async (_r: string, _ns: string, _n: string, patch: { status: NonNullable<Pod['status']> }) => { statuses.push(patch.status); return { metadata: { resourceVersion: '0' } }; },
    delete: async () => undefined,
  } as unknown as Client;
  const f = fixture('laststate', new Semaphore(4), { client });
  const p = pod('ls', { hostNetwork: true, containers: [{ name: 'app', command: ['sh', '-c', 'sleep 0.3; exit 3'] }] });
  const worker = new PodWorker(f.ctx, p);
  await worker.update(p);
  await until('the first exit recorded', () => PodWorker.loadState(f.podsDir, 'ls')?.containers.app?.lastTerminated);
  // what a restarted agent finds on disk (the old one is gone with its processes)
  const onDisk = PodWorker.loadState(f.podsDir, 'ls')!;
  await worker.removed();
  statuses.length = 0;
  const restarted = new PodWorker(f.ctx, p, { ...onDisk, containers: { app: { ...onDisk.containers.app!, pid: undefined } } } as PersistedState);
  try {
    await restarted.update(p);
    const status = await until('a status from the restarted agent', () => statuses.find((s) => s.containerStatuses?.[0]?.state?.running));
    assert.equal(status.containerStatuses![0]!.lastState?.terminated?.exitCode, 3);
  } finally {
    await restarted.removed();
  }
});

test('a postStart hook still running when its container instance ends is killed with it (it would outlive every restart)', async () => {
  const f = fixture('hookabort');
  const marker = `${31 + Math.random()}`.slice(0, 8);
  const p = pod('ha', { hostNetwork: true, restartPolicy: 'Never', containers: [{ name: 'app', command: ['sh', '-c', 'sleep 0.5; exit 1'], lifecycle: { postStart: { exec: { command: ['sleep', marker] } } } }] });
  const hooks = () => fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try { return fs.readFileSync(`/proc/${d}/cmdline`, 'utf8') === `sleep\0${marker}\0`; } catch { return false; }
  });
  const worker = new PodWorker(f.ctx, p);
  try {
    await worker.update(p);
    await until('the hook runs', () => hooks().length === 1);
    await until('the hook is gone once the container exited', () => hooks().length === 0, 5_000);
  } finally {
    await worker.removed();
  }
});

test('a container adopted after an agent restart: when its main process exits, what it left running in its process group is killed', async () => {
  const f = fixture('adopted-leftovers');
  const marker = `${41 + Math.random()}`.slice(0, 8);
  const leftovers = () => fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try { return fs.readFileSync(`/proc/${d}/cmdline`, 'utf8') === `sleep\0${marker}\0`; } catch { return false; }
  });
  // what the agent before the restart started: a container leading its own process group, with a child left behind when it exits
  const { spawn } = await import('node:child_process');
  const main = spawn('sh', ['-c', `sleep ${marker} & sleep 0.6`], { stdio: 'ignore', detached: true });
  const startTicks = processStartTicks(main.pid!)!;
  const p = pod('al', { hostNetwork: true, restartPolicy: 'Never', containers: [{ name: 'app', command: ['sh', '-c', 'exit 0'] }] });
  writeState(f.podsDir, 'al', { hostNetwork: true, podIP: '172.18.0.2', containers: { app: { pid: main.pid!, startTicks, restartCount: 0, startedAt: '2026-01-01T00:00:01Z' } } });
  const adopted = new PodWorker(f.ctx, p, PodWorker.loadState(f.podsDir, 'al'));
  try {
    adopted.adoptContainers();
    await until('the child to run', () => leftovers().length === 1);
    await until('the child to go once the container exited', () => leftovers().length === 0, 5_000);
  } finally {
    await adopted.removed();
    for (const pid of leftovers()) process.kill(Number(pid), 'SIGKILL');
  }
});

test('a finished pod: an agent started again rebuilds its Succeeded status from state.json, and a failed sandbox teardown is retried by housekeeping (its IP would be lost)', async () => {
  const patches: unknown[] = [];
  const f = fixture('finished', new Semaphore(4));
  f.ctx.client = { patch: async (_r: string, _ns: string, _n: string, body: unknown) => { patches.push(body); return { metadata: { resourceVersion: '0' } }; }, delete: async () => undefined } as unknown as Client;
  const ended = { exitCode: 0, reason: 'Completed', startedAt: '2026-01-01T00:00:01Z', finishedAt: '2026-01-01T00:00:02Z' };
  writeState(f.podsDir, 'done', { terminal: true, podIP: '10.244.0.9', containers: { app: { restartCount: 0, terminated: ended } } });
  // the API never heard of the end: the agent stopped before its status write
  const running = { ...pod('done', { restartPolicy: 'Never', containers: [{ name: 'app', image: 'podnet/echo' }] }), status: { phase: 'Running' as const } };
  f.failDel(true);
  const kubelet = new Kubelet(f.ctx);
  await kubelet.adopt([running]);
  try {
    await until('the Succeeded status written', () => patches.some((p) => JSON.stringify(p).includes('"phase":"Succeeded"')));
    assert.ok(!patches.some((p) => JSON.stringify(p).includes('"phase":"Pending"')), 'a Pending status was written');
    assert.equal(PodWorker.loadState(f.podsDir, 'done')?.netns, 'pn-unit-pod-done', 'the failed DEL keeps the netns for the retry');
    f.failDel(false);
    await kubelet.startHousekeeping();
    kubelet.stopHousekeeping();
    assert.equal(PodWorker.loadState(f.podsDir, 'done')?.netns, undefined, 'housekeeping tore the sandbox down');
    assert.ok(f.calls().filter((c) => c.command === 'DEL' && c.containerId === 'done').length >= 2);
  } finally {
    // its status writes would go on forever against the fake client
    kubelet.stopHousekeeping();
    kubelet.remove(running);
    await until('the worker to finish', () => kubelet.podCount() === 0);
  }
});
