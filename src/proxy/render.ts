// RulesetModel → `nft -f -` transaction text (pure). Two forms:
//   renderFull: `add table; delete table; table { ... }` — one atomic
//               transaction that replaces the table and nothing else;
//   renderDiff: only the chains and elements that changed, so one endpoint
//               change at 10,000 Services is a few lines (docs/proxy.md).
// Every output line remembers which Service it came from, so when nft
// rejects line N we can name the Service.

import { nflogStatement } from '../net/nflog.js';
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
    case 'reject': return s.log !== undefined ? `${nflogStatement(s.log)} reject` : 'reject';
    case 'drop': return s.log !== undefined ? `${nflogStatement(s.log)} drop` : 'drop';
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

/** One line per element, comma-separated; the hot loop of a full render (120k lines at 10,000 Services). */
function pushElements(out: Lines, indent: string, s: SetDef): void {
  const last = s.elements.size - 1;
  let i = 0;
  for (const [k, v] of s.elements) {
    const sep = i++ < last ? ',' : '';
    out.text.push(v === '' ? `${indent}${k}${sep}` : `${indent}${k} : ${v}${sep}`);
    out.owners.push(s.owners.get(k));
  }
}

/** The whole table, replacing whatever table of that name exists, in one transaction. */
export function renderFull(model: RulesetModel, version?: string): Transaction {
  return renderTable(model, version, true, () => false);
}

/**
 * The whole table for a node that has none, as several transactions so that
 * nft (single-threaded, the larger part of a 10,000-Service load) can parse
 * them on several cores at once: `bulk` fills the sets `isBulk` selects,
 * split in `parts` transactions that may run concurrently; `rest` then
 * creates everything else. Bulk sets must be ones only rules in `rest` refer
 * to (the endpoint maps: only the shared DNAT chains read them), so until
 * `rest` commits, no packet can see any of it, and after, all of it.
 */
export function renderSplitFull(model: RulesetModel, version: string, isBulk: (set: SetDef) => boolean, parts: number): { bulk: Transaction[]; rest: Transaction } {
  const t = `${model.family} ${model.table}`;
  const bulkSets = [...model.sets.values()].filter((s) => isBulk(s) && !s.dynamic);
  const total = bulkSets.reduce((n, s) => n + s.elements.size, 0);
  const per = Math.max(1, Math.ceil(total / Math.max(1, parts)));
  const bulk: Transaction[] = [];
  let out: Lines | undefined;
  let room = 0;
  for (const s of bulkSets) {
    const last = s.elements.size - 1;
    let i = 0;
    for (const [k, v] of s.elements) {
      if (!out || room === 0) {
        if (out) bulk.push(out.done());
        out = new Lines();
        room = per;
        // each part creates what it fills (`add` is a no-op when another part already did)
        out.push(`add table ${t}`);
        for (const b of bulkSets) out.push(`add ${b.kind} ${t} ${b.name} { ${setHeader(b).join('; ')}; }`);
        out.push(`add element ${t} ${s.name} {`);
      } else if (i === 0) {
        out.push(`add element ${t} ${s.name} {`);
      }
      room--;
      const end = i === last || room === 0;
      out.text.push(`\t${elementText(k, v)}${end ? '' : ','}`);
      out.owners.push(s.owners.get(k));
      if (end) out.push('}');
      i++;
    }
  }
  if (out) bulk.push(out.done());
  return { bulk, rest: renderTable(model, version, false, isBulk) };
}

function renderTable(model: RulesetModel, version: string | undefined, replace: boolean, skipElements: (s: SetDef) => boolean): Transaction {
  const out = new Lines();
  const t = `${model.family} ${model.table}`;
  // `add` first so `delete` never fails on a fresh node; both happen atomically with the rebuild.
  out.push(`add table ${t}`);
  if (replace) out.push(`delete table ${t}`);
  out.push(`table ${t} {`);
  const sets = [...model.sets.values()];
  if (version !== undefined) sets.push(versionSet(version));
  for (const s of sets) {
    out.push(`\t${s.kind} ${s.name} {`);
    for (const h of setHeader(s)) out.push(`\t\t${h}`);
    if (!s.dynamic && s.elements.size > 0 && !skipElements(s)) {
      out.push('\t\telements = {');
      pushElements(out, '\t\t\t', s);
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

export function sameSetDef(a: SetDef, b: SetDef): boolean {
  return a.kind === b.kind && setHeader(a).join('\n') === setHeader(b).join('\n') && !!a.dynamic === !!b.dynamic;
}

export function chainBody(c: Chain): string {
  return [chainHeader(c) ?? '', ...c.rules.map(ruleText)].join('\n');
}

/** One element to add or delete: set, key, data ('' for sets and deletes), owning Service. */
export type ElementChange = [set: string, key: string, value: string, owner: string | undefined];

/** Everything an incremental transaction does, in the order it must do it. */
export interface ModelDelta {
  newSets: SetDef[];
  newChains: Chain[];
  changedChains: Chain[];
  deletes: ElementChange[];
  adds: ElementChange[];
  removedChains: Chain[];
  removedSets: SetDef[];
}

export function emptyDelta(d: ModelDelta): boolean {
  return !d.newSets.length && !d.newChains.length && !d.changedChains.length && !d.deletes.length && !d.adds.length && !d.removedChains.length && !d.removedSets.length;
}

/**
 * The changes that turn prev into next, or null when they cannot be expressed
 * as element/chain edits (a base chain or a set definition changed): the
 * caller then renders the full table.
 */
export function computeDelta(prev: RulesetModel, next: RulesetModel): ModelDelta | null {
  if (prev.family !== next.family || prev.table !== next.table) return null;
  for (const [name, st] of next.sets) {
    const p = prev.sets.get(name);
    if (p && !sameSetDef(p, st)) return null;
  }
  const d: ModelDelta = { newSets: [], newChains: [], changedChains: [], deletes: [], adds: [], removedChains: [], removedSets: [] };
  for (const [name, c] of next.chains) {
    const p = prev.chains.get(name);
    if (!p) {
      if (c.hook) return null;
      d.newChains.push(c);
    } else if (chainBody(p) !== chainBody(c)) {
      if (c.hook || p.hook) return null;
      d.changedChains.push(c);
    }
  }
  for (const c of prev.chains.values()) {
    if (next.chains.has(c.name)) continue;
    if (c.hook) return null;
    d.removedChains.push(c);
  }
  for (const st of next.sets.values()) if (!prev.sets.has(st.name)) d.newSets.push(st);
  for (const st of prev.sets.values()) if (!next.sets.has(st.name)) d.removedSets.push(st);
  for (const st of next.sets.values()) {
    if (st.dynamic) continue;
    const p = prev.sets.get(st.name);
    for (const [k, v] of st.elements) {
      const pv = p?.elements.get(k);
      if (pv === v) continue;
      if (pv !== undefined) d.deletes.push([st.name, k, '', p!.owners.get(k)]);
      d.adds.push([st.name, k, v, st.owners.get(k)]);
    }
    if (p) for (const k of p.elements.keys()) if (!st.elements.has(k)) d.deletes.push([st.name, k, '', p.owners.get(k)]);
  }
  return d;
}

function pushChanges(out: Lines, t: string, verb: 'add' | 'delete', changes: readonly ElementChange[]): void {
  const bySet = new Map<string, ElementChange[]>();
  for (const c of changes) {
    const list = bySet.get(c[0]);
    if (list) list.push(c); else bySet.set(c[0], [c]);
  }
  for (const [set, list] of bySet) {
    out.push(`${verb} element ${t} ${set} {`);
    list.forEach(([, key, value, owner], i) => out.push(`\t${elementText(key, value)}${i < list.length - 1 ? ',' : ''}`, owner));
    out.push('}');
  }
}

/**
 * A delta as one transaction. Order matters for nft's reference counting:
 * create → re-fill changed chains → delete elements → add elements → remove
 * unreferenced chains and sets. Empty text means "nothing to do".
 */
export function renderDelta(family: string, table: string, d: ModelDelta, versions?: { prev?: string; next: string }): Transaction {
  const t = `${family} ${table}`;
  const out = new Lines();
  for (const st of d.newSets) out.push(`add ${st.kind} ${t} ${st.name} { ${setHeader(st).join('; ')}; }`);
  for (const c of d.newChains) out.push(`add chain ${t} ${c.name}`, c.owner);
  for (const c of d.changedChains) out.push(`flush chain ${t} ${c.name}`, c.owner);
  for (const c of [...d.newChains, ...d.changedChains]) {
    for (const rule of c.rules) out.push(`add rule ${t} ${c.name} ${ruleText(rule)}`, c.owner);
  }
  pushChanges(out, t, 'delete', d.deletes);
  pushChanges(out, t, 'add', d.adds);
  for (const c of d.removedChains) out.push(`flush chain ${t} ${c.name}`, c.owner);
  for (const c of d.removedChains) out.push(`delete chain ${t} ${c.name}`, c.owner);
  for (const st of d.removedSets) out.push(`delete ${st.kind} ${t} ${st.name}`);
  if (versions && versions.prev !== versions.next) {
    if (versions.prev !== undefined) out.push(`delete element ${t} ${VERSION_SET} { ${JSON.stringify(versions.prev.slice(0, VERSION_LENGTH))} }`);
    out.push(`add element ${t} ${VERSION_SET} { ${JSON.stringify(versions.next.slice(0, VERSION_LENGTH))} }`);
  }
  return out.done();
}

/** computeDelta + renderDelta; null when only the full transaction can do it. */
export function renderDiff(prev: RulesetModel, next: RulesetModel, versions?: { prev?: string; next: string }): Transaction | null {
  const d = computeDelta(prev, next);
  return d ? renderDelta(next.family, next.table, d, versions) : null;
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
