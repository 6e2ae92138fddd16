#!/usr/bin/env node
// podnet-cni: the executable the node agent runs exactly as containerd would
// (CNI spec 1.1.0, "Section 2: Execution Protocol"): the command and its
// parameters come from CNI_* variables, the network configuration from
// stdin; the result, or an error object, goes to stdout; logs go to stderr.
//
// Start-up time is most of an ADD's cost, so this file imports only what
// every command needs and loads the command code lazily.

import fs from 'node:fs';
import { CNI_PLUGIN_ERROR, CniError } from '../errors.js';
import { readCniEnv } from './env.js';
import { configVersion, decodeConfig, parseNetConf } from './netconf.js';
import { isSupportedVersion, LATEST_VERSION, renderResult, requireVersion, SUPPORTED_VERSIONS } from './version.js';

const DEBUG = (process.env.PODNET_DEBUG ?? '').split(',').some((c) => c === 'cni' || c === '*');
/** escape hatch for running the plugin outside a podnet namespace on purpose */
const ALLOW_ANY_NETNS = process.env.PODNET_CNI_ALLOW_ANY_NETNS === '1';
const NETNS_DIR = '/run/netns';
const PODNET_NETNS_PREFIX = 'pn-';
const INDENT = 4;

function log(line: string): void {
  // time since process start: start-up dominates a plugin run, so show where it goes
  if (DEBUG) process.stderr.write(`[podnet-cni +${performance.now().toFixed(1)}ms] ${line}\n`);
}

function readStdin(): string {
  try {
    return fs.readFileSync(0, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EAGAIN' || (e as NodeJS.ErrnoException).code === 'EOF') return '';
    throw e;
  }
}

/**
 * Sealed-network guard (DESIGN.md): podnet never creates links outside its own
 * namespaces. The runtime runs the plugin inside the node's namespace, which
 * podnet created as /run/netns/pn-...; refuse to touch any other namespace
 * (the host's, above all). A namespace file's inode is the namespace's id.
 */
function refuseForeignNetns(): void {
  if (ALLOW_ANY_NETNS) return;
  const self = fs.statSync('/proc/self/ns/net');
  let names: string[] = [];
  try {
    names = fs.readdirSync(NETNS_DIR).filter((n) => n.startsWith(PODNET_NETNS_PREFIX));
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

function print(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, INDENT) + '\n');
}

async function main(): Promise<number> {
  let version = LATEST_VERSION;
  try {
    const env = readCniEnv(process.env);
    const stdin = readStdin();
    if (env.command === 'VERSION') {
      // stdin may carry {"cniVersion": ...}; answer in that version when we speak it
      const asked = stdin.trim() ? configVersion(decodeConfig(stdin)) : '';
      print({ cniVersion: isSupportedVersion(asked) ? asked : LATEST_VERSION, supportedVersions: SUPPORTED_VERSIONS });
      return 0;
    }
    const raw = decodeConfig(stdin);
    const asked = configVersion(raw);
    if (isSupportedVersion(asked)) version = asked;
    requireVersion(asked, env.command);
    const conf = parseNetConf(raw);
    if (env.command !== 'STATUS') refuseForeignNetns();
    log(`${env.command} parsed`);
    const [plugin, { defaultRunner }] = await Promise.all([import('./plugin.js'), import('../net/runner.js')]);
    log('loaded');
    const ctx = { runner: defaultRunner, env, conf, log };
    switch (env.command) {
      case 'ADD': print(renderResult(await plugin.cmdAdd(ctx), version)); break;
      case 'DEL': await plugin.cmdDel(ctx); break;
      case 'CHECK': await plugin.cmdCheck(ctx); break;
      case 'STATUS': await plugin.cmdStatus(ctx); break;
      case 'GC': await plugin.cmdGc(ctx); break;
    }
  } catch (e) {
    const err = e instanceof CniError ? e : new CniError(CNI_PLUGIN_ERROR.internal, (e as Error)?.message ?? String(e));
    log(`error ${err.cniCode}: ${err.message}`);
    print(err.toJSON(version));
    return 1;
  }
  return 0;
}

// Exit at once: stdout to a pipe or file is written synchronously on Linux
// (Node "process I/O" notes), and a natural exit spends tens of ms tearing down.
process.exit(await main());
