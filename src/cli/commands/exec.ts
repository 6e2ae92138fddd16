// `podnet exec [-n NS] POD -- CMD…`, `podnet exec node/NAME -- CMD…` and
// `podnet outside -- CMD…`: run a command inside our namespaces with the
// terminal attached; the command's exit code is passed through.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { netnsNames } from '../../config.js';
import { PodnetError } from '../../errors.js';
import { podFiles } from '../../agent/pod-files.js';
import { joinSandboxArgv, processAlive } from '../../agent/sandbox.js';
import { outsideFiles } from '../../daemon/outside-world.js';
import type { CommonFlags } from '../args.js';
import type { Context } from '../context.js';
import { resolvePod } from './logs.js';
import type { Pod } from '../../api/types.js';

export function runAttached(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit', env });
    child.on('error', (e) => reject(new PodnetError('EEXEC', `could not run ${argv.join(' ')}: ${e.message}`)));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + 9 : 1)));
  });
}


export async function execCommand(ctx: Context, flags: CommonFlags): Promise<number> {
  const target = flags.positionals[0];
  if (!target) throw new PodnetError('EUSAGE', 'expected POD or node/NAME');
  if (flags.rest.length === 0) throw new PodnetError('EUSAGE', 'you must specify at least one command for the container');
  if (target.startsWith('node/')) {
    const node = target.slice('node/'.length);
    await ctx.client().get('nodes', undefined, node);
    return runAttached(['ip', 'netns', 'exec', netnsNames.node(ctx.cluster, node), ...flags.rest]);
  }
  const pod = await resolvePod(ctx, flags.namespace ?? 'default', target);
  if (pod.spec.hostNetwork) return runAttached(['ip', 'netns', 'exec', netnsNames.node(ctx.cluster, pod.spec.nodeName!), ...flags.rest]);
  let pid: number;
  try { pid = Number(readFileSync(podFiles(ctx.paths.pods, pod.metadata.uid!).sandboxPid, 'utf8')); } catch {
    throw new PodnetError('ENOTRUNNING', `unable to upgrade connection: container not found ("${pod.spec.containers[0]!.name}") — pod ${pod.metadata.name} is ${pod.status?.phase ?? 'Pending'}`);
  }
  return runAttached(joinSandboxArgv(pid, flags.rest), containerEnvOf(ctx, pod, flags.container) ?? process.env);
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

/** As kubectl exec: the command sees the container's environment (read from its running process). */
function containerEnvOf(ctx: Context, pod: Pod, container?: string): NodeJS.ProcessEnv | undefined {
  const name = container ?? pod.spec.containers[0]!.name;
  try {
    const pid = Number(readFileSync(podFiles(ctx.paths.pods, pod.metadata.uid!).containerPid(name), 'utf8'));
    const env: NodeJS.ProcessEnv = {};
    for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
      const i = entry.indexOf('=');
      if (i > 0) env[entry.slice(0, i)] = entry.slice(i + 1);
    }
    return env;
  } catch { return undefined; }
}
