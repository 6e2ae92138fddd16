// Runs the real podnet CLI (the built dist/) and real tools nobody here wrote.

import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ApiServer } from '../../src/apiserver/server.js';
import { HttpClient } from '../../src/client/http-client.js';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface Run { code: number; stdout: string; stderr: string }

export function run(argv: string[], options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...(options.env ?? {}) }, stdio: ['pipe', 'pipe', 'pipe'], timeout: options.timeoutMs ?? 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    child.stdin.on('error', () => { /* the tool may exit before reading its input */ });
    child.stdin.end(options.input ?? '');
  });
}

/** A podnet cluster for one test file: its own name and its own state directory. */
export function podnet(cluster: string, stateDir: string) {
  const env = { PODNET_CLUSTER: cluster, PODNET_STATE_DIR: stateDir };
  return (args: string[], options: { input?: string; timeoutMs?: number } = {}) => run([process.execPath, CLI, ...args], { ...options, env });
}

export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) { last = err; }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * `podnet down` for a test's `after()`. `down` can give up under load (see
 * down-many.test.ts): then kill what runs in the cluster's own namespaces by
 * pid and take it down again.
 */
export async function downOrKill(pn: ReturnType<typeof podnet>, cluster: string): Promise<void> {
  const down = await pn(['down']);
  if (down.code === 0) return;
  process.stderr.write(`podnet down failed: ${down.stderr.slice(0, 200)}\n`);
  const names = (await run(['ip', 'netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`pn-${cluster}-`));
  for (const ns of names) for (const pid of (await run(['ip', 'netns', 'pids', ns])).stdout.split('\n').filter(Boolean)) { try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ } }
  await pn(['down']);
}

/**
 * A test file's cluster (inside its describe): `up` before the tests, and
 * after them, also when they fail, `down` and its state directory removed.
 */
export function withCluster(pn: ReturnType<typeof podnet>, cluster: string, stateDir: string, upArgs: string[] = []): void {
  before(async () => {
    const up = await pn(['up', ...upArgs]);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
  });
  after(async () => {
    await downOrKill(pn, cluster);
    rmSync(stateDir, { recursive: true, force: true });
  });
}

/**
 * An API server alone, where the CLI looks for cluster `cluster`'s socket
 * (no nodes: what the CLI and the API do without them), with a client to it;
 * stopped, and its state directory removed, after the file's tests.
 */
export function withBareApiServer(cluster: string): { pn: ReturnType<typeof podnet>; client: () => HttpClient } {
  const stateDir = mkdtempSync(path.join(tmpdir(), `podnet-${cluster}-`));
  const dir = path.join(stateDir, cluster);
  let server: ApiServer | undefined;
  let client: HttpClient | undefined;
  before(async () => {
    mkdirSync(dir, { recursive: true });
    server = new ApiServer({ databasePath: path.join(dir, 'store.db'), socketPath: path.join(dir, 'api.sock') });
    await server.start();
    client = new HttpClient({ socketPath: path.join(dir, 'api.sock') });
  });
  after(async () => {
    client?.close();
    await server?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });
  return { pn: podnet(cluster, stateDir), client: () => client! };
}
