// A loopback HTTP endpoint for the cluster's API socket, for clients that can
// only dial TCP (kubectl). It lives as long as the command that started it,
// listens on 127.0.0.1 only, and answers only requests under a random path
// prefix, the relay's URL: the socket is root's alone (0600), a TCP port is
// open to every local user. A path, not a bearer token, because kubectl sends
// no credentials over plain HTTP, and the prefix is how kubectl addresses an
// API server behind a proxy anyway. Requests are passed through as they are,
// watches and upgrades (kubectl exec's WebSocket) included.

import http from 'node:http';
import net from 'node:net';
import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface ApiRelay {
  /** http://127.0.0.1:PORT/SECRET: kubectl's `server` */
  url: string;
  close(): Promise<void>;
}

export async function startApiRelay(socketPath: string): Promise<ApiRelay> {
  const prefix = `/${randomBytes(32).toString('hex')}`;
  /** the request's path without the secret prefix; undefined when it does not carry it */
  const inner = (req: http.IncomingMessage): string | undefined => {
    const url = req.url ?? '';
    const head = Buffer.from(url.slice(0, prefix.length));
    if (head.length !== prefix.length || !timingSafeEqual(head, Buffer.from(prefix))) return undefined;
    const rest = url.slice(prefix.length);
    if (rest === '' || rest.startsWith('?')) return `/${rest}`;
    return rest.startsWith('/') ? rest : undefined;
  };
  const agent = new http.Agent({ keepAlive: true, socketPath } as http.AgentOptions);

  const server = http.createServer((req, res) => {
    const path = inner(req);
    if (path === undefined) return status(res, 401, 'Unauthorized', 'Unauthorized');
    const upstream = http.request({ agent, socketPath, method: req.method, path, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      // now, not with the first body chunk: a quiet watch has none for a minute,
      // and kubectl waits for the headers before it goes on
      res.flushHeaders();
      answer.pipe(res);
    });
    upstream.on('error', (err) => {
      if (res.headersSent) res.destroy();
      else status(res, 502, 'ServiceUnavailable', `the API socket did not answer: ${err.message}`);
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });

  // An upgrade (kubectl exec's WebSocket) becomes a byte pipe to the socket after its head is passed on.
  server.on('upgrade', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const path = inner(req);
    if (path === undefined) {
      client.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const upstream = net.connect(socketPath);
    const lines = [`${req.method} ${path} HTTP/1.1`];
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) lines.push(`${raw[i]}: ${raw[i + 1]}`);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      agent.destroy();
    }),
  };
}

function status(res: http.ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
}
