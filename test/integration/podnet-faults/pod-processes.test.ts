// The processes the node agent keeps track of across time, for real: pods'
// pauses and containers, what a pid it recorded names once its process is
// gone, and what a container's instance leaves behind.
//
// Regression (leftovers): `command: [sh, -c, 'sleep 3000 & sleep 1; exit 1']`
// left one more `sleep 3000` at every restart (5 after 15 s): upstream a
// container's processes end with its PID namespace and cgroup.
//
// Regression (pid reuse): after a pod's pause was killed, its pid went to a
// process of another pod; the agent still took it for the pod's sandbox, ran
// the pod's containers in that process's namespaces (nsenter -t PID), and on
// the pod's deletion killed it. A freed pid is handed to a chosen process
// here through /proc/sys/kernel/ns_last_pid (the next pid the kernel gives
// is the one after it), as pid_max wrapping around would do over time.
//
// The pod worker runs in this process, on hostNetwork pods (no CNI: their
// pauses join a bare network namespace standing in for the node's).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pod } from '../../../src/api/types.js';
import type { Client } from '../../../src/client/client.js';
import type { EventRecorder } from '../../../src/controllers/events.js';
import { PodWorker, verifyLegacyPids, type AgentContext, type PersistedState } from '../../../src/agent/pod-worker.js';
import { podFiles } from '../../../src/agent/pod-files.js';
import { Semaphore } from '../../../src/agent/semaphore.js';
import { processAlive } from '../../../src/net/process.js';
import { RecordingRunner } from '../../../src/net/runner.js';
import { eventually } from '../../support/cli.js';

const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itpfproc-'));
const podsDir = path.join(stateDir, 'pods');
const NODE_NETNS = 'pn-itpfproc-node-1';
const NODE = 'node-1';
const started: ChildProcess[] = [];

before(() => { execFileSync('ip', ['netns', 'add', NODE_NETNS]); });
after(() => {
  for (const c of started) { try { process.kill(c.pid!, 'SIGKILL'); } catch { /* gone */ } }
  execFileSync('ip', ['netns', 'del', NODE_NETNS]);
  rmSync(stateDir, { recursive: true, force: true });
});

const events: { reason: string; message: string }[] = [];
const recorder: EventRecorder = {
  normal: (_o, reason, message) => { events.push({ reason, message }); },
  warning: (_o, reason, message) => { events.push({ reason, message }); },
};
/** the pods as the API has them: a status PATCH answers with the pod */
const pods = new Map<string, Pod>();
const client = {
  patch: async (_plural: string, _ns: string, name: string, patch: { status: Pod['status'] }) => ({ ...pods.get(name)!, status: patch.status }),
  delete: async () => ({}),
} as unknown as Client;
const ctx: AgentContext = {
  cluster: 'itpfproc', nodeName: NODE, nodeIP: '172.18.0.2', podsDir, runner: new RecordingRunner(), client, events: recorder,
  cniConfig: () => undefined, cniPath: [], services: () => [], config: { configMap: () => undefined, secret: () => undefined, claim: () => undefined, volume: () => undefined, nodeAllocatable: {} },
  nodeResolvConf: '', sandboxSlots: new Semaphore(1), apiSocket: '/nonexistent',
};

function hostNetworkPod(name: string, uidTail: string, containers: Pod['spec']['containers']): Pod {
  const pod: Pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `00000000-0000-4000-8000-${uidTail.padStart(12, '0')}`, resourceVersion: '1' },
    spec: { nodeName: NODE, hostNetwork: true, terminationGracePeriodSeconds: 0, containers },
  };
  pods.set(name, pod);
  return pod;
}

/** state.json once container `name` runs its command (nsenter has joined the pod's namespaces before it execs it) */
const running = (pod: Pod, name: string, command: string) => eventually(`${pod.metadata.name}/${name} to run`, async () => {
  const s = stateOf(pod);
  const pid = s.containers[name]?.pid;
  return s.sandboxPid && pid && readFileSafe(`/proc/${pid}/cmdline`)?.startsWith(`${command}\0`) ? s : undefined;
}, 5_000, 20);
const stateOf = (pod: Pod): PersistedState => JSON.parse(readFileSync(podFiles(podsDir, pod.metadata.uid!).state, 'utf8')) as PersistedState;
const utsOf = (pid: number) => readlinkSync(`/proc/${pid}/ns/uts`);
const exited = (c: ChildProcess) => new Promise<void>((r) => { if (c.exitCode !== null || c.signalCode !== null) r(); else c.once('exit', () => r()); });

/**
 * Starts argv with exactly `pid` (free: its process was reaped), as another
 * pod's process: in UTS and mount namespaces of its own (unshare(1) execs,
 * it does not fork). Undefined when another fork took the pid first every time.
 */
async function impostorWithPid(pid: number): Promise<ChildProcess | undefined> {
  const got: number[] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
    const child = spawn('unshare', ['--uts', '--mount', '--', 'sh', '-c', 'hostname impostor && exec sleep 600'], { stdio: 'ignore', detached: true });
    if (child.pid === pid) { started.push(child); return child; }
    got.push(child.pid!);
    child.kill('SIGKILL');
    await exited(child);
  }
  process.stderr.write(`pid ${pid} wanted, got ${got.join(' ')}; /proc/${pid}/stat: ${readFileSafe(`/proc/${pid}/stat`)}\n`);
  return undefined;
}

test('regression: a pause whose pid went to another pod\'s process is a changed sandbox; its containers restart in a new one, and deleting the pod spares that process', async () => {
  const pod = hostNetworkPod('reused', '1', [{ name: 'c', image: 'none', command: ['sleep', '600'] }]);
  const worker = new PodWorker(ctx, structuredClone(pod));
  try {
    await worker.update(structuredClone(pod));
    const first = await running(pod, 'c', 'sleep');
    const pausePid = first.sandboxPid!;
    assert.notEqual(first.sandboxStartTicks, undefined, 'the pause is recorded with its start time');
    assert.notEqual(first.containers.c!.startTicks, undefined, 'the container is recorded with its start time');

    // The pause dies; before the agent's next look, another pod's process gets its pid.
    process.kill(pausePid, 'SIGKILL');
    await eventually('the pause to be reaped', async () => !processAlive(pausePid) && !readFileSafe(`/proc/${pausePid}/stat`), 2_000, 1);
    const impostor = await impostorWithPid(pausePid);
    assert.ok(impostor, `no process could be given pid ${pausePid}`);
    await eventually('the impostor to have its own hostname', async () => readFileSafe(`/proc/${pausePid}/cmdline`)?.startsWith('sleep'), 2_000, 5);

    await eventually('a SandboxChanged event', async () => events.some((e) => e.reason === 'SandboxChanged'), 5_000, 20)
      .catch(() => assert.fail(`the agent still takes pid ${pausePid} (now ${readFileSafe(`/proc/${pausePid}/cmdline`)}) for the pod's pause`));
    const now = await eventually('the container to run in a new sandbox', async () => {
      const s = stateOf(pod);
      return s.sandboxPid && s.sandboxPid !== pausePid && s.containers.c?.pid && s.containers.c.pid !== first.containers.c!.pid && processAlive(s.containers.c.pid) ? s : undefined;
    }, 10_000, 20);
    assert.equal(processAlive(first.containers.c!.pid!), false, 'the container of the old sandbox was killed');
    assert.equal(utsOf(now.containers.c!.pid!), utsOf(now.sandboxPid!), 'the container joined the new pause');
    assert.notEqual(utsOf(now.containers.c!.pid!), utsOf(pausePid), 'the container joined the other pod\'s process');
    assert.equal(execFileSync('nsenter', ['-t', String(now.containers.c!.pid!), '--uts', 'hostname'], { encoding: 'utf8' }).trim(), NODE);
  } finally {
    await worker.removed();
  }
  const impostor = started.at(-1)!;
  assert.equal(impostor.exitCode === null && impostor.signalCode === null, true, 'deleting the pod killed another pod\'s process');
});

test('regression: a pod deleted right after its pause\'s pid went to another pod\'s process: its exec preStop hook does not run in that process\'s namespaces', async () => {
  const marks = mkdtempSync(path.join(stateDir, 'marks-'));
  const pod = hostNetworkPod('prestop', '5', [{
    name: 'c', image: 'none', command: ['sleep', '600'],
    lifecycle: { preStop: { exec: { command: ['sh', '-c', `hostname > ${marks}/prestop`] } } },
  }]);
  pod.spec.terminationGracePeriodSeconds = 2;
  const worker = new PodWorker(ctx, structuredClone(pod));
  let impostor: ChildProcess | undefined;
  try {
    await worker.update(structuredClone(pod));
    const first = await running(pod, 'c', 'sleep');
    process.kill(first.sandboxPid!, 'SIGKILL');
    await eventually('the pause to be reaped', async () => !readFileSafe(`/proc/${first.sandboxPid}/stat`), 2_000, 1);
    impostor = await impostorWithPid(first.sandboxPid!);
    assert.ok(impostor, `no process could be given pid ${first.sandboxPid}`);
    await eventually('the impostor to have its own hostname', async () => readFileSafe(`/proc/${impostor!.pid}/cmdline`)?.startsWith('sleep'), 2_000, 5);
    // deleted at once, before the sandbox watch looks again
    await worker.update({ ...structuredClone(pod), metadata: { ...pod.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 2 } });
  } finally {
    await worker.removed();
  }
  assert.notEqual(readFileSafe(path.join(marks, 'prestop'))?.trim(), 'impostor', 'the preStop hook ran in the other pod\'s namespaces');
  assert.ok(events.some((e) => e.reason === 'FailedPreStopHook'), 'no FailedPreStopHook event');
  assert.equal(impostor!.exitCode === null && impostor!.signalCode === null, true, 'deleting the pod killed another pod\'s process');
});

test('state from a build that kept bare pids: the pod\'s own processes are verified by its mount namespace, a pid now another\'s is not', async () => {
  const pod = hostNetworkPod('legacy', '2', [{ name: 'c', image: 'none', command: ['sleep', '600'] }]);
  const worker = new PodWorker(ctx, structuredClone(pod));
  const stranger = spawn('unshare', ['--uts', '--mount', '--', 'sleep', '600'], { stdio: 'ignore', detached: true });
  started.push(stranger);
  try {
    await worker.update(structuredClone(pod));
    const current = await running(pod, 'c', 'sleep');
    const bare = (s: PersistedState): PersistedState => {
      const copy = structuredClone(s);
      delete copy.sandboxStartTicks;
      for (const c of Object.values(copy.containers)) delete c.startTicks;
      return copy;
    };
    const resolvConf = podFiles(podsDir, pod.metadata.uid!).resolvConf;
    const verified = verifyLegacyPids(bare(current), resolvConf);
    assert.equal(verified.sandboxStartTicks, current.sandboxStartTicks, 'the pause');
    assert.equal(verified.containers.c!.startTicks, current.containers.c!.startTicks, 'the container');

    // the same state, its pids now naming a process outside the pod (and the machine's init, and this process)
    for (const pid of [stranger.pid!, 1, process.pid]) {
      const reused = bare({ ...current, sandboxPid: pid, containers: { c: { ...current.containers.c!, pid } } });
      const kept = verifyLegacyPids(reused, resolvConf);
      assert.equal(kept.sandboxStartTicks, undefined, `pid ${pid} taken for the pause`);
      assert.equal(kept.containers.c!.startTicks, undefined, `pid ${pid} taken for the container`);
    }

    // cleaning up after such a pod signals none of them
    const orphan: PersistedState = bare({ ...current, uid: '00000000-0000-4000-8000-000000000003', sandboxPid: stranger.pid!, containers: { c: { ...current.containers.c!, pid: stranger.pid! } } });
    await PodWorker.cleanupOrphan(ctx, orphan);
    assert.equal(stranger.exitCode === null && stranger.signalCode === null, true, 'cleanup killed a process that is not the pod\'s');
  } finally {
    await worker.removed();
  }
});

test('regression: what a container instance leaves running goes with it, not across restarts; the pause and the other containers stay', async () => {
  // the tester's `sh -c 'sleep 3000 & sleep 1; exit 1'`, faster, with an argument no other process has
  const LEFTOVER = ['sleep', '2999.25'];
  const pod = hostNetworkPod('leaky', '4', [
    { name: 'leaky', image: 'none', command: ['sh', '-c', `${LEFTOVER.join(' ')} & sleep 0.2; exit 1`] },
    { name: 'steady', image: 'none', command: ['sleep', '600'] },
  ]);
  const worker = new PodWorker(ctx, structuredClone(pod));
  let first: PersistedState | undefined;
  try {
    await worker.update(structuredClone(pod));
    first = await running(pod, 'steady', 'sleep');
    // three instances: the first, one restarted at once, one after the first back-off
    await eventually('the leaky container to restart twice', async () => stateOf(pod).containers.leaky!.restartCount >= 2, 10_000, 20);
    await new Promise((r) => setTimeout(r, 100)); // the third instance's child starts
    const left = pidsOf(LEFTOVER);
    assert.ok(left.length <= 1, `${left.length} leftover ${LEFTOVER.join(' ')} after 3 instances (only the running instance's may be there)`);
    const now = stateOf(pod);
    assert.equal(now.sandboxPid, first.sandboxPid, 'the pause was killed');
    assert.equal(now.containers.steady!.pid, first.containers.steady!.pid, 'the other container was killed');
    assert.ok(processAlive(now.containers.steady!.pid!) && processAlive(now.sandboxPid!));
  } finally {
    await worker.removed();
  }
  assert.deepEqual(pidsOf(LEFTOVER), [], 'left running after the pod was deleted');
});

/** live processes whose command line is exactly argv */
function pidsOf(argv: string[]): number[] {
  const want = `${argv.join('\0')}\0`;
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number).filter((pid) => readFileSafe(`/proc/${pid}/cmdline`) === want && processAlive(pid));
}

function readFileSafe(file: string): string | undefined {
  try { return readFileSync(file, 'utf8'); } catch { return undefined; }
}
