// The Event recorder: at once without a gauge (node agents over HTTP), held
// for a quiet store with one (the daemon), within bounds of time and size.
// Time, timers and event-loop turns are a fake clock, so nothing here waits.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, KubeObject } from '../../../src/api/types.js';
import type { Client } from '../../../src/client/client.js';
import { FakeClock } from '../../support/fake-clock.js';
import { ApiEventRecorder, DRAIN_CHUNK, MAX_DELAY_MS, MAX_QUEUED, QUIET_MS, type RecorderClock } from '../../../src/controllers/events.js';

const START = Date.parse('2026-11-27T10:00:00Z');

/** The shared fake clock with event-loop turns of its own (setImmediate), run by settle(). */
class TurnClock extends FakeClock implements RecorderClock {
  private immediates: (() => void)[] = [];
  /** runs before each batch of immediates, as I/O (other writers) would in the poll phase */
  beforeTurn: () => void = () => {};
  constructor() { super(START); }
  setImmediate(fn: () => void): void { this.immediates.push(fn); }

  /** lets promise chains run, then runs queued turns until none are left */
  override async settle(): Promise<void> {
    for (let round = 0; round < 10_000; round++) {
      await new Promise((r) => setImmediate(r)); // real: drains this process's microtasks
      if (this.immediates.length === 0) return;
      this.beforeTurn();
      const run = this.immediates;
      this.immediates = [];
      for (const fn of run) fn();
    }
    throw new Error('turns never ended');
  }
}

/** A store stand-in: rv moves with every write, its own and the "others'". */
class FakeApi {
  rv = 0;
  readonly events = new Map<string, Event>();
  readonly log: string[] = [];
  readonly client = {
    create: async <T extends KubeObject>(obj: T): Promise<T> => {
      this.rv++;
      const ev = structuredClone(obj) as unknown as Event;
      this.events.set(ev.metadata.name!, ev);
      this.log.push(`create ${ev.reason} ${ev.count}`);
      return ev as unknown as T;
    },
    patch: async <T extends KubeObject>(_plural: string, _ns: string | undefined, name: string, patch: Partial<Event>): Promise<T> => {
      this.rv++;
      const ev = { ...this.events.get(name)!, ...patch };
      this.events.set(name, ev);
      this.log.push(`patch ${ev.reason} ${ev.count}`);
      return ev as unknown as T;
    },
  } as unknown as Client;
  get written(): Event[] { return [...this.events.values()]; }
}

function pod(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', uid: `uid-${name}` } };
}

function setup(gauge: boolean) {
  const clock = new TurnClock();
  const api = new FakeApi();
  const recorder = new ApiEventRecorder(api.client, 'default-scheduler', gauge ? { activity: () => api.rv, clock } : { clock });
  return { clock, api, recorder };
}

test('without a gauge (a node agent over HTTP) every Event is written at once', async () => {
  const { clock, api, recorder } = setup(false);
  recorder.warning(pod('a'), 'FailedScheduling', 'no nodes');
  recorder.normal(pod('b'), 'Scheduled', 'assigned');
  await clock.settle();
  assert.deepEqual(api.log, ['create FailedScheduling 1', 'create Scheduled 1']);
  assert.equal(clock.pendingTimers, 0);
  const [ev] = api.written;
  assert.deepEqual(ev!.involvedObject, { apiVersion: 'v1', kind: 'Pod', name: 'a', namespace: 'ns', uid: 'uid-a' });
  assert.equal(ev!.metadata.namespace, 'ns');
  assert.match(ev!.metadata.name!, /^a\.[0-9a-f]+$/);
  assert.deepEqual(ev!.source, { component: 'default-scheduler' });
});

test('with a gauge, Events wait while the store takes writes and go out once it is quiet for QUIET_MS', async () => {
  const { clock, api, recorder } = setup(true);
  recorder.warning(pod('a'), 'FailedScheduling', 'no nodes');
  for (let i = 0; i < 20; i++) { api.rv++; await clock.advance(QUIET_MS); } // busy: a write every tick
  assert.equal(api.log.length, 0);
  assert.equal(recorder.waiting, 1);
  await clock.advance(QUIET_MS); // a tick with no write
  assert.deepEqual(api.log, ['create FailedScheduling 1']);
  assert.equal(recorder.waiting, 0);
  assert.equal(clock.pendingTimers, 0, 'no timer while nothing waits');
});

test('in a quiet store an Event is written within two QUIET_MS', async () => {
  const { clock, api, recorder } = setup(true);
  recorder.warning(pod('a'), 'FailedScheduling', 'no nodes');
  api.rv++; // the write that made the Event (the pod's status), right after it
  await clock.advance(2 * QUIET_MS);
  assert.deepEqual(api.log, ['create FailedScheduling 1']);
});

test('a store that is never quiet still gets the Event after MAX_DELAY_MS, not before', async () => {
  const { clock, api, recorder } = setup(true);
  recorder.warning(pod('a'), 'FailedScheduling', 'no nodes');
  let waited = 0;
  while (api.log.length === 0 && waited <= MAX_DELAY_MS + QUIET_MS) { api.rv++; await clock.advance(QUIET_MS); waited += QUIET_MS; }
  assert.deepEqual(api.log, ['create FailedScheduling 1']);
  assert.ok(waited >= MAX_DELAY_MS && waited <= MAX_DELAY_MS + QUIET_MS, `written after ${waited} ms`);
});

test('timestamps are when the Event was recorded, not when it was written', async () => {
  const { clock, api, recorder } = setup(true);
  recorder.warning(pod('a'), 'FailedScheduling', 'no nodes');
  for (let i = 0; i < 2_000 / QUIET_MS; i++) { api.rv++; await clock.advance(QUIET_MS); } // a busy store
  recorder.warning(pod('a'), 'FailedScheduling', 'no nodes'); // repeats while waiting
  for (let i = 0; i < 1_000 / QUIET_MS; i++) { api.rv++; await clock.advance(QUIET_MS); } // a second more, within MAX_DELAY_MS
  assert.equal(api.log.length, 0, 'the store was busy all along');
  await clock.advance(2 * QUIET_MS);
  const [ev] = api.written;
  assert.equal(ev!.firstTimestamp, '2026-11-27T10:00:00Z');
  assert.equal(ev!.lastTimestamp, '2026-11-27T10:00:02Z');
});

test('repeats are counted: while waiting in the entry, once written by a patch', async () => {
  const { clock, api, recorder } = setup(true);
  for (let i = 0; i < 3; i++) recorder.warning(pod('a'), 'FailedScheduling', 'no nodes');
  recorder.warning(pod('a'), 'FailedScheduling', 'other reason');
  await clock.advance(2 * QUIET_MS);
  assert.deepEqual(api.log, ['create FailedScheduling 3', 'create FailedScheduling 1']);
  recorder.warning(pod('a'), 'FailedScheduling', 'no nodes');
  recorder.warning(pod('a'), 'FailedScheduling', 'no nodes');
  await clock.advance(2 * QUIET_MS);
  assert.deepEqual(api.log.slice(2), ['patch FailedScheduling 5']);
  assert.equal(api.written.length, 2);
});

test('a quiet store is drained a chunk per turn, and a write by someone else stops it until the next quiet tick', async () => {
  const { clock, api, recorder } = setup(true);
  for (let i = 0; i < 3 * DRAIN_CHUNK; i++) recorder.normal(pod(`p${i}`), 'SuccessfulCreate', 'created');
  let turns = 0;
  clock.beforeTurn = () => { if (++turns === 1) api.rv++; }; // a request arrives during the first chunk
  await clock.advance(QUIET_MS);
  assert.equal(api.log.length, DRAIN_CHUNK, 'one chunk, then the store was busy');
  await clock.advance(QUIET_MS); // quiet again: the rest, chunk after chunk
  assert.equal(api.log.length, 3 * DRAIN_CHUNK);
  assert.equal(recorder.waiting, 0);
});

test('a full queue is written at once, whatever the load; nothing is dropped', async () => {
  const { clock, api, recorder } = setup(true);
  for (let i = 0; i < MAX_QUEUED - 1; i++) recorder.normal(pod(`p${i}`), 'SuccessfulCreate', 'created');
  clock.beforeTurn = () => { api.rv++; }; // a store that is never quiet
  await clock.settle();
  assert.equal(api.log.length, 0);
  recorder.normal(pod('last'), 'SuccessfulCreate', 'created'); // the queue is full
  await clock.settle();
  assert.equal(api.log.length, DRAIN_CHUNK, 'the oldest chunk, then below the bound it waits again');
  assert.equal(recorder.waiting, MAX_QUEUED - DRAIN_CHUNK);
  clock.beforeTurn = () => {};
  await clock.advance(2 * QUIET_MS);
  assert.equal(api.log.length, MAX_QUEUED);
});

test('close() writes what waits, busy or not, and later Events go out at once', async () => {
  const { clock, api, recorder } = setup(true);
  recorder.warning(pod('a'), 'FailedScheduling', 'no nodes');
  recorder.warning(pod('b'), 'FailedScheduling', 'no nodes');
  api.rv++;
  const closed = recorder.close();
  await clock.settle();
  await closed;
  assert.deepEqual(api.log, ['create FailedScheduling 1', 'create FailedScheduling 1']);
  recorder.normal(pod('c'), 'Scheduled', 'assigned');
  await clock.settle();
  assert.equal(api.log.length, 3);
  assert.equal(clock.pendingTimers, 0);
});

test('a failed write loses that Event only (best effort), the rest still go out', async () => {
  const { clock, api, recorder } = setup(false);
  let fail = true;
  const create = api.client.create.bind(api.client);
  api.client.create = async (obj) => { if (fail) { fail = false; throw new Error('boom'); } return create(obj); };
  recorder.warning(pod('a'), 'FailedScheduling', 'no nodes');
  recorder.warning(pod('b'), 'FailedScheduling', 'no nodes');
  await clock.settle();
  assert.deepEqual(api.written.map((e) => e.involvedObject.name), ['b']);
});
