// The real kubectl pointed at podnet's API server (through a loopback TCP
// relay to the cluster's Unix socket, which kubectl cannot dial): apply with
// server-side field validation (it reads the OpenAPI v3 documents first),
// get's tables printed from the server's Tables, `get all`, watch, scale,
// logs (pods/log), exec (pods/exec over a WebSocket).
// The same documents and Tables are also checked with curl on the socket,
// which does not depend on kubectl being installed.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { WebSocket } from 'ws';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { downOrKill, eventually, podnet, run } from '../../support/cli.js';

const CLUSTER = 'itkc1';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itkc1-'));
const work = mkdtempSync(path.join(tmpdir(), 'podnet-itkc1-files-'));
const pn = podnet(CLUSTER, stateDir);
const socket = path.join(stateDir, CLUSTER, 'api.sock');
/** kubectl on the PATH (this machine's image has one; the project does not install it) */
const KUBECTL = (process.env['PATH'] ?? '/usr/bin').split(':').map((d) => path.join(d, 'kubectl')).find((p) => existsSync(p)) ?? 'kubectl';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io, application/json';

let relay: net.Server | undefined;
let kubeconfig = '';

const curl = async (urlPath: string, accept = 'application/json') => {
  const r = await run(['curl', '-sS', '--fail-with-body', '--unix-socket', socket, '-H', `Accept: ${accept}`, `http://podnet${urlPath}`]);
  assert.equal(r.code, 0, `curl ${urlPath}: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};
const kubectl = (args: string[], input?: string) => run([KUBECTL, `--kubeconfig=${kubeconfig}`, `--cache-dir=${path.join(work, 'cache')}`, ...args], { input });

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: kc}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: podnet/echo}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: kc}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`;

before(async () => {
  const up = await pn(['up', '--bare']);
  assert.equal(up.code, 0, up.stderr);
  assert.equal((await pn(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: kc}\n' })).code, 0);
  relay = net.createServer((c) => {
    const u = net.connect(socket);
    c.pipe(u).pipe(c);
    c.on('error', () => u.destroy());
    u.on('error', () => c.destroy());
  });
  await new Promise<void>((resolve) => relay!.listen(0, '127.0.0.1', resolve));
  const port = (relay.address() as net.AddressInfo).port;
  kubeconfig = path.join(work, 'kubeconfig');
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: podnet, cluster: {server: "http://127.0.0.1:${port}"}}]\nusers: [{name: me, user: {}}]\ncontexts: [{name: podnet, context: {cluster: podnet, user: me, namespace: kc}}]\ncurrent-context: podnet\n`);
});

after(async () => {
  relay?.close();
  await downOrKill(pn, CLUSTER);
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('what kubectl reads, over the socket with curl', () => {
  test('/openapi/v3 and a group version\'s document: the PATCH of deployments takes fieldValidation', async () => {
    const root = await curl('/openapi/v3') as { paths: Record<string, { serverRelativeURL: string }> };
    const apps = await curl(root.paths['apis/apps/v1']!.serverRelativeURL) as { paths: Record<string, { patch?: { parameters: { name: string }[] } }> };
    assert.ok(apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']!.patch!.parameters.some((p) => p.name === 'fieldValidation'));
  });

  test('a list asked for as a Table: the columns of podnet get, one row per node', async () => {
    const t = await curl('/api/v1/nodes', TABLE) as { kind: string; columnDefinitions: { name: string; priority: number }[]; rows: { cells: string[] }[] };
    assert.equal(t.kind, 'Table');
    assert.deepEqual(t.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name), ['Name', 'Status', 'Roles', 'Age', 'Version']);
    assert.deepEqual(t.rows.map((r) => r.cells.slice(0, 2)), [['node-1', 'Ready'], ['node-2', 'Ready']]);
    // without the Accept header the same path is the NodeList
    assert.equal((await curl('/api/v1/nodes')).kind, 'NodeList');
  });
});

describe('pods/log over the socket', () => {
  test('a container\'s log as text; tailLines, limitBytes; refusals in the API server\'s words', async () => {
    const ticker = `apiVersion: v1\nkind: Pod\nmetadata: {name: ticker, namespace: kc}\nspec:\n  restartPolicy: Never\n  containers: [{name: t, image: busybox, command: [sh, -c, 'for i in 1 2 3; do echo tick $i; done']}]\n`;
    assert.equal((await pn(['apply', '-f', '-'], { input: ticker })).code, 0);
    await eventually('the ticker to finish', async () => ((await pn(['get', 'pod', 'ticker', '-n', 'kc'])).stdout.includes('Completed') ? true : undefined));
    const get = (q: string) => run(['curl', '-sS', '--unix-socket', socket, `http://podnet/api/v1/namespaces/kc/pods/ticker/log${q}`]);
    assert.equal((await get('')).stdout, 'tick 1\ntick 2\ntick 3\n');
    assert.equal((await get('?tailLines=1')).stdout, 'tick 3\n');
    assert.equal((await get('?limitBytes=4')).stdout, 'tick');
    const refused = async (q: string, code: number, message: RegExp) => {
      const st = JSON.parse((await get(q)).stdout) as { kind: string; code: number; message: string };
      assert.equal(st.kind, 'Status');
      assert.equal(st.code, code, q);
      assert.match(st.message, message);
    };
    await refused('?tailLines=-1', 422, /^PodLogOptions "" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0$/);
    await refused('?container=nope', 400, /^container nope is not valid for pod ticker$/);
    await refused('?previous=true', 400, /^previous terminated container "t" in pod "ticker" not found$/);
    await refused('?timestamps=true', 400, /^timestamps is not supported/);
  });
});

describe('pods/exec over the socket (a WebSocket client, the ws library)', () => {
  /** channel → bytes received, and the error channel's Status */
  const execWs = (query: string, opened: (ws: WebSocket) => void = () => undefined) => new Promise<{ out: Map<number, string>; protocol: string }>((resolve, reject) => {
    const ws = new WebSocket(`ws+unix://${socket}:/api/v1/namespaces/kc/pods/ticker-exec/exec?${query}`, ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    ws.on('open', () => opened(ws));
    const out = new Map<number, string>();
    ws.on('message', (data: Buffer) => out.set(data[0]!, (out.get(data[0]!) ?? '') + data.subarray(1).toString()));
    ws.on('close', () => resolve({ out, protocol: ws.protocol }));
    ws.on('error', reject);
  });

  test('stdout and stderr on their channels, the exit code in the error channel\'s Status; refusals as plain HTTP answers', async () => {
    const pod = `apiVersion: v1\nkind: Pod\nmetadata: {name: ticker-exec, namespace: kc}\nspec:\n  containers: [{name: s, image: busybox, command: [sleep, '600'], env: [{name: GREETING, value: hello}]}]\n`;
    assert.equal((await pn(['apply', '-f', '-'], { input: pod })).code, 0);
    await eventually('the pod to run', async () => ((await pn(['get', 'pod', 'ticker-exec', '-n', 'kc'])).stdout.includes('Running') ? true : undefined));
    const cmd = ['sh', '-c', 'echo $GREETING from $(hostname); echo oops >&2; exit 3'].map((c) => `command=${encodeURIComponent(c)}`).join('&');
    const r = await execWs(`${cmd}&stdout=true&stderr=true`);
    assert.equal(r.protocol, 'v5.channel.k8s.io');
    assert.equal(r.out.get(1), 'hello from ticker-exec\n');
    assert.equal(r.out.get(2), 'oops\n');
    const status = JSON.parse(r.out.get(3)!) as { status: string; reason: string; details: { causes: { reason: string; message: string }[] } };
    assert.deepEqual([status.status, status.reason, status.details.causes[0]], ['Failure', 'NonZeroExitCode', { reason: 'ExitCode', message: '3' }]);
    const ok = await execWs('command=true&stdout=true');
    assert.equal(JSON.parse(ok.out.get(3)!).status, 'Success');
    // stdin: what the client sends on channel 0 reaches the command; v5's [255, 0] ends it
    const cat = await execWs('command=cat&stdin=true&stdout=true', (ws) => {
      ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('through channel 0\n')]));
      ws.send(Buffer.from([255, 0]));
    });
    assert.equal(cat.out.get(1), 'through channel 0\n');
    assert.equal(JSON.parse(cat.out.get(3)!).status, 'Success');
    const nul = await run(['curl', '-sS', '--unix-socket', socket, '-H', 'Connection: Upgrade', '-H', 'Upgrade: websocket', 'http://podnet/api/v1/namespaces/kc/pods/ticker-exec/exec?command=a%00b']);
    assert.match(nul.stdout, /an argument holds a NUL byte/);
    // an upgrade the server does not take (h2c) is answered as the plain request it also is
    const h2c = await run(['curl', '-sS', '--unix-socket', socket, '-H', 'Connection: Upgrade, HTTP2-Settings', '-H', 'Upgrade: h2c', '-H', 'HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA', 'http://podnet/version']);
    assert.match(h2c.stdout, /"gitVersion":"v1\.31\.0-podnet"/);
    // SPDY is not spoken; a container the pod does not have is the API server's 400
    const spdy = await run(['curl', '-sS', '--unix-socket', socket, '-H', 'Connection: Upgrade', '-H', 'Upgrade: SPDY/3.1', '-X', 'POST', 'http://podnet/api/v1/namespaces/kc/pods/ticker-exec/exec?command=true']);
    assert.match(spdy.stdout, /podnet serves exec over WebSocket only/);
    const nope = await run(['curl', '-sS', '--unix-socket', socket, '-H', 'Connection: Upgrade', '-H', 'Upgrade: websocket', 'http://podnet/api/v1/namespaces/kc/pods/ticker-exec/exec?command=true&container=nope']);
    assert.match(nope.stdout, /container nope is not valid for pod ticker-exec/);
  });
});

describe('kubectl', { skip: existsSync(KUBECTL) ? false : 'kubectl is not on the PATH' }, () => {
  test('apply: created, then unchanged; the server refuses an unknown field in its own words', async () => {
    const first = await kubectl(['apply', '-f', '-'], WEB);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(first.stdout.trim().split('\n'), ['deployment.apps/web created', 'service/web created']);
    const again = await kubectl(['apply', '-f', '-'], WEB);
    assert.deepEqual(again.stdout.trim().split('\n'), ['deployment.apps/web unchanged', 'service/web unchanged']);
    const bad = await kubectl(['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\ncolour: blue\n');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unknown field "colour"/);
  });

  test('regression: auth can-i answers yes (a SelfSubjectAccessReview, was 404); --list prints the rule that allows everything', async () => {
    for (const args of [['create', 'deployments'], ['delete', 'pods', '-n', 'kube-system'], ['get', '/logs'], ['create', 'deployments', '--subresource=scale']]) {
      const r = await kubectl(['auth', 'can-i', ...args]);
      assert.equal(r.code, 0, `can-i ${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout.trim(), 'yes');
    }
    const list = await kubectl(['auth', 'can-i', '--list']);
    assert.equal(list.code, 0, list.stderr);
    const rows = list.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
    assert.deepEqual(rows[0], ['Resources', 'Non-Resource', 'URLs', 'Resource', 'Names', 'Verbs']);
    assert.deepEqual(rows.slice(1), [['*.*', '[]', '[]', '[*]'], ['[*]', '[]', '[*]']]);
  });

  test('get prints the server\'s table: the same header and rows as podnet get', async () => {
    await eventually('both web pods scheduled', async () => ((await pn(['get', 'pods', '-n', 'kc', '-l', 'app=web', '-o', 'name'])).stdout.trim().split('\n').length === 2 ? true : undefined));
    const theirs = await kubectl(['get', 'services', '-o', 'wide']);
    const ours = await pn(['get', 'services', '-n', 'kc', '-o', 'wide']);
    assert.equal(theirs.code, 0, theirs.stderr);
    // the ages may tick over between the two commands
    const ageless = (out: string) => out.replace(/\b\d+s\b/g, '<age>');
    assert.equal(ageless(theirs.stdout), ageless(ours.stdout));
    const nodes = await kubectl(['get', 'nodes']);
    assert.match(nodes.stdout, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\n/);
  });

  test('get all lists pods, services and deployments with their kinds', async () => {
    const all = await kubectl(['get', 'all']);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /^pod\/web-/m);
    assert.match(all.stdout, /^service\/web\s+ClusterIP/m);
    assert.match(all.stdout, /^deployment\.apps\/web\s+/m);
  });

  test('logs: a Deployment\'s pod, and -f until the container exits', async () => {
    const web = await kubectl(['logs', 'deployment/web']);
    assert.equal(web.code, 0, web.stderr);
    assert.match(web.stdout, /^podnet\/echo serving HTTP on :8080 as web-/);
    const slow = `apiVersion: v1\nkind: Pod\nmetadata: {name: slow, namespace: kc}\nspec:\n  restartPolicy: Never\n  containers: [{name: s, image: busybox, command: [sh, -c, 'for i in 1 2 3; do echo line $i; sleep 0.3; done']}]\n`;
    assert.equal((await kubectl(['apply', '-f', '-'], slow)).code, 0);
    await eventually('the slow pod to start', async () => ((await kubectl(['get', 'pod', 'slow', '-o', 'jsonpath={.status.phase}'])).stdout !== 'Pending' ? true : undefined));
    const followed = await kubectl(['logs', '-f', 'slow']);
    assert.equal(followed.code, 0, followed.stderr);
    assert.equal(followed.stdout, 'line 1\nline 2\nline 3\n');
  });

  test('exec: the command runs in the pod with its exit code; stdin reaches it', async () => {
    const host = await kubectl(['exec', 'ticker-exec', '--', 'hostname']);
    assert.equal(host.code, 0, host.stderr);
    assert.equal(host.stdout, 'ticker-exec\n');
    const failing = await kubectl(['exec', 'ticker-exec', '--', 'sh', '-c', 'exit 3']);
    assert.equal(failing.code, 3);
    assert.match(failing.stderr, /command terminated with exit code 3/);
    const cat = await kubectl(['exec', '-i', 'ticker-exec', '--', 'cat'], 'through stdin\n');
    assert.equal(cat.stdout, 'through stdin\n');
    const wrong = await kubectl(['exec', 'ticker-exec', '-c', 'nope', '--', 'true']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /container nope is not valid for pod ticker-exec/);
  });

  test('scale through the scale subresource; a watch started before it prints the new pod as table rows', async () => {
    const watch = spawn(KUBECTL, [`--kubeconfig=${kubeconfig}`, `--cache-dir=${path.join(work, 'cache')}`, 'get', 'pods', '-l', 'app=web', '--watch']);
    let out = '';
    watch.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    const rows = () => out.trim().split('\n').slice(1).filter(Boolean);
    try {
      // the list part first: the header and the two pods there are
      await eventually('the watch to list the two pods', async () => (rows().length >= 2 ? true : undefined));
      const listed = new Set(rows().map((l) => l.split(/\s+/)[0]));
      const scale = await kubectl(['scale', 'deployment/web', '--replicas=3']);
      assert.equal(scale.code, 0, scale.stderr);
      assert.match(scale.stdout, /deployment.apps\/web scaled/);
      // then the third pod, from the watch's events, in rows of the same columns
      await eventually('the watch to show the third pod', async () => (rows().some((l) => !listed.has(l.split(/\s+/)[0])) ? true : undefined));
    } finally {
      watch.kill();
    }
    const lines = out.trim().split('\n');
    assert.match(lines[0]!, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    for (const l of lines.slice(1)) assert.equal(l.trim().split(/\s+/).length, 5, l);
  });
});
