// Who an address is, for `podnet observe` (pure): a pod (namespace/name, its
// node), a node (its own address, or its cni0 gateway, from which its
// kubelet's probes come), a Service's frontend (ClusterIP, load-balancer or
// external address and port, a NodePort on any node's address), the router
// (the cloud load balancer's health checks come from it), the outside client
// and the external DNS server. Built from one list of the cluster's objects.

import type { Node, Pod, Service } from '../api/types.js';
import { EXTERNAL_DNS_IP, NODE_ROUTER_IP, OUTSIDE_CLIENT_IP, OUTSIDE_ROUTER_IP } from '../config.js';
import { ipv4ToNumber } from '../proxy/ipv4.js';

export type PeerKind = 'pod' | 'node' | 'router' | 'outside' | 'external-dns' | 'load-balancer' | 'service' | 'unknown';

export interface Peer {
  kind: PeerKind;
  ip: string;
  port?: number;
  /** a pod's namespace and name */
  namespace?: string;
  name?: string;
  /** the node a pod runs on, or the node an address belongs to */
  node?: string;
  /** a pod's labels (Hubble's JSON has its endpoints' labels too) */
  labels?: Record<string, string>;
}

/** A Service frontend the address and port are: `namespace/name` and how it was asked (ClusterIP, LoadBalancer, NodePort, ExternalIP). */
export interface Frontend {
  service: string;
  namespace: string;
  type: 'ClusterIP' | 'LoadBalancer' | 'NodePort' | 'ExternalIP';
  /** externalTrafficPolicy Local (external frontends only) */
  externalLocal?: boolean;
  /** internalTrafficPolicy Local (ClusterIPs only) */
  internalLocal?: boolean;
  /** loadBalancerSourceRanges (LoadBalancer addresses only) */
  sourceRanges?: string[];
}

export interface ClusterObjects { pods: readonly Pod[]; services: readonly Service[]; nodes: readonly Node[] }

const key = (ip: string, port: number | undefined, protocol: string) => `${protocol.toUpperCase()} ${ip}:${port ?? ''}`;

export class AddressBook {
  private readonly pods = new Map<string, { namespace: string; name: string; node?: string; labels?: Record<string, string> }>();
  private readonly nodes = new Map<string, string>();
  private readonly lbAddresses = new Set<string>();
  private readonly frontends = new Map<string, Frontend>();
  private readonly nodePorts = new Map<string, Frontend>();
  /** each frontend address and the (first) Service it belongs to */
  private readonly frontendIPs = new Map<string, string>();
  /** each node's pod range as [network, mask] (IPv4 numbers) */
  private readonly podRanges: { node: string; network: number; mask: number }[] = [];
  private readonly podIPs = new Map<string, string>();

  constructor(objects: ClusterObjects) {
    for (const n of objects.nodes) {
      const name = n.metadata.name!;
      for (const a of n.status?.addresses ?? []) if (a.type === 'InternalIP') this.nodes.set(a.address, name);
      const cidr = n.spec?.podCIDR;
      if (cidr) {
        // the bridge's gateway (.1 of the node's pod range) is the node's own address on cni0
        this.nodes.set(cidr.replace(/\.0\/\d+$/, '.1'), name);
        const [network, bits] = cidr.split('/');
        const mask = bits === '0' ? 0 : (~0 << (32 - Number(bits))) >>> 0;
        this.podRanges.push({ node: name, network: ((ipv4ToNumber(network!) ?? 0) & mask) >>> 0, mask });
      }
    }
    for (const p of objects.pods) {
      const ip = p.status?.podIP;
      // a hostNetwork pod's address is its node's
      if (!ip || p.spec.hostNetwork || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
      const labels = p.metadata.labels && Object.keys(p.metadata.labels).length > 0 ? { labels: p.metadata.labels } : {};
      this.pods.set(ip, { namespace: p.metadata.namespace!, name: p.metadata.name!, ...(p.spec.nodeName ? { node: p.spec.nodeName } : {}), ...labels });
      this.podIPs.set(`${p.metadata.namespace!}/${p.metadata.name!}`, ip);
    }
    for (const s of objects.services) {
      const namespace = s.metadata.namespace!;
      const service = `${namespace}/${s.metadata.name!}`;
      const local = s.spec.externalTrafficPolicy === 'Local' ? { externalLocal: true } : {};
      const ranges = s.spec.loadBalancerSourceRanges?.length ? { sourceRanges: s.spec.loadBalancerSourceRanges } : {};
      const internal = s.spec.internalTrafficPolicy === 'Local' ? { internalLocal: true } : {};
      const at = (ip: string, port: number, protocol: string, type: Frontend['type']) => {
        if (!this.frontendIPs.has(ip)) this.frontendIPs.set(ip, service);
        const extra = type === 'ClusterIP' ? internal : type === 'LoadBalancer' ? { ...local, ...ranges } : local;
        if (!this.frontends.has(key(ip, port, protocol))) this.frontends.set(key(ip, port, protocol), { service, namespace, type, ...extra });
      };
      for (const port of s.spec.ports ?? []) {
        const protocol = port.protocol ?? 'TCP';
        for (const ip of s.spec.clusterIPs ?? (s.spec.clusterIP ? [s.spec.clusterIP] : [])) if (ip !== 'None') at(ip, port.port, protocol, 'ClusterIP');
        for (const ip of s.spec.externalIPs ?? []) at(ip, port.port, protocol, 'ExternalIP');
        for (const ing of s.status?.loadBalancer?.ingress ?? []) {
          if (!ing.ip) continue;
          this.lbAddresses.add(ing.ip);
          at(ing.ip, port.port, protocol, 'LoadBalancer');
        }
        if (port.nodePort) this.nodePorts.set(`${protocol.toUpperCase()} ${port.nodePort}`, { service, namespace, type: 'NodePort', ...local });
      }
    }
  }

  /** Who `ip` (and `port`) is. */
  peer(ip: string, port?: number): Peer {
    const withPort = port !== undefined ? { port } : {};
    const pod = this.pods.get(ip);
    if (pod) return { kind: 'pod', ip, ...withPort, namespace: pod.namespace, name: pod.name, ...(pod.node ? { node: pod.node } : {}), ...(pod.labels ? { labels: pod.labels } : {}) };
    const node = this.nodes.get(ip);
    if (node) return { kind: 'node', ip, ...withPort, node };
    if (ip === NODE_ROUTER_IP || ip === OUTSIDE_ROUTER_IP) return { kind: 'router', ip, ...withPort };
    if (ip === OUTSIDE_CLIENT_IP) return { kind: 'outside', ip, ...withPort };
    if (ip === EXTERNAL_DNS_IP) return { kind: 'external-dns', ip, ...withPort };
    if (this.lbAddresses.has(ip)) return { kind: 'load-balancer', ip, ...withPort };
    if (this.frontendIPs.has(ip)) return { kind: 'service', ip, ...withPort };
    return { kind: 'unknown', ip, ...withPort };
  }

  /** The Service whose frontend `ip:port` is (a NodePort on any node address too); undefined for anything else. */
  frontend(ip: string, port: number | undefined, protocol: string): Frontend | undefined {
    const direct = this.frontends.get(key(ip, port, protocol));
    if (direct) return direct;
    return this.nodes.has(ip) && port !== undefined ? this.nodePorts.get(`${protocol.toUpperCase()} ${port}`) : undefined;
  }

  /** The Service (`namespace/name`) one of whose frontends is at `ip`, whatever the port. */
  serviceAt(ip: string): string | undefined {
    return this.frontendIPs.get(ip);
  }

  /** The node whose pod range holds `ip` (its pods' addresses, and its cni0 gateway). */
  podRangeNode(ip: string): string | undefined {
    const n = ipv4ToNumber(ip);
    if (n === undefined) return undefined;
    return this.podRanges.find((r) => ((n & r.mask) >>> 0) === r.network)?.node;
  }

  /** A pod's address by its namespace and name. */
  podIP(namespace: string, name: string): string | undefined {
    return this.podIPs.get(`${namespace}/${name}`);
  }
}
