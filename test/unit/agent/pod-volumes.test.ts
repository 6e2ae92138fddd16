import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Pod, Volume } from '../../../src/api/types.js';
import { FailedMount, podReferences, PodVolumes, volumeSource } from '../../../src/agent/pod-volumes.js';
import type { VolumeSources } from '../../../src/agent/volume-files.js';

/** a scratch tree: the pod's volumes, the claims, and mount points standing in for the machine's paths */
function scratch() {
  const root = mkdtempSync(path.join(tmpdir(), 'podnet-podvolumes-'));
  const mnt = (p: string, file = false) => {
    const full = path.join(root, 'machine', p);
    if (file) { mkdirSync(path.dirname(full), { recursive: true }); writeFileSync(full, ''); } else mkdirSync(full, { recursive: true });
    return full;
  };
  const claims = new Map<string, PersistentVolumeClaim>();
  const pvs = new Map<string, PersistentVolume>();
  /** a Bound claim of namespace ns and its volume (a hostPath under root/claims, made on mount, unless `source` says otherwise) */
  const bind = (name: string, source: Record<string, unknown> = { hostPath: { path: path.join(root, 'claims', 'ns', name), type: 'DirectoryOrCreate' } }, phase: 'Bound' | 'Pending' = 'Bound') => {
    claims.set(`ns/${name}`, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'ns' }, spec: { volumeName: `pv-${name}` }, status: { phase } });
    pvs.set(`pv-${name}`, { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `pv-${name}` }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], ...source } });
  };
  const volumes = new PodVolumes({ podVolumes: path.join(root, 'pod', 'volumes'), claims: { claim: (ns, name) => claims.get(`${ns}/${name}`), volume: (name) => pvs.get(name) } });
  return { root, mnt, volumes, bind, done: () => rmSync(root, { recursive: true, force: true }) };
}

function pod(volumes: Volume[], mounts: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[][]): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'u1', labels: { app: 'a' } },
    spec: { volumes, containers: mounts.map((m, i) => ({ name: `c${i}`, image: 'none', volumeMounts: m })) },
  };
}

const configMaps = new Map<string, ConfigMap>();
const sources: VolumeSources = {
  configMap: (ns, name) => configMaps.get(`${ns}/${name}`),
  secret: () => undefined,
  resource: () => undefined,
};
configMaps.set('ns/cfg', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'ns' }, data: { 'a.conf': 'one\n' } });

test('each volume gets its directory: a pod volume, a claim of the cluster, a hostPath as it is; projected ones read-only', () => {
  const s = scratch();
  try {
    s.bind('data-web-0');
    const host = s.mnt('host-data');
    const p = pod([
      { name: 'scratch', emptyDir: {} },
      { name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } },
      { name: 'host', hostPath: { path: host } },
      { name: 'cfg', configMap: { name: 'cfg' } },
    ], [[
      { name: 'scratch', mountPath: s.mnt('scratch') },
      { name: 'data', mountPath: s.mnt('data') },
      { name: 'host', mountPath: s.mnt('host'), readOnly: true },
      { name: 'cfg', mountPath: s.mnt('etc/app') },
    ]]);
    const { mounts, warnings } = s.volumes.prepare(p, sources);
    assert.deepEqual(warnings, []);
    const by = new Map(mounts.map((m) => [path.relative(path.join(s.root, 'machine'), m.target), m]));
    assert.equal(by.get('scratch')!.source, path.join(s.root, 'pod', 'volumes', 'scratch'));
    assert.equal(by.get('data')!.source, path.join(s.root, 'claims', 'ns', 'data-web-0'));
    assert.ok(statSync(by.get('data')!.source).isDirectory());
    assert.deepEqual(by.get('host'), { source: host, target: path.join(s.root, 'machine', 'host'), readOnly: true });
    assert.equal(by.get('etc/app')!.readOnly, true);
    assert.equal(readFileSync(path.join(by.get('etc/app')!.source, 'a.conf'), 'utf8'), 'one\n');
  } finally { s.done(); }
});

test('a mount inside another mount point comes after it, its mount point made in the parent volume; a second volume on a taken path is a warning, not a mount', () => {
  const s = scratch();
  try {
    const srv = s.mnt('srv');
    const p = pod([{ name: 'outer', emptyDir: {} }, { name: 'inner', emptyDir: {} }, { name: 'other', emptyDir: {} }], [
      [{ name: 'inner', mountPath: path.join(srv, 'inner') }, { name: 'outer', mountPath: srv }],
      [{ name: 'other', mountPath: srv }],
    ]);
    const { mounts, warnings } = s.volumes.prepare(p, sources);
    assert.deepEqual(mounts.map((m) => path.basename(m.source)), ['outer', 'inner']);
    // inside the pod, srv/inner is a path in the outer volume (the machine's srv/inner need not exist)
    assert.ok(statSync(path.join(mounts[0]!.source, 'inner')).isDirectory());
    assert.equal(existsSync(path.join(srv, 'inner')), false);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]![1], /^c1's volume "other" is not mounted at .*\/srv: podnet's containers share one mount namespace, and c0's volume "outer" is mounted there$/);
  } finally { s.done(); }
});

test('subPath: made as a directory in a writable volume, must exist in a projected one, never outside the volume', () => {
  const s = scratch();
  try {
    const ok = pod([{ name: 'scratch', emptyDir: {} }, { name: 'cfg', configMap: { name: 'cfg' } }], [[
      { name: 'scratch', mountPath: s.mnt('cache'), subPath: 'sub/dir' },
      { name: 'cfg', mountPath: s.mnt('a.conf', true), subPath: 'a.conf' },
    ]]);
    const { mounts } = s.volumes.prepare(ok, sources);
    assert.ok(statSync(mounts.find((m) => m.target.endsWith('cache'))!.source).isDirectory());
    const missing = pod([{ name: 'cfg', configMap: { name: 'cfg' } }], [[{ name: 'cfg', mountPath: s.mnt('b'), subPath: 'b.conf' }]]);
    assert.throws(() => s.volumes.prepare(missing, sources), { message: 'MountVolume.SetUp failed for volume "cfg" : subPath "b.conf" does not exist in the volume' });
    const escape = pod([{ name: 'scratch', emptyDir: {} }], [[{ name: 'scratch', mountPath: s.mnt('c'), subPath: '../../x' }]]);
    assert.throws(() => s.volumes.prepare(escape, sources), FailedMount);
  } finally { s.done(); }
});

test('a mount point inside a read-only volume must be in it: a FailedMount that says so', () => {
  const s = scratch();
  try {
    const app = s.mnt('etc/app');
    const p = pod([{ name: 'cfg', configMap: { name: 'cfg' } }, { name: 'tls', emptyDir: {} }], [[
      { name: 'cfg', mountPath: app }, { name: 'tls', mountPath: path.join(app, 'tls') },
    ]]);
    assert.throws(() => s.volumes.prepare(p, sources), { message: `MountVolume.SetUp failed for volume "tls" : cannot mount it at ${path.join(app, 'tls')} in container c0: that path is inside a read-only volume mounted at ${app}, which does not have it` });
  } finally { s.done(); }
});

test('a claim mounts the volume it is bound to: missing or unbound is a FailedMount; a volume type podnet has no storage for is a scratch directory with a warning; readOnly binds it read-only', () => {
  const s = scratch();
  try {
    const mounting = (claimName: string, readOnly = false) => pod([{ name: 'data', persistentVolumeClaim: { claimName, ...(readOnly ? { readOnly } : {}) } }], [[{ name: 'data', mountPath: s.mnt('data') }]]);
    assert.throws(() => s.volumes.prepare(mounting('../../pods'), sources), { message: 'MountVolume.SetUp failed for volume "data" : error processing PVC ns/../../pods: persistentvolumeclaim "../../pods" not found' });
    s.bind('waiting', undefined, 'Pending');
    assert.throws(() => s.volumes.prepare(mounting('waiting'), sources), { message: 'MountVolume.SetUp failed for volume "data" : error processing PVC ns/waiting: PVC is not bound' });
    s.bind('data-0');
    const ro = s.volumes.prepare(mounting('data-0', true), sources).mounts[0]!;
    assert.deepEqual([ro.source, ro.readOnly], [path.join(s.root, 'claims', 'ns', 'data-0'), true]);
    // a local volume's path must be there, as a directory
    s.bind('local', { local: { path: path.join(s.root, 'no-such-disk') } });
    assert.throws(() => s.volumes.prepare(mounting('local'), sources), { message: `MountVolume.SetUp failed for volume "data" : hostPath type check failed: ${path.join(s.root, 'no-such-disk')} is not a directory` });
    s.bind('nfs', { nfs: { server: 'nfs.example', path: '/exports' } });
    const nfs = s.volumes.prepare(mounting('nfs'), sources);
    assert.equal(nfs.mounts[0]!.source, path.join(s.root, 'pod', 'volumes', 'data'));
    assert.deepEqual(nfs.warnings, [['UnsupportedVolume', 'volume "data" mounts claim nfs, bound to PersistentVolume pv-nfs of type nfs, which podnet has no storage for: it is an empty directory that lives as long as the pod']]);
  } finally { s.done(); }
});

test('subPath never follows a link the container left in its volume; a name starting with .. is fine', () => {
  const s = scratch();
  try {
    const outside = path.join(s.root, 'outside');
    mkdirSync(outside);
    mkdirSync(path.join(s.root, 'pod', 'volumes', 'scratch'), { recursive: true });
    symlinkSync(outside, path.join(s.root, 'pod', 'volumes', 'scratch', 'evil'));
    const p = pod([{ name: 'scratch', emptyDir: {} }], [[{ name: 'scratch', mountPath: s.mnt('x'), subPath: 'evil/made' }]]);
    assert.throws(() => s.volumes.prepare(p, sources), { message: 'MountVolume.SetUp failed for volume "scratch" : subPath "evil/made" goes through a symbolic link (evil), which podnet does not follow' });
    assert.equal(existsSync(path.join(outside, 'made')), false);
    // a file on the way is a clear FailedMount, also when it has the last element's name
    writeFileSync(path.join(s.root, 'pod', 'volumes', 'scratch', 'a'), 'x');
    const throughFile = pod([{ name: 'scratch', emptyDir: {} }], [[{ name: 'scratch', mountPath: s.mnt('z'), subPath: 'a/a' }]]);
    assert.throws(() => s.volumes.prepare(throughFile, sources), { message: 'MountVolume.SetUp failed for volume "scratch" : subPath "a/a" is not a directory path in the volume' });
    const dots = pod([{ name: 'scratch', emptyDir: {} }], [[{ name: 'scratch', mountPath: s.mnt('y'), subPath: '..foo' }]]);
    assert.equal(path.basename(s.volumes.prepare(dots, sources).mounts[0]!.source), '..foo');
  } finally { s.done(); }
});

test('a mount point the machine lacks, or of the other type, is a FailedMount with the reason', () => {
  const s = scratch();
  try {
    const absent = pod([{ name: 'scratch', emptyDir: {} }], [[{ name: 'scratch', mountPath: path.join(s.root, 'nope') }]]);
    assert.throws(() => s.volumes.prepare(absent, sources), { message: `MountVolume.SetUp failed for volume "scratch" : cannot mount it at ${path.join(s.root, 'nope')} in container c0: that path is on a filesystem the pod shares with the machine, where a mountPath must exist` });
    const file = pod([{ name: 'scratch', emptyDir: {} }], [[{ name: 'scratch', mountPath: s.mnt('f', true) }]]);
    assert.throws(() => s.volumes.prepare(file, sources), /cannot mount a directory at .*\/f in container c0: it is not a directory on the machine/);
  } finally { s.done(); }
});

test('hostPath types are checked as the kubelet checks them; the OrCreate types make what is missing', () => {
  const s = scratch();
  try {
    const dir = path.join(s.root, 'made');
    const p = pod([{ name: 'h', hostPath: { path: dir, type: 'DirectoryOrCreate' } }], [[{ name: 'h', mountPath: s.mnt('h') }]]);
    s.volumes.prepare(p, sources);
    assert.ok(statSync(dir).isDirectory());
    const wrong = pod([{ name: 'h', hostPath: { path: dir, type: 'File' } }], [[{ name: 'h', mountPath: s.mnt('h') }]]);
    assert.throws(() => s.volumes.prepare(wrong, sources), { message: `MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${dir} is not a file` });
    const absent = pod([{ name: 'h', hostPath: { path: path.join(s.root, 'absent') } }], [[{ name: 'h', mountPath: s.mnt('h') }]]);
    assert.throws(() => s.volumes.prepare(absent, sources), { message: `MountVolume.SetUp failed for volume "h" : hostPath ${path.join(s.root, 'absent')} does not exist on the machine` });
  } finally { s.done(); }
});

test('a source podnet has no storage for is a scratch directory, with a warning that says so', () => {
  const s = scratch();
  try {
    const p = pod([{ name: 'shared', nfs: { server: 'nfs.example', path: '/' } }], [[{ name: 'shared', mountPath: s.mnt('shared') }]]);
    const { mounts, warnings } = s.volumes.prepare(p, sources);
    assert.equal(mounts[0]!.source, path.join(s.root, 'pod', 'volumes', 'shared'));
    assert.deepEqual(warnings, [['UnsupportedVolume', 'volume "shared" is a nfs volume, which podnet has no storage for: it is an empty directory that lives as long as the pod']]);
    assert.equal(volumeSource({ name: 'x', csi: { driver: 'd' } }), 'csi');
  } finally { s.done(); }
});

test('refresh rewrites a projected volume only when its files changed, and keeps them when the ConfigMap is gone', () => {
  const s = scratch();
  try {
    const p = pod([{ name: 'cfg', configMap: { name: 'live' } }], [[{ name: 'cfg', mountPath: s.mnt('cfg') }]]);
    configMaps.set('ns/live', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'live', namespace: 'ns' }, data: { k: 'v1' } });
    const { mounts } = s.volumes.prepare(p, sources);
    const file = path.join(mounts[0]!.source, 'k');
    assert.deepEqual(s.volumes.refresh(p, sources), []);
    configMaps.set('ns/live', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'live', namespace: 'ns' }, data: { k: 'v2' } });
    assert.deepEqual(s.volumes.refresh(p, sources), []);
    assert.equal(readFileSync(file, 'utf8'), 'v2');
    configMaps.delete('ns/live');
    assert.deepEqual(s.volumes.refresh(p, sources), ['MountVolume.SetUp failed for volume "cfg" : configmap "live" not found']);
    assert.equal(readFileSync(file, 'utf8'), 'v2');
  } finally { s.done(); }
});

test('podReferences: volumes, projected sources, env and envFrom of every container', () => {
  const p = pod([{ name: 'a', projected: { sources: [{ secret: { name: 's1' } }] } }], [[]]);
  p.spec.initContainers = [{ name: 'i', image: 'none', envFrom: [{ configMapRef: { name: 'c1' } }] }];
  p.spec.containers[0]!.env = [{ name: 'X', valueFrom: { secretKeyRef: { name: 's2', key: 'k' } } }];
  assert.equal(podReferences(p, 'secret', 's1'), true);
  assert.equal(podReferences(p, 'configMap', 'c1'), true);
  assert.equal(podReferences(p, 'secret', 's2'), true);
  assert.equal(podReferences(p, 'configMap', 's1'), false);
  assert.equal(podReferences(p, 'secret', 'c1'), false);
});

/** the pod of `pod()` with a pod-level securityContext */
function withSecurity(p: Pod, securityContext: Record<string, unknown>): Pod {
  return { ...p, spec: { ...p.spec, securityContext } };
}

const ownership = (p: string) => { const st = statSync(p); return `${st.gid} ${(st.mode & 0o7777).toString(8)}`; };
const asRoot = { skip: process.getuid?.() !== 0 ? 'needs root to change a file\'s group' : false };

test('fsGroup: an emptyDir and a projected volume go to the group (read-only ones get group read), a subPath directory made later takes the volume root\'s mode', asRoot, () => {
  const s = scratch();
  try {
    configMaps.set('ns/owned', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owned', namespace: 'ns' }, data: { k: 'v1' } });
    const p = withSecurity(pod([{ name: 'scratch', emptyDir: {} }, { name: 'cfg', configMap: { name: 'owned', defaultMode: 0o400 } }], [[
      { name: 'scratch', mountPath: s.mnt('scratch') },
      { name: 'scratch', mountPath: s.mnt('cache'), subPath: 'made/here' },
      { name: 'cfg', mountPath: s.mnt('cfg') },
    ]]), { fsGroup: 2000 });
    const { mounts } = s.volumes.prepare(p, sources);
    const scratchDir = path.join(s.root, 'pod', 'volumes', 'scratch');
    assert.equal(ownership(scratchDir), '2000 2777');
    // the kubelet makes a missing subPath with the volume root's mode: a group member may write there
    assert.equal(ownership(path.join(scratchDir, 'made')), '2000 2777');
    assert.equal(ownership(path.join(scratchDir, 'made', 'here')), '2000 2777');
    const cfg = mounts.find((m) => m.target.endsWith('cfg'))!.source;
    assert.equal(ownership(path.join(cfg, 'k')), '2000 440');
    assert.equal(ownership(cfg), '2000 2755');
    // a rewrite gives the new version to the group before it shows
    configMaps.set('ns/owned', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owned', namespace: 'ns' }, data: { k: 'v2' } });
    assert.deepEqual(s.volumes.refresh(p, sources), []);
    assert.equal(readFileSync(path.join(cfg, 'k'), 'utf8'), 'v2');
    assert.equal(ownership(path.join(cfg, 'k')), '2000 440');
  } finally { s.done(); }
});

test('without fsGroup a subPath directory still takes the volume root\'s mode (an emptyDir: 0777)', () => {
  const s = scratch();
  try {
    const p = pod([{ name: 'scratch', emptyDir: {} }], [[{ name: 'scratch', mountPath: s.mnt('cache'), subPath: 'a/b' }]]);
    s.volumes.prepare(p, sources);
    assert.equal((statSync(path.join(s.root, 'pod', 'volumes', 'scratch', 'a', 'b')).mode & 0o7777).toString(8), '777');
  } finally { s.done(); }
});

test('fsGroup on claims: a local volume the pod may write goes to the group; a hostPath one, or one mounted read-only, is left as it is', asRoot, () => {
  const s = scratch();
  try {
    const disk = s.mnt('disk');
    chmodSync(disk, 0o755);
    s.bind('local', { local: { path: disk } });
    s.bind('host');
    const mounting = (claimName: string, readOnly = false) => withSecurity(pod([{ name: 'data', persistentVolumeClaim: { claimName, ...(readOnly ? { readOnly } : {}) } }], [[{ name: 'data', mountPath: s.mnt('data') }]]), { fsGroup: 2000 });
    s.volumes.prepare(mounting('local', true), sources);
    assert.equal(ownership(disk), '0 755');
    s.volumes.prepare(mounting('local'), sources);
    assert.equal(ownership(disk), '2000 2775');
    s.volumes.prepare(mounting('host'), sources);
    assert.equal(ownership(path.join(s.root, 'claims', 'ns', 'host')), '0 755');
  } finally { s.done(); }
});

test('subPathMounts: a container\'s subPath binds as they are now (a changed ConfigMap key resolves to its new version), not another container\'s, nor one with a mount inside', () => {
  const s = scratch();
  try {
    configMaps.set('ns/keys', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keys', namespace: 'ns' }, data: { 'app.conf': 'one' } });
    const etc = s.mnt('etc');
    s.mnt('etc/nested');
    const p = pod([{ name: 'cfg', configMap: { name: 'keys' } }, { name: 'scratch', emptyDir: {} }, { name: 'inner', emptyDir: {} }], [
      [
        { name: 'cfg', mountPath: s.mnt('app.conf', true), subPath: 'app.conf' },
        { name: 'scratch', mountPath: path.join(etc, 'nested'), subPath: 'dir' },
        { name: 'inner', mountPath: path.join(etc, 'nested', 'inner') },
      ],
      [
        { name: 'cfg', mountPath: s.mnt('app.conf', true), subPath: 'app.conf' },
        { name: 'scratch', mountPath: s.mnt('other'), subPath: 'other' },
      ],
    ]);
    const { mounts } = s.volumes.prepare(p, sources);
    const before = mounts.find((m) => m.target.endsWith('app.conf'))!;
    configMaps.set('ns/keys', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keys', namespace: 'ns' }, data: { 'app.conf': 'two' } });
    s.volumes.refresh(p, sources);
    assert.equal(existsSync(before.source), false, 'the old version is gone');
    const now = s.volumes.subPathMounts(p, 'c0', false);
    assert.equal(now.length, 1);
    assert.equal(now[0]!.target, before.target);
    assert.equal(now[0]!.readOnly, true);
    assert.equal(readFileSync(now[0]!.source, 'utf8'), 'two');
    // c1 shares the same mount point (same volume and subPath): it is its mount too
    assert.deepEqual(s.volumes.subPathMounts(p, 'c1', false).map((m) => path.basename(m.target)).sort(), ['app.conf', 'other']);
    assert.deepEqual(s.volumes.subPathMounts(p, 'none', false), []);
  } finally { s.done(); }
});

test('subPathMounts after an agent restart (a PodVolumes that never prepared): a claim\'s subPath is found in its volume; a subPath gone from a ConfigMap is a FailedMount', () => {
  const s = scratch();
  try {
    s.bind('data-0');
    mkdirSync(path.join(s.root, 'claims', 'ns', 'data-0'), { recursive: true });
    configMaps.set('ns/gone', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gone', namespace: 'ns' }, data: { 'a.conf': 'x' } });
    const p = pod([{ name: 'data', persistentVolumeClaim: { claimName: 'data-0' } }, { name: 'cfg', configMap: { name: 'gone' } }], [[
      { name: 'data', mountPath: s.mnt('data'), subPath: 'pgdata' },
      { name: 'cfg', mountPath: s.mnt('a.conf', true), subPath: 'a.conf' },
    ]]);
    s.volumes.prepare(p, sources);
    const fresh = new PodVolumes({ podVolumes: path.join(s.root, 'pod', 'volumes'), claims: { claim: (ns, name) => (ns === 'ns' && name === 'data-0' ? { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { volumeName: 'pv-data-0' }, status: { phase: 'Bound' } } : undefined), volume: () => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-data-0' }, spec: { hostPath: { path: path.join(s.root, 'claims', 'ns', 'data-0') } } }) } });
    assert.equal(fresh.subPathMounts(p, 'c0', false).find((m) => m.target.endsWith('data'))!.source, path.join(s.root, 'claims', 'ns', 'data-0', 'pgdata'));
    configMaps.set('ns/gone', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gone', namespace: 'ns' }, data: { 'b.conf': 'y' } });
    s.volumes.refresh(p, sources);
    assert.throws(() => s.volumes.subPathMounts(p, 'c0', false), { message: 'MountVolume.SetUp failed for volume "cfg" : subPath "a.conf" does not exist in the volume' });
  } finally { s.done(); }
});
