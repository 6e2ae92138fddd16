// The garbage collector's picture of ownership (upstream garbagecollector's
// GraphBuilder, cut down) and what to do about it. Every object the API
// serves, by uid, and each owner's dependents, kept up to date from informer
// events: a deleted owner's dependents are a lookup, never a scan, and an
// event costs a few Map operations. Pure: no client and no queue, so the
// decisions are tested as tables (test/unit/controllers/garbage-collector.test.ts).

import type { KubeObject, OwnerReference } from '../api/types.js';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from '../api/deletion.js';
import { groupOfApiVersion, resourceForGroupKind, type ResourceInfo } from '../api/resources.js';

/** How many deleted uids are remembered as gone, so a big cascade reads no owner twice (upstream absentOwnerCache). */
const ABSENT_REMEMBERED = 10_000;

/**
 * An owner as a dependent sees it:
 * - solid: exists and is not deleting its dependents in the foreground
 * - waiting: exists, marked with the foregroundDeletion finalizer
 * - absent: known to be gone (a uid is never used again)
 * - unknown: never seen; read it from the API server before believing it gone
 */
export type OwnerState = 'solid' | 'waiting' | 'absent' | 'unknown';

export type DependentAction =
  | { kind: 'keep' }
  | { kind: 'verify'; refs: OwnerReference[] }
  /** some owner remains: drop only the references to the gone (or foreground-deleting) ones */
  | { kind: 'remove-refs'; uids: string[] }
  /** every owner is gone or deleting: delete, in the foreground when an owner waits for it and it has dependents of its own */
  | { kind: 'delete'; foreground: boolean };

export type OwnerAction =
  | { kind: 'none' }
  /** strip the references to the owner from these, then remove the orphan finalizer */
  | { kind: 'orphan'; dependents: KubeObject[] }
  /** delete `pending`; remove the foregroundDeletion finalizer once nothing blocks */
  | { kind: 'foreground'; pending: KubeObject[]; blocked: boolean };

export interface GraphNode {
  readonly resource: ResourceInfo;
  obj: KubeObject;
}

export function isWaitingForDependents(obj: KubeObject): boolean {
  return !!obj.metadata.deletionTimestamp && !!obj.metadata.finalizers?.includes(FOREGROUND_FINALIZER);
}

/** Marked for deletion with a finalizer only the collector removes. */
export function hasCascadeWork(obj: KubeObject): boolean {
  const f = obj.metadata.finalizers;
  return !!obj.metadata.deletionTimestamp && !!f && (f.includes(ORPHAN_FINALIZER) || f.includes(FOREGROUND_FINALIZER));
}

/** The dependent's fate from its owners' states (upstream attemptToDeleteItem). */
export function dependentAction(refs: readonly OwnerReference[], stateOf: (ref: OwnerReference) => OwnerState, hasDependents: boolean): DependentAction {
  if (refs.length === 0) return { kind: 'keep' };
  const states = refs.map(stateOf);
  const unknown = refs.filter((_, i) => states[i] === 'unknown');
  if (unknown.length > 0) return { kind: 'verify', refs: unknown };
  if (states.includes('solid')) {
    const gone = refs.filter((_, i) => states[i] !== 'solid').map((r) => r.uid);
    return gone.length > 0 ? { kind: 'remove-refs', uids: gone } : { kind: 'keep' };
  }
  // Upstream always cascades a waiting owner's deletion in the foreground; a
  // dependent with no dependents of its own would only add and remove a finalizer.
  return { kind: 'delete', foreground: hasDependents && states.includes('waiting') };
}

/** What an owner marked for deletion needs (upstream attemptToOrphan and processDeletingDependentsItem). */
export function ownerAction(owner: KubeObject, dependents: readonly KubeObject[]): OwnerAction {
  const m = owner.metadata;
  if (!m.deletionTimestamp) return { kind: 'none' };
  if (m.finalizers?.includes(ORPHAN_FINALIZER)) return { kind: 'orphan', dependents: [...dependents] };
  if (!m.finalizers?.includes(FOREGROUND_FINALIZER)) return { kind: 'none' };
  const blocked = dependents.some((d) => d.metadata.ownerReferences?.some((r) => r.uid === m.uid && r.blockOwnerDeletion));
  return { kind: 'foreground', pending: dependents.filter((d) => !d.metadata.deletionTimestamp), blocked };
}

export class OwnerGraph {
  private readonly nodes = new Map<string, GraphNode>();
  /** owner uid → uids of the objects that reference it */
  private readonly dependents = new Map<string, Set<string>>();
  /** uids seen deleted, oldest first */
  private readonly absent = new Map<string, true>();

  node(uid: string): GraphNode | undefined { return this.nodes.get(uid); }

  /**
   * Adds or replaces an object. Returns the owner uids it referenced before
   * and now no longer references or no longer blocks (their foreground
   * deletion may be free to finish).
   */
  upsert(resource: ResourceInfo, obj: KubeObject): string[] {
    const uid = obj.metadata.uid;
    if (!uid) return [];
    const node = this.nodes.get(uid);
    const before = node?.obj.metadata.ownerReferences;
    const after = obj.metadata.ownerReferences;
    if (node) node.obj = obj;
    else this.nodes.set(uid, { resource, obj });
    if (before === after || sameRefs(before, after)) return [];
    for (const r of before ?? []) this.unfile(r.uid, uid);
    for (const r of after ?? []) this.file(r.uid, uid);
    return (before ?? []).filter((r) => r.blockOwnerDeletion && !after?.some((a) => a.uid === r.uid && a.blockOwnerDeletion)).map((r) => r.uid);
  }

  /** Takes a deleted object out; returns the uids of its dependents. */
  remove(obj: KubeObject): string[] {
    const uid = obj.metadata.uid;
    if (!uid) return [];
    const node = this.nodes.get(uid);
    if (node) {
      for (const r of node.obj.metadata.ownerReferences ?? []) this.unfile(r.uid, uid);
      this.nodes.delete(uid);
    }
    this.markAbsent(uid);
    return [...(this.dependents.get(uid) ?? [])];
  }

  markAbsent(uid: string): void {
    this.absent.set(uid, true);
    if (this.absent.size > ABSENT_REMEMBERED) this.absent.delete(this.absent.keys().next().value!);
  }

  dependentsOf(uid: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const d of this.dependents.get(uid) ?? []) {
      const n = this.nodes.get(d);
      if (n) out.push(n.obj);
    }
    return out;
  }

  hasDependents(uid: string): boolean { return (this.dependents.get(uid)?.size ?? 0) > 0; }

  /** What `dependent` may believe about the owner `ref` names, from the graph alone. */
  ownerState(dependent: KubeObject, ref: OwnerReference): OwnerState {
    const owner = this.nodes.get(ref.uid);
    if (owner) {
      // an owner is looked for in the dependent's namespace (or cluster-wide): elsewhere it is not its owner
      if (owner.resource.namespaced && owner.obj.metadata.namespace !== dependent.metadata.namespace) return 'absent';
      return isWaitingForDependents(owner.obj) ? 'waiting' : 'solid';
    }
    if (this.absent.has(ref.uid)) return 'absent';
    // a kind podnet does not serve can never be shown gone: leave its dependents alone
    return ownerResource(ref) ? 'unknown' : 'solid';
  }

  private file(owner: string, dependent: string): void {
    let s = this.dependents.get(owner);
    if (!s) this.dependents.set(owner, (s = new Set()));
    s.add(dependent);
  }

  private unfile(owner: string, dependent: string): void {
    const s = this.dependents.get(owner);
    s?.delete(dependent);
    if (s?.size === 0) this.dependents.delete(owner);
  }
}

/** The served resource an ownerReference names (by group and kind: any version of it). */
export function ownerResource(ref: OwnerReference): ResourceInfo | undefined {
  return resourceForGroupKind(groupOfApiVersion(ref.apiVersion), ref.kind);
}

function sameRefs(a: readonly OwnerReference[] | undefined, b: readonly OwnerReference[] | undefined): boolean {
  const n = a?.length ?? 0;
  if (n !== (b?.length ?? 0)) return false;
  for (let i = 0; i < n; i++) {
    if (a![i]!.uid !== b![i]!.uid || !!a![i]!.blockOwnerDeletion !== !!b![i]!.blockOwnerDeletion) return false;
  }
  return true;
}
