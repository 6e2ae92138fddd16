// Persistence for the object store: one SQLite file in WAL mode.
//
// Durability contract: with journal_mode=WAL and synchronous=NORMAL a commit is
// complete once its frames are written to the WAL file (a write(2) into the OS
// page cache). Killing the daemon (even with SIGKILL) therefore never loses an
// acknowledged write, because the kernel still holds and later flushes those
// pages. What NORMAL gives up is durability across an OS crash or power loss
// (the last transactions may roll back, the database stays consistent); see
// https://www.sqlite.org/pragma.html#pragma_synchronous. podnet does not need
// more: a cluster does not survive a host reboot anyway (its netns are gone).
//
// Checkpoints: SQLite's automatic checkpoint (every 1,000 WAL pages by
// default) runs inside the COMMIT that crosses the mark and waits for two
// fsyncs there, on the daemon's one thread, in the middle of a burst (8,000
// upserts in groups of 8 spent 171-293 ms in COMMIT with it, 77-161 ms
// without; docs/bench-controlplane.md (a7)). So the automatic one is only a
// backstop (WAL_HARD_LIMIT_PAGES, for a daemon that is never idle), and the
// backend runs a PASSIVE checkpoint itself once a whole IDLE_CHECKPOINT_MS
// window passed without a commit (200-400 ms after the last one) and at
// least CHECKPOINT_MIN_COMMITS commits wait in the WAL: an idle cluster's
// node heartbeats commit every second or so, and checkpointing after each
// would fsync the database twice a second for nothing. Checkpoints do not touch the
// contract above: a committed transaction is in the WAL whether or not it has
// been copied into the database file yet, and opening the file after a kill
// replays the WAL (https://www.sqlite.org/wal.html, "Checkpointing"); the WAL
// only grows longer between checkpoints (and with it the replay at open, at
// most the hard limit's ~32 MiB).

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { backgroundClock, type Clock } from '../client/clock.js';

export interface StoredRow { plural: string; namespace: string; name: string; rv: number; data: string }

/**
 * Schema 2: objects in a rowid table with a unique key. Objects are 1-3 KB of
 * JSON; in schema 1's WITHOUT ROWID table (an index b-tree) a row may keep
 * only ~1 KB in its 4 KB page (https://www.sqlite.org/fileformat2.html,
 * "maximum embedded payload"), so nearly every object spilled into an
 * overflow page: twice the pages per write. A rowid table keeps up to ~4 KB
 * inline; a write costs half the CPU and WAL bytes (8,000 writes: 0.26 s vs
 * 0.42-0.55 s CPU, 14 vs 27 MB).
 */
const SCHEMA_VERSION = 2;
const SCHEMA = `
CREATE TABLE IF NOT EXISTS objects_v2 (
  plural TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  rv INTEGER NOT NULL,
  data TEXT NOT NULL,
  UNIQUE (plural, namespace, name)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`;
/** the automatic checkpoint's mark: only reached when the daemon is never idle for IDLE_CHECKPOINT_MS */
export const WAL_HARD_LIMIT_PAGES = 8192;
/** a checkpoint runs once a window this long passed without a commit… */
export const IDLE_CHECKPOINT_MS = 200;
/** …and at least this many commits wait in the WAL */
export const CHECKPOINT_MIN_COMMITS = 100;

/** Timers, injectable so tests need not wait (the real ones are unref'd: close() checkpoints anyway). */
export type CheckpointTimer = Pick<Clock, 'setTimeout' | 'clearTimeout'>;

export interface BackendOptions {
  timer?: CheckpointTimer;
}

/** a store written before schema 2 moves over in one transaction at open */
const MIGRATE_FROM_1 = `
INSERT INTO objects_v2 (plural, namespace, name, rv, data) SELECT plural, namespace, name, rv, data FROM objects;
DROP TABLE objects;
`;

export class SqliteBackend {
  private readonly db: Database.Database;
  private readonly upsertStmt: Database.Statement;
  private readonly deleteStmt: Database.Statement;
  private readonly setRvStmt: Database.Statement;
  private readonly beginStmt: Database.Statement;
  private readonly commitStmt: Database.Statement;
  private readonly rollbackStmt: Database.Statement;
  private readonly timer: CheckpointTimer;
  /** commits since the idle timer was armed; the timer checkpoints only when it is still 0 */
  private commitsSinceArmed = 0;
  /** commits the WAL holds that no checkpoint has copied yet */
  private commitsSinceCheckpoint = 0;
  private idleTimer: unknown;
  /** checkpoints run by this backend (tests, debugging) */
  checkpoints = 0;

  constructor(file: string, options: BackendOptions = {}) {
    this.timer = options.timer ?? backgroundClock;
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`wal_autocheckpoint = ${WAL_HARD_LIMIT_PAGES}`);
    this.db.transaction(() => {
      this.db.exec(SCHEMA);
      const old = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'objects'").get();
      if (old) this.db.exec(MIGRATE_FROM_1);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
    this.upsertStmt = this.db.prepare(
      'INSERT INTO objects_v2 (plural, namespace, name, rv, data) VALUES (?, ?, ?, ?, ?) ' +
      'ON CONFLICT (plural, namespace, name) DO UPDATE SET rv = excluded.rv, data = excluded.data');
    this.deleteStmt = this.db.prepare('DELETE FROM objects_v2 WHERE plural = ? AND namespace = ? AND name = ?');
    this.setRvStmt = this.db.prepare(
      "INSERT INTO meta (key, value) VALUES ('rv', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    this.beginStmt = this.db.prepare('BEGIN IMMEDIATE');
    this.commitStmt = this.db.prepare('COMMIT');
    this.rollbackStmt = this.db.prepare('ROLLBACK');
  }

  readRv(): number {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'rv'").get() as { value: string } | undefined;
    return row ? Number(row.value) : 0;
  }

  *readAll(): Generator<StoredRow> {
    yield* this.db.prepare('SELECT plural, namespace, name, rv, data FROM objects_v2').iterate() as Iterable<StoredRow>;
  }

  begin(): void { this.beginStmt.run(); }
  commit(rv: number): void {
    this.setRvStmt.run(String(rv));
    this.commitStmt.run();
    this.commitsSinceArmed++;
    this.commitsSinceCheckpoint++;
    if (this.idleTimer === undefined && this.commitsSinceCheckpoint >= CHECKPOINT_MIN_COMMITS) this.armIdleTimer();
  }

  /** One timer for a whole burst: re-armed while commits keep coming, not reset by each. */
  private armIdleTimer(): void {
    this.commitsSinceArmed = 0;
    this.idleTimer = this.timer.setTimeout(() => {
      this.idleTimer = undefined;
      if (this.commitsSinceArmed > 0) { this.armIdleTimer(); return; }
      this.checkpoint();
    }, IDLE_CHECKPOINT_MS);
  }

  /**
   * Copies what the WAL holds into the database file (PASSIVE: never waits
   * for a lock; this process is the file's only user). The next write
   * starts the WAL over from its beginning.
   */
  checkpoint(): void {
    if (!this.db.open || this.db.inTransaction) return;
    this.db.pragma('wal_checkpoint(PASSIVE)');
    this.commitsSinceCheckpoint = 0;
    this.checkpoints++;
  }

  /** the database's setting, for tests */
  get autocheckpointPages(): number {
    return this.db.pragma('wal_autocheckpoint', { simple: true }) as number;
  }
  rollback(): void { if (this.db.inTransaction) this.rollbackStmt.run(); }

  put(plural: string, namespace: string, name: string, rv: number, data: string): void {
    this.upsertStmt.run(plural, namespace, name, rv, data);
  }

  remove(plural: string, namespace: string, name: string): void {
    this.deleteStmt.run(plural, namespace, name);
  }

  /** Closing the last connection checkpoints and removes the WAL (SQLite does it). */
  close(): void {
    if (this.idleTimer !== undefined) this.timer.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.db.close();
  }
}
