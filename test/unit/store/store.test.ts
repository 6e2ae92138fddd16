import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ObjectStore, type StoreEvent } from '../../../src/store/store.js';
import { isApiError } from '../../../src/errors.js';
import type { KubeObject } from '../../../src/api/types.js';

const cm = (name: string, data: Record<string, string> = {}, ns = 'default'): KubeObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data });

function memStore(historySize?: number) {
  return new ObjectStore({ path: ':memory:', historySize, now: () => new Date('2026-11-26T23:59:01.123Z') });
}

test('create fills uid, creationTimestamp, generation and the next resourceVersion', () => {
  const s = memStore();
  const a = s.create('configmaps', cm('a'));
  const b = s.create('configmaps', cm('b'));
  assert.equal(a.object.metadata.resourceVersion, '1');
  assert.equal(b.object.metadata.resourceVersion, '2');
  assert.equal(a.object.metadata.generation, 1);
  assert.equal(a.object.metadata.creationTimestamp, '2026-11-26T23:59:01Z');
  assert.match(a.object.metadata.uid!, /^[0-9a-f-]{36}$/);
  assert.notEqual(a.object.metadata.uid, b.object.metadata.uid);
  assert.equal(s.currentRv, 2);
  assert.deepEqual(JSON.parse(a.json), a.object);
});

test('create of an existing name is 409 AlreadyExists', () => {
  const s = memStore();
  s.create('configmaps', cm('a'));
  assert.throws(() => s.create('configmaps', cm('a')), (e) => isApiError(e, 'AlreadyExists') && e.httpCode === 409 && e.message === 'configmaps "a" already exists');
  assert.equal(s.currentRv, 1);
});

test('generateName appends 5 random characters', () => {
  const s = memStore();
  const o = s.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'web-', namespace: 'default' } });
  assert.match(o.object.metadata.name!, /^web-[a-z0-9]{5}$/);
  // a prefix too long for a 63-character name is cut to 58, as upstream's SimpleNameGenerator
  const long = s.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'a'.repeat(60), namespace: 'default' } });
  assert.match(long.object.metadata.name!, /^a{58}[a-z0-9]{5}$/);
});

test('update with a stale resourceVersion is 409 Conflict; without one it is unconditional', () => {
  const s = memStore();
  s.create('configmaps', cm('a', { k: '1' }));
  s.update('configmaps', { ...cm('a', { k: '2' }), metadata: { name: 'a', namespace: 'default', resourceVersion: '1' } });
  assert.throws(() => s.update('configmaps', { ...cm('a', { k: '3' }), metadata: { name: 'a', namespace: 'default', resourceVersion: '1' } }),
    (e) => isApiError(e, 'Conflict') && e.message.startsWith('Operation cannot be fulfilled on configmaps "a"'));
  const u = s.update('configmaps', cm('a', { k: '4' }));
  assert.equal(u.object.metadata.resourceVersion, '3');
  assert.deepEqual(u.object.data, { k: '4' });
});

test('update of a missing object is 404', () => {
  const s = memStore();
  assert.throws(() => s.update('configmaps', cm('nope')), (e) => isApiError(e, 'NotFound') && e.message === 'configmaps "nope" not found');
});

test('generation moves only when something outside metadata/status changes; uid and creationTimestamp stay', () => {
  const s = memStore();
  const created = s.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [] } });
  const labelled = s.update('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', labels: { a: 'b' }, uid: 'forged' }, spec: { containers: [] } });
  assert.equal(labelled.object.metadata.generation, 1);
  assert.equal(labelled.object.metadata.uid, created.object.metadata.uid);
  const status = s.update('pods', { ...labelled.object, status: { phase: 'Running' } });
  assert.equal(status.object.metadata.generation, 1);
  const spec = s.update('pods', { ...status.object, spec: { containers: [], nodeName: 'n1' } });
  assert.equal(spec.object.metadata.generation, 2);
  assert.equal(spec.object.metadata.creationTimestamp, created.object.metadata.creationTimestamp);
});

test('an update that changes nothing gets no new resourceVersion and no event', () => {
  const s = memStore();
  s.create('configmaps', cm('a', { k: '1' }));
  const events: StoreEvent[] = [];
  s.watch('configmaps', undefined, (e) => events.push(e));
  const same = s.update('configmaps', cm('a', { k: '1' }));
  assert.equal(same.rv, 1);
  assert.equal(s.currentRv, 1);
  assert.equal(events.length, 0);
});

test('delete returns the last state with the deletion resourceVersion, and DELETED carries it', () => {
  const s = memStore();
  s.create('configmaps', cm('a', { k: '1' }));
  const events: StoreEvent[] = [];
  s.watch('configmaps', 0, (e) => events.push(e));
  const gone = s.delete('configmaps', 'default', 'a');
  assert.equal(gone.object.metadata.resourceVersion, '2');
  assert.deepEqual(events.map((e) => [e.type, e.rv]), [['ADDED', 1], ['DELETED', 2]]);
  assert.deepEqual(JSON.parse(events[1]!.json).data, { k: '1' });
  assert.equal(s.get('configmaps', 'default', 'a'), undefined);
  assert.throws(() => s.delete('configmaps', 'default', 'a'), (e) => isApiError(e, 'NotFound'));
});

test('delete preconditions: uid and resourceVersion mismatches are 409', () => {
  const s = memStore();
  s.create('configmaps', cm('a'));
  assert.throws(() => s.delete('configmaps', 'default', 'a', { uid: 'x' }), (e) => isApiError(e, 'Conflict') && /Precondition failed: UID in precondition: x/.test(e.message));
  assert.throws(() => s.delete('configmaps', 'default', 'a', { resourceVersion: '9' }), (e) => isApiError(e, 'Conflict'));
  s.delete('configmaps', 'default', 'a', { resourceVersion: '1' });
});

test('watch from a resourceVersion replays every later event of that kind in order, then continues live', () => {
  const s = memStore();
  s.create('configmaps', cm('a'));
  s.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' } });
  s.update('configmaps', cm('a', { k: 'v' }));
  s.create('configmaps', cm('b'));
  const seen: string[] = [];
  s.watch('configmaps', 1, (e) => seen.push(`${e.type} ${e.name} ${e.rv}`));
  s.delete('configmaps', 'default', 'b');
  assert.deepEqual(seen, ['MODIFIED a 3', 'ADDED b 4', 'DELETED b 5']);
});

test('list + watch from the list resourceVersion never misses or repeats an event', () => {
  const s = memStore();
  for (let i = 0; i < 20; i++) s.create('configmaps', cm(`c${i}`));
  const { rv, items } = s.list('configmaps');
  assert.equal(items.length, 20);
  const seen: number[] = [];
  s.watch('configmaps', rv, (e) => seen.push(e.rv));
  for (let i = 20; i < 25; i++) s.create('configmaps', cm(`c${i}`));
  assert.deepEqual(seen, [21, 22, 23, 24, 25]);
});

test('watch from a resourceVersion older than the history is 410 Expired', () => {
  const s = memStore(3);
  for (let i = 0; i < 5; i++) s.create('configmaps', cm(`c${i}`));
  // history holds rv 3..5: a watch from 2 still gets 3,4,5; from 1 it would miss 2
  const seen: number[] = [];
  s.watch('configmaps', 2, (e) => seen.push(e.rv));
  assert.deepEqual(seen, [3, 4, 5]);
  assert.throws(() => s.watch('configmaps', 1, () => {}), (e) => isApiError(e, 'Expired') && e.httpCode === 410 && e.message === 'too old resource version: 1 (2)');
});

test('a failed batch rolls back memory, disk and resourceVersion, and emits nothing', () => {
  const s = memStore();
  s.create('configmaps', cm('a'));
  const seen: number[] = [];
  s.watch('configmaps', undefined, (e) => seen.push(e.rv));
  assert.throws(() => s.batch(() => {
    s.create('configmaps', cm('b'));
    s.update('configmaps', cm('a', { k: 'v' }));
    s.create('configmaps', cm('a'));
  }), (e) => isApiError(e, 'AlreadyExists'));
  assert.equal(s.currentRv, 1);
  assert.equal(s.get('configmaps', 'default', 'b'), undefined);
  assert.deepEqual(s.get('configmaps', 'default', 'a')!.object.data, {});
  assert.deepEqual(seen, []);
  s.batch(() => { s.create('configmaps', cm('b')); s.create('configmaps', cm('c')); });
  assert.deepEqual(seen, [2, 3]);
});

test('reopening the database restores objects and the resourceVersion; history restarts at it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podnet-store-'));
  try {
    const file = path.join(dir, 'store.db');
    const s1 = new ObjectStore({ path: file });
    s1.create('configmaps', cm('a'));
    s1.create('configmaps', cm('b'));
    s1.delete('configmaps', 'default', 'b');
    s1.close();
    const s2 = new ObjectStore({ path: file });
    assert.equal(s2.currentRv, 3);
    assert.deepEqual(s2.list('configmaps').items.map((i) => i.object.metadata.name), ['a']);
    assert.equal(s2.create('configmaps', cm('c')).rv, 4);
    assert.throws(() => s2.watch('configmaps', 2, () => {}), (e) => isApiError(e, 'Expired'));
    s2.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('list is sorted by namespace then name and can be limited to one namespace', () => {
  const s = memStore();
  s.create('configmaps', cm('b', {}, 'ns2'));
  s.create('configmaps', cm('z', {}, 'ns1'));
  s.create('configmaps', cm('a', {}, 'ns2'));
  assert.deepEqual(s.list('configmaps').items.map((i) => `${i.object.metadata.namespace}/${i.object.metadata.name}`), ['ns1/z', 'ns2/a', 'ns2/b']);
  assert.deepEqual(s.list('configmaps', 'ns2').items.map((i) => i.object.metadata.name), ['a', 'b']);
});

// Group commit: what the API server runs with.

function groupedStore(onFailure?: (e: Error) => void) {
  return new ObjectStore({ path: ':memory:', commit: 'grouped', onFailure });
}
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

test('grouped: the writes of one turn are committed together; committed watchers hear of them only then', async () => {
  const s = groupedStore();
  const committed: number[] = [];
  s.watch('configmaps', undefined, (e) => committed.push(e.rv));
  s.create('configmaps', cm('a'));
  s.create('configmaps', cm('b'));
  s.update('configmaps', cm('a', { k: 'v' }));
  assert.equal(s.latestRv, 3);
  assert.equal(s.currentRv, 0, 'nothing is committed inside the turn');
  assert.deepEqual(committed, []);
  const done = s.whenCommitted();
  assert.ok(done);
  await done;
  assert.equal(s.currentRv, 3);
  assert.deepEqual(committed, [1, 2, 3]);
  assert.equal(s.whenCommitted(), undefined, 'nothing left to commit');
  s.close();
});

test('grouped: in-process (uncommitted) watchers see each write as it is made, and a watch from inside the open group misses nothing', async () => {
  const s = groupedStore();
  s.create('configmaps', cm('a'));
  const early: number[] = [];
  s.watch('configmaps', undefined, (e) => early.push(e.rv), { uncommitted: true });
  s.create('configmaps', cm('b'));
  assert.deepEqual(early, [2]);
  // a list taken now (rv 2) and a watch from rv 1 both cover the open group
  const fromOne: number[] = [];
  s.watch('configmaps', 1, (e) => fromOne.push(e.rv), { uncommitted: true });
  assert.deepEqual(fromOne, [2]);
  s.create('configmaps', cm('c'));
  assert.deepEqual(fromOne, [2, 3]);
  await turn();
  assert.deepEqual(early, [2, 3], 'the commit does not deliver them twice');
  s.close();
});

test('grouped: a write that fails is undone alone; the rest of the group commits', async () => {
  const s = groupedStore();
  s.create('configmaps', cm('a'));
  assert.throws(() => s.create('configmaps', cm('a')), (e) => isApiError(e, 'AlreadyExists'));
  s.create('configmaps', cm('b'));
  await s.whenCommitted();
  assert.deepEqual(s.list('configmaps').items.map((i) => [i.object.metadata.name, i.rv]), [['a', 1], ['b', 2]]);
  s.close();
});

test('grouped: close commits the open group; a reopened store has every write', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podnet-store-'));
  try {
    const file = path.join(dir, 'store.db');
    const s1 = new ObjectStore({ path: file, commit: 'grouped' });
    s1.create('configmaps', cm('a'));
    s1.create('configmaps', cm('b'));
    s1.delete('configmaps', 'default', 'a');
    s1.close();
    const s2 = new ObjectStore({ path: file });
    assert.equal(s2.currentRv, 3);
    assert.deepEqual(s2.list('configmaps').items.map((i) => i.object.metadata.name), ['b']);
    s2.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('grouped: a failed commit answers 500, rolls memory back to the last commit, tells onFailure and refuses later writes', async () => {
  const failures: Error[] = [];
  const s = groupedStore((e) => failures.push(e));
  s.create('configmaps', cm('a'));
  await s.whenCommitted();
  const committed: number[] = [];
  s.watch('configmaps', undefined, (e) => committed.push(e.rv));
  // a real SQLite refusal: the connection may no longer write
  (s as unknown as { backend: { db: { pragma(p: string): unknown } } }).backend.db.pragma('query_only = ON');
  s.update('configmaps', cm('a', { k: 'lost' }));
  s.create('configmaps', cm('b'));
  await assert.rejects(s.whenCommitted()!, (e) => isApiError(e, 'InternalError') && e.httpCode === 500 && /could not commit/.test(e.message));
  assert.equal(failures.length, 1);
  assert.deepEqual(committed, []);
  assert.deepEqual(s.get('configmaps', 'default', 'a')!.object.data, {});
  assert.equal(s.get('configmaps', 'default', 'b'), undefined);
  assert.equal(s.latestRv, 1);
  assert.throws(() => s.create('configmaps', cm('c')), (e) => isApiError(e, 'InternalError'));
});

test('a store file of schema 1 (WITHOUT ROWID objects) is migrated at open: objects and resourceVersion stay', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podnet-store-'));
  try {
    const file = path.join(dir, 'store.db');
    const { default: Database } = await import('better-sqlite3');
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.exec(`CREATE TABLE objects (plural TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, rv INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (plural, namespace, name)) WITHOUT ROWID;
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;`);
    const obj = { ...cm('kept', { k: 'v' }), metadata: { name: 'kept', namespace: 'default', resourceVersion: '7', uid: 'u1' } };
    old.prepare('INSERT INTO objects VALUES (?, ?, ?, ?, ?)').run('configmaps', 'default', 'kept', 7, JSON.stringify(obj));
    old.prepare("INSERT INTO meta VALUES ('rv', '9')").run();
    old.close();
    const s = new ObjectStore({ path: file });
    assert.equal(s.currentRv, 9);
    assert.deepEqual(s.get('configmaps', 'default', 'kept')!.object, obj);
    s.create('configmaps', cm('new'));
    s.close();
    const again = new ObjectStore({ path: file });
    assert.deepEqual(again.list('configmaps').items.map((i) => [i.object.metadata.name, i.rv]), [['kept', 7], ['new', 10]]);
    again.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
