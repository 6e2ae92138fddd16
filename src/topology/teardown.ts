// Removes every network namespace of a cluster, also after a crash: whatever
// is named `pn-<cluster>-…` in /run/netns goes, after the processes still in
// it are killed (a namespace outlives its /run/netns name while a process is
// inside, so deleting first would leak an invisible namespace).

import { PodnetError } from '../errors.js';
import { netnsNames } from '../config.js';
import { defaultRunner, ExecRunner, type Runner } from '../net/runner.js';
import { deleteNetns, listNetns, netnsPids, scanNetnsPids } from '../net/netns.js';
import { DEFAULT_PARALLELISM, mapLimit } from './parallel.js';

const ROUTER_SUFFIX = '-router';
const KILL_TIMEOUT_MS = 5_000;
const KILL_POLL_MS = 20;

/**
 * The names in ALL that belong to CLUSTER. `pn-a-` is also the prefix of
 * cluster `a-b`'s namespaces (CLUSTER_NAME_PATTERN allows hyphens), so names
 * of any other cluster whose router namespace `pn-<other>-router` is present
 * are excluded. Pure.
 */
export function clusterNamespaces(cluster: string, all: readonly string[]): string[] {
  const prefix = netnsNames.prefix(cluster);
  const ownRouter = netnsNames.router(cluster);
  const others = all
    .filter((n) => n.startsWith(prefix) && n.endsWith(ROUTER_SUFFIX) && n !== ownRouter)
    .map((n) => `${n.slice(0, -ROUTER_SUFFIX.length)}-`);
  return all.filter((n) => n.startsWith(prefix) && !others.some((o) => n.startsWith(o))).sort();
}

export async function listClusterNamespaces(cluster: string, runner: Runner = defaultRunner): Promise<string[]> {
  return clusterNamespaces(cluster, await listNetns(runner));
}

export type Killer = (pid: number) => void;

const sigkill: Killer = (pid) => {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * SIGKILLs every process in NAMES until none is left (children forked in the
 * meantime are caught by the next round). A killed process leaves its network
 * namespace when it exits, before its parent reaps it, so zombies don't count.
 * Returns the pids killed.
 */
export async function killNamespaceProcesses(runner: Runner, names: readonly string[], kill: Killer = sigkill, timeoutMs = KILL_TIMEOUT_MS): Promise<number[]> {
  const killed = new Set<number>();
  const deadline = Date.now() + timeoutMs;
  // On the real kernel one /proc scan finds every pid; fakes answer `ip netns pids`.
  const list = runner instanceof ExecRunner
    ? async () => scanNetnsPids(names)
    : async () => (await mapLimit(names, DEFAULT_PARALLELISM, (n) => netnsPids(runner, n))).flat();
  for (;;) {
    const pids = (await list()).filter((p) => p !== process.pid);
    if (pids.length === 0) return [...killed];
    // Kill before looking at the clock: listing alone may outlast the deadline on a
    // busy box. Only processes that outlived an earlier SIGKILL count as stuck.
    const stuck = pids.filter((p) => killed.has(p));
    for (const pid of pids) {
      kill(pid);
      killed.add(pid);
    }
    if (Date.now() > deadline && stuck.length > 0) {
      throw new PodnetError('ETEARDOWN', `could not kill processes ${stuck.join(' ')} in netns ${names.join(' ')}: still running after ${timeoutMs} ms`);
    }
    await sleep(KILL_POLL_MS);
  }
}

export interface TeardownResult { namespaces: string[]; killed: number[] }

/** Deletes all of CLUSTER's namespaces; succeeds (and does nothing) when there are none. */
export async function teardownCluster(cluster: string, runner: Runner = defaultRunner, kill: Killer = sigkill): Promise<TeardownResult> {
  const namespaces = await listClusterNamespaces(cluster, runner);
  if (namespaces.length === 0) return { namespaces, killed: [] };
  const killed = await killNamespaceProcesses(runner, namespaces, kill);
  await deleteNetns(runner, namespaces);
  const left = await listClusterNamespaces(cluster, runner);
  if (left.length > 0) throw new PodnetError('ETEARDOWN', `could not delete netns ${left.join(' ')} of cluster ${cluster}`);
  return { namespaces, killed };
}
