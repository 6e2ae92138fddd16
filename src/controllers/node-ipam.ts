// Gives every Node the next free /24 of the pod network, in join order, and
// never the same one twice while a Node holds it (the allocation is the Node
// object itself, so a restarted daemon rebuilds it from the store).

import type { Node } from '../api/types.js';
import { POD_NETWORK } from '../config.js';
import type { Client } from '../client/client.js';
import { Controller } from './controller.js';
import type { EventRecorder } from './events.js';
import { keyOf, type InformerSource, type Lister } from './informers.js';

const SUBNET_BITS = 24;

export function subnetAt(network: string, index: number): string {
  const [base, prefix] = network.split('/') as [string, string];
  const o = base.split('.').map(Number);
  const baseInt = ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
  const size = 2 ** (32 - SUBNET_BITS);
  const count = 2 ** (SUBNET_BITS - Number(prefix));
  if (index < 0 || index >= count) throw new Error(`subnet index ${index} outside ${network}`);
  const n = (baseInt + index * size) >>> 0;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${SUBNET_BITS}`;
}

/** Pure: the lowest /24 not held by any node. */
export function nextFreeSubnet(network: string, taken: Set<string>): string | undefined {
  const count = 2 ** (SUBNET_BITS - Number(network.split('/')[1]));
  for (let i = 0; i < count; i++) {
    const s = subnetAt(network, i);
    if (!taken.has(s)) return s;
  }
  return undefined;
}

export class NodeIpamController extends Controller {
  private readonly nodes: Lister<Node>;

  constructor(informers: InformerSource, private readonly client: Client, private readonly events: EventRecorder) {
    super('node-ipam-controller', 1); // one worker: allocation must be serial
    const nodes = informers.informer<Node>('nodes');
    this.nodes = nodes;
    nodes.addHandlers({ add: (n) => this.enqueue(keyOf(n)), update: (_o, n) => this.enqueue(keyOf(n)) });
  }

  protected async sync(key: string): Promise<void> {
    const node = this.nodes.get(undefined, key);
    if (!node || node.spec?.podCIDR) return;
    const taken = new Set(this.nodes.list().map((n) => n.spec?.podCIDR).filter((c): c is string => !!c));
    const cidr = nextFreeSubnet(POD_NETWORK, taken);
    if (!cidr) {
      this.events.warning(node, 'CIDRNotAvailable', `Node ${key} status is now: CIDRNotAvailable`);
      return;
    }
    await this.client.update<Node>({ ...node, spec: { ...node.spec, podCIDR: cidr, podCIDRs: [cidr] } });
    this.events.normal(node, 'CIDRAssignmentSucceeded', `Node ${key} got podCIDR ${cidr}`);
  }
}
