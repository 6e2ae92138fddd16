// Stand-alone API server process: `node dist/src/apiserver/main.js --database F --socket S`.
// The daemon embeds ApiServer instead; this entry serves tests and benchmarks
// that need the server in its own process (to kill -9 it, or to measure its RSS).
// Prints "ready" on stdout once listening; exits on SIGTERM/SIGINT.

import { ApiServer } from './server.js';

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (!v) {
    console.error(`usage: main.js --database FILE --socket PATH (missing --${name})`);
    process.exit(2);
  }
  return v;
}

const server = new ApiServer({ databasePath: arg('database'), socketPath: arg('socket') });
await server.start();
process.stdout.write('ready\n');
const shutdown = () => { void server.stop().then(() => process.exit(0)); };
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
