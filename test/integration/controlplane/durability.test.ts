// Durability through the daemon: `kill -9` of a running cluster's daemon, then
// `podnet up` again. Every object, ClusterIP and NodePort is what it was, the
// pods are still Ready, and the cluster keeps working (a new apply is
// allocated, scheduled and run). `down` afterwards leaves no process behind.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubeObject, Pod, Service } from '../../../src/api/types.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eventually, podnet } from '../../support/cli.js';

const CLUSTER = 'itcp3';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itcp3-'));
const pn = podnet(CLUSTER, stateDir);

/** stdout of a real tool (no stdin, so a quick exit cannot EPIPE); pgrep's "no match" exit 1 is an empty answer */
async function tool(argv: string[]): Promise<string> {
  try { return (await promisify(execFile)(argv[0]!, argv.slice(1))).stdout; } catch (err) {
    if ((err as { code?: unknown }).code === 1) return (err as { stdout?: string }).stdout ?? '';
    throw err;
  }
}
const PID_FILE = path.join(stateDir, CLUSTER, 'daemon.pid');

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: echo
          image: podnet/echo
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: fixed}
spec:
  clusterIP: 10.96.44.44
  ports: [{port: 53, protocol: UDP}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {mode: durable}
`;

interface Snapshot { objects: Map<string, { uid: string; rv: string }>; services: Map<string, string> }

async function list(kinds: string): Promise<KubeObject[]> {
  const r = await pn(['get', kinds, '-A', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { items: KubeObject[] }).items;
}

async function snapshot(): Promise<Snapshot> {
  const objects = new Map<string, { uid: string; rv: string }>();
  for (const o of await list('deployments,services,configmaps,namespaces,nodes')) {
    objects.set(`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, { uid: o.metadata.uid!, rv: o.metadata.resourceVersion! });
  }
  const services = new Map<string, string>();
  for (const s of (await list('services')) as Service[]) {
    services.set(`${s.metadata.namespace}/${s.metadata.name}`, `${s.spec.clusterIP} ${(s.spec.ports ?? []).map((p) => p.nodePort ?? '-').join(',')}`);
  }
  return { objects, services };
}

async function readyPods(selector: string): Promise<Pod[]> {
  const r = await pn(['get', 'pods', '-l', selector, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { items: Pod[] }).items
    .filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

describe('durability through the daemon', { timeout: 150_000 }, () => {
  let before_: Snapshot;
  let podsBefore: Pod[];

  before(async () => {
    const up = await pn(['up']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
    const r = await pn(['apply', '-f', '-'], { input: MANIFEST });
    assert.equal(r.code, 0, r.stderr);
    podsBefore = await eventually('two ready web pods', async () => {
      const p = await readyPods('app=web');
      return p.length === 2 ? p : undefined;
    }, 60_000, 250);
    before_ = await snapshot();
  });

  after(async () => {
    await pn(['down']);
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('kill -9 of the daemon, then up: the same objects, ClusterIPs and NodePorts, and pods still Ready', async () => {
    const pid = Number(readFileSync(PID_FILE, 'utf8'));
    assert.ok(alive(pid));
    process.kill(pid, 'SIGKILL');
    await eventually('daemon dead', async () => !alive(pid), 5_000, 20);

    const up = await pn(['up']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
    const newPid = Number(readFileSync(PID_FILE, 'utf8'));
    assert.notEqual(newPid, pid);

    const after_ = await snapshot();
    for (const [key, was] of before_.objects) {
      const now = after_.objects.get(key);
      assert.ok(now, `${key} is still there`);
      assert.equal(now.uid, was.uid, `${key} keeps its uid`);
    }
    for (const key of ['Service/default/web', 'Service/default/fixed', 'ConfigMap/default/settings']) {
      assert.deepEqual(after_.objects.get(key), before_.objects.get(key), `${key} unchanged by the restart`);
    }
    assert.deepEqual(after_.services, before_.services);
    assert.match(after_.services.get('default/fixed')!, /^10\.96\.44\.44 /);

    // the node agents kept their pods: same uids, Ready again once the agents report
    const podsAfter = await eventually('the same two pods Ready', async () => {
      const p = await readyPods('app=web');
      return p.length === 2 ? p : undefined;
    }, 60_000, 250);
    assert.deepEqual(podsAfter.map((p) => p.metadata.uid).sort(), podsBefore.map((p) => p.metadata.uid).sort());
  });

  test('the restarted cluster keeps working: new Services get fresh values, taken ones are still taken', async () => {
    const taken = await pn(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Service\nmetadata: {name: clash}\nspec:\n  clusterIP: 10.96.44.44\n  ports: [{port: 80}]\n' });
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /provided IP is already allocated/);
    const webPort = before_.services.get('default/web')!.split(' ')[1]!;
    const portClash = await pn(['apply', '-f', '-'], { input: `apiVersion: v1\nkind: Service\nmetadata: {name: clash}\nspec:\n  type: NodePort\n  ports: [{port: 80, nodePort: ${webPort}}]\n` });
    assert.equal(portClash.code, 1);
    assert.match(portClash.stderr, /provided port is already allocated/);

    const r = await pn(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Pod\nmetadata: {name: later, labels: {app: later}}\nspec:\n  containers: [{name: c, image: podnet/echo}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: later}\nspec:\n  selector: {app: later}\n  ports: [{port: 80, targetPort: 8080}]\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'pod/later created\nservice/later created\n');
    const w = await pn(['wait', '--for=condition=Ready', 'pod/later', '--timeout=60s']);
    assert.equal(w.code, 0, w.stderr);
    const svc = JSON.parse((await pn(['get', 'svc', 'later', '-o', 'json'])).stdout) as Service;
    const used = [...before_.services.values()].map((v) => v.split(' ')[0]);
    assert.ok(!used.includes(svc.spec.clusterIP!), `fresh ClusterIP ${svc.spec.clusterIP}`);
    const slice = await eventually('the new pod in its slice', async () => {
      const s = JSON.parse((await pn(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=later', '-o', 'json'])).stdout) as { items: { endpoints?: { conditions?: { ready?: boolean } }[] }[] };
      return s.items[0]?.endpoints?.[0]?.conditions?.ready ? s.items[0] : undefined;
    }, 30_000, 200);
    assert.equal(slice.endpoints!.length, 1);
  });

  test('one node agent per node after the restart, and down leaves no process behind', async () => {
    const agents = (await tool(['pgrep', '-f', '--', `agent/main.js --cluster ${CLUSTER} `])).trim().split('\n').filter(Boolean);
    assert.equal(agents.length, 2, `agent processes: ${agents.join(' ')}`);
    const d = await pn(['down']);
    assert.equal(d.code, 0, d.stderr);
    const left = (await tool(['pgrep', '-f', '--', `--cluster ${CLUSTER} |podnet-${CLUSTER}-`])).trim();
    assert.equal(left, '');
    assert.doesNotMatch((await tool(['ip', 'netns', 'list'])), new RegExp(`pn-${CLUSTER}-`));
  });
});
