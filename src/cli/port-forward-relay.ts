#!/usr/bin/env node
// The in-cluster half of `podnet port-forward`: started inside the target
// pod's network namespace, it accepts connections on a Unix socket (a file,
// so it is reachable from the host namespace without any route or address)
// and connects each to 127.0.0.1:PORT inside the pod, as kubelet's
// port-forward does.

import net from 'node:net';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { unix: { type: 'string' }, port: { type: 'string' } } });
const socketPath = values.unix!;
const port = Number(values.port);
rmSync(socketPath, { force: true });
const server = net.createServer((inbound) => {
  const outbound = net.connect({ host: '127.0.0.1', port });
  inbound.pipe(outbound).pipe(inbound);
  const close = () => { inbound.destroy(); outbound.destroy(); };
  inbound.on('error', close);
  outbound.on('error', (e) => { process.stderr.write(`port-forward: connecting to 127.0.0.1:${port} in the pod: ${e.message}\n`); close(); });
});
server.listen(socketPath, () => process.stdout.write('ready\n'));
const stop = () => { server.close(); rmSync(socketPath, { force: true }); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
