import fs from 'node:fs';
import path from 'node:path';
// Named network namespaces (`ip netns`, /run/netns/NAME) and the `ip -batch`
// runner that configures links, addresses and routes inside one of them.
//
// Sealed-network guard: every helper here that changes kernel state takes a
// namespace name and refuses an empty one, so no code path can configure the
// host's network namespace by forgetting an argument; netnsBatch, the one
// that runs ip in the host, accepts only lines of three exact shapes that
// each act inside a named namespace.

import { PodnetError } from '../errors.js';
import { ExecRunner, type Runner } from './runner.js';

/** ip(8) reads batch lines from stdin with `-batch -`. */
const BATCH_STDIN = ['-batch', '-'];

export function requireNetns(netns: string | undefined, what: string): string {
  if (!netns) throw new PodnetError('EHOSTNETNS', `refusing to ${what} in the host network namespace`);
  return netns;
}

/** Where `ip netns add` binds a named namespace (ip-netns(8)). */
export const NETNS_RUN_DIR = '/run/netns';

/**
 * Every named network namespace. On the real kernel these are the entries of
 * /run/netns, which is all `ip netns list` reads for their names: reading
 * them spares a process on the way to every network build and teardown.
 * Fakes are asked `ip -j netns list` (empty output when there are none).
 */
export async function listNetns(runner: Runner): Promise<string[]> {
  if (runner instanceof ExecRunner) {
    try {
      return fs.readdirSync(NETNS_RUN_DIR);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }
  const { stdout } = await runner.run(['ip', '-j', 'netns', 'list']);
  const text = stdout.trim();
  if (!text) return [];
  const parsed = JSON.parse(text) as { name: string }[];
  return parsed.map((n) => n.name);
}

/**
 * Deletes namespaces (unmount + unlink of /run/netns/NAME). `-force` keeps
 * going past names that are already gone, so this is idempotent; the kernel
 * frees a namespace, and the veths in it, once its last process has left.
 */
export async function deleteNetns(runner: Runner, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await runner.run(['ip', '-force', ...BATCH_STDIN], { input: names.map((n) => `netns del ${n}\n`).join(''), allowFailure: true });
}

/** Pids of processes whose network namespace is NAME; [] when NAME does not exist. */
export async function netnsPids(runner: Runner, name: string): Promise<number[]> {
  const { stdout, code } = await runner.run(['ip', 'netns', 'pids', name], { allowFailure: true });
  if (code !== 0) return [];
  return stdout.split('\n').map((l) => l.trim()).filter(Boolean).map(Number).filter((p) => Number.isInteger(p) && p > 0);
}

/** Runs ip(8) commands (one per line, without the leading `ip`) inside NETNS in a single process. */
export async function ipBatch(runner: Runner, netns: string, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  requireNetns(netns, 'run ip commands');
  await runner.run(['ip', ...BATCH_STDIN], { netns, input: lines.map((l) => `${l}\n`).join('') });
}

/** a namespace name as podnet makes them: no blank, quote, `#`, backslash or newline that ip's batch reader would split or join on */
const NETNS_NAME = '[A-Za-z0-9][A-Za-z0-9._-]*';
/** an absolute path of the same plain characters */
const PLAIN_PATH = '/[A-Za-z0-9_./-]+';
/**
 * The only host batch lines that change nothing outside a named namespace:
 * create one, or run one of the three programs the network build needs inside
 * one, reading a file or setting numeric sysctls. Anything else (another
 * program, say nsenter, could reach the host again) is refused.
 */
const HOST_BATCH_LINES = [
  new RegExp(`^netns add (${NETNS_NAME})$`),
  new RegExp(`^netns exec (${NETNS_NAME}) (?:ip -batch|nft -f) ${PLAIN_PATH}$`),
  new RegExp(`^netns exec (${NETNS_NAME}) sysctl -q -w(?: [a-z0-9._-]+=[0-9]+)+$`),
];

/**
 * Runs `ip -batch -` in the host network namespace with lines that each
 * either create a named namespace (`netns add NAME`) or run ip, nft or
 * sysctl inside one (`netns exec NAME …`, forked and waited for by ip in
 * batch mode). Any other line could act on the host's own network, so it is
 * refused before anything runs. ip stops at the first failing line and names
 * it on stderr (`Command failed -:N`, see failedBatchLine).
 */
export async function netnsBatch(runner: Runner, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  for (const l of lines) {
    const netns = HOST_BATCH_LINES.map((re) => re.exec(l)?.[1]).find((n) => n !== undefined);
    requireNetns(netns, `run ${JSON.stringify(l)}`);
  }
  await runner.run(['ip', ...BATCH_STDIN], { input: lines.map((l) => `${l}\n`).join('') });
}

/** The 1-based line of a `-batch -` that failed, from ip's stderr; undefined when it does not say. */
export function failedBatchLine(stderr: string): number | undefined {
  const m = /Command failed -:(\d+)/.exec(stderr);
  return m ? Number(m[1]) : undefined;
}

/** Names of the links in NETNS. */
export async function linkNames(runner: Runner, netns: string): Promise<Set<string>> {
  requireNetns(netns, 'list links');
  const { stdout } = await runner.run(['ip', '-j', 'link', 'show'], { netns });
  const text = stdout.trim();
  if (!text) return new Set();
  return new Set((JSON.parse(text) as { ifname: string }[]).map((l) => l.ifname));
}

/**
 * The pids inside each of NAMES, in one pass over /proc: a process is in a
 * namespace when its /proc/PID/ns/net is the inode the /run/netns/NAME bind
 * mount holds. `ip netns pids` scans /proc once per namespace, which for a
 * hundred pod namespaces on a busy box takes seconds.
 */
export function scanNetnsPids(names: readonly string[]): number[] {
  const inodes = new Set<string>();
  for (const name of names) {
    try { inodes.add(`net:[${fs.statSync(path.join(NETNS_RUN_DIR, name)).ino}]`); } catch { /* already gone */ }
  }
  if (inodes.size === 0) return [];
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try { if (inodes.has(fs.readlinkSync(`/proc/${entry}/ns/net`))) pids.push(Number(entry)); } catch { /* exited */ }
  }
  return pids;
}
