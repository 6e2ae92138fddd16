// A packet tracer over the rule model (pure): follows the first packet of a
// connection through the netfilter hooks the way the kernel would walk our
// table, and says where it ends up: "10.244.0.5:80", REJECT, DROP or ACCEPT
// (untouched), and whether it is masqueraded. Tests assert behaviour as rows
// of packets instead of diffing rule text; `podnet trace` can reuse it.

import type { Chain, KeyExpr, Match, RulesetModel, Stmt } from './model.js';
import { keyAddrProtoPort, keyProtoPort } from './model.js';
import { gatewayOf, inCidr } from './ipv4.js';
import type { ProxyConfig } from './ruleset.js';
import type { Proto } from './service-ports.js';

/** nft's named priorities (nft(8), "CHAIN PRIORITIES") for the ip family. */
const NAMED_PRIORITY: Record<string, number> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 };
const LOOPBACK = '127.0.0.0/8';
const MAX_DEPTH = 64;

export interface TracePacket {
  src: string;
  dst: string;
  proto: Proto;
  dport: number;
  /** interface it arrives on ("cni0" from a local pod, "eth0" from the node network); absent = sent by the node itself */
  inIface?: string;
}

export interface TraceOptions {
  /** the value `numgen random` yields (taken mod N by each rule); default 0 */
  numgen?: number;
  /** contents of the dynamic affinity sets: set name → client addresses */
  affinity?: Record<string, string[]>;
  /** addresses `fib ... type local` sees; default nodeIP, the cni0 gateway and 127.0.0.0/8 */
  localAddrs?: string[];
}

export type Verdict = string; // "10.244.0.5:80" | "REJECT" | "DROP" | "ACCEPT"

export interface TraceResult {
  verdict: Verdict;
  masquerade: boolean;
  /** chains entered, in order */
  chains: string[];
  /** dynamic sets the packet path added the client to */
  affinityUpdates: string[];
}

type Outcome = 'end' | 'accept' | 'drop' | 'reject';

function priority(text: string): number {
  const m = /^([a-z]+|-?\d+)\s*(?:([+-])\s*(\d+))?$/.exec(text.trim());
  if (!m) return 0;
  const base = NAMED_PRIORITY[m[1]!] ?? Number(m[1]);
  return m[2] ? base + (m[2] === '+' ? 1 : -1) * Number(m[3]) : base;
}

class Walk {
  saddr: string;
  daddr: string;
  dport: number;
  mark = 0;
  dnat = false;
  masquerade = false;
  readonly chains: string[] = [];
  readonly affinityUpdates: string[] = [];

  constructor(private readonly model: RulesetModel, private readonly pkt: TracePacket, private readonly local: (ip: string) => boolean, private readonly opts: TraceOptions) {
    this.saddr = pkt.src;
    this.daddr = pkt.dst;
    this.dport = pkt.dport;
  }

  private key(k: KeyExpr): string {
    switch (k) {
      case 'daddr-proto-dport': return keyAddrProtoPort(this.daddr, this.pkt.proto, this.dport);
      case 'proto-dport': return keyProtoPort(this.pkt.proto, this.dport);
      case 'daddr-dport': return `${this.daddr} . ${this.dport}`;
      case 'dport': return String(this.dport);
      case 'saddr-daddr': return `${this.saddr} . ${this.daddr}`;
      case 'daddr': return this.daddr;
      case 'saddr': return this.saddr;
    }
  }

  private lookup(set: string, key: string): string | undefined {
    const s = this.model.sets.get(set);
    if (!s) throw new Error(`rule references missing set @${set}`);
    if (s.dynamic) return (this.opts.affinity?.[set] ?? []).includes(key) ? '' : undefined;
    return s.elements.get(key);
  }

  private matches(m: Match): boolean {
    switch (m.m) {
      case 'ct-state-new': return true; // we trace the first packet of a connection
      case 'ct-status-dnat': return this.dnat;
      case 'saddr-cidr': return inCidr(this.saddr, m.cidr) !== !!m.neg;
      case 'daddr-cidr': return inCidr(this.daddr, m.cidr) !== !!m.neg;
      case 'fib-local': return this.local(m.addr === 'saddr' ? this.saddr : this.daddr);
      case 'l4proto': return this.pkt.proto === m.proto;
      case 'in-set': return this.lookup(m.set, this.key(m.key)) !== undefined;
      case 'mark-clear': return (this.mark & m.bit) === 0;
    }
  }

  private verdict(text: string, depth: number): Outcome | 'next' {
    const [word, target] = text.split(' ');
    if (word === 'goto') return this.run(target!, depth + 1);
    if (word === 'jump') { const o = this.run(target!, depth + 1); return o === 'end' ? 'next' : o; }
    if (word === 'drop') return 'drop';
    if (word === 'accept') return 'accept';
    throw new Error(`unknown verdict "${text}"`);
  }

  private numgen(mod: number): number {
    return (this.opts.numgen ?? 0) % mod;
  }

  private exec(s: Stmt, depth: number): Outcome | 'next' {
    switch (s.s) {
      case 'jump': case 'goto': return this.verdict(`${s.s} ${s.chain}`, depth);
      case 'vmap': {
        const v = this.lookup(s.map, this.key(s.key));
        return v === undefined ? 'next' : this.verdict(v, depth);
      }
      case 'numgen-vmap': return this.verdict(`goto ${s.chains[this.numgen(s.chains.length)]}`, depth);
      case 'dnat-map': {
        const v = this.lookup(s.map, `${this.key(s.key)} . ${this.numgen(s.mod) + s.offset}`);
        if (v === undefined) return 'next'; // a map miss ends the rule, as in the kernel
        const [addr, port] = v.split(' . ');
        return this.doDnat(addr!, Number(port));
      }
      case 'dnat': return this.doDnat(s.addr, s.port);
      case 'update-saddr': this.affinityUpdates.push(s.set); return 'next';
      case 'mark-or': this.mark |= s.bit; return 'next';
      case 'mark-xor': this.mark ^= s.bit; return 'next';
      case 'masquerade': this.masquerade = true; return 'accept';
      case 'reject-tcp-reset': case 'reject': return 'reject';
      case 'drop': return 'drop';
      case 'return': return 'end';
    }
  }

  private doDnat(addr: string, port: number): Outcome {
    this.daddr = addr;
    this.dport = port;
    this.dnat = true;
    return 'accept';
  }

  run(name: string, depth = 0): Outcome {
    if (depth > MAX_DEPTH) throw new Error(`chain depth exceeded at ${name}: a loop?`);
    const chain = this.model.chains.get(name);
    if (!chain) throw new Error(`rule references missing chain ${name}`);
    this.chains.push(name);
    for (const rule of chain.rules) {
      if (!rule.match.every((m) => this.matches(m))) continue;
      const o = this.exec(rule.stmt, depth);
      if (o !== 'next') return o;
    }
    return 'end';
  }
}

function baseChains(model: RulesetModel, hook: string): Chain[] {
  return [...model.chains.values()]
    .filter((c) => c.hook?.hook === hook)
    .sort((a, b) => priority(a.hook!.priority) - priority(b.hook!.priority));
}

/** Where the first packet of a connection ends up. */
export function tracePacket(model: RulesetModel, cfg: ProxyConfig, pkt: TracePacket, opts: TraceOptions = {}): TraceResult {
  const localAddrs = new Set(opts.localAddrs ?? [cfg.nodeIP, gatewayOf(cfg.podCIDR)]);
  const local = (ip: string) => localAddrs.has(ip) || inCidr(ip, LOOPBACK);
  const w = new Walk(model, pkt, local, opts);
  const result = (verdict: Verdict): TraceResult =>
    ({ verdict, masquerade: w.masquerade, chains: w.chains, affinityUpdates: w.affinityUpdates });

  // Each hook: its base chains in priority order; a nat chain stops after the first NAT statement.
  const hook = (name: string): Outcome => {
    for (const c of baseChains(model, name)) {
      const o = w.run(c.name);
      if (o === 'drop' || o === 'reject') return o;
    }
    return 'accept';
  };
  const final = (o: Outcome): TraceResult | undefined =>
    o === 'drop' ? result('DROP') : o === 'reject' ? result('REJECT') : undefined;

  if (pkt.inIface !== undefined) {
    const pre = final(hook('prerouting'));
    if (pre) return pre;
    // routing decision: for us or to forward (RFC 1812 5.2)
    const next = final(hook(local(w.daddr) ? 'input' : 'forward'));
    if (next) return next;
    if (!local(w.daddr)) {
      const post = final(hook('postrouting'));
      if (post) return post;
    }
  } else {
    const out = final(hook('output'));
    if (out) return out;
    const post = final(hook('postrouting'));
    if (post) return post;
  }
  return result(w.dnat ? `${w.daddr}:${w.dport}` : 'ACCEPT');
}

/** Every distinct verdict random load-balancing can produce for this packet. */
export function traceAll(model: RulesetModel, cfg: ProxyConfig, pkt: TracePacket, opts: TraceOptions = {}): TraceResult[] {
  let max = 1;
  for (const c of model.chains.values()) {
    for (const rule of c.rules) {
      if (rule.stmt.s === 'dnat-map') max = Math.max(max, rule.stmt.mod);
      if (rule.stmt.s === 'numgen-vmap') max = Math.max(max, rule.stmt.chains.length);
    }
  }
  const seen = new Map<string, TraceResult>();
  for (let i = 0; i < max; i++) {
    const r = tracePacket(model, cfg, pkt, { ...opts, numgen: i });
    const k = `${r.verdict}|${r.masquerade}`;
    if (!seen.has(k)) seen.set(k, r);
  }
  return [...seen.values()].sort((a, b) => (a.verdict < b.verdict ? -1 : a.verdict > b.verdict ? 1 : 0));
}
