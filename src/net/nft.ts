// Applies an nftables transaction inside a network namespace. `nft -f -`
// commits the whole input atomically or nothing (nft(8), "ATOMIC RULE
// REPLACEMENT"), so a ruleset is never seen half-written.

import type { Runner } from './runner.js';
import { requireNetns } from './netns.js';

export async function applyNft(runner: Runner, netns: string, transaction: string): Promise<void> {
  requireNetns(netns, 'apply nftables rules');
  await runner.run(['nft', '-f', '-'], { netns, input: transaction });
}

/** `nft list table FAMILY NAME` in NETNS, or undefined when the table does not exist. */
export async function listNftTable(runner: Runner, netns: string, family: string, table: string): Promise<string | undefined> {
  requireNetns(netns, 'list nftables rules');
  const { stdout, code } = await runner.run(['nft', 'list', 'table', family, table], { netns, allowFailure: true });
  return code === 0 ? stdout : undefined;
}
