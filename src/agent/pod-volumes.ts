// A pod's volumes on the node: each volume a directory (or, for hostPath, a
// path of the machine), and each container's volumeMounts the binds the
// pause makes in the pod's mount namespace (sandbox.ts). configMap, secret,
// downwardAPI and projected volumes are written with the kubelet's atomic
// layout (atomic-writer.ts) and rewritten in place when what they project
// changes, so a running pod sees the new files without a restart, as
// upstream. A persistentVolumeClaim mounts the PersistentVolume it is bound
// to: its hostPath or local path (podnet's provisioner makes a directory of
// the cluster per claim, as kind's local-path does on its node); a volume of
// another type, like other sources, has no storage here and gets a scratch
// directory, with a warning. With a pod fsGroup, the volumes whose ownership
// the kubelet manages are given to that group (volume-ownership.ts): emptyDir,
// the four projected kinds, and a claim bound to a local volume.

import { chmodSync, closeSync, constants, lstatSync, mkdirSync, openSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { Container, PersistentVolume, PersistentVolumeClaim, Pod, Volume, VolumeMount } from '../api/types.js';
import { writeVolumeFiles } from './atomic-writer.js';
import type { PauseMount, PodRoot } from './sandbox.js';
import { ensureInPodRoot, onBoundFilesystem, resolveInPodRoot } from './pod-root.js';
import { isProjectedVolume, projectVolume, type VolumeFile, type VolumeSources } from './volume-files.js';
import { podContainer } from '../api/pod-helpers.js';
import { podFsGroup } from './security-context.js';
import { ownedMode, setVolumeOwnership } from './volume-ownership.js';

/** what volume setup needs of the pod's root: its writable layer, and what of the machine is bound in */
export type PodRootLayer = Pick<PodRoot, 'upper' | 'binds' | 'hidden' | 'readOnlyBinds'>;

/** A volume the kubelet could not set up: the pod waits in ContainerCreating and it is tried again. */
export class FailedMount extends Error {
  constructor(message: string) { super(message); }
}

/** the kubelet's FailedMount text */
function setUpFailed(volume: string, reason: string): FailedMount {
  return new FailedMount(`MountVolume.SetUp failed for volume "${volume}" : ${reason}`);
}

const KNOWN_LOCAL = new Set(['emptyDir', 'hostPath', 'persistentVolumeClaim', 'configMap', 'secret', 'downwardAPI', 'projected']);

/** the volume's source field: emptyDir, configMap, persistentVolumeClaim, … */
export function volumeSource(v: Volume): string {
  return Object.keys(v).find((k) => k !== 'name' && v[k] !== undefined && v[k] !== null) ?? 'emptyDir';
}

/** Every ConfigMap and Secret the pod reads, in volumes or in its containers' environment, each once. */
export function referencedConfig(pod: Pod): { kind: 'configMap' | 'secret'; name: string }[] {
  const seen = new Map<string, { kind: 'configMap' | 'secret'; name: string }>();
  const add = (kind: 'configMap' | 'secret', name: string | undefined) => { if (name) seen.set(`${kind}/${name}`, { kind, name }); };
  for (const v of pod.spec.volumes ?? []) {
    add('configMap', v.configMap?.name);
    add('secret', v.secret?.secretName);
    for (const s of v.projected?.sources ?? []) { add('configMap', s.configMap?.name); add('secret', s.secret?.name); }
  }
  for (const c of [...pod.spec.initContainers ?? [], ...pod.spec.containers]) {
    for (const e of c.env ?? []) { add('configMap', e.valueFrom?.configMapKeyRef?.name); add('secret', e.valueFrom?.secretKeyRef?.name); }
    for (const f of c.envFrom ?? []) { add('configMap', f.configMapRef?.name); add('secret', f.secretRef?.name); }
  }
  return [...seen.values()];
}

/** Does the pod read this ConfigMap or Secret, in a volume or in its containers' environment? */
export function podReferences(pod: Pod, kind: 'configMap' | 'secret', name: string): boolean {
  return referencedConfig(pod).some((r) => r.kind === kind && r.name === name);
}

/** What to do about the types of hostPath (pkg/volume/hostpath's checks), with the kubelet's words; a path of no type must exist. */
function checkHostPath(p: string, type: string): void {
  const stat = (): Stats | undefined => { try { return statSync(p); } catch { return undefined; } };
  let s = stat();
  if (!s && type === 'DirectoryOrCreate') { mkdirSync(p, { recursive: true, mode: 0o755 }); s = stat(); }
  if (!s && type === 'FileOrCreate') { closeSync(openSync(p, 'a', 0o644)); s = stat(); }
  const fail = (what: string) => { throw new Error(`hostPath type check failed: ${p} is not ${what}`); };
  switch (type) {
    case 'Directory': case 'DirectoryOrCreate': if (!s?.isDirectory()) fail('a directory'); break;
    case 'File': case 'FileOrCreate': if (!s?.isFile()) fail('a file'); break;
    case 'Socket': if (!s?.isSocket()) fail('a socket file'); break;
    case 'CharDevice': if (!s?.isCharacterDevice()) fail('a character device'); break;
    case 'BlockDevice': if (!s?.isBlockDevice()) fail('a block device'); break;
    default: if (!s) throw new Error(`hostPath ${p} does not exist on the machine`); // "": no type check, as upstream
  }
}

function fingerprint(files: readonly VolumeFile[]): string {
  return JSON.stringify(files.map((f) => [f.path, f.mode, f.content.toString('base64')]));
}

/** the node's view of the cluster's claims and volumes (its informers' caches) */
export interface ClaimSources {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
}

export interface PodVolumeDirs {
  /** `<pod dir>/volumes`: one directory per volume */
  podVolumes: string;
  claims: ClaimSources;
}

/**
 * What a claim mounts: the path of the volume it is bound to, or a scratch
 * directory (with why) for a volume type podnet has no storage for.
 * `managed`: the volume's plugin gives it to the pod's fsGroup (local does;
 * hostPath never does).
 */
type ClaimTarget = { path: string; hostPathType?: string; managed?: boolean } | { scratch: string };

/** the kubelet's words, for a claim that cannot be mounted (yet) */
function claimTarget(v: Volume, claimName: string, namespace: string, sources: ClaimSources): ClaimTarget {
  const claim = sources.claim(namespace, claimName);
  if (!claim) throw setUpFailed(v.name, `error processing PVC ${namespace}/${claimName}: persistentvolumeclaim "${claimName}" not found`);
  if (!claim.spec.volumeName || claim.status?.phase !== 'Bound') throw setUpFailed(v.name, `error processing PVC ${namespace}/${claimName}: PVC is not bound`);
  const pv = sources.volume(claim.spec.volumeName);
  if (!pv) throw setUpFailed(v.name, `error processing PVC ${namespace}/${claimName}: persistentvolume "${claim.spec.volumeName}" not found`);
  if (pv.spec.hostPath) return { path: pv.spec.hostPath.path, hostPathType: pv.spec.hostPath.type ?? '' };
  if (pv.spec.local) return { path: pv.spec.local.path, hostPathType: 'Directory', managed: true };
  const type = Object.keys(pv.spec).find((k) => !PV_FIELDS.has(k)) ?? 'unknown';
  return { scratch: `volume "${v.name}" mounts claim ${claimName}, bound to PersistentVolume ${pv.metadata.name} of type ${type}, which podnet has no storage for: it is an empty directory that lives as long as the pod` };
}

/** PersistentVolumeSpec's fields that are not its volume source */
const PV_FIELDS = new Set(['capacity', 'accessModes', 'claimRef', 'persistentVolumeReclaimPolicy', 'storageClassName', 'mountOptions', 'volumeMode', 'nodeAffinity', 'volumeAttributesClassName']);

/** one mount point of the pod, and what is mounted there */
interface MountPoint {
  volumeSpec: Volume;
  volumeMount: VolumeMount;
  /** inside the pod (its root's path: the machine's links resolved) */
  target: string;
  /** for messages: `<container>'s volume "<name>" (subPath <p>)` */
  owner: string;
  container: string;
  /** the containers that mount it: the first, and any that mount the same volume path there */
  users: string[];
}

export interface PreparedVolumes {
  mounts: PauseMount[];
  /** said once per pod as Warning events: [reason, message] */
  warnings: [string, string][];
}

/**
 * A pod's volumes. `prepare` before its sandbox is made (a FailedMount
 * leaves nothing mounted: the pause is not started), `refresh` whenever what
 * a projected volume shows may have changed (a ConfigMap or Secret event, a
 * pod update): only a volume whose files differ is rewritten.
 */
export class PodVolumes {
  /** per projected volume, the files last written */
  private readonly written = new Map<string, string>();

  constructor(private readonly dirs: PodVolumeDirs) {}

  /** per claim volume, what prepare found it bound to: its mounts and later writes use the same */
  private readonly claimTargets = new Map<string, ClaimTarget>();

  private dirOf(v: Volume): string {
    const target = this.claimTargets.get(v.name);
    if (target && 'path' in target) return target.path;
    if (v.hostPath) return v.hostPath.path;
    return path.join(this.dirs.podVolumes, v.name);
  }

  /** volumes/ holds Secrets: only root may look inside (a container reaches its volumes through their binds, never through this directory) */
  private makeVolumesDir(): void {
    mkdirSync(this.dirs.podVolumes, { recursive: true, mode: 0o700 });
    chmodSync(this.dirs.podVolumes, 0o700);
  }

  private project(pod: Pod, v: Volume, sources: VolumeSources): { files: VolumeFile[]; warnings: string[] } {
    const p = projectVolume(pod, v, sources);
    if (!p) return { files: [], warnings: [] };
    if ('error' in p) throw setUpFailed(v.name, p.error);
    return p;
  }

  /**
   * With an fsGroup, the files are written with the modes ownership leaves
   * them (so a write that changes nothing is seen as one), and the volume
   * is given to the group before the new files show, on every write, as
   * the kubelet's writer runs its setPerms hook.
   */
  private write(pod: Pod, v: Volume, files: VolumeFile[]): void {
    const owner = podFsGroup(pod);
    const written = owner ? files.map((f) => ({ ...f, mode: ownedMode(f.mode, false, true) })) : files;
    const print = fingerprint(written);
    if (this.written.get(v.name) === print) return;
    const dir = this.dirOf(v);
    writeVolumeFiles(dir, written, owner ? () => setVolumeOwnership(dir, owner.fsGroup, true) : undefined);
    this.written.set(v.name, print);
  }

  /** Each claim volume's target, found now for one prepare has not seen (an agent restarted since): throws FailedMount. */
  private findClaimTargets(pod: Pod): void {
    for (const v of pod.spec.volumes ?? []) {
      const claim = claimOf(v);
      if (claim && !this.claimTargets.has(v.name)) this.claimTargets.set(v.name, claimTarget(v, claim.claimName, pod.metadata.namespace!, this.dirs.claims));
    }
  }

  /** Makes every volume and plans the binds; throws FailedMount (nothing is mounted then). */
  prepare(pod: Pod, sources: VolumeSources, root?: PodRootLayer): PreparedVolumes {
    const warnings: [string, string][] = [];
    const volumes = new Map<string, Volume>();
    this.makeVolumesDir();
    this.claimTargets.clear();
    this.findClaimTargets(pod);
    const owner = podFsGroup(pod);
    for (const v of pod.spec.volumes ?? []) {
      volumes.set(v.name, v);
      const source = volumeSource(v);
      const dir = this.dirOf(v);
      const claimed = this.claimTargets.get(v.name);
      const hostPathType = v.hostPath ? v.hostPath.type ?? '' : claimed && 'path' in claimed ? claimed.hostPathType : undefined;
      if (hostPathType !== undefined) {
        try { checkHostPath(dir, hostPathType); } catch (e) { throw setUpFailed(v.name, (e as Error).message); }
        // a local volume the pod may write (the local plugin's SetUp); fsGroupChangePolicy only matters here
        if (owner && claimed && 'path' in claimed && claimed.managed && claimOf(v)?.readOnly !== true) setVolumeOwnership(dir, owner.fsGroup, false, owner.onRootMismatch);
      } else if (isProjectedVolume(v)) {
        const { files, warnings: said } = this.project(pod, v, sources);
        // not a failure: the volume mounts, without what podnet cannot give
        for (const w of said) warnings.push(['UnsupportedVolume', `volume "${v.name}": ${w}`]);
        this.write(pod, v, files);
      } else {
        mkdirSync(dir, { recursive: true });
        // as the kubelet's emptyDir: anyone in the pod may write (the volumes directory above is root's)
        if (v.emptyDir) chmodSync(dir, 0o777);
        if (v.emptyDir && owner) setVolumeOwnership(dir, owner.fsGroup, false);
        if (claimed && 'scratch' in claimed) warnings.push(['UnsupportedVolume', claimed.scratch]);
        else if (!KNOWN_LOCAL.has(source)) {
          warnings.push(['UnsupportedVolume', `volume "${v.name}" is a ${source} volume, which podnet has no storage for: it is an empty directory that lives as long as the pod`]);
        }
      }
    }
    const mounts = this.planMounts(pod, volumes, warnings, root);
    // a workingDir the machine lacks is made in the pod's root, as a runtime makes it in the container's
    if (root) for (const c of [...pod.spec.initContainers ?? [], ...pod.spec.containers]) {
      const wd = c.workingDir ? resolveInPodRoot(c.workingDir) : undefined;
      if (wd && !onBoundFilesystem(wd, root) && !mounts.some((m) => m.target === wd || isInside(wd, m.target))) ensureInPodRoot(root.upper, wd, true);
    }
    return { mounts, warnings };
  }

  /**
   * One bind per mount point. The pod's containers share the pause's mount
   * namespace, so a path one container mounts is mounted for all: a second
   * container that mounts another volume (or another subPath) there gets a
   * warning, not a mount. Parents before children: a mount point inside
   * another mount is a path inside that mount's source, made there (as a
   * runtime makes it in the container's root) when the parent is writable.
   */
  private planMounts(pod: Pod, volumes: Map<string, Volume>, warnings: [string, string][], root?: PodRootLayer): PauseMount[] {
    const planned = this.mountPoints(pod, volumes, !!root, warnings).map((p) => ({ ...p, volume: p.volumeSpec.name, mount: this.bindOf(p) }));
    const depth = (p: string) => p.split('/').filter(Boolean).length;
    planned.sort((a, b) => depth(a.mount.target) - depth(b.mount.target));
    for (const [i, p] of planned.entries()) {
      const parent = planned.slice(0, i).reverse().find((q) => isInside(p.mount.target, q.mount.target));
      if (parent) makeNestedMountPoint(p, parent.mount);
      else if (root && !onBoundFilesystem(p.mount.target, root)) ensureInPodRoot(root.upper, p.mount.target, statSync(p.mount.source).isDirectory());
      else checkMountPoint(p.volume, p.mount.source, p.mount.target, p.container);
    }
    return planned.map((p) => p.mount);
  }

  /**
   * The pod's mount points, each claimed by the first container that mounts
   * something there, with every container that mounts the same thing there
   * (the same volume path: volume and subPath) as its users; what another
   * container would mount there instead is a warning. Sources are not
   * resolved yet (bindOf).
   */
  private mountPoints(pod: Pod, volumes: Map<string, Volume>, inPodRoot: boolean, warnings: [string, string][]): MountPoint[] {
    const points: MountPoint[] = [];
    const containers: Container[] = [...pod.spec.initContainers ?? [], ...pod.spec.containers];
    const shown = (v: Volume, m: VolumeMount) => path.resolve(this.dirOf(v), m.subPath ?? '.');
    for (const c of containers) {
      for (const m of c.volumeMounts ?? []) {
        const v = volumes.get(m.name);
        if (!v) continue; // validation rejects it; an object stored before that is left unmounted
        if (m.subPathExpr) throw setUpFailed(v.name, `subPathExpr "${m.subPathExpr}" is not supported by podnet (use subPath)`);
        const target = inPodRoot ? resolveInPodRoot(m.mountPath) : path.normalize(m.mountPath);
        const owner = `${c.name}'s volume "${m.name}"${m.subPath ? ` (subPath ${m.subPath})` : ''}`;
        const taken = points.find((p) => p.target === target);
        if (!taken) points.push({ volumeSpec: v, volumeMount: m, target, owner, container: c.name, users: [c.name] });
        else if (shown(taken.volumeSpec, taken.volumeMount) === shown(v, m)) taken.users.push(c.name);
        else warnings.push(['FailedMount', `${owner} is not mounted at ${m.mountPath}: podnet's containers share one mount namespace, and ${taken.owner} is mounted there`]);
      }
    }
    return points;
  }

  /** A mount point's bind: its volume's path, or the subPath's (resolved now, made where the volume may be written: throws FailedMount). */
  private bindOf(p: MountPoint): PauseMount {
    const v = p.volumeSpec;
    const base = this.dirOf(v);
    const source = p.volumeMount.subPath ? subPathSource(v, base, p.volumeMount.subPath) : base;
    const readOnly = isProjectedVolume(v) || p.volumeMount.readOnly === true || claimOf(v)?.readOnly === true;
    return { source, target: p.target, ...(readOnly ? { readOnly: true } : {}) };
  }

  /**
   * The binds of `container`'s subPath mounts as they should be now, for a
   * start of the container: the kubelet makes a container's subPath mounts
   * again at each start, so a restarted container sees a ConfigMap key
   * changed since (the bind made before holds the old version's file). Not
   * one with another mount inside it (making it again would detach that
   * one), nor one another container claimed the mount point of. Throws
   * FailedMount. `inPodRoot`: the pod has a root of its own (targets are
   * resolved as prepare resolved them).
   */
  subPathMounts(pod: Pod, container: string, inPodRoot: boolean): PauseMount[] {
    if (!podContainer(pod, container)?.volumeMounts?.some((m) => m.subPath)) return [];
    this.findClaimTargets(pod);
    const volumes = new Map((pod.spec.volumes ?? []).map((v) => [v.name, v]));
    const points = this.mountPoints(pod, volumes, inPodRoot, []);
    return points.filter((p) => p.volumeMount.subPath && p.users.includes(container) && !points.some((q) => isInside(q.target, p.target)))
      .map((p) => this.bindOf(p));
  }

  /**
   * Rewrites the projected volumes whose files changed (the kubelet does it
   * on its sync, within about a minute; here on the event). A volume that
   * cannot be projected now (its ConfigMap deleted) keeps its files, as
   * upstream; the reasons are returned for a FailedMount event each.
   */
  refresh(pod: Pod, sources: VolumeSources): string[] {
    const errors: string[] = [];
    for (const v of pod.spec.volumes ?? []) {
      if (!isProjectedVolume(v)) continue;
      try { this.write(pod, v, this.project(pod, v, sources).files); } catch (e) { errors.push((e as Error).message); }
    }
    return errors;
  }
}

/**
 * A mount point on a filesystem the pod shares with the machine (or any,
 * for a pod without a root of its own) cannot be made in the pod's layer:
 * it must already exist, and be of the source's type: a directory for a
 * volume, a file for a file.
 */
function checkMountPoint(volume: string, source: string, target: string, container: string): void {
  let s: Stats;
  try { s = statSync(target); } catch {
    throw setUpFailed(volume, `cannot mount it at ${target} in container ${container}: that path is on a filesystem the pod shares with the machine, where a mountPath must exist`);
  }
  const sourceIsDir = statSync(source).isDirectory();
  if (sourceIsDir !== s.isDirectory()) {
    throw setUpFailed(volume, `cannot mount ${sourceIsDir ? 'a directory' : 'a file'} at ${target} in container ${container}: it is ${s.isDirectory() ? 'a directory' : 'not a directory'} on the machine`);
  }
}

function claimOf(v: Volume): { claimName: string; readOnly?: boolean } | undefined {
  const claim = v.persistentVolumeClaim as { claimName?: unknown; readOnly?: unknown } | undefined;
  return typeof claim?.claimName === 'string' ? { claimName: claim.claimName, readOnly: claim.readOnly === true } : undefined;
}

/** `child` is `parent` or below it, element-wise (/srv/a is inside /srv, /srvx is not) */
function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/**
 * A subPath's source, walked one element at a time without following a
 * symlink: a link the container left in its volume must not lead the agent
 * (root, on the machine's filesystem) out of the volume. In a volume it may
 * write to, a missing element is made as a directory with the mode of the
 * volume's root, as the kubelet makes it (so one given to an fsGroup stays
 * the group's to write: set-group-ID and group rwx, the group inherited);
 * in a projected volume the path must exist, and its links (the atomic
 * layout's `..data`) are the agent's own, so they are resolved and the
 * result checked to be inside the volume.
 */
function subPathSource(v: Volume, base: string, subPath: string): string {
  const fail = (why: string) => setUpFailed(v.name, `subPath "${subPath}" ${why}`);
  const parts = path.normalize(subPath).split(path.sep).filter((x) => x !== '' && x !== '.');
  if (path.isAbsolute(subPath) || parts.length === 0 || parts.includes('..')) throw fail('is outside the volume');
  if (isProjectedVolume(v)) {
    let real: string;
    try { real = realpathSync(path.join(base, ...parts)); } catch { throw fail('does not exist in the volume'); }
    if (!isInside(real, realpathSync(base))) throw fail('is outside the volume');
    return real;
  }
  const throughLink = (at: string) => fail(`goes through a symbolic link (${path.relative(base, at)}), which podnet does not follow`);
  const mode = statSync(base).mode & 0o7777;
  return walkWithoutLinks(base, parts, throughLink, (at, s, i) => {
    // (chmod: mkdir's mode is cut by the umask and drops set-group-ID)
    if (!s) { mkdirSync(at, { mode }); chmodSync(at, mode); }
    else if (!s.isDirectory() && i !== parts.length - 1) throw fail('is not a directory path in the volume');
  });
}

/**
 * A mount point inside an earlier mount: inside the pod it is a path in the
 * parent's source, so that is where it must exist. A writable parent gets
 * it made (a directory, or an empty file for a file); a read-only one must
 * already have it.
 */
function makeNestedMountPoint(p: { mount: PauseMount; container: string; volume: string }, parent: PauseMount): void {
  const parts = path.relative(parent.target, p.mount.target).split(path.sep);
  const sourceIsDir = statSync(p.mount.source).isDirectory();
  // the parent volume is the pod's to write
  const throughLink = () => setUpFailed(p.volume, `cannot mount it at ${p.mount.target} in container ${p.container}: the volume mounted at ${parent.target} has a symbolic link on the way, which podnet does not follow`);
  const point = walkWithoutLinks(parent.source, parts, throughLink, (at, s, i) => {
    if (s) return;
    if (parent.readOnly) throw setUpFailed(p.volume, `cannot mount it at ${p.mount.target} in container ${p.container}: that path is inside a read-only volume mounted at ${parent.target}, which does not have it`);
    const last = i === parts.length - 1;
    if (last && !sourceIsDir) closeSync(openSync(at, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o644));
    else mkdirSync(at, { mode: 0o755 });
  });
  if (statSync(point).isDirectory() !== sourceIsDir) {
    throw setUpFailed(p.volume, `cannot mount ${sourceIsDir ? 'a directory' : 'a file'} at ${p.mount.target} in container ${p.container}: the volume mounted at ${parent.target} has ${sourceIsDir ? 'a file' : 'a directory'} there`);
  }
}

/**
 * Walks `parts` below `base` one element at a time, never through a symbolic
 * link (throwing `throughLink`'s error at one): a link the pod left in a
 * volume must not lead the agent, root on the machine's filesystem, out of
 * it. `step` sees each path and what is there (undefined: nothing yet), and
 * may make it; the last path is returned.
 */
function walkWithoutLinks(base: string, parts: readonly string[], throughLink: (at: string) => Error, step: (at: string, found: Stats | undefined, index: number) => void): string {
  let at = base;
  for (const [i, part] of parts.entries()) {
    at = path.join(at, part);
    let found: Stats | undefined;
    try { found = lstatSync(at); } catch { found = undefined; }
    if (found?.isSymbolicLink()) throw throughLink(at);
    step(at, found, i);
  }
  return at;
}
