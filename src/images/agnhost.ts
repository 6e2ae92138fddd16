#!/usr/bin/env node
// The parts of registry.k8s.io/e2e-test-images/agnhost that upstream e2e
// manifests use for networking: `netexec` (/hostname, /clientip, /echo,
// /healthz, UDP echo), `serve-hostname`, and `pause`, the image's default
// command (its Dockerfile's CMD), which waits for a signal.

import http from 'node:http';
import net from 'node:net';
import dgram from 'node:dgram';
import os from 'node:os';
import { parseArgs } from 'node:util';

const [sub, ...rest] = process.argv.slice(2);
const { values } = parseArgs({
  args: rest,
  options: {
    'http-port': { type: 'string' }, 'udp-port': { type: 'string' }, 'sctp-port': { type: 'string' },
    port: { type: 'string' }, http: { type: 'string' }, udp: { type: 'string' }, tcp: { type: 'string' },
    'delay-shutdown': { type: 'string' },
  },
  allowPositionals: true, strict: false,
});
const hostname = os.hostname();

function udpEcho(port: number, reply: (msg: string) => string): void {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => sock.send(reply(msg.toString().trim()), rinfo.port, rinfo.address));
  sock.bind(port);
}

function netexec(): void {
  const httpPort = Number(values['http-port'] ?? 8080);
  const udpPort = Number(values['udp-port'] ?? 8081);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const ip = req.socket.remoteAddress?.replace(/^::ffff:/, '');
    switch (url.pathname) {
      case '/hostname': res.end(hostname); return;
      case '/clientip': res.end(`${ip}:${req.socket.remotePort}`); return;
      case '/echo': res.end(url.searchParams.get('msg') ?? ''); return;
      case '/healthz': case '/readyz': res.end('ok'); return;
      case '/': res.end('NOW: ' + new Date().toISOString()); return;
      default: res.writeHead(404).end('404 page not found\n');
    }
  });
  server.listen(httpPort, () => process.stdout.write(`Started HTTP server on port ${httpPort}\n`));
  // netexec's UDP protocol: "hostname" → hostname, "echo X" → X, "clientip" → ip:port.
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    const text = msg.toString().trim();
    const answer = text === 'hostname' ? hostname : text.startsWith('echo ') ? text.slice(5) : text === 'clientip' ? `${rinfo.address}:${rinfo.port}` : '';
    sock.send(answer, rinfo.port, rinfo.address);
  });
  sock.bind(udpPort, () => process.stdout.write(`Started UDP server on port ${udpPort}\n`));
  const delay = Number(values['delay-shutdown'] ?? 0) * 1000;
  process.on('SIGTERM', () => setTimeout(() => process.exit(0), delay));
}

function serveHostname(): void {
  const port = Number(values.port ?? 9376);
  if (values.udp === 'true') udpEcho(port, () => hostname);
  if (values.tcp === 'true') net.createServer((s) => s.end(hostname)).listen(port);
  if (values.http !== 'false') http.createServer((_req, res) => res.end(hostname)).listen(port);
  process.stdout.write(`Serving on port ${port}.\n`);
  process.on('SIGTERM', () => process.exit(0));
}

function pause(): void {
  process.stdout.write('Paused\n');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
  setInterval(() => {}, 1 << 30);
}

switch (sub ?? 'pause') {
  case 'netexec': netexec(); break;
  case 'serve-hostname': serveHostname(); break;
  case 'pause': pause(); break;
  default:
    process.stderr.write(`agnhost (podnet): unsupported subcommand "${sub}"; podnet implements netexec, serve-hostname and pause\n`);
    process.exit(2);
}
