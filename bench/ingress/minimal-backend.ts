// The smallest Node HTTP backend, the same handler as the integration tests'
// echo (compact JSON of name, url and headers): `--backend minimal` in
// ingress-bench.ts, to show the hop's cost next to a backend that does almost
// nothing per request. Run as its own process so its CPU time is its own.

import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' } } });

const server = http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ name: 'minimal', url: req.url, headers: req.headers }));
});
server.keepAliveTimeout = 5_000;
server.listen(Number(values.port), '127.0.0.1', () => process.stdout.write(`minimal backend serving HTTP on :${values.port}\n`));
process.on('SIGTERM', () => { server.close(); server.closeAllConnections(); });
