#!/usr/bin/env node
// podnet/echo: answers every HTTP request with JSON describing who answered
// and what it saw (pod, node, podIP, and the client's IP and port as the pod
// received them, which is how NAT becomes visible). `/healthz` answers 200.
// Optional UDP and TCP echo for Service tests with nc.

import http from 'node:http';
import net from 'node:net';
import dgram from 'node:dgram';
import os from 'node:os';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string' }, 'udp-port': { type: 'string' }, 'tcp-port': { type: 'string' },
    'shutdown-delay': { type: 'string' }, message: { type: 'string' },
  },
  allowPositionals: true, strict: false,
});

const HTTP_PORT = Number(values.port ?? process.env.PORT ?? 8080);
// Keep serving briefly after SIGTERM: the Service rules that still point here
// are removed within milliseconds, and requests already routed must not fail.
const SHUTDOWN_DELAY_MS = Number(values['shutdown-delay'] ?? process.env.SHUTDOWN_DELAY_MS ?? 1000);

const identity = {
  pod: process.env.POD_NAME ?? os.hostname(),
  namespace: process.env.POD_NAMESPACE ?? '',
  node: process.env.NODE_NAME ?? '',
  podIP: process.env.POD_IP ?? '',
};

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/healthz') { res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n'); return; }
  const body = JSON.stringify({
    ...identity,
    clientIP: req.socket.remoteAddress?.replace(/^::ffff:/, ''),
    clientPort: req.socket.remotePort,
    method: req.method, host: req.headers.host ?? '', path: req.url, headers: req.headers,
    ...(values.message ? { message: values.message } : {}),
  }, null, 2);
  res.writeHead(200, { 'content-type': 'application/json' }).end(`${body}\n`);
});
server.keepAliveTimeout = 5_000;
server.listen(HTTP_PORT, () => process.stdout.write(`podnet/echo serving HTTP on :${HTTP_PORT} as ${identity.pod}\n`));

const servers: { close(): void }[] = [server];
if (values['udp-port']) {
  const udp = dgram.createSocket('udp4');
  udp.on('message', (msg, rinfo) => udp.send(msg, rinfo.port, rinfo.address));
  udp.bind(Number(values['udp-port']));
  servers.push(udp);
}
if (values['tcp-port']) {
  const tcp = net.createServer((s) => s.pipe(s));
  tcp.listen(Number(values['tcp-port']));
  servers.push(tcp);
}

process.on('SIGTERM', () => {
  process.stdout.write(`podnet/echo: SIGTERM, draining for ${SHUTDOWN_DELAY_MS} ms\n`);
  setTimeout(() => {
    for (const s of servers) s.close();
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 200).unref();
  }, SHUTDOWN_DELAY_MS).unref();
});
