// How a node agent learns its podCIDR. A new cluster's daemon starts its
// agents while its API server still loads (no socket yet, or not accepting
// yet) and registers the Nodes only once the network is built, after which
// its node IPAM controller gives each its podCIDR: the agent first retries
// until the API server answers, then lists its Node and watches it from that
// list's resourceVersion (nothing between the two is missed) instead of
// polling: every poll is a request for the agent and the daemon alike, on
// two cores both need for everyone's start.

import type { Node } from '../api/types.js';
import type { Client } from '../client/client.js';

export interface WaitForNodeOptions {
  /** retry interval while the API server does not answer */
  retryMs: number;
  /** give up when the API server has not answered for this long */
  timeoutMs: number;
  /** runs once, at the API server's first answer */
  onApiUp?: () => void;
  /**
   * A cheap test that the API server may answer (its socket file exists),
   * checked before each attempt while it has not answered yet: a failed
   * request costs far more than a stat.
   */
  mayAnswer?: () => boolean;
  sleep?: (ms: number) => Promise<void>;
}

type NodeWithPodCIDR = Node & { spec: { podCIDR: string } };

/** No socket yet (ENOENT) or not accepting yet (ECONNREFUSED): the daemon is still starting. */
function apiNotUpYet(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ECONNREFUSED';
}

const hasPodCIDR = (n: Node | undefined): n is NodeWithPodCIDR => !!n?.spec?.podCIDR;

/** NODENAME's Node once it has a podCIDR. */
export async function waitForPodCIDR(client: Client, nodeName: string, options: WaitForNodeOptions): Promise<NodeWithPodCIDR> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const fieldSelector = `metadata.name=${nodeName}`;
  const deadline = Date.now() + options.timeoutMs;
  let up = false;
  const notYet = async () => {
    if (Date.now() > deadline) throw new Error(`node ${nodeName}: no answer from the API server after ${options.timeoutMs} ms`);
    await sleep(options.retryMs);
  };
  for (;;) {
    if (!up && options.mayAnswer && !options.mayAnswer()) { await notYet(); continue; }
    let list;
    try {
      list = await client.list<Node>('nodes', undefined, { fieldSelector });
    } catch (err) {
      if (up || !apiNotUpYet(err)) throw err;
      await notYet();
      continue;
    }
    if (!up) { up = true; options.onApiUp?.(); }
    const listed = list.items.find((n) => n.metadata.name === nodeName);
    if (hasPodCIDR(listed)) return listed;
    const found = await new Promise<NodeWithPodCIDR | 'ended' | 'failed'>((resolve) => {
      const watch = client.watch<Node>('nodes', undefined, { fieldSelector, resourceVersion: list.metadata?.resourceVersion ?? '' }, (event) => {
        if ((event.type === 'ADDED' || event.type === 'MODIFIED') && hasPodCIDR(event.object)) { watch.stop(); resolve(event.object); }
      });
      // A watch that ends without it (the server's timeout, an expired
      // resourceVersion) means: list again — after a pause if it failed, so a
      // watch that keeps failing does not become a tight list+watch loop.
      watch.done.then(() => resolve('ended'), () => resolve('failed'));
    });
    if (found === 'failed') await sleep(options.retryMs);
    else if (found !== 'ended') return found;
  }
}
