// The server's response cache: encoded responses keyed by the question (name
// folded to lower case per RFC 4343, type, class) and the response-size class.
// A hash table of its own instead of a Map<string, …>: the hot path would
// otherwise build a key string and have V8 hash it for every query, which
// was the biggest single cost of a cache hit in a CPU profile under dnsperf.
// Here the hash comes for free from parseQuickQuery's walk over the name, and
// a hit compares the stored key bytes with the query's bytes in place.
//
// Open addressing with linear probing at ≤ 50 % load; no deletion — when the
// table is full it is dropped wholesale (as the Map was), so there are no
// tombstones. Freshness (index generation, forwarded TTL) is the caller's.

import { HEADER_SIZE, type QuickQuery } from './wire.js';

/** bound on cached encoded responses; the cache is dropped wholesale when full */
export const MAX_RESPONSE_CACHE = 50_000;
const FNV_PRIME = 0x01000193;

export interface CachedResponse {
  buf: Buffer;
  /** valid while the handler's generation equals this (0 with `until`) */
  generation: number;
  /** valid until this clock time, when > 0 (forwarded answers) */
  until: number;
  rcode: number;
  answers: number;
  denial: boolean;
  truncated: boolean;
}

interface Slot extends CachedResponse {
  hash: number;
  sizeCode: number;
  /** the question bytes (name, type, class) with ASCII letters in the name folded to lower case */
  key: Buffer;
}

export class ResponseCache {
  private readonly slots: (Slot | undefined)[];
  private readonly mask: number;
  private count = 0;

  constructor(private readonly capacity = MAX_RESPONSE_CACHE) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.slots = new Array<Slot | undefined>(size).fill(undefined);
    this.mask = size - 1;
  }

  get size(): number { return this.count; }

  /** The entry for this query's question and size class, fresh or not. `q` must come from parseQuickQuery(msg). */
  get(msg: Buffer, q: QuickQuery, sizeCode: number): CachedResponse | undefined {
    const h = slotHash(q.hash, sizeCode);
    const slots = this.slots;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const s = slots[i];
      if (s === undefined) return undefined;
      if (s.hash === h && s.sizeCode === sizeCode && sameQuestion(s.key, msg, q)) return s;
    }
  }

  set(msg: Buffer, q: QuickQuery, sizeCode: number, value: CachedResponse): void {
    if (this.count >= this.capacity) this.clear();
    const h = slotHash(q.hash, sizeCode);
    const slot: Slot = {
      buf: value.buf, generation: value.generation, until: value.until, rcode: value.rcode, answers: value.answers,
      denial: value.denial, truncated: value.truncated, hash: h, sizeCode, key: foldedQuestion(msg, q),
    };
    const slots = this.slots;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const s = slots[i];
      if (s === undefined) { slots[i] = slot; this.count++; return; }
      if (s.hash === h && s.sizeCode === sizeCode && sameQuestion(s.key, msg, q)) { slots[i] = slot; return; }
    }
  }

  clear(): void {
    this.slots.fill(undefined);
    this.count = 0;
  }
}

function slotHash(questionHash: number, sizeCode: number): number {
  return Math.imul(questionHash ^ sizeCode, FNV_PRIME); // int32: never a boxed number
}

/** Byte-wise equality of a stored key with the query's question, folding the query's name. */
function sameQuestion(key: Buffer, msg: Buffer, q: QuickQuery): boolean {
  const n = q.questionEnd - HEADER_SIZE;
  if (key.length !== n) return false;
  const nameLen = q.nameEnd - HEADER_SIZE;
  let i = 0;
  for (; i < nameLen; i++) {
    const c = msg[HEADER_SIZE + i]!;
    // label lengths are ≤ 63, below 'A', so only letters are folded
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== key[i]) return false;
  }
  for (; i < n; i++) if (msg[HEADER_SIZE + i] !== key[i]) return false;
  return true;
}

function foldedQuestion(msg: Buffer, q: QuickQuery): Buffer {
  const n = q.questionEnd - HEADER_SIZE;
  const nameLen = q.nameEnd - HEADER_SIZE;
  const key = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) {
    const c = msg[HEADER_SIZE + i]!;
    key[i] = i < nameLen && c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
  }
  return key;
}
