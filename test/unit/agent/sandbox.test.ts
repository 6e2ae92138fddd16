import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fstabPath, joinPodArgv, PAUSE_NETNS_MARK, PAUSE_READY_MARK, pauseArgv, pauseMountTable, rebindArgv } from '../../../src/agent/sandbox.js';
import { SETPRIV } from '../../../src/agent/security-context.js';

test('fstabPath writes spaces, tabs, newlines and backslashes as fstab(5) octal escapes', () => {
  const rows: [string, string][] = [
    ['/var/lib/podnet/pods/u1/resolv.conf', '/var/lib/podnet/pods/u1/resolv.conf'],
    ['/tmp/my dir/hosts', '/tmp/my\\040dir/hosts'],
    ['/a\tb', '/a\\011b'],
    ['/a\nb', '/a\\012b'],
    ['/a\\b', '/a\\134b'],
  ];
  for (const [raw, escaped] of rows) assert.equal(fstabPath(raw), escaped, JSON.stringify(raw));
});

test('the pause mount table mounts a sysfs of the pod\'s own network, then binds resolv.conf, hosts and each volume, in order (read-only ones with bind,ro)', () => {
  const table = pauseMountTable({ resolvConf: '/p/resolv.conf', hostsFile: '/p/hosts', mounts: [{ source: '/p/volumes/cache dir', target: '/cache' }, { source: '/p/volumes/config', target: '/etc/app', readOnly: true }] });
  assert.equal(table, [
    'podnet-sysfs /sys sysfs ro,nosuid,nodev,noexec 0 0',
    '/p/resolv.conf /etc/resolv.conf none bind 0 0',
    '/p/hosts /etc/hosts none bind 0 0',
    '/p/volumes/cache\\040dir /cache none bind 0 0',
    '/p/volumes/config /etc/app none bind,ro 0 0',
    '',
  ].join('\n'));
});

const hasFindmnt = spawnSync('findmnt', ['--version']).status === 0;

test('libmount reads the mount table back to the same paths (findmnt --tab-file; nothing is mounted)', { skip: !hasFindmnt && 'needs findmnt' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pn-fstab-'));
  try {
    const mounts = [{ source: '/p/vol with space', target: '/data' }, { source: '/p/back\\slash', target: '/x\ty' }];
    const file = path.join(dir, 'mounts.fstab');
    fs.writeFileSync(file, pauseMountTable({ resolvConf: '/p/resolv.conf', hostsFile: '/p/hosts', mounts }));
    const out = spawnSync('findmnt', ['--tab-file', file, '--json', '-o', 'SOURCE,TARGET,OPTIONS'], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    const rows = (JSON.parse(out.stdout) as { filesystems: { source: string; target: string; options: string }[] }).filesystems;
    assert.deepEqual(rows.map((r) => [r.source, r.target, r.options]), [
      ['podnet-sysfs', '/sys', 'ro,nosuid,nodev,noexec'],
      ['/p/resolv.conf', '/etc/resolv.conf', 'bind'],
      ['/p/hosts', '/etc/hosts', 'bind'],
      ['/p/vol with space', '/data', 'bind'],
      ['/p/back\\slash', '/x\ty', 'bind'],
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a pod pause creates its netns with unshare; the outside holder joins an existing one with nsenter', () => {
  const base = { netns: 'pn-c-pod-1', hostname: 'web-1', mountTable: '/p/mounts.fstab' };
  const create = pauseArgv({ ...base, createNetns: true });
  assert.deepEqual(create.slice(0, 7), ['unshare', '--net=/run/netns/pn-c-pod-1', '--uts', '--mount', '--propagation', 'private', '--']);
  const join = pauseArgv({ ...base, createNetns: false });
  assert.deepEqual(join.slice(0, 3), ['nsenter', '--net=/run/netns/pn-c-pod-1', '--']);
  for (const argv of [create, join]) {
    // inputs are positional arguments of a fixed script, never part of it
    assert.deepEqual(argv.slice(-3), ['pause', 'web-1', '/p/mounts.fstab']);
    assert.equal(argv[argv.length - 5], '-c');
  }
});

test('with a hold FIFO the pause script waits on it instead of exec\'ing sleep; the FIFO is a positional argument too', () => {
  const base = { netns: 'pn-c-pod-1', hostname: 'web-1', mountTable: '/p/mounts.fstab', createNetns: true };
  const hold = pauseArgv({ ...base, holdFifo: '/s/pause hold.fifo' });
  assert.deepEqual(hold.slice(-4), ['pause', 'web-1', '/p/mounts.fstab', '/s/pause hold.fifo']);
  const script = hold[hold.length - 5]!;
  assert.doesNotMatch(script, /sleep/);
  // opened before the ready mark: a missing FIFO fails the start
  assert.ok(script.indexOf('exec 3<>"$3"') < script.indexOf(PAUSE_READY_MARK));
  assert.match(pauseArgv(base)[pauseArgv(base).length - 4]!, /exec sleep infinity/);
});

test('both pause scripts say first that the netns is there (CNI ADD may start), and last that the pause is ready', () => {
  const base = { netns: 'pn-c-pod-1', hostname: 'web-1', mountTable: '/p/mounts.fstab', createNetns: true };
  for (const argv of [pauseArgv(base), pauseArgv({ ...base, holdFifo: '/s/f' })]) {
    const script = argv.find((a) => a.includes(PAUSE_READY_MARK))!;
    assert.ok(script.startsWith(`printf %s ${PAUSE_NETNS_MARK} >&2 && `), script);
    // the marks are spliced into the script: nothing the shell would read as syntax
    for (const mark of [PAUSE_NETNS_MARK, PAUSE_READY_MARK]) assert.match(mark, /^[a-z.-]+$/);
    assert.ok(script.indexOf(PAUSE_NETNS_MARK) < script.indexOf('mount --fstab'));
    assert.ok(script.indexOf('mount --fstab') < script.indexOf(PAUSE_READY_MARK));
  }
});

test('a pod with a root of its own: the mount table layers the machine\'s root, binds /dev and the listed paths, and mounts everything else inside it; the pause then changes its root', () => {
  const root = { upper: '/p/rootfs/upper', work: '/p/rootfs/work', merged: '/p/rootfs/merged', binds: ['/mnt/data dir'], hidden: ['/s/cluster'], readOnlyBinds: ['/s/cluster/api'] };
  const table = pauseMountTable({ resolvConf: '/p/resolv.conf', hostsFile: '/p/hosts', mounts: [{ source: '/p/volumes/cfg', target: '/etc/app', readOnly: true }], root });
  assert.equal(table, [
    'podnet-root /p/rootfs/merged overlay lowerdir=/,upperdir=/p/rootfs/upper,workdir=/p/rootfs/work 0 0',
    'podnet-proc /p/rootfs/merged/proc proc nosuid,nodev,noexec 0 0',
    '/dev /p/rootfs/merged/dev none rbind 0 0',
    'podnet-shm /p/rootfs/merged/dev/shm tmpfs nosuid,nodev,noexec,mode=1777 0 0',
    '/mnt/data\\040dir /p/rootfs/merged/mnt/data\\040dir none rbind,nofail 0 0',
    // the cluster's state shows empty but for the API server's socket directory, made in the empty tmpfs
    'podnet-hidden /p/rootfs/merged/s/cluster tmpfs nosuid,nodev,noexec,mode=0755,X-mount.mkdir 0 0',
    '/s/cluster/api /p/rootfs/merged/s/cluster/api none bind,ro,X-mount.mkdir 0 0',
    'podnet-sysfs /p/rootfs/merged/sys sysfs ro,nosuid,nodev,noexec 0 0',
    '/p/resolv.conf /p/rootfs/merged/etc/resolv.conf none bind 0 0',
    '/p/hosts /p/rootfs/merged/etc/hosts none bind 0 0',
    '/p/volumes/cfg /p/rootfs/merged/etc/app none bind,ro 0 0',
    '',
  ].join('\n'));
  assert.throws(() => pauseMountTable({ resolvConf: '/r', hostsFile: '/h', root: { ...root, upper: '/p/a,b' } }), /overlayfs options cannot hold/);
  const base = { netns: 'pn-c-pod-1', hostname: 'web-1', mountTable: '/p/mounts.fstab', createNetns: true, root };
  assert.deepEqual(pauseArgv({ ...base, holdFifo: '/s/f' }).slice(-5), ['pause', 'web-1', '/p/mounts.fstab', '/s/f', '/p/rootfs/merged']);
  assert.deepEqual(pauseArgv(base).slice(-5), ['pause', 'web-1', '/p/mounts.fstab', '', '/p/rootfs/merged']);
  for (const argv of [pauseArgv(base), pauseArgv({ ...base, holdFifo: '/s/f' })]) assert.match(argv.find((a) => a.includes(PAUSE_READY_MARK))!, /exec chroot "\$4" /);
});

test('joinPodArgv enters the pause\'s namespaces and root, and its working directory from inside the pod', () => {
  assert.deepEqual(joinPodArgv(42, ['true']), ['nsenter', '-t', '42', '--net', '--uts', '--mount', '--root', '--wd=/proc/42/root/', '--', 'true']);
  // a working directory is entered from inside the pod, so its links resolve in the pod's root
  assert.deepEqual(joinPodArgv(42, ['sh', '-c', 'pwd'], '/srv/site/').slice(9), ['sh', '-c', 'cd -P -- "$1" && unset PWD OLDPWD && shift && exec "$@"', 'podnet-workdir', '/srv/site', 'sh', '-c', 'pwd']);
  assert.equal(joinPodArgv(42, ['true'], '../../etc')[13], '/etc');
});

test('joinPodArgv with an identity: setpriv after nsenter, before the working directory\'s shell (entered as the user, as runc does)', () => {
  const identity = { uid: 1000, gid: 3000, groups: [3000, 2000], noNewPrivs: false };
  assert.deepEqual(joinPodArgv(42, ['id'], '/', identity).slice(9), [SETPRIV, '--reuid=1000', '--regid=3000', '--groups=3000,2000', '--', 'id']);
  assert.deepEqual(joinPodArgv(42, ['id'], '/srv', identity).slice(9, 16), [SETPRIV, '--reuid=1000', '--regid=3000', '--groups=3000,2000', '--', 'sh', '-c']);
});

test('rebindArgv binds again from the pause\'s mount namespace, at the target under the pod\'s root as that namespace sees it', () => {
  assert.deepEqual(rebindArgv(42, '/state/pods/u1/rootfs/merged', { source: '/state/pods/u1/volumes/cfg/..2026/app.conf', target: '/etc/app.conf', readOnly: true }),
    ['nsenter', '-t', '42', '--mount', '--', 'sh', '-c', 'umount --lazy "$1" 2>/dev/null; exec mount -o "bind,$3" "$2" "$1"', 'podnet-rebind', '/state/pods/u1/rootfs/merged/etc/app.conf', '/state/pods/u1/volumes/cfg/..2026/app.conf', 'ro']);
  assert.equal(rebindArgv(42, '/', { source: '/v/data/sub', target: '/data' }).slice(-3).join(' '), '/data /v/data/sub rw');
});

test('rebindArgv on a real mount namespace: a file bind whose source was replaced shows the new file, read-only, and nothing piles up', { skip: process.getuid?.() !== 0 ? 'needs root for mount namespaces' : false }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podnet-rebind-'));
  fs.writeFileSync(path.join(dir, 'v1'), 'one');
  fs.writeFileSync(path.join(dir, 'v2'), 'two');
  fs.writeFileSync(path.join(dir, 'target'), '');
  const holder = spawn('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount -o bind,ro "$1/v1" "$1/target" && echo ready && exec sleep 60', 'holder', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise((resolve) => holder.stdout!.once('data', resolve));
    const seen = path.join(`/proc/${holder.pid}/root`, dir, 'target');
    assert.equal(fs.readFileSync(seen, 'utf8'), 'one');
    fs.rmSync(path.join(dir, 'v1')); // as the atomic writer removes an old version
    for (let i = 0; i < 2; i++) {
      const argv = rebindArgv(holder.pid!, '/', { source: path.join(dir, 'v2'), target: path.join(dir, 'target'), readOnly: true });
      await new Promise<void>((resolve, reject) => spawn(argv[0]!, argv.slice(1), { stdio: 'inherit' }).on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`)))));
    }
    assert.equal(fs.readFileSync(seen, 'utf8'), 'two');
    const mounts = fs.readFileSync(`/proc/${holder.pid}/mountinfo`, 'utf8').split('\n').filter((l) => l.split(' ')[4] === path.join(dir, 'target'));
    assert.equal(mounts.length, 1, mounts.join('\n'));
    assert.match(mounts[0]!.split(' ')[5]!, /^ro\b/);
    assert.equal(fs.readFileSync(path.join(dir, 'target'), 'utf8'), '', 'the machine\'s own file is untouched');
  } finally {
    holder.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
