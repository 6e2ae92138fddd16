import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFrom } from '../../../src/cli/commands/trace.js';

test('the access log is read from where it stood before the request, and on in .1 when it was rotated meanwhile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'podnet-trace-log-'));
  try {
    const log = path.join(dir, 'access.log');
    writeFileSync(log, 'old line 1\nold line 2\n');
    const from = 'old line 1\nold line 2\n'.length;
    appendFileSync(log, '{"request_id":"a"}\n');
    assert.equal(readFrom(log, from), '{"request_id":"a"}\n');
    // the controller renames a full log to .1 and NGINX reopens a new one
    appendFileSync(log, '{"request_id":"b"}\n');
    renameSync(log, `${log}.1`);
    writeFileSync(log, '{"request_id":"c"}\n');
    assert.equal(readFrom(log, from), '{"request_id":"a"}\n{"request_id":"b"}\n{"request_id":"c"}\n');
    assert.equal(readFrom(path.join(dir, 'missing.log'), 0), '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
