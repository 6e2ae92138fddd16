// The model, maintained incrementally, keyed by Service. Each Service
// contributes a Fragment (ruleset.ts), rebuilt only when its Service object
// or one of its EndpointSlice objects changed (informer caches hand out the
// same references for unchanged objects). The committed model — what the
// kernel holds — carries reference counts for elements claimed more than
// once and for every chain and set, so the delta for a change is computed from
// the changed fragments alone, and so are the conntrack cleanup and the
// version. At 10,000 Services an endpoint change costs one identity pass over
// the object lists (no label parsing, no string building, no sorting) plus
// work proportional to the change — never a rebuild of the 100k-element model.

import { createHash } from 'node:crypto';
import type { EndpointSlice, Service } from '../api/types.js';
import type { Chain, RulesetModel, SetDef } from './model.js';
import { chainBody, sameSetDef, type ElementChange, type ModelDelta } from './render.js';
import { assembleModel, buildFragment, cidrMatcher, REF_SEP, type Fragment, type ModelRefs, type ProxyConfig, type SharedChains } from './ruleset.js';
import { healthCheckOf, serviceKeyOf, servicePortsOf, sliceServiceKey, type HealthCheckInfo, type ServicePortInfo } from './service-ports.js';

/** Bump when the rendering changes, so a table written by older code is rebuilt. */
export const RULESET_FORMAT = 'podnet-proxy/4';
const VERSION_LENGTH = 15;
const DIGEST_WORDS = 4;

interface Entry {
  svc: Service;
  slices: EndpointSlice[];
  /** not kept: servicePortsOf(svc, slices) recomputes them for the few changed Services */
  fragment: Fragment;
}

interface Committed {
  model: RulesetModel;
  refs: ModelRefs;
}

interface DeltaWithRefs {
  delta: ModelDelta;
  /** the new extra-reference count of every element the delta touched */
  extraElements: Map<string, number>;
  chainRefs: Map<string, number>;
  setRefs: Map<string, number>;
}

/** One Service whose entry differs from the committed one: [key, committed, wanted]. */
type Change = [key: string, before: Entry | undefined, after: Entry | undefined];

/** What one sync wants: computed by ModelCache.build, applied by the proxy, then committed. */
export interface Plan {
  version: string;
  /** Services with rules, by `ns/name` (the cache's live map: read it before the next build) */
  entries: ReadonlyMap<string, Entry>;
  healthChecks: HealthCheckInfo[];
  /** the Services that differ from the committed model */
  changes: Change[];
  /** memo: the assembled model with its reference counts, the delta */
  full?: { model: RulesetModel; refs: ModelRefs };
  deltaMemo?: DeltaWithRefs | null;
}

function sameRefs(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** XOR of 128-bit fragment digests: order-independent and updatable per fragment. */
function xorInto(acc: Uint32Array, hexHash: string): void {
  for (let i = 0; i < DIGEST_WORDS; i++) acc[i]! ^= parseInt(hexHash.slice(i * 8, i * 8 + 8), 16);
}

function byName(a: EndpointSlice, b: EndpointSlice): number {
  const x = a.metadata.name ?? '';
  const y = b.metadata.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The objects of the last build, to tell by identity which were added and
 * removed. Informer listings keep their order and replace an updated object
 * in place, so the usual sync is answered by one positional comparison; a
 * listing of another length falls back to set differences.
 */
class ObjectList<T extends object> {
  private last: readonly T[] = [];
  private known = new Set<T>();

  /** Calls onChange(obj, true) for each object new since the last call, onChange(obj, false) for each gone. */
  diff(now: readonly T[], onChange: (obj: T, added: boolean) => void): void {
    if (now.length === this.last.length) {
      const gone: T[] = [];
      const fresh: T[] = [];
      for (let i = 0; i < now.length; i++) {
        if (now[i] !== this.last[i]) { fresh.push(now[i]!); gone.push(this.last[i]!); }
      }
      if (fresh.length > 0) {
        // an object that only moved is in both lists: neither added nor removed
        const moved = new Set(fresh);
        const goneSet = new Set(gone);
        for (const o of gone) if (!moved.has(o)) { this.known.delete(o); onChange(o, false); }
        for (const o of fresh) if (!goneSet.has(o) && !this.known.has(o)) { this.known.add(o); onChange(o, true); }
      }
    } else {
      const nowSet = new Set(now);
      for (const o of this.known) if (!nowSet.has(o)) onChange(o, false);
      for (const o of nowSet) if (!this.known.has(o)) onChange(o, true);
      this.known = nowSet;
    }
    this.last = now.slice();
  }
}

export class ModelCache {
  /** the objects of the last build, to find what changed by identity */
  private readonly services = new ObjectList<Service>();
  private readonly slices = new ObjectList<EndpointSlice>();
  private readonly serviceByKey = new Map<string, Service>();
  /** usually one slice per Service: arrays, not Sets (10,000 of them) */
  private readonly slicesByKey = new Map<string, EndpointSlice[]>();
  /** Services with rules: the wanted state */
  private readonly entries = new Map<string, Entry>();
  private readonly healthByKey = new Map<string, HealthCheckInfo>();
  /** for each Service changed since the last commit: its committed entry */
  private readonly sinceCommit = new Map<string, Entry | undefined>();
  private readonly digest = new Uint32Array(DIGEST_WORDS);
  private readonly shared: SharedChains = new Map();
  private committed: Committed | undefined;
  private readonly isPodLocal: (ip: string) => boolean;
  private readonly salt: string;

  constructor(private readonly cfg: ProxyConfig) {
    this.isPodLocal = cidrMatcher(cfg.podCIDR);
    this.salt = `${RULESET_FORMAT}\n${JSON.stringify(cfg)}\n`;
  }

  /** The model the kernel holds (as far as we know). */
  get model(): RulesetModel | undefined { return this.committed?.model; }

  build(services: readonly Service[], slices: readonly EndpointSlice[]): Plan {
    const dirty = this.diffObjects(services, slices);
    for (const key of dirty) this.rebuild(key);
    const healthChecks = [...this.healthByKey.values()].sort((a, b) => a.port - b.port);
    const changes: Change[] = [];
    for (const [key, before] of this.sinceCommit) {
      const after = this.entries.get(key);
      if (after !== before) changes.push([key, before, after]);
    }
    const version = createHash('sha256').update(this.salt).update(this.digest).digest('hex').slice(0, VERSION_LENGTH);
    return { version, entries: this.entries, healthChecks, changes };
  }

  /** Keys of the Services whose Service or EndpointSlice objects changed since the last build. */
  private diffObjects(services: readonly Service[], slices: readonly EndpointSlice[]): Set<string> {
    const dirty = new Set<string>();
    this.slices.diff(slices, (s, added) => {
      const key = sliceServiceKey(s);
      if (key === undefined) return;
      const list = this.slicesByKey.get(key);
      if (added) {
        if (list) list.push(s); else this.slicesByKey.set(key, [s]);
      } else if (list) {
        const i = list.indexOf(s);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) this.slicesByKey.delete(key);
      }
      dirty.add(key);
    });
    this.services.diff(services, (svc, added) => {
      const key = serviceKeyOf(svc);
      if (added) this.serviceByKey.set(key, svc);
      else if (this.serviceByKey.get(key) === svc) this.serviceByKey.delete(key);
      dirty.add(key);
    });
    return dirty;
  }

  /** Recomputes one Service's entry (reusing it when its objects are the same). */
  private rebuild(key: string): void {
    const svc = this.serviceByKey.get(key);
    const old = this.entries.get(key);
    let next: Entry | undefined;
    if (svc) {
      // name order, so the first slice listing an endpoint wins whatever the arrival order
      const svcSlices = [...(this.slicesByKey.get(key) ?? [])].sort(byName);
      if (old && old.svc === svc && sameRefs(old.slices, svcSlices)) return;
      const ports = servicePortsOf(svc, svcSlices, this.cfg.nodeName);
      const healthCheck = healthCheckOf(svc, svcSlices, this.cfg.nodeName);
      if (healthCheck) this.healthByKey.set(key, healthCheck); else this.healthByKey.delete(key);
      if (ports.length > 0) {
        next = { svc, slices: svcSlices, fragment: buildFragment(this.cfg, ports, this.isPodLocal, this.shared) };
      }
    } else {
      this.healthByKey.delete(key);
    }
    if (next === old) return;
    if (!this.sinceCommit.has(key)) this.sinceCommit.set(key, old);
    if (old) xorInto(this.digest, old.fragment.hash);
    if (next) { xorInto(this.digest, next.fragment.hash); this.entries.set(key, next); } else this.entries.delete(key);
  }

  /** The whole model for a plan (the full-transaction path). Entries merge in name order. */
  fullModel(plan: Plan): RulesetModel {
    return this.full(plan).model;
  }

  private full(plan: Plan): { model: RulesetModel; refs: ModelRefs } {
    if (!plan.full) {
      const refs: ModelRefs = { extraElements: new Map(), chains: new Map(), sets: new Map() };
      const keys = [...plan.entries.keys()].sort();
      const model = assembleModel(this.cfg, keys.map((k) => plan.entries.get(k)!.fragment), refs);
      plan.full = { model, refs };
    }
    return plan.full;
  }

  /** Service ports of the Services that changed since the commit: [before, after]. */
  changedPorts(plan: Plan): [ServicePortInfo[] | undefined, ServicePortInfo[]] {
    if (!this.committed) return [undefined, []];
    const before: ServicePortInfo[] = [];
    const after: ServicePortInfo[] = [];
    const ports = (e: Entry) => servicePortsOf(e.svc, e.slices, this.cfg.nodeName);
    for (const [, b, a] of plan.changes) {
      if (b) before.push(...ports(b));
      if (a) after.push(...ports(a));
    }
    return [before, after];
  }

  /**
   * The changes from the committed model to the plan, from the changed
   * fragments only; null when nothing is committed or the change cannot be
   * expressed as edits (conflicting duplicates, a set definition change).
   */
  delta(plan: Plan): ModelDelta | null {
    if (plan.deltaMemo === undefined) plan.deltaMemo = this.deltaWithRefs(plan);
    return plan.deltaMemo?.delta ?? null;
  }

  private deltaWithRefs(plan: Plan): DeltaWithRefs | null {
    const c = this.committed;
    if (!c) return null;
    const removed: Fragment[] = [];
    const added: Fragment[] = [];
    for (const [, b, a] of plan.changes) {
      if (b) removed.push(b.fragment);
      if (a) added.push(a.fragment);
    }

    const delta: ModelDelta = { newSets: [], newChains: [], changedChains: [], deletes: [], adds: [], removedChains: [], removedSets: [] };
    const extraElements = new Map<string, number>();
    const chainRefs = new Map<string, number>();
    const setRefs = new Map<string, number>();

    const net = new Map<string, number>();
    const incoming = new Map<string, [value: string, owner: string]>();
    for (const f of removed) {
      const e = f.elements;
      for (let i = 0; i < e.length; i += 3) { const k = e[i] + REF_SEP + e[i + 1]; net.set(k, (net.get(k) ?? 0) - 1); }
    }
    for (const f of added) {
      const e = f.elements;
      for (let i = 0; i < e.length; i += 3) {
        const k = e[i] + REF_SEP + e[i + 1];
        net.set(k, (net.get(k) ?? 0) + 1);
        if (!incoming.has(k)) incoming.set(k, [e[i + 2]!, f.owner]);
      }
    }
    for (const [k, n] of net) {
      const i = k.indexOf(REF_SEP);
      const set = k.slice(0, i);
      const key = k.slice(i + 1);
      const st = c.model.sets.get(set)!;
      const cur = st.elements.get(key);
      // references: one for the element in the model, plus the extra claims
      const before = cur === undefined ? 0 : 1 + (c.refs.extraElements.get(k) ?? 0);
      const after = before + n;
      if (after < 0) return null;
      extraElements.set(k, Math.max(after - 1, 0));
      const inc = incoming.get(k);
      const del: ElementChange = [set, key, '', st.owners.get(key)];
      if (before > 0 && after === 0) delta.deletes.push(del);
      else if (before === 0 && after > 0) delta.adds.push([set, key, inc![0], inc![1]]);
      else if (after > 0 && inc && inc[0] !== cur) {
        if (after !== 1) return null; // two Services claim one key with different data
        delta.deletes.push(del);
        delta.adds.push([set, key, inc[0], inc[1]]);
      }
    }

    // chains and sets: the same counting, by name
    const counted = <T extends Chain | SetDef>(list: (f: Fragment) => T[], refs: Map<string, number>, out: Map<string, number>,
      onNew: (x: T) => void, onGone: (name: string) => void, onBoth: (x: T) => boolean): boolean => {
      const n = new Map<string, number>();
      const fresh = new Map<string, T>();
      for (const f of removed) for (const x of list(f)) n.set(x.name, (n.get(x.name) ?? 0) - 1);
      for (const f of added) for (const x of list(f)) { n.set(x.name, (n.get(x.name) ?? 0) + 1); if (!fresh.has(x.name)) fresh.set(x.name, x); }
      for (const [name, d] of n) {
        const before = refs.get(name) ?? 0;
        const after = before + d;
        if (after < 0) return false;
        out.set(name, after);
        if (before > 0 && after === 0) onGone(name);
        else if (before === 0 && after > 0) onNew(fresh.get(name)!);
        else if (after > 0 && fresh.has(name) && !onBoth(fresh.get(name)!)) return false;
      }
      return true;
    };
    const chainsOk = counted((f) => f.chains, c.refs.chains, chainRefs,
      (x) => delta.newChains.push(x),
      (name) => delta.removedChains.push(c.model.chains.get(name)!),
      (x) => {
        const cur = c.model.chains.get(x.name)!;
        if (cur !== x && chainBody(cur) !== chainBody(x)) delta.changedChains.push(x);
        return true;
      });
    const setsOk = counted((f) => f.sets, c.refs.sets, setRefs,
      (x) => delta.newSets.push(x),
      (name) => delta.removedSets.push(c.model.sets.get(name)!),
      (x) => sameSetDef(c.model.sets.get(x.name)!, x));
    if (!chainsOk || !setsOk) return null;
    return { delta, extraElements, chainRefs, setRefs };
  }

  /** Records that the kernel now holds the plan's ruleset. */
  commit(plan: Plan, how: 'delta' | 'full'): void {
    const c = this.committed;
    if (how === 'delta') this.delta(plan);
    const d = how === 'delta' ? plan.deltaMemo : null;
    this.sinceCommit.clear();
    if (!c || !d) {
      const { model, refs } = this.full(plan);
      this.committed = { model, refs };
      return;
    }
    const { model } = c;
    for (const [set, key] of d.delta.deletes) { model.sets.get(set)?.elements.delete(key); model.sets.get(set)?.owners.delete(key); }
    for (const st of d.delta.newSets) model.sets.set(st.name, { ...st, elements: new Map(), owners: new Map() });
    for (const [set, key, value, owner] of d.delta.adds) {
      const st = model.sets.get(set)!;
      st.elements.set(key, value);
      if (owner) st.owners.set(key, owner);
    }
    for (const ch of [...d.delta.newChains, ...d.delta.changedChains]) model.chains.set(ch.name, ch);
    for (const ch of d.delta.removedChains) model.chains.delete(ch.name);
    for (const st of d.delta.removedSets) model.sets.delete(st.name);
    const apply = (refs: Map<string, number>, changes: Map<string, number>) => {
      for (const [k, v] of changes) { if (v === 0) refs.delete(k); else refs.set(k, v); }
    };
    apply(c.refs.extraElements, d.extraElements);
    apply(c.refs.chains, d.chainRefs);
    apply(c.refs.sets, d.setRefs);
  }

  /** Forget the committed state (the table was deleted or is unknown): the next sync loads the whole table. */
  reset(): void {
    this.committed = undefined;
  }
}
