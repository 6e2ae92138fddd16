// `podnet exec [-n NS] POD -- CMD…`, `podnet exec node/NAME -- CMD…` and
// `podnet outside -- CMD…`: run a command inside our namespaces with the
// terminal attached; the command's exit code is passed through.

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { netnsNames, NODE_RESOLV_CONF } from '../../config.js';
import { apiErrors, PodnetError } from '../../errors.js';
import { podFiles } from '../../agent/pod-files.js';
import { joinPodArgv, joinSandboxArgv, nodeExecArgv, pauseMountTable, processAlive } from '../../agent/sandbox.js';
import { workingDirOf } from '../../api/pod-helpers.js';
import { nodeHostsFile } from '../../agent/container-spec.js';
import { writeFileAtomic } from '../../atomic-file.js';
import { execEnvOf, execIdentityOf, runningPid } from '../../agent/container-exec.js';
import { outsideFiles } from '../../daemon/outside-world.js';
import type { CommonFlags } from '../args.js';
import type { Context } from '../context.js';
import { defaultContainer, hasContainer, resolvePod } from './logs.js';
import type { Node, Pod } from '../../api/types.js';

/**
 * Runs argv with this process's stdout and stderr (and terminal); stdin too
 * unless `stdin` is false, when the command reads end-of-file at once (/dev/null),
 * as a command kubectl exec runs without -i has no stdin stream.
 */
export function runAttached(argv: string[], env: NodeJS.ProcessEnv = process.env, stdin = true): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: [stdin ? 'inherit' : 'ignore', 'inherit', 'inherit'], env });
    child.on('error', (e) => reject(new PodnetError('EEXEC', `could not run ${argv.join(' ')}: ${e.message}`)));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + 9 : 1)));
  });
}


/** kubectl exec's warning when -it is given and stdin is not a terminal */
export const NO_TTY = 'Unable to use a TTY - input is not a terminal or the right kind of file';

/**
 * `podnet exec POD` passes stdin only with -i, as kubectl exec. `exec
 * node/NAME` and `outside` are podnet's own (like `ip netns exec`): they
 * always pass stdin and the terminal through, and take -i and -t only so
 * that a kubectl habit does not fail there.
 */
export async function execCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  const target = flags.positionals[0];
  if (!target) throw new PodnetError('EUSAGE', 'expected POD or node/NAME');
  if (flags.rest.length === 0) throw new PodnetError('EUSAGE', 'you must specify at least one command for the container');
  if (target.startsWith('node/')) {
    const name = target.slice('node/'.length);
    const node = await ctx.client().get<Node>('nodes', undefined, name);
    return runAttached(nodeExecArgv(nodeFiles(ctx, node), flags.rest));
  }
  const pod = await resolvePod(ctx, flags.namespace ?? 'default', target);
  const files = podFiles(ctx.paths.pods, pod.metadata.uid!);
  const { container, pid } = execTarget(pod, flags.container, (line) => { process.stderr.write(line); }, (name) => runningPid(files.containerPid(name)));
  const env = execEnvOf(pid, files.containerEnv(container));
  // every pod has a sandbox (a hostNetwork pod's holds the node's network and its own hostname and mounts)
  const sandbox = runningPid(files.sandboxPid);
  if (!sandbox) throw new PodnetError('ENOTRUNNING', `unable to upgrade connection: container not found ("${container}")`);
  // kubectl's StreamOptions.SetupTTY: -t counts only with -i, and then only
  // when stdin is a terminal (which the command inherits as it is)
  if (flags.stdin && flags.tty && !process.stdin.isTTY) process.stderr.write(`${NO_TTY}\n`);
  // as the container's user, as CRI's exec runs it
  const code = await runAttached(joinPodArgv(sandbox, flags.rest, workingDirOf(pod, container), execIdentityOf(pod, container, sandbox)), env, flags.stdin);
  // remotecommand's CodeExitError, printed as kubectl's CheckErr does (no "error: " prefix)
  if (code !== 0) process.stderr.write(`command terminated with exit code ${code}\n`);
  return code;
}

/**
 * kubectl exec's preconditions, in its order: a completed pod is refused by
 * kubectl itself; a container the pod does not have by the API server (400);
 * a container not running by the kubelet, whose refusal reaches kubectl as
 * the failed upgrade of the stream connection.
 */
export function execTarget(pod: Pod, wanted: string | undefined, warn: (line: string) => void, running: (container: string) => number | undefined): { container: string; pid: number } {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') throw new PodnetError('ECOMPLETED', `cannot exec into a container in a completed pod; current phase is ${phase}`);
  if (wanted !== undefined && !hasContainer(pod, wanted)) throw apiErrors.badRequest(`container ${wanted} is not valid for pod ${pod.metadata.name}`);
  const container = wanted ?? defaultContainer(pod, warn);
  const pid = running(container);
  if (!pid) throw new PodnetError('ENOTRUNNING', `unable to upgrade connection: container not found ("${container}")`);
  return { container, pid };
}

/**
 * The node's own hostname and the mounts its exec gets (pauseMountTable: a
 * sysfs of its network, its resolv.conf, the external DNS, as the kubelet
 * hands to dnsPolicy Default pods, and its hosts file), written under the
 * cluster's state directory.
 */
function nodeFiles(ctx: Context, node: Node): { netns: string; hostname: string; mountTable: string } {
  const name = node.metadata.name!;
  const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  if (!ip) throw new PodnetError('ENOTRUNNING', `node ${name} has no InternalIP yet`);
  const dir = path.join(ctx.paths.nodes, name);
  mkdirSync(dir, { recursive: true });
  const resolvConf = path.join(dir, 'resolv.conf');
  const hostsFile = path.join(dir, 'hosts');
  const mountTable = path.join(dir, 'mounts.fstab');
  writeFileAtomic(resolvConf, NODE_RESOLV_CONF);
  writeFileAtomic(hostsFile, nodeHostsFile(name, ip));
  writeFileAtomic(mountTable, pauseMountTable({ resolvConf, hostsFile }));
  return { netns: netnsNames.node(ctx.cluster, name), hostname: name, mountTable };
}

export async function outsideCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  const cmd = flags.rest.length > 0 ? flags.rest : flags.positionals;
  if (cmd.length === 0) throw new PodnetError('EUSAGE', 'usage: podnet outside -- CMD…');
  let pid = 0;
  try { pid = Number(readFileSync(outsideFiles(ctx.paths).holderPid, 'utf8')); } catch { /* not running */ }
  if (!pid || !processAlive(pid)) throw new PodnetError('ENOTRUNNING', `the outside client of cluster "${ctx.cluster}" is not running; start the cluster with: podnet up`);
  // The outside client's own hostname and resolv.conf (its resolver is the external DNS).
  // The outside client is "your laptop": it keeps your working directory.
  return runAttached(joinSandboxArgv(pid, cmd, process.cwd()));
}
