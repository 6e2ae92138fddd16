// The daemon's own entry point, as `podnet up` starts it:
//   node dist/src/daemon/daemon-main.js --cluster NAME --nodes N [--bare]
// The same runDaemon as `podnet daemon`, without the command line's modules
// (argument parsing, the API client): the daemon's first job is to start
// building a new cluster's network, and every module loaded before that is
// on the way to `up`'s answer (docs/architecture.md, start-up).

import '../tiering.js';
import { parseArgs } from 'node:util';
import { CLUSTER_NAME_PATTERN, DEFAULT_NODES } from '../config.js';
import { runDaemon } from './main.js';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { cluster: { type: 'string' }, nodes: { type: 'string' }, bare: { type: 'boolean' } } });
  const cluster = values.cluster ?? '';
  const nodes = Number(values.nodes ?? DEFAULT_NODES);
  if (!CLUSTER_NAME_PATTERN.test(cluster)) throw new Error(`invalid --cluster "${cluster}"`);
  if (!Number.isInteger(nodes) || nodes < 1) throw new Error(`invalid --nodes "${values.nodes}"`);
  return runDaemon(cluster, nodes, values.bare !== true);
}

main().then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`[daemon] ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
