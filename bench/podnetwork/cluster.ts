// A throwaway podnet cluster for one benchmark: its own name and a fresh
// temporary state directory (the only place the benchmark writes), always
// taken down at the end, plus the small statistics the tables print.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { HttpClient } from '../../src/client/http-client.js';
import { podnet, type Run } from '../../test/support/cli.js';

export interface BenchCluster {
  name: string;
  stateDir: string;
  /** <stateDir>/<name>: socket, pods/, ipam/, procs/ */
  dir: string;
  pn(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<Run>;
  /** the cluster API over its Unix socket */
  client(): HttpClient;
  /** pid of the pause process holding a pod's namespaces */
  sandboxPid(podUid: string): number;
  down(): Promise<void>;
}

export function benchCluster(name: string): BenchCluster {
  const stateDir = mkdtempSync(path.join(tmpdir(), `podnet-${name}-`));
  const dir = path.join(stateDir, name);
  const pn = podnet(name, stateDir);
  let client: HttpClient | undefined;
  return {
    name, stateDir, dir, pn,
    client: () => (client ??= new HttpClient({ socketPath: path.join(dir, 'api.sock') })),
    sandboxPid: (uid) => Number(readFileSync(path.join(dir, 'pods', uid, 'sandbox.pid'), 'utf8')),
    async down() {
      client?.close();
      await pn(['down']);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Runs `body` with the cluster, taking it down on success, failure and Ctrl-C. */
export async function withCluster<T>(cluster: BenchCluster, body: () => Promise<T>): Promise<T> {
  const onSignal = () => { void cluster.down().finally(() => process.exit(130)); };
  process.once('SIGINT', onSignal);
  try {
    return await body();
  } finally {
    process.off('SIGINT', onSignal);
    await cluster.down();
  }
}

export function mustSucceed(r: Run, what: string): Run {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r;
}

/** nearest-rank percentile (p in 0..100) of unsorted samples */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The machine is shared: every table says how busy it was. */
export function load(): string {
  return loadavg().map((l) => l.toFixed(2)).join(' ');
}

export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}
