// The CNI_* environment of one plugin invocation (CNI spec 1.1.0,
// "Parameters"), parsed and checked per command. Which variable each command
// needs follows libcni's skel package, so runtimes see the same code 4 errors
// from us as from the reference plugins.

import { CNI_ERROR, CniError } from '../errors.js';

export const COMMANDS = ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS', 'GC'] as const;
export type CniCommand = (typeof COMMANDS)[number];

export interface CniEnv {
  command: CniCommand;
  containerId: string;
  /** path of the sandbox's network namespace; may be empty for DEL */
  netns: string;
  ifName: string;
  /** CNI_ARGS as key/value pairs (K8S_POD_NAME, K8S_POD_NAMESPACE, IgnoreUnknown...) */
  args: Record<string, string>;
  /** CNI_PATH split on ':' */
  path: string[];
}

type Var = 'CNI_CONTAINERID' | 'CNI_NETNS' | 'CNI_IFNAME' | 'CNI_PATH';

const REQUIRED: Record<CniCommand, Var[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  // DEL may come after the sandbox is gone, so CNI_NETNS is optional (SPEC.md, DEL)
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH'],
  STATUS: ['CNI_PATH'],
  GC: ['CNI_PATH'],
  VERSION: [],
};

/** Interface names the kernel accepts: 1-15 bytes, no '/', ':' or whitespace (IFNAMSIZ-1). */
const IFNAME_PATTERN = /^[^\s/:]{1,15}$/;

/**
 * `K=V;K=V` (CNI spec "CNI_ARGS"). Empty pieces are skipped; a piece without
 * '=' is an error, as in libcni's types.LoadArgs.
 */
export function parseCniArgs(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const piece of text.split(';')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    if (eq <= 0) throw new CniError(CNI_ERROR.invalidEnv, `invalid CNI_ARGS pair "${piece}"`, 'want KEY=VALUE pairs separated by ";"');
    out[piece.slice(0, eq)] = piece.slice(eq + 1);
  }
  return out;
}

export function isCommand(s: string | undefined): s is CniCommand {
  return (COMMANDS as readonly string[]).includes(s ?? '');
}

const CONTAINER_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Reads and checks the environment for one invocation; throws CNI code 4. */
export function readCniEnv(env: NodeJS.ProcessEnv): CniEnv {
  const command = env.CNI_COMMAND;
  if (!command) throw new CniError(CNI_ERROR.invalidEnv, 'required env variables [CNI_COMMAND] missing');
  if (!isCommand(command)) throw new CniError(CNI_ERROR.invalidEnv, `unknown CNI_COMMAND "${command}"`, `want one of ${COMMANDS.join(', ')}`);
  const missing = REQUIRED[command].filter((v) => !env[v]);
  if (missing.length > 0) throw new CniError(CNI_ERROR.invalidEnv, `required env variables [${missing.join(',')}] missing`);
  const ifName = env.CNI_IFNAME ?? '';
  if (ifName && (!IFNAME_PATTERN.test(ifName) || ifName === '.' || ifName === '..')) {
    throw new CniError(CNI_ERROR.invalidEnv, `invalid CNI_IFNAME "${ifName}"`, 'an interface name is 1-15 characters, not "." or "..", without "/", ":" or spaces');
  }
  // libcni's skel (ValidateContainerID): the ID keys files and link names, so no path characters
  const containerId = env.CNI_CONTAINERID ?? '';
  if (containerId && !CONTAINER_ID_PATTERN.test(containerId)) {
    throw new CniError(CNI_ERROR.invalidEnv, 'invalid characters in containerID', containerId);
  }
  return {
    command,
    containerId,
    netns: env.CNI_NETNS ?? '',
    ifName,
    args: parseCniArgs(env.CNI_ARGS),
    path: (env.CNI_PATH ?? '').split(':').filter(Boolean),
  };
}

/** "ns/name" of the pod from CNI_ARGS, for log lines; the container id when the runtime did not say. */
export function podLabel(e: CniEnv): string {
  const ns = e.args.K8S_POD_NAMESPACE;
  const name = e.args.K8S_POD_NAME;
  return name ? `${ns ?? 'default'}/${name}` : e.containerId;
}
