// `podnet kubectl ARGS…`: runs the kubectl on the PATH against this cluster,
// as `kind` users point kubectl at theirs. kubectl cannot dial a Unix socket,
// so for the length of the command a relay on 127.0.0.1 under a secret path
// (api-relay.ts) stands in front of the API socket, named by a kubeconfig in a
// private temporary directory, with kubectl's discovery cache (a new port each
// run would otherwise leave a cache directory behind each time). ARGS go to
// kubectl untouched.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import path from 'node:path';
import { PodnetError } from '../../errors.js';
import { startApiRelay } from '../api-relay.js';
import type { Context } from '../context.js';

/** A kubeconfig naming the relay and the cluster; JSON is YAML, and kubectl reads either. */
export function kubeconfigFor(cluster: string, server: string): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Config', preferences: {},
    clusters: [{ name: `podnet-${cluster}`, cluster: { server } }],
    users: [{ name: `podnet-${cluster}`, user: {} }],
    contexts: [{ name: `podnet-${cluster}`, context: { cluster: `podnet-${cluster}`, user: `podnet-${cluster}` } }],
    'current-context': `podnet-${cluster}`,
  }, null, 2);
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function kubectlCommand(ctx: Context, args: string[]): Promise<number> {
  await ctx.ready(); // a clear error when the cluster is not running (kubectl would only see the relay's 502)
  const relay = await startApiRelay(ctx.paths.socket);
  const dir = mkdtempSync(path.join(tmpdir(), 'podnet-kubectl-')); // 0700
  const kubeconfig = path.join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigFor(ctx.cluster, relay.url), { mode: 0o600 });
  // A signal to this process goes on to kubectl (Ctrl-C reaches both anyway);
  // this process stays until kubectl is gone, to close the relay after it.
  let child: ReturnType<typeof spawn> | undefined;
  const forward = (signal: NodeJS.Signals) => { child?.kill(signal); };
  for (const s of SIGNALS) process.on(s, forward);
  try {
    return await new Promise<number>((resolve, reject) => {
      child = spawn('kubectl', args, { stdio: 'inherit', env: { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: path.join(dir, 'cache') } });
      child.on('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT'
        ? new PodnetError('ENOKUBECTL', 'kubectl is not on the PATH; podnet kubectl runs the kubectl you installed (any version from 1.27 on)')
        : err));
      child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
    });
  } finally {
    for (const s of SIGNALS) process.off(s, forward);
    await relay.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
