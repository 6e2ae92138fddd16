import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LogRotator, logsToRotate, rotationSteps } from '../../../src/ingress/log-rotation.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pn-log-rotation-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const steps = (keep: number) => rotationSteps('/l/access.log', keep).map((s) => `${s.from} → ${s.to}`);

test('rotation renames, oldest first (logrotate `rotate N`)', () => {
  const rows: [keep: number, want: string[]][] = [
    [0, []],
    [1, ['/l/access.log → /l/access.log.1']],
    [3, ['/l/access.log.2 → /l/access.log.3', '/l/access.log.1 → /l/access.log.2', '/l/access.log → /l/access.log.1']],
  ];
  for (const [keep, want] of rows) assert.deepEqual(steps(keep), want, `keep ${keep}`);
});

test('a log is rotated once it reaches the limit; a missing one never', () => {
  const rows: [size: number | undefined, rotate: boolean][] = [
    [undefined, false],
    [0, false],
    [99, false],
    [100, true],
    [5_000, true],
  ];
  for (const [size, rotate] of rows) assert.deepEqual(logsToRotate(new Map([['a.log', size]]), 100), rotate ? ['a.log'] : [], `size ${size}`);
  assert.deepEqual(logsToRotate(new Map([['a.log', 150], ['b.log', 10], ['c.log', 100]]), 100), ['a.log', 'c.log']);
});

test('LogRotator renames the logs over the limit, keeps N copies and asks for one reopen', async () => {
  const access = path.join(dir, 'access.log');
  const error = path.join(dir, 'error.log');
  writeFileSync(access, 'x'.repeat(200));
  writeFileSync(error, 'small\n');
  let reopens = 0;
  const rotator = new LogRotator({ files: [access, error], maxBytes: 100, keep: 2, reopen: () => { reopens++; } });
  assert.deepEqual(await rotator.check(), [access]);
  assert.equal(reopens, 1);
  assert.equal(existsSync(access), false, 'renamed away: nginx creates it again on reopen');
  assert.equal(readFileSync(`${access}.1`, 'utf8').length, 200);
  assert.equal(readFileSync(error, 'utf8'), 'small\n');

  writeFileSync(access, 'y'.repeat(100));
  assert.deepEqual(await rotator.check(), [access]);
  writeFileSync(access, 'z'.repeat(100));
  assert.deepEqual(await rotator.check(), [access]);
  assert.equal(reopens, 3);
  assert.equal(readFileSync(`${access}.1`, 'utf8')[0], 'z');
  assert.equal(readFileSync(`${access}.2`, 'utf8')[0], 'y');
  assert.equal(existsSync(`${access}.3`), false, 'the oldest copy falls off the end');

  assert.deepEqual(await rotator.check(), [], 'nothing over the limit: no rename, no reopen');
  assert.equal(reopens, 3);
});
