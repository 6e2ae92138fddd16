// Runs a CNI plugin exactly as a container runtime does (CNI spec 1.1.0,
// "Section 2: Execution Protocol"): CNI_* variables in the environment, the
// network configuration on stdin, a result or an error object on stdout.
// The node agent uses this for every pod, so it exercises the same contract
// containerd would; there is no in-process shortcut.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CNI_PLUGIN_ERROR, CniError } from '../errors.js';
import { defaultRunner, type Runner } from '../net/runner.js';
import type { CniCommand } from './env.js';
import { shimScript } from './shim.js';

export interface ExecCniOptions {
  /** the network configuration (a single plugin's, as the runtime hands it over) */
  config: Record<string, unknown>;
  containerId?: string;
  /** path of the sandbox's network namespace, e.g. /run/netns/pn-podnet-pod-1a2b */
  netns?: string;
  ifName?: string;
  /** CNI_ARGS, e.g. { K8S_POD_NAMESPACE: 'default', K8S_POD_NAME: 'web-1' } */
  args?: Record<string, string>;
  /** CNI_PATH: directories searched for the executable named by config.type */
  pluginPath: string[];
  /** run the plugin inside this named namespace (`ip netns exec`), for callers not already in the node's */
  runInNetns?: string;
  /** more environment for the plugin (e.g. PODNET_DEBUG) */
  env?: Record<string, string>;
  runner?: Runner;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** the spec's CNI_ARGS syntax has no escaping */
const CNI_ARGS_FORBIDDEN = /[;=]/;

/** Absolute path of the podnet-cni executable in this build (dist/src/cni/main.js). */
export function podnetCniExecutable(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.js');
}

export interface InstallOptions {
  /**
   * socket of the resident CNI server the shim hands calls to (server.ts);
   * PODNET_CNI_SOCKET overrides it per call. Omitted: the plugin runs
   * standalone unless the caller sets PODNET_CNI_SOCKET.
   */
  socket?: string;
}

/**
 * Makes `dir` a CNI_PATH directory holding the podnet-cni shim (shim.ts)
 * under the names a network config's `type` may use; returns `dir`. The shim
 * is written to a temporary name and renamed, so a runtime never executes
 * half a file. tsc does not set the executable bit, so this sets it on the
 * standalone entry too.
 */
export function installPodnetCni(dir: string, o: InstallOptions = {}): string {
  const main = podnetCniExecutable();
  fs.chmodSync(main, 0o755);
  fs.mkdirSync(dir, { recursive: true });
  const text = shimScript({ node: process.execPath, main, defaultSocket: o.socket ?? '' });
  for (const name of ['podnet-cni', 'podnet']) {
    const file = path.join(dir, name);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text, { mode: 0o755 });
    fs.chmodSync(tmp, 0o755);
    fs.renameSync(tmp, file);
  }
  return dir;
}

/** libcni's FindInPath: the first executable file named `type` in CNI_PATH. */
export function findPlugin(type: string, pluginPath: readonly string[]): string {
  if (!type || type.includes('/')) throw new CniError(CNI_PLUGIN_ERROR.internal, `invalid plugin type "${type}"`);
  for (const dir of pluginPath) {
    const candidate = path.join(dir, type);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch { /* try the next directory */ }
  }
  throw new CniError(CNI_PLUGIN_ERROR.internal, `failed to find plugin "${type}" in path [${pluginPath.join(' ')}]`);
}

export function formatCniArgs(args: Record<string, string>): string {
  return Object.entries(args).map(([k, v]) => {
    if (CNI_ARGS_FORBIDDEN.test(k) || v.includes(';')) throw new CniError(CNI_PLUGIN_ERROR.internal, `CNI_ARGS cannot carry ${k}=${v}`);
    return `${k}=${v}`;
  }).join(';');
}

/**
 * Executes `command` and returns the parsed stdout (ADD and VERSION), or
 * undefined (commands that print nothing on success). A plugin error becomes
 * a CniError with the plugin's code, msg and details.
 */
export async function execCni(command: CniCommand, o: ExecCniOptions): Promise<Record<string, unknown> | undefined> {
  const runner = o.runner ?? defaultRunner;
  const exe = findPlugin(String(o.config.type ?? ''), o.pluginPath);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    ...(process.env.PODNET_DEBUG ? { PODNET_DEBUG: process.env.PODNET_DEBUG } : {}),
    ...o.env,
    CNI_COMMAND: command,
    CNI_PATH: o.pluginPath.join(':'),
    ...(o.containerId !== undefined ? { CNI_CONTAINERID: o.containerId } : {}),
    ...(o.netns !== undefined ? { CNI_NETNS: o.netns } : {}),
    ...(o.ifName !== undefined ? { CNI_IFNAME: o.ifName } : {}),
    // containerd leads with IgnoreUnknown=1 so plugins that do not know the K8S_* keys accept them
    ...(o.args && Object.keys(o.args).length > 0 ? { CNI_ARGS: formatCniArgs({ IgnoreUnknown: '1', ...o.args }) } : {}),
  };
  const res = await runner.run([exe], {
    input: JSON.stringify(o.config),
    env,
    allowFailure: true,
    timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(o.runInNetns ? { netns: o.runInNetns } : {}),
  });
  const out = res.stdout.trim();
  let parsed: Record<string, unknown> | undefined;
  try {
    parsed = out ? JSON.parse(out) as Record<string, unknown> : undefined;
  } catch {
    parsed = undefined;
  }
  if (res.code === 0) {
    if (out && !parsed) throw new CniError(CNI_PLUGIN_ERROR.internal, `${path.basename(exe)} ${command} printed invalid JSON`, out.slice(0, 500));
    return parsed;
  }
  if (parsed && typeof parsed.code === 'number' && typeof parsed.msg === 'string') {
    throw new CniError(parsed.code, parsed.msg, typeof parsed.details === 'string' ? parsed.details : '');
  }
  throw new CniError(CNI_PLUGIN_ERROR.internal, `${path.basename(exe)} ${command} failed (exit ${res.code ?? 'signal'})`, (res.stderr || out).trim().slice(0, 500));
}
