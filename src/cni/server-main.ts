#!/usr/bin/env node
// A resident podnet CNI server as a process of its own: the node agent starts
// one as its child (agent/cni-server-process.ts); tests and the benchmark
// start it by hand inside a node's network namespace and point the
// `podnet-cni` shim at its socket.
//
//   ip netns exec pn-<cluster>-<node> node dist/src/cni/server-main.js --socket /path/podnet-cni.sock
//
// It prints "listening <socket>" once the socket accepts calls and stops on
// SIGTERM/SIGINT, removing the socket; with --exit-with-stdin also when its
// stdin reaches EOF (the node agent holds the other end of that pipe, so the
// server never outlives it, not even a kill -9).

import { parseArgs } from 'node:util';
import { CniServer } from './server.js';

const { values } = parseArgs({ options: { socket: { type: 'string' }, 'exit-with-stdin': { type: 'boolean' } } });
if (!values.socket) {
  process.stderr.write('usage: server-main.js --socket PATH\n');
  process.exit(2);
}
const server = new CniServer(values.socket);
await server.listen();
process.stdout.write(`listening ${values.socket}\n`);
const stop = () => { void server.close().then(() => process.exit(0)); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (values['exit-with-stdin']) {
  process.stdin.on('end', stop).on('close', stop).on('error', stop);
  process.stdin.resume();
}
