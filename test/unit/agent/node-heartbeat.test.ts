import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../../../src/api/types.js';
import type { Client } from '../../../src/client/client.js';
import { NodeHeartbeat, nodeResources } from '../../../src/agent/node-heartbeat.js';

const NEVER = { type: 'Ready', status: 'Unknown', reason: 'NodeStatusNeverUpdated', lastTransitionTime: '2026-01-01T00:00:00Z' };

function node(conditions: object[]): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: { podCIDR: '10.244.0.0/24' }, status: { conditions } } as Node;
}

/** a Client that answers GET with `stored` and PATCH with the patch applied to it, recording both */
function fakeClient(stored: Node) {
  const calls: string[] = [];
  const client = {
    get: async () => { calls.push('GET'); return stored; },
    patch: async (_p: string, _ns: string | undefined, _n: string, patch: { status: Node['status'] }) => { calls.push('PATCH'); return { ...stored, status: patch.status }; },
  } as unknown as Client;
  return { client, calls };
}

test('the first heartbeat of a node the agent has just read is one PATCH, and makes it Ready', async () => {
  const { client, calls } = fakeClient(node([NEVER]));
  const beat = new NodeHeartbeat(client, 'node-1', '172.18.0.2', node([NEVER]));
  const after = await beat.beat();
  assert.deepEqual(calls, ['PATCH']);
  const ready = after.status!.conditions!.find((c) => c.type === 'Ready')!;
  assert.equal(ready.status, 'True');
  assert.notEqual(ready.lastTransitionTime, NEVER.lastTransitionTime, 'Unknown → True is a transition');
  await beat.beat();
  assert.deepEqual(calls, ['PATCH', 'PATCH'], 'later beats build on the last answer');
});

test('without a Node to start from, the first heartbeat reads it first', async () => {
  const { client, calls } = fakeClient(node([NEVER]));
  await new NodeHeartbeat(client, 'node-1', '172.18.0.2').beat();
  assert.deepEqual(calls, ['GET', 'PATCH']);
});

test('a node reports its ephemeral-storage: the size of the filesystem holding the pods\' files, in Ki', () => {
  const r = nodeResources('/');
  assert.match(r['ephemeral-storage'] ?? '', /^[1-9]\d*Ki$/);
  assert.deepEqual({ cpu: r.cpu, memory: r.memory, pods: r.pods }, { cpu: '2', memory: '24Gi', pods: '250' });
  assert.equal(nodeResources('/nonexistent-podnet-dir')['ephemeral-storage'], undefined);
});
