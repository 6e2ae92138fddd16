import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from '../../../src/client/work-queue.js';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

test('a key added twice while waiting is processed once', async () => {
  const q = new WorkQueue<string>();
  q.add('a'); q.add('b'); q.add('a');
  assert.equal(q.length, 2);
  const seen: string[] = [];
  const run = q.run(async (k) => { seen.push(k); });
  await tick(5);
  q.shutdown();
  await run;
  assert.deepEqual(seen, ['a', 'b']);
});

test('a key re-added while being processed runs again afterwards, never concurrently', async () => {
  const q = new WorkQueue<string>();
  let active = 0;
  let maxActive = 0;
  let runs = 0;
  const run = q.run(async () => {
    active++; maxActive = Math.max(maxActive, active); runs++;
    if (runs === 1) { q.add('a'); q.add('a'); }
    await tick(2);
    active--;
  }, 4);
  q.add('a');
  await tick(30);
  q.shutdown();
  await run;
  assert.equal(runs, 2);
  assert.equal(maxActive, 1);
});

test('failures are retried with back-off, then dropped; success forgets', async () => {
  const logs: string[] = [];
  const q = new WorkQueue<string>({ baseDelayMs: 1, maxRetries: 3, log: (m) => logs.push(m) });
  let calls = 0;
  const run = q.run(async () => { calls++; throw new Error('boom'); });
  q.add('k');
  await tick(60);
  q.shutdown();
  await run;
  assert.equal(calls, 4);
  assert.match(logs[0]!, /dropping k after 4 failures: boom/);
  assert.equal(q.numRequeues('k'), 0);
});

test('addRateLimited doubles the delay; forget resets', () => {
  const q = new WorkQueue<string>({ baseDelayMs: 10 });
  q.addRateLimited('k'); q.addRateLimited('k'); q.addRateLimited('k');
  assert.equal(q.numRequeues('k'), 3);
  q.forget('k');
  assert.equal(q.numRequeues('k'), 0);
  q.shutdown();
});

test('addAfter delays a key and keeps the earliest time', async () => {
  const q = new WorkQueue<string>();
  q.addAfter('k', 50);
  q.addAfter('k', 5);
  assert.equal(q.length, 0);
  await tick(20);
  assert.equal(q.length, 1);
  q.shutdown();
});
