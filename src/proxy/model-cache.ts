// The model, maintained incrementally. Each Service contributes a Fragment
// (ruleset.ts), memoised on the Service and EndpointSlice objects (informer
// caches hand out the same references for unchanged objects). The committed
// model — what the kernel holds — carries reference counts for every element,
// chain and set, so the delta for a change is computed from the changed
// fragments alone, and so are the conntrack cleanup and the version: at
// 10,000 Services an endpoint change costs one pass over the Service list
// plus work proportional to the change, not a 100k-element rebuild.

import { createHash } from 'node:crypto';
import type { EndpointSlice, Service } from '../api/types.js';
import type { Chain, RulesetModel, SetDef } from './model.js';
import { chainBody, sameSetDef, type ElementChange, type ModelDelta } from './render.js';
import { assembleModel, buildFragment, cidrMatcher, type Fragment, type ProxyConfig } from './ruleset.js';
import { healthCheckOf, servicePortsOf, sliceIndex, type HealthCheckInfo, type ServicePortInfo } from './service-ports.js';

/** Bump when the rendering changes, so a table written by older code is rebuilt. */
export const RULESET_FORMAT = 'podnet-proxy/1';
const VERSION_LENGTH = 15;
const SEP = '\u0000';
const DIGEST_WORDS = 4;

interface Entry {
  svc: Service;
  slices: EndpointSlice[];
  ports: ServicePortInfo[];
  fragment: Fragment;
  healthCheck: HealthCheckInfo | undefined;
}

interface Committed {
  model: RulesetModel;
  entries: Map<string, Entry>;
  elementRefs: Map<string, number>;
  chainRefs: Map<string, number>;
  setRefs: Map<string, number>;
}

interface DeltaWithRefs {
  delta: ModelDelta;
  elementRefs: Map<string, number>;
  chainRefs: Map<string, number>;
  setRefs: Map<string, number>;
}

/** What one sync wants: computed by ModelCache.build, applied by the proxy, then committed. */
export interface Plan {
  version: string;
  /** Services with rules, by `ns/name` */
  entries: Map<string, Entry>;
  healthChecks: HealthCheckInfo[];
  /** memo: the assembled model, the delta */
  full?: RulesetModel;
  deltaMemo?: DeltaWithRefs | null;
}

function sameRefs(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function countRefs(entries: Iterable<Entry>): Pick<Committed, 'elementRefs' | 'chainRefs' | 'setRefs'> {
  const elementRefs = new Map<string, number>();
  const chainRefs = new Map<string, number>();
  const setRefs = new Map<string, number>();
  for (const { fragment: f } of entries) {
    for (const [set, key] of f.elements) { const k = set + SEP + key; elementRefs.set(k, (elementRefs.get(k) ?? 0) + 1); }
    for (const c of f.chains) chainRefs.set(c.name, (chainRefs.get(c.name) ?? 0) + 1);
    for (const st of f.sets) setRefs.set(st.name, (setRefs.get(st.name) ?? 0) + 1);
  }
  return { elementRefs, chainRefs, setRefs };
}

/** XOR of 128-bit fragment digests: order-independent and updatable per fragment. */
function xorInto(acc: Uint32Array, hexHash: string): void {
  for (let i = 0; i < DIGEST_WORDS; i++) acc[i]! ^= parseInt(hexHash.slice(i * 8, i * 8 + 8), 16);
}

export class ModelCache {
  private entries = new Map<string, Entry>();
  private digest = new Uint32Array(DIGEST_WORDS);
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
    const slicesOf = sliceIndex(slices);
    const next = new Map<string, Entry>();
    const healthChecks: HealthCheckInfo[] = [];
    for (const svc of services) {
      const key = `${svc.metadata.namespace ?? 'default'}/${svc.metadata.name ?? ''}`;
      const svcSlices = slicesOf(svc);
      let e = this.entries.get(key);
      if (!e || e.svc !== svc || !sameRefs(e.slices, svcSlices)) {
        const ports = servicePortsOf(svc, svcSlices, this.cfg.nodeName);
        e = { svc, slices: svcSlices, ports, fragment: buildFragment(this.cfg, ports, this.isPodLocal), healthCheck: healthCheckOf(svc, svcSlices, this.cfg.nodeName) };
      }
      if (e.healthCheck) healthChecks.push(e.healthCheck);
      if (e.ports.length > 0) next.set(key, e);
    }
    // update the running digest from what changed since the last build
    for (const [k, e] of this.entries) if (next.get(k) !== e) xorInto(this.digest, e.fragment.hash);
    for (const [k, e] of next) if (this.entries.get(k) !== e) xorInto(this.digest, e.fragment.hash);
    this.entries = next;
    const version = createHash('sha256').update(this.salt).update(this.digest).digest('hex').slice(0, VERSION_LENGTH);
    return { version, entries: next, healthChecks: healthChecks.sort((a, b) => a.port - b.port) };
  }

  /** The whole model for a plan (the full-transaction path). Entries merge in name order. */
  fullModel(plan: Plan): RulesetModel {
    plan.full ??= assembleModel(this.cfg, [...plan.entries.keys()].sort().map((k) => plan.entries.get(k)!.fragment));
    return plan.full;
  }

  /** Service ports of the Services that changed since the commit: [before, after]. */
  changedPorts(plan: Plan): [ServicePortInfo[] | undefined, ServicePortInfo[]] {
    const c = this.committed;
    if (!c) return [undefined, []];
    const before: ServicePortInfo[] = [];
    const after: ServicePortInfo[] = [];
    for (const [k, e] of c.entries) if (plan.entries.get(k) !== e) before.push(...e.ports);
    for (const [k, e] of plan.entries) if (c.entries.get(k) !== e) after.push(...e.ports);
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
    for (const [k, e] of c.entries) if (plan.entries.get(k) !== e) removed.push(e.fragment);
    for (const [k, e] of plan.entries) if (c.entries.get(k) !== e) added.push(e.fragment);

    const delta: ModelDelta = { newSets: [], newChains: [], changedChains: [], deletes: [], adds: [], removedChains: [], removedSets: [] };
    const elementRefs = new Map<string, number>();
    const chainRefs = new Map<string, number>();
    const setRefs = new Map<string, number>();

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
    const chainsOk = counted((f) => f.chains, c.chainRefs, chainRefs,
      (x) => delta.newChains.push(x),
      (name) => delta.removedChains.push(c.model.chains.get(name)!),
      (x) => {
        if (chainBody(c.model.chains.get(x.name)!) !== chainBody(x)) delta.changedChains.push(x);
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
    if (how === 'delta') this.delta(plan);
    const d = how === 'delta' ? plan.deltaMemo : null;
    if (!c || !d) {
      this.committed = { model: this.fullModel(plan), entries: plan.entries, ...countRefs(plan.entries.values()) };
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
    c.entries = plan.entries;
  }

  /** Forget the committed state (the table was deleted or is unknown). */
  reset(): void {
    this.committed = undefined;
  }
}
