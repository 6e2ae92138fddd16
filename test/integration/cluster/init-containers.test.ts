// Init containers on a real node agent: they run one at a time, in order,
// before the regular containers; a failed one fails the pod under
// restartPolicy Never and is retried with back-off otherwise, and the
// regular containers never start until all completed. STATUS shows
// kubectl's Init:N/M, Init:Error, Init:CrashLoopBackOff.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pod } from '../../../src/api/types.js';
import { downOrKill, eventually, podnet } from '../../support/cli.js';

const CLUSTER = 'itinit';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itinit-'));
const pn = podnet(CLUSTER, stateDir);

/** a pod on node-1 whose containers are shell scripts */
function podManifest(name: string, restartPolicy: string, inits: [string, string][], main: string): string {
  const container = ([n, script]: [string, string]) => `    - {name: ${n}, image: none, command: [sh, -c, ${JSON.stringify(script)}]}\n`;
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  nodeName: node-1
  restartPolicy: ${restartPolicy}
  terminationGracePeriodSeconds: 1
  initContainers:
${inits.map(container).join('')}  containers:
${container(['main', main])}`;
}

async function getPod(name: string): Promise<Pod> {
  const r = await pn(['get', 'pod', name, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Pod;
}

/** the STATUS cell of `podnet get pods` for pod `name` */
async function statusCell(name: string): Promise<string> {
  const r = await pn(['get', 'pods']);
  assert.equal(r.code, 0, r.stderr);
  const line = r.stdout.split('\n').find((l) => l.split(/\s+/)[0] === name);
  return line?.split(/\s+/)[2] ?? '';
}

/** the log of instance `n` of container `container` of the pod, from the agent's per-instance files */
function logFile(pod: Pod, container: string, n = 0): string {
  return path.join(stateDir, CLUSTER, 'pods', pod.metadata.uid!, 'logs', container, `${n}.log`);
}

const condition = (pod: Pod, type: string) => pod.status?.conditions?.find((c) => c.type === type)?.status;

describe('init containers', { timeout: 180_000 }, () => {
  before(async () => {
    const up = await pn(['up', '--nodes', '1']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
  });

  after(async () => {
    await downOrKill(pn, CLUSTER);
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('two init containers run in order, each to completion, before the main container', async () => {
    const manifest = podManifest('ordered', 'Always', [
      ['first', 'sleep 1; date +%s%N'],
      ['second', 'date +%s%N'],
    ], 'date +%s%N; exec sleep infinity');
    const applied = await pn(['apply', '-f', '-'], { input: manifest });
    assert.equal(applied.code, 0, applied.stderr);
    const seen = new Set<string>();
    const pod = await eventually('the pod Running with its main container started', async () => {
      seen.add(await statusCell('ordered'));
      const p = await getPod('ordered');
      return p.status?.phase === 'Running' && condition(p, 'Ready') === 'True' ? p : undefined;
    }, 30_000, 50);
    assert.ok(seen.has('Init:0/2') || seen.has('Init:1/2'), `STATUS seen: ${[...seen].join(', ')}`);
    assert.equal(await statusCell('ordered'), 'Running');
    assert.equal(condition(pod, 'Initialized'), 'True');
    assert.deepEqual(pod.status!.initContainerStatuses!.map((c) => [c.name, c.state?.terminated?.reason, c.state?.terminated?.exitCode, c.ready, c.restartCount]),
      [['first', 'Completed', 0, true, 0], ['second', 'Completed', 0, true, 0]]);
    const stamp = (container: string) => BigInt(readFileSync(logFile(pod, container), 'utf8').trim().split('\n')[0]!);
    await eventually('the main container\'s log', async () => existsSync(logFile(pod, 'main')) && readFileSync(logFile(pod, 'main'), 'utf8').trim() !== '');
    const [first, second, main] = [stamp('first'), stamp('second'), stamp('main')];
    assert.ok(first < second && second < main, `first ${first}, second ${second}, main ${main}`);
  });

  test('restartPolicy Never: a failing init container fails the pod (Init:Error) and the main container never starts', async () => {
    const applied = await pn(['apply', '-f', '-'], { input: podManifest('never', 'Never', [['setup', 'echo failing; exit 1']], 'exec sleep infinity') });
    assert.equal(applied.code, 0, applied.stderr);
    const pod = await eventually('the pod Failed', async () => {
      const p = await getPod('never');
      return p.status?.phase === 'Failed' ? p : undefined;
    }, 30_000, 100);
    assert.equal(await statusCell('never'), 'Init:Error');
    const init = pod.status!.initContainerStatuses![0]!;
    assert.deepEqual([init.state?.terminated?.exitCode, init.state?.terminated?.reason, init.restartCount], [1, 'Error', 0]);
    assert.equal(condition(pod, 'Initialized'), 'False');
    assert.equal(pod.status!.containerStatuses![0]!.state?.waiting?.reason, 'PodInitializing');
    assert.equal(existsSync(logFile(pod, 'main')), false);
    assert.equal(readFileSync(logFile(pod, 'setup'), 'utf8'), 'failing\n');
    // and through the CLI, as kubectl logs -c INIT
    const logs = await pn(['logs', 'never', '-c', 'setup']);
    assert.deepEqual([logs.code, logs.stdout], [0, 'failing\n'], logs.stderr);
  });

  test('restartPolicy Always: a failing init container is restarted with back-off and the main container never starts', async () => {
    const applied = await pn(['apply', '-f', '-'], { input: podManifest('retried', 'Always', [['setup', 'exit 1']], 'exec sleep infinity') });
    assert.equal(applied.code, 0, applied.stderr);
    const pod = await eventually('the init container restarted', async () => {
      const p = await getPod('retried');
      return (p.status?.initContainerStatuses?.[0]?.restartCount ?? 0) >= 1 ? p : undefined;
    }, 30_000, 100);
    assert.equal(pod.status!.phase, 'Pending');
    assert.equal(condition(pod, 'Initialized'), 'False');
    assert.match(await statusCell('retried'), /^Init:(Error|CrashLoopBackOff)$/);
    assert.equal(pod.status!.containerStatuses![0]!.state?.waiting?.reason, 'PodInitializing');
    assert.equal(existsSync(logFile(pod, 'main')), false);
  });

  test('an agent killed with kill -9 while the second init container runs does not run the completed first one again', async () => {
    const manifest = podManifest('adopted', 'Always', [['first', 'date +%s%N'], ['second', 'echo started; sleep 2']], 'exec sleep infinity');
    const applied = await pn(['apply', '-f', '-'], { input: manifest });
    assert.equal(applied.code, 0, applied.stderr);
    const initializing = await eventually('the second init container running', async () => {
      const p = await getPod('adopted');
      return p.status?.initContainerStatuses?.[1]?.state?.running ? p : undefined;
    }, 30_000, 50);
    const agentPidFile = path.join(stateDir, CLUSTER, 'procs', 'agent-node-1.pid');
    const killed = Number(readFileSync(agentPidFile, 'utf8'));
    process.kill(killed, 'SIGKILL');
    await eventually('node-1 agent restarted', async () => {
      const pid = Number(readFileSync(agentPidFile, 'utf8'));
      try { process.kill(pid, 0); } catch { return undefined; }
      return pid !== killed ? pid : undefined;
    }, 30_000, 100);
    const pod = await eventually('the pod Running', async () => {
      const p = await getPod('adopted');
      return p.status?.phase === 'Running' && condition(p, 'Ready') === 'True' ? p : undefined;
    }, 30_000, 100);
    assert.equal(pod.metadata.uid, initializing.metadata.uid);
    assert.equal(pod.status!.initContainerStatuses![0]!.restartCount, 0);
    assert.equal(readFileSync(logFile(pod, 'first'), 'utf8').trim().split('\n').length, 1, 'the first init container ran once');
    assert.equal(existsSync(logFile(pod, 'first', 1)), false);
    assert.deepEqual(pod.status!.initContainerStatuses!.map((c) => c.state?.terminated?.reason), ['Completed', 'Completed']);
  });

  test('a sidecar (an init container with restartPolicy Always) is started and not waited for', async () => {
    const manifest = podManifest('sidecar', 'Always', [['proxy', 'exec sleep infinity']], 'exec sleep infinity')
      .replace('- {name: proxy, image: none,', '- {name: proxy, image: none, restartPolicy: Always,');
    const applied = await pn(['apply', '-f', '-'], { input: manifest });
    assert.equal(applied.code, 0, applied.stderr);
    const pod = await eventually('the pod Running and Ready', async () => {
      const p = await getPod('sidecar');
      return p.status?.phase === 'Running' && condition(p, 'Ready') === 'True' ? p : undefined;
    }, 30_000, 100);
    assert.ok(pod.status!.initContainerStatuses![0]!.state?.running, 'the sidecar still runs beside the main container');
    assert.equal(condition(pod, 'Initialized'), 'True');
    assert.equal(await statusCell('sidecar'), 'Running');
  });

  test('a sidecar that fails its readiness probe keeps the pod from Ready, as the kubelet does', async () => {
    const manifest = podManifest('sidecar-unready', 'Always', [['proxy', 'exec sleep infinity']], 'exec sleep infinity')
      .replace('- {name: proxy, image: none,', '- {name: proxy, image: none, restartPolicy: Always, readinessProbe: {exec: {command: [sh, -c, "exit 1"]}, periodSeconds: 1},');
    const applied = await pn(['apply', '-f', '-'], { input: manifest });
    assert.equal(applied.code, 0, applied.stderr);
    const pod = await eventually('the main container ready, the sidecar running', async () => {
      const p = await getPod('sidecar-unready');
      return p.status?.containerStatuses?.[0]?.ready && p.status.initContainerStatuses?.[0]?.state?.running ? p : undefined;
    }, 30_000, 100);
    const ready = pod.status!.conditions!.find((c) => c.type === 'Ready')!;
    assert.deepEqual([ready.status, ready.reason, ready.message], ['False', 'ContainersNotReady', 'containers with unready status: [proxy]']);
    assert.equal(pod.status!.phase, 'Running');
  });
});
