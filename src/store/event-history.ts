// The watch history: a ring buffer of the last N events across all resources,
// in resourceVersion order. A watch that starts at RV x replays every retained
// event with rv > x; if events after x were already evicted the watch must fail
// with 410 Gone, exactly like the kube-apiserver watch cache, so the client
// re-lists instead of silently missing changes.

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * One committed change. Objects are kept as JSON text (the same string written
 * to SQLite), which is compact and lets every watcher share one serialization.
 */
export interface HistoryEvent {
  readonly type: StoreEventType;
  readonly rv: number;
  readonly plural: string;
  readonly namespace: string;
  readonly name: string;
  /** the object after the change; for DELETED its last state carrying the deletion's rv */
  readonly json: string;
  /** the object before the change (MODIFIED, DELETED): filtered watches need it to see an object leave their selection */
  readonly prevJson?: string;
}

export class EventHistory {
  private readonly ring: (HistoryEvent | undefined)[];
  private start = 0;
  private size = 0;
  /** every event with rv > compactedRv is still retained */
  private compacted: number;

  constructor(readonly capacity: number, startRv: number) {
    if (capacity < 1) throw new RangeError('history capacity must be at least 1');
    this.ring = new Array(capacity);
    this.compacted = startRv;
  }

  get compactedRv(): number { return this.compacted; }
  get length(): number { return this.size; }

  push(ev: HistoryEvent): void {
    if (this.size === this.capacity) {
      const evicted = this.ring[this.start]!;
      this.compacted = evicted.rv;
      this.ring[this.start] = ev;
      this.start = (this.start + 1) % this.capacity;
      return;
    }
    this.ring[(this.start + this.size) % this.capacity] = ev;
    this.size++;
  }

  /** True when all events after `rv` are still retained. */
  covers(rv: number): boolean { return rv >= this.compacted; }

  /** Events with rv > fromRv (optionally of one plural), oldest first. Caller checks covers() first. */
  *since(fromRv: number, plural?: string): Generator<HistoryEvent> {
    let lo = 0;
    let hi = this.size;
    // binary search for the first index with rv > fromRv (rvs strictly increase along the ring)
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).rv <= fromRv) lo = mid + 1; else hi = mid;
    }
    for (let i = lo; i < this.size; i++) {
      const ev = this.at(i);
      if (plural === undefined || ev.plural === plural) yield ev;
    }
  }

  private at(i: number): HistoryEvent { return this.ring[(this.start + i) % this.capacity]!; }
}
