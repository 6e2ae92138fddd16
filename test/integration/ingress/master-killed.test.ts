// The ingress controller process (controller-main, as the ingress-nginx pod
// runs it) against a real API server and a real NGINX, when NGINX's master
// dies on its own.
//
// Regression: after `kill -9` of the master (following a reload), a worker
// kept ports 80/443 for good; the controller exited, the pod restarted it,
// and every new controller crash-looped on `bind() … Address already in
// use`. The controller now stops what the master left, then exits non-zero;
// the next one serves again. First the controller process alone (the test
// plays the pod's restart), then the ingress-nginx pod of a real cluster,
// reached from the outside client through the load balancer.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ingress } from '../../../src/api/types.js';
import { processArgs, processGroupMembers, processName, processRunning } from '../../../src/net/process.js';
import { downOrKill, eventually, podnet, run } from '../../support/cli.js';
import { echoApp } from '../../support/manifests.js';
import { startTestServer, type TestServer } from '../apiserver/helpers.js';

const CONTROLLER_MAIN = fileURLToPath(new URL('../../../src/ingress/controller-main.js', import.meta.url));
// The API server refuses loopback endpoints, so the backend and the
// controller run in a network namespace of the test's own, the backend on a
// documentation address (RFC 5737) there, NGINX on that namespace's
// 127.0.0.1:80 and :443 as in the pod.
const NETNS = 'pn-itingproc-1';
const BACKEND_IP = '192.0.2.10';
const BACKEND_PORT = 8080;
const inNetns = (argv: string[]) => ['nsenter', `--net=/run/netns/${NETNS}`, '--', ...argv];

let api: TestServer;
let confDir: string;
const started: ChildProcess[] = [];

function ingress(hosts: string[]): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'default' },
    spec: {
      ingressClassName: 'nginx',
      rules: hosts.map((host) => ({ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } })),
    },
  } as Ingress;
}

before(async () => {
  execFileSync('ip', ['netns', 'add', NETNS]);
  execFileSync('ip', ['-n', NETNS, 'link', 'set', 'lo', 'up']);
  execFileSync('ip', ['-n', NETNS, 'addr', 'add', `${BACKEND_IP}/32`, 'dev', 'lo']);
  const echo = `require('node:http').createServer((q, s) => s.end(JSON.stringify({ name: 'web' }))).listen(${BACKEND_PORT}, '${BACKEND_IP}')`;
  const [program, ...args] = inNetns([process.execPath, '-e', echo]);
  const backend = spawn(program!, args, { stdio: 'ignore', detached: true });
  started.push(backend);
  api = await startTestServer();
  confDir = mkdtempSync(path.join(tmpdir(), 'pn-ingress-killed-'));
  chmodSync(confDir, 0o755);
  await api.client.create({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } });
  await api.client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: 'None', ports: [{ protocol: 'TCP', port: 80, targetPort: BACKEND_PORT }] } });
  await api.client.create({
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4', ports: [{ name: '', port: BACKEND_PORT, protocol: 'TCP' }],
    endpoints: [{ addresses: [BACKEND_IP], conditions: { ready: true, serving: true, terminating: false } }],
  });
  await api.client.create(ingress(['web.test']));
});

after(async () => {
  for (const c of started) { try { process.kill(-c.pid!, 'SIGKILL'); } catch { /* gone */ } }
  await api?.close();
  execFileSync('ip', ['netns', 'del', NETNS]);
  rmSync(confDir, { recursive: true, force: true });
});

/** The controller as the pod runs it: detached, the leader of its own process group (a container's, see pod-worker.ts). */
function startController(): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const argv = inNetns([process.execPath, CONTROLLER_MAIN, '--api-socket', api.socketPath, '--conf-dir', confDir,
    '--listen-address', '127.0.0.1', '--worker-user', 'root', '--worker-processes', '1']);
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  started.push(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, stderr: () => stderr, exited };
}

/** curl through the ingress, in the namespace: the exit code (7: connection refused) and the body */
async function curl(host: string): Promise<{ code: number; body: string }> {
  const r = await run(inNetns(['curl', '-s', '-m', '3', '-H', `Host: ${host}`, 'http://127.0.0.1:80/']));
  return { code: r.code, body: r.stdout };
}

const served = async (host: string) => {
  const r = await curl(host);
  return r.code === 0 && (JSON.parse(r.body) as { name: string }).name === 'web';
};

async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms: number, detail = () => ''): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await Promise.resolve(fn()).catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}${detail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** live processes named nginx in process group pgid, as `pid cmdline` */
function nginxInGroup(pgid: number): string[] {
  return processGroupMembers(pgid).filter((p) => processName(p.pid) === 'nginx' && processRunning(p))
    .map((p) => `${p.pid} ${(processArgs(p.pid) ?? []).join(' ').trim()}`);
}

test('regression: NGINX\'s master killed after a reload: the controller stops its workers and exits 1, and the next controller serves again', { timeout: 90_000 }, async () => {
  const first = startController();
  await until('the first controller to serve web.test', () => served('web.test'), 30_000, () => `\n${first.stderr()}`);

  // a reload: a second host, served once the new workers run
  const current = await api.client.get<Ingress>('ingresses', 'default', 'web');
  await api.client.update({ ...ingress(['web.test', 'two.test']), metadata: current.metadata });
  await until('the reload to serve two.test', () => served('two.test'), 30_000, () => `\n${first.stderr()}`);

  const group = first.child.pid!;
  const master = nginxInGroup(group).find((p) => p.includes('master process'));
  assert.ok(master, `no nginx master in the controller's group: ${nginxInGroup(group).join('; ')}`);
  process.kill(Number(master.split(' ')[0]), 'SIGKILL');

  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([first.exited, new Promise<'running'>((r) => { timer = setTimeout(() => r('running'), 10_000); })]);
  clearTimeout(timer);
  assert.equal(code, 1, `the controller did not exit 1 when its nginx died:\n${first.stderr()}`);
  assert.deepEqual(nginxInGroup(group), [], 'NGINX processes left behind by the controller');
  assert.equal((await curl('web.test')).code, 7, 'port 80 still accepts connections');

  // the pod's restart
  const second = startController();
  await until('the next controller to serve web.test', () => served('web.test'), 20_000, () => `\n${second.stderr()}`);
  assert.equal(second.child.exitCode, null, `the next controller exited:\n${second.stderr()}`);
  assert.doesNotMatch(second.stderr(), /Address already in use/);
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0, second.stderr());
  assert.deepEqual(nginxInGroup(second.child.pid!), [], 'NGINX left running after a graceful stop');
});

describe('in a cluster: the ingress-nginx pod', { timeout: 240_000 }, () => {
  const CLUSTER = 'itingpod';
  const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itingpod-'));
  const pn = podnet(CLUSTER, stateDir);
  const LB_IP = '203.0.113.10'; // the first pool address: the ingress controller's Service, created at `up`
  const WEB = `${echoApp({ name: 'web' })}---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  rules:`;
  const rule = (host: string) => `
  - host: ${host}
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}`;
  let up: Awaited<ReturnType<typeof pn>>;

  before(async () => { up = await pn(['up'], { timeoutMs: 180_000 }); });
  after(async () => {
    await downOrKill(pn, CLUSTER);
    rmSync(stateDir, { recursive: true, force: true });
  });

  /** the HTTP status of http://HOST/ through the load balancer, from the outside client */
  const status = async (host: string) => (await pn(['outside', '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '-m', '2', '--resolve', `${host}:80:${LB_IP}`, `http://${host}/`])).stdout;

  const controllerPod = async () => {
    const r = await pn(['get', 'pods', '-n', 'ingress-nginx', '-l', 'app.kubernetes.io/component=controller', '-o', 'json']);
    return (JSON.parse(r.stdout) as { items: { metadata: { name: string }; status?: { containerStatuses?: { restartCount: number; ready: boolean }[] } }[] }).items[0];
  };

  test('regression: NGINX\'s master killed after a reload: the pod restarts and serves again within seconds, without a crash loop', async (t) => {
    assert.equal(up.code, 0, up.stderr);
    const applied = await pn(['apply', '-f', '-'], { input: WEB + rule('web.test') });
    assert.equal(applied.code, 0, applied.stderr);
    await eventually('web.test through the ingress', async () => (await status('web.test')) === '200', 90_000, 500);
    const again = await pn(['apply', '-f', '-'], { input: WEB + rule('web.test') + rule('two.test') });
    assert.equal(again.code, 0, again.stderr);
    await eventually('two.test after the reload', async () => (await status('two.test')) === '200', 30_000, 250);

    const pod = (await controllerPod())!.metadata.name;
    const pidFile = await pn(['exec', '-n', 'ingress-nginx', pod, '--', 'cat', '/etc/nginx/run/nginx.pid']);
    const master = Number(pidFile.stdout.trim());
    assert.ok(master > 0 && processArgs(master)?.[0]?.startsWith('nginx: master'), `no master at pid ${pidFile.stdout}${pidFile.stderr}`);
    process.kill(master, 'SIGKILL');
    const killedAt = Date.now();

    // the workers it left stop serving, the pod restarts, its new NGINX binds and serves
    await eventually('the pod to restart', async () => ((await controllerPod())?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 30_000, 250);
    await eventually('web.test through the restarted pod', async () => (await status('web.test')) === '200', 30_000, 250);
    t.diagnostic(`served again ${Date.now() - killedAt} ms after the kill`);
    // and it stays up: no crash loop on a port a leftover worker holds
    await new Promise((r) => setTimeout(r, 5_000));
    const after = (await controllerPod())!.status!.containerStatuses![0]!;
    assert.deepEqual({ restartCount: after.restartCount, ready: after.ready }, { restartCount: 1, ready: true });
    const logs = await pn(['logs', '-n', 'ingress-nginx', pod]);
    assert.doesNotMatch(logs.stdout + logs.stderr, /Address already in use/);
  });
});
