// A pod's sandbox: its network namespace (wired by podnet-cni through the CNI
// exec protocol, as containerd does) and a "pause" process that holds the
// pod's own UTS namespace (hostname) and mount namespace (resolv.conf, hosts).
// Containers join the pause process's namespaces with nsenter.

import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { execCni } from '../cni/exec-plugin.js';

export interface CniResult { ips?: { address: string; gateway?: string; interface?: number }[] }
import { PodnetError } from '../errors.js';
import type { Runner } from '../net/runner.js';
import { scanNetnsPids } from '../net/netns.js';

const PAUSE_READY_TIMEOUT_MS = 5_000;

// The pause process's whole job, in a fixed script that takes its inputs as
// positional arguments (never interpolated): set the hostname, put the pod's
// resolv.conf and hosts over the node's, then sleep holding the namespaces.
// Then each (source, target) pair of emptyDir volume mounts is bound in the
// pod's mount namespace; targets must already exist on the host.
// The hostname is written to /proc/sys/kernel/hostname, which sets it for the
// writer's UTS namespace (sethostname(2) semantics, kernel/utsname_sysctl.c):
// a shell redirect instead of a hostname(1) process per pod.
const PAUSE_SCRIPT = 'printf %s "$1" > /proc/sys/kernel/hostname && mount --bind "$2" /etc/resolv.conf && mount --bind "$3" /etc/hosts && shift 3 && while [ $# -gt 1 ]; do mount --bind "$1" "$2" || exit 1; shift 2; done && exec sleep infinity';

export interface SandboxSpec {
  netns: string;
  containerId: string;
  hostname: string;
  resolvConf: string;
  hostsFile: string;
  cniConfig: Record<string, unknown>;
  cniPath: string[];
  cniArgs: Record<string, string>;
  ifName?: string;
  /** emptyDir bind mounts: host directory → path inside the pod */
  mounts?: { source: string; target: string }[];
}

export async function createNetns(runner: Runner, netns: string): Promise<void> {
  await runner.run(['ip', 'netns', 'add', netns]);
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

export async function cniDel(spec: Pick<SandboxSpec, 'netns' | 'containerId' | 'cniConfig' | 'cniArgs' | 'ifName' | 'cniPath'>): Promise<void> {
  await execCni('DEL', { containerId: spec.containerId, netns: `/run/netns/${spec.netns}`, ifName: spec.ifName ?? 'eth0', args: spec.cniArgs, config: spec.cniConfig, pluginPath: spec.cniPath });
}

/** Starts the pause process and waits until it holds the finished namespaces. */
export async function startPause(spec: SandboxSpec): Promise<number> {
  const child = spawn('nsenter', [`--net=/run/netns/${spec.netns}`, '--', 'unshare', '--uts', '--mount', '--propagation', 'private', '--', 'sh', '-c', PAUSE_SCRIPT, 'pause', spec.hostname, spec.resolvConf, spec.hostsFile, ...(spec.mounts ?? []).flatMap((m) => [m.source, m.target])], {
    stdio: ['ignore', 'ignore', 'pipe'], detached: true,
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const pid = child.pid;
  if (!pid) throw new PodnetError('ESANDBOX', `could not start the sandbox of ${spec.netns}`);
  child.unref();
  const deadline = Date.now() + PAUSE_READY_TIMEOUT_MS;
  // exec replaces sh with sleep only after the hostname and mounts are done.
  for (;;) {
    let comm = '';
    try { comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { /* exited */ }
    if (comm === 'sleep') return pid;
    if (child.exitCode !== null || comm === '') throw new PodnetError('ESANDBOX', `the sandbox of ${spec.netns} exited while starting: ${stderr.trim() || `exit ${child.exitCode}`}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL'); // a pause left behind would keep the namespace alive unseen
      throw new PodnetError('ESANDBOX', `the sandbox of ${spec.netns} did not start in time`);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** argv that runs cmd in the namespaces a pause (or the outside holder) process holds: network, hostname, mounts. */
export function joinSandboxArgv(holderPid: number, cmd: readonly string[], workdir?: string): string[] {
  return ['nsenter', '-t', String(holderPid), '--net', '--uts', '--mount', ...(workdir ? [`--wd=${workdir}`] : []), '--', ...cmd];
}

export { processAlive } from '../net/process.js';

export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
