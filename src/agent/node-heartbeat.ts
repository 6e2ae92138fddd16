// Keeps this node's Ready condition fresh, as the kubelet's node status loop.

import { statfsSync } from 'node:fs';
import type { Node } from '../api/types.js';
import { nowRFC3339, setCondition } from '../api/pod-helpers.js';
import type { Client } from '../client/client.js';

export const HEARTBEAT_MS = 2_000;

/** what each node reports as its capacity and allocatable (the machine's size; nothing is reserved) */
export const NODE_RESOURCES: Readonly<Record<string, string>> = { cpu: '2', memory: '24Gi', pods: '250' };

/**
 * NODE_RESOURCES and the node's ephemeral-storage: the size of the
 * filesystem that holds the pods' files (the kubelet reports its root
 * directory's), in Ki as the kubelet writes it.
 */
export function nodeResources(podsFilesystem: string): Record<string, string> {
  try {
    const fs = statfsSync(podsFilesystem);
    return { ...NODE_RESOURCES, 'ephemeral-storage': `${Math.floor((fs.blocks * fs.bsize) / 1024)}Ki` };
  } catch {
    return { ...NODE_RESOURCES };
  }
}

export class NodeHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  /** the Node as the last PATCH returned it: its Ready condition's transition time carries over */
  private last: Node | undefined;

  /**
   * `known`: the Node as the agent just read it (waiting for its podCIDR), so
   * the first beat — the one `podnet up` waits for — needs no GET before its
   * PATCH. Only its conditions are used, and until this first beat nothing
   * but the node lifecycle controller, after 10 s of silence, sets them.
   */
  constructor(private readonly client: Client, private readonly nodeName: string, private readonly nodeIP: string, known?: Node, private readonly resources: Readonly<Record<string, string>> = NODE_RESOURCES) {
    this.last = known;
  }

  async beat(): Promise<Node> {
    const node = this.last ?? await this.client.get<Node>('nodes', undefined, this.nodeName);
    const now = nowRFC3339();
    const conditions = setCondition(node.status?.conditions, {
      type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now,
    }, now);
    this.last = undefined; // if the PATCH fails, read the Node afresh next time
    this.last = await this.client.patch<Node>('nodes', undefined, this.nodeName, {
      status: {
        conditions,
        addresses: [{ type: 'InternalIP', address: this.nodeIP }, { type: 'Hostname', address: this.nodeName }],
        capacity: this.resources,
        allocatable: this.resources,
        nodeInfo: { kubeletVersion: 'v1.31.0-podnet', kubeProxyVersion: 'v1.31.0-podnet', operatingSystem: 'linux', architecture: process.arch === 'x64' ? 'amd64' : process.arch, containerRuntimeVersion: 'podnet://0.1.0', osImage: 'podnet', kernelVersion: '' },
      },
    }, { subresource: 'status' });
    return this.last;
  }

  run(): void {
    this.timer = setInterval(() => { void this.beat().catch((e) => process.stderr.write(`[agent ${this.nodeName}] heartbeat: ${(e as Error).message}\n`)); }, HEARTBEAT_MS);
  }

  stop(): void { if (this.timer) clearInterval(this.timer); }
}
