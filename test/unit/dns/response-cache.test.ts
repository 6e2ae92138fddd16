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

/** a fake "response": a tag after room for the header and any question (a hit rewrites those) */
const TAG_AT = 12 + 256;
function entry(tag: string): CachedResponse {
  return { buf: Buffer.concat([Buffer.alloc(TAG_AT), Buffer.from(tag)]), generation: 1, until: 0, rcode: 0, answers: 1, denial: false, truncated: false };
}

function found(cache: ResponseCache, msg: Buffer, q: QuickQuery, size: number): string | undefined {
  const i = cache.find(msg, q, size);
  return i < 0 ? undefined : cache.respond(i, msg, q).subarray(TAG_AT).toString();
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
    assert.equal(found(cache, m, qq, size), want, `${name} ${type} size class ${size}`);
  }
});

test('setting the same question again replaces its entry; a full cache starts over', () => {
  const cache = new ResponseCache(4);
  const [msg, q] = query('a.example');
  cache.set(msg, q, 0, entry('one'));
  cache.set(msg, q, 0, entry('two'));
  assert.equal(cache.size, 1);
  assert.equal(found(cache, msg, q, 0), 'two');
  for (const n of ['b', 'c', 'd']) { const [m, qq] = query(`${n}.example`); cache.set(m, qq, 0, entry(n)); }
  assert.equal(cache.size, 4);
  const [m5, q5] = query('e.example');
  cache.set(m5, q5, 0, entry('e'));
  assert.equal(cache.size, 1, 'dropped wholesale when full');
  assert.equal(found(cache, msg, q, 0), undefined);
  assert.equal(found(cache, m5, q5, 0), 'e');
});

test('colliding slots probe on: 2,000 names in a small table all come back', () => {
  const cache = new ResponseCache(2000);
  const names = Array.from({ length: 2000 }, (_, i) => `svc${i}.ns${i % 7}.svc.cluster.local`);
  for (const n of names) { const [m, q] = query(n); cache.set(m, q, 0, entry(n)); }
  for (const n of names) { const [m, q] = query(n.toUpperCase()); assert.equal(found(cache, m, q, 0), n); }
});

test('a hit is the cached response with the query\'s ID, RD and CD bits and name case; freshness by generation or expiry', () => {
  const cache = new ResponseCache();
  const [msg, q] = query('web.default.svc.cluster.local');
  const response = Buffer.concat([Buffer.from([0, 1, 0x84, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]), msg.subarray(12), Buffer.from('answer')]);
  cache.set(msg, q, 0, { buf: response, generation: 7, until: 0, rcode: 3, answers: 2, denial: true, truncated: false });
  const asked = Buffer.from(query('WEB.default.svc.cluster.local')[0]);
  asked.writeUInt16BE(0xbeef, 0);
  asked[2] = 0x00; // RD off
  asked[3] = 0x10; // CD on
  const i = cache.find(asked, parseQuickQuery(asked)!, 0);
  const out = cache.respond(i, asked, parseQuickQuery(asked)!);
  assert.equal(out.readUInt16BE(0), 0xbeef);
  assert.equal(out[2], 0x84);
  assert.equal(out[3], 0x90);
  assert.deepEqual(out.subarray(12, q.questionEnd), asked.subarray(12, q.questionEnd));
  assert.equal(out.subarray(q.questionEnd).toString(), 'answer');
  assert.deepEqual([cache.rcode(i), cache.answers(i), cache.denial(i), cache.truncated(i)], [3, 2, true, false]);
  assert.equal(cache.fresh(i, 7, () => 0), true);
  assert.equal(cache.fresh(i, 8, () => 0), false);
  const [fm, fq] = query('shop.example.test');
  cache.set(fm, fq, 0, { ...entry('fwd'), generation: 0, until: 1000 });
  const f = cache.find(fm, fq, 0);
  assert.equal(cache.fresh(f, 8, () => 999), true);
  assert.equal(cache.fresh(f, 8, () => 1000), false);
});

test('a full arena starts over too', () => {
  const cache = new ResponseCache(1000, 2 * TAG_AT);
  const [a, qa] = query('a.example');
  cache.set(a, qa, 0, entry('x'.repeat(100)));
  const [b, qb] = query('b.example');
  cache.set(b, qb, 0, entry('y'.repeat(100)));
  assert.equal(cache.size, 1);
  assert.equal(found(cache, a, qa, 0), undefined);
  assert.equal(found(cache, b, qb, 0), 'y'.repeat(100));
});
