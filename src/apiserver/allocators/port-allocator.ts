// NodePort allocation over an inclusive port range (30000-32767 by default).
// Pure state, no I/O; rebuilt from stored Services at startup.

import type { AllocateResult } from './ip-allocator.js';

const RANDOM_ATTEMPTS = 64;

export class PortAllocator {
  private readonly used = new Set<number>();

  constructor(readonly min: number, readonly max: number, private readonly random: () => number = Math.random) {}

  get allocatedCount(): number { return this.used.size; }

  inRange(port: number): boolean { return Number.isInteger(port) && port >= this.min && port <= this.max; }

  isAllocated(port: number): boolean { return this.used.has(port); }

  allocate(port: number): AllocateResult {
    if (!this.inRange(port)) return 'out-of-range';
    if (this.used.has(port)) return 'taken';
    this.used.add(port);
    return 'ok';
  }

  /** A random free port, or undefined when the range is exhausted. */
  allocateNext(): number | undefined {
    const span = this.max - this.min + 1;
    for (let i = 0; i < RANDOM_ATTEMPTS; i++) {
      const p = this.min + Math.floor(this.random() * span);
      if (!this.used.has(p)) {
        this.used.add(p);
        return p;
      }
    }
    const start = Math.floor(this.random() * span);
    for (let i = 0; i < span; i++) {
      const p = this.min + ((start + i) % span);
      if (!this.used.has(p)) {
        this.used.add(p);
        return p;
      }
    }
    return undefined;
  }

  release(port: number): void { this.used.delete(port); }
}
