import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeList, Node, WatchEvent } from '../../../src/api/types.js';
import type { Client, ListOptions, WatchOptions } from '../../../src/client/client.js';
import { waitForPodCIDR } from '../../../src/agent/wait-for-node.js';

const node = (podCIDR?: string): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', resourceVersion: '7' }, spec: podCIDR ? { podCIDR } : {} } as Node);
const enoent = () => Object.assign(new Error('connect ENOENT /x/api.sock'), { code: 'ENOENT' });

/**
 * A client whose list answers come from `lists` in turn (an Error is thrown)
 * and whose watches each deliver the events of `watches` in turn, then end.
 */
function fakeClient(lists: (Node[] | Error)[], watches: WatchEvent<Node>[][]) {
  const calls: string[] = [];
  const client = {
    list: async (_p: string, _ns?: string, o?: ListOptions) => {
      calls.push(`list ${o?.fieldSelector}`);
      const next = lists.shift()!;
      if (next instanceof Error) throw next;
      return { apiVersion: 'v1', kind: 'NodeList', metadata: { resourceVersion: '7' }, items: next } as KubeList<Node>;
    },
    watch: (_p: string, _ns: string | undefined, o: WatchOptions, onEvent: (e: WatchEvent<Node>) => void) => {
      calls.push(`watch ${o.fieldSelector} from ${o.resourceVersion}`);
      const events = watches.shift() ?? [];
      let stopped = false;
      const done = (async () => { for (const e of events) { await Promise.resolve(); if (!stopped) onEvent(e); } })();
      return { stop: () => { stopped = true; calls.push('stop'); }, done };
    },
  } as unknown as Client;
  return { client, calls };
}

const options = (apiUp: string[]) => ({ retryMs: 1, timeoutMs: 60_000, sleep: async () => {}, onApiUp: () => apiUp.push('up') });

test('waitForPodCIDR: retries while the API socket is not there, then watches the Node from the list until it has a podCIDR', async () => {
  const { client, calls } = fakeClient([enoent(), enoent(), []], [[
    { type: 'ADDED', object: node() },
    { type: 'MODIFIED', object: node('10.244.0.0/24') },
  ]]);
  const up: string[] = [];
  const got = await waitForPodCIDR(client, 'node-1', options(up));
  assert.equal(got.spec.podCIDR, '10.244.0.0/24');
  assert.deepEqual(up, ['up'], 'onApiUp once, at the first answer');
  assert.deepEqual(calls, ['list metadata.name=node-1', 'list metadata.name=node-1', 'list metadata.name=node-1', 'watch metadata.name=node-1 from 7', 'stop']);
});

test('waitForPodCIDR: no request while the API socket is not there', async () => {
  const { client, calls } = fakeClient([[node('10.244.0.0/24')]], []);
  let checks = 0;
  await waitForPodCIDR(client, 'node-1', { ...options([]), mayAnswer: () => ++checks > 3 });
  assert.equal(checks, 4);
  assert.deepEqual(calls, ['list metadata.name=node-1']);
});

test('waitForPodCIDR: a Node that has one already needs no watch; a watch that ends without it means list again', async () => {
  const first = fakeClient([[node('10.244.1.0/24')]], []);
  assert.equal((await waitForPodCIDR(first.client, 'node-1', options([]))).spec.podCIDR, '10.244.1.0/24');
  assert.deepEqual(first.calls, ['list metadata.name=node-1']);
  const second = fakeClient([[node()], [node('10.244.2.0/24')]], [[{ type: 'ADDED', object: node() }]]);
  assert.equal((await waitForPodCIDR(second.client, 'node-1', options([]))).spec.podCIDR, '10.244.2.0/24');
  assert.deepEqual(second.calls, ['list metadata.name=node-1', 'watch metadata.name=node-1 from 7', 'list metadata.name=node-1']);
});

test('waitForPodCIDR: other errors, and silence past the timeout, are failures', async () => {
  const broken = fakeClient([Object.assign(new Error('EACCES'), { code: 'EACCES' })], []);
  await assert.rejects(waitForPodCIDR(broken.client, 'node-1', options([])), /EACCES/);
  const silent = fakeClient([enoent(), enoent()], []);
  await assert.rejects(waitForPodCIDR(silent.client, 'node-1', { ...options([]), timeoutMs: -1 }), /no answer from the API server after -1 ms/);
});
