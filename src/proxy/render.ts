// RulesetModel → `nft -f -` transaction text (pure). Two forms:
//   renderFull: `add table; delete table; table { ... }` — one atomic
//               transaction that replaces the table and nothing else;
//   renderDiff: only the chains and elements that changed, so one endpoint
//               change at 10,000 Services is a few lines (docs/proxy.md).
// Every output line remembers which Service it came from, so when nft
// rejects line N we can name the Service.

import type { Chain, KeyExpr, Match, Rule, RulesetModel, SetDef, Stmt } from './model.js';

/** A set holding one string: the hash of the full ruleset last applied (see proxy.ts). */
export const VERSION_SET = 'ruleset-version';
/** ifname strings hold at most 15 characters plus NUL */
export const VERSION_LENGTH = 15;

export interface Transaction {
  text: string;
  /** owners[i] is the Service (`ns/name`) that line i+1 belongs to, if any */
  owners: (string | undefined)[];
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function keyText(k: KeyExpr): string {
  switch (k) {
    case 'daddr-proto-dport': return 'ip daddr . meta l4proto . th dport';
    case 'proto-dport': return 'meta l4proto . th dport';
    case 'daddr-dport': return 'ip daddr . th dport';
    case 'dport': return 'th dport';
    case 'saddr-daddr': return 'ip saddr . ip daddr';
    case 'daddr': return 'ip daddr';
    case 'saddr': return 'ip saddr';
  }
}

function matchText(m: Match): string {
  switch (m.m) {
    case 'ct-state-new': return 'ct state new';
    case 'ct-status-dnat': return 'ct status dnat';
    case 'saddr-cidr': return `ip saddr ${m.neg ? '!= ' : ''}${m.cidr}`;
    case 'daddr-cidr': return `ip daddr ${m.neg ? '!= ' : ''}${m.cidr}`;
    case 'fib-local': return `fib ${m.addr} type local`;
    case 'l4proto': return `meta l4proto ${m.proto}`;
    case 'in-set': return `${keyText(m.key)} @${m.set}`;
    case 'mark-clear': return `meta mark & ${hex(m.bit)} == 0`;
  }
}

function stmtText(s: Stmt): string {
  switch (s.s) {
    case 'jump': case 'goto': return `${s.s} ${s.chain}`;
    case 'vmap': return `${keyText(s.key)} vmap @${s.map}`;
    case 'numgen-vmap': return `numgen random mod ${s.chains.length} vmap { ${s.chains.map((c, i) => `${i} : goto ${c}`).join(', ')} }`;
    case 'dnat-map': return `dnat ip to ${keyText(s.key)} . numgen random mod ${s.mod}${s.offset ? ` offset ${s.offset}` : ''} map @${s.map}`;
    case 'dnat': return `dnat ip to ${s.addr}:${s.port}`;
    case 'update-saddr': return `update @${s.set} { ip saddr }`;
    case 'mark-or': return `meta mark set meta mark | ${hex(s.bit)}`;
    case 'mark-xor': return `meta mark set meta mark ^ ${hex(s.bit)}`;
    case 'masquerade': return 'masquerade fully-random';
    case 'reject-tcp-reset': return 'reject with tcp reset';
    case 'reject': return 'reject';
    case 'drop': return 'drop';
    case 'return': return 'return';
  }
}

export function ruleText(rule: Rule): string {
  return [...rule.match.map(matchText), stmtText(rule.stmt)].join(' ');
}

function elementText(key: string, value: string): string {
  return value === '' ? key : `${key} : ${value}`;
}

/** Accumulates lines with their owners. */
class Lines {
  readonly text: string[] = [];
  readonly owners: (string | undefined)[] = [];
  push(line: string, owner?: string): void {
    this.text.push(line);
    this.owners.push(owner);
  }
  done(): Transaction {
    return { text: this.text.length ? this.text.join('\n') + '\n' : '', owners: this.owners };
  }
}

function setHeader(s: SetDef): string[] {
  const out = [s.type];
  if (s.flags?.length) out.push(`flags ${s.flags.join(',')}`);
  if (s.timeout) out.push(`timeout ${s.timeout}s`);
  out.push(`comment ${JSON.stringify(s.comment)}`);
  return out;
}

function chainHeader(c: Chain): string | undefined {
  return c.hook ? `type ${c.hook.type} hook ${c.hook.hook} priority ${c.hook.priority}; policy accept;` : undefined;
}

function versionSet(version: string): SetDef {
  return {
    name: VERSION_SET, kind: 'set', type: 'type ifname', comment: 'hash of the full ruleset last applied',
    elements: new Map([[JSON.stringify(version.slice(0, VERSION_LENGTH)), '']]), owners: new Map(),
  };
}

function pushElements(out: Lines, indent: string, s: SetDef, keys: Iterable<string>, valueOf: (k: string) => string, ownerOf: (k: string) => string | undefined): void {
  let first = true;
  for (const k of keys) {
    if (!first) out.text[out.text.length - 1] += ',';
    out.push(`${indent}${elementText(k, valueOf(k))}`, ownerOf(k));
    first = false;
  }
  void s;
}

/** The whole table, replacing whatever table of that name exists, in one transaction. */
export function renderFull(model: RulesetModel, version?: string): Transaction {
  const out = new Lines();
  const t = `${model.family} ${model.table}`;
  // `add` first so `delete` never fails on a fresh node; both happen atomically with the rebuild.
  out.push(`add table ${t}`);
  out.push(`delete table ${t}`);
  out.push(`table ${t} {`);
  const sets = [...model.sets.values()];
  if (version !== undefined) sets.push(versionSet(version));
  for (const s of sets) {
    out.push(`\t${s.kind} ${s.name} {`);
    for (const h of setHeader(s)) out.push(`\t\t${h}`);
    if (!s.dynamic && s.elements.size > 0) {
      out.push('\t\telements = {');
      pushElements(out, '\t\t\t', s, s.elements.keys(), (k) => s.elements.get(k)!, (k) => s.owners.get(k));
      out.push('\t\t}');
    }
    out.push('\t}');
  }
  for (const c of model.chains.values()) {
    out.push(`\tchain ${c.name} {`, c.owner);
    const h = chainHeader(c);
    if (h) out.push(`\t\t${h}`);
    for (const rule of c.rules) out.push(`\t\t${ruleText(rule)}`, c.owner);
    out.push('\t}', c.owner);
  }
  out.push('}');
  return out.done();
}

function sameSetDef(a: SetDef, b: SetDef): boolean {
  return a.kind === b.kind && setHeader(a).join('\n') === setHeader(b).join('\n') && !!a.dynamic === !!b.dynamic;
}

function chainBody(c: Chain): string {
  return [chainHeader(c) ?? '', ...c.rules.map(ruleText)].join('\n');
}

/**
 * The changes that turn prev into next, or null when they cannot be expressed
 * as element/chain edits (a base chain or a set definition changed): the
 * caller then renders the full table. Empty text means "nothing to do".
 * Order matters for nft's reference counting inside one transaction:
 * create → re-fill changed chains → delete elements → add elements → remove
 * unreferenced chains and sets.
 */
export function renderDiff(prev: RulesetModel, next: RulesetModel, versions?: { prev?: string; next: string }): Transaction | null {
  if (prev.family !== next.family || prev.table !== next.table) return null;
  const t = `${next.family} ${next.table}`;
  const out = new Lines();

  for (const [name, s] of next.sets) {
    const p = prev.sets.get(name);
    if (p && !sameSetDef(p, s)) return null;
  }
  const newChains: Chain[] = [];
  const changedChains: Chain[] = [];
  for (const [name, c] of next.chains) {
    const p = prev.chains.get(name);
    if (!p) {
      if (c.hook) return null;
      newChains.push(c);
    } else if (chainBody(p) !== chainBody(c)) {
      if (c.hook || p.hook) return null;
      changedChains.push(c);
    }
  }
  const removedChains = [...prev.chains.values()].filter((c) => !next.chains.has(c.name));
  if (removedChains.some((c) => c.hook)) return null;
  const newSets = [...next.sets.values()].filter((s) => !prev.sets.has(s.name));
  const removedSets = [...prev.sets.values()].filter((s) => !next.sets.has(s.name));

  // 1. declare
  for (const s of newSets) out.push(`add ${s.kind} ${t} ${s.name} { ${setHeader(s).join('; ')}; }`, s.owners.values().next().value);
  for (const c of newChains) out.push(`add chain ${t} ${c.name}`, c.owner);
  // 2. chain contents
  for (const c of changedChains) out.push(`flush chain ${t} ${c.name}`, c.owner);
  for (const c of [...newChains, ...changedChains]) {
    for (const rule of c.rules) out.push(`add rule ${t} ${c.name} ${ruleText(rule)}`, c.owner);
  }
  // 3./4. elements
  const deletes: { set: SetDef; keys: string[] }[] = [];
  const adds: { set: SetDef; keys: string[] }[] = [];
  for (const s of next.sets.values()) {
    if (s.dynamic) continue;
    const p = prev.sets.get(s.name);
    const del: string[] = [];
    const add: string[] = [];
    if (p) {
      for (const [k, v] of s.elements) {
        const pv = p.elements.get(k);
        if (pv === undefined) add.push(k);
        else if (pv !== v) { del.push(k); add.push(k); }
      }
      for (const k of p.elements.keys()) if (!s.elements.has(k)) del.push(k);
    } else {
      add.push(...s.elements.keys());
    }
    if (del.length) deletes.push({ set: p ?? s, keys: del });
    if (add.length) adds.push({ set: s, keys: add });
  }
  for (const { set, keys } of deletes) {
    out.push(`delete element ${t} ${set.name} {`);
    pushElements(out, '\t', set, keys, () => '', (k) => set.owners.get(k));
    out.push('}');
  }
  for (const { set, keys } of adds) {
    out.push(`add element ${t} ${set.name} {`);
    pushElements(out, '\t', set, keys, (k) => set.elements.get(k)!, (k) => set.owners.get(k));
    out.push('}');
  }
  // 5. remove what nothing references any more
  for (const c of removedChains) out.push(`flush chain ${t} ${c.name}`, c.owner);
  for (const c of removedChains) out.push(`delete chain ${t} ${c.name}`, c.owner);
  for (const s of removedSets) out.push(`delete ${s.kind} ${t} ${s.name}`);

  if (out.text.length === 0) return { text: '', owners: [] };
  if (versions && versions.prev !== versions.next) {
    if (versions.prev !== undefined) out.push(`delete element ${t} ${VERSION_SET} { ${JSON.stringify(versions.prev.slice(0, VERSION_LENGTH))} }`);
    out.push(`add element ${t} ${VERSION_SET} { ${JSON.stringify(versions.next.slice(0, VERSION_LENGTH))} }`);
  }
  return out.done();
}

/** nft reports "/dev/stdin:LINE:COL: Error: ..."; the Services owning the failing lines. */
export function servicesAtFault(tx: Transaction, nftStderr: string): string[] {
  const owners = new Set<string>();
  for (const m of nftStderr.matchAll(/^[^:\n]*:(\d+):\d+(?:-\d+)?: Error/gm)) {
    const owner = tx.owners[Number(m[1]) - 1];
    if (owner) owners.add(owner);
  }
  return [...owners];
}
