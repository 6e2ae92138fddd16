import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HealthChecker, initialRecord, nextHealth, type HealthState, type ProbeResult, type Transition } from '../../../src/cloud/health-checker.js';
import type { ProbeTarget } from '../../../src/cloud/lb-model.js';
import { FakeClock } from './fakes.js';

test('state machine: rows of check results → states (healthy 2, unhealthy 2, a new target admitted by one success)', () => {
  const rows: { results: string; states: string }[] = [
    { results: '+', states: 'H' },
    { results: '-', states: 'I' },
    { results: '--', states: 'IU' },
    { results: '-+', states: 'IH' },
    { results: '+-+-', states: 'HHHH' },
    { results: '+--', states: 'HHU' },
    { results: '+--+', states: 'HHUU' },
    { results: '+--++', states: 'HHUUH' },
    { results: '+--+-++', states: 'HHUUUUH' },
    // never in service: one success admits it, also after it was reported unhealthy
    { results: '---+', states: 'IUUH' },
    { results: '---+--+', states: 'IUUHHUU' },
  ];
  const letter: Record<HealthState, string> = { initial: 'I', healthy: 'H', unhealthy: 'U' };
  for (const row of rows) {
    let rec = initialRecord(0);
    let states = '';
    for (const [i, r] of [...row.results].entries()) {
      rec = nextHealth(rec, r === '+', r === '+' ? 'ok' : 'ECONNREFUSED', i);
      states += letter[rec.state];
    }
    assert.equal(states, row.states, row.results);
  }
});

const target = (id: string): ProbeTarget => ({ id, service: 'default/web', node: id, nodeIP: '172.18.0.2', check: { kind: 'tcp', port: 30080 } });

test('checks every interval; a failing node is out within 2 s and back 2 s after it recovers', async () => {
  const clock = new FakeClock();
  let up = true;
  const transitions: (Transition & { at: number })[] = [];
  const checker = new HealthChecker({
    clock, intervalMs: 1000, timeoutMs: 900,
    probe: async (): Promise<ProbeResult> => (up ? { ok: true, detail: 'connected' } : { ok: false, detail: 'ECONNREFUSED' }),
    onTransition: (t) => transitions.push({ ...t, at: clock.now() }),
  });
  assert.equal(checker.setTargets([target('node-1')]), 1);
  await clock.advance(0);
  assert.equal(checker.isHealthy('node-1'), true);
  await clock.advance(1500); // check at 1000 ok
  up = false;                // node fails at 1500
  await clock.advance(2000); // checks at 2000 (fail 1) and 3000 (fail 2 → unhealthy)
  assert.equal(checker.isHealthy('node-1'), false);
  up = true;                 // recovers at 3500
  await clock.advance(2000); // checks at 4000 and 5000 succeed → healthy at 5000
  assert.equal(checker.isHealthy('node-1'), true);
  assert.deepEqual(transitions.map((t) => [t.at, t.from, t.to, t.detail]), [
    [0, 'initial', 'healthy', 'connected'],
    [3000, 'healthy', 'unhealthy', 'ECONNREFUSED'],
    [5000, 'unhealthy', 'healthy', 'connected'],
  ]);
  checker.stop();
  assert.equal(checker.size, 0);
});

test('a check that hangs is counted when it ends; checks never overlap and start an interval apart', async () => {
  const clock = new FakeClock();
  const starts: number[] = [];
  const checker = new HealthChecker({
    clock, intervalMs: 1000, timeoutMs: 900, newTargetWindowMs: 0,
    // Models a timeout: the probe answers only after 900 ms.
    probe: (_t, timeoutMs) => { starts.push(clock.now()); return new Promise((resolve) => clock.setTimeout(() => resolve({ ok: false, detail: `timeout after ${timeoutMs} ms` }), timeoutMs)); },
    onTransition: () => {},
  });
  checker.setTargets([target('node-1')]);
  await clock.advance(3000);
  assert.deepEqual(starts, [0, 1000, 2000, 3000]);
  assert.equal(checker.record('node-1')?.state, 'unhealthy');
  assert.equal(checker.record('node-1')?.detail, 'timeout after 900 ms');
  checker.stop();
});

test('a new target that never served is checked every 100 ms for 10 s and admitted by its first success', async () => {
  const clock = new FakeClock();
  let ready = false;
  const starts: number[] = [];
  const transitions: (Transition & { at: number })[] = [];
  const checker = new HealthChecker({
    clock, intervalMs: 1000, timeoutMs: 900,
    probe: async (): Promise<ProbeResult> => { starts.push(clock.now()); return ready ? { ok: true, detail: 'HTTP 200' } : { ok: false, detail: 'HTTP 503' }; },
    onTransition: (t) => transitions.push({ ...t, at: clock.now() }),
  });
  checker.setTargets([target('node-2')]);
  await clock.advance(1100);
  ready = true; // its first local pod turns ready at 1100
  await clock.advance(400);
  // in service from 1200 on: then checked at the normal interval
  assert.deepEqual(starts, Array.from({ length: 13 }, (_, i) => i * 100));
  assert.deepEqual(transitions.map((t) => [t.at, t.from, t.to]), [[100, 'initial', 'unhealthy'], [1200, 'unhealthy', 'healthy']]);
  // once it has served, a drop-out needs the full thresholds at the normal interval
  ready = false;
  await clock.advance(2000); // checks at 2200 and 3200 fail → unhealthy
  ready = true;
  await clock.advance(1100); // check at 4200 succeeds: one is not enough any more
  assert.equal(checker.isHealthy('node-2'), false);
  await clock.advance(1000); // 5200: second success
  assert.equal(checker.isHealthy('node-2'), true);
  checker.stop();
});

test('a target that never serves falls back to the normal interval after the new-target window', async () => {
  const clock = new FakeClock();
  const starts: number[] = [];
  const checker = new HealthChecker({
    clock, intervalMs: 1000, timeoutMs: 900,
    probe: async (): Promise<ProbeResult> => { starts.push(clock.now()); return { ok: false, detail: 'HTTP 503' }; },
    onTransition: () => {},
  });
  checker.setTargets([target('node-1')]);
  await clock.advance(13_000);
  assert.equal(starts.filter((t) => t < 10_000).length, 100);
  assert.deepEqual(starts.filter((t) => t >= 10_000), [10_000, 11_000, 12_000, 13_000]);
  checker.stop();
});

test('removed targets stop being checked; settled() waits for every first result', async () => {
  const clock = new FakeClock();
  let calls = 0;
  const checker = new HealthChecker({ clock, probe: async () => { calls++; return { ok: true, detail: 'ok' }; }, onTransition: () => {} });
  checker.setTargets([target('a'), target('b')]);
  await checker.settled();
  assert.equal(calls, 2);
  assert.equal(checker.setTargets([target('b')]), 0);
  await clock.advance(5000);
  assert.equal(calls, 2 + 5);
  assert.equal(checker.record('a'), undefined);
  checker.stop();
});
