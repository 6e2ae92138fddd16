// DaemonSets on a real two-node cluster, as node agents use them: one Ready
// podnet/echo pod per node, each reachable on its pod IP from the other node;
// a Service with internalTrafficPolicy: Local answers from the caller's own
// node only; a nodeSelector picks one node; a template change rolls node by
// node until `kubectl rollout status` is satisfied; deleting the set deletes
// its pods.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DaemonSet, Pod, Service } from '../../../src/api/types.js';
import { downOrKill, eventually, podnet } from '../../support/cli.js';
import { echoService } from '../../support/manifests.js';

const CLUSTER = 'itds';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itds-'));
const pn = podnet(CLUSTER, stateDir);

/** Runs podnet; a non-zero exit fails the test with its stderr. */
async function ok(args: string[], input?: string): Promise<string> {
  const r = await pn(args, input === undefined ? {} : { input });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}
const apply = (text: string) => ok(['apply', '-f', '-'], text);
const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await ok([...args, '-o', 'json'])) as T;

/** A DaemonSet of podnet/echo (named port http on 8080, ready on /healthz); `extra` lines go under the pod spec. */
function echoDaemonSet(name: string, o: { args?: string[]; extra?: string } = {}): string {
  return `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ${name}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
${o.extra ?? ''}      containers:
        - name: echo
          image: podnet/echo
${o.args ? `          args: ${JSON.stringify(o.args)}\n` : ''}          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1}
`;
}

const livePods = async (app: string) => (await getJson<{ items: Pod[] }>(['get', 'pods', '-l', `app=${app}`])).items.filter((p) => !p.metadata.deletionTimestamp);
const setNamed = (name: string) => getJson<DaemonSet>(['get', 'ds', name]);

/** Waits until every node the set wants runs one Ready pod, and returns them by node. */
async function readyByNode(name: string, nodes: number): Promise<Map<string, Pod>> {
  await eventually(`${name}: ${nodes} ready`, async () => {
    const s = (await setNamed(name)).status;
    return s?.desiredNumberScheduled === nodes && s.numberReady === nodes && s.numberAvailable === nodes;
  }, 60_000, 250);
  const pods = (await livePods(name)).filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  return new Map(pods.map((p) => [p.spec.nodeName!, p]));
}

async function curlFrom(pod: string, url: string): Promise<{ pod: string; node: string }> {
  const r = await pn(['exec', pod, '--', 'curl', '-s', '-m', '2', url]);
  assert.equal(r.code, 0, `${pod} → ${url}: ${r.stderr}`);
  return JSON.parse(r.stdout) as { pod: string; node: string };
}

describe('DaemonSets', { timeout: 300_000 }, () => {
  before(async () => {
    const up = await pn(['up']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
  });

  after(async () => {
    await downOrKill(pn, CLUSTER);
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('one Ready pod per node, each answering on its pod IP from the other node', async () => {
    await apply(echoDaemonSet('agent'));
    const byNode = await readyByNode('agent', 2);
    assert.deepEqual([...byNode.keys()].sort(), ['node-1', 'node-2']);
    assert.equal((await livePods('agent')).length, 2);
    for (const [node, target] of byNode) {
      const from = [...byNode.values()].find((p) => p.spec.nodeName !== node)!;
      const answer = await curlFrom(from.metadata.name!, `http://${target.status!.podIP}:8080/`);
      assert.deepEqual([answer.pod, answer.node], [target.metadata.name, node]);
    }
    const table = await pn(['get', 'ds']);
    assert.match(table.stdout, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\n/);
    assert.match(table.stdout, /\nagent\s+2\s+2\s+2\s+2\s+2\s+<none>\s+\d+s\n/);
  });

  test('a Service with internalTrafficPolicy: Local answers from the caller\'s node only', async () => {
    await apply(echoService({ name: 'agent-local', app: 'agent', extraSpec: '  internalTrafficPolicy: Local\n' }));
    const byNode = await readyByNode('agent', 2);
    const svc = await getJson<Service>(['get', 'svc', 'agent-local']);
    const local = byNode.get('node-1')!;
    // the first answers may come before the proxy has the Service
    await eventually('the Service answers', async () => (await pn(['exec', local.metadata.name!, '--', 'curl', '-s', '-m', '2', `http://${svc.spec.clusterIP}/`])).code === 0, 20_000, 250);
    for (let i = 0; i < 10; i++) {
      const answer = await curlFrom(local.metadata.name!, `http://${svc.spec.clusterIP}/`);
      assert.equal(answer.pod, local.metadata.name, `answer ${i}`);
    }
  });

  test('a nodeSelector matching one node: one pod, there', async () => {
    await apply(echoDaemonSet('edge', { extra: '      nodeSelector: {kubernetes.io/hostname: node-2}\n' }));
    const byNode = await readyByNode('edge', 1);
    assert.deepEqual([...byNode.keys()], ['node-2']);
    assert.equal((await livePods('edge')).length, 1);
  });

  test('a template change rolls node by node: rollout status exits 0 and every pod has the new revision', async () => {
    const before = new Set((await livePods('agent')).map((p) => p.metadata.labels!['controller-revision-hash']));
    assert.equal(before.size, 1);
    // maxUnavailable 1 of 2: one Ready pod at every moment of the rollout
    let rolling = true;
    let fewestReady = Infinity;
    const watching = (async () => {
      while (rolling) {
        fewestReady = Math.min(fewestReady, (await livePods('agent')).filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    await apply(echoDaemonSet('agent', { args: ['--shutdown-delay', '0'] }));
    const status = await pn(['kubectl', 'rollout', 'status', 'ds/agent', '--timeout=120s'], { timeoutMs: 150_000 });
    rolling = false;
    await watching;
    assert.ok(fewestReady >= 1, `ready pods fell to ${fewestReady}`);
    assert.equal(status.code, 0, `${status.stdout}\n${status.stderr}`);
    assert.match(status.stdout, /daemon set "agent" successfully rolled out\n$/);
    const pods = await livePods('agent');
    assert.equal(pods.length, 2);
    const after = new Set(pods.map((p) => p.metadata.labels!['controller-revision-hash']));
    assert.equal(after.size, 1);
    assert.ok(!before.has([...after][0]!), `a new revision: ${[...after]}`);
    assert.deepEqual(pods.map((p) => p.metadata.labels!['pod-template-generation']), ['2', '2']);
    const described = await pn(['describe', 'ds', 'agent']);
    assert.match(described.stdout, /Number of Nodes Scheduled with Up-to-date Pods: 2\n/);
    assert.equal([...described.stdout.matchAll(/SuccessfulDelete/g)].length, 2, described.stdout);
  });

  test('deleting the DaemonSet deletes its pods', async () => {
    const r = await pn(['delete', 'ds', 'agent', 'edge']);
    assert.equal(r.code, 0, r.stderr);
    await eventually('the pods are gone', async () => (await livePods('agent')).length === 0 && (await livePods('edge')).length === 0, 60_000, 250);
  });
});
