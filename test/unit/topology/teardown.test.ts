import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordingRunner } from '../../../src/net/runner.js';
import { clusterNamespaces, teardownCluster } from '../../../src/topology/teardown.js';

test('clusterNamespaces: prefix match, minus clusters whose name extends ours', () => {
  const all = ['pn-a-router', 'pn-a-node-1', 'pn-a-pod-0123456789ab', 'pn-a-b-router', 'pn-a-b-node-1', 'pn-ab-router', 'pn-b-router', 'other', 'pn-a'];
  const rows: [string, string[]][] = [
    ['a', ['pn-a-node-1', 'pn-a-pod-0123456789ab', 'pn-a-router']],
    ['a-b', ['pn-a-b-node-1', 'pn-a-b-router']],
    ['ab', ['pn-ab-router']],
    ['c', []],
  ];
  for (const [cluster, want] of rows) assert.deepEqual(clusterNamespaces(cluster, all), want, cluster);
  // after a crash that took a's router already, a's leftovers are still a's
  assert.deepEqual(clusterNamespaces('a', ['pn-a-node-1', 'pn-a-outside']), ['pn-a-node-1', 'pn-a-outside']);
});

test('teardownCluster: nothing there is success and runs nothing else', async () => {
  const runner = new RecordingRunner(() => ({ stdout: '' }));
  assert.deepEqual(await teardownCluster('tt1', runner), { namespaces: [], killed: [] });
  assert.deepEqual(runner.calls.map((c) => c.argv.join(' ')), ['ip -j netns list']);
});

test('teardownCluster: kills every process first, then deletes, then verifies', async () => {
  let listed = 0;
  let pidRounds = 0;
  const runner = new RecordingRunner((argv) => {
    const l = argv.join(' ');
    if (l === 'ip -j netns list') {
      listed++;
      return { stdout: JSON.stringify(listed === 1 ? [{ name: 'pn-tt1-router' }, { name: 'pn-tt1-node-1' }, { name: 'pn-tt2-router' }] : [{ name: 'pn-tt2-router' }]) };
    }
    if (l === 'ip netns pids pn-tt1-node-1') return { stdout: pidRounds++ === 0 ? '4242\n4243\n' : '' };
    if (l === 'ip netns pids pn-tt1-router') return { stdout: '' };
    return undefined;
  });
  const signalled: number[] = [];
  const result = await teardownCluster('tt1', runner, (pid) => signalled.push(pid));
  assert.deepEqual(result, { namespaces: ['pn-tt1-node-1', 'pn-tt1-router'], killed: [4242, 4243] });
  assert.deepEqual(signalled, [4242, 4243]);
  const del = runner.calls.find((c) => c.argv.join(' ') === 'ip -force -batch -')!;
  assert.equal(del.input, 'netns del pn-tt1-node-1\nnetns del pn-tt1-router\n');
});

test('teardownCluster: a namespace that will not go is an error naming it', async () => {
  const runner = new RecordingRunner((argv) => (argv.join(' ') === 'ip -j netns list' ? { stdout: JSON.stringify([{ name: 'pn-tt1-router' }]) } : undefined));
  await assert.rejects(teardownCluster('tt1', runner, () => {}), /could not delete netns pn-tt1-router of cluster tt1/);
});
