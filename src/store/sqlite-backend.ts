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

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export interface StoredRow { plural: string; namespace: string; name: string; rv: number; data: string }

const SCHEMA = `
CREATE TABLE IF NOT EXISTS objects (
  plural TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  rv INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (plural, namespace, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`;

export class SqliteBackend {
  private readonly db: Database.Database;
  private readonly upsertStmt: Database.Statement;
  private readonly deleteStmt: Database.Statement;
  private readonly setRvStmt: Database.Statement;
  private readonly beginStmt: Database.Statement;
  private readonly commitStmt: Database.Statement;
  private readonly rollbackStmt: Database.Statement;

  constructor(file: string) {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.upsertStmt = this.db.prepare(
      'INSERT INTO objects (plural, namespace, name, rv, data) VALUES (?, ?, ?, ?, ?) ' +
      'ON CONFLICT (plural, namespace, name) DO UPDATE SET rv = excluded.rv, data = excluded.data');
    this.deleteStmt = this.db.prepare('DELETE FROM objects WHERE plural = ? AND namespace = ? AND name = ?');
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
    yield* this.db.prepare('SELECT plural, namespace, name, rv, data FROM objects').iterate() as Iterable<StoredRow>;
  }

  begin(): void { this.beginStmt.run(); }
  commit(rv: number): void {
    this.setRvStmt.run(String(rv));
    this.commitStmt.run();
  }
  rollback(): void { if (this.db.inTransaction) this.rollbackStmt.run(); }

  put(plural: string, namespace: string, name: string, rv: number, data: string): void {
    this.upsertStmt.run(plural, namespace, name, rv, data);
  }

  remove(plural: string, namespace: string, name: string): void {
    this.deleteStmt.run(plural, namespace, name);
  }

  close(): void { this.db.close(); }
}
