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
import { NODE_ROUTER_IP } from '../config.js';
import { NFLOG_GROUP } from '../net/nflog.js';
import type { Chain, KeyExpr, Match, RulesetModel, Rule, SetDef, Stmt } from './model.js';
import { keyAddrProtoPort, keyProtoPort } from './model.js';
import { ipv4ToNumber } from './ipv4.js';
import { servicePorts, type EndpointInfo, type Proto, type ServicePortInfo } from './service-ports.js';

export const TABLE_FAMILY = 'ip';
export const TABLE_NAME = 'podnet';
/** skb mark bit meaning "masquerade in postrouting" (the bit kube-proxy uses). */
export const MASQUERADE_MARK = 0x4000;
/** numgen indexes of the node-local endpoint group start here in the endpoint maps. */
export const LOCAL_INDEX_BASE = 1_000_000;

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
  firewallCheck: 'firewall-check',
  clusterIpsCheck: 'cluster-ips-check',
  reject: 'reject-chain',
  noLocalEndpoint: 'no-local-endpoint',
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
  firewallIps: 'firewall-ips',
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
const ENDPOINT_MAPS = new Set(PROTOCOLS.flatMap((p) => [endpointMap('addr', p), endpointMap('nodeport', p)]));
/** The maps only the shared DNAT chains read (a split first load fills them first). */
export const isEndpointMap = (name: string): boolean => ENDPOINT_MAPS.has(name);

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
    def(SETS.firewallIps, 'map', 'type ipv4_addr . inet_proto . inet_service : verdict', 'LoadBalancer frontends with loadBalancerSourceRanges'),
  ];
}

// nft 1.0.6 accepts the named priorities `dstnat`/`srcnat` only on the hooks
// they are named for, so the output-hook chains use the numbers (dstnat = -100).
function fixedChains(cfg: ProxyConfig): Chain[] {
  const newConn: Match[] = [{ m: 'ct-state-new' }];
  return [
    // "Source outside loadBalancerSourceRanges → drop" and "no endpoints → reject
    // at once": before DNAT, so the checks see the frontend.
    { name: CHAINS.filterPrerouting, hook: { type: 'filter', hook: 'prerouting', priority: 'dstnat - 10' }, rules: [r(newConn, { s: 'jump', chain: CHAINS.firewallCheck }), r(newConn, { s: 'jump', chain: CHAINS.endpointsCheck })] },
    { name: CHAINS.filterOutput, hook: { type: 'filter', hook: 'output', priority: '-110' }, rules: [r(newConn, { s: 'jump', chain: CHAINS.firewallCheck }), r(newConn, { s: 'jump', chain: CHAINS.endpointsCheck })] },
    { name: CHAINS.firewallCheck, rules: [r([], { s: 'vmap', key: 'daddr-proto-dport', map: SETS.firewallIps })] },
    // After DNAT: whatever still goes to a service address matched no Service port.
    { name: CHAINS.filterForward, hook: { type: 'filter', hook: 'forward', priority: 'filter' }, rules: [r(newConn, { s: 'jump', chain: CHAINS.clusterIpsCheck })] },
    { name: CHAINS.filterOutputPostDnat, hook: { type: 'filter', hook: 'output', priority: '-90' }, rules: [r(newConn, { s: 'jump', chain: CHAINS.clusterIpsCheck })] },
    {
      name: CHAINS.endpointsCheck, rules: [
        r([], { s: 'vmap', key: 'daddr-proto-dport', map: SETS.noEndpointServices }),
        r([{ m: 'daddr-cidr', cidr: cfg.nodeIP }], { s: 'vmap', key: 'proto-dport', map: SETS.noEndpointNodePorts }),
      ],
    },
    {
      name: CHAINS.clusterIpsCheck, rules: [
        r([{ m: 'in-set', key: 'daddr', set: SETS.clusterIps }], { s: 'goto', chain: CHAINS.reject }),
        r([{ m: 'daddr-cidr', cidr: cfg.serviceCIDR }], { s: 'drop' }),
      ],
    },
    // kube-proxy's one `reject`: ICMP port-unreachable, TCP included (a SYN that gets it fails with
    // ECONNREFUSED, curl's "Connection refused", as a reset would); logged for `podnet observe`
    // (only while someone listens does the kernel copy the packet), but for the load balancer's
    // health checks of a NodePort without endpoints: refusing them is how it learns, once a second
    { name: CHAINS.reject, rules: [
      r([{ m: 'saddr-cidr', cidr: `${NODE_ROUTER_IP}/32` }], { s: 'reject' }),
      r([], { s: 'reject', log: NFLOG_GROUP.serviceReject }),
    ] },
    // internalTrafficPolicy Local without a local endpoint: the connection is dropped (KEP-2086: the client times out),
    // its first packet logged for `podnet observe` (this is reached from the nat chains: new connections only)
    { name: CHAINS.noLocalEndpoint, rules: [r([], { s: 'drop', log: NFLOG_GROUP.serviceDrop })] },
    { name: CHAINS.natPrerouting, hook: { type: 'nat', hook: 'prerouting', priority: 'dstnat' }, rules: [r([], { s: 'jump', chain: CHAINS.services })] },
    { name: CHAINS.natOutput, hook: { type: 'nat', hook: 'output', priority: '-100' }, rules: [r([], { s: 'jump', chain: CHAINS.services })] },
    { name: CHAINS.natPostrouting, hook: { type: 'nat', hook: 'postrouting', priority: 'srcnat' }, rules: [r([], { s: 'jump', chain: CHAINS.masquerading })] },
    {
      name: CHAINS.services, rules: [
        // A ClusterIP reached from outside the pod network (the node itself, host-network
        // processes): masquerade so the endpoint's reply comes back through this node.
        r([{ m: 'saddr-cidr', cidr: cfg.clusterCIDR, neg: true }, { m: 'in-set', key: 'daddr', set: SETS.clusterIps }], { s: 'jump', chain: CHAINS.markForMasquerade }),
        r([], { s: 'vmap', key: 'daddr-proto-dport', map: SETS.serviceIps }),
        // NodePorts answer on the node's primary address only: kube-proxy's nftables
        // mode defaults to --nodeport-addresses primary (not the cni0 gateway, not 127.0.0.1)
        r([{ m: 'daddr-cidr', cidr: cfg.nodeIP }], { s: 'vmap', key: 'proto-dport', map: SETS.serviceNodePorts }),
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
  /**
   * Flat triples `set, key, value, set, key, value, ...` ('' value for plain
   * sets): one array per Service instead of one per element, because a full
   * sync at 10,000 Services builds 120k of them.
   */
  elements: string[];
  chains: Chain[];
  sets: SetDef[];
  /** content hash, for the ruleset version */
  hash: string;
}

/**
 * Chains without an owner (endpoints-N, external-N, ...) are shared by every
 * Service with the same endpoint counts, and their rules follow from their
 * name alone (for one config). One object per name, built once: fragments
 * then share it, and its hash text is computed once (chainHashText).
 */
export type SharedChains = Map<string, Chain>;

/** Builds one Service's fragment. */
class Builder {
  readonly chains = new Map<string, Chain>();
  readonly sets = new Map<string, SetDef>();
  readonly elements: string[] = [];

  constructor(private readonly cfg: ProxyConfig, private readonly isPodLocal: (ip: string) => boolean,
    private readonly shared: SharedChains) {}

  private element(set: string, key: string, value: string): void {
    this.elements.push(set, key, value);
  }

  private chain(name: string, rules: () => Rule[], owner?: string): string {
    if (this.chains.has(name)) return name;
    if (owner) {
      this.chains.set(name, { name, rules: rules(), owner });
      return name;
    }
    let c = this.shared.get(name);
    if (!c) { c = { name, rules: rules() }; this.shared.set(name, c); }
    this.chains.set(name, c);
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
      // logged for `podnet observe` (a new external connection's first packet only: this is a nat chain)
      localTarget ? r([], { s: 'goto', chain: localTarget }) : r([], { s: 'drop', log: NFLOG_GROUP.serviceDrop }),
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
    for (let i = 0; i < eps.length; i++) this.element(map, `${frontend} . ${base + i}`, `${eps[i]!.ip} . ${eps[i]!.port}`);
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
    this.element(SETS.clusterIps, sp.clusterIP, '');
    for (const ep of [...sp.clusterEndpoints, ...sp.localEndpoints]) {
      if (this.isPodLocal(ep.ip)) this.element(SETS.hairpin, `${ep.ip} . ${ep.ip}`, '');
    }
    const hasEndpoints = sp.clusterEndpoints.length > 0;

    // ClusterIP: internalTrafficPolicy picks the group; Local without local endpoints drops (KEP-2086).
    const vip = keyAddrProtoPort(sp.clusterIP, sp.proto, sp.port);
    if (!hasEndpoints) {
      this.element(SETS.noEndpointServices, vip, reject);
    } else {
      const group: Group = sp.internalLocal ? 'local' : 'cluster';
      const target = this.groupTarget(sp, 'addr', group, owner);
      this.backends(sp, 'addr', `${sp.clusterIP} . ${sp.port}`, group, owner);
      this.element(SETS.serviceIps, vip, `goto ${target ?? CHAINS.noLocalEndpoint}`);
    }

    if (sp.sourceRanges.length > 0) {
      // kube-proxy's firewall chain: only these sources may open a connection
      // to the LB address (pods and the node reach it here, short-circuited;
      // the outside world meets the cloud LB's own check first)
      const firewall = this.chain(`firewall-${shortHash(sp.id)}`, () => [
        ...sp.sourceRanges.map((cidr) => r([{ m: 'saddr-cidr', cidr }], { s: 'return' })),
        r([], { s: 'drop', log: NFLOG_GROUP.serviceDrop }),
      ], owner);
      for (const addr of sp.loadBalancerAddrs) this.element(SETS.firewallIps, keyAddrProtoPort(addr, sp.proto, sp.port), `jump ${firewall}`);
    }

    for (const addr of sp.externalAddrs) {
      const fe = keyAddrProtoPort(addr, sp.proto, sp.port);
      if (!hasEndpoints) this.element(SETS.noEndpointServices, fe, reject);
      else this.element(SETS.serviceIps, fe, `goto ${this.externalTarget(sp, 'addr', `${addr} . ${sp.port}`, owner)}`);
    }

    if (sp.nodePort) {
      const fe = keyProtoPort(sp.proto, sp.nodePort);
      if (!hasEndpoints) this.element(SETS.noEndpointNodePorts, fe, reject);
      else this.element(SETS.serviceNodePorts, fe, `goto ${this.externalTarget(sp, 'nodeport', String(sp.nodePort), owner)}`);
    }
  }

}

/** Hash text of a chain: computed once per chain object (shared chains appear in most fragments). */
const chainHashTexts = new WeakMap<Chain, string>();
function chainHashText(c: Chain): string {
  let t = chainHashTexts.get(c);
  if (t === undefined) {
    t = `${c.name}\0${c.owner ?? ''}\0${JSON.stringify(c.rules)}\n`;
    chainHashTexts.set(c, t);
  }
  return t;
}

/** Content hash of a fragment: one sha256 over one string (createHash per update call is the cost at 10k). */
function fragmentHash(f: Omit<Fragment, 'hash'>): string {
  const parts: string[] = [];
  const e = f.elements;
  for (let i = 0; i < e.length; i += 3) parts.push(`${e[i]}\0${e[i + 1]}\0${e[i + 2]}\n`);
  for (const c of f.chains) parts.push(chainHashText(c));
  for (const st of f.sets) parts.push(`${st.name}\0${JSON.stringify({ ...st, elements: undefined, owners: undefined })}\n`);
  return createHash('sha256').update(parts.join('')).digest('hex');
}

/** A matcher for "this address is in this CIDR", the CIDR parsed once. */
export function cidrMatcher(cidr: string): (ip: string) => boolean {
  const [base, bitsText] = cidr.split('/');
  const net = ipv4ToNumber(base ?? '');
  const bits = Number(bitsText ?? '32');
  if (net === undefined || !(bits >= 0 && bits <= 32)) return () => false;
  const mask = bits === 0 ? 0 : bits === 32 ? 0xffffffff : ~((1 << (32 - bits)) - 1) >>> 0;
  const want = (net & mask) >>> 0;
  return (ip) => {
    const addr = ipv4ToNumber(ip);
    return addr !== undefined && ((addr & mask) >>> 0) === want;
  };
}

/** The fragment for the ports of one Service (all with the same namespace/name). */
export function buildFragment(cfg: ProxyConfig, ports: readonly ServicePortInfo[], isPodLocal = cidrMatcher(cfg.podCIDR),
  shared: SharedChains = new Map()): Fragment {
  const b = new Builder(cfg, isPodLocal, shared);
  for (const sp of ports) b.addServicePort(sp);
  const owner = ports[0] ? `${ports[0].namespace}/${ports[0].name}` : '';
  const f = { owner, elements: b.elements, chains: [...b.chains.values()], sets: [...b.sets.values()] };
  return { ...f, hash: fragmentHash(f) };
}

/**
 * Reference counts beyond the first, for what several fragments contribute:
 * `extraElements` by `set + SEP + key` (only keys claimed more than once, so a
 * full build does not key every element twice), chains and sets by name
 * (every reference).
 */
export interface ModelRefs {
  extraElements: Map<string, number>;
  chains: Map<string, number>;
  sets: Map<string, number>;
}

/** Separates set name and key in ModelRefs.extraElements. */
export const REF_SEP = '\u0000';

/** Fixed chains and sets, then every fragment merged in order (first Service wins a duplicate key). */
export function assembleModel(cfg: ProxyConfig, fragments: Iterable<Fragment>, refs?: ModelRefs): RulesetModel {
  const sets = new Map<string, SetDef>();
  const chains = new Map<string, Chain>();
  for (const st of fixedSets()) sets.set(st.name, st);
  for (const c of fixedChains(cfg)) chains.set(c.name, c);
  const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  let lastName = '';
  let last: SetDef | undefined;
  for (const f of fragments) {
    for (const st of f.sets) {
      if (!sets.has(st.name)) sets.set(st.name, { ...st, elements: new Map(), owners: new Map() });
      if (refs) count(refs.sets, st.name);
    }
    for (const c of f.chains) {
      if (!chains.has(c.name)) chains.set(c.name, c);
      if (refs) count(refs.chains, c.name);
    }
    const e = f.elements;
    for (let i = 0; i < e.length; i += 3) {
      const set = e[i]!;
      const key = e[i + 1]!;
      if (set !== lastName) { lastName = set; last = sets.get(set)!; }
      const target = last!;
      if (target.elements.get(key) !== undefined) { // duplicates are the API's to reject; the first claim wins
        if (refs) count(refs.extraElements, set + REF_SEP + key);
        continue;
      }
      target.elements.set(key, e[i + 2]!);
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
