// `podnet doctor` on a real cluster with the built-in example: clean when
// every layer works, and for each way a user or a crash breaks one (a
// selector typo, an Ingress to a missing Service, a NetworkPolicy that drops,
// a node's service rules deleted, a node agent that hangs, the daemon
// killed) the layer and the words it names, its exit code and its one line
// on stderr, and clean again once the cluster has healed.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPodReady } from '../../../src/api/pod-helpers.js';
import type { Pod } from '../../../src/api/types.js';
import { lbStatusPath, type LbStatus } from '../../../src/cloud/lb-status.js';
import { eventually, podnet, run, withCluster, type Run } from '../../support/cli.js';

const CLUSTER = 'itdoctor';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itdoctor-'));
const pn = podnet(CLUSTER, stateDir);
const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));

const BROKEN = `
apiVersion: v1
kind: Service
metadata: {name: typo, namespace: shop}
spec:
  selector: {app: apii}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: broken, namespace: shop}
spec:
  rules:
  - host: broken.example.test
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: missing, port: {number: 80}}}}
`;

const DENY_API = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
`;

const doctor = (): Promise<Run> => pn(['doctor'], { timeoutMs: 60_000 });
const report = (r: Run) => `exit ${r.code}\n${r.stdout}${r.stderr}`;

async function apply(yaml: string, verb = 'apply'): Promise<void> {
  const r = await pn([verb, '-f', '-'], { input: yaml });
  assert.equal(r.code, 0, r.stderr);
}

async function pods(namespace: string, selector?: string): Promise<Pod[]> {
  const r = await pn(['get', 'pods', '-n', namespace, ...(selector ? ['-l', selector] : []), '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { items: Pod[] }).items;
}

/** doctor until it finds nothing (a cluster settles in moments after a change), the last run either way */
async function clean(what: string): Promise<Run> {
  let last: Run | undefined;
  await eventually(what, async () => {
    last = await doctor();
    return last.code === 0;
  }, 60_000, 500).catch(() => undefined);
  return last!;
}

async function agentPid(node: string): Promise<number> {
  const r = await run(['pgrep', '-f', `agent/main.js --cluster ${CLUSTER} --node ${node}`]);
  const pid = Number(r.stdout.split('\n')[0]);
  assert.ok(pid > 0, `no agent process for ${node}`);
  return pid;
}

describe('podnet doctor: what is wrong in each layer, and what to change', { timeout: 300_000 }, () => {
  withCluster(pn, CLUSTER, stateDir, ['--nodes', '2']);

  before(async () => {
    const applied = await pn(['apply', '-f', EXAMPLES]);
    assert.equal(applied.code, 0, applied.stderr);
    await eventually('the shop and the ingress controller Ready', async () => {
      const shop = await pods('shop');
      return shop.length === 6 && shop.every(isPodReady) && (await pods('ingress-nginx')).filter(isPodReady).length === 1;
    }, 90_000, 250);
  });

  test('a working cluster: every layer checked, no problem, exit 0', async () => {
    const r = await clean('doctor to find nothing once the example is up');
    assert.equal(r.code, 0, report(r));
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^Control plane\n {2}✓ the daemon \(pid \d+\) answers on /);
    assert.match(r.stdout, /^ {2}✓ 2 nodes Ready: node-1, node-2$/m);
    assert.match(r.stdout, /^ {2}✓ the service rules in node-1, node-2 match the API's Services and EndpointSlices$/m);
    assert.match(r.stdout, /^ {2}✓ 10\.96\.0\.10 answers kubernetes\.default\.svc\.cluster\.local → 10\.96\.0\.1 from node-1 \(\d+ ms\), node-2 \(\d+ ms\)$/m);
    // the LB's nodes in service as its own status file says
    const lb = JSON.parse(readFileSync(lbStatusPath(path.join(stateDir, CLUSTER)), 'utf8')) as LbStatus;
    const http = lb.frontends.find((f) => f.address.endsWith(':80/tcp'))!;
    assert.ok(r.stdout.includes(`${http.address} → ${http.targets.filter((t) => t.inService).map((t) => t.node).join(', ')}`), report(r));
    assert.match(r.stdout, /^ {2}✓ NGINX answers the outside client through 203\.0\.113\.\d+:80 \(its default server: 404\)$/m);
    assert.match(r.stdout, /^ {2}✓ 2 names the cluster publishes resolve from outside to their addresses \(shop\.example\.test → 203\.0\.113\.\d+; status\.example\.test → 203\.0\.113\.\d+\)$/m);
    assert.match(r.stdout, /\nNo problems found\.\n$/);
  });

  test('a selector typo, an Ingress to a missing Service and a policy that drops: each named in its layer, exit 1', async () => {
    await apply(BROKEN);
    await apply(DENY_API);
    try {
      const frontend = (await pods('shop', 'app=frontend'))[0]!.metadata.name!;
      const curl = await pn(['exec', '-n', 'shop', frontend, '--', 'curl', '-s', '-m', '2', 'http://api/']);
      assert.notEqual(curl.code, 0, 'the policy let the connection through');
      let r: Run | undefined;
      await eventually('doctor to see the Ingress served', async () => {
        r = await doctor();
        return !r.stdout.includes('Ingress shop/broken has no address yet');
      }, 30_000, 500);
      assert.equal(r!.code, 1, report(r!));
      assert.match(r!.stdout, /^ {2}✗ Service shop\/typo has no ready endpoint: no pod in namespace shop matches its selector app=apii$/m);
      assert.match(r!.stdout, /^ {2}✗ Ingress shop\/broken: its backend shop\/missing:80 names a Service that does not exist: NGINX answers 503$/m);
      assert.match(r!.stdout, /^ {2}! ingress to shop\/api-\S+ isolated by shop\/deny-api on node-\d: \d+ packets? dropped, the last \d+s ago\n {4}→ podnet observe --since 10m --verdict DROPPED --node node-\d shows each, with its source$/m);
      assert.match(r!.stdout, /\n2 problems, \d+ warnings?\.\n$/);
      assert.equal(r!.stderr, 'error: doctor found 2 problems, the first in Services: Service shop/typo has no ready endpoint: no pod in namespace shop matches its selector app=apii\n');
    } finally {
      await apply(BROKEN, 'delete');
      await apply(DENY_API, 'delete');
    }
  });

  test('a node\'s service rules deleted behind the agent\'s back: named, and gone once the agent syncs again', async () => {
    const del = await pn(['exec', 'node/node-2', '--', 'nft', 'delete', 'table', 'ip', 'podnet']);
    assert.equal(del.code, 0, del.stderr);
    const r = await doctor();
    assert.equal(r.code, 1, report(r));
    assert.match(r.stdout, /^ {2}✗ node node-2 has no service rules \(no nftables table ip podnet\): no ClusterIP, NodePort or load-balancer address works there$/m);
    assert.match(r.stdout, new RegExp(`^ {4}→ its agent loads them at start: its log ${stateDir}/${CLUSTER}/agent-node-2\\.log says why it did not$`, 'm'));
    // any change makes the agent sync; its incremental update fails on the missing table and it loads the whole
    await apply('apiVersion: v1\nkind: Service\nmetadata: {name: nudge, namespace: shop}\nspec: {selector: {app: api}, ports: [{port: 81, targetPort: 8080}]}\n');
    const healed = await clean('the node\'s rules back');
    assert.equal(healed.code, 0, report(healed));
    await apply('apiVersion: v1\nkind: Service\nmetadata: {name: nudge, namespace: shop}\n', 'delete');
  });

  test('a node agent that hangs: the node Unknown, its proxy silent, its rules stale, its pods not Ready because of it', async () => {
    const pid = await agentPid('node-1');
    process.kill(pid, 'SIGSTOP');
    try {
      let r: Run | undefined;
      await eventually('the node to be marked not Ready', async () => {
        r = await doctor();
        return r.stdout.includes('node node-1 is not Ready');
      }, 40_000, 1000);
      assert.match(r!.stdout, /^ {2}✗ node node-1 is not Ready: NodeStatusUnknown \(Kubelet stopped posting node status\.\) \(last heartbeat \d+s ago\)$/m);
      assert.match(r!.stdout, /^ {2}✗ node node-1's service proxy does not answer on :10256\/healthz: its node agent is not running$/m);
      assert.match(r!.stdout, /^ {2}✗ \d+ pods? on node node-1 (is|are) not Ready because the node is not \(see Nodes\): /m);
      assert.match(r!.stdout, /^ {2}✗ node node-1's service rules are not the ones the API's Services and EndpointSlices make now/m);
      assert.match(r!.stdout, /^ {4}→ its node agent does not answer \(see Nodes\): nothing updates them$/m);
      assert.equal(r!.code, 1);
      assert.match(r!.stderr, /^error: doctor found \d+ problems, the first in Nodes: node node-1 is not Ready: NodeStatusUnknown/);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const healed = await clean('the node back');
    assert.equal(healed.code, 0, report(healed));
  });

  test('the daemon killed: what is left and how to get it back, then clean again after up', async () => {
    const pid = Number(readFileSync(path.join(stateDir, CLUSTER, 'daemon.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await eventually('the daemon gone', async () => { try { process.kill(pid, 0); return false; } catch { return true; } }, 10_000);
    const r = await doctor();
    assert.equal(r.code, 1, report(r));
    assert.match(r.stdout, new RegExp(`^ {2}✗ cluster "${CLUSTER}" is not running \\(nothing listens on its API socket .*: its daemon has stopped\\)$`, 'm'));
    assert.match(r.stdout, new RegExp(`^ {4}→ podnet up --cluster ${CLUSTER} starts the daemon again, and it finds its cluster \\(\\d+ network namespaces are still there\\); podnet down --cluster ${CLUSTER} removes them$`, 'm'));
    assert.match(r.stderr, new RegExp(`^error: doctor found a problem, the first in Control plane: cluster "${CLUSTER}" is not running`));
    const up = await pn(['up']);
    assert.equal(up.code, 0, up.stderr);
    const healed = await clean('the cluster resumed');
    assert.equal(healed.code, 0, report(healed));
  });
});
