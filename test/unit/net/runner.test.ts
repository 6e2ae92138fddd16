import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExecRunner } from '../../../src/net/runner.js';

test('maxStdoutLength keeps the first bytes of a large output and still reads it to the end', async () => {
  const r = await new ExecRunner().run([process.execPath, '-e', 'process.stdout.write("a".repeat(10) + "b".repeat(5_000_000)); process.stderr.write("done")'], { maxStdoutLength: 12 });
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'aaaaaaaaaabb', 'done']);
});
