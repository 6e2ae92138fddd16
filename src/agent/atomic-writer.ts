// Puts a configMap, secret, downwardAPI or projected volume's files on disk
// the way the kubelet's AtomicWriter does (pkg/volume/util/atomic_writer.go),
// so that a process reading the volume sees the whole old set of files or the
// whole new one, never a mix:
//
//   <dir>/..2026_11_29_11_06_52.123456789/   the files, in a directory per version
//   <dir>/..data -> ..2026_11_29_11_06_52.123456789
//   <dir>/config.yaml -> ..data/config.yaml  one link per top-level name
//   <dir>/conf.d -> ..data/conf.d
//
// An update writes a new version directory, then renames a `..data_tmp` link
// over `..data`: rename(2) replaces the link in one step, and every visible
// name resolves through `..data`, so the switch is atomic. Applications that
// watch for updates watch `..data`, as on a real node.
//
// `dir` itself is bind-mounted into the pod, so it is created once and never
// replaced: everything happens inside it. Not safe to call twice at once on
// the same directory (the caller serialises per pod, as the kubelet does).

import { randomInt } from 'node:crypto';
import {
  chmodSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { checkVolumePath, type VolumeFile } from './volume-files.js';

const DATA_LINK = '..data';
const NEW_DATA_LINK = '..data_tmp';
/** `..YYYY_MM_DD_HH_MM_SS.NNNNNNNNN`: UTC time of the write and a random number against collisions */
const VERSION_DIR = /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d+$/;
/** directories must let the pod's other users through whatever the agent's umask */
const DIR_MODE = 0o755;
const PERMISSION_BITS = 0o7777;

/**
 * Writes `files` into `dir` so that a reader sees either the old set or the
 * new one: returns true when anything changed. `beforeSwitch` runs once a
 * new version is written and before `..data` points at it (the writer's
 * setPerms hook, where the kubelet gives the volume to the pod's fsGroup),
 * so no reader sees the new files before it has run.
 */
export function writeVolumeFiles(dir: string, files: readonly VolumeFile[], beforeSwitch?: () => void): boolean {
  const payload = checkedPayload(dir, files);
  mkdirSync(dir, { recursive: true });
  const oldVersion = readLinkIfAny(path.join(dir, DATA_LINK));
  const oldPaths = oldVersion ? pathsUnder(path.join(dir, oldVersion)) : [];
  const kept = keptPaths(payload);
  const removed = oldPaths.filter((p) => !kept.has(p));
  const rewrite = !oldVersion || removed.length > 0 || [...payload.values()].some((f) => fileDiffers(path.join(dir, oldVersion, f.path), f));
  if (rewrite) switchToNewVersion(dir, payload, beforeSwitch);
  // Also when nothing was rewritten: a link lost since the last write comes back (kubernetes#121472).
  const linked = linkTopLevelNames(dir, payload);
  // Only top-level names have links of their own; deeper ones go with the old version directory.
  for (const p of removed) if (!p.includes('/')) rmSync(path.join(dir, p), { force: true });
  if (rewrite) removeOtherVersions(dir);
  return rewrite || linked;
}

/** The files by cleaned path; a path that could leave the volume, or one given twice, is a bug in the caller. */
function checkedPayload(dir: string, files: readonly VolumeFile[]): Map<string, VolumeFile> {
  const payload = new Map<string, VolumeFile>();
  for (const file of files) {
    const checked = checkVolumePath(file.path);
    if ('problem' in checked) throw new Error(`could not write volume files into ${dir}: invalid path "${file.path}": ${checked.problem}`);
    if (payload.has(checked.path)) throw new Error(`could not write volume files into ${dir}: path "${file.path}" given twice`);
    payload.set(checked.path, { ...file, path: checked.path });
  }
  return payload;
}

/** Every file's path and the directories above it: what the new version keeps of the old one's entries. */
function keptPaths(payload: Map<string, VolumeFile>): Set<string> {
  const kept = new Set<string>();
  for (const p of payload.keys()) {
    for (let sub = p; sub !== '.'; sub = path.posix.dirname(sub)) kept.add(sub);
  }
  return kept;
}

function topLevelName(p: string): string { return p.split('/')[0]!; }
/** The link's target; undefined when the name is free or holds something other than a link. */
function readLinkIfAny(link: string): string | undefined {
  try {
    return readlinkSync(link);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EINVAL') return undefined;
    throw err;
  }
}

/** Relative paths of the files and directories in a version directory ([] when it is gone). */
function pathsUnder(versionDir: string): string[] {
  try {
    return readdirSync(versionDir, { recursive: true, encoding: 'utf8' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Content or mode differ (upstream compares content only; podnet also applies a mode change). */
function fileDiffers(onDisk: string, file: VolumeFile): boolean {
  try {
    const stat = lstatSync(onDisk);
    if (!stat.isFile() || (stat.mode & PERMISSION_BITS) !== (file.mode & PERMISSION_BITS)) return true;
    return !readFileSync(onDisk).equals(file.content);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

/** Writes the new version directory and points `..data` at it; on failure the old version stays in place, untouched. */
function switchToNewVersion(dir: string, payload: Map<string, VolumeFile>, beforeSwitch: (() => void) | undefined): void {
  const version = newVersionDir(dir);
  const versionPath = path.join(dir, version);
  const newLink = path.join(dir, NEW_DATA_LINK);
  try {
    for (const file of payload.values()) {
      const target = path.join(versionPath, file.path);
      makeDirs(versionPath, path.posix.dirname(file.path));
      writeFileSync(target, file.content, { mode: file.mode & PERMISSION_BITS });
      // The umask trimmed the mode at creation; the volume's mode is what the pod asked for.
      chmodSync(target, file.mode & PERMISSION_BITS);
    }
    beforeSwitch?.();
    rmSync(newLink, { force: true }); // left by a write that died between symlink and rename
    symlinkSync(version, newLink);
    renameSync(newLink, path.join(dir, DATA_LINK));
  } catch (err) {
    rmSync(newLink, { force: true });
    rmSync(versionPath, { recursive: true, force: true });
    throw new Error(`could not write volume files into ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

function newVersionDir(dir: string): string {
  const stamp = new Date().toISOString().replace(/^(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+).*$/, '$1_$2_$3_$4_$5_$6');
  for (;;) {
    const name = `..${stamp}.${String(randomInt(1e9)).padStart(9, '0')}`;
    try {
      mkdirSync(path.join(dir, name), { mode: DIR_MODE });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    chmodSync(path.join(dir, name), DIR_MODE);
    return name;
  }
}

/** mkdir -p of `relative` under `base`, each directory 0755 whatever the umask. */
function makeDirs(base: string, relative: string): void {
  if (relative === '.') return;
  let current = base;
  for (const element of relative.split('/')) {
    current = path.join(current, element);
    try {
      mkdirSync(current, { mode: DIR_MODE });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    chmodSync(current, DIR_MODE);
  }
}

/** `NAME -> ..data/NAME` for each top-level name; returns true when one had to be made. */
function linkTopLevelNames(dir: string, payload: Map<string, VolumeFile>): boolean {
  let made = false;
  for (const name of new Set([...payload.keys()].map(topLevelName))) {
    const link = path.join(dir, name);
    const target = path.posix.join(DATA_LINK, name);
    if (readLinkIfAny(link) === target) continue;
    // Something else holds the name (a file from before this volume was managed): the volume's file wins.
    rmSync(link, { recursive: true, force: true });
    symlinkSync(target, link);
    made = true;
  }
  return made;
}

/** Removes every version directory but the one `..data` names: the previous one, and any left by a write that died. */
function removeOtherVersions(dir: string): void {
  const current = readlinkSync(path.join(dir, DATA_LINK));
  for (const entry of readdirSync(dir)) {
    if (entry !== current && VERSION_DIR.test(entry)) rmSync(path.join(dir, entry), { recursive: true, force: true });
  }
}
