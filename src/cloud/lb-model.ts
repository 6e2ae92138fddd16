// Services + Nodes → what the cloud load balancer serves (pure): one frontend
// per (LoadBalancer address, Service port), the nodes that may receive its
// traffic, and the health check each (frontend, node) pair is judged by,
// as an AWS NLB with instance targets sees a Service:
//
//   externalTrafficPolicy Cluster → TCP connect to nodeIP:nodePort (every node
//       forwards to some endpoint, so "the NodePort accepts" = "can serve");
//   externalTrafficPolicy Local   → HTTP GET nodeIP:healthCheckNodePort/healthz,
//       200 only on nodes with a ready local endpoint (kube-proxy's contract);
//   UDP/SCTP with Cluster         → no connect-style check exists for them, so
//       the Node's Ready condition stands in (as cloud LBs fall back to a
//       TCP check on another port, which podnet nodes do not have).

import type { Node, Service } from '../api/types.js';
import { compareIpv4, ipv4Networks, isIPv4 } from '../proxy/ipv4.js';
import { LoadBalancerIpPool, serviceKey, servesService } from './lb-allocator.js';
import { SOURCE_RANGES_ANNOTATION } from '../api/validation/service.js';

export type Proto = 'tcp' | 'udp' | 'sctp';

/** Nodes labelled so are never load-balancer targets (the cloud service controller's rule). */
export const EXCLUDE_LB_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';
/** kube-proxy serves its health answer on any path; /healthz is what clouds ask for. */
export const HEALTH_CHECK_PATH = '/healthz';

export type HealthCheck =
  | { kind: 'tcp'; port: number }
  | { kind: 'http'; port: number; path: string }
  | { kind: 'node-ready' };

export interface LbNode { name: string; ip: string; ready: boolean }

export interface LbFrontend {
  /** `ns/name` */
  service: string;
  /** `ns/name/proto/portname-or-number`, the proxy's service-port id */
  id: string;
  ip: string;
  proto: Proto;
  port: number;
  nodePort: number;
  policy: 'Cluster' | 'Local';
  check: HealthCheck;
  /** loadBalancerSourceRanges as IPv4 networks; empty: every source may connect */
  sourceRanges: string[];
}

/** One health check of one node for one Service; its id is the key of the health map. */
export interface ProbeTarget {
  id: string;
  service: string;
  node: string;
  nodeIP: string;
  check: HealthCheck;
}

export interface Backend { node: string; ip: string; port: number }

/** A frontend and the nodes its new connections go to (healthy ones only). */
export interface LbBackendSet { frontend: LbFrontend; backends: Backend[] }

function toProto(p: string | undefined): Proto {
  return (p ?? 'TCP').toLowerCase() as Proto;
}

/**
 * The frontends of every Service the pool's controller serves that already
 * has an address. Ports without a NodePort (allocateLoadBalancerNodePorts:
 * false) cannot be reached through the nodes and are left out.
 */
export function lbFrontends(services: readonly Service[], pool = new LoadBalancerIpPool()): LbFrontend[] {
  const out: LbFrontend[] = [];
  for (const svc of services) {
    if (!servesService(svc)) continue;
    const ips = [...new Set((svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter((ip) => isIPv4(ip) && pool.contains(ip)))];
    const local = svc.spec.externalTrafficPolicy === 'Local';
    const key = serviceKey(svc);
    // the security group a cloud puts in front of its LB: the field, else the
    // older annotation (cloud-provider's GetLoadBalancerSourceRanges)
    const fieldRanges = svc.spec.loadBalancerSourceRanges ?? [];
    const sourceRanges = ipv4Networks(fieldRanges.length > 0 ? fieldRanges : (svc.metadata.annotations?.[SOURCE_RANGES_ANNOTATION] ?? '').split(','));
    for (const ip of ips) {
      for (const sp of svc.spec.ports ?? []) {
        if (!sp.nodePort) continue;
        const proto = toProto(sp.protocol);
        let check: HealthCheck;
        if (local && svc.spec.healthCheckNodePort) check = { kind: 'http', port: svc.spec.healthCheckNodePort, path: HEALTH_CHECK_PATH };
        else if (proto === 'tcp') check = { kind: 'tcp', port: sp.nodePort };
        else check = { kind: 'node-ready' };
        out.push({
          service: key, id: `${key}/${proto}/${sp.name || sp.port}`, ip, proto, port: sp.port, nodePort: sp.nodePort,
          policy: local ? 'Local' : 'Cluster', check, sourceRanges,
        });
      }
    }
  }
  return out.sort((a, b) => compareIpv4(a.ip, b.ip) || a.proto.localeCompare(b.proto) || a.port - b.port);
}

/** Candidate target nodes: every node with an InternalIP, not being deleted, not excluded. */
export function lbNodes(nodes: readonly Node[]): LbNode[] {
  const out: LbNode[] = [];
  for (const n of nodes) {
    if (n.metadata.deletionTimestamp || n.metadata.labels?.[EXCLUDE_LB_LABEL] !== undefined) continue;
    const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    if (!ip || !isIPv4(ip)) continue;
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    out.push({ name: n.metadata.name!, ip, ready });
  }
  return out.sort((a, b) => compareIpv4(a.ip, b.ip));
}

/** "tcp 172.18.0.3:30080", "http 172.18.0.3:31234/healthz", "node-2 Ready" */
export function describeCheck(check: HealthCheck, node: string, nodeIP: string): string {
  switch (check.kind) {
    case 'tcp': return `tcp ${nodeIP}:${check.port}`;
    case 'http': return `http ${nodeIP}:${check.port}${check.path}`;
    case 'node-ready': return `${node} Ready`;
  }
}

export function probeId(frontend: LbFrontend, node: LbNode): string {
  return `${frontend.service} ${node.name} ${describeCheck(frontend.check, node.name, node.ip)}`;
}

/** The distinct health checks to run (a Local Service's ports share one). */
export function probeTargets(frontends: readonly LbFrontend[], nodes: readonly LbNode[]): ProbeTarget[] {
  const out = new Map<string, ProbeTarget>();
  for (const f of frontends) {
    for (const n of nodes) {
      const id = probeId(f, n);
      if (!out.has(id)) out.set(id, { id, service: f.service, node: n.name, nodeIP: n.ip, check: f.check });
    }
  }
  return [...out.values()];
}

/** Each frontend with the nodes whose check is healthy right now (`healthy` is keyed by probe id). */
export function selectBackends(frontends: readonly LbFrontend[], nodes: readonly LbNode[], healthy: (probeId: string) => boolean): LbBackendSet[] {
  return frontends.map((frontend) => ({
    frontend,
    backends: nodes.filter((n) => healthy(probeId(frontend, n))).map((n) => ({ node: n.name, ip: n.ip, port: frontend.nodePort })),
  }));
}
