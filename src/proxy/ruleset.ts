// ProxyState → RulesetModel (pure): what the node's `ip podnet` table should
// hold. See docs/proxy.md for the picture. The shape, in one paragraph:
// fixed base chains dispatch every new connection through ONE verdict-map
// lookup keyed by (daddr . proto . dport) — or (proto . dport) for NodePorts —
// into a chain SHARED by all Services with the same endpoint count N, whose rule
// (one per protocol) DNATs through ONE map keyed by (daddr . dport . numgen random mod N).
// Per-Service data therefore lives only in map elements: the packet cost does
// not grow with the number of Services and an endpoint change is a handful of
// `add/delete element` commands. Only ClientIP-affinity Services get chains of
// their own (one per endpoint, with a dynamic set of recent clients), as in
// kube-proxy, because the affinity state must be keyed by endpoint.

import { createHash } from 'node:crypto';
import type { EndpointSlice, Service } from '../api/types.js';
import type { Chain, KeyExpr, Match, RulesetModel, Rule, SetDef, Stmt } from './model.js';
import { keyAddrProtoPort, keyProtoPort } from './model.js';
import { inCidr } from './ipv4.js';
import { servicePorts, type EndpointInfo, type Proto, type ServicePortInfo } from './service-ports.js';

export const TABLE_FAMILY = 'ip';
export const TABLE_NAME = 'podnet';
/** skb mark bit meaning "masquerade in postrouting" (the bit kube-proxy uses). */
export const MASQUERADE_MARK = 0x4000;
/** numgen indexes of the node-local endpoint group start here in the endpoint maps. */
export const LOCAL_INDEX_BASE = 1_000_000;
const LOOPBACK = '127.0.0.0/8';

export interface ProxyConfig {
  nodeName: string;
  nodeIP: string;
  /** this node's pod range (10.244.K.0/24): endpoints here can hairpin */
  podCIDR: string;
  /** all pods (10.244.0.0/16): sources inside it are "in the cluster" */
  clusterCIDR: string;
  /** 10.96.0.0/12: anything here that is not a Service port is dropped */
  serviceCIDR: string;
}

export interface ProxyState {
  config: ProxyConfig;
  services: readonly Service[];
  slices: readonly EndpointSlice[];
}

/** Fixed chain and set names: the contract docs/proxy.md describes. */
export const CHAINS = {
  filterPrerouting: 'filter-prerouting',
  filterOutput: 'filter-output',
  filterForward: 'filter-forward',
  filterOutputPostDnat: 'filter-output-post-dnat',
  endpointsCheck: 'service-endpoints-check',
  clusterIpsCheck: 'cluster-ips-check',
  reject: 'reject-chain',
  natPrerouting: 'nat-prerouting',
  natOutput: 'nat-output',
  natPostrouting: 'nat-postrouting',
  services: 'services',
  markForMasquerade: 'mark-for-masquerade',
  masquerading: 'masquerading',
} as const;

export const SETS = {
  clusterIps: 'cluster-ips',
  serviceIps: 'service-ips',
  serviceNodePorts: 'service-nodeports',
  noEndpointServices: 'no-endpoint-services',
  noEndpointNodePorts: 'no-endpoint-nodeports',
  hairpin: 'hairpin-endpoints',
} as const;

const r = (match: Match[], stmt: Stmt): Rule => ({ match, stmt });

// Endpoint maps are per protocol. Their data must be typed `ip daddr . tcp dport`
// (or udp/sctp), not `th dport`: nft 1.0.6 cannot re-read a `th` typeof from the
// kernel and then rejects any later `add rule` using the map ("conflicting
// protocols specified: ip vs. th"), and a `tcp dport` type makes nft add a
// `meta l4proto tcp` dependency to the DNAT, so one map cannot serve UDP.
export const PROTOCOLS: readonly Proto[] = ['tcp', 'udp', 'sctp'];
export const endpointMap = (keying: 'addr' | 'nodeport', proto: Proto): string =>
  `${keying === 'addr' ? 'service' : 'nodeport'}-endpoints-${proto}`;

function fixedSets(): SetDef[] {
  const def = (name: string, kind: 'set' | 'map', type: string, comment: string): SetDef =>
    ({ name, kind, type, comment, elements: new Map(), owners: new Map() });
  return [
    def(SETS.clusterIps, 'set', 'type ipv4_addr', 'every ClusterIP'),
    def(SETS.serviceIps, 'map', 'type ipv4_addr . inet_proto . inet_service : verdict', 'ClusterIP, external IP and LoadBalancer IP frontends with endpoints'),
    def(SETS.serviceNodePorts, 'map', 'type inet_proto . inet_service : verdict', 'NodePorts with endpoints'),
    def(SETS.noEndpointServices, 'map', 'type ipv4_addr . inet_proto . inet_service : verdict', 'frontends without endpoints: rejected'),
    def(SETS.noEndpointNodePorts, 'map', 'type inet_proto . inet_service : verdict', 'NodePorts without endpoints: rejected'),
    ...PROTOCOLS.map((p) => def(endpointMap('addr', p), 'map', `typeof ip daddr . th dport . numgen random mod 1 : ip daddr . ${p} dport`, `${p} frontend . index → endpoint`)),
    ...PROTOCOLS.map((p) => def(endpointMap('nodeport', p), 'map', `typeof th dport . numgen random mod 1 : ip daddr . ${p} dport`, `${p} NodePort . index → endpoint`)),
    def(SETS.hairpin, 'set', 'type ipv4_addr . ipv4_addr', 'local endpoint . itself: a pod reaching itself through a Service'),
  ];
}

// nft 1.0.6 accepts the named priorities `dstnat`/`srcnat` only on the hooks
// they are named for, so the output-hook chains use the numbers (dstnat = -100).
function fixedChains(cfg: ProxyConfig): Chain[] {
  const newConn: Match[] = [{ m: 'ct-state-new' }];
  return [
    // "No endpoints → reject at once": before DNAT, so the check sees the frontend.
    { name: CHAINS.filterPrerouting, hook: { type: 'filter', hook: 'prerouting', priority: 'dstnat - 10' }, rules: [r(newConn, { s: 'jump', chain: CHAINS.endpointsCheck })] },
    { name: CHAINS.filterOutput, hook: { type: 'filter', hook: 'output', priority: '-110' }, rules: [r(newConn, { s: 'jump', chain: CHAINS.endpointsCheck })] },
    // After DNAT: whatever still goes to a service address matched no Service port.
    { name: CHAINS.filterForward, hook: { type: 'filter', hook: 'forward', priority: 'filter' }, rules: [r(newConn, { s: 'jump', chain: CHAINS.clusterIpsCheck })] },
    { name: CHAINS.filterOutputPostDnat, hook: { type: 'filter', hook: 'output', priority: '-90' }, rules: [r(newConn, { s: 'jump', chain: CHAINS.clusterIpsCheck })] },
    {
      name: CHAINS.endpointsCheck, rules: [
        r([], { s: 'vmap', key: 'daddr-proto-dport', map: SETS.noEndpointServices }),
        r([{ m: 'fib-local', addr: 'daddr' }, { m: 'daddr-cidr', cidr: LOOPBACK, neg: true }], { s: 'vmap', key: 'proto-dport', map: SETS.noEndpointNodePorts }),
      ],
    },
    {
      name: CHAINS.clusterIpsCheck, rules: [
        r([{ m: 'in-set', key: 'daddr', set: SETS.clusterIps }], { s: 'goto', chain: CHAINS.reject }),
        r([{ m: 'daddr-cidr', cidr: cfg.serviceCIDR }], { s: 'drop' }),
      ],
    },
    // TCP gets a reset (curl: "Connection refused"), the rest ICMP port-unreachable (RFC 1122 3.2.2.1).
    { name: CHAINS.reject, rules: [r([{ m: 'l4proto', proto: 'tcp' }], { s: 'reject-tcp-reset' }), r([], { s: 'reject' })] },
    { name: CHAINS.natPrerouting, hook: { type: 'nat', hook: 'prerouting', priority: 'dstnat' }, rules: [r([], { s: 'jump', chain: CHAINS.services })] },
    { name: CHAINS.natOutput, hook: { type: 'nat', hook: 'output', priority: '-100' }, rules: [r([], { s: 'jump', chain: CHAINS.services })] },
    { name: CHAINS.natPostrouting, hook: { type: 'nat', hook: 'postrouting', priority: 'srcnat' }, rules: [r([], { s: 'jump', chain: CHAINS.masquerading })] },
    {
      name: CHAINS.services, rules: [
        // A ClusterIP reached from outside the pod network (the node itself, host-network
        // processes): masquerade so the endpoint's reply comes back through this node.
        r([{ m: 'saddr-cidr', cidr: cfg.clusterCIDR, neg: true }, { m: 'in-set', key: 'daddr', set: SETS.clusterIps }], { s: 'jump', chain: CHAINS.markForMasquerade }),
        r([], { s: 'vmap', key: 'daddr-proto-dport', map: SETS.serviceIps }),
        r([{ m: 'fib-local', addr: 'daddr' }, { m: 'daddr-cidr', cidr: LOOPBACK, neg: true }], { s: 'vmap', key: 'proto-dport', map: SETS.serviceNodePorts }),
      ],
    },
    { name: CHAINS.markForMasquerade, rules: [r([], { s: 'mark-or', bit: MASQUERADE_MARK })] },
    {
      name: CHAINS.masquerading, rules: [
        // Hairpin: the chosen endpoint is the client itself; without SNAT it would answer itself directly.
        r([{ m: 'ct-status-dnat' }, { m: 'in-set', key: 'saddr-daddr', set: SETS.hairpin }], { s: 'masquerade' }),
        r([{ m: 'mark-clear', bit: MASQUERADE_MARK }], { s: 'return' }),
        r([], { s: 'mark-xor', bit: MASQUERADE_MARK }),
        r([], { s: 'masquerade' }),
      ],
    },
  ];
}

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8).toUpperCase();
}

type Keying = 'addr' | 'nodeport';
type Group = 'cluster' | 'local';

/**
 * What one Service contributes to the table: map elements, and the chains and
 * sets its elements point at. Shared chains (endpoints-N...) appear in every
 * fragment that uses them and are merged by name. Fragments are pure values,
 * so the proxy can cache them per Service object and rebuild only what changed.
 */
export interface Fragment {
  owner: string;
  elements: [set: string, key: string, value: string][];
  chains: Chain[];
  sets: SetDef[];
  /** content hash, for the ruleset version */
  hash: string;
}

/** Builds one Service's fragment. */
class Builder {
  readonly chains = new Map<string, Chain>();
  readonly sets = new Map<string, SetDef>();
  readonly elements: [string, string, string][] = [];

  constructor(private readonly cfg: ProxyConfig, private readonly isPodLocal: (ip: string) => boolean) {}

  private element(set: string, key: string, value: string, _owner: string): void {
    this.elements.push([set, key, value]);
  }

  private chain(name: string, rules: () => Rule[], owner?: string): string {
    if (!this.chains.has(name)) this.chains.set(name, { name, rules: rules(), ...(owner ? { owner } : {}) });
    return name;
  }

  // ---- shared chains, one per endpoint count ----

  private dnatChain(keying: Keying, group: Group, n: number): string {
    const prefix = keying === 'addr' ? '' : 'nodeport-';
    const name = `${prefix}${group === 'local' ? 'local-' : ''}endpoints-${n}`;
    const key: KeyExpr = keying === 'addr' ? 'daddr-dport' : 'dport';
    const offset = group === 'local' ? LOCAL_INDEX_BASE : 0;
    return this.chain(name, () => PROTOCOLS.map((proto) =>
      r([{ m: 'l4proto', proto }], { s: 'dnat-map', key, map: endpointMap(keying, proto), mod: n, offset })));
  }

  /** externalTrafficPolicy Cluster: masquerade, any endpoint. */
  private externalClusterChain(target: string, name: string, owner?: string): string {
    return this.chain(name, () => [
      r([], { s: 'jump', chain: CHAINS.markForMasquerade }),
      r([], { s: 'goto', chain: target }),
    ], owner);
  }

  /**
   * externalTrafficPolicy Local: keep the client address, local endpoints only,
   * drop when there are none (the LB's health check takes the node out). As
   * kube-proxy does, pods and the node itself are short-circuited to any
   * endpoint: policy is about traffic arriving from outside.
   */
  private externalLocalChain(clusterTarget: string, localTarget: string | undefined, name: string, owner?: string): string {
    return this.chain(name, () => [
      r([{ m: 'saddr-cidr', cidr: this.cfg.clusterCIDR }], { s: 'goto', chain: clusterTarget }),
      r([{ m: 'fib-local', addr: 'saddr' }], { s: 'jump', chain: CHAINS.markForMasquerade }),
      r([{ m: 'fib-local', addr: 'saddr' }], { s: 'goto', chain: clusterTarget }),
      localTarget ? r([], { s: 'goto', chain: localTarget }) : r([], { s: 'drop' }),
    ], owner);
  }

  // ---- per-Service chains for ClientIP session affinity ----

  private affinityNames(sp: ServicePortInfo, ep?: EndpointInfo) {
    const base = ep ? `${sp.id}__${ep.ip}/${ep.port}` : sp.id;
    const h = shortHash(base);
    return { chain: `${h}-${base}` };
  }

  private endpointChain(sp: ServicePortInfo, ep: EndpointInfo, owner: string): { chain: string; set: string } {
    const n = this.affinityNames(sp, ep).chain;
    const set = `affinity-${n}`;
    if (!this.sets.has(set)) {
      this.sets.set(set, {
        name: set, kind: 'set', type: 'type ipv4_addr', flags: ['dynamic', 'timeout'], timeout: sp.affinityTimeout,
        dynamic: true, comment: `clients of ${ep.ip}:${ep.port}`, elements: new Map(), owners: new Map(),
      });
    }
    const chain = this.chain(`endpoint-${n}`, () => [
      r([], { s: 'update-saddr', set }),
      r([{ m: 'l4proto', proto: sp.proto }], { s: 'dnat', addr: ep.ip, port: ep.port }),
    ], owner);
    return { chain, set };
  }

  private affinityChain(sp: ServicePortInfo, group: Group, owner: string): string | undefined {
    const eps = group === 'local' ? sp.localEndpoints : sp.clusterEndpoints;
    if (eps.length === 0) return undefined;
    const name = `${group === 'local' ? 'local' : 'service'}-${this.affinityNames(sp).chain}`;
    return this.chain(name, () => {
      const targets = eps.map((ep) => this.endpointChain(sp, ep, owner));
      return [
        // a client seen within the timeout goes back to the same endpoint
        ...targets.map((t) => r([{ m: 'in-set', key: 'saddr', set: t.set }], { s: 'goto', chain: t.chain })),
        r([], { s: 'numgen-vmap', chains: targets.map((t) => t.chain) }),
      ];
    }, owner);
  }

  // ---- one service port ----

  private groupTarget(sp: ServicePortInfo, keying: Keying, group: Group, owner: string): string | undefined {
    if (sp.affinityTimeout > 0) return this.affinityChain(sp, group, owner);
    const n = (group === 'local' ? sp.localEndpoints : sp.clusterEndpoints).length;
    return n === 0 ? undefined : this.dnatChain(keying, group, n);
  }

  /** Elements `frontend . index : endpoint` (frontend = `addr . port` or the NodePort alone). */
  private backends(sp: ServicePortInfo, keying: Keying, frontend: string, group: Group, owner: string): void {
    if (sp.affinityTimeout > 0) return; // affinity chains DNAT to literal endpoints
    const eps = group === 'local' ? sp.localEndpoints : sp.clusterEndpoints;
    const base = group === 'local' ? LOCAL_INDEX_BASE : 0;
    const map = endpointMap(keying, sp.proto);
    eps.forEach((ep, i) => this.element(map, `${frontend} . ${base + i}`, `${ep.ip} . ${ep.port}`, owner));
  }

  /** The verdict for an external frontend (external IP, LB IP, NodePort), or undefined if it has no endpoints. */
  private externalTarget(sp: ServicePortInfo, keying: Keying, frontend: string, owner: string): string {
    // `frontend` here is the endpoint-map key prefix: `addr . port` or the NodePort
    const all = this.groupTarget(sp, keying, 'cluster', owner)!;
    this.backends(sp, keying, frontend, 'cluster', owner);
    const affinity = sp.affinityTimeout > 0;
    const prefix = keying === 'addr' ? 'external' : 'nodeport';
    if (!sp.externalLocal) {
      const name = affinity ? `${prefix}-${this.affinityNames(sp).chain}` : `${prefix}-${sp.clusterEndpoints.length}`;
      return this.externalClusterChain(all, name, affinity ? owner : undefined);
    }
    const local = this.groupTarget(sp, keying, 'local', owner);
    this.backends(sp, keying, frontend, 'local', owner);
    const name = affinity
      ? `${prefix}-local-${this.affinityNames(sp).chain}`
      : `${prefix}-local-${sp.clusterEndpoints.length}-${sp.localEndpoints.length}`;
    return this.externalLocalChain(all, local, name, affinity ? owner : undefined);
  }

  addServicePort(sp: ServicePortInfo): void {
    const owner = `${sp.namespace}/${sp.name}`;
    const reject = `goto ${CHAINS.reject}`;
    this.element(SETS.clusterIps, sp.clusterIP, '', owner);
    for (const ep of [...sp.clusterEndpoints, ...sp.localEndpoints]) {
      if (this.isPodLocal(ep.ip)) this.element(SETS.hairpin, `${ep.ip} . ${ep.ip}`, '', owner);
    }
    const hasEndpoints = sp.clusterEndpoints.length > 0;

    // ClusterIP: internalTrafficPolicy picks the group; Local without local endpoints drops (KEP-2086).
    const vip = keyAddrProtoPort(sp.clusterIP, sp.proto, sp.port);
    if (!hasEndpoints) {
      this.element(SETS.noEndpointServices, vip, reject, owner);
    } else {
      const group: Group = sp.internalLocal ? 'local' : 'cluster';
      const target = this.groupTarget(sp, 'addr', group, owner);
      this.backends(sp, 'addr', `${sp.clusterIP} . ${sp.port}`, group, owner);
      this.element(SETS.serviceIps, vip, target ? `goto ${target}` : 'drop', owner);
    }

    for (const addr of sp.externalAddrs) {
      const fe = keyAddrProtoPort(addr, sp.proto, sp.port);
      if (!hasEndpoints) this.element(SETS.noEndpointServices, fe, reject, owner);
      else this.element(SETS.serviceIps, fe, `goto ${this.externalTarget(sp, 'addr', `${addr} . ${sp.port}`, owner)}`, owner);
    }

    if (sp.nodePort) {
      const fe = keyProtoPort(sp.proto, sp.nodePort);
      if (!hasEndpoints) this.element(SETS.noEndpointNodePorts, fe, reject, owner);
      else this.element(SETS.serviceNodePorts, fe, `goto ${this.externalTarget(sp, 'nodeport', String(sp.nodePort), owner)}`, owner);
    }
  }

}

function fragmentHash(f: Omit<Fragment, 'hash'>): string {
  const h = createHash('sha256');
  for (const [set, key, value] of f.elements) h.update(`${set}\0${key}\0${value}\n`);
  for (const c of f.chains) h.update(`${c.name}\0${c.owner ?? ''}\0${JSON.stringify(c.rules)}\n`);
  for (const st of f.sets) h.update(`${st.name}\0${JSON.stringify({ ...st, elements: undefined, owners: undefined })}\n`);
  return h.digest('hex');
}

/** A matcher for "this address is in this node's pod range" (parsed once). */
export function cidrMatcher(cidr: string): (ip: string) => boolean {
  return (ip) => inCidr(ip, cidr);
}

/** The fragment for the ports of one Service (all with the same namespace/name). */
export function buildFragment(cfg: ProxyConfig, ports: readonly ServicePortInfo[], isPodLocal = cidrMatcher(cfg.podCIDR)): Fragment {
  const b = new Builder(cfg, isPodLocal);
  for (const sp of ports) b.addServicePort(sp);
  const owner = ports[0] ? `${ports[0].namespace}/${ports[0].name}` : '';
  const f = { owner, elements: b.elements, chains: [...b.chains.values()], sets: [...b.sets.values()] };
  return { ...f, hash: fragmentHash(f) };
}

/** Fixed chains and sets, then every fragment merged in order (first Service wins a duplicate key). */
export function assembleModel(cfg: ProxyConfig, fragments: Iterable<Fragment>): RulesetModel {
  const sets = new Map<string, SetDef>();
  const chains = new Map<string, Chain>();
  for (const st of fixedSets()) sets.set(st.name, st);
  for (const c of fixedChains(cfg)) chains.set(c.name, c);
  for (const f of fragments) {
    for (const st of f.sets) if (!sets.has(st.name)) sets.set(st.name, { ...st, elements: new Map(), owners: new Map() });
    for (const c of f.chains) if (!chains.has(c.name)) chains.set(c.name, c);
    for (const [set, key, value] of f.elements) {
      const target = sets.get(set)!;
      if (target.elements.has(key)) continue; // duplicates are the API's to reject
      target.elements.set(key, value);
      target.owners.set(key, f.owner);
    }
  }
  return { family: TABLE_FAMILY, table: TABLE_NAME, chains, sets };
}

/** Service ports grouped by Service, in order. */
function byService(ports: readonly ServicePortInfo[]): ServicePortInfo[][] {
  const out = new Map<string, ServicePortInfo[]>();
  for (const sp of ports) {
    const k = `${sp.namespace}/${sp.name}`;
    const list = out.get(k);
    if (list) list.push(sp); else out.set(k, [sp]);
  }
  return [...out.values()];
}

export function buildModelFromPorts(cfg: ProxyConfig, ports: readonly ServicePortInfo[]): RulesetModel {
  const isPodLocal = cidrMatcher(cfg.podCIDR);
  return assembleModel(cfg, byService(ports).map((group) => buildFragment(cfg, group, isPodLocal)));
}

export function buildModel(state: ProxyState): RulesetModel {
  return buildModelFromPorts(state.config, servicePorts(state.services, state.slices, state.config.nodeName));
}
