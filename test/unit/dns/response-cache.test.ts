import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import { ResponseCache, type CachedResponse } from '../../../src/dns/response-cache.js';
import { parseQuickQuery, type QuickQuery } from '../../../src/dns/wire.js';

function query(name: string, type = 'A', udpPayloadSize?: number): [Buffer, QuickQuery] {
  const msg = dnsPacket.encode({
    id: 1, type: 'query', questions: [{ name, type: type as 'A', class: 'IN' }],
    ...(udpPayloadSize ? { additionals: [{ type: 'OPT', name: '.', udpPayloadSize } as never] } : {}),
  });
  return [msg, parseQuickQuery(msg)!];
}

function entry(tag: string): CachedResponse {
  return { buf: Buffer.from(tag), generation: 1, until: 0, rcode: 0, answers: 1, denial: false, truncated: false };
}

test('a cached response is found again whatever the case of the name, and only for its type and size class', () => {
  const cache = new ResponseCache();
  const [msg, q] = query('Web.Default.svc.cluster.local');
  cache.set(msg, q, 0, entry('web-a'));
  const rows: [string, string, number, string | undefined][] = [
    ['web.default.svc.cluster.local', 'A', 0, 'web-a'],
    ['WEB.DEFAULT.SVC.CLUSTER.LOCAL', 'A', 0, 'web-a'],
    ['web.default.svc.cluster.local', 'AAAA', 0, undefined],
    ['web.default.svc.cluster.local', 'A', 2, undefined],
    ['wec.default.svc.cluster.local', 'A', 0, undefined],
    ['web.default.svc.cluster.loca', 'A', 0, undefined],
  ];
  for (const [name, type, size, want] of rows) {
    const [m, qq] = query(name, type);
    assert.equal(cache.get(m, qq, size)?.buf.toString(), want, `${name} ${type} size class ${size}`);
  }
});

test('setting the same question again replaces its entry; a full cache starts over', () => {
  const cache = new ResponseCache(4);
  const [msg, q] = query('a.example');
  cache.set(msg, q, 0, entry('one'));
  cache.set(msg, q, 0, entry('two'));
  assert.equal(cache.size, 1);
  assert.equal(cache.get(msg, q, 0)?.buf.toString(), 'two');
  for (const n of ['b', 'c', 'd']) { const [m, qq] = query(`${n}.example`); cache.set(m, qq, 0, entry(n)); }
  assert.equal(cache.size, 4);
  const [m5, q5] = query('e.example');
  cache.set(m5, q5, 0, entry('e'));
  assert.equal(cache.size, 1, 'dropped wholesale when full');
  assert.equal(cache.get(msg, q, 0), undefined);
  assert.equal(cache.get(m5, q5, 0)?.buf.toString(), 'e');
});

test('colliding slots probe on: 2,000 names in a small table all come back', () => {
  const cache = new ResponseCache(2000);
  const names = Array.from({ length: 2000 }, (_, i) => `svc${i}.ns${i % 7}.svc.cluster.local`);
  for (const n of names) { const [m, q] = query(n); cache.set(m, q, 0, entry(n)); }
  for (const n of names) { const [m, q] = query(n.toUpperCase()); assert.equal(cache.get(m, q, 0)?.buf.toString(), n); }
});
