// A pod's hostPort on a real cluster, as the CNI portmap plugin makes it:
// reached on its node's address by curl from the other node, from the node
// itself, from the outside client and from the pod itself (the hairpin); a
// second pod that wants the same port of the same node stays Pending with
// kube-scheduler's words until the first is gone, then takes the port; the
// node's table goes with the last hostPort.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Node, Pod } from '../../../src/api/types.js';
import { eventually, podnet, withCluster } from '../../support/cli.js';

const CLUSTER = 'ithp';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-ithp-'));
const pn = podnet(CLUSTER, stateDir);
const HOST_PORT = 20999;

async function ok(args: string[], input?: string): Promise<string> {
  const r = await pn(args, input === undefined ? {} : { input });
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** a podnet/echo pod taking HOST_PORT on node-1 (pinned by node affinity, so the scheduler decides) */
const echoPod = (name: string) => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  terminationGracePeriodSeconds: 0
  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [node-1]}]}]}}}
  containers: [{name: echo, image: podnet/echo, ports: [{name: http, containerPort: 8080, hostPort: ${HOST_PORT}}]}]
`;

describe('hostPort: a pod reached on its node\'s address, as the CNI portmap plugin makes it', () => {
  withCluster(pn, CLUSTER, stateDir);
  let nodeIP = '';
  const status = (where: string[]) => pn([...where, '--', 'curl', '-s', '-m', '2', '-o', '/dev/null', '-w', '%{http_code}', `http://${nodeIP}:${HOST_PORT}/`]);

  test('reached from the other node, the node itself, the outside client and the pod itself', async () => {
    await ok(['apply', '-f', '-'], echoPod('first'));
    await ok(['wait', '--for=condition=Ready', 'pod/first', '--timeout=60s']);
    nodeIP = (JSON.parse(await ok(['get', 'node', 'node-1', '-o', 'json'])) as Node).status!.addresses!.find((a) => a.type === 'InternalIP')!.address;
    // the agent writes the table once the API shows the pod's address
    await eventually('node-2 to reach the hostPort', async () => (await status(['exec', 'node/node-2'])).stdout === '200' || undefined, 10_000, 100);
    for (const where of [['exec', 'node/node-1'], ['outside'], ['exec', 'first']]) {
      const r = await status(where);
      assert.equal(r.stdout, '200', `${where.join(' ')}: ${r.stderr}`);
    }
    // podnet trace names the pod behind the node's port
    const trace = await ok(['trace', `http://${nodeIP}:${HOST_PORT}/`]);
    assert.match(trace, new RegExp(`Node +${nodeIP.replace(/\./g, '\\.')}:${HOST_PORT} is node node-1: the hostPort of pod default/first, DNATed by the node to its containerPort 8080`));
    assert.match(trace, /Pod +default\/first on node-1 \([\d.]+\) answered 200 in \d+ ms, reached through its hostPort/);
  });

  test('a second pod for the same port of the same node waits, in kube-scheduler\'s words, and takes the port once the first is gone', async () => {
    await ok(['apply', '-f', '-'], echoPod('second'));
    const pending = await eventually('the second pod to be unschedulable', async () => {
      const p = JSON.parse(await ok(['get', 'pod', 'second', '-o', 'json'])) as Pod;
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    }, 10_000, 100);
    assert.equal(pending.message, '0/2 nodes are available: 1 node(s) didn\'t have free ports for the requested pod ports, 1 node(s) didn\'t match Pod\'s node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.');
    await ok(['delete', 'pod', 'first']);
    await ok(['wait', '--for=condition=Ready', 'pod/second', '--timeout=60s']);
    const second = JSON.parse(await ok(['get', 'pod', 'second', '-o', 'json'])) as Pod;
    await eventually('the hostPort to reach the second pod', async () => {
      const r = await pn(['outside', '--', 'curl', '-s', '-m', '2', `http://${nodeIP}:${HOST_PORT}/`]);
      return r.stdout.includes(second.status!.podIP!) || r.stdout.includes('second') || undefined;
    }, 10_000, 100);
  });

  test('the node\'s table goes with the last hostPort', async () => {
    await ok(['delete', 'pod', 'second']);
    await eventually('the table to be gone', async () => (await pn(['exec', 'node/node-1', '--', 'nft', 'list', 'table', 'ip', 'podnet-hostports'])).code !== 0 || undefined, 10_000, 100);
    assert.notEqual((await status(['outside'])).stdout, '200');
  });
});
