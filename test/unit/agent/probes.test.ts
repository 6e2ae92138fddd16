// Probes against real processes and sockets on this host (no sandbox: the
// hostNetwork case, where the command runs in the agent's own namespaces).
// Exec probes run as `podnet exec` runs a command: with the container's
// environment; every probe says why it failed, in the kubelet's words.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { MAX_EXEC_PROBE_OUTPUT, runProbe, type ProbeTarget } from '../../../src/agent/probes.js';

const container = { name: 'c', ports: [{ name: 'http', containerPort: 0 }] };

describe('exec probes run in the container, with its environment', () => {
  let app: ChildProcess;
  let target: ProbeTarget;

  before(async () => {
    // the "container": a process whose environment has FOO=bar, which the agent's has not
    assert.equal(process.env['FOO'], undefined);
    app = spawn('sleep', ['60'], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', FOO: 'bar' }, stdio: 'ignore' });
    await new Promise((resolve) => app.once('spawn', resolve));
    target = { podIP: '127.0.0.1', container, containerPid: app.pid! };
  });
  after(() => { app.kill('SIGKILL'); });

  test('the command sees the container\'s variables (readinessProbe: test "$FOO" = bar)', async () => {
    const r = await runProbe({ exec: { command: ['sh', '-c', 'test "$FOO" = bar'] } }, target);
    assert.deepEqual(r, { result: 'success', output: '' });
  });

  test('a failing command: failure, with its stdout and stderr as the output', async () => {
    const r = await runProbe({ exec: { command: ['sh', '-c', 'echo not ready; echo "FOO is $FOO" >&2; exit 1'] } }, target);
    assert.deepEqual(r, { result: 'failure', output: 'not ready\nFOO is bar\n' });
  });

  test('the output is cut at 10 KiB, as the kubelet reads it', async () => {
    const r = await runProbe({ exec: { command: ['sh', '-c', 'head -c 20000 /dev/zero | tr "\\0" x; exit 1'] } }, target);
    assert.equal(r.result, 'failure');
    assert.equal(r.output.length, MAX_EXEC_PROBE_OUTPUT);
  });

  test('past timeoutSeconds: failure, and the whole process group is gone in time', async () => {
    const t0 = Date.now();
    const r = await runProbe({ exec: { command: ['sh', '-c', 'sleep 5 & sleep 5; echo late'] }, timeoutSeconds: 1 }, target);
    assert.equal(r.result, 'failure');
    assert.equal(r.output, 'command "sh -c sleep 5 & sleep 5; echo late" timed out');
    assert.ok(Date.now() - t0 < 3_000, `took ${Date.now() - t0} ms`);
  });

  test('a container that is gone: the command still finds its program on the default PATH', async () => {
    const r = await runProbe({ exec: { command: ['true'] } }, { podIP: '127.0.0.1', container, containerPid: 2 ** 22 + 1 });
    assert.equal(r.result, 'success');
  });

  test('an argument no process can take (a NUL byte): a failure, not a throw that would take the agent down', async () => {
    const r = await runProbe({ exec: { command: ['sh', '-c', 'echo a\u0000b'] } }, target);
    assert.equal(r.result, 'failure');
    assert.match(r.output, /null bytes/);
  });

  test('an aborted check kills its process group at once (a lifecycle hook whose container instance ended)', async () => {
    const abort = new AbortController();
    const t0 = Date.now();
    const running = runProbe({ exec: { command: ['sh', '-c', 'sleep 30 & sleep 30'] }, timeoutSeconds: 60 }, { ...target, signal: abort.signal });
    setTimeout(() => abort.abort(), 200);
    const r = await running;
    assert.equal(r.result, 'failure');
    assert.ok(Date.now() - t0 < 5_000, `took ${Date.now() - t0} ms`);
  });

  test('a program that does not exist: failure that says so', async () => {
    const r = await runProbe({ exec: { command: ['/nonexistent/probe'] } }, target);
    assert.equal(r.result, 'failure');
    assert.match(r.output, /ENOENT/);
  });

  test('the command runs as the container\'s user and groups, with no_new_privs where it has it', { skip: process.getuid?.() !== 0 ? 'needs root to change ids' : false }, async () => {
    const identity = { uid: 1000, gid: 3000, groups: [3000, 2000], noNewPrivs: true };
    const r = await runProbe({ exec: { command: ['sh', '-c', 'echo "$(id -u) $(id -g) $(id -G)"; grep NoNewPrivs /proc/self/status'] } }, { ...target, identity });
    assert.deepEqual(r, { result: 'success', output: '1000 3000 3000 2000\nNoNewPrivs:\t1\n' });
  });
});

describe('HTTP and TCP probes say why they failed', () => {
  let server: http.Server;
  let port: number;
  let closedPort: number;

  before(async () => {
    server = http.createServer((req, res) => { res.statusCode = req.url === '/healthz' ? 200 : 503; res.end(); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    // a port nobody listens on: bound, then closed
    const s = net.createServer();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    closedPort = (s.address() as AddressInfo).port;
    await new Promise((resolve) => s.close(resolve));
  });
  after(() => { server.close(); });

  const rows: { name: string; probe: () => Parameters<typeof runProbe>[0]; result: 'success' | 'failure'; output: () => string | RegExp }[] = [
    { name: 'HTTP 200', probe: () => ({ httpGet: { path: '/healthz', port } }), result: 'success', output: () => '' },
    { name: 'HTTP 503', probe: () => ({ httpGet: { path: '/', port } }), result: 'failure', output: () => 'HTTP probe failed with statuscode: 503' },
    { name: 'HTTP, nothing listening', probe: () => ({ httpGet: { path: '/x', port: closedPort } }), result: 'failure', output: () => new RegExp(`^Get "http://127\\.0\\.0\\.1:${closedPort}/x": .*ECONNREFUSED`) },
    { name: 'TCP, listening', probe: () => ({ tcpSocket: { port } }), result: 'success', output: () => '' },
    { name: 'TCP, nothing listening', probe: () => ({ tcpSocket: { port: closedPort } }), result: 'failure', output: () => new RegExp(`^dial tcp 127\\.0\\.0\\.1:${closedPort}: .*ECONNREFUSED`) },
    { name: 'a named port the container does not have', probe: () => ({ tcpSocket: { port: 'metrics' } }), result: 'failure', output: () => 'port "metrics" not found in container c' },
  ];
  for (const row of rows) {
    test(row.name, async () => {
      const r = await runProbe(row.probe(), { podIP: '127.0.0.1', container });
      assert.equal(r.result, row.result);
      const want = row.output();
      if (typeof want === 'string') assert.equal(r.output, want);
      else assert.match(r.output, want);
    });
  }
});
