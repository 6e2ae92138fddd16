import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchDemux, interleave, residentLines, SENTINEL, SENTINEL_MESSAGE } from '../../../src/net/resident-ip.js';
import type { RunResult } from '../../../src/net/runner.js';

const BATCH = ['ip', '-o', '-force', '-batch', '-'];

test('which calls the resident ip takes, and as which lines', () => {
  const rows: { argv: string[]; input?: string; netns?: string; want: string[] | undefined }[] = [
    { argv: BATCH, input: 'link set dev cni0 up\nlink show dev cni0\n', want: ['link set dev cni0 up', 'link show dev cni0'] },
    { argv: ['ip', 'link', 'del', 'dev', 'veth0a1b2c3d'], want: ['link del dev veth0a1b2c3d'] },
    // other shapes keep their one-shot semantics (no -force: stop at the first failure; other output formats)
    { argv: ['ip', '-force', '-batch', '-'], input: 'link del dev a\n', want: undefined },
    { argv: ['ip', '-j', 'link', 'show'], want: undefined },
    { argv: ['ip', 'link', 'del', 'dev', 'a b'], want: undefined },
    { argv: BATCH, input: 'link show dev cni0\n', netns: 'pn-x', want: undefined },
    // ip's line reader would join, cut or skip these, and the numbering would shift
    { argv: BATCH, input: 'link show \\\ndev cni0\n', want: undefined },
    { argv: BATCH, input: 'link show dev cni0 # comment\n', want: undefined },
    { argv: BATCH, input: 'link show dev cni0\n\nlink show dev lo\n', want: undefined },
    { argv: BATCH, input: 'link show dev cni0', want: undefined },
    { argv: BATCH, input: '', want: undefined },
  ];
  for (const r of rows) {
    assert.deepEqual(residentLines(r.argv, { ...(r.input !== undefined ? { input: r.input } : {}), ...(r.netns ? { netns: r.netns } : {}) }), r.want, `${r.argv.join(' ')} <<< ${JSON.stringify(r.input)}`);
  }
});

test('every line is followed by the sentinel', () => {
  assert.equal(interleave(['link set dev lo up', 'link show dev lo']), `link set dev lo up\n${SENTINEL}\nlink show dev lo\n${SENTINEL}\n`);
});

/** What ip prints for the sentinel on line N. */
const sentinel = (n: number) => `${SENTINEL_MESSAGE}\nCommand failed -:${n}\n`;
const LO = '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00';

test('demux: each call gets its own stdout, stderr (line numbers counted from its first line) and status', () => {
  const demux = new BatchDemux();
  const results: RunResult[] = [];
  demux.add(['link show dev lo', 'link show dev nosuch', 'link add cni0 type bridge'], (r) => results.push(r));
  demux.add(['netns exec pn-x ip -batch /tmp/s.batch', 'link set dev lo up'], (r) => results.push(r));
  demux.add(['link del dev veth1'], (r) => results.push(r));
  // as ip 6.1 writes it (2>&1), in chunks that cut lines anywhere
  const output = [
    `${LO}\n`, sentinel(2),
    'Device "nosuch" does not exist.\nCommand failed -:3\n', sentinel(4),
    sentinel(6),
    // call 2: its first line is ip's line 7; the inner ip's own failure names its file
    'Cannot find device "pnveth1"\nCommand failed /tmp/s.batch:1\nCommand failed -:7\n', sentinel(8),
    sentinel(10),
    // call 3
    'Cannot find device "veth1"\nCommand failed -:11\n', sentinel(12),
  ].join('');
  for (let i = 0; i < output.length; i += 7) demux.feed(output.slice(i, i + 7));
  assert.deepEqual(results, [
    { stdout: `${LO}\n`, stderr: 'Device "nosuch" does not exist.\nCommand failed -:2\n', code: 1 },
    { stdout: '', stderr: 'Cannot find device "pnveth1"\nCommand failed /tmp/s.batch:1\nCommand failed -:1\n', code: 1 },
    { stdout: '', stderr: 'Cannot find device "veth1"\nCommand failed -:1\n', code: 1 },
  ]);
  assert.equal(demux.inFlight, 0);
});

test('demux: a call that succeeds completes with status 0 only after its last sentinel', () => {
  const demux = new BatchDemux();
  const results: RunResult[] = [];
  demux.add(['link set dev lo up', 'link show dev lo'], (r) => results.push(r));
  demux.feed(sentinel(2));
  assert.equal(results.length, 0);
  demux.feed(`${LO}\n${sentinel(4)}`);
  assert.deepEqual(results, [{ stdout: `${LO}\n`, stderr: '', code: 0 }]);
});

test('demux: ip gone mid-call fails every call in flight like a killed one-shot ip', () => {
  const demux = new BatchDemux();
  const results: RunResult[] = [];
  demux.add(['link show dev lo', 'link set dev lo up'], (r) => results.push(r));
  demux.add(['link del dev veth1'], (r) => results.push(r));
  demux.feed(`${LO}\n${sentinel(2)}`);
  demux.fail('resident ip -batch exited (SIGKILL)');
  assert.deepEqual(results.map((r) => r.code), [null, null]);
  assert.equal(results[0]!.stdout, `${LO}\n`);
  assert.match(results[1]!.stderr, /exited \(SIGKILL\)/);
  assert.equal(demux.inFlight, 0);
});
