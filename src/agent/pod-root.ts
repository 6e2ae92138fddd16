// A pod's own root filesystem (sandbox.ts PodRoot): where its layers live in
// the pod's directory, which of the machine's filesystems are bound into it,
// and how a path the machine lacks (a mountPath, a workingDir) is made in
// the pod's writable layer instead of on the machine.

import { chmodSync, chownSync, closeSync, mkdirSync, openSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Runner } from '../net/runner.js';
import type { PodRoot } from './sandbox.js';

/**
 * mount points a pod gets its own of (proc, sysfs), all of (/dev, bound
 * whole), or none of: /run and /tmp, a container's own (their machine
 * mounts, where they are mounts, hold other programs' pid and lock files,
 * and /run every network namespace's name, whose bound copy would keep a
 * deleted pod's namespace alive); a pod gets them from its own layer
 */
const NOT_BOUND = ['/proc', '/sys', '/dev', '/run', '/var/run', '/tmp', '/var/tmp'];
/** where the pod's layer cannot make a path: the machine's kernel filesystems */
const KERNEL_FILESYSTEMS = ['/proc', '/sys', '/dev'];

/** \ooo escapes in /proc/self/mountinfo (space, tab, newline, backslash) */
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

const isUnder = (p: string, dir: string) => dir === '/' || p === dir || p.startsWith(`${dir}/`);

/**
 * The machine's filesystems a pod's root binds at their own paths: every
 * mount point of the agent's mount namespace but the root (the overlay's
 * lower layer) and those of NOT_BOUND, each bound with what is mounted below
 * it (so only the topmost are listed). Read for each sandbox: mounts come
 * and go.
 */
export function podRootBinds(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const points = mountinfo.split('\n').filter(Boolean).map((line) => unescapeMountPath(line.split(' ')[4] ?? ''))
    .filter((p) => p.startsWith('/') && p !== '/' && !NOT_BOUND.some((n) => isUnder(p, n)));
  const sorted = [...new Set(points)].sort((a, b) => a.length - b.length);
  const top: string[] = [];
  for (const p of sorted) if (!top.some((t) => isUnder(p, t))) top.push(p);
  return top.sort();
}

/** The layers of the pod whose directory is `podDir`, made afresh (a sandbox made again starts its containers from a clean root, as new containers). */
export function freshPodRoot(podDir: string, binds: readonly string[], more: Pick<PodRoot, 'hidden' | 'readOnlyBinds'> = {}): PodRoot {
  const dir = path.join(podDir, 'rootfs');
  rmSync(dir, { recursive: true, force: true });
  const root: PodRoot = { upper: path.join(dir, 'upper'), work: path.join(dir, 'work'), merged: path.join(dir, 'merged'), binds, ...more };
  for (const d of [root.upper, root.work, root.merged]) mkdirSync(d, { recursive: true, mode: 0o755 });
  return root;
}

function isDirectory(p: string): boolean | undefined {
  try { return statSync(p).isDirectory(); } catch { return undefined; }
}

/**
 * Makes `target` exist in the pod's root as a directory (or a file): the
 * machine's own path shows through the overlay when it is of that kind;
 * otherwise it is made in the pod's writable layer, which shadows whatever
 * the machine has there. Nothing on the machine changes.
 */
export function ensureInPodRoot(upper: string, target: string, directory: boolean): void {
  if (isDirectory(target) === directory) return;
  const inLayer = path.join(upper, target);
  if (isDirectory(inLayer) === directory) return;
  rmSync(inLayer, { recursive: true, force: true });
  makeDirectoriesInLayer(upper, directory ? target : path.dirname(target));
  if (!directory) closeSync(openSync(inLayer, 'w', 0o644));
}

/**
 * Makes `dir` and its missing parents in the pod's layer. A directory the
 * layer makes hides the attributes of the machine's one at that path (the
 * merged directory takes the upper one's), so a parent the machine has is
 * made with its mode and owner: a volume at /tmp/cache leaves /tmp
 * 1777, /var/lib/postgresql postgres's, as a runtime that makes only the
 * missing part of a mount path does. What the machine lacks is made 0755.
 */
function makeDirectoriesInLayer(upper: string, dir: string): void {
  let at = '/';
  for (const part of path.resolve('/', dir).split('/').filter(Boolean)) {
    at = path.join(at, part);
    const inLayer = path.join(upper, at);
    if (isDirectory(inLayer)) continue;
    rmSync(inLayer, { force: true });
    mkdirSync(inLayer, { mode: 0o755 });
    let machine;
    try { machine = statSync(at); } catch { continue; }
    if (!machine.isDirectory()) continue;
    chownSync(inLayer, machine.uid, machine.gid);
    // after chown, which clears set-id bits; mkdir's mode is masked by the umask, chmod's is not
    chmodSync(inLayer, machine.mode & 0o7777);
  }
}

/**
 * `target` as the pod's root resolves it: the machine's symbolic links in
 * the part that exists (the overlay's lower layer is the machine's root, so
 * /var/run is /run there too), the rest as written. The pause mounts before
 * it changes its root, where an absolute link would lead out of the pod's.
 */
export function resolveInPodRoot(target: string): string {
  const rest: string[] = [];
  let at = path.resolve('/', target);
  for (;;) {
    try { return path.join(realpathSync(at), ...rest.reverse()); } catch { /* not there: one level up */ }
    if (at === '/') return path.join('/', ...rest.reverse());
    rest.push(path.basename(at));
    at = path.dirname(at);
  }
}

/** Is `target` on one of the machine's filesystems bound into the pod (where the pod's layer cannot make it)? */
export function onBoundFilesystem(target: string, root: Pick<PodRoot, 'binds' | 'hidden' | 'readOnlyBinds'>): boolean {
  return [...root.binds, ...root.hidden ?? [], ...root.readOnlyBinds ?? [], ...KERNEL_FILESYSTEMS].some((b) => isUnder(target, b));
}

/**
 * Whether this machine can layer a pod's root: an overlay of `/` with its
 * writable layer under `stateDir`, mounted once in a throwaway mount
 * namespace. Where it cannot (a machine whose root or state directory is
 * itself an overlay, as inside a container), pods keep the machine's root,
 * and the reason is given back to be said.
 */
export async function canLayerPodRoots(runner: Runner, stateDir: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  const dir = path.join(stateDir, `.pod-root-check-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  const root = freshPodRoot(dir, []);
  try {
    const r = await runner.run(['unshare', '--mount', '--propagation', 'private', '--', 'mount', '-t', 'overlay', 'podnet-root-check', '-o', `lowerdir=/,upperdir=${root.upper},workdir=${root.work}`, root.merged], { allowFailure: true });
    // mount(8) says only "wrong fs type" (the kernel's reason goes to its log): say what it means here
    return r.code === 0 ? { ok: true } : { ok: false, reason: `the filesystem of ${stateDir} cannot hold an overlay's writable layer over / (${(r.stderr || `mount exited ${r.code}`).trim()})` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
