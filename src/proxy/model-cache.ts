// The model, maintained incrementally. Each Service contributes a Fragment
// (ruleset.ts), memoised on the Service and EndpointSlice objects (informer
// caches hand out the same references for unchanged objects). The committed
// model — what the kernel holds — carries reference counts for every element,
// chain and set, so the delta for a change is computed from the changed
// fragments alone: at 10,000 Services an endpoint change costs a few hundred
// microseconds of JavaScript instead of a 100k-element rebuild and compare.

import { createHash } from 'node:crypto';
import type { EndpointSlice, Service } from '../api/types.js';
import type { Chain, RulesetModel, SetDef } from './model.js';
import { chainBody, sameSetDef, type ElementChange, type ModelDelta } from './render.js';
import { assembleModel, buildFragment, cidrMatcher, type Fragment, type ProxyConfig } from './ruleset.js';
import { servicePortsOf, sliceIndex, type ServicePortInfo } from './service-ports.js';

/** Bump when the rendering changes, so a table written by older code is rebuilt. */
export const RULESET_FORMAT = 'podnet-proxy/1';
const VERSION_LENGTH = 15;
const SEP = '\u0000';

interface Entry { svc: Service; slices: EndpointSlice[]; ports: ServicePortInfo[]; fragment: Fragment }

interface Committed {
  model: RulesetModel;
  fragments: Map<string, Fragment>;
  elementRefs: Map<string, number>;
  chainRefs: Map<string, number>;
  setRefs: Map<string, number>;
}

/** What one sync wants: computed by ModelCache.build, applied by the proxy, then committed. */
export interface Plan {
  version: string;
  ports: ServicePortInfo[];
  fragments: Map<string, Fragment>;
}

interface DeltaWithRefs {
  delta: ModelDelta;
  elementRefs: Map<string, number>;
  chainRefs: Map<string, number>;
  setRefs: Map<string, number>;
}

function sameRefs(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function countRefs(fragments: Iterable<Fragment>): Pick<Committed, 'elementRefs' | 'chainRefs' | 'setRefs'> {
  const elementRefs = new Map<string, number>();
  const chainRefs = new Map<string, number>();
  const setRefs = new Map<string, number>();
  for (const f of fragments) {
    for (const [set, key] of f.elements) { const k = set + SEP + key; elementRefs.set(k, (elementRefs.get(k) ?? 0) + 1); }
    for (const c of f.chains) chainRefs.set(c.name, (chainRefs.get(c.name) ?? 0) + 1);
    for (const st of f.sets) setRefs.set(st.name, (setRefs.get(st.name) ?? 0) + 1);
  }
  return { elementRefs, chainRefs, setRefs };
}

export class ModelCache {
  private entries = new Map<string, Entry>();
  private committed: Committed | undefined;
  private readonly isPodLocal: (ip: string) => boolean;

  constructor(private readonly cfg: ProxyConfig) {
    this.isPodLocal = cidrMatcher(cfg.podCIDR);
  }

  /** The model the kernel holds (as far as we know). */
  get model(): RulesetModel | undefined { return this.committed?.model; }

  build(services: readonly Service[], slices: readonly EndpointSlice[]): Plan {
    const slicesOf = sliceIndex(slices);
    const next = new Map<string, Entry>();
    for (const svc of services) {
      const key = `${svc.metadata.namespace ?? 'default'}/${svc.metadata.name ?? ''}`;
      const svcSlices = slicesOf(svc);
      const old = this.entries.get(key);
      if (old && old.svc === svc && sameRefs(old.slices, svcSlices)) {
        next.set(key, old);
        continue;
      }
      const ports = servicePortsOf(svc, svcSlices, this.cfg.nodeName);
      next.set(key, { svc, slices: svcSlices, ports, fragment: buildFragment(this.cfg, ports, this.isPodLocal) });
    }
    this.entries = next;
    const keys = [...next.keys()].filter((k) => next.get(k)!.ports.length > 0).sort();
    const h = createHash('sha256').update(`${RULESET_FORMAT}\n${JSON.stringify(this.cfg)}\n`);
    const fragments = new Map<string, Fragment>();
    const ports: ServicePortInfo[] = [];
    for (const k of keys) {
      const e = next.get(k)!;
      h.update(e.fragment.hash);
      fragments.set(k, e.fragment);
      ports.push(...e.ports);
    }
    return { version: h.digest('hex').slice(0, VERSION_LENGTH), ports, fragments };
  }

  /** The whole model for a plan (the full-transaction path). */
  fullModel(plan: Plan): RulesetModel {
    return assembleModel(this.cfg, plan.fragments.values());
  }

  /**
   * The changes from the committed model to the plan, from the changed
   * fragments only; null when nothing is committed or the change cannot be
   * expressed as edits (conflicting duplicates, a set definition change).
   */
  delta(plan: Plan): ModelDelta | null {
    return this.deltaWithRefs(plan)?.delta ?? null;
  }

  private deltaWithRefs(plan: Plan): DeltaWithRefs | null {
    const c = this.committed;
    if (!c) return null;
    const removed: Fragment[] = [];
    const added: Fragment[] = [];
    for (const [k, f] of c.fragments) if (plan.fragments.get(k) !== f) removed.push(f);
    for (const [k, f] of plan.fragments) if (c.fragments.get(k) !== f) added.push(f);

    const delta: ModelDelta = { newSets: [], newChains: [], changedChains: [], deletes: [], adds: [], removedChains: [], removedSets: [] };
    const elementRefs = new Map<string, number>();
    const chainRefs = new Map<string, number>();
    const setRefs = new Map<string, number>();

    // elements
    const net = new Map<string, number>();
    const incoming = new Map<string, [value: string, owner: string]>();
    for (const f of removed) for (const [set, key] of f.elements) { const k = set + SEP + key; net.set(k, (net.get(k) ?? 0) - 1); }
    for (const f of added) {
      for (const [set, key, value] of f.elements) {
        const k = set + SEP + key;
        net.set(k, (net.get(k) ?? 0) + 1);
        if (!incoming.has(k)) incoming.set(k, [value, f.owner]);
      }
    }
    for (const [k, n] of net) {
      const before = c.elementRefs.get(k) ?? 0;
      const after = before + n;
      if (after < 0) return null;
      elementRefs.set(k, after);
      const i = k.indexOf(SEP);
      const set = k.slice(0, i);
      const key = k.slice(i + 1);
      const st = c.model.sets.get(set)!;
      const cur = st.elements.get(key);
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

    // chains and sets: same counting, by name
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
    const chainsOk = counted((f) => f.chains, c.chainRefs, chainRefs,
      (x) => delta.newChains.push(x),
      (name) => delta.removedChains.push(c.model.chains.get(name)!),
      (x) => {
        if (chainBody(c.model.chains.get(x.name)!) === chainBody(x)) return true;
        delta.changedChains.push(x);
        return true;
      });
    const setsOk = counted((f) => f.sets, c.setRefs, setRefs,
      (x) => delta.newSets.push(x),
      (name) => delta.removedSets.push(c.model.sets.get(name)!),
      (x) => sameSetDef(c.model.sets.get(x.name)!, x));
    if (!chainsOk || !setsOk) return null;
    return { delta, elementRefs, chainRefs, setRefs };
  }

  /** Records that the kernel now holds the plan's ruleset. */
  commit(plan: Plan, how: 'delta' | 'full'): void {
    const c = this.committed;
    const d = how === 'delta' ? this.deltaWithRefs(plan) : null;
    if (!c || !d) {
      this.committed = { model: this.fullModel(plan), fragments: plan.fragments, ...countRefs(plan.fragments.values()) };
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
    apply(c.elementRefs, d.elementRefs);
    apply(c.chainRefs, d.chainRefs);
    apply(c.setRefs, d.setRefs);
    c.fragments = plan.fragments;
  }

  /** Forget the committed state (the table was deleted or is unknown). */
  reset(): void {
    this.committed = undefined;
  }
}
