// The API server alone in its own process (src/apiserver/main.js: store and
// REST on a Unix socket, no controllers), as the API-server benches run it.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/apiserver/main.js', import.meta.url));

/** Starts it with its database in `dir`; resolves once it prints its `ready` line. */
export async function startApiServer(dir: string, socketPath: string): Promise<ChildProcess> {
  const server = spawn(process.execPath, [MAIN, '--database', path.join(dir, 'store.db'), '--socket', socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    server.once('exit', (c) => reject(new Error(`API server exited (${c})`)));
    let buf = '';
    server.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      if (buf.split('\n').includes('ready')) resolve();
    });
  });
  return server;
}
