// What a command run "in a container" needs from the node: the container's
// process (alive or not) and its environment, which kubectl exec's command
// sees as its own. Shared by `podnet exec` and the API server's pods/exec.

import { readFileSync } from 'node:fs';
import { BASE_PATH } from './container-spec.js';
import { podContainer } from '../api/pod-helpers.js';
import { processAlive } from './sandbox.js';
import { containerIdentity, readPodUsers, type ProcessIdentity } from './security-context.js';
import type { Pod } from '../api/types.js';

/** The pid a pid file names, if that process is alive. */
export function runningPid(file: string): number | undefined {
  let pid: number;
  try { pid = Number(readFileSync(file, 'utf8')); } catch { return undefined; }
  return processAlive(pid) ? pid : undefined;
}

/** As kubectl exec: the command sees the container's environment (read from its running process). */
export function containerEnvOf(pid: number): NodeJS.ProcessEnv | undefined {
  try {
    const env: NodeJS.ProcessEnv = {};
    for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
      const i = entry.indexOf('=');
      if (i > 0) env[entry.slice(0, i)] = entry.slice(i + 1);
    }
    return env;
  } catch { return undefined; }
}

/** The environment the agent started the container with (pod-worker.ts writes it), if it wrote one. */
function startedEnv(envFile: string | undefined): NodeJS.ProcessEnv | undefined {
  if (!envFile) return undefined;
  try { return JSON.parse(readFileSync(envFile, 'utf8')) as NodeJS.ProcessEnv; } catch { return undefined; }
}

/**
 * The environment a command run in the container gets, as a runtime gives
 * an exec the container's configured environment: the one the agent started
 * it with; else what its process shows (a program that rewrites its process
 * title, as NGINX does, overwrites /proc/PID/environ, so that comes second);
 * else, when neither can be read, a PATH to find the command by.
 */
export function execEnvOf(pid: number | undefined, envFile?: string): NodeJS.ProcessEnv {
  return startedEnv(envFile) ?? (pid !== undefined ? containerEnvOf(pid) : undefined) ?? { PATH: BASE_PATH };
}

/**
 * The user and groups a command run in the container gets: the
 * container's own (its securityContext, security-context.ts), as CRI's exec
 * runs as the container's user; undefined for root. For joinPodArgv.
 */
export function execIdentityOf(pod: Pod, container: string, sandboxPid: number): ProcessIdentity | undefined {
  const spec = podContainer(pod, container);
  return spec ? containerIdentity(pod, spec, () => readPodUsers(`/proc/${sandboxPid}/root`)) : undefined;
}
