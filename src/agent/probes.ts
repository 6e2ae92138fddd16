// Readiness, liveness and startup probes. HTTP and TCP probes connect from
// the node's network namespace (where the agent lives), as the kubelet's
// come from the host; exec probes run inside the container, as the kubelet's
// do through CRI ExecSync, the way `podnet exec` runs a command.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { Container, Probe } from '../api/types.js';
import { execEnvOf } from './container-exec.js';
import { joinPodArgv } from './sandbox.js';
import { asIdentity, type ProcessIdentity } from './security-context.js';

export type ProbeResult = 'success' | 'failure';

/** A probe's result and what it said: the kubelet's "<Kind> probe failed: <output>" event carries the output. */
export interface ProbeOutcome { result: ProbeResult; output: string }

export interface ProbeTarget {
  podIP: string;
  container: Container;
  sandboxPid?: number;
  /** the container's process: an exec probe runs with its environment */
  containerPid?: number;
  /** the environment file the agent wrote when it started the container (preferred to the process's) */
  envFile?: string;
  /** ends the check early (its container instance is gone): an exec's process group is killed */
  signal?: AbortSignal;
  /** the container's user and groups (securityContext): an exec runs as the container does, as CRI's ExecSync */
  identity?: ProcessIdentity;
}

/** the kubelet keeps this much of an exec probe's output (pkg/probe/exec: maxReadLength) */
export const MAX_EXEC_PROBE_OUTPUT = 10 * 1024;

/** A named port (`http`) is looked up in the container's ports, as the kubelet does. */
export function resolveProbePort(port: number | string, container: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

const failed = (output: string): ProbeOutcome => ({ result: 'failure', output });

/**
 * The request path as the kubelet sends it: Go's url.URL escapes what HTTP
 * cannot carry (`/x y` → `/x%20y`), and keeps the query. Node's http refuses
 * such a path with a throw, which inside a check would end the agent.
 */
function requestPath(path: string): string {
  const u = new URL(path.startsWith('/') ? path : `/${path}`, 'http://probe.invalid');
  return `${u.pathname}${u.search}`;
}
const noPort = (port: number | string, container: Container) => failed(`port ${JSON.stringify(port)} not found in container ${container.name}`);

export type HttpGetResult =
  | { kind: 'answer'; status: number }
  | { kind: 'no-port' }
  | { kind: 'timeout'; url: string }
  | { kind: 'error'; url: string; message: string };

/**
 * One GET as the kubelet's probes and lifecycle hooks send it: to the pod IP
 * unless `host` says otherwise, the path escaped, the action's headers, no
 * certificate check. Never throws: what http refuses at once (a header value
 * with a newline) is an error result. `target.signal` ends it early.
 */
export function httpGet(get: NonNullable<Probe['httpGet']>, target: ProbeTarget, timeoutMs: number, userAgent: string): Promise<HttpGetResult> {
  const port = resolveProbePort(get.port, target.container);
  if (port === undefined) return Promise.resolve({ kind: 'no-port' });
  const https_ = get.scheme === 'HTTPS';
  const host = get.host ?? target.podIP;
  const path = requestPath(get.path ?? '/');
  const url = `${https_ ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
  return new Promise((resolve) => {
    let req: http.ClientRequest;
    try {
      req = (https_ ? https : http).request({
        host, port, path, method: 'GET', timeout: timeoutMs, rejectUnauthorized: false, agent: false,
        headers: { 'User-Agent': userAgent, ...Object.fromEntries((get.httpHeaders ?? []).map((h) => [h.name, h.value])) },
      }, (res) => { res.resume(); resolve({ kind: 'answer', status: res.statusCode! }); });
    } catch (e) {
      resolve({ kind: 'error', url, message: (e as Error).message });
      return;
    }
    target.signal?.addEventListener('abort', () => req.destroy(), { once: true });
    req.on('timeout', () => { req.destroy(); resolve({ kind: 'timeout', url }); });
    req.on('error', (e) => resolve({ kind: 'error', url, message: e.message }));
    req.end();
  });
}

// The failure outputs are the kubelet's (Go's net/http and net errors), with Node's words for the cause.
async function httpProbe(probe: NonNullable<Probe['httpGet']>, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const r = await httpGet(probe, target, timeoutMs, 'kube-probe/1.31');
  switch (r.kind) {
    case 'no-port': return noPort(probe.port, target.container);
    // The kubelet counts 200-399 as success.
    case 'answer': return r.status >= 200 && r.status < 400 ? { result: 'success', output: '' } : failed(`HTTP probe failed with statuscode: ${r.status}`);
    case 'timeout': return failed(`Get "${r.url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`);
    case 'error': return failed(`Get "${r.url}": ${r.message}`);
  }
}

function tcpProbe(probe: NonNullable<Probe['tcpSocket']>, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolveProbePort(probe.port, target.container);
  if (port === undefined) return Promise.resolve(noPort(probe.port, target.container));
  const host = probe.host ?? target.podIP;
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    socket.on('connect', () => { socket.destroy(); resolve({ result: 'success', output: '' }); });
    socket.on('timeout', () => { socket.destroy(); resolve(failed(`dial tcp ${address}: i/o timeout`)); });
    socket.on('error', (e) => resolve(failed(`dial tcp ${address}: ${e.message}`)));
  });
}

/**
 * In the container's namespaces, with its environment, working directory and
 * user, as the container itself was started; stdout and stderr together are the
 * output (the first 10 KiB). The command runs in a process group of its own:
 * at the timeout the whole group is killed, so a child it left behind holding
 * the output pipe cannot hold the probe past its timeout either.
 */
function execProbe(probe: NonNullable<Probe['exec']>, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const argv = target.sandboxPid ? joinPodArgv(target.sandboxPid, probe.command, target.container.workingDir, target.identity) : asIdentity(target.identity, probe.command);
  return new Promise((resolve) => {
    let output = '';
    let exitCode: number | null = null;
    let timedOut = false;
    let child: ChildProcessByStdio<null, Readable, Readable>;
    try {
      child = spawn(argv[0]!, argv.slice(1), {
        stdio: ['ignore', 'pipe', 'pipe'], env: execEnvOf(target.containerPid, target.envFile), cwd: target.sandboxPid ? '/' : target.container.workingDir ?? '/', detached: true,
      });
    } catch (e) {
      // spawn throws at once for what no process can take (a NUL byte in an argument)
      resolve(failed((e as Error).message));
      return;
    }
    const killGroup = () => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } };
    target.signal?.addEventListener('abort', killGroup, { once: true });
    const collect = (chunk: Buffer) => { if (output.length < MAX_EXEC_PROBE_OUTPUT) output += chunk.toString('utf8').slice(0, MAX_EXEC_PROBE_OUTPUT - output.length); };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      if (exitCode === null) timedOut = true;
      killGroup();
    }, timeoutMs);
    child.on('exit', (code) => { exitCode = code; });
    child.on('error', (e) => { clearTimeout(timer); resolve(failed(e.message)); });
    child.on('close', () => {
      clearTimeout(timer);
      target.signal?.removeEventListener('abort', killGroup);
      if (timedOut) resolve(failed(output || `command ${JSON.stringify(probe.command.join(' '))} timed out`));
      else resolve({ result: exitCode === 0 ? 'success' : 'failure', output });
    });
  });
}

export function runProbe(probe: Probe, target: ProbeTarget): Promise<ProbeOutcome> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) return httpProbe(probe.httpGet, target, timeoutMs);
  if (probe.tcpSocket) return tcpProbe(probe.tcpSocket, target, timeoutMs);
  if (probe.exec) return execProbe(probe.exec, target, timeoutMs);
  return Promise.resolve({ result: 'success', output: '' });
}

/** Success/failure thresholds over consecutive results, as the kubelet's prober worker. */
export class ProbeState {
  private successes = 0;
  private failures = 0;
  result: ProbeResult | undefined;

  constructor(private readonly probe: Probe) {}

  record(r: ProbeResult): ProbeResult | undefined {
    if (r === 'success') { this.successes++; this.failures = 0; } else { this.failures++; this.successes = 0; }
    if (this.successes >= (this.probe.successThreshold ?? 1)) this.result = 'success';
    else if (this.failures >= (this.probe.failureThreshold ?? 3)) this.result = 'failure';
    return this.result;
  }

  reset(): void { this.successes = 0; this.failures = 0; this.result = undefined; }
}
