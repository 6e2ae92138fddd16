// The server's response cache: encoded responses keyed by the question (name
// folded to lower case per RFC 4343, type, class) and the response-size class.
//
// Laid out for the hot path under load, where the cost of a hit is cache
// misses, not instructions (a CPU profile under dnsperf: a Map<string, entry>
// needed a key string and V8's hashing per query, and then six dependent
// loads — slot, entry, key Buffer, its bytes, response Buffer, its bytes):
// - the hash comes free from parseQuickQuery's walk over the name;
// - each slot is 8 int32s in one Int32Array (one cache line per probe);
// - the folded key and the encoded response sit next to each other in one
//   arena Buffer, so a hit compares and copies from adjacent memory.
// Open addressing with linear probing at ≤ 50 % load. No deletion: when the
// table or the arena is full everything is dropped at once (the index
// generation invalidates entries far more often than that happens).

import { HEADER_SIZE, type QuickQuery } from './wire.js';

/** bound on cached encoded responses */
export const MAX_RESPONSE_CACHE = 50_000;
/** bytes of keys + responses (a cluster answer is ~60–200 bytes, a key ~50) */
export const RESPONSE_ARENA_BYTES = 16 << 20;
const FNV_PRIME = 0x01000193;

/** int32 fields of a slot in `meta` */
const F_HASH = 0;
/** size class + 1; 0 marks an empty slot */
const F_SIZE = 1;
const F_OFFSET = 2;
const F_KEY_LEN = 3;
const F_RESP_LEN = 4;
const F_RCODE = 5;
/** answers | DENIAL | TRUNCATED | FORWARDED */
const F_INFO = 6;
const F_GENERATION = 7;
const SLOT_INTS = 8;
const ANSWERS_MASK = 0xffff;
const DENIAL = 1 << 16;
const TRUNCATED = 1 << 17;
const FORWARDED = 1 << 18;

export interface CachedResponse {
  buf: Buffer;
  /** valid while the handler's generation equals this (ignored with `until`) */
  generation: number;
  /** valid until this clock time, when > 0 (forwarded answers) */
  until: number;
  rcode: number;
  answers: number;
  denial: boolean;
  truncated: boolean;
}

export class ResponseCache {
  private readonly meta: Int32Array;
  /** per slot: expiry of forwarded answers (clock ms, beyond int32) */
  private readonly until: Float64Array;
  private readonly arena: Buffer;
  private readonly mask: number;
  private used = 0;
  private count = 0;

  constructor(private readonly capacity = MAX_RESPONSE_CACHE, arenaBytes = RESPONSE_ARENA_BYTES) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.meta = new Int32Array(slots * SLOT_INTS);
    this.until = new Float64Array(slots);
    this.arena = Buffer.allocUnsafe(arenaBytes);
    this.mask = slots - 1;
  }

  get size(): number { return this.count; }

  /** The slot holding this query's question and size class (fresh or not), or -1. `q` must come from parseQuickQuery(msg). */
  find(msg: Buffer, q: QuickQuery, sizeCode: number): number {
    const h = slotHash(q.hash, sizeCode);
    const meta = this.meta;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const m = i * SLOT_INTS;
      const size = meta[m + F_SIZE]!;
      if (size === 0) return -1;
      if (meta[m + F_HASH] === h && size === sizeCode + 1 && this.sameQuestion(m, msg, q)) return i;
    }
  }

  /** Whether slot `i` may still be served: same index generation, or (forwarded) not yet expired. */
  fresh(i: number, generation: number, clock: () => number): boolean {
    const m = i * SLOT_INTS;
    if (this.meta[m + F_INFO]! & FORWARDED) return this.until[i]! > clock();
    return this.meta[m + F_GENERATION] === (generation | 0);
  }

  rcode(i: number): number { return this.meta[i * SLOT_INTS + F_RCODE]!; }
  answers(i: number): number { return this.meta[i * SLOT_INTS + F_INFO]! & ANSWERS_MASK; }
  denial(i: number): boolean { return (this.meta[i * SLOT_INTS + F_INFO]! & DENIAL) !== 0; }
  truncated(i: number): boolean { return (this.meta[i * SLOT_INTS + F_INFO]! & TRUNCATED) !== 0; }

  /** Slot `i`'s response made this query's: its ID, RD/CD bits and question name bytes (its case). */
  respond(i: number, msg: Buffer, q: QuickQuery): Buffer {
    const m = i * SLOT_INTS;
    const meta = this.meta;
    const arena = this.arena;
    const start = meta[m + F_OFFSET]! + meta[m + F_KEY_LEN]!;
    const len = meta[m + F_RESP_LEN]!;
    const out = Buffer.allocUnsafe(len);
    // a byte loop: responses are short, and Buffer#copy costs more to call than to run
    for (let k = 0; k < len; k++) out[k] = arena[start + k]!;
    out[0] = msg[0]!;
    out[1] = msg[1]!;
    out[2] = (out[2]! & ~0x01) | (msg[2]! & 0x01); // RD
    out[3] = (out[3]! & ~0x10) | (msg[3]! & 0x10); // CD
    for (let k = HEADER_SIZE, end = q.nameEnd; k < end; k++) out[k] = msg[k]!;
    return out;
  }

  set(msg: Buffer, q: QuickQuery, sizeCode: number, value: CachedResponse): void {
    const keyLen = q.questionEnd - HEADER_SIZE;
    const need = keyLen + value.buf.length;
    if (need > this.arena.length) return; // never happens with ≤ 64 KiB messages and a MiB-sized arena
    if (this.count >= this.capacity || this.used + need > this.arena.length) this.clear();
    const h = slotHash(q.hash, sizeCode);
    const meta = this.meta;
    let i = h & this.mask;
    for (; ; i = (i + 1) & this.mask) {
      const m = i * SLOT_INTS;
      if (meta[m + F_SIZE] === 0) { this.count++; break; }
      // the same question again (a stale entry re-resolved): overwrite; its old bytes stay unused until the next clear
      if (meta[m + F_HASH] === h && meta[m + F_SIZE] === sizeCode + 1 && this.sameQuestion(m, msg, q)) break;
    }
    const offset = this.used;
    const nameLen = q.nameEnd - HEADER_SIZE;
    for (let k = 0; k < keyLen; k++) {
      const c = msg[HEADER_SIZE + k]!;
      this.arena[offset + k] = k < nameLen && c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
    }
    value.buf.copy(this.arena, offset + keyLen);
    this.used += need;
    const m = i * SLOT_INTS;
    meta[m + F_HASH] = h;
    meta[m + F_SIZE] = sizeCode + 1;
    meta[m + F_OFFSET] = offset;
    meta[m + F_KEY_LEN] = keyLen;
    meta[m + F_RESP_LEN] = value.buf.length;
    meta[m + F_RCODE] = value.rcode;
    meta[m + F_INFO] = Math.min(value.answers, ANSWERS_MASK) | (value.denial ? DENIAL : 0) | (value.truncated ? TRUNCATED : 0) | (value.until > 0 ? FORWARDED : 0);
    meta[m + F_GENERATION] = value.generation | 0;
    this.until[i] = value.until;
  }

  clear(): void {
    this.meta.fill(0);
    this.used = 0;
    this.count = 0;
  }

  /** The stored key of the slot at meta offset `m` equals the query's question, its name folded. */
  private sameQuestion(m: number, msg: Buffer, q: QuickQuery): boolean {
    const n = q.questionEnd - HEADER_SIZE;
    if (this.meta[m + F_KEY_LEN] !== n) return false;
    const arena = this.arena;
    const key = this.meta[m + F_OFFSET]!;
    const nameLen = q.nameEnd - HEADER_SIZE;
    let k = 0;
    for (; k < nameLen; k++) {
      const c = msg[HEADER_SIZE + k]!;
      // label lengths are ≤ 63, below 'A', so only letters are folded
      if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== arena[key + k]) return false;
    }
    for (; k < n; k++) if (msg[HEADER_SIZE + k] !== arena[key + k]) return false;
    return true;
  }
}

function slotHash(questionHash: number, sizeCode: number): number {
  return Math.imul(questionHash ^ sizeCode, FNV_PRIME); // int32: never a boxed number
}
