// NetworkPolicy semantics (the Kubernetes API's, as every CNI that enforces
// them reads it), pure: given the policies, every pod and namespace of the
// cluster and one node's name, what each pod on that node may receive and
// send. A pod is isolated for ingress (egress) once any policy of its
// namespace selects it with that policy type; isolated traffic is allowed
// when any rule of any such policy allows it, and replies always are. A rule
// with no peers allows every peer, one with no ports every port; a peer's
// podSelector alone means pods of the policy's namespace, a namespaceSelector
// alone every pod of the namespaces it selects, both together the pods it
// selects in those namespaces. A named port is the destination pod's
// container port of that name (for egress, each peer pod's own). Pods on the
// host's network are never selected, as upstream, and a pod can always reach
// itself (render.ts).

import { matchesLabelSelector } from '../api/labels.js';
import type { IPBlock, Namespace, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, Pod } from '../api/types.js';

export type Protocol = 'tcp' | 'udp' | 'sctp';

/** a port match: a protocol and a port range; `any` matches every protocol and port */
export type PortMatch = { protocol: Protocol; from: number; to: number } | 'any';

/** who a rule lets in (or out to): pod addresses, or a CIDR less its exceptions */
export type PeerMatch = { addresses: string[] } | { cidr: string; except: string[] } | 'any';

/** one allowance: traffic from (to) any of `peers` on any of `ports` */
export interface Allowance { peers: PeerMatch; ports: PortMatch[] }

export interface PodPolicy {
  /** namespace/name, for the ruleset's comments */
  pod: string;
  ip: string;
  /** undefined: not isolated; otherwise only these pass (none: nothing does) */
  ingress?: Allowance[];
  egress?: Allowance[];
  /** the policies that isolate it, namespace/name, for the comments */
  policies: string[];
}

export interface PodView {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ip: string;
  node: string;
  /** container ports by name: protocol and number */
  namedPorts: Map<string, { protocol: Protocol; port: number }[]>;
}

/** The pods a policy can see: with an IP, on the pod network, not finished. */
export function podViews(pods: readonly Pod[]): PodView[] {
  const views: PodView[] = [];
  for (const p of pods) {
    const ip = p.status?.podIP;
    if (!ip || p.spec.hostNetwork || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
    const namedPorts = new Map<string, { protocol: Protocol; port: number }[]>();
    for (const c of [...p.spec.initContainers ?? [], ...p.spec.containers]) {
      for (const port of c.ports ?? []) {
        if (!port.name) continue;
        const list = namedPorts.get(port.name) ?? [];
        list.push({ protocol: protocolOf(port.protocol), port: port.containerPort });
        namedPorts.set(port.name, list);
      }
    }
    views.push({ namespace: p.metadata.namespace!, name: p.metadata.name!, labels: p.metadata.labels ?? {}, ip, node: p.spec.nodeName ?? '', namedPorts });
  }
  return views;
}

function protocolOf(p: string | undefined): Protocol {
  return p === 'UDP' ? 'udp' : p === 'SCTP' ? 'sctp' : 'tcp';
}

function policyTypes(policy: NetworkPolicy): { ingress: boolean; egress: boolean } {
  const types = policy.spec.policyTypes ?? ['Ingress', ...((policy.spec.egress ?? []).length > 0 ? ['Egress' as const] : [])];
  return { ingress: types.includes('Ingress'), egress: types.includes('Egress') };
}

/** The pods a peer selects (undefined for an ipBlock peer). */
function peerPods(peer: NetworkPolicyPeer, policyNamespace: string, pods: readonly PodView[], namespaceLabels: Map<string, Record<string, string>>): PodView[] | undefined {
  if (peer.ipBlock) return undefined;
  return pods.filter((p) => {
    const inNamespace = peer.namespaceSelector
      ? matchesLabelSelector(peer.namespaceSelector, namespaceLabels.get(p.namespace) ?? {})
      : p.namespace === policyNamespace;
    return inNamespace && (!peer.podSelector || matchesLabelSelector(peer.podSelector, p.labels));
  });
}

/** A policy port against the pod it is resolved on (the destination): its number range, or none for a name the pod does not have. */
function resolvePort(port: NetworkPolicyPort, destination: PodView | undefined): PortMatch[] {
  const protocol = protocolOf(port.protocol);
  if (port.port === undefined) return [{ protocol, from: 1, to: 65535 }];
  if (typeof port.port === 'number') return [{ protocol, from: port.port, to: port.endPort ?? port.port }];
  // a named port: only where the destination has a container port of that name and protocol
  return (destination?.namedPorts.get(port.port) ?? []).filter((p) => p.protocol === protocol).map((p) => ({ protocol, from: p.port, to: p.port }));
}

/**
 * An ipBlock as this IPv4-only pod network can match it: an IPv6 block (a
 * dual-stack "allow all" lists ::/0 beside 0.0.0.0/0) matches no packet here,
 * as a CNI ignores the family a node does not use; IPv6 exceptions likewise.
 */
function ipBlockPeer(b: IPBlock): PeerMatch | undefined {
  if (!isIPv4Cidr(b.cidr)) return undefined;
  return { cidr: b.cidr, except: (b.except ?? []).filter(isIPv4Cidr) };
}

/** the API server has validated the CIDR (api/validation/ip.ts): only its family is left to tell */
const isIPv4Cidr = (cidr: string) => !cidr.includes(':');

/**
 * Pure: what each pod on `node` may receive and send. Pods not isolated in
 * either direction are left out.
 */
export function nodePolicies(node: string, policies: readonly NetworkPolicy[], pods: readonly PodView[], namespaces: readonly Namespace[]): PodPolicy[] {
  const namespaceLabels = new Map(namespaces.map((n) => [n.metadata.name!, n.metadata.labels ?? {}]));
  const result: PodPolicy[] = [];
  for (const pod of pods.filter((p) => p.node === node)) {
    const selecting = policies.filter((pol) => pol.metadata.namespace === pod.namespace && matchesLabelSelector(pol.spec.podSelector, pod.labels));
    let ingress: Allowance[] | undefined;
    let egress: Allowance[] | undefined;
    const isolating: string[] = [];
    for (const pol of selecting) {
      const types = policyTypes(pol);
      if (!types.ingress && !types.egress) continue;
      isolating.push(`${pol.metadata.namespace}/${pol.metadata.name}`);
      if (types.ingress) {
        ingress ??= [];
        for (const rule of pol.spec.ingress ?? []) {
          // ports resolve on this pod, the destination
          const ports = (rule.ports ?? []).length === 0 ? ['any' as const] : rule.ports!.flatMap((p) => resolvePort(p, pod));
          if (ports.length === 0) continue;
          if ((rule.from ?? []).length === 0) { ingress.push({ peers: 'any', ports }); continue; }
          for (const peer of rule.from!) {
            const selected = peerPods(peer, pol.metadata.namespace!, pods, namespaceLabels);
            if (!selected) { const block = ipBlockPeer(peer.ipBlock!); if (block) ingress.push({ peers: block, ports }); }
            else if (selected.length > 0) ingress.push({ peers: { addresses: selected.map((p) => p.ip) }, ports });
          }
        }
      }
      if (types.egress) {
        egress ??= [];
        for (const rule of pol.spec.egress ?? []) egress.push(...egressAllowances(rule.ports ?? [], rule.to ?? [], pol.metadata.namespace!, pods, namespaceLabels));
      }
    }
    if (ingress || egress) result.push({ pod: `${pod.namespace}/${pod.name}`, ip: pod.ip, ...(ingress ? { ingress } : {}), ...(egress ? { egress } : {}), policies: isolating });
  }
  return result;
}

/** An egress rule: numbered ports hold for every peer; a named port is resolved on each peer pod (an ipBlock has no pods: it never matches one). */
function egressAllowances(ports: NetworkPolicyPort[], to: NetworkPolicyPeer[], namespace: string, pods: readonly PodView[], namespaceLabels: Map<string, Record<string, string>>): Allowance[] {
  const namedPorts = ports.filter((p) => typeof p.port === 'string');
  const numbered = ports.filter((p) => typeof p.port !== 'string');
  const named = namedPorts.length > 0;
  const out: Allowance[] = [];
  const fixed = (ps: NetworkPolicyPort[]) => (ps.length === 0 ? ['any' as const] : ps.flatMap((p) => resolvePort(p, undefined)));
  if (to.length === 0) {
    // every destination: numbered ports as they are; named ones on every pod that has them
    if (!named) return [{ peers: 'any', ports: fixed(ports) }];
    if (numbered.length > 0) out.push({ peers: 'any', ports: fixed(numbered) });
    out.push(...perPod(namedPorts, pods));
    return out;
  }
  for (const peer of to) {
    const selected = peerPods(peer, namespace, pods, namespaceLabels);
    if (!selected) {
      const block = ipBlockPeer(peer.ipBlock!);
      if (block && (!named || numbered.length > 0)) out.push({ peers: block, ports: fixed(named ? numbered : ports) });
      continue;
    }
    if (selected.length === 0) continue;
    if (!named) { out.push({ peers: { addresses: selected.map((p) => p.ip) }, ports: fixed(ports) }); continue; }
    if (numbered.length > 0) out.push({ peers: { addresses: selected.map((p) => p.ip) }, ports: fixed(numbered) });
    out.push(...perPod(namedPorts, selected));
  }
  return out;
}

/** Named ports resolved on each pod: pods that resolve them alike share one allowance. */
function perPod(ports: NetworkPolicyPort[], pods: readonly PodView[]): Allowance[] {
  const byPorts = new Map<string, { ports: PortMatch[]; addresses: string[] }>();
  for (const pod of pods) {
    const resolved = ports.flatMap((p) => resolvePort(p, pod));
    if (resolved.length === 0) continue;
    const key = JSON.stringify(resolved);
    const entry = byPorts.get(key) ?? { ports: resolved, addresses: [] };
    entry.addresses.push(pod.ip);
    byPorts.set(key, entry);
  }
  return [...byPorts.values()].map((e) => ({ peers: { addresses: e.addresses }, ports: e.ports }));
}
