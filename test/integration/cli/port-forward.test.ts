// `podnet port-forward` against a real cluster, as kubectl's: a named Service
// port reaches its targetPort on a pod chosen for the Service, a Deployment
// forwards to one of its pods (named and numbered ports, several at once),
// Ctrl-C exits 0 — and losing the pod (deleted, or its sandbox and network
// namespace torn down) ends the command with kubectl's `error: lost
// connection to pod` and exit code 1, where it used to exit 0 in silence.
// curl on the host is the client.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pod } from '../../../src/api/types.js';
import { podFiles } from '../../../src/agent/pod-files.js';
import { CLI, downOrKill, eventually, podnet, run } from '../../support/cli.js';
import { echoApp } from '../../support/manifests.js';

const CLUSTER = 'itpf';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itpf-'));
const pn = podnet(CLUSTER, stateDir);
const LOST = 'error: lost connection to pod\n';
/** how long the agent may take to tear a pod down (the echo server exits at once on SIGTERM) */
const TEARDOWN_MS = 30_000;

const echoPod = (name: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, labels: {app: ${name}}}\nspec:\n  containers:\n    - name: echo\n      image: podnet/echo\n      ports: [{name: http, containerPort: 8080}]\n      readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1}\n---\n`;

const MANIFEST = echoPod('doomed') + echoPod('sandboxed') + echoApp({ name: 'web', replicas: 2 });

async function pod(name: string): Promise<Pod> {
  const r = await pn(['get', 'pod', name, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Pod;
}

const isReady = (p: Pod) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

interface Forwarding {
  /** the local ports of its "Forwarding from 127.0.0.1:PORT -> REMOTE" lines, in order */
  ports: number[];
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  signal: (sig: NodeJS.Signals) => void;
}

/** every port-forward started, for after() to stop what a failed test left running */
const children = new Set<ChildProcess>();

/** Starts `podnet port-forward ARGS…` and waits for one "Forwarding from" line per remote port expected. */
async function forward(args: string[], remotes: number[]): Promise<Forwarding> {
  const child = spawn(process.execPath, [CLI, 'port-forward', ...args], { env: { ...process.env, PODNET_CLUSTER: CLUSTER, PODNET_STATE_DIR: stateDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  children.add(child);
  const ports = await eventually(`${remotes.length} "Forwarding from" lines`, async () => {
    if (child.exitCode !== null) throw new Error(`port-forward exited ${child.exitCode}: ${stderr}`);
    const lines = [...stdout.matchAll(/^Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)$/gm)];
    if (lines.length < remotes.length) return undefined;
    assert.deepEqual(lines.map((m) => Number(m[2])), remotes, stdout);
    return lines.map((m) => Number(m[1]));
  }, 20_000, 100);
  return { ports, stdout: () => stdout, stderr: () => stderr, exited, signal: (sig) => child.kill(sig) };
}

/** GET / through a forwarded port: the name of the podnet/echo pod that answered. */
async function answeringPod(port: number): Promise<string> {
  const r = await run(['curl', '-s', '-m', '5', `http://127.0.0.1:${port}/`]);
  assert.equal(r.code, 0, `curl through port ${port}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { pod: string }).pod;
}

/** Resolves to the exit code, or fails once `ms` have gone by without an exit. */
function exitWithin(f: Forwarding, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`port-forward still running after ${ms} ms; stderr: ${f.stderr()}`)), ms); });
  return Promise.race([f.exited, late]).finally(() => clearTimeout(timer));
}

describe('port-forward as kubectl', { timeout: 240_000 }, () => {
  before(async () => {
    const up = await pn(['up', '--nodes', '1', '--bare']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
    const applied = await pn(['apply', '-f', '-'], { input: MANIFEST });
    assert.equal(applied.code, 0, applied.stderr);
    await eventually('every pod ready', async () => {
      const r = await pn(['get', 'pods', '-o', 'json']);
      const pods = (JSON.parse(r.stdout) as { items: Pod[] }).items;
      return pods.length === 4 && pods.every(isReady);
    }, 90_000, 250);
  });

  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await downOrKill(pn, CLUSTER);
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('a named Service port: svc/web 0:http reaches targetPort http (8080) on one of its pods; Ctrl-C exits 0', async () => {
    const f = await forward(['svc/web', '0:http'], [8080]);
    assert.match(await answeringPod(f.ports[0]!), /^web-/);
    assert.match(f.stdout(), new RegExp(`^Handling connection for ${f.ports[0]}$`, 'm'));
    f.signal('SIGINT');
    assert.equal(await exitWithin(f, 10_000), 0, f.stderr());
    assert.equal(f.stderr(), '');
  });

  test('deploy/web with a named container port and a bare :PORT, both forwarded; SIGTERM exits 0', async () => {
    const f = await forward(['deploy/web', ':http', ':8080'], [8080, 8080]);
    const [a, b] = await Promise.all(f.ports.map(answeringPod));
    assert.match(a!, /^web-/);
    assert.equal(b, a, 'both ports lead to the one pod chosen');
    f.signal('SIGTERM');
    assert.equal(await exitWithin(f, 10_000), 0, f.stderr());
  });

  test('refusals, word for word as kubectl\'s, exit 1', async () => {
    const rows: [string[], string][] = [
      [['svc/web', '0:nope'], "error: Service 'web' does not have a named port 'nope'\n"],
      [['svc/web', '81'], 'error: Service web does not have a service port 81\n'],
      [['pod/doomed', '0:nope'], "error: Pod 'doomed' does not have a named port 'nope'\n"],
      [['configmap/kube-root-ca.crt', '80'], 'error: cannot attach to *v1.ConfigMap: selector for *v1.ConfigMap not implemented\n'],
      [['widget/x', '80'], 'error: the server doesn\'t have a resource type "widget"\n'],
      [['deploy/nope', '80'], 'Error from server (NotFound): deployments.apps "nope" not found\n'],
    ];
    for (const [args, stderr] of rows) {
      const r = await pn(['port-forward', ...args]);
      assert.deepEqual([r.code, r.stderr], [1, stderr], args.join(' '));
    }
  });

  test('a local port already taken: reported and skipped; every one taken is an error', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as net.AddressInfo).port;
    try {
      const refused = `Unable to listen on port ${taken}: listen EADDRINUSE: address already in use 127.0.0.1:${taken}\n`;
      const all = await pn(['port-forward', 'pod/doomed', `${taken}:8080`]);
      assert.deepEqual([all.code, all.stderr], [1, `${refused}error: unable to listen on any of the requested ports: [{${taken} 8080}]\n`]);
      const f = await forward(['pod/doomed', `${taken}:8080`, ':http'], [8080]);
      assert.equal(await answeringPod(f.ports[0]!), 'doomed');
      assert.equal(f.stderr(), refused);
      f.signal('SIGINT');
      assert.equal(await exitWithin(f, 10_000), 0, f.stderr());
    } finally {
      holder.close();
    }
  });

  test('the pod deleted: "error: lost connection to pod", exit 1', async () => {
    const f = await forward(['pod/doomed', ':http'], [8080]);
    assert.equal(await answeringPod(f.ports[0]!), 'doomed');
    const deleted = await pn(['delete', 'pod', 'doomed', '--wait=false']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(await exitWithin(f, TEARDOWN_MS), 1);
    assert.equal(f.stderr(), LOST);
  });

  test('the pod\'s sandbox killed (its network namespace torn down and made again): lost connection, exit 1', async () => {
    const target = await pod('sandboxed');
    const f = await forward(['sandboxed', '0:8080'], [8080]);
    assert.equal(await answeringPod(f.ports[0]!), 'sandboxed');
    const sandboxPid = Number(readFileSync(podFiles(path.join(stateDir, CLUSTER, 'pods'), target.metadata.uid!).sandboxPid, 'utf8'));
    process.kill(sandboxPid, 'SIGKILL');
    assert.equal(await exitWithin(f, TEARDOWN_MS), 1);
    assert.equal(f.stderr(), LOST);
    // the pod itself lives on in a new sandbox, and a new forward reaches it
    await eventually('sandboxed ready again', async () => isReady(await pod('sandboxed')), TEARDOWN_MS, 250);
    const again = await forward(['pod/sandboxed', ':8080'], [8080]);
    assert.equal(await answeringPod(again.ports[0]!), 'sandboxed');
    again.signal('SIGINT');
    assert.equal(await exitWithin(again, 10_000), 0, again.stderr());
  });
});
