// pods/NAME/exec: what to run for `kubectl exec`, decided on the main thread
// (the pod, its container, the node's process) before the HTTP thread
// switches the connection to a WebSocket and runs it (exec-stream.ts). The
// command runs as `podnet exec` runs it: in the pod's namespaces (nsenter
// into the sandbox), with the container's environment. Refusals are the API
// server's and the kubelet's: a container the pod does not have (400), one
// that is not running, a stream protocol podnet does not speak.

import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { ResourceInfo } from '../api/resources.js';
import type { Pod } from '../api/types.js';
import { execEnvOf, execIdentityOf, runningPid } from '../agent/container-exec.js';
import { BASE_PATH } from '../agent/container-spec.js';
import { podFiles } from '../agent/pod-files.js';
import { joinPodArgv } from '../agent/sandbox.js';
import { workingDirOf } from '../api/pod-helpers.js';
import { apiErrors } from '../errors.js';
import { EXEC_PROTOCOLS } from './exec-stream.js';
import type { UpgradeRequest } from './http-thread-link.js';
import type { Registry } from './registry.js';
import { containerOf } from './pod-log.js';

export interface ExecPlan { argv: string[]; env: Record<string, string>; stdin: boolean; tty: boolean; command: string[] }

const truthy = (v: string | null) => v === 'true' || v === '1';

/** The program's absolute path on this PATH (as is when none holds it: spawn then reports it missing). */
function onPath(program: string, searchPath: string): string {
  if (program.includes('/')) return program;
  for (const dir of searchPath.split(':')) {
    const candidate = path.join(dir || '.', program);
    try { accessSync(candidate, constants.X_OK); return candidate; } catch { /* not here */ }
  }
  return program;
}


export function planExec(registry: Registry, info: ResourceInfo, namespace: string, name: string, query: URLSearchParams, req: UpgradeRequest, where: { podsDir: string }): ExecPlan {
  const command = query.getAll('command');
  if (command.length === 0) throw apiErrors.badRequest('you must specify at least one command for the container');
  // no program can take a NUL in an argument (and node's spawn refuses one)
  if (command.some((c) => c.includes('\0'))) throw apiErrors.badRequest('command: an argument holds a NUL byte');
  const pod = registry.get(info, namespace, name).object as Pod;
  const container = containerOf(pod, query.get('container') || undefined);
  const files = podFiles(where.podsDir, pod.metadata.uid!);
  const pid = pod.spec.nodeName ? runningPid(files.containerPid(container)) : undefined;
  // the kubelet's refusal, as kubectl shows it when the stream cannot start
  if (!pid) throw apiErrors.badRequest(`container not found ("${container}")`);
  // every pod has a sandbox (a hostNetwork pod's holds the node's network and its own hostname and mounts)
  const sandbox = runningPid(files.sandboxPid);
  if (!sandbox) throw apiErrors.badRequest(`container not found ("${container}")`);
  // as the container's user, as CRI's exec runs it
  const argv = joinPodArgv(sandbox, command, workingDirOf(pod, container), execIdentityOf(pod, container, sandbox));
  // the stream protocol last: kubectl falls back from WebSocket to SPDY on any
  // refused upgrade, and only shows the second refusal, so the pod's own
  // errors must come first in both
  if (req.upgrade !== 'websocket') {
    throw apiErrors.badRequest(`podnet serves exec over WebSocket only (${EXEC_PROTOCOLS.join(', ')}), not ${req.upgrade || 'a plain request'}`);
  }
  const offered = req.protocols.split(',').map((p) => p.trim());
  if (!EXEC_PROTOCOLS.some((p) => offered.includes(p))) throw apiErrors.badRequest(`no stream protocol in common: podnet speaks ${EXEC_PROTOCOLS.join(', ')}`);
  const env = execEnvOf(pid, files.containerEnv(container));
  // nsenter and ip are found on the daemon's PATH; the command itself on the container's
  argv[0] = onPath(argv[0]!, process.env['PATH'] ?? BASE_PATH);
  return { argv, env: env as Record<string, string>, stdin: truthy(query.get('stdin')), tty: truthy(query.get('tty')), command };
}
