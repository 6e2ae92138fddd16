// Following a log for `podnet observe` (NGINX's access log, the refusal
// logs): what it gained since the last read, whole lines only (a line not
// finished yet is read next time). A log that was rotated (renamed to `.1`)
// is shorter than where reading stopped: the rest of `.1` is read first, then
// the new log from its start; `.1` is read again for ROTATED_FOLLOW_MS, for
// the lines NGINX's workers flush into it before they reopen the log.

import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

function readBytes(file: string, from: number, to = Infinity): Buffer {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = Math.min(fstatSync(fd).size, to);
    if (size <= from) return Buffer.alloc(0);
    const buf = Buffer.alloc(size - from);
    readSync(fd, buf, 0, buf.length, from);
    return buf;
  } catch {
    return Buffer.alloc(0);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const readRange = (file: string, from: number, to = Infinity) => readBytes(file, from, to).toString('utf8');

const wholeLines = (text: string) => text.slice(0, text.lastIndexOf('\n') + 1);

/** how far back from its end a log is read for the start of its last line (NGINX's lines are under 2 KiB) */
const LAST_LINE_WINDOW = 64 * 1024;

/** NGINX's workers flush their buffered lines (every 100 ms) into the renamed log until they reopen it */
const ROTATED_FOLLOW_MS = 1_000;

export class LogTail {
  private offset: number;
  private readonly start: number;
  private rotated: { offset: number; until: number } | undefined;

  /**
   * From the log's end now (after its last whole line: a line being written
   * is the tail's): what was there before is history(), not followed.
   */
  constructor(readonly file: string, fromStart = false) {
    let size = 0;
    try { size = statSync(file).size; } catch { /* not written yet */ }
    const from = Math.max(0, size - LAST_LINE_WINDOW);
    const newline = fromStart ? -1 : readBytes(file, from, size).lastIndexOf(0x0a);
    this.offset = fromStart ? 0 : newline < 0 ? (from === 0 ? 0 : size) : from + newline + 1;
    this.start = this.offset;
  }

  /** The whole lines the log held before this tail's start, oldest first: the rotated `.1`'s, then the log's. */
  history(): string[] {
    const lines = (text: string) => wholeLines(text).split('\n').filter(Boolean);
    return [...lines(readRange(`${this.file}.1`, 0)), ...lines(readRange(this.file, 0, this.start))];
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
