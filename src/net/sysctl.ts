// Per-namespace sysctls. net.* sysctls under /proc/sys are per network
// namespace (the reader's namespace decides), so `sysctl` runs inside the
// target namespace. (They are written by the network build, src/topology.)

import type { Runner } from './runner.js';
import { requireNetns } from './netns.js';

export async function readSysctl(runner: Runner, netns: string, key: string): Promise<string> {
  requireNetns(netns, 'read sysctls');
  const { stdout } = await runner.run(['sysctl', '-n', key], { netns });
  return stdout.trim();
}
