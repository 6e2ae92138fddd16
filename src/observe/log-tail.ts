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

/** The bytes up to and including the last newline: offsets move by bytes, never by decoded text (a byte that is not UTF-8 decodes longer) */
const wholeLines = (bytes: Buffer) => bytes.subarray(0, bytes.lastIndexOf(0x0a) + 1);
const lines = (bytes: Buffer) => bytes.toString('utf8').split('\n').filter(Boolean);

/** how far back from its end a log is read for the start of its last line (NGINX's lines are under 2 KiB) */
const LAST_LINE_WINDOW = 64 * 1024;
/** how much of a log is read at a time going back */
const BACKWARD_CHUNK = 256 * 1024;

/** NGINX's workers flush their buffered lines (every 100 ms) into the renamed log until they reopen it */
const ROTATED_FOLLOW_MS = 1_000;

/** The whole lines of `file` in [0, end), newest first, read back a chunk at a time: history's cost is what it uses. */
function* linesBackwards(file: string, end: number): Generator<string> {
  let to = end;
  let carry: Buffer = Buffer.alloc(0);
  while (to > 0) {
    const from = Math.max(0, to - BACKWARD_CHUNK);
    const chunk = Buffer.concat([readBytes(file, from, to), carry]);
    to = from;
    // the first (possibly partial) line waits for the chunk before it, unless this is the file's start
    const cut = to === 0 ? 0 : chunk.indexOf(0x0a) + 1;
    if (to > 0 && cut === 0) { carry = chunk; continue; }
    carry = chunk.subarray(0, cut);
    yield* lines(chunk.subarray(cut)).reverse();
  }
}

/** Where the log's last whole line ends now (0 for a log not written yet). */
function endOfLastWholeLine(file: string): number {
  let size = 0;
  try { size = statSync(file).size; } catch { return 0; }
  const from = Math.max(0, size - LAST_LINE_WINDOW);
  const newline = readBytes(file, from, size).lastIndexOf(0x0a);
  if (newline >= 0) return from + newline + 1;
  // no newline: the whole log is one line still being written (the tail's), or its last line is longer than the window (passed over)
  return from === 0 ? 0 : size;
}

export class LogTail {
  private offset: number;
  private readonly start: number;
  private rotated: { offset: number; until: number } | undefined;

  /**
   * From the log's end now (after its last whole line: a line being written
   * is the tail's): what was there before is history(), not followed.
   */
  constructor(readonly file: string, fromStart = false) {
    this.offset = fromStart ? 0 : endOfLastWholeLine(file);
    this.start = this.offset;
  }

  /**
   * The whole lines the log held before this tail's start, newest first: the
   * log's, then the rotated `.1`'s; read back as far as the caller iterates.
   */
  *history(): Generator<string> {
    yield* linesBackwards(this.file, this.start);
    let rotatedSize = 0;
    try { rotatedSize = statSync(`${this.file}.1`).size; } catch { return; }
    yield* linesBackwards(`${this.file}.1`, rotatedSize);
  }

  /** The whole lines added since the last call. */
  read(): string[] {
    let size = 0;
    try { size = statSync(this.file).size; } catch { return []; }
    if (size < this.offset) {
      this.rotated = { offset: this.offset, until: performance.now() + ROTATED_FOLLOW_MS };
      this.offset = 0;
    }
    let before: Buffer = Buffer.alloc(0);
    if (this.rotated) {
      before = wholeLines(readBytes(`${this.file}.1`, this.rotated.offset));
      this.rotated.offset += before.length;
      if (performance.now() > this.rotated.until) this.rotated = undefined;
    }
    const added = wholeLines(readBytes(this.file, this.offset));
    this.offset += added.length;
    return [...lines(before), ...lines(added)];
  }
}
