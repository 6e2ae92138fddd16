// Real NGINX on 127.0.0.1 high ports with a throwaway prefix dir, and tiny
// Node backends that echo their name, the path they saw and the headers. No
// namespaces are needed: nothing leaves loopback.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExecRunner } from '../../../src/net/runner.js';
import { ensureDefaultCert } from '../../../src/ingress/default-cert.js';
import { confFiles, renderNginxConf, type RenderOptions } from '../../../src/ingress/nginx-conf.js';
import { renderBalancerEndpoints } from '../../../src/ingress/lua-module.js';
import { NginxProcess, type ApplyResult, type LogRotationSettings } from '../../../src/ingress/nginx-process.js';
import type { RouteTable } from '../../../src/ingress/route-table.js';

export const runner = new ExecRunner();

export interface Backend { name: string; port: number; server: http.Server | https.Server; upgraded: Set<Duplex> }

/** `tls`: whether the request reached the backend over TLS. */
export interface EchoBody { name: string; url: string; tls: boolean; headers: Record<string, string> }

export interface BackendOptions {
  /** answer this much later (for 504s) */
  delayMs?: number;
  /** serve HTTPS with this PEM certificate and key instead of plain HTTP */
  tls?: { cert: string; key: string };
}

/** An echo backend. WebSocket-style upgrades are answered with 101 and echoed. */
export async function startBackend(name: string, { delayMs = 0, tls }: BackendOptions = {}): Promise<Backend> {
  const handler: http.RequestListener = (req, res) => {
    const answer = () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ name, url: req.url, tls: (req.socket as TLSSocket).encrypted === true, headers: req.headers }));
    };
    if (delayMs > 0) setTimeout(answer, delayMs).unref(); else answer();
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  // Upgraded sockets leave the server's bookkeeping (closeAllConnections skips them): track them to close.
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (req, socket) => {
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\nX-Backend: ${name}\r\n\r\n`);
    socket.on('data', (d) => socket.write(d));
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { name, port: (server.address() as net.AddressInfo).port, server, upgraded };
}

export async function stopBackend(b: Backend): Promise<void> {
  const closed = new Promise<void>((r) => b.server.close(() => r()));
  b.server.closeAllConnections();
  for (const s of b.upgraded) s.destroy();
  await closed;
}

/**
 * A TCP server that accepts, reads the first bytes of the request and resets
 * the connection (RST, not FIN): what a crashing backend looks like to NGINX.
 */
export async function startResettingBackend(): Promise<{ port: number; resets: () => number; stop: () => Promise<void> }> {
  let resets = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.once('data', () => { resets++; s.resetAndDestroy(); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    resets: () => resets,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A port with nothing listening (connections are refused). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export class TestNginx {
  proc!: NginxProcess;
  options!: RenderOptions;
  dir!: string;

  async start(logRotation: LogRotationSettings = {}): Promise<void> {
    this.dir = await mkdtemp(path.join(os.tmpdir(), 'pn-ingress-test-'));
    await chmod(this.dir, 0o755);
    const defaultCert = await ensureDefaultCert(path.join(this.dir, 'default-cert'), runner);
    this.options = {
      runtimeDir: path.join(this.dir, 'run'),
      certDir: path.join(this.dir, 'run', 'certs'),
      httpPort: await freePort(),
      httpsPort: await freePort(),
      listenAddress: '127.0.0.1',
      defaultCert,
    };
    this.proc = new NginxProcess({ prefix: this.options.runtimeDir, conf: path.join(this.dir, 'conf', 'nginx.conf'), certDir: this.options.certDir }, runner, 'nginx', logRotation);
    await this.proc.prepare();
  }

  render(table: RouteTable) {
    return renderNginxConf(table, this.options);
  }

  /** Apply, and after a reload wait until the old workers stopped accepting: from then on every request sees the new conf. */
  async apply(table: RouteTable): Promise<ApplyResult> {
    const r = await this.proc.apply(this.render(table).text, confFiles(table, this.options), renderBalancerEndpoints(table));
    await this.proc.settled();
    return r;
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

export interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }

/** Plain HTTP through nginx with the given Host header (no connection reuse, so every request is independent). */
export function get(port: number, host: string, pathAndQuery: string, headers: Record<string, string> = {}): Promise<Reply> {
  return request(port, host, pathAndQuery, { headers });
}

/** As `get`, with any method and an optional request body. */
export function request(port: number, host: string, pathAndQuery: string, o: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: o.method ?? 'GET', path: pathAndQuery, headers: { host, ...o.headers }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}
