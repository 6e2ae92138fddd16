// A pod's sandbox: its network namespace (wired by podnet-cni through the CNI
// exec protocol, as containerd does) and a "pause" process that holds the
// pod's own UTS namespace (hostname) and mount namespace (resolv.conf, hosts).
// Containers join the pause process's namespaces with nsenter.

import { spawn } from 'node:child_process';
import { closeSync, lstatSync, mkdirSync, openSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execCni } from '../cni/exec-plugin.js';
import { HOLD_FIFO_WAIT } from './container-spec.js';

export interface CniResult { ips?: { address: string; gateway?: string; interface?: number }[] }
import { PodnetError } from '../errors.js';
import type { Runner } from '../net/runner.js';
import { scanNetnsPids } from '../net/netns.js';
import { processStartTicks } from '../net/process.js';
import { asIdentity, type ProcessIdentity } from './security-context.js';

const PAUSE_READY_TIMEOUT_MS = 5_000;
/** what the pause script writes to stderr once the hostname and mounts are in place */
export const PAUSE_READY_MARK = 'podnet-pause-ready';
/**
 * what it writes first (the marks are part of the script's text: plain
 * characters only): the network namespace is in place. unshare(1) binds
 * /run/netns/NAME (and nsenter has joined it) before it execs the script, so
 * CNI ADD can run while the pause still sets the hostname and mounts.
 */
export const PAUSE_NETNS_MARK = 'podnet-pause-netns.';

// The pause process's whole job, in a fixed script that takes its inputs as
// positional arguments (never interpolated): set the hostname, bind the
// pod's resolv.conf, hosts and volumes over the node's paths (one
// mount(8) for all of them: `--fstab FILE -a`), tell the agent it is ready,
// then wait holding the namespaces.
// The hostname is written to /proc/sys/kernel/hostname, which sets it for the
// writer's UTS namespace (sethostname(2) semantics, kernel/utsname_sysctl.c):
// a shell redirect instead of a hostname(1) process per pod. The ready mark
// goes to stderr, the one pipe to the agent, which is then closed (sleep's
// stderr is /dev/null): the agent wakes once, instead of polling /proc.
const PAUSE_SETUP = `printf %s ${PAUSE_NETNS_MARK} >&2 && printf %s "$1" > /proc/sys/kernel/hostname && mount --fstab "$2" -a`;
// With a root of its own ($4, the pod's overlay: see pauseMountTable), the
// pause then changes its root to it (chroot(8)): /proc/PID/root is then the
// pod's root, which nsenter --root gives every process joining the pod.
const inRoot = (cmd: string) => `if [ -n "$4" ]; then exec chroot "$4" ${cmd}; fi && exec ${cmd}`;
const PAUSE_SLEEP_SCRIPT = `${PAUSE_SETUP} && printf %s ${PAUSE_READY_MARK} >&2 && exec 2>/dev/null && ${inRoot('sleep infinity')}`;
// With a hold FIFO ($3) the shell waits itself instead of exec'ing sleep (one
// exec less per pod): it opens the FIFO read-write, which on Linux never
// blocks (fifo(7)), and reads from it forever: the FIFO always has a writer
// (fd 3 itself), so read never sees EOF, and nothing writes to it (a line
// that did arrive would only be read and the wait go on). The FIFO is opened
// before the ready mark, so a missing one fails the start, not the pod later.
// Only a signal ends it, as with sleep.
const PAUSE_HOLD_SCRIPT = `${PAUSE_SETUP} && exec 3<>"$3" && printf %s ${PAUSE_READY_MARK} >&2 && exec 2>/dev/null && if [ -n "$4" ]; then exec chroot "$4" sh -c '${HOLD_FIFO_WAIT}'; fi && ${HOLD_FIFO_WAIT}`;

export interface PauseSpec {
  /** the pod's network namespace (/run/netns/NAME) */
  netns: string;
  /**
   * true: the pause creates NAME itself (`unshare --net=/run/netns/NAME`, one
   * process instead of `ip netns add` + `nsenter`); false: it joins an
   * existing one (the outside client's holder)
   */
  createNetns: boolean;
  hostname: string;
  resolvConf: string;
  hostsFile: string;
  /** volume bind mounts: host path → path inside the pod (targets must exist on the host) */
  mounts?: PauseMount[];
  /** where the pause's mount table is written (fstab(5) format) */
  mountTable: string;
  /** a FIFO (ensureHoldFifo) the pause waits on instead of exec'ing sleep; without one it execs sleep */
  holdFifo?: string;
  /** the pod's own root (PodRoot): without it the pod's root is the machine's */
  root?: PodRoot;
}

/**
 * A pod's root filesystem: an overlay of the machine's root (lowerdir=/)
 * with a writable layer of the pod's own on disk, so what a container
 * writes outside its volumes stays in the pod (and goes with it), and a
 * mountPath the machine lacks is made in that layer. The machine's other
 * filesystems are bound in at their own paths (an overlay holds only the
 * root filesystem), and so is the cluster's state directory: a Unix socket
 * (the API server's) cannot be reached through an overlay's lower layer.
 */
export interface PodRoot {
  /** the writable layer and overlayfs's work directory: same filesystem, both empty at first */
  upper: string;
  work: string;
  /** where the pause mounts the overlay; its root once it is ready */
  merged: string;
  /** the machine's filesystems bound (recursively) at the same path in the pod's root; one gone meanwhile is skipped */
  binds: readonly string[];
  /**
   * the machine's directories a pod sees empty (a tmpfs over each): the
   * cluster's state, which holds every pod's Secrets, and /run/netns, whose
   * names (every pod's, every cluster's) a container never has: `ip addr`
   * looked each up for its peers and printed an error per name
   */
  hidden?: readonly string[];
  /** the machine's directories bound read-only at the same path, made where a hidden one lacks them (the API server's socket directory) */
  readOnlyBinds?: readonly string[];
}

/** one bind mount of a volume into the pod's mount namespace */
export interface PauseMount { source: string; target: string; readOnly?: boolean }

export interface SandboxSpec {
  netns: string;
  containerId: string;
  cniConfig: Record<string, unknown>;
  cniPath: string[];
  cniArgs: Record<string, string>;
  ifName?: string;
}

/**
 * fstab(5) escapes: spaces, tabs, newlines and backslashes in a path are
 * written as \ooo octal (libmount's unmangle reads them back).
 */
export function fstabPath(p: string): string {
  return p.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/**
 * The pause's mounts, in order: a sysfs of the pod's own network namespace
 * (as runc mounts one per container and `ip netns exec` does: /sys/class/net
 * then lists the pod's links, not the machine's), then the binds of
 * resolv.conf, hosts and each volume (read-only where the volume is).
 */
export function pauseMountTable(spec: Pick<PauseSpec, 'resolvConf' | 'hostsFile' | 'mounts' | 'root'>): string {
  const binds = [{ source: spec.resolvConf, target: '/etc/resolv.conf' }, { source: spec.hostsFile, target: '/etc/hosts' }, ...(spec.mounts ?? [])];
  // `bind,ro`: mount(8) binds, then remounts the bind read-only
  const options = (m: PauseMount) => (m.readOnly ? 'bind,ro' : 'bind');
  const root = spec.root;
  const at = (target: string) => fstabPath(root ? path.join(root.merged, target) : target);
  const lines: string[] = [];
  if (root) {
    lines.push(`podnet-root ${fstabPath(root.merged)} overlay lowerdir=/,upperdir=${overlayOption(root.upper)},workdir=${overlayOption(root.work)} 0 0`);
    lines.push(`podnet-proc ${at('/proc')} proc nosuid,nodev,noexec 0 0`);
    lines.push(`/dev ${at('/dev')} none rbind 0 0`);
    // a /dev/shm of its own, as a container's (the machine's holds other programs' shared memory)
    lines.push(`podnet-shm ${at('/dev/shm')} tmpfs nosuid,nodev,noexec,mode=1777 0 0`);
    for (const b of root.binds) lines.push(`${fstabPath(b)} ${at(b)} none rbind,nofail 0 0`);
    // (a socket is reached through a read-only mount: connect(2) writes nothing to the filesystem)
    for (const h of root.hidden ?? []) lines.push(`podnet-hidden ${at(h)} tmpfs nosuid,nodev,noexec,mode=0755,X-mount.mkdir 0 0`);
    for (const b of root.readOnlyBinds ?? []) lines.push(`${fstabPath(b)} ${at(b)} none bind,ro,X-mount.mkdir 0 0`);
  }
  // (a source name of its own: `mount -a` skips an entry whose source and target are mounted already, as "sysfs /sys" is)
  lines.push(`podnet-sysfs ${at('/sys')} sysfs ro,nosuid,nodev,noexec 0 0`);
  for (const m of binds) lines.push(`${fstabPath(m.source)} ${at(m.target)} none ${options(m)} 0 0`);
  return lines.map((l) => `${l}\n`).join('');
}

/** a path in overlayfs's options: its separators (`,` `:`) and what fstab(5) escapes are refused rather than mangled */
function overlayOption(p: string): string {
  if (/[,:\\\s]/.test(p)) throw new PodnetError('ESANDBOX', `a pod's root cannot be layered at ${JSON.stringify(p)}: overlayfs options cannot hold a comma, colon, backslash or space`);
  return p;
}

// Binds a volume's path at a mount point of the pause's mount namespace
// afresh: the bind there is detached first (lazily: a process that holds a
// file of it open keeps what it opened, as a container that still runs
// keeps its bind upstream), then $2 is bound at $1, read-only when $3 is ro
// (mount(8) binds, then remounts the bind read-only).
const REBIND_SCRIPT = 'umount --lazy "$1" 2>/dev/null; exec mount -o "bind,$3" "$2" "$1"';

/**
 * argv that makes `mount` again in the pause's mount namespace (a subPath
 * refreshed for a container's start). `podRoot` is the pod's root as that
 * namespace sees it (readlink /proc/PAUSE/root: the overlay, or / for a pod
 * on the machine's root): the source is a path of the machine, outside the
 * pod's root, so the bind is made from the namespace's own root, as the
 * pause made it.
 */
export function rebindArgv(pausePid: number, podRoot: string, mount: PauseMount): string[] {
  return ['nsenter', '-t', String(pausePid), '--mount', '--', 'sh', '-c', REBIND_SCRIPT, 'podnet-rebind', path.join(podRoot, mount.target), mount.source, mount.readOnly ? 'ro' : 'rw'];
}

/** argv of the pause process: into (or creating) the network namespace, new UTS and mount namespaces, then the script. */
export function pauseArgv(spec: Pick<PauseSpec, 'netns' | 'createNetns' | 'hostname' | 'mountTable' | 'holdFifo' | 'root'>): string[] {
  const root = spec.root ? [spec.root.merged] : [];
  const script = spec.holdFifo
    ? ['sh', '-c', PAUSE_HOLD_SCRIPT, 'pause', spec.hostname, spec.mountTable, spec.holdFifo, ...root]
    : ['sh', '-c', PAUSE_SLEEP_SCRIPT, 'pause', spec.hostname, spec.mountTable, ...(spec.root ? ['', ...root] : [])];
  const path = `/run/netns/${spec.netns}`;
  // unshare(1) with --net=FILE makes the namespace persistent the way
  // `ip netns add` does: a helper child, still in the original mount
  // namespace, bind-mounts /proc/PID/ns/net on FILE before the script runs,
  // so the agent, `ip netns` and the CNI plugin see it at /run/netns/NAME.
  // --propagation private: the pod's own mounts never reach the host.
  if (spec.createNetns) return ['unshare', `--net=${path}`, '--uts', '--mount', '--propagation', 'private', '--', ...script];
  return ['nsenter', `--net=${path}`, '--', 'unshare', '--uts', '--mount', '--propagation', 'private', '--', ...script];
}

const makingFifos = new Map<string, Promise<boolean>>();

/**
 * Makes `path` a FIFO (mode 0600) for pauses to wait on (Node has no mkfifo:
 * one mkfifo(1) per agent, not per pod); false when it cannot be made, and
 * the pauses exec sleep as before. Checked on every call (one lstat), so a
 * FIFO removed under a running agent is made again rather than failing
 * every pause that opens it.
 */
export function ensureHoldFifo(runner: Runner, fifo: string): Promise<boolean> {
  const isFifo = () => { try { return lstatSync(fifo).isFIFO(); } catch { return false; } };
  if (isFifo()) return Promise.resolve(true);
  let making = makingFifos.get(fifo);
  if (!making) {
    mkdirSync(path.dirname(fifo), { recursive: true, mode: 0o755 });
    making = runner.run(['mkfifo', '-m', '600', fifo], { allowFailure: true }).then(isFifo, () => false)
      .finally(() => makingFifos.delete(fifo));
    makingFifos.set(fifo, making);
  }
  return making;
}

export async function deleteNetns(runner: Runner, netns: string): Promise<void> {
  // `ip netns del` only removes the name: a process still inside (a pause whose
  // pid was never recorded, after a crash) would keep the namespace alive unseen.
  for (const pid of scanNetnsPids([netns])) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  await runner.run(['ip', 'netns', 'del', netns], { allowFailure: true });
}

export async function cniAdd(spec: SandboxSpec): Promise<CniResult> {
  return (await execCni('ADD', { containerId: spec.containerId, netns: `/run/netns/${spec.netns}`, ifName: spec.ifName ?? 'eth0', args: spec.cniArgs, config: spec.cniConfig, pluginPath: spec.cniPath })) as CniResult;
}

export async function cniDel(spec: SandboxSpec): Promise<void> {
  await execCni('DEL', { containerId: spec.containerId, netns: `/run/netns/${spec.netns}`, ifName: spec.ifName ?? 'eth0', args: spec.cniArgs, config: spec.cniConfig, pluginPath: spec.cniPath });
}

/** the CNI 1.1 GC verb's list: every attachment the runtime still has (SPEC.md, "GC: Clean up any stale resources") */
export const VALID_ATTACHMENTS_KEY = 'cni.dev/valid-attachments';

/**
 * CNI GC: the plugin releases every address and removes every veth that
 * belongs to no attachment listed. The list must be complete, or a live
 * pod loses its address (the caller's job: Kubelet.collectGarbage).
 */
/**
 * Longer than the plugin may wait for the IPAM lock (60 s): the caller holds
 * every sandbox slot for the whole call, and a GC still running after its
 * caller gave up could free the address of an ADD that started meanwhile.
 */
const GC_TIMEOUT_MS = 90_000;

export async function cniGc(config: Record<string, unknown>, cniPath: string[], attachments: { containerID: string; ifname: string }[]): Promise<void> {
  await execCni('GC', { config: { ...config, [VALID_ATTACHMENTS_KEY]: attachments }, pluginPath: cniPath, timeoutMs: GC_TIMEOUT_MS });
}

export interface PauseStart {
  pid: number;
  /** the pause's start time (ProcessRef), read before anything could reap it: with the pid, what names it from then on */
  startTicks: number | undefined;
  /** resolves once the network namespace is in place (CNI ADD may run from then on); rejects when the pause fails before */
  netns: Promise<void>;
  /** resolves with the pid once the pause holds the finished namespaces (hostname, mounts) */
  ready: Promise<number>;
}

/** Starts the pause process and resolves with its pid once it holds the finished namespaces. */
export async function startPause(spec: PauseSpec): Promise<number> {
  return launchPause(spec).ready;
}

/** Starts the pause process; says when its network namespace exists and when it is ready. */
export function launchPause(spec: PauseSpec): PauseStart {
  if (spec.createNetns) {
    // unshare --net=FILE bind-mounts onto an existing file; ip netns add
    // creates it the same way (O_CREAT|O_EXCL, mode 0). An existing name is
    // an error, as it is for ip netns add. /run/netns is already a shared
    // mount point: the topology made the node namespaces with ip netns add.
    closeSync(openSync(`/run/netns/${spec.netns}`, 'wx', 0));
  }
  writeFileSync(spec.mountTable, pauseMountTable(spec)); // read only by the mount(8) below
  const argv = pauseArgv(spec);
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const pid = child.pid;
  if (!pid) throw new PodnetError('ESANDBOX', `could not start the sandbox of ${spec.netns}`);
  // now, before the event loop runs: until then nothing reaps the child, so its pid is still its own
  const startTicks = processStartTicks(pid);
  child.unref();
  let stderr = '';
  let netnsDone: { resolve: () => void; reject: (e: Error) => void };
  const netns = new Promise<void>((resolve, reject) => { netnsDone = { resolve, reject }; });
  netns.catch(() => { /* the same failure rejects ready, which the caller awaits */ });
  const ready = new Promise<number>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      const err = new PodnetError('ESANDBOX', `the sandbox of ${spec.netns} ${why}`);
      netnsDone.reject(err);
      reject(err);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // a pause left behind would keep the namespace alive unseen
      fail('did not start in time');
    }, PAUSE_READY_TIMEOUT_MS);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (stderr.startsWith(PAUSE_NETNS_MARK)) netnsDone.resolve();
    });
    // The pipe closes when sleep replaces the script (its stderr is
    // /dev/null) or when the script exits on an error.
    child.stderr!.on('end', () => {
      if (stderr.endsWith(PAUSE_READY_MARK)) { clearTimeout(timer); netnsDone.resolve(); resolve(pid); return; }
      const said = (stderr.startsWith(PAUSE_NETNS_MARK) ? stderr.slice(PAUSE_NETNS_MARK.length) : stderr).trim();
      const report = () => fail(`exited while starting: ${said || `exit ${child.exitCode ?? child.signalCode}`}`);
      if (child.exitCode !== null || child.signalCode !== null) report(); else child.once('exit', report);
    });
  });
  return { pid, startTicks, netns, ready };
}

// What `podnet exec node/NAME` runs before CMD: the node's hostname, and the
// pause's mount table (pauseMountTable: a sysfs of the node's network, its
// resolv.conf and hosts), as a shell on a kind node sees them, never the
// machine's own (its resolver is outside the sealed network). A failed step
// fails the exec: the command never runs with the machine's files.
const NODE_EXEC_SCRIPT = 'printf %s "$1" > /proc/sys/kernel/hostname && mount --fstab "$2" -a && shift 2 && exec "$@"';

/** argv that runs cmd in a node's network namespace, with that node's hostname and the mounts of `mountTable` (pauseMountTable). */
export function nodeExecArgv(node: { netns: string; hostname: string; mountTable: string }, cmd: readonly string[]): string[] {
  return ['nsenter', `--net=/run/netns/${node.netns}`, '--', 'unshare', '--uts', '--mount', '--propagation', 'private', '--',
    'sh', '-c', NODE_EXEC_SCRIPT, 'node-exec', node.hostname, node.mountTable, ...cmd];
}

/** argv that runs cmd in the namespaces the outside holder process holds: network, hostname, mounts. */
export function joinSandboxArgv(holderPid: number, cmd: readonly string[], workdir?: string): string[] {
  return ['nsenter', '-t', String(holderPid), '--net', '--uts', '--mount', ...(workdir ? [`--wd=${workdir}`] : []), '--', ...cmd];
}

/**
 * changes to $1 inside the pod's root, then runs the rest (the working
 * directory's links resolve in the pod); as a runtime's chdir, the physical
 * directory, and no PWD or OLDPWD left in the environment by the shell
 */
const IN_WORKING_DIR = 'cd -P -- "$1" && unset PWD OLDPWD && shift && exec "$@"';

/**
 * argv that runs cmd in a pod: the pause's network, hostname and mounts, and
 * its root (the pod's own, or the machine's for a pause from before pods had
 * one), in `workingDir` of that root, as `identity` (the container's user
 * and groups, security-context.ts) where given. nsenter opens --wd's path
 * before it enters anything (a link in it would resolve on the machine), so
 * it is given the root itself, and a shell inside the pod changes to
 * workingDir. setpriv comes before that shell: as runc, the working
 * directory is entered as the container's user.
 */
export function joinPodArgv(pausePid: number, cmd: readonly string[], workingDir = '/', identity?: ProcessIdentity): string[] {
  const dir = path.posix.resolve('/', workingDir);
  const enter = ['nsenter', '-t', String(pausePid), '--net', '--uts', '--mount', '--root', `--wd=/proc/${pausePid}/root/`, '--'];
  return [...enter, ...asIdentity(identity, dir === '/' ? cmd : ['sh', '-c', IN_WORKING_DIR, 'podnet-workdir', dir, ...cmd])];
}

/**
 * Whether pid is one of a pod's processes, by what the pause made: its
 * /etc/resolv.conf is the pod's own file (the pause binds it there, in the
 * pod's mount namespace, which only the pause and the pod's containers
 * enter, and whose mounts never reach the machine: --propagation private).
 * For a pid recorded without its start time, which may since have been
 * handed to any process.
 */
export function inPodMountNamespace(pid: number, podResolvConf: string): boolean {
  return sameFile(`/proc/${pid}/root/etc/resolv.conf`, podResolvConf);
}

/** whether two paths name the same file (device and inode); false when either cannot be read */
export function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch { return false; }
}

export { processAlive } from '../net/process.js';

