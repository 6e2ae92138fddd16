import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IpamStore, OWNERLESS_GRACE_MS } from '../../../src/cni/ipam-store.js';
import { buildRange } from '../../../src/cni/ipam-range.js';
import { withFileLock } from '../../../src/cni/file-lock.js';
import { CniError } from '../../../src/errors.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pn-cni-ipam-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

test('allocate: host-local file layout, round robin, duplicate refused, exhaustion code 50', () => {
  const store = IpamStore.forNetwork(root, 'net29');
  const range = buildRange({ subnet: '10.0.0.0/29' });
  assert.equal(store.allocate(range, 'c1', 'eth0'), '10.0.0.2');
  assert.equal(fs.readFileSync(path.join(store.dir, '10.0.0.2'), 'utf8'), 'c1\r\neth0');
  assert.equal(fs.readFileSync(path.join(store.dir, 'last_reserved_ip.0'), 'utf8'), '10.0.0.2');
  assert.throws(() => store.allocate(range, 'c1', 'eth0'), (e: unknown) => e instanceof CniError && e.cniCode === 100);
  assert.equal(store.allocate(range, 'c1', 'eth1'), '10.0.0.3');
  assert.deepEqual(store.release('c1', 'eth0'), ['10.0.0.2']);
  assert.deepEqual(store.release('c1', 'eth0'), []);
  // round robin: the freed .2 comes back only after .4-.6
  assert.deepEqual(['c2', 'c3', 'c4', 'c5'].map((c) => store.allocate(range, c, 'eth0')), ['10.0.0.4', '10.0.0.5', '10.0.0.6', '10.0.0.2']);
  assert.throws(() => store.allocate(range, 'c6', 'eth0'),
    (e: unknown) => e instanceof CniError && e.cniCode === 50 && e.msg === 'no IP addresses available in range set: 10.0.0.1-10.0.0.6');
  assert.deepEqual(store.releaseUnless((a) => a.containerId === 'c2').map((a) => a.ip).sort(), ['10.0.0.2', '10.0.0.3', '10.0.0.5', '10.0.0.6']);
  assert.deepEqual(store.list(), [{ ip: '10.0.0.4', containerId: 'c2', ifName: 'eth0' }]);
  assert.equal(fs.existsSync(path.join(store.dir, 'podnet.lock')), false, 'lock released');
});

test('release on a store that was never used is a no-op', () => {
  assert.deepEqual(IpamStore.forNetwork(root, 'never').release('x', 'eth0'), []);
});

test('file lock: a lock left by a dead process is broken; a live one times out', () => {
  const lock = path.join(root, 'stale.lock');
  fs.writeFileSync(lock, '999999999:dead'); // no such pid
  assert.equal(withFileLock(lock, 1000, () => 'got it'), 'got it');
  assert.equal(fs.existsSync(lock), false);
  fs.writeFileSync(lock, `${process.pid}:alive`);
  assert.throws(() => withFileLock(lock, 50, () => 'never'), /timed out waiting for lock/);
  fs.rmSync(lock);
});

test('allocate killed mid-write leaves no ownerless address file (was: empty file held forever)', () => {
  const store = IpamStore.forNetwork(root, 'crash');
  const range = buildRange({ subnet: '10.0.1.0/29' });
  // The process dies inside its first write to the store: writeFileSync has
  // opened (created) the file and written nothing (a kill -9 between open and write).
  const realWriteFileSync = fs.writeFileSync;
  fs.writeFileSync = ((file: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
    if (typeof file === 'string' && path.dirname(file) === store.dir) {
      fs.closeSync(fs.openSync(file, 'wx'));
      throw new Error('killed between open and write');
    }
    return (realWriteFileSync as (...a: unknown[]) => void)(file, ...rest);
  }) as typeof fs.writeFileSync;
  try {
    assert.throws(() => store.allocate(range, 'c1', 'eth0'), /killed/);
  } finally {
    fs.writeFileSync = realWriteFileSync;
  }
  const ipFiles = fs.readdirSync(store.dir).filter((n) => /^10\./.test(n));
  assert.deepEqual(ipFiles, [], 'no address file without its owner');
  assert.equal(store.allocate(range, 'c2', 'eth0'), '10.0.1.2', 'the address was not lost');
});

test('GC frees an ownerless address file only once no allocation can still be writing it, and removes temporary files', () => {
  const store = IpamStore.forNetwork(root, 'ownerless');
  const range = buildRange({ subnet: '10.0.2.0/29' });
  assert.equal(store.allocate(range, 'live', 'eth0'), '10.0.2.2');
  fs.writeFileSync(path.join(store.dir, '10.0.2.3'), ''); // host-local (or podnet before) killed between open and write
  fs.writeFileSync(path.join(store.dir, '.10.0.2.4.999999.tmp'), 'dead\r\neth0'); // killed before the link
  const keep = () => true;
  assert.deepEqual(store.releaseUnless(keep), [], 'a fresh empty file may still be being written');
  assert.equal(fs.existsSync(path.join(store.dir, '.10.0.2.4.999999.tmp')), false, 'temporary file removed');
  const later = Date.now() + OWNERLESS_GRACE_MS + 1_000;
  assert.deepEqual(store.releaseUnless(keep, later).map((a) => a.ip), ['10.0.2.3']);
  assert.deepEqual(store.list(), [{ ip: '10.0.2.2', containerId: 'live', ifName: 'eth0' }]);
});
