// The query log: its answer records, as tcpdump writes them (what `podnet
// observe --last` shows of the external DNS's questions), and its file kept
// bounded.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileQueryLog, parseQueryLogLine, recordText } from '../../../src/dns/query-log.js';

test('records: the type and its data as tcpdump writes them; names end with their dot', () => {
  assert.equal(recordText({ type: 'A', data: '203.0.113.10' }), 'A 203.0.113.10');
  assert.equal(recordText({ type: 'AAAA', data: '2001:db8::1' }), 'AAAA 2001:db8::1');
  assert.equal(recordText({ type: 'CNAME', data: 'shop.example.test' }), 'CNAME shop.example.test.');
  assert.equal(recordText({ type: 'PTR', data: 'db-0.db.shop.svc.cluster.local.' }), 'PTR db-0.db.shop.svc.cluster.local.');
  assert.equal(recordText({ type: 'SRV', data: { priority: 0, weight: 100, port: 5432, target: 'db-0.db.shop.svc.cluster.local' } }), 'SRV 0 100 5432 db-0.db.shop.svc.cluster.local');
  assert.equal(recordText({ type: 'TXT', data: [Buffer.from('v=1')] }), 'TXT "v=1"');
});

test('a query log file is appended once per tick and renamed to .1 before it would pass its size; a line stays whole', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'podnet-query-log-'));
  try {
    const file = path.join(dir, 'queries.log');
    const log = new FileQueryLog(file, 600);
    const entry = (id: number) => ({ ts: '2026-11-30T01:00:00.000Z', client: '198.51.100.10:1', proto: 'udp' as const, id, qname: 'shop.example.test.', qtype: 'A', rcode: 'NOERROR', answers: 1, records: ['A 203.0.113.10'], size: 51, truncated: false, durationMs: 0.1, cache: 'miss' as const });
    for (const id of [1, 2]) log.write(entry(id));
    await new Promise((r) => setImmediate(r));
    for (const id of [3, 4]) log.write(entry(id));
    await log.close();
    const ids = (f: string) => readFileSync(f, 'utf8').trim().split('\n').map((l) => parseQueryLogLine(l)!.id);
    assert.deepEqual(ids(`${file}.1`), [1, 2]);
    assert.deepEqual(ids(file), [3, 4]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
