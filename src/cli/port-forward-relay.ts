#!/usr/bin/env node
// The in-cluster half of `podnet port-forward`: started inside the target
// pod's network namespace, it accepts connections on Unix sockets (files,
// so they are reachable from the host namespace without any route or
// address) and connects each to 127.0.0.1:PORT inside the pod, as kubelet's
// port-forward does. `--forward SOCKET=PORT`, once per forwarded port.
//
// It ends on SIGTERM or SIGINT, and when its stdin (a pipe from the command)
// reaches end-of-file: the command that started it is gone, however it
// ended. The command takes any other end (the agent killing what is left in
// a pod's namespace as it tears it down) as the lost pod.

import net from 'node:net';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { forward: { type: 'string', multiple: true } } });
const forwards = (values.forward ?? []).map((arg) => {
  const eq = arg.lastIndexOf('=');
  return { socketPath: arg.slice(0, eq), port: Number(arg.slice(eq + 1)) };
});

function serve(socketPath: string, port: number): Promise<net.Server> {
  rmSync(socketPath, { force: true });
  const server = net.createServer((inbound) => {
    const outbound = net.connect({ host: '127.0.0.1', port });
    inbound.pipe(outbound).pipe(inbound);
    const close = () => { inbound.destroy(); outbound.destroy(); };
    inbound.on('error', close);
    outbound.on('error', (e) => { process.stderr.write(`port-forward: connecting to 127.0.0.1:${port} in the pod: ${e.message}\n`); close(); });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve(server));
  });
}

const servers = await Promise.all(forwards.map((f) => serve(f.socketPath, f.port)));
process.stdout.write('ready\n');
const stop = () => {
  for (const server of servers) server.close();
  for (const f of forwards) rmSync(f.socketPath, { force: true });
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop).on('error', stop).resume();
