import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ownedMode, setVolumeOwnership } from '../../../src/agent/volume-ownership.js';

// chown to another group needs root (the agent's own case)
const asRoot = { skip: process.getuid?.() !== 0 ? 'needs root to change a file\'s group' : false };

test('ownedMode: group read (and write for a writable volume) on top, directories set-group-ID and searchable', () => {
  const rows: [number, boolean, boolean, number][] = [
    [0o644, false, true, 0o644],
    [0o400, false, true, 0o440],
    [0o600, false, false, 0o660],
    [0o755, true, true, 0o2755],
    [0o700, true, false, 0o2770],
    [0o777, true, false, 0o2777],
    [0o4755, false, false, 0o4775],
  ];
  for (const [mode, dir, ro, want] of rows) assert.equal(ownedMode(mode, dir, ro).toString(8), want.toString(8), `${mode.toString(8)} dir=${dir} ro=${ro}`);
});

/** a volume (vol/, vol/sub/, vol/sub/secret 0400, vol/link to a file outside it) for `check`, removed after */
function withVolume(check: (vol: string, root: string) => void): void {
  const root = mkdtempSync(path.join(tmpdir(), 'podnet-ownership-'));
  const vol = path.join(root, 'vol');
  mkdirSync(path.join(vol, 'sub'), { recursive: true });
  chmodSync(vol, 0o755);
  chmodSync(path.join(vol, 'sub'), 0o700);
  writeFileSync(path.join(vol, 'sub', 'secret'), 's', { mode: 0o400 });
  chmodSync(path.join(vol, 'sub', 'secret'), 0o400);
  writeFileSync(path.join(root, 'outside'), 'o', { mode: 0o600 });
  chmodSync(path.join(root, 'outside'), 0o600);
  symlinkSync(path.join(root, 'outside'), path.join(vol, 'link'));
  try { check(vol, root); } finally { rmSync(root, { recursive: true, force: true }); }
}

test('setVolumeOwnership: every file and directory gets the group and the mode bits; a link and what it leads to are left alone', asRoot, () => withVolume((vol, root) => {
  setVolumeOwnership(vol, 2000, false);
  const seen = (p: string) => { const s = statSync(p); return [s.gid, (s.mode & 0o7777).toString(8)]; };
  assert.deepEqual(seen(vol), [2000, '2775']);
  assert.deepEqual(seen(path.join(vol, 'sub')), [2000, '2770']);
  assert.deepEqual(seen(path.join(vol, 'sub', 'secret')), [2000, '660']);
  assert.equal(statSync(path.join(vol, 'sub', 'secret')).uid, 0, 'the owner is kept');
  assert.deepEqual(seen(path.join(root, 'outside')), [0, '600']);
  assert.equal(lstatSync(path.join(vol, 'link')).gid, 0);
}));

test('setVolumeOwnership on a read-only volume adds group read only', asRoot, () => withVolume((vol) => {
  setVolumeOwnership(vol, 2000, true);
  assert.equal((statSync(path.join(vol, 'sub', 'secret')).mode & 0o7777).toString(8), '440');
  assert.equal((statSync(path.join(vol, 'sub')).mode & 0o7777).toString(8), '2750');
}));

test('OnRootMismatch: a volume whose root is owned already is not walked; one whose root is not is', asRoot, () => withVolume((vol) => {
  setVolumeOwnership(vol, 2000, false);
  chmodSync(path.join(vol, 'sub', 'secret'), 0o400); // changed since: left as it is
  setVolumeOwnership(vol, 2000, false, true);
  assert.equal((statSync(path.join(vol, 'sub', 'secret')).mode & 0o7777).toString(8), '400');
  setVolumeOwnership(vol, 3000, false, true); // another group: the root mismatches
  assert.equal(statSync(path.join(vol, 'sub', 'secret')).gid, 3000);
  assert.equal((statSync(path.join(vol, 'sub', 'secret')).mode & 0o7777).toString(8), '660');
}));
