import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDLE_SYNC, SyncScheduler } from '../../../src/client/sync-scheduler.js';
import { FakeClock } from '../../support/fake-clock.js';

function setup(syncImpl: (clock: FakeClock) => Promise<void> = async () => {}) {
  const clock = new FakeClock();
  const starts: number[] = [];
  const s = new SyncScheduler(async () => { starts.push(clock.now()); await syncImpl(clock); }, { debounceMs: 100, minIntervalMs: 1000, retryBaseMs: 500, clock });
  return { clock, starts, s };
}

test('a burst of triggers (endpoint churn) becomes one sync after the debounce', async () => {
  const { clock, starts, s } = setup();
  for (let i = 0; i < 50; i++) { s.trigger(); await clock.advance(1); }
  await clock.advance(200);
  assert.deepEqual(starts, [100]);
});

test('at most one sync per minInterval under continuous churn', async () => {
  const { clock, starts, s } = setup();
  for (let i = 0; i < 350; i++) { s.trigger(); await clock.advance(10); }
  await clock.advance(2000);
  assert.deepEqual(starts, [100, 1100, 2100, 3100, 4100]); // the last trigger (3490 ms) still gets its sync
});

test('a trigger during a running sync causes exactly one more sync', async () => {
  let release!: () => void;
  let first = true;
  const { clock, starts, s } = setup(() => (first ? (first = false, new Promise<void>((r) => { release = r; })) : Promise.resolve()));
  s.trigger();
  await clock.advance(100);
  s.trigger(); s.trigger();
  release();
  await new Promise((r) => setImmediate(r));
  await clock.advance(5000);
  assert.deepEqual(starts, [100, 1100]);
});

test('failed syncs are retried with back-off', async () => {
  let n = 0;
  const { clock, starts, s } = setup(async () => { if (++n < 3) throw new Error('boom'); });
  s.trigger();
  await clock.advance(10_000);
  assert.deepEqual(starts, [100, 600, 1600]);
});

test('stop cancels a pending sync', async () => {
  const { clock, starts, s } = setup();
  s.trigger();
  await s.stop();
  await clock.advance(1000);
  assert.deepEqual(starts, []);
});

test('slow syncs stretch the interval to busyFactor × their duration', async () => {
  // each sync takes 1500 ms of (fake) time: the next may start 3000 ms after the previous start
  const { clock, starts, s } = setup(async (c) => { c.t += 1500; });
  for (let i = 0; i < 700; i++) { s.trigger(); await clock.advance(10); }
  await clock.advance(10_000);
  assert.ok(starts.length >= 3);
  assert.deepEqual(starts.slice(1).map((t, i) => t - starts[i]!), starts.slice(1).map(() => 3000));
});

test('a burst of changes waits burst.factor x the last sync (capped); a few changes only the usual gap', async () => {
  const run = async (triggers: number, cap: number) => {
    const clock = new FakeClock();
    const starts: number[] = [];
    const s = new SyncScheduler(async () => { starts.push(clock.now()); clock.t += 100; }, { debounceMs: 10, minIntervalMs: 250, burst: { triggers: 50, factor: 10, maxGapMs: cap }, clock });
    // one change every `period` ms for 5 s
    const period = 5000 / triggers;
    for (let t = 0; t < 5000; t += period) { s.trigger(); await clock.advance(period); }
    await clock.advance(5000);
    return starts.slice(2, -1).map((t, i) => t - starts[i + 1]!);
  };
  const gaps = (xs: number[]) => [...new Set(xs)];
  assert.deepEqual(gaps(await run(5000, 1000)), [1000]); // a change every ms: 10 x 100 ms
  assert.deepEqual(gaps(await run(5000, 600)), [600]); // capped
  assert.deepEqual(gaps(await run(50, 1000)), [250]); // a change every 100 ms: too few per sync, minIntervalMs
});

test('a sync that changed nothing (IDLE_SYNC) does not hold back the next one', async () => {
  const clock = new FakeClock();
  const starts: number[] = [];
  let idle = true;
  const s = new SyncScheduler(async () => { starts.push(clock.now()); return idle ? IDLE_SYNC : undefined; }, { debounceMs: 100, minIntervalMs: 1000, clock });
  s.trigger();
  await clock.advance(200);
  idle = false;
  s.trigger(); // right after a no-op sync: only the debounce applies
  await clock.advance(200);
  s.trigger(); // right after a real sync: the interval applies
  await clock.advance(2000);
  assert.deepEqual(starts, [100, 300, 1300]);
});
