// Following NGINX's access log for `podnet observe`: what each controller
// pod's log gained since the last read, whole lines only (a line NGINX has
// not finished writing is read next time). A log the controller rotated (at
// 64 MiB, renamed to `.1`) is shorter than where reading stopped: the rest of
// `.1` is read first, then the new log from its start; `.1` is read again for
// ROTATED_FOLLOW_MS, for the lines NGINX's workers flush into it before they
// reopen the log.

import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

function readRange(file: string, from: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    if (size <= from) return '';
    const buf = Buffer.alloc(size - from);
    readSync(fd, buf, 0, buf.length, from);
    return buf.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const wholeLines = (text: string) => text.slice(0, text.lastIndexOf('\n') + 1);

/** NGINX's workers flush their buffered lines (every 100 ms) into the renamed log until they reopen it */
const ROTATED_FOLLOW_MS = 1_000;

export class AccessLogTail {
  private offset: number;
  private rotated: { offset: number; until: number } | undefined;

  /** From the log's end now: what was there before is not followed. */
  constructor(readonly file: string, fromStart = false) {
    let size = 0;
    try { size = statSync(file).size; } catch { /* not written yet */ }
    this.offset = fromStart ? 0 : size;
  }

  /** The whole lines added since the last call. */
  read(): string[] {
    let size = 0;
    try { size = statSync(this.file).size; } catch { return []; }
    if (size < this.offset) {
      this.rotated = { offset: this.offset, until: performance.now() + ROTATED_FOLLOW_MS };
      this.offset = 0;
    }
    let text = '';
    if (this.rotated) {
      text = wholeLines(readRange(`${this.file}.1`, this.rotated.offset));
      this.rotated.offset += Buffer.byteLength(text);
      if (performance.now() > this.rotated.until) this.rotated = undefined;
    }
    const added = wholeLines(readRange(this.file, this.offset));
    this.offset += Buffer.byteLength(added);
    return (text + added).split('\n').filter(Boolean);
  }
}
