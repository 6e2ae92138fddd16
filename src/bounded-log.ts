// A log file this process appends to and keeps bounded: renamed to `.1`
// (the previous `.1` dropped) when an append would take it past its size,
// so it stays under twice that. Readers follow it across the rename
// (src/observe/log-tail.ts reads `.1` too). The refusal recorders' logs and
// a DNS server's query log file are such logs; NGINX's access log is rotated
// from outside instead (src/ingress/log-rotation.ts).

import { appendFileSync, renameSync, statSync } from 'node:fs';

export class BoundedLog {
  private size: number;

  constructor(readonly file: string, private readonly maxBytes: number) {
    try { this.size = statSync(file).size; } catch { this.size = 0; }
  }

  /** Appends whole lines; throws what the file system throws (the caller says or drops it). */
  append(text: string): void {
    const bytes = Buffer.byteLength(text);
    if (this.size > 0 && this.size + bytes > this.maxBytes) {
      renameSync(this.file, `${this.file}.1`);
      this.size = 0;
    }
    appendFileSync(this.file, text);
    this.size += bytes;
  }
}
