// `podnet up` starts the cluster's daemon in the background and returns when
// every node is Ready; `podnet down` removes everything of the cluster, also
// after a crash, and succeeds when nothing is there.

import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, rmSync, closeSync, readdirSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Deployment, Node, Service } from '../../api/types.js';
import { getCondition } from '../../api/pod-helpers.js';
import { isApiError, PodnetError } from '../../errors.js';
import { defaultRunner } from '../../net/runner.js';
import { processAlive, processArgs } from '../../net/process.js';
import { parseDuration, type CommonFlags } from '../args.js';
import { clusterOption, type Context } from '../context.js';
import { readTrace, formatTrace, TRACE_ENV, TRACE_FILE_NAME, StartupTrace } from '../../startup-trace.js';
import { CLUSTER_DNS_DEPLOYMENT, DEFAULT_NODES, INGRESS_CONTROLLER } from '../../config.js';
import { lbStatusPath, readLbStatus } from '../../cloud/lb-status.js';
import { daemonHoldsLock, DAEMON_LOCKED_EXIT } from '../../daemon/instance-lock.js';

/**
 * Node 20 reads NODE_EXTRA_CA_CERTS eagerly at every process start (about
 * 45 ms of CPU per process on the 2-core box, whose shell sets it for npm):
 * the daemon and the Node processes it starts (node agents, CNI servers,
 * external DNS, the LB agent) verify no TLS peer, so they start without it.
 * Containers get the environment their pod spec gives them anyway.
 */
const UNUSED_BY_THE_DAEMON = ['NODE_EXTRA_CA_CERTS'];

export function daemonEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of UNUSED_BY_THE_DAEMON) delete out[name];
  return out;
}

/** the daemon's own entry point: the command line's modules are not on its way to building the network */
const DAEMON_MAIN = fileURLToPath(new URL('../../daemon/daemon-main.js', import.meta.url));

/** node's arguments for the daemon of `cluster` (the bench starts it the same way, under a profiler) */
export function daemonArgv(cluster: string, nodes: number, bare: boolean): string[] {
  return [DAEMON_MAIN, '--cluster', cluster, '--nodes', String(nodes), ...(bare ? ['--bare'] : [])];
}

const POLL_MS = 25;

/**
 * The running daemon's pid: only when a daemon holds the cluster's lock
 * (src/daemon/instance-lock.ts) and its pid file names a live process. A pid
 * file left by a daemon killed with -9 may name a pid the system has since
 * given to an unrelated process, which must never be taken for the daemon.
 */
export async function daemonPid(ctx: Context): Promise<number | undefined> {
  const pid = pidFileDaemon(ctx);
  if (await daemonHoldsLock(ctx.paths.dir)) return pid;
  return pid !== undefined && isOlderDaemon(pid, ctx) ? pid : undefined;
}

/** Whether the cluster's daemon is alive (holding the lock, or an older one known by its command line). */
async function daemonAlive(ctx: Context): Promise<boolean> {
  if (await daemonHoldsLock(ctx.paths.dir)) return true;
  const pid = pidFileDaemon(ctx);
  return pid !== undefined && isOlderDaemon(pid, ctx);
}

function pidFileDaemon(ctx: Context): number | undefined {
  try {
    const pid = Number(readFileSync(ctx.paths.daemonPid, 'utf8'));
    return pid > 0 && processAlive(pid) ? pid : undefined;
  } catch { return undefined; }
}

/** A daemon started by a podnet from before the lock holds none: known by its command line. */
function isOlderDaemon(pid: number, ctx: Context): boolean {
  return runsForCluster(pid, ctx) && !!processArgs(pid)?.some((a) => a.endsWith('daemon-main.js'));
}

/**
 * Whether `pid` runs a command line of this cluster (`--cluster NAME`, or a
 * file in its state directory): a pid file's process may be long gone and
 * its pid reused by something that is not ours to kill.
 */
function runsForCluster(pid: number, ctx: Context): boolean {
  const args = processArgs(pid) ?? [];
  return args.some((a, i) => (a === '--cluster' && args[i + 1] === ctx.cluster) || a.startsWith(`${ctx.paths.dir}${path.sep}`));
}

/** where this run's daemon started writing its log, so errors show only its lines */
let logStart = 0;

function tail(file: string, lines = 15): string {
  try { return readFileSync(file, 'utf8').slice(logStart).trimEnd().split('\n').slice(-lines).join('\n'); } catch { return ''; }
}

/** A request that failed because the daemon's API server is not listening yet (or no longer). */
function notListening(err: unknown): boolean {
  if (err instanceof PodnetError && (err.code === 'ENOCLUSTER' || err.code === 'ECONNREFUSED' || err.code === 'ENOENT')) return true;
  return /ECONNREFUSED|ENOENT|socket hang up/.test((err as Error).message);
}

/** Fails the start-up when its daemon is gone or the deadline passed; `what` says how far it got. */
async function stillStarting(ctx: Context, deadline: number, what: string): Promise<void> {
  if (!(await daemonAlive(ctx))) throw new PodnetError('EDAEMON', `the podnet daemon of cluster "${ctx.cluster}" exited during start-up:\n${tail(ctx.paths.daemonLog)}`);
  if (Date.now() > deadline) throw new PodnetError('ETIMEOUT', `cluster "${ctx.cluster}" did not become ready in time (${what}); see ${ctx.paths.daemonLog}`);
  await new Promise((r) => setTimeout(r, POLL_MS));
}

export async function waitForNodes(ctx: Context, count: number | undefined, deadline: number, progress: (msg: string) => void): Promise<Node[]> {
  let last = '';
  for (;;) {
    try {
      const nodes = (await ctx.client().list<Node>('nodes')).items;
      const ready = nodes.filter((n) => getCondition(n.status?.conditions, 'Ready')?.status === 'True');
      const msg = `${ready.length}/${count ?? nodes.length} nodes Ready`;
      if (msg !== last) { progress(msg); last = msg; }
      if (nodes.length > 0 && ready.length === nodes.length && (count === undefined || nodes.length >= count)) return nodes;
    } catch (err) {
      if (!notListening(err)) throw err;
    }
    await stillStarting(ctx, deadline, last);
  }
}

/**
 * The nodes of a cluster that was there before this `up` (its daemon
 * running, or resumed from its store): the Nodes the API server has, which a
 * restarted daemon keeps whatever --nodes it is given (Daemon.start). Only a
 * new cluster registers its Nodes later, all at once.
 */
async function existingNodeCount(ctx: Context, deadline: number): Promise<number> {
  for (;;) {
    try {
      const count = (await ctx.client().list<Node>('nodes')).items.length;
      if (count > 0) return count;
    } catch (err) {
      if (!notListening(err)) throw err;
    }
    await stillStarting(ctx, deadline, 'its API server did not answer');
  }
}

const nodesText = (n: number) => `${n} node${n === 1 ? '' : 's'}`;

/** The system Deployments `up` waits for, unless --bare. */
export const ADDONS = [
  { ...CLUSTER_DNS_DEPLOYMENT, what: 'cluster DNS' },
  { ...INGRESS_CONTROLLER, what: 'ingress controller' },
];

export async function waitForAddons(ctx: Context, deadline: number, progress: (msg: string) => void): Promise<void> {
  const done = new Set<string>();
  for (;;) {
    for (const a of ADDONS) {
      if (done.has(a.name)) continue;
      try {
        const d = await ctx.client().get<Deployment>('deployments', a.namespace, a.name);
        const want = d.spec.replicas ?? 1;
        if ((d.status?.readyReplicas ?? 0) >= want) { done.add(a.name); progress(`${a.what} ready (${want}/${want})`); }
      } catch (err) { if (!isApiError(err, 'NotFound')) throw err; }
    }
    if (done.size === ADDONS.length) return;
    if (!(await daemonAlive(ctx))) throw new PodnetError('EDAEMON', `the podnet daemon of cluster "${ctx.cluster}" exited during start-up:\n${tail(ctx.paths.daemonLog)}`);
    if (Date.now() > deadline) {
      const missing = ADDONS.filter((a) => !done.has(a.name)).map((a) => `${a.what} (${a.namespace}/${a.name})`).join(', ');
      throw new PodnetError('ETIMEOUT', `cluster "${ctx.cluster}" is up but not ready: ${missing} not Ready in time; see podnet get pods -A and podnet describe`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

const INGRESS_SERVICE = `${INGRESS_CONTROLLER.namespace}/${INGRESS_CONTROLLER.name}`;

/**
 * The cloud load balancer sends the ingress controller's ports to a node:
 * until its first health check passes (≤ 0.1 s after the node's rules know
 * the controller's pod, src/cloud/health-checker.ts) the outside client's connections to
 * its address are refused, and `up` returns when the cluster answers.
 */
export async function waitForLoadBalancer(ctx: Context, deadline: number, progress: (msg: string) => void): Promise<void> {
  // nothing to wait for when the user changed the controller so that no node can serve it
  const client = ctx.client();
  const [svc, deployment] = await Promise.all([
    client.get<Service>('services', INGRESS_CONTROLLER.namespace, INGRESS_CONTROLLER.name).catch(() => undefined),
    client.get<Deployment>('deployments', INGRESS_CONTROLLER.namespace, INGRESS_CONTROLLER.name).catch(() => undefined),
  ]);
  if (!svc || svc.spec.type !== 'LoadBalancer' || svc.spec.loadBalancerClass || deployment?.spec.replicas === 0) {
    progress(`load balancer: not waited for (${INGRESS_SERVICE} ${!svc ? 'does not exist' : deployment?.spec.replicas === 0 ? 'is scaled to 0' : 'is not a LoadBalancer podnet serves'})`);
    return;
  }
  // the status a daemon before this one wrote (a resumed cluster) says nothing of now
  const daemonStarted = statSync(ctx.paths.daemonPid, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  for (;;) {
    const fresh = (statSync(lbStatusPath(ctx.paths.dir), { throwIfNoEntry: false })?.mtimeMs ?? 0) >= daemonStarted;
    const frontends = (fresh ? readLbStatus(ctx.paths.dir)?.frontends.filter((f) => f.service === INGRESS_SERVICE) : undefined) ?? [];
    const serving = frontends.length > 0 && frontends.every((f) => f.targets.some((t) => t.inService));
    if (serving) {
      const nodes = [...new Set(frontends.flatMap((f) => f.targets.filter((t) => t.inService).map((t) => t.node)))];
      progress(`load balancer ${frontends[0]!.address.split(':')[0]} serving (→ ${nodes.join(', ')})`);
      return;
    }
    await stillStarting(ctx, deadline, `its load balancer sends nothing to the ingress controller ${INGRESS_SERVICE}; podnet doctor${clusterOption(ctx.cluster)} says why`);
  }
}

export async function upCommand(ctx: Context, flags: CommonFlags, quiet = false): Promise<number> {
  const t0 = performance.now();
  const say = (msg: string) => { if (!quiet) process.stderr.write(`${msg}\n`); };
  const deadline = Date.now() + parseDuration(flags.timeout ?? '60s');
  const traceFile = path.join(ctx.paths.dir, TRACE_FILE_NAME);
  const tracing = process.env[TRACE_ENV] === '1';
  let trace = StartupTrace.off();
  // a daemon that holds the lock but has not written its pid file yet is
  // starting: the one spawned here finds the lock taken and leaves it be
  const running = !!(await daemonPid(ctx));
  // a cluster whose daemon stopped (a crash, a reboot of the daemon alone) is
  // resumed from its store, with the nodes it had
  const resumed = !running && existsSync(ctx.paths.database);
  if (!running) {
    mkdirSync(ctx.paths.dir, { recursive: true });
    mkdirSync(ctx.paths.procs, { recursive: true });
    // The file's existence switches tracing on in every process of the cluster (src/startup-trace.ts).
    if (tracing) { writeFileSync(traceFile, ''); trace = StartupTrace.open(ctx.paths.dir, 'cli'); trace.mark('up command'); }
    // A daemon killed with -9 leaves its pid file and socket behind: the new
    // daemon replaces both once it holds the lock, so nothing is removed here
    // (another `up` may be starting a daemon this very moment).
    logStart = existsSync(ctx.paths.daemonLog) ? statSync(ctx.paths.daemonLog).size : 0;
    const log = openSync(ctx.paths.daemonLog, 'a');
    const child = spawn(process.execPath, daemonArgv(ctx.cluster, flags.nodes ?? DEFAULT_NODES, flags.bare), {
      detached: true, stdio: ['ignore', log, log], env: daemonEnv(process.env),
    });
    closeSync(log);
    child.unref();
    trace.mark('daemon spawned');
    say(resumed ? `resuming cluster "${ctx.cluster}" from its state in ${ctx.paths.dir}…` : `starting cluster "${ctx.cluster}" (${flags.nodes ?? DEFAULT_NODES} nodes)…`);
    // Wait for the daemon to write its pid file before polling the API. A
    // daemon that found the lock taken leaves the cluster to the one that
    // holds it (another `up` started it): this one waits for that one.
    while (!(await daemonPid(ctx))) {
      if (child.exitCode !== null && child.exitCode !== DAEMON_LOCKED_EXIT) throw new PodnetError('EDAEMON', `the podnet daemon exited at once:\n${tail(ctx.paths.daemonLog)}`);
      if (Date.now() > deadline) throw new PodnetError('ETIMEOUT', 'the podnet daemon did not start');
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
  trace.mark('daemon pid file seen');
  let count = flags.nodes;
  if (running || resumed) {
    // The node count is fixed when a cluster is created: asking for another
    // one fails now, rather than after the whole timeout waiting for nodes
    // that will never come.
    count = await existingNodeCount(ctx, deadline);
    if (flags.nodes !== undefined && flags.nodes !== count) {
      const cluster = clusterOption(ctx.cluster);
      throw new PodnetError('ENODECOUNT', `cluster "${ctx.cluster}" is already up with ${nodesText(count)}${resumed ? ' (resumed from its state)' : ''}; to have ${nodesText(flags.nodes)}, remove it first: podnet down${cluster}, then podnet up${cluster} --nodes ${flags.nodes}`);
    }
  }
  const nodes = await waitForNodes(ctx, count, deadline, (m) => { trace.mark(m); say(`  ${m}`); });
  if (!flags.bare) {
    await waitForAddons(ctx, deadline, (m) => { trace.mark(m); say(`  ${m}`); });
    await waitForLoadBalancer(ctx, deadline, (m) => { trace.mark(m); say(`  ${m}`); });
  }
  if (trace.enabled) {
    trace.mark('up done');
    process.stderr.write(`start-up trace (${traceFile}):\n${formatTrace(readTrace(traceFile), performance.timeOrigin)}\n`);
    rmSync(traceFile, { force: true });
  }
  if (!quiet) process.stdout.write(`cluster "${ctx.cluster}" is up: ${nodes.length} nodes Ready in ${((performance.now() - t0) / 1000).toFixed(2)}s\n`);
  return 0;
}

export async function downCommand(ctx: Context): Promise<number> {
  const pid = await daemonPid(ctx);
  if (pid) {
    process.kill(pid, 'SIGTERM');
    const until = Date.now() + 5_000;
    while (processAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
    if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  // Anything podnet started outside our namespaces is tracked by pid file.
  if (existsSync(ctx.paths.procs)) {
    for (const f of readdirSync(ctx.paths.procs)) {
      const p = Number(readFileSync(path.join(ctx.paths.procs, f), 'utf8'));
      if (p > 0 && runsForCluster(p, ctx)) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    }
  }
  const { teardownCluster } = await import('../../topology/index.js');
  const result = await teardownCluster(ctx.cluster, defaultRunner);
  rmSync(ctx.paths.dir, { recursive: true, force: true });
  // A daemon can outlive its namespaces (a start-up cut short): say so rather than "nothing".
  const done = [...(pid ? [`stopped daemon ${pid}`] : []), ...(result.namespaces.length > 0 ? [`removed ${result.namespaces.length} network namespaces`] : [])];
  const what = done.length > 0 ? done.join(', ') : 'nothing was running';
  process.stdout.write(`cluster "${ctx.cluster}" is down (${what})\n`);
  return 0;
}
