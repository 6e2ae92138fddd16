import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { canLayerPodRoots, ensureInPodRoot, freshPodRoot, onBoundFilesystem, podRootBinds, resolveInPodRoot } from '../../../src/agent/pod-root.js';
import { defaultRunner } from '../../../src/net/runner.js';

const MOUNTINFO = [
  '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '23 22 0:5 / /proc rw shared:2 - proc proc rw',
  '24 22 0:6 / /sys rw shared:3 - sysfs sysfs rw',
  '25 22 0:7 / /dev rw shared:4 - devtmpfs devtmpfs rw',
  '26 25 0:8 / /dev/pts rw shared:5 - devpts devpts rw',
  '27 22 0:9 / /tmp rw shared:6 - tmpfs tmpfs rw',
  '28 27 0:10 / /tmp/inner rw shared:7 - tmpfs tmpfs rw',
  '29 22 0:11 / /run/netns rw shared:8 - tmpfs tmpfs rw',
  '30 29 0:12 net:[4026532] /run/netns/pn-c-pod-1 rw shared:9 - nsfs nsfs rw',
  '31 22 0:13 / /mnt/my\\040data rw shared:10 - tmpfs tmpfs rw',
].join('\n');

test('the machine\'s filesystems bound into a pod: the topmost mount points but /, proc, sysfs, /dev, /run and /tmp (a pod\'s own)', () => {
  assert.deepEqual(podRootBinds(MOUNTINFO), ['/mnt/my data']);
  assert.deepEqual(podRootBinds(`${MOUNTINFO}\n40 22 0:20 / /var/lib/data rw - ext4 /dev/vdb rw\n41 40 0:21 / /var/lib/data/x rw - tmpfs t rw`), ['/mnt/my data', '/var/lib/data']);
});

test('a path in the pod\'s root: the machine\'s symbolic links in what exists, the rest as written', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'podnet-podroot-'));
  try {
    mkdirSync(path.join(dir, 'real'));
    symlinkSync(path.join(dir, 'real'), path.join(dir, 'link'));
    assert.equal(resolveInPodRoot(path.join(dir, 'link', 'a', 'b')), path.join(dir, 'real', 'a', 'b'));
    assert.equal(resolveInPodRoot('/nonexistent-podnet/x/../y'), '/nonexistent-podnet/y');
    assert.equal(onBoundFilesystem('/srv/a', { binds: ['/srv'] }), true);
    assert.equal(onBoundFilesystem('/srvx/a', { binds: ['/srv'] }), false);
    assert.equal(onBoundFilesystem('/s/cluster/x', { binds: [], readOnlyBinds: ['/s/cluster'] }), true);
    // the kernel's filesystems: nothing can be made there by the pod's layer
    assert.equal(onBoundFilesystem('/dev/shm/x', { binds: [] }), true);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a mount point the machine lacks, or has as the other kind, is made in the pod\'s writable layer; the machine is left as it is', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'podnet-podroot-'));
  try {
    const root = freshPodRoot(dir, []);
    const machineFile = path.join(dir, 'machine-file');
    writeFileSync(machineFile, 'x');
    ensureInPodRoot(root.upper, '/nonexistent-podnet/data', true);
    assert.ok(statSync(path.join(root.upper, 'nonexistent-podnet', 'data')).isDirectory());
    ensureInPodRoot(root.upper, '/nonexistent-podnet/app.conf', false);
    assert.ok(statSync(path.join(root.upper, 'nonexistent-podnet', 'app.conf')).isFile());
    ensureInPodRoot(root.upper, machineFile, true);
    assert.ok(statSync(path.join(root.upper, machineFile)).isDirectory());
    assert.equal(readFileSync(machineFile, 'utf8'), 'x');
    ensureInPodRoot(root.upper, '/etc', true); // there already, as a directory: nothing made
    assert.equal(existsSync(path.join(root.upper, 'etc')), false);
    assert.equal(existsSync('/nonexistent-podnet'), false);
    // made afresh: an empty layer
    const again = freshPodRoot(dir, []);
    assert.equal(existsSync(path.join(again.upper, 'nonexistent-podnet')), false);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('the parents of a mount point made in the pod\'s layer keep the machine\'s mode and owner: a volume under /tmp leaves /tmp 1777', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'podnet-podroot-'));
  try {
    const root = freshPodRoot(dir, []);
    const shared = path.join(dir, 'machine-tmp');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    chownSync(shared, 1234, 5678);
    ensureInPodRoot(root.upper, path.join(shared, 'cache', 'data'), true);
    const copy = statSync(path.join(root.upper, shared));
    assert.equal((copy.mode & 0o7777).toString(8), '1777');
    assert.deepEqual([copy.uid, copy.gid], [1234, 5678]);
    // what the machine lacks is the pod's own, 0755 root's
    const made = statSync(path.join(root.upper, shared, 'cache'));
    assert.equal((made.mode & 0o7777).toString(8), '755');
    assert.deepEqual([made.uid, made.gid], [0, 0]);
    // the machine's own directory is left as it was
    assert.equal(existsSync(path.join(shared, 'cache')), false);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('the check that an overlay of / can be layered: a real mount in a throwaway namespace; a refusal comes back with its reason and leaves nothing', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'podnet-podroot-'));
  try {
    const real = await canLayerPodRoots(defaultRunner, dir);
    assert.deepEqual(real, { ok: true }); // this machine's root is ext4
    const refusing = { run: async () => ({ code: 32, stdout: '', stderr: 'mount: wrong fs type\n' }) };
    assert.deepEqual(await canLayerPodRoots(refusing, dir), { ok: false, reason: `the filesystem of ${dir} cannot hold an overlay's writable layer over / (mount: wrong fs type)` });
    assert.deepEqual(readdirSync(dir), []);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
