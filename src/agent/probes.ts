// Readiness, liveness and startup probes, run from the node's network
// namespace (where the agent lives) as the kubelet runs them from the host.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { spawn } from 'node:child_process';
import type { Container, Probe } from '../api/types.js';
import { joinSandboxArgv } from './sandbox.js';

export type ProbeResult = 'success' | 'failure';

export interface ProbeTarget { podIP: string; container: Container; sandboxPid?: number }

/** A named port (`http`) is looked up in the container's ports, as the kubelet does. */
export function resolveProbePort(port: number | string, container: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function httpProbe(probe: NonNullable<Probe['httpGet']>, target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  const port = resolveProbePort(probe.port, target.container);
  if (port === undefined) return Promise.resolve('failure');
  const mod = probe.scheme === 'HTTPS' ? https : http;
  return new Promise((resolve) => {
    const req = mod.request({
      host: probe.host ?? target.podIP, port, path: probe.path ?? '/', method: 'GET', timeout: timeoutMs, rejectUnauthorized: false,
      headers: { 'User-Agent': 'kube-probe/1.31', ...Object.fromEntries((probe.httpHeaders ?? []).map((h) => [h.name, h.value])) },
      agent: false,
    }, (res) => {
      res.resume();
      // The kubelet counts 200-399 as success.
      resolve(res.statusCode! >= 200 && res.statusCode! < 400 ? 'success' : 'failure');
    });
    req.on('timeout', () => { req.destroy(); resolve('failure'); });
    req.on('error', () => resolve('failure'));
    req.end();
  });
}

function tcpProbe(probe: NonNullable<Probe['tcpSocket']>, target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  const port = resolveProbePort(probe.port, target.container);
  if (port === undefined) return Promise.resolve('failure');
  return new Promise((resolve) => {
    const socket = net.connect({ host: probe.host ?? target.podIP, port, timeout: timeoutMs });
    socket.on('connect', () => { socket.destroy(); resolve('success'); });
    socket.on('timeout', () => { socket.destroy(); resolve('failure'); });
    socket.on('error', () => resolve('failure'));
  });
}

function execProbe(probe: NonNullable<Probe['exec']>, target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  const argv = target.sandboxPid ? joinSandboxArgv(target.sandboxPid, probe.command) : probe.command;
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', timeout: timeoutMs });
    child.on('error', () => resolve('failure'));
    child.on('close', (code) => resolve(code === 0 ? 'success' : 'failure'));
  });
}

export function runProbe(probe: Probe, target: ProbeTarget): Promise<ProbeResult> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) return httpProbe(probe.httpGet, target, timeoutMs);
  if (probe.tcpSocket) return tcpProbe(probe.tcpSocket, target, timeoutMs);
  if (probe.exec) return execProbe(probe.exec, target, timeoutMs);
  return Promise.resolve('success');
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
