// The checks themselves, run from the router namespace (where the lb-agent
// lives) against node addresses, like a cloud LB's health checkers in the VPC:
// TCP = the three-way handshake completes; HTTP = GET answers 200 (AWS NLB's
// default success code for HTTP checks). `detail` names what went wrong in the
// words the kernel or server used (ECONNREFUSED, HTTP 503, timeout).

import http from 'node:http';
import net from 'node:net';
import type { ProbeResult, Prober } from './health-checker.js';
import type { ProbeTarget } from './lb-model.js';

const HTTP_OK = 200;

export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (r: ProbeResult) => { clearTimeout(timer); socket.destroy(); resolve(r); };
    const timer = setTimeout(() => done({ ok: false, detail: `timeout after ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => done({ ok: true, detail: 'connected' }));
    socket.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, detail: err.code ?? err.message }));
  });
}

export function httpProbe(host: string, port: number, path: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: ProbeResult) => { if (!settled) { settled = true; clearTimeout(timer); req.destroy(); resolve(r); } };
    // A fresh connection per check (no keep-alive agent): a check must see the node as a new client would.
    const req = http.get({ host, port, path, agent: false, headers: { 'user-agent': 'podnet-lb-healthcheck' } }, (res) => {
      res.resume();
      done(res.statusCode === HTTP_OK ? { ok: true, detail: 'HTTP 200' } : { ok: false, detail: `HTTP ${res.statusCode}` });
    });
    const timer = setTimeout(() => done({ ok: false, detail: `timeout after ${timeoutMs} ms` }), timeoutMs);
    req.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, detail: err.code ?? err.message }));
  });
}

/** The prober the agent uses; `nodeReady` answers the checks UDP/SCTP Cluster frontends fall back to. */
export function networkProber(nodeReady: (node: string) => boolean): Prober {
  return async (target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> => {
    const c = target.check;
    switch (c.kind) {
      case 'tcp': return tcpProbe(target.nodeIP, c.port, timeoutMs);
      case 'http': return httpProbe(target.nodeIP, c.port, c.path, timeoutMs);
      case 'node-ready': return nodeReady(target.node) ? { ok: true, detail: 'Ready' } : { ok: false, detail: 'node not Ready' };
    }
  };
}
