// `podnet kubectl ARGS…`: the real kubectl against the cluster through a
// loopback relay that lives as long as the command; exit codes, stdin and
// kubectl exec's WebSocket pass through; the relay answers nothing without its
// secret path. The kubectl cases are skipped only when kubectl is not on the
// PATH (the project does not install it).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startApiRelay } from '../../../src/cli/api-relay.js';
import { CLI, downOrKill, eventually, podnet, run } from '../../support/cli.js';

const CLUSTER = 'itkc2';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itkc2-'));
const pn = podnet(CLUSTER, stateDir);
const socket = path.join(stateDir, CLUSTER, 'api.sock');
const hasKubectl = (process.env['PATH'] ?? '').split(':').some((d) => existsSync(path.join(d, 'kubectl')));
const kubectlTemps = () => readdirSync(tmpdir()).filter((f) => f.startsWith('podnet-kubectl-')).sort();

before(async () => {
  const up = await pn(['up', '--bare']);
  assert.equal(up.code, 0, up.stderr);
});

after(async () => {
  await downOrKill(pn, CLUSTER);
  rmSync(stateDir, { recursive: true, force: true });
});

describe('the relay', () => {
  test('answers under its secret path only, plain requests and upgrades alike', async () => {
    const relay = await startApiRelay(socket);
    try {
      const url = new URL(relay.url);
      assert.equal(url.hostname, '127.0.0.1');
      assert.match(url.pathname, /^\/[0-9a-f]{64}$/);
      const status = async (u: string, extra: string[] = []) => (await run(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', ...extra, u])).stdout;
      assert.equal(await status(`${relay.url}/api/v1/nodes`), '200');
      assert.equal(await status(`${relay.url}?watch=0`), '404', 'the prefix alone is the server root');
      assert.equal(await status(`${url.origin}/api/v1/nodes`), '401');
      assert.equal(await status(`${url.origin}/${'0'.repeat(64)}/api/v1/nodes`), '401');
      assert.equal(await status(`${relay.url}x/api/v1/nodes`), '401', 'the secret is a whole path segment');
      const ws = ['-H', 'Connection: Upgrade', '-H', 'Upgrade: websocket', '-H', 'Sec-WebSocket-Version: 13', '-H', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='];
      assert.equal(await status(`${url.origin}/api/v1/namespaces/default/pods/x/exec?command=true`, ws), '401');
    } finally {
      await relay.close();
    }
  });
});

describe('podnet kubectl', { skip: hasKubectl ? false : 'kubectl is not on the PATH' }, () => {
  test('kubectl reads the cluster; its exit code and errors are its own; nothing is left behind', async () => {
    const before = kubectlTemps();
    const nodes = await pn(['kubectl', 'get', 'nodes', '-o', 'name']);
    assert.equal(nodes.code, 0, nodes.stderr);
    assert.equal(nodes.stdout, 'node/node-1\nnode/node-2\n');
    const missing = await pn(['kubectl', 'get', 'pod', 'nosuch']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Error from server \(NotFound\): pods "nosuch" not found/);
    assert.deepEqual(kubectlTemps(), before, 'the kubeconfig and cache directory are removed');
  });

  test('apply from stdin, exec with stdin and exit codes over the WebSocket', async () => {
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: shell}\nspec:\n  containers: [{name: c, image: podnet/echo}]\n';
    const applied = await pn(['kubectl', 'apply', '-f', '-'], { input: pod });
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(applied.stdout, 'pod/shell created\n');
    await eventually('shell Running', async () => (await pn(['get', 'pod', 'shell'])).stdout.includes('Running'), 30_000, 200);
    const cat = await pn(['kubectl', 'exec', '-i', 'shell', '--', 'cat'], { input: 'through the relay\n' });
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, 'through the relay\n');
    const exit = await pn(['kubectl', 'exec', 'shell', '--', 'sh', '-c', 'exit 3']);
    assert.equal(exit.code, 3);
  });

  test('a watch that stays quiet gets its headers at once: rollout status returns when the rollout is done (regression: ~60 s)', async () => {
    assert.equal((await pn(['kubectl', 'create', 'deployment', 'quiet', '--image=podnet/echo'])).code, 0);
    await eventually('quiet available', async () => (await pn(['get', 'deploy', 'quiet'])).stdout.includes('1/1'), 30_000, 200);
    const started = Date.now();
    const r = await pn(['kubectl', 'rollout', 'status', 'deployment/quiet', '--timeout=40s'], { timeoutMs: 50_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment "quiet" successfully rolled out/);
    assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
  });

  test('rollout history lists the ReplicaSets\' revisions with their change-cause; rollout undo makes the old set new again, revision 3, no set made', async () => {
    const k = async (...args: string[]) => { const r = await pn(['kubectl', ...args]); assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`); return r.stdout; };
    await k('create', 'deployment', 'hist', '--image=podnet/echo');
    await k('annotate', 'deployment/hist', 'kubernetes.io/change-cause=first');
    await k('rollout', 'status', 'deployment/hist', '--timeout=40s');
    await k('set', 'env', 'deployment/hist', 'COLOUR=blue');
    await k('annotate', '--overwrite', 'deployment/hist', 'kubernetes.io/change-cause=blue');
    await k('rollout', 'status', 'deployment/hist', '--timeout=40s');
    const history = await k('rollout', 'history', 'deployment/hist');
    assert.match(history, /^1\s+first$/m);
    assert.match(history, /^2\s+blue$/m);
    const before = (await k('get', 'rs', '-l', 'app=hist', '-o', 'name')).trim().split('\n').sort();
    await k('rollout', 'undo', 'deployment/hist');
    await k('rollout', 'status', 'deployment/hist', '--timeout=40s');
    const after = (await k('get', 'rs', '-l', 'app=hist', '-o', 'name')).trim().split('\n').sort();
    assert.deepEqual(after, before, 'the first set is new again, none made');
    assert.match(await k('rollout', 'history', 'deployment/hist'), /^3\s+first$/m);
    const first = JSON.parse(await k('get', 'deployment', 'hist', '-o', 'json')) as { metadata: { annotations: Record<string, string> } };
    assert.equal(first.metadata.annotations['deployment.kubernetes.io/revision'], '3');
  });

  test('a leading --cluster names the cluster; the rest is kubectl\'s', async () => {
    const r = await run([process.execPath, CLI, 'kubectl', '--cluster', CLUSTER, 'get', 'ns', 'default', '-o', 'jsonpath={.metadata.name}'], { env: { PODNET_STATE_DIR: stateDir, PODNET_CLUSTER: 'nosuch' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'default');
  });
});

test('podnet kubectl without kubectl on the PATH says so', async () => {
  const r = await run([process.execPath, CLI, 'kubectl', 'get', 'nodes'], { env: { PODNET_STATE_DIR: stateDir, PODNET_CLUSTER: CLUSTER, PATH: '/nonexistent' } });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'error: kubectl is not on the PATH; podnet kubectl runs the kubectl you installed (any version from 1.27 on)\n');
});
