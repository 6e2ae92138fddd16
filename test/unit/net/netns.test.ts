import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordingRunner } from '../../../src/net/runner.js';
import { failedBatchLine, netnsBatch } from '../../../src/net/netns.js';

test('netnsBatch: only lines that create a named namespace or run inside one reach the host ip', async () => {
  const runner = new RecordingRunner();
  await netnsBatch(runner, ['netns add pn-a-router', 'netns exec pn-a-router ip -batch /tmp/x/1', 'netns exec pn-a-node-1 sysctl -q -w net.ipv4.ip_forward=1']);
  assert.deepEqual(runner.calls, [{ argv: ['ip', '-batch', '-'], input: 'netns add pn-a-router\nnetns exec pn-a-router ip -batch /tmp/x/1\nnetns exec pn-a-node-1 sysctl -q -w net.ipv4.ip_forward=1\n' }]);
  const refused: string[][] = [
    ['link add br0 type bridge'],
    ['netns add pn-a-router', 'route replace default via 10.0.0.1'],
    ['netns exec'],
    ['netns  exec pn-a-router true'],
    ['netns del pn-a-router'],
    // one line that ip would read as two: the second acts on the host
    ['netns exec pn-a-router ip -batch /tmp/x/1\nlink set lo down'],
    ['netns add pn-a\nlink set lo down'],
    // a program that could leave the namespace again, or a file name ip would split
    ['netns exec pn-a-router nsenter -t 1 -n ip link set lo down'],
    ['netns exec pn-a-router ip -batch /tmp/my dir/1'],
    ['netns exec pn-a-router nft -f /tmp/x/1 # comment'],
    ['netns exec pn-a-router sysctl -q -w net.ipv4.ip_forward=1;reboot'],
  ];
  for (const lines of refused) {
    const r = new RecordingRunner();
    await assert.rejects(netnsBatch(r, lines), /refusing to run .* in the host network namespace/, lines.join(' | '));
    assert.equal(r.calls.length, 0, 'nothing ran');
  }
});

test('failedBatchLine: the line ip names on stderr', () => {
  const rows: [string, number | undefined][] = [
    ['Error: Could not open file "/x": No such file or directory\n\nCommand failed -:4\n', 4],
    ['RTNETLINK answers: File exists\nCommand failed -:12\n', 12],
    ['Killed', undefined],
  ];
  for (const [stderr, n] of rows) assert.equal(failedBatchLine(stderr), n, stderr);
});
