// Per-namespace sysctls. net.* sysctls under /proc/sys are per network
// namespace (the writer's namespace decides), so `sysctl -w` must run inside
// the target namespace; the host's values are never touched.

import type { Runner } from './runner.js';
import { requireNetns } from './netns.js';

export type Sysctls = readonly (readonly [key: string, value: string])[];

/** Sets KEY=VALUE pairs in order (order matters: writing ip_forward resets per-device forwarding). */
export async function setSysctls(runner: Runner, netns: string, sysctls: Sysctls): Promise<void> {
  if (sysctls.length === 0) return;
  requireNetns(netns, 'set sysctls');
  await runner.run(['sysctl', '-q', '-w', ...sysctls.map(([k, v]) => `${k}=${v}`)], { netns });
}

export async function readSysctl(runner: Runner, netns: string, key: string): Promise<string> {
  requireNetns(netns, 'read sysctls');
  const { stdout } = await runner.run(['sysctl', '-n', key], { netns });
  return stdout.trim();
}
