// The SQLite backend's checkpoints: off the write path while commits come,
// one PASSIVE checkpoint once they stop, SQLite's own only as a backstop; and
// a process killed with SIGKILL while everything is still in the WAL loses
// no committed row.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECKPOINT_MIN_COMMITS, IDLE_CHECKPOINT_MS, SqliteBackend, WAL_HARD_LIMIT_PAGES, type CheckpointTimer } from '../../../src/store/sqlite-backend.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podnet-sqlite-backend-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

class FakeTimer implements CheckpointTimer {
  private seq = 0;
  pending = new Map<number, { fn: () => void; ms: number }>();
  setTimeout(fn: () => void, ms: number): unknown { const id = ++this.seq; this.pending.set(id, { fn, ms }); return id; }
  clearTimeout(h: unknown): void { this.pending.delete(h as number); }
  /** fires what is due now (every pending timer), as if its time had passed */
  fire(): void {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const t of due) t.fn();
  }
}

const OBJECT_JSON = JSON.stringify({ data: 'x'.repeat(1500) }); // a typical 1-3 KB object

function writeGroups(b: SqliteBackend, groups: number, from = 0): number {
  let rv = from;
  for (let g = 0; g < groups; g++) {
    b.begin();
    for (let i = 0; i < 8; i++) { rv++; b.put('configmaps', 'default', `cm-${rv}`, rv, OBJECT_JSON); }
    b.commit(rv);
  }
  return rv;
}

test('SQLite\'s automatic checkpoint is only the backstop at WAL_HARD_LIMIT_PAGES', () => {
  const b = new SqliteBackend(path.join(dir, 'limit.db'), { timer: new FakeTimer() });
  assert.equal(b.autocheckpointPages, WAL_HARD_LIMIT_PAGES);
  b.close();
});

test('no checkpoint while commits keep coming; one PASSIVE checkpoint once they stop', () => {
  const file = path.join(dir, 'idle.db');
  const timer = new FakeTimer();
  const b = new SqliteBackend(file, { timer });
  const emptySize = fs.statSync(file).size;
  let rv = writeGroups(b, CHECKPOINT_MIN_COMMITS - 1);
  assert.equal(timer.pending.size, 0, 'a few commits (an idle cluster\'s heartbeats) arm nothing');
  rv = writeGroups(b, 1, rv);
  assert.equal(timer.pending.size, 1, 'one timer for the burst, not one per commit');
  assert.equal([...timer.pending.values()][0]!.ms, IDLE_CHECKPOINT_MS);
  rv = writeGroups(b, 20, rv);
  assert.equal(timer.pending.size, 1);
  for (let round = 0; round < 3; round++) {
    timer.fire(); // the timer ends, but commits came meanwhile: armed again, no checkpoint
    assert.equal(b.checkpoints, 0);
    assert.equal(timer.pending.size, 1);
    rv = writeGroups(b, 10, rv);
  }
  assert.equal(fs.statSync(file).size, emptySize, 'the rows are still in the WAL only');
  timer.fire(); // (commits came since the last arming)
  timer.fire(); // a whole period without a commit
  assert.equal(b.checkpoints, 1);
  assert.equal(timer.pending.size, 0, 'no timer while nothing is written');
  assert.ok(fs.statSync(file).size > emptySize + (CHECKPOINT_MIN_COMMITS + 30) * 8 * 1500, 'the rows were copied into the database file');
  rv = writeGroups(b, CHECKPOINT_MIN_COMMITS - 1, rv);
  assert.equal(timer.pending.size, 0);
  writeGroups(b, 1, rv);
  assert.equal(timer.pending.size, 1, 'the next burst arms it again');
  b.close();
});

test('SIGKILL with every committed row still in the WAL loses none of them', () => {
  const file = path.join(dir, 'killed.db');
  const backend = fileURLToPath(new URL('../../../src/store/sqlite-backend.js', import.meta.url));
  // a child that commits 2,000 rows in groups of 8, never idle (its timer never fires), then kills itself
  const script = `
    const { SqliteBackend } = await import(${JSON.stringify(backend)});
    const b = new SqliteBackend(${JSON.stringify(file)}, { timer: { setTimeout: () => 0, clearTimeout: () => {} } });
    let rv = 0;
    for (let g = 0; g < 250; g++) {
      b.begin();
      for (let i = 0; i < 8; i++) { rv++; b.put('configmaps', 'default', 'cm-' + rv, rv, ${JSON.stringify(OBJECT_JSON)}); }
      b.commit(rv);
    }
    process.stdout.write('committed ' + rv + ' checkpoints ' + b.checkpoints + '\\n');
    process.kill(process.pid, 'SIGKILL');
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.signal, 'SIGKILL', r.stderr);
  assert.equal(r.stdout, 'committed 2000 checkpoints 0\n');
  assert.ok(fs.statSync(`${file}-wal`).size > 2000 * 1500, 'the rows were in the WAL when it died');
  const b = new SqliteBackend(file, { timer: new FakeTimer() });
  const rows = [...b.readAll()];
  assert.equal(rows.length, 2000);
  assert.equal(b.readRv(), 2000);
  assert.ok(rows.every((row) => row.data === OBJECT_JSON));
  b.close();
});
