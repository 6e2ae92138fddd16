// Reads nftables tables inside a network namespace. (Tables are written by
// the network build, src/topology: `nft -f FILE` commits the whole file
// atomically or nothing, nft(8) "ATOMIC RULE REPLACEMENT".)

import type { Runner } from './runner.js';
import { requireNetns } from './netns.js';

/** `nft list table FAMILY NAME` in NETNS, or undefined when the table does not exist. */
export async function listNftTable(runner: Runner, netns: string, family: string, table: string): Promise<string | undefined> {
  requireNetns(netns, 'list nftables rules');
  const { stdout, code } = await runner.run(['nft', 'list', 'table', family, table], { netns, allowFailure: true });
  return code === 0 ? stdout : undefined;
}
