// NetworkPolicy enforced for real: the docs' "Declare Network Policy" task
// (nginx behind a Service, admitted only from pods labelled access=true),
// default deny, an egress policy that allows DNS and one Service, and the
// node's nftables table that does it, probed with curl and dig from pods on
// both nodes. Probes (the agent, from the node) pass whatever the policy.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pod } from '../../../src/api/types.js';
import { downOrKill, eventually, podnet } from '../../support/cli.js';
import { echoApp } from '../../support/manifests.js';

const CLUSTER = 'itnetpol';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itnetpol-'));
const pn = podnet(CLUSTER, stateDir);

const CLIENTS = `
apiVersion: v1
kind: Pod
metadata: {name: client, labels: {access: "true"}}
spec:
  terminationGracePeriodSeconds: 0
  containers: [{name: c, image: none, command: [sleep, infinity]}]
---
apiVersion: v1
kind: Pod
metadata: {name: stranger}
spec:
  terminationGracePeriodSeconds: 0
  containers: [{name: c, image: none, command: [sleep, infinity]}]
`;

const ACCESS_NGINX = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: access-nginx}
spec:
  podSelector: {matchLabels: {app: nginx}}
  ingress:
    - from: [{podSelector: {matchLabels: {access: "true"}}}]
`;

/** curl from a pod: the HTTP code, or curl's exit code (28: timed out, the policy's drop) */
async function curlFrom(pod: string, url: string): Promise<string> {
  const r = await pn(['exec', pod, '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '-m', '2', url]);
  return r.code === 0 ? r.stdout : `exit ${r.code}`;
}

async function podIP(name: string): Promise<string> {
  const r = await pn(['get', 'pod', name, '-o', 'jsonpath={.status.podIP}']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

async function apply(manifest: string): Promise<void> {
  const r = await pn(['apply', '-f', '-'], { input: manifest });
  assert.equal(r.code, 0, r.stderr);
}

describe('NetworkPolicy: each node\'s nftables enforce who may connect to and from its pods', { timeout: 240_000 }, () => {
  before(async () => {
    const up = await pn(['up', '--nodes', '2']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
    await apply(`${echoApp({ name: 'nginx', replicas: 2 })}---${CLIENTS}`);
    await eventually('pods Ready', async () => {
      const pods = JSON.parse((await pn(['get', 'pods', '-o', 'json'])).stdout) as { items: Pod[] };
      return pods.items.length === 4 && pods.items.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    }, 60_000, 200);
    // the replicas spread over both nodes, so a policy is judged on each
    const nodes = new Set((JSON.parse((await pn(['get', 'pods', '-l', 'app=nginx', '-o', 'json'])).stdout) as { items: Pod[] }).items.map((p) => p.spec.nodeName));
    assert.equal(nodes.size, 2);
  });

  after(async () => {
    await downOrKill(pn, CLUSTER);
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('the docs\' task: before the policy everyone reaches nginx; after it, only access=true, through the Service and to each pod, on both nodes', async () => {
    assert.equal(await curlFrom('stranger', 'http://nginx/'), '200');
    await apply(ACCESS_NGINX);
    await eventually('the stranger dropped', async () => (await curlFrom('stranger', 'http://nginx/')) === 'exit 28', 20_000, 200);
    for (let i = 0; i < 4; i++) {
      assert.equal(await curlFrom('client', 'http://nginx/'), '200');
      assert.equal(await curlFrom('stranger', 'http://nginx/'), 'exit 28');
    }
    const replicas = (JSON.parse((await pn(['get', 'pods', '-l', 'app=nginx', '-o', 'json'])).stdout) as { items: Pod[] }).items;
    for (const r of replicas) {
      assert.equal(await curlFrom('client', `http://${r.status!.podIP}:8080/`), '200', r.spec.nodeName);
      assert.equal(await curlFrom('stranger', `http://${r.status!.podIP}:8080/`), 'exit 28', r.spec.nodeName);
    }
    // the isolated pods stay Ready: the agent's probes come from the node, which a policy never stops
    const ready = (JSON.parse((await pn(['get', 'pods', '-l', 'app=nginx', '-o', 'json'])).stdout) as { items: Pod[] }).items;
    assert.ok(ready.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')));
    // and the rule that did it is in the node's table, with its count
    const node = replicas[0]!.spec.nodeName!;
    const table = await pn(['exec', `node/${node}`, '--', 'nft', 'list', 'table', 'ip', 'podnet-netpol']);
    assert.match(table.stdout, /counter packets [1-9]\d* bytes \d+ log group 4001 snaplen 128 queue-threshold 1 drop comment "ingress to default\/nginx-[a-z0-9-]+ isolated by default\/access-nginx"/);
  });

  test('connections the isolated pod opens get their replies; labelling the stranger access=true lets it in', async () => {
    // nginx is isolated for ingress only: what it opens goes out, and the reply comes back
    const nginx = (JSON.parse((await pn(['get', 'pods', '-l', 'app=nginx', '-o', 'json'])).stdout) as { items: Pod[] }).items[0]!;
    const out = await pn(['exec', nginx.metadata.name!, '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '-m', '2', `http://${(await podIP('client'))}:9/`]);
    assert.equal(out.code, 7, 'refused by the client pod itself (nothing listens): the connection went out and the refusal came back');
    await apply(CLIENTS.replace('metadata: {name: stranger}', 'metadata: {name: stranger, labels: {access: "true"}}'));
    await eventually('the stranger let in', async () => (await curlFrom('stranger', 'http://nginx/')) === '200', 20_000, 200);
  });

  test('egress: a pod allowed only DNS and nginx resolves and reaches nginx by name, and nothing else; deleting the policies opens everything again', async () => {
    await apply(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-egress}
spec:
  podSelector: {matchLabels: {access: "true"}}
  policyTypes: [Egress]
  egress:
    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
      ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
    - to: [{podSelector: {matchLabels: {app: nginx}}}]
      ports: [{port: http}]
`);
    const echo = await podIP('stranger');
    await eventually('the client cut off from the stranger', async () => (await curlFrom('client', `http://${echo}:8080/`)) === 'exit 28', 20_000, 200);
    assert.equal(await curlFrom('client', 'http://nginx/'), '200');
    const dig = await pn(['exec', 'client', '--', 'dig', '+short', '+time=2', '+tries=1', 'nginx.default.svc.cluster.local']);
    assert.equal(dig.stdout, `${(await pn(['get', 'svc', 'nginx', '-o', 'jsonpath={.spec.clusterIP}'])).stdout}\n`, dig.stderr);
    // one in another namespace too (selecting no pod): --all -A deletes every namespace's
    await apply('apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: none-selected, namespace: kube-system}\nspec: {podSelector: {matchLabels: {podnet-test: none}}}\n');
    const del = await pn(['delete', 'networkpolicy', '--all', '-A']);
    assert.equal(del.code, 0, del.stderr);
    assert.equal(del.stdout.split('\n').filter(Boolean).length, 3, del.stdout);
    assert.equal((await pn(['get', 'networkpolicy', '-A', '-o', 'name'])).stdout, '');
    await eventually('open again', async () => (await curlFrom('client', `http://${echo}:8080/`)) !== 'exit 28', 20_000, 200);
    const tables = await pn(['exec', 'node/node-1', '--', 'nft', 'list', 'tables']);
    assert.doesNotMatch(tables.stdout, /podnet-netpol/);
  });
  test('a new pod a policy selects is isolated from the first instant: its init container\'s first request is already dropped', async () => {
    const target = (JSON.parse((await pn(['get', 'pods', '-l', 'app=nginx', '-o', 'json'])).stdout) as { items: Pod[] }).items[0]!.status!.podIP!;
    await apply(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: isolated-egress}
spec:
  podSelector: {matchLabels: {sec: isolated}}
  policyTypes: [Egress]
---
apiVersion: v1
kind: Pod
metadata: {name: early, labels: {sec: isolated}}
spec:
  terminationGracePeriodSeconds: 0
  initContainers: [{name: first, image: none, command: [sh, -c, 'curl -s -o /dev/null -m 1 http://${target}:8080/ && echo leaked || echo blocked']}]
  containers: [{name: c, image: none, command: [sleep, infinity]}]
`);
    const log = await eventually('the init container done', async () => (await pn(['logs', 'early', '-c', 'first'])).stdout || undefined, 30_000, 200);
    assert.equal(log, 'blocked\n');
    assert.equal((await pn(['delete', 'networkpolicy', 'isolated-egress'])).code, 0);
  });
});
