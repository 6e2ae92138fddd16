// Shared setup for API server integration tests: a server on a Unix socket in
// a fresh temp dir, and cleanup that runs even when a test fails.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiServer, type ApiServerOptions } from '../../../src/apiserver/server.js';
import { HttpClient } from '../../../src/client/http-client.js';

export interface TestServer {
  dir: string;
  server: ApiServer;
  client: HttpClient;
  socketPath: string;
  close(): Promise<void>;
}

export async function startTestServer(options: Partial<ApiServerOptions> = {}): Promise<TestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podnet-apiserver-'));
  const socketPath = path.join(dir, 'api.sock');
  const server = new ApiServer({ databasePath: path.join(dir, 'store.db'), socketPath, ...options });
  await server.start();
  const client = new HttpClient({ socketPath });
  return {
    dir, server, client, socketPath,
    close: async () => {
      client.close();
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

/** Polls until cond() holds (bounded), for events that arrive asynchronously. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await tick(5);
  }
}
