// Workload controllers through the real CLI with real pods: Deployment scale
// and rolling update (pod-template-hash, maxSurge, maxUnavailable), its progress deadline, garbage collection of a
// deleted Deployment's pods, StatefulSet ordered creation with hostname and
// subdomain and scale-down from the highest ordinal, and namespace deletion
// cascading down to the pods' network namespaces and the Service's IP.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pod, Service } from '../../../src/api/types.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eventually, podnet } from '../../support/cli.js';

const CLUSTER = 'itcp2';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itcp2-'));
const pn = podnet(CLUSTER, stateDir);

/** stdout of a real tool (no stdin, so a quick exit cannot EPIPE); pgrep's "no match" exit 1 is an empty answer */
async function tool(argv: string[]): Promise<string> {
  try { return (await promisify(execFile)(argv[0]!, argv.slice(1))).stdout; } catch (err) {
    if ((err as { code?: unknown }).code === 1) return (err as { stdout?: string }).stdout ?? '';
    throw err;
  }
}
const HASH = 'pod-template-hash';

function deployment(name: string, replicas: number, version: string, namespace = 'default'): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
        - name: echo
          image: podnet/echo
          env: [{name: VERSION, value: "${version}"}]
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1}
`;
}

const statefulSet = (replicas: number) => `apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: ${replicas}
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
        - name: db
          image: podnet/echo
          args: ["--port", "5432"]
          readinessProbe: {tcpSocket: {port: 5432}, periodSeconds: 1}
`;

async function pods(selector: string, namespace = 'default'): Promise<Pod[]> {
  const r = await pn(['get', 'pods', '-n', namespace, '-l', selector, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { items: Pod[] }).items;
}

const live = (p: Pod) => !p.metadata.deletionTimestamp;
const ready = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function apply(text: string): Promise<string> {
  const r = await pn(['apply', '-f', '-'], { input: text });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** Waits for exactly `n` pods of the selector, all Ready, none terminating. */
async function settled(selector: string, n: number, namespace = 'default'): Promise<Pod[]> {
  return eventually(`${n} ready pods for ${selector}`, async () => {
    const all = await pods(selector, namespace);
    return all.length === n && all.every((p) => live(p) && ready(p)) ? all : undefined;
  }, 60_000, 250);
}

describe('workload controllers', { timeout: 200_000 }, () => {
  before(async () => {
    const up = await pn(['up']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
  });

  after(async () => {
    await pn(['down']);
    rmSync(stateDir, { recursive: true, force: true });
  });

  describe('Deployment', () => {
    test('scales up and down when replicas are re-applied', async () => {
      assert.equal(await apply(deployment('web', 2, 'v1')), 'deployment.apps/web created\n');
      const two = await settled('app=web', 2);
      assert.equal(new Set(two.map((p) => p.metadata.labels![HASH])).size, 1);
      assert.equal(await apply(deployment('web', 4, 'v1')), 'deployment.apps/web configured\n');
      const four = await settled('app=web', 4);
      // scaling keeps the template, so the hash and the first pods stay
      assert.equal(new Set(four.map((p) => p.metadata.labels![HASH])).size, 1);
      for (const p of two) assert.ok(four.some((q) => q.metadata.uid === p.metadata.uid), `${p.metadata.name} survived the scale-up`);
      await apply(deployment('web', 3, 'v1'));
      await settled('app=web', 3);
      const table = await pn(['get', 'deploy', 'web']);
      assert.match(table.stdout, /\nweb\s+3\/3\s+3\s+3\s+/);
    });

    test('a template change rolls every pod to the new pod-template-hash within maxSurge', async () => {
      const before = await settled('app=web', 3);
      const oldHash = before[0]!.metadata.labels![HASH]!;
      assert.equal(await apply(deployment('web', 3, 'v2')), 'deployment.apps/web configured\n');
      // replicas 3, maxSurge 25% rounds up to 1: never more than 4 live pods;
      // maxUnavailable 25% rounds down to 0: never fewer than 3 ready ones
      let most = 0;
      let fewestReady = Infinity;
      const after = await eventually('all pods on the new template', async () => {
        const all = await pods('app=web');
        most = Math.max(most, all.filter(live).length);
        fewestReady = Math.min(fewestReady, all.filter((p) => live(p) && ready(p)).length);
        const done = all.length === 3 && all.every((p) => live(p) && ready(p) && p.metadata.labels![HASH] !== oldHash);
        return done ? all : undefined;
      }, 90_000, 150);
      assert.ok(most <= 4, `saw ${most} live pods during the rollout`);
      assert.ok(fewestReady >= 3, `saw only ${fewestReady} ready live pods during the rollout`);
      const newHash = after[0]!.metadata.labels![HASH]!;
      assert.ok(after.every((p) => p.metadata.labels![HASH] === newHash));
      for (const p of after) {
        assert.equal(p.spec.containers[0]!.env!.find((e) => e.name === 'VERSION')!.value, 'v2');
        assert.ok(p.metadata.name!.startsWith(`web-${newHash}-`), p.metadata.name);
      }
      const d = await pn(['describe', 'deployment', 'web']);
      assert.match(d.stdout, /^Events:/m);
    });

    test('a rollout that makes no progress for progressDeadlineSeconds fails (ProgressDeadlineExceeded); fixing it completes it', async () => {
      const stuck = deployment('stuck', 1, 'v1').replace('image: podnet/echo', 'image: nosuch.example/image:1').replace('  replicas: 1', '  replicas: 1\n  progressDeadlineSeconds: 3');
      await apply(stuck);
      const w = await pn(['wait', '--for=condition=Progressing=False', 'deployment', 'stuck', '--timeout=30s']);
      assert.equal(w.code, 0, w.stderr);
      const cond = async () => (JSON.parse((await pn(['get', 'deployment', 'stuck', '-o', 'json'])).stdout) as { status: { conditions: { type: string; status: string; reason: string; message: string }[] } })
        .status.conditions.find((c) => c.type === 'Progressing')!;
      const timedOut = await cond();
      assert.deepEqual([timedOut.status, timedOut.reason], ['False', 'ProgressDeadlineExceeded']);
      // upstream names the new ReplicaSet
      assert.match(timedOut.message, /^ReplicaSet "stuck-[a-z0-9]+" has timed out progressing\.$/);
      // DeploymentStatus's counts are omitempty: none available is no availableReplicas at all
      const status = (JSON.parse((await pn(['get', 'deployment', 'stuck', '-o', 'json'])).stdout) as { status: Record<string, unknown> }).status;
      assert.deepEqual([status.availableReplicas, status.readyReplicas, status.unavailableReplicas], [undefined, undefined, 1]);
      await apply(stuck.replace('image: nosuch.example/image:1', 'image: podnet/echo'));
      await eventually('the fixed rollout completes', async () => (await cond()).reason === 'NewReplicaSetAvailable', 60_000, 250);
      assert.equal((await pn(['delete', 'deployment', 'stuck'])).code, 0);
    });

    test('deleting the Deployment garbage-collects its pods', async () => {
      const owned = await pods('app=web');
      assert.ok(owned.length > 0);
      for (const p of owned) assert.equal(p.metadata.ownerReferences?.[0]?.kind, 'ReplicaSet');
      const d = await pn(['delete', 'deployment', 'web']);
      assert.equal(d.code, 0, d.stderr);
      assert.equal(d.stdout, 'deployment.apps "web" deleted\n');
      await eventually('no web pods', async () => (await pods('app=web')).length === 0, 60_000, 250);
    });
  });

  describe('scheduling', () => {
    const taint = (taints: string) => apply(`apiVersion: v1\nkind: Node\nmetadata: {name: node-2}\nspec:\n  taints: ${taints}\n`);
    after(() => taint('[]'));

    test('a NoSchedule taint keeps untolerating pods off its node; a toleration lets them on; an unmatched node affinity stays Pending', async () => {
      await taint('[{key: dedicated, value: db, effect: NoSchedule}]');
      await apply(deployment('spread', 4, 'v1'));
      const placed = await settled('app=spread', 4);
      assert.deepEqual([...new Set(placed.map((p) => p.spec.nodeName))], ['node-1']);
      await apply(`apiVersion: v1
kind: Pod
metadata: {name: tolerant, labels: {app: tolerant}}
spec:
  nodeSelector: {kubernetes.io/hostname: node-2}
  tolerations: [{key: dedicated, operator: Equal, value: db, effect: NoSchedule}]
  containers: [{name: echo, image: podnet/echo}]
---
apiVersion: v1
kind: Pod
metadata: {name: nowhere, labels: {app: nowhere}}
spec:
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [nosuchnode]}]}]
  containers: [{name: echo, image: podnet/echo}]
`);
      const [tolerant] = await settled('app=tolerant', 1);
      assert.equal(tolerant!.spec.nodeName, 'node-2');
      await eventually('FailedScheduling for nowhere', async () => /0\/2 nodes are available: 1 node\(s\) didn't match Pod's node affinity\/selector, 1 node\(s\) had untolerated taint \{dedicated: db\}/.test((await pn(['describe', 'pod', 'nowhere'])).stdout), 30_000, 250);
      const [nowhere] = await pods('app=nowhere');
      assert.equal(nowhere!.spec.nodeName, undefined);
      const bad = await pn(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Node\nmetadata: {name: node-2}\nspec:\n  taints: [{key: x, effect: Sometimes}]\n' });
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /spec\.taints\[0\]\.effect: Unsupported value: "Sometimes"/);
      for (const args of [['delete', 'deployment', 'spread'], ['delete', 'pod', 'tolerant'], ['delete', 'pod', 'nowhere']]) assert.equal((await pn(args)).code, 0);
    });
  });

  describe('StatefulSet', () => {
    test('creates db-0 then db-1 in order, with hostname and subdomain', async () => {
      await apply(statefulSet(2));
      const all = await settled('app=db', 2);
      const byName = new Map(all.map((p) => [p.metadata.name!, p]));
      assert.deepEqual([...byName.keys()].sort(), ['db-0', 'db-1']);
      const db0 = byName.get('db-0')!;
      const db1 = byName.get('db-1')!;
      // OrderedReady: db-1 is created only after db-0 is Ready (timestamps have second precision)
      const db0Ready = db0.status!.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime!;
      assert.ok(Date.parse(db1.metadata.creationTimestamp!) >= Date.parse(db0Ready), `db-1 created ${db1.metadata.creationTimestamp}, db-0 Ready ${db0Ready}`);
      assert.ok(Date.parse(db1.metadata.creationTimestamp!) >= Date.parse(db0.metadata.creationTimestamp!));
      for (const p of all) {
        assert.equal(p.spec.hostname, p.metadata.name);
        assert.equal(p.spec.subdomain, 'db');
        assert.equal(p.metadata.labels!['statefulset.kubernetes.io/pod-name'], p.metadata.name);
      }
      const h = await pn(['exec', 'db-1', '--', 'hostname']);
      assert.equal(h.stdout.trim(), 'db-1');
    });

    test('scale down removes the highest ordinal', async () => {
      const [db0Before] = (await pods('app=db')).filter((p) => p.metadata.name === 'db-0');
      await apply(statefulSet(1));
      const left = await settled('app=db', 1);
      assert.equal(left[0]!.metadata.name, 'db-0');
      assert.equal(left[0]!.metadata.uid, db0Before!.metadata.uid);
      const sts = await pn(['get', 'statefulset', 'db']);
      assert.match(sts.stdout, /\ndb\s+1\/1\s+/);
    });
  });

  describe('namespace deletion', () => {
    test('cascades to the Deployment, its pods and their network namespaces, and frees the ClusterIP', async () => {
      const r = await pn(['apply', '-f', '-'], {
        input: `apiVersion: v1\nkind: Namespace\nmetadata: {name: doomed}\n---\n${deployment('app', 2, 'v1', 'doomed')}---\napiVersion: v1\nkind: Service\nmetadata: {name: app, namespace: doomed}\nspec:\n  clusterIP: 10.96.9.9\n  selector: {app: app}\n  ports: [{port: 80, targetPort: http}]\n`,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'namespace/doomed created\ndeployment.apps/app created\nservice/app created\n');
      const running = await settled('app=app', 2, 'doomed');
      const netns = running.map((p) => `pn-${CLUSTER}-pod-${p.metadata.uid!.replace(/-/g, '').slice(0, 12)}`);
      const listed = (await tool(['ip', 'netns', 'list']));
      for (const ns of netns) assert.match(listed, new RegExp(`^${ns}\\b`, 'm'));

      const d = await pn(['delete', 'namespace', 'doomed']);
      assert.equal(d.code, 0, d.stderr);
      assert.equal(d.stdout, 'namespace "doomed" deleted\n');
      const gone = await eventually('namespace doomed gone', async () => {
        const g = await pn(['get', 'ns', 'doomed']);
        return g.code !== 0 ? g : undefined;
      }, 90_000, 250);
      assert.equal(gone.stderr.trim(), 'Error from server (NotFound): namespaces "doomed" not found');
      await eventually('pod network namespaces removed', async () => {
        const now = (await tool(['ip', 'netns', 'list']));
        return netns.every((ns) => !now.includes(ns));
      }, 30_000, 250);
      // the Service went with its namespace, so its ClusterIP is free again
      const again = await pn(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Service\nmetadata: {name: reuse}\nspec:\n  clusterIP: 10.96.9.9\n  ports: [{port: 80}]\n' });
      assert.equal(again.code, 0, again.stderr);
      const svc = JSON.parse((await pn(['get', 'svc', 'reuse', '-o', 'json'])).stdout) as Service;
      assert.equal(svc.spec.clusterIP, '10.96.9.9');
    });
  });
});
