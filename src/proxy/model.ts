// The proxy's rule model: the nftables table as data. The renderer turns it
// into `nft -f -` text, the differ into element/chain changes, and the packet
// tracer evaluates it directly, so tests exercise exactly what gets loaded.

import type { Proto } from './service-ports.js';

/** What a rule keys a set/map lookup on. */
export type KeyExpr =
  /** ip daddr . meta l4proto . th dport */
  | 'daddr-proto-dport'
  /** meta l4proto . th dport */
  | 'proto-dport'
  /** ip daddr . th dport (per-protocol endpoint maps) */
  | 'daddr-dport'
  /** th dport */
  | 'dport'
  /** ip saddr . ip daddr */
  | 'saddr-daddr'
  | 'daddr'
  | 'saddr';

export type Match =
  | { m: 'ct-state-new' }
  | { m: 'ct-status-dnat' }
  | { m: 'saddr-cidr'; cidr: string; neg?: boolean }
  | { m: 'daddr-cidr'; cidr: string; neg?: boolean }
  | { m: 'fib-local'; addr: 'saddr' | 'daddr' }
  | { m: 'l4proto'; proto: Proto }
  | { m: 'in-set'; key: KeyExpr; set: string }
  /** meta mark & bit == 0 */
  | { m: 'mark-clear'; bit: number };

export type Stmt =
  | { s: 'jump' | 'goto'; chain: string }
  | { s: 'vmap'; key: KeyExpr; map: string }
  /** numgen random mod N vmap { 0 : goto a, 1 : goto b, ... } */
  | { s: 'numgen-vmap'; chains: string[] }
  /** dnat ip to <key> . numgen random mod N offset O map @map */
  | { s: 'dnat-map'; key: KeyExpr; map: string; mod: number; offset: number }
  | { s: 'dnat'; addr: string; port: number }
  | { s: 'update-saddr'; set: string }
  | { s: 'mark-or' | 'mark-xor'; bit: number }
  | { s: 'masquerade' }
  | { s: 'reject-tcp-reset' }
  /** with `log`, the packet is copied to that netlink log group first (src/net/nflog.ts) */
  | { s: 'reject'; log?: number }
  | { s: 'drop'; log?: number }
  | { s: 'return' };

export interface Rule {
  match: Match[];
  stmt: Stmt;
}

export interface Hook {
  type: 'filter' | 'nat';
  hook: 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';
  /** nft priority expression: "dstnat", "dstnat - 10", "srcnat", "filter" */
  priority: string;
}

export interface Chain {
  name: string;
  hook?: Hook;
  rules: Rule[];
  /** the Service (`ns/name`) whose data this chain carries, for error attribution */
  owner?: string;
}

export interface SetDef {
  name: string;
  kind: 'set' | 'map';
  /** the `type ...` or `typeof ...` line */
  type: string;
  flags?: string[];
  /** seconds; dynamic sets only */
  timeout?: number;
  /** filled from the packet path (`update @set`): never rendered, never diffed */
  dynamic?: boolean;
  comment: string;
  /** element key text → data text ('' for plain sets); insertion order is render order */
  elements: Map<string, string>;
  /** element key text → owning Service (`ns/name`) */
  owners: Map<string, string>;
}

export interface RulesetModel {
  family: 'ip';
  table: string;
  chains: Map<string, Chain>;
  sets: Map<string, SetDef>;
}

export function keyAddrProtoPort(addr: string, proto: string, port: number): string {
  return `${addr} . ${proto} . ${port}`;
}

export function keyProtoPort(proto: string, port: number): string {
  return `${proto} . ${port}`;
}
