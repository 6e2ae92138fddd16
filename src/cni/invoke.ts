// One CNI invocation, from its inputs (the CNI_* variables and the stdin
// bytes) to its outputs (stdout text and exit status), with no process I/O.
// Both ways of running podnet-cni go through here, so they behave the same:
// the standalone executable (main.ts, a fresh Node process per call) and the
// resident server (server.ts, in the node agent), which the installed
// `podnet-cni` shim hands calls to when it is up.
//
// Start-up time matters for the standalone path, so this file imports only
// what every command needs and loads the command code lazily.

import fs from 'node:fs';
import { CNI_PLUGIN_ERROR, CniError } from '../errors.js';
import type { Runner } from '../net/runner.js';
import { readCniEnv } from './env.js';
import { configVersion, decodeConfig, parseNetConf } from './netconf.js';
import { isSupportedVersion, LATEST_VERSION, renderResult, requireVersion, SUPPORTED_VERSIONS } from './version.js';

const NETNS_DIR = '/run/netns';
const PODNET_NETNS_PREFIX = 'pn-';
/** pod sandboxes are pn-<cluster>-pod-<uid> (config.ts netnsNames) */
const POD_NETNS_MARK = '-pod-';
const INDENT = 4;

/** The variables one invocation reads; the shim forwards exactly these to the server. */
export const INVOCATION_VARS = [
  'CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_ARGS', 'CNI_PATH',
  'PODNET_DEBUG', 'PODNET_CNI_ALLOW_ANY_NETNS',
] as const;

export type InvocationVars = Partial<Record<(typeof INVOCATION_VARS)[number], string>>;

export interface InvocationResult {
  /** what the plugin prints on stdout: a result, an error object, or nothing */
  stdout: string;
  /** the plugin's exit status: 0, or 1 with an error object on stdout */
  code: number;
}

export function debugEnabled(vars: InvocationVars): boolean {
  return (vars.PODNET_DEBUG ?? '').split(',').some((c) => c === 'cni' || c === '*');
}

/**
 * Sealed-network guard (DESIGN.md): podnet never creates links outside its own
 * namespaces. The runtime runs the plugin inside the node's namespace, which
 * podnet created as /run/netns/pn-...; refuse to touch any other namespace
 * (the host's, above all). A namespace file's inode is the namespace's id.
 * The resident server only serves callers in its own namespace (server.ts),
 * so checking the current process's namespace is right for both paths.
 */
function refuseForeignNetns(): void {
  const self = fs.statSync('/proc/self/ns/net');
  let names: string[] = [];
  try {
    // node namespaces first: the plugin runs in one, and a busy node has a hundred pod namespaces to stat otherwise
    names = fs.readdirSync(NETNS_DIR).filter((n) => n.startsWith(PODNET_NETNS_PREFIX))
      .sort((a, b) => Number(a.includes(POD_NETNS_MARK)) - Number(b.includes(POD_NETNS_MARK)));
  } catch { /* no named namespaces at all */ }
  for (const name of names) {
    try {
      const st = fs.statSync(`${NETNS_DIR}/${name}`);
      if (st.ino === self.ino && st.dev === self.dev) return;
    } catch { /* deleted meanwhile */ }
  }
  throw new CniError(CNI_PLUGIN_ERROR.hostNetns, 'refusing to run outside a podnet network namespace',
    `run podnet-cni inside a node namespace (ip netns exec ${PODNET_NETNS_PREFIX}<cluster>-<node> ...) or set PODNET_CNI_ALLOW_ANY_NETNS=1`);
}

function render(value: unknown): string {
  return JSON.stringify(value, null, INDENT) + '\n';
}

/**
 * Runs one CNI command (CNI spec 1.1.0, "Section 2: Execution Protocol") and
 * returns what the executable would print and exit with. `runner` runs the
 * ip scripts: one-shot processes unless the caller has a longer-lived one
 * (the resident server's ResidentIpRunner).
 */
export async function invokeCni(vars: InvocationVars, stdin: string, log: (line: string) => void, runner?: Runner): Promise<InvocationResult> {
  let version = LATEST_VERSION;
  try {
    const env = readCniEnv(vars);
    if (env.command === 'VERSION') {
      // stdin may carry {"cniVersion": ...}; answer in that version when we speak it
      const asked = stdin.trim() ? configVersion(decodeConfig(stdin)) : '';
      return { stdout: render({ cniVersion: isSupportedVersion(asked) ? asked : LATEST_VERSION, supportedVersions: SUPPORTED_VERSIONS }), code: 0 };
    }
    const raw = decodeConfig(stdin);
    const asked = configVersion(raw);
    if (isSupportedVersion(asked)) version = asked;
    requireVersion(asked, env.command);
    const conf = parseNetConf(raw);
    // escape hatch for running the plugin outside a podnet namespace on purpose
    if (env.command !== 'STATUS' && vars.PODNET_CNI_ALLOW_ANY_NETNS !== '1') refuseForeignNetns();
    log(`${env.command} parsed`);
    const [plugin, { defaultRunner }] = await Promise.all([import('./plugin.js'), import('../net/runner.js')]);
    log('loaded');
    const ctx = { runner: runner ?? defaultRunner, env, conf, log };
    switch (env.command) {
      case 'ADD': return { stdout: render(renderResult(await plugin.cmdAdd(ctx), version)), code: 0 };
      case 'DEL': await plugin.cmdDel(ctx); break;
      case 'CHECK': await plugin.cmdCheck(ctx); break;
      case 'STATUS': await plugin.cmdStatus(ctx); break;
      case 'GC': await plugin.cmdGc(ctx); break;
    }
    return { stdout: '', code: 0 };
  } catch (e) {
    const err = e instanceof CniError ? e : new CniError(CNI_PLUGIN_ERROR.internal, (e as Error)?.message ?? String(e));
    log(`error ${err.cniCode}: ${err.message}`);
    return { stdout: render(err.toJSON(version)), code: 1 };
  }
}
