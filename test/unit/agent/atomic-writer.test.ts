import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeVolumeFiles } from '../../../src/agent/atomic-writer.js';
import type { VolumeFile } from '../../../src/agent/volume-files.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pn-atomic-writer-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

let volumes = 0;
function volumeDir(): string { return path.join(root, `volume-${++volumes}`); }

function file(p: string, text: string, mode = 0o644): VolumeFile {
  return { path: p, content: Buffer.from(text), mode };
}

const VERSION_DIR = /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d{9}$/;

/** The directory as `ls -la` would tell it: links with their targets, version dirs as `..<version>`, sorted. */
function listing(dir: string): string[] {
  return fs.readdirSync(dir).sort().map((name) => {
    const st = fs.lstatSync(path.join(dir, name));
    if (st.isSymbolicLink()) {
      const target = fs.readlinkSync(path.join(dir, name));
      return `${name} -> ${VERSION_DIR.test(target) ? '..<version>' : target}`;
    }
    return VERSION_DIR.test(name) ? '..<version>/' : `${name}${st.isDirectory() ? '/' : ''}`;
  });
}

function versionDirs(dir: string): string[] { return fs.readdirSync(dir).filter((n) => VERSION_DIR.test(n)); }

function modeOf(p: string): number { return fs.statSync(p).mode & 0o7777; }

test('first write: files in a version directory, ..data pointing at it, one link per top-level name; nested dirs 0755 and file modes exact', () => {
  const dir = volumeDir();
  const oldUmask = process.umask(0o077); // the modes must not depend on the agent's umask
  try {
    assert.equal(writeVolumeFiles(dir, [file('app.yaml', 'port: 80\n'), file('conf.d/a/one.conf', 'one', 0o600), file('conf.d/two.conf', 'two', 0o755)]), true);
  } finally {
    process.umask(oldUmask);
  }
  assert.deepEqual(listing(dir), ['..<version>/', '..data -> ..<version>', 'app.yaml -> ..data/app.yaml', 'conf.d -> ..data/conf.d']);
  const [version] = versionDirs(dir);
  assert.equal(fs.readlinkSync(path.join(dir, '..data')), version);
  assert.equal(fs.readFileSync(path.join(dir, 'app.yaml'), 'utf8'), 'port: 80\n');
  assert.equal(fs.readFileSync(path.join(dir, 'conf.d/a/one.conf'), 'utf8'), 'one');
  assert.equal(modeOf(path.join(dir, 'app.yaml')), 0o644);
  assert.equal(modeOf(path.join(dir, 'conf.d/a/one.conf')), 0o600);
  assert.equal(modeOf(path.join(dir, 'conf.d/two.conf')), 0o755);
  assert.equal(modeOf(path.join(dir, version!)), 0o755);
  assert.equal(modeOf(path.join(dir, version!, 'conf.d')), 0o755);
  assert.equal(modeOf(path.join(dir, version!, 'conf.d/a')), 0o755);
});

test('beforeSwitch runs once the new version is written and before ..data points at it; not when nothing changed', () => {
  const dir = volumeDir();
  const seen: string[] = [];
  const look = () => { seen.push(`${fs.readdirSync(dir).filter((n) => VERSION_DIR.test(n)).length} versions, ..data ${fs.existsSync(path.join(dir, '..data')) ? fs.readFileSync(path.join(dir, '..data', 'a'), 'utf8') : 'none'}`); };
  writeVolumeFiles(dir, [file('a', 'v1')], look);
  writeVolumeFiles(dir, [file('a', 'v2')], look);
  writeVolumeFiles(dir, [file('a', 'v2')], look);
  assert.deepEqual(seen, ['1 versions, ..data none', '2 versions, ..data v1']);
  assert.equal(fs.readFileSync(path.join(dir, 'a'), 'utf8'), 'v2');
});

test('a beforeSwitch that throws fails the write and leaves the old version in place', () => {
  const dir = volumeDir();
  writeVolumeFiles(dir, [file('a', 'v1')]);
  assert.throws(() => writeVolumeFiles(dir, [file('a', 'v2')], () => { throw new Error('no chown'); }), /could not write volume files into .*: no chown/);
  assert.equal(fs.readFileSync(path.join(dir, 'a'), 'utf8'), 'v1');
  assert.equal(versionDirs(dir).length, 1);
});

test('a second write of the same content and modes changes nothing and returns false', () => {
  const dir = volumeDir();
  const files = [file('a', 'A'), file('sub/b', Buffer.from([0, 1, 2]).toString('latin1'), 0o400)];
  assert.equal(writeVolumeFiles(dir, files), true);
  const before = fs.readlinkSync(path.join(dir, '..data'));
  assert.equal(writeVolumeFiles(dir, files), false);
  assert.equal(fs.readlinkSync(path.join(dir, '..data')), before);
  assert.deepEqual(versionDirs(dir), [before]);
});

test('an update swaps ..data to a new version, removes stale links and the old version, and keeps the directory\'s inode', () => {
  const dir = volumeDir();
  assert.equal(writeVolumeFiles(dir, [file('keep', 'v1'), file('gone', 'old'), file('nested/gone', 'old'), file('nested/keep', 'n1')]), true);
  const inode = fs.statSync(dir).ino;
  const oldVersion = fs.readlinkSync(path.join(dir, '..data'));
  // Held open across the switch: a reader keeps the whole old version.
  const oldKeep = fs.openSync(path.join(dir, 'keep'), 'r');

  assert.equal(writeVolumeFiles(dir, [file('keep', 'v2'), file('nested/keep', 'n2'), file('new', 'fresh')]), true);
  const newVersion = fs.readlinkSync(path.join(dir, '..data'));
  assert.notEqual(newVersion, oldVersion);
  assert.deepEqual(listing(dir), ['..<version>/', '..data -> ..<version>', 'keep -> ..data/keep', 'nested -> ..data/nested', 'new -> ..data/new']);
  assert.deepEqual(versionDirs(dir), [newVersion]);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'nested')), ['keep']);
  assert.equal(fs.readFileSync(path.join(dir, 'keep'), 'utf8'), 'v2');
  assert.equal(fs.readFileSync(path.join(dir, 'nested/keep'), 'utf8'), 'n2');
  assert.equal(fs.readFileSync(oldKeep, 'utf8'), 'v1');
  fs.closeSync(oldKeep);
  assert.equal(fs.statSync(dir).ino, inode);
  assert.equal(fs.existsSync(path.join(dir, '..data_tmp')), false);
});

test('a removed file alone, or a mode change alone, is an update', () => {
  const dir = volumeDir();
  writeVolumeFiles(dir, [file('a', 'A'), file('b', 'B')]);
  assert.equal(writeVolumeFiles(dir, [file('a', 'A')]), true);
  assert.deepEqual(listing(dir), ['..<version>/', '..data -> ..<version>', 'a -> ..data/a']);
  assert.equal(writeVolumeFiles(dir, [file('a', 'A', 0o600)]), true);
  assert.equal(modeOf(path.join(dir, 'a')), 0o600);
  assert.equal(writeVolumeFiles(dir, [file('a', 'A', 0o600)]), false);
});

test('a top-level directory that is gone loses its link', () => {
  const dir = volumeDir();
  writeVolumeFiles(dir, [file('conf.d/x.conf', 'x'), file('a', 'A')]);
  assert.equal(writeVolumeFiles(dir, [file('a', 'A')]), true);
  assert.deepEqual(listing(dir), ['..<version>/', '..data -> ..<version>', 'a -> ..data/a']);
});

test('an empty set of files still makes ..data (an optional ConfigMap that does not exist), and a later one fills it', () => {
  const dir = volumeDir();
  assert.equal(writeVolumeFiles(dir, []), true);
  assert.deepEqual(listing(dir), ['..<version>/', '..data -> ..<version>']);
  assert.equal(writeVolumeFiles(dir, []), false);
  assert.equal(writeVolumeFiles(dir, [file('x', 'X')]), true);
  assert.deepEqual(listing(dir), ['..<version>/', '..data -> ..<version>', 'x -> ..data/x']);
});

test('a lost top-level link comes back without a rewrite; leftovers of a write that died go with the next update', () => {
  const dir = volumeDir();
  writeVolumeFiles(dir, [file('a', 'A'), file('b', 'B')]);
  const version = fs.readlinkSync(path.join(dir, '..data'));
  fs.unlinkSync(path.join(dir, 'b'));
  assert.equal(writeVolumeFiles(dir, [file('a', 'A'), file('b', 'B')]), true);
  assert.equal(fs.readlinkSync(path.join(dir, '..data')), version);
  assert.equal(fs.readFileSync(path.join(dir, 'b'), 'utf8'), 'B');

  fs.mkdirSync(path.join(dir, '..2001_01_01_00_00_00.000000001'));
  fs.symlinkSync('..2001_01_01_00_00_00.000000001', path.join(dir, '..data_tmp'));
  assert.equal(writeVolumeFiles(dir, [file('a', 'A2'), file('b', 'B')]), true);
  assert.deepEqual(listing(dir), ['..<version>/', '..data -> ..<version>', 'a -> ..data/a', 'b -> ..data/b']);
});

test('a path that would leave the volume is refused before anything is written', () => {
  const dir = volumeDir();
  for (const p of ['../escape', '/etc/x', '..data', 'a/../../b']) {
    assert.throws(() => writeVolumeFiles(dir, [file(p, 'x')]), /invalid path/, p);
  }
  assert.throws(() => writeVolumeFiles(dir, [file('a', '1'), file('./a', '2')]), /given twice/);
  assert.equal(fs.existsSync(dir), false);
});

test('a failed write leaves the old version in place and no new version behind', () => {
  const dir = volumeDir();
  writeVolumeFiles(dir, [file('a', 'A')]);
  const version = fs.readlinkSync(path.join(dir, '..data'));
  // "x" as a file and as a directory at once: writing x/y fails after x is written.
  assert.throws(() => writeVolumeFiles(dir, [file('x', 'file'), file('x/y', 'under')]), /could not write volume files into/);
  assert.equal(fs.readlinkSync(path.join(dir, '..data')), version);
  assert.deepEqual(versionDirs(dir), [version]);
  assert.equal(fs.readFileSync(path.join(dir, 'a'), 'utf8'), 'A');
});
