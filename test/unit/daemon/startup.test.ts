import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Node } from '../../../src/api/types.js';
import type { Handlers, SharedInformer } from '../../../src/controllers/informers.js';
import { allNodesReady } from '../../../src/daemon/daemon.js';
import { newClusterNodes, nodeNames } from '../../../src/daemon/node-names.js';
import { formatTrace, parseTrace, StartupTrace, TRACE_FILE_NAME } from '../../../src/startup-trace.js';

function node(name: string, ready: boolean): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: {}, status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'Unknown' }] } } as Node;
}

/** an informer over a plain array; update() replaces a node and calls the handlers */
function fakeNodes(initial: Node[]): SharedInformer<Node> & { set(n: Node): void } {
  let items = initial;
  const handlers: Handlers<Node>[] = [];
  return {
    list: () => items,
    get: (_ns, name) => items.find((n) => n.metadata.name === name),
    addHandlers: (h) => { handlers.push(h); },
    set(n) {
      const old = items.find((o) => o.metadata.name === n.metadata.name)!;
      items = items.map((o) => (o === old ? n : o));
      for (const h of handlers) h.update?.(old, n);
    },
  };
}

test('a new cluster names its nodes node-1 … node-N', () => {
  assert.deepEqual(nodeNames(3), ['node-1', 'node-2', 'node-3']);
});

test('a new cluster\'s network is built with the podCIDRs its nodes will get, in join order', () => {
  assert.deepEqual(newClusterNodes(2), [{ name: 'node-1', podCIDR: '10.244.0.0/24' }, { name: 'node-2', podCIDR: '10.244.1.0/24' }]);
});

test('allNodesReady resolves on the event that makes the last node Ready, not before', async () => {
  const nodes = fakeNodes([node('node-1', false), node('node-2', false)]);
  let done = false;
  const p = allNodesReady(nodes, 60_000).then(() => { done = true; });
  nodes.set(node('node-1', true));
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false);
  nodes.set(node('node-2', true));
  await p;
  assert.equal(done, true);
});

test('allNodesReady resolves at once when every node is Ready, and after the timeout otherwise', async () => {
  await allNodesReady(fakeNodes([node('node-1', true)]), 60_000);
  await allNodesReady(fakeNodes([node('node-1', false)]), 1);
});

test('trace lines are read in time order and printed relative to the CLI start', () => {
  const lines = parseTrace('1010.0\tdaemon\tstart\n1000.0\tcli\tup command\nnot a line\n1251.0\tagent node-1\tmain\n');
  assert.deepEqual(lines.map((l) => `${l.at} ${l.component} ${l.phase}`), ['1000 cli up command', '1010 daemon start', '1251 agent node-1 main']);
  assert.deepEqual(formatTrace(lines, 1000).split('\n'), [
    '  0.000 s  (+0.000)  cli           up command',
    '  0.010 s  (+0.010)  daemon        start',
    '  0.251 s  (+0.241)  agent node-1  main',
  ]);
});

test('a trace line may carry the CPU its process had used, and the timeline shows it', () => {
  const lines = parseTrace('1000.0\tcli\tup command\t150\n1010.0\tdaemon\tstart\n');
  assert.deepEqual(lines, [{ at: 1000, component: 'cli', phase: 'up command', cpuMs: 150 }, { at: 1010, component: 'daemon', phase: 'start' }]);
  assert.deepEqual(formatTrace(lines, 1000).split('\n'), [
    '  0.000 s  (+0.000)  cli     up command  [cpu 150 ms]',
    '  0.010 s  (+0.010)  daemon  start',
  ]);
});

test('tracing is on only when the cluster directory holds the trace file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'podnet-trace-'));
  try {
    const off = StartupTrace.open(dir, 'x');
    assert.equal(off.enabled, false);
    off.mark('ignored');
    writeFileSync(path.join(dir, TRACE_FILE_NAME), '');
    const on = StartupTrace.open(dir, 'daemon');
    on.mark('api server listening', 5);
    const text = readFileSync(path.join(dir, TRACE_FILE_NAME), 'utf8');
    assert.match(text, /\tdaemon\tprocess start\t0\n/);
    assert.match(text, /^5\.0\tdaemon\tapi server listening\t\d+$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
