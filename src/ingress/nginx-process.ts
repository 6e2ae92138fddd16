// The thin shell around one NGINX master: write the conf (temporary name +
// rename), then start it or drain and gracefully reload. The master checks a
// conf before it uses it: one it refuses is never loaded (the running one keeps
// serving, and goes back on disk), and its error goes back to the caller.
// Nothing happens when the text is unchanged; endpoints go to the running
// NGINX without a reload (lua-module.ts).
//
// The master runs in the foreground (`daemon off;` in the conf) as our child,
// so the pod's process model sees it; reload is SIGHUP to that pid, which
// saves the extra `nginx -s reload` exec (it would parse the whole conf just
// to find the pid file). Short-lived commands go through the Runner.

import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PodnetError } from '../errors.js';
import type { Runner } from '../net/runner.js';
import { writeFileAtomicAsync } from '../atomic-file.js';
import { LogRotator, type LogRotationOptions } from './log-rotation.js';
import { accessLogPath, controlSocketPath, errorLogPath, unixSockets } from './nginx-conf.js';
import { endpointsFile, mergeEndpoints } from './lua-module.js';
import { processGroupMembers, processGroupOf, processName, processRunning, signalProcess } from '../net/process.js';

/** how long a master may take to start, or old workers to be told to quit */
export const START_WAIT_MS = 10_000;
/** how long a reload may take: the master parses the whole conf first (1.7 s of CPU at 1,000 Ingresses with the Lua module) */
export const RELOAD_WAIT_MS = 30_000;
export const STOP_GRACE_MS = 5_000;
/** how long what a dead master left gets to quit (SIGQUIT) before SIGKILL */
export const LEFTOVER_GRACE_MS = 2_000;
/** how much of a program's file name the kernel keeps as a process's name (TASK_COMM_LEN 16, with its NUL) */
const COMM_LENGTH = 15;
const POLL_MS = 10;
const CONTROL_TIMEOUT_MS = 2_000;
/** PodnetError code: no new workers and no refusal within RELOAD_WAIT_MS of a SIGHUP */
export const RELOAD_TIMEOUT = 'ENGINX_RELOAD_TIMEOUT';
const debug = process.env.PODNET_DEBUG?.split(',').some((c) => c === 'ingress' || c === '*');

export interface NginxPaths {
  /** nginx -p: runtime dir holding the pid file, logs and temp dirs */
  prefix: string;
  /** the conf nginx loads (-c) */
  conf: string;
  /** where per-Secret PEM files go */
  certDir: string;
}

/** Size limit, copies and check interval of the log rotation (log-rotation.ts defaults). */
export type LogRotationSettings = Omit<LogRotationOptions, 'files' | 'reopen'>;

/** 'endpoints': the conf was unchanged and only the balancer's endpoints were sent (no reload) */
export type ApplyResult =
  | { action: 'unchanged' | 'endpoints' | 'started' | 'reloaded'; ms: number }
  | { action: 'rejected'; error: string; ms: number };

export class NginxProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private applied: string | undefined;
  /** the endpoints text NGINX's shared memory holds (or will read at start) */
  private appliedEndpoints: string | undefined;
  private stderrTail = '';
  /** while hup() waits: the master's lines that refuse the conf, as `nginx -t` words them */
  private refusals: string[] | undefined;
  private stderrPartial = '';
  private stopping = false;
  private exitListeners: ((code: number | null, signal: string | null) => void)[] = [];
  private rotator: LogRotator | undefined;
  /** the end of the last reload: old workers told to quit, drain flag cleared (hup) */
  private settling: Promise<void> = Promise.resolve();
  /** the process group the master was started in (ours: it is not detached), which its workers stay in */
  private masterGroup: number | undefined;

  /** The conf must be rendered with runtimeDir = paths.prefix: the rotated logs are the ones it names. */
  constructor(readonly paths: NginxPaths, private readonly runner: Runner, private readonly nginxBin = 'nginx',
    private readonly logRotation: LogRotationSettings = {}) {}

  /** Rotate the logs that passed their limit now (the timer does it every interval); resolves to the rotated files. */
  async rotateLogs(): Promise<string[]> { return this.rotator?.check() ?? []; }

  /** Called when the master exits without stop() (the controller should exit so the pod restarts). */
  onUnexpectedExit(fn: (code: number | null, signal: string | null) => void): void { this.exitListeners.push(fn); }

  get pid(): number | undefined { return this.child?.pid; }
  get running(): boolean { return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null; }
  /** the conf text nginx runs with now */
  get current(): string | undefined { return this.applied; }

  async prepare(): Promise<void> {
    // Workers run as an unprivileged user and need to reach the temp dirs.
    for (const d of [this.paths.prefix, path.join(this.paths.prefix, 'logs'), path.join(this.paths.prefix, 'tmp')]) {
      await mkdir(d, { recursive: true });
      await chmod(d, 0o755);
    }
    await mkdir(path.dirname(this.paths.conf), { recursive: true });
    await mkdir(this.paths.certDir, { recursive: true, mode: 0o700 });
  }

  /** `nginx -t` on exactly this text; resolves to the error text, or undefined when it passes. */
  async test(text: string, confPath = `${this.paths.conf}.test`): Promise<string | undefined> {
    await writeFile(confPath, text, { mode: 0o644 });
    try {
      const r = await this.runner.run([this.nginxBin, '-t', '-q', '-p', `${this.paths.prefix}/`, '-c', confPath], { allowFailure: true });
      return r.code === 0 ? undefined : (r.stderr.trim() || r.stdout.trim() || `nginx -t exited ${r.code}`);
    } finally {
      if (confPath.endsWith('.test')) await rm(confPath, { force: true });
    }
  }

  /** Write the files the next conf refers to (temp name + rename; PEMs 0600, others 0644), skipping unchanged ones. */
  async writeFiles(files: ReadonlyMap<string, string>): Promise<void> {
    for (const [file, content] of files) {
      const existing = await readFile(file, 'utf8').catch(() => undefined);
      if (existing === content) continue;
      await mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomicAsync(file, content, file.endsWith('.pem') ? 0o600 : 0o644);
    }
  }

  /** Remove PEM files no longer referenced (after a successful reload: old workers already hold the certs in memory). */
  async pruneCerts(keep: ReadonlyMap<string, string>): Promise<void> {
    const names = await readdir(this.paths.certDir).catch(() => [] as string[]);
    for (const n of names) {
      const file = path.join(this.paths.certDir, n);
      if (n.endsWith('.pem') && !keep.has(file)) await rm(file, { force: true });
    }
  }

  /**
   * Make nginx run `text` with the balancer's `endpoints`
   * (renderBalancerEndpoints): endpoints go to the running NGINX without a
   * reload, whether or not the conf changed or is accepted; a changed conf
   * is written with the files it refers to (confFiles) and started, or
   * installed and reloaded. The master checks a conf before it uses it, at
   * start as at SIGHUP, and keeps the running one when it refuses: no
   * separate `nginx -t` runs before a reload (at 1,000 Ingresses it cost
   * ~1 s of CPU a time), the master's own error is the answer.
   */
  async apply(text: string, files: ReadonlyMap<string, string> = new Map(), endpoints = ''): Promise<ApplyResult> {
    await this.settling;
    const t0 = performance.now();
    const ms = () => Math.round(performance.now() - t0);
    const endpointsChanged = endpoints !== this.appliedEndpoints;
    if (text === this.applied && this.running) {
      if (endpointsChanged) await this.sendEndpoints(endpoints);
      return { action: endpointsChanged ? 'endpoints' : 'unchanged', ms: ms() };
    }
    // Until the reload is over, the running conf's Service ports keep theirs
    // (a port only the old conf routes to must not lose its pods meanwhile);
    // the new conf's exact endpoints follow once the old workers quit (hup).
    if (endpointsChanged) await this.sendEndpoints(this.running ? mergeEndpoints(this.appliedEndpoints ?? '', endpoints) : endpoints);
    await this.writeFiles(files);
    if (!this.running) {
      // The first start skips the separate `nginx -t`: the master parses and
      // checks the conf itself before it binds or forks anything, and exits
      // when it is wrong. Only then is `nginx -t` run, for its error text
      // (which the controller attributes to Ingresses). Nothing was serving,
      // so no bad conf is ever loaded over a good one.
      await writeFileAtomicAsync(this.paths.conf, text);
      try {
        await this.start();
      } catch (err) {
        const error = await this.test(text);
        if (error) return { action: 'rejected', error, ms: ms() };
        throw err;
      }
      return this.finishApply(text, files, 'started', ms);
    }
    // What the master runs: `applied`, or, after a start or reload that timed out, what is on disk.
    const running = this.applied ?? await readFile(this.paths.conf, 'utf8').catch(() => '');
    await writeFileAtomicAsync(this.paths.conf, text);
    let error: string | undefined;
    try {
      error = await this.hup(endpoints);
    } catch (err) {
      // A reload that timed out may still be parsing the new conf: it stays on disk, and `applied` is unknown.
      if (err instanceof PodnetError && err.code === RELOAD_TIMEOUT) this.applied = undefined;
      else await writeFileAtomicAsync(this.paths.conf, running);
      throw err;
    }
    if (error !== undefined) {
      // The master kept the running conf: so does the disk.
      await writeFileAtomicAsync(this.paths.conf, running);
      return { action: 'rejected', error, ms: ms() };
    }
    return this.finishApply(text, files, 'reloaded', ms);
  }

  /** After a start or reload: remember the text, drop PEMs no longer referenced. */
  private async finishApply(text: string, files: ReadonlyMap<string, string>, action: 'started' | 'reloaded', ms: () => number): Promise<ApplyResult> {
    this.applied = text;
    await this.pruneCerts(files);
    if (debug) process.stderr.write(`[ingress] nginx ${action} in ${ms()} ms\n`);
    return { action, ms: ms() };
  }

  private async start(): Promise<void> {
    this.stderrPartial = '';
    // Socket files left by a master that was killed would make the bind fail.
    for (const socket of unixSockets(this.paths.prefix)) await rm(socket, { force: true });
    const child = spawn(this.nginxBin, ['-p', `${this.paths.prefix}/`, '-c', this.paths.conf], { stdio: ['ignore', 'inherit', 'pipe'] });
    this.child = child;
    // now, before the event loop runs: until then nothing reaps the child, so its pid is still its own
    if (child.pid) this.masterGroup = processGroupOf(child.pid);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      process.stderr.write(d);
      this.stderrTail = (this.stderrTail + d).slice(-4000);
      const lines = (this.stderrPartial + d).split('\n');
      this.stderrPartial = lines.pop()!;
      for (const line of lines) {
        // [emerg]: the conf is refused; an init_by_lua error is logged as [error] and refuses it too
        const m = /^\S+ \S+ \[(emerg|error)\] (\d+)#\d+: (.*)$/.exec(line);
        if (!m || Number(m[2]) !== child.pid || (m[1] === 'error' && !m[3]!.includes('init_by_lua'))) continue;
        this.refusals?.push(`nginx: [${m[1]}] ${m[3]}`);
      }
    });
    let up = false;
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => {
      this.rotator?.stop();
      // A master that never came up is start()'s failure to report, not an exit to announce.
      if (up && !this.stopping) for (const fn of this.exitListeners) fn(code, signal);
      resolve();
    }));
    // Ready when the master has forked its first worker (it has bound the listen sockets by then).
    const ok = await this.waitFor(() => this.workers().length > 0 || !this.running);
    up = ok && this.running;
    if (!up) {
      throw new PodnetError('ENGINX', `could not start nginx with ${this.paths.conf}: ${this.stderrTail.trim() || 'master exited'}`);
    }
    this.rotator = new LogRotator({
      ...this.logRotation,
      files: [accessLogPath(this.paths.prefix), errorLogPath(this.paths.prefix)],
      // SIGUSR1 = `nginx -s reopen`, sent to the pid we hold (no exec, no pid file)
      reopen: () => { if (this.running) child.kill('SIGUSR1'); },
    });
    this.rotator.start();
  }

  /** SIGHUP the master with the conf on disk and wait for the new generation (hup), draining keep-alive clients. */
  async reload(): Promise<void> {
    await this.settling;
    const error = await this.hup(this.appliedEndpoints);
    if (error !== undefined) throw new PodnetError('ENGINX', `nginx refused ${this.paths.conf}: ${error}`);
  }

  /**
   * SIGHUP, and wait until the master has started the new generation or
   * refused the conf (resolves to its error; it keeps running the old conf).
   * The drain starts when the new workers run: nginx's master then waits
   * 100 ms before it tells the old workers to quit, and that window is the
   * drain (nginx-conf.ts drainLines). No response says close while the
   * master parses, however long that takes, nor for a conf it refuses. In the
   * background, once every old worker was told to quit, the flag is cleared
   * and `endpoints` (the new conf's exact set) is sent; the next apply,
   * endpoint update or stop waits for that.
   */
  private async hup(endpoints: string | undefined): Promise<string | undefined> {
    const before = new Set(this.workers());
    const refusals: string[] = [];
    this.refusals = refusals;
    this.child!.kill('SIGHUP');
    const reloaded = () => this.workers().some((w) => !before.has(w));
    const ok = await this.waitFor(() => reloaded() || refusals.length > 0 || !this.running, RELOAD_WAIT_MS);
    if (refusals.length > 0 && !reloaded()) {
      // The master writes the whole message in one line; give a second one (if any) a moment to arrive.
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    this.refusals = undefined;
    if (!this.running) throw new PodnetError('ENGINX', `nginx exited on reload of ${this.paths.conf}: ${this.stderrTail.trim()}`);
    if (!reloaded()) {
      if (refusals.length > 0) return refusals.join('\n');
      // Neither: the master may still be parsing (a starved pod); the next apply reloads again.
      if (!ok) throw new PodnetError(RELOAD_TIMEOUT, `nginx started no new workers within ${RELOAD_WAIT_MS} ms of SIGHUP: ${this.stderrTail.trim().split('\n').slice(-5).join('\n')}`);
    }
    const draining = await this.setDrain(true);
    this.settling = (async () => {
      await this.waitFor(() => [...before].every((w) => !isServingWorker(w)) || !this.running);
      if (!this.running) return;
      if (draining) await this.setDrain(false);
      if (endpoints !== undefined && endpoints !== this.appliedEndpoints) {
        await this.sendEndpoints(endpoints).catch((e: Error) => process.stderr.write(`[ingress] ${e.message}\n`));
      }
    })();
    return undefined;
  }

  /** Resolves when the last reload's old workers were told to quit and its drain flag is cleared. */
  settled(): Promise<void> { return this.settling; }

  /** POST /drain to the control socket; false (and a log line) when NGINX did not take it. */
  async setDrain(on: boolean): Promise<boolean> {
    const r = await this.control(`/drain?on=${on ? 1 : 0}`);
    if (r.ok) return true;
    process.stderr.write(`[ingress] could not ${on ? 'set' : 'clear'} the drain flag through ${controlSocketPath(this.paths.prefix)}: ${r.error}\n`);
    return false;
  }

  /** Send `endpoints` to the running NGINX (no reload); false when it already has them. */
  async updateEndpoints(endpoints: string): Promise<boolean> {
    await this.settling;
    if (endpoints === this.appliedEndpoints) return false;
    await this.sendEndpoints(endpoints);
    return true;
  }

  /**
   * Write the endpoints file (a starting master's workers read it) and, when
   * NGINX runs, have it read into shared memory. Throws when the running
   * NGINX did not take it: the caller's sync fails and is retried.
   */
  private async sendEndpoints(endpoints: string): Promise<void> {
    const file = endpointsFile(this.paths.prefix);
    await writeFileAtomicAsync(file, endpoints);
    if (this.running) {
      const r = await this.control('/endpoints');
      if (!r.ok) throw new PodnetError('ENGINX', `nginx did not load the endpoints from ${file}: ${r.error}`);
    }
    this.appliedEndpoints = endpoints;
  }

  private control(pathAndQuery: string): Promise<{ ok: true } | { ok: false; error: string }> {
    return new Promise((resolve) => {
      const req = http.request({ socketPath: controlSocketPath(this.paths.prefix), method: 'POST', path: pathAndQuery, timeout: CONTROL_TIMEOUT_MS }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => { body += d; });
        res.on('end', () => resolve(res.statusCode === 200 ? { ok: true } : { ok: false, error: `status ${res.statusCode}: ${body.trim()}` }));
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (e) => resolve({ ok: false, error: e.message }));
      req.end();
    });
  }

  /** Graceful stop (SIGQUIT: finish in-flight requests), SIGKILL after STOP_GRACE_MS. */
  async stop(): Promise<void> {
    await this.settling;
    const child = this.child;
    if (!child || !this.running) return;
    this.stopping = true;
    this.rotator?.stop();
    this.rotator = undefined;
    child.kill('SIGQUIT');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
    this.child = undefined;
    this.applied = undefined;
    this.appliedEndpoints = undefined;
    this.stopping = false;
  }

  /**
   * What a master that died on its own (killed, crashed) left: its workers
   * (and cache processes) keep running, with the listen sockets they
   * inherited, so a new master, this pod's next controller's, could not bind
   * them (`bind() … Address already in use`) and the pod would crash-loop.
   * Stops them, as ingress-nginx waits until its ports are free: SIGQUIT
   * (they finish the requests they serve), SIGKILL to those left after
   * `graceMs`. They are found as the processes named as NGINX's binary
   * (workers keep the master's name; only their titles change) in the master's
   * process group, which they stay in (the master never changes it with
   * `daemon off;`) and which is the controller's own: one controller, one
   * NGINX (the master is never started detached, so that the pod's end
   * takes all of them). Looked for again before SIGKILL, so a master that a
   * sync started meanwhile goes too: call only on the way out.
   */
  async stopLeftovers(graceMs = LEFTOVER_GRACE_MS): Promise<void> {
    const group = this.masterGroup;
    if (group === undefined) return;
    const name = path.basename(this.nginxBin).slice(0, COMM_LENGTH);
    const leftovers = () => processGroupMembers(group).filter((p) => p.pid !== process.pid && processName(p.pid) === name);
    const quitting = leftovers();
    for (const p of quitting) signalProcess(p, 'SIGQUIT');
    await this.waitFor(() => quitting.every((p) => !processRunning(p)), graceMs);
    for (const p of leftovers()) signalProcess(p, 'SIGKILL');
  }

  /** Worker pids: the master's children (/proc/PID/task/PID/children, Linux ≥ 3.5). */
  workers(): number[] {
    const pid = this.child?.pid;
    if (!pid) return [];
    try {
      return readChildren(pid);
    } catch {
      return [];
    }
  }

  private async waitFor(cond: () => boolean, ms = START_WAIT_MS): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (cond()) return true;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    return false;
  }
}

/** A worker that has not been told to quit (nginx retitles an exiting one "... is shutting down"). */
function isServingWorker(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('shutting down');
  } catch {
    return false;
  }
}

function readChildren(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}
