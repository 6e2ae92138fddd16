// The query log's answer records, as tcpdump writes them: what `podnet
// observe --last` shows of the external DNS's questions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordText } from '../../../src/dns/query-log.js';

test('records: the type and its data as tcpdump writes them; names end with their dot', () => {
  assert.equal(recordText({ type: 'A', data: '203.0.113.10' }), 'A 203.0.113.10');
  assert.equal(recordText({ type: 'AAAA', data: '2001:db8::1' }), 'AAAA 2001:db8::1');
  assert.equal(recordText({ type: 'CNAME', data: 'shop.example.test' }), 'CNAME shop.example.test.');
  assert.equal(recordText({ type: 'PTR', data: 'db-0.db.shop.svc.cluster.local.' }), 'PTR db-0.db.shop.svc.cluster.local.');
  assert.equal(recordText({ type: 'SRV', data: { priority: 0, weight: 100, port: 5432, target: 'db-0.db.shop.svc.cluster.local' } }), 'SRV 0 100 5432 db-0.db.shop.svc.cluster.local');
  assert.equal(recordText({ type: 'TXT', data: [Buffer.from('v=1')] }), 'TXT "v=1"');
});
