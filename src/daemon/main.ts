// `podnet daemon`: runs in the background, started by `podnet up`.

import { Daemon } from './daemon.js';

export async function runDaemon(cluster: string, nodes: number, addons: boolean): Promise<number> {
  const daemon = new Daemon({ cluster, nodes, addons });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await daemon.stop().catch((e) => process.stderr.write(`[daemon] stop: ${(e as Error).message}\n`));
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  try {
    await daemon.start();
  } catch (err) {
    process.stderr.write(`[daemon] start failed: ${(err as Error).stack ?? err}\n`);
    await daemon.stop().catch(() => undefined);
    return 1;
  }
  process.stderr.write(`[daemon] cluster "${cluster}" running (pid ${process.pid})\n`);
  await new Promise<never>(() => { /* serve until signalled */ });
  return 0;
}
