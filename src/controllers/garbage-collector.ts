// Cascading deletion by ownerReferences, for every kind the API serves
// (upstream's garbage collector): an object whose owners are all gone is
// deleted; one that keeps an owner loses only the references to the gone
// ones; an owner deleted with propagationPolicy Orphan has the references to
// it stripped from its dependents, and one deleted in the Foreground stays
// until its blocking dependents are gone. The API server leaves the `orphan`
// / `foregroundDeletion` finalizers (src/api/deletion.ts); this removes them
// when done.
//
// Driven by the shared informers of every kind: their events keep the owner
// graph (owner-graph.ts) and enqueue only the uids that have something to do,
// so the thousands of objects whose owners stand cost a few Map operations
// each. sync(uid) decides from the graph; an owner uid the graph has never
// seen (created after its owner was deleted, or deleted while the daemon was
// down) is read from the API server before the dependent is deleted.

import type { KubeObject, OwnerReference } from '../api/types.js';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from '../api/deletion.js';
import { RESOURCES, type ResourceInfo } from '../api/resources.js';
import type { Client } from '../client/client.js';
import { isApiError } from '../errors.js';
import { Controller } from './controller.js';
import type { InformerSource } from './informers.js';
import {
  dependentAction, hasCascadeWork, isWaitingForDependents, ownerAction, ownerResource, OwnerGraph, type GraphNode, type OwnerState,
} from './owner-graph.js';

export class GarbageCollector extends Controller {
  private readonly graph = new OwnerGraph();

  constructor(source: InformerSource, private readonly client: Client) {
    super('garbage-collector', 1);
    // Events are left out: nothing owns them or is owned by them here, they
    // are the most numerous writes in a burst (2,000 in a 2,000-object
    // apply), and an informer of them would also keep every one in memory.
    // A namespace's Events go with the namespace.
    for (const resource of RESOURCES) {
      if (resource.plural === 'events') continue;
      source.informer(resource.plural).addHandlers({
        add: (obj) => this.added(resource, obj),
        update: (old, obj) => {
          if (old.metadata.uid !== obj.metadata.uid) { this.deleted(old); this.added(resource, obj); return; }
          for (const owner of this.graph.upsert(resource, obj)) this.enqueueIfWaiting(owner);
          this.enqueueIfWork(obj);
        },
        delete: (obj) => this.deleted(obj),
      });
    }
  }

  private added(resource: ResourceInfo, obj: KubeObject): void {
    this.graph.upsert(resource, obj);
    this.enqueueIfWork(obj);
  }

  private deleted(obj: KubeObject): void {
    for (const dependent of this.graph.remove(obj)) this.enqueue(dependent);
    for (const r of obj.metadata.ownerReferences ?? []) this.enqueueIfWaiting(r.uid);
  }

  /** An owner's cascade to finish, or a dependent with an owner that is not solid. */
  private enqueueIfWork(obj: KubeObject): void {
    const m = obj.metadata;
    if (hasCascadeWork(obj) || (!m.deletionTimestamp && m.ownerReferences?.some((r) => this.graph.ownerState(obj, r) !== 'solid'))) this.enqueue(m.uid!);
  }

  private enqueueIfWaiting(uid: string): void {
    const owner = this.graph.node(uid);
    if (owner && isWaitingForDependents(owner.obj)) this.enqueue(uid);
  }

  protected async sync(uid: string): Promise<void> {
    const node = this.graph.node(uid);
    if (!node) return;
    if (node.obj.metadata.deletionTimestamp) await this.finishOwner(node);
    else await this.settleDependent(node);
  }

  private async settleDependent(node: GraphNode): Promise<void> {
    const obj = node.obj;
    const refs = obj.metadata.ownerReferences ?? [];
    const hasDependents = this.graph.hasDependents(obj.metadata.uid!);
    let stateOf = (r: OwnerReference) => this.graph.ownerState(obj, r);
    let action = dependentAction(refs, stateOf, hasDependents);
    if (action.kind === 'verify') {
      const verified = new Map<string, OwnerState>();
      for (const r of action.refs) verified.set(r.uid, await this.readOwner(obj, r));
      const fromGraph = stateOf;
      stateOf = (r) => verified.get(r.uid) ?? fromGraph(r);
      action = dependentAction(refs, stateOf, hasDependents);
    }
    switch (action.kind) {
      case 'keep':
      case 'verify':
        return;
      case 'remove-refs':
        await this.removeOwnerRefs(node, action.uids);
        return;
      case 'delete':
        await this.deleteObject(node, action.foreground);
    }
  }

  private async finishOwner(node: GraphNode): Promise<void> {
    const owner = node.obj;
    const action = ownerAction(owner, this.graph.dependentsOf(owner.metadata.uid!));
    if (action.kind === 'orphan') {
      for (const d of action.dependents) {
        const dn = this.graph.node(d.metadata.uid!);
        if (dn) await this.removeOwnerRefs(dn, [owner.metadata.uid!]);
      }
      await this.removeFinalizer(node, ORPHAN_FINALIZER);
    } else if (action.kind === 'foreground') {
      for (const d of action.pending) this.enqueue(d.metadata.uid!);
      if (!action.blocked) await this.removeFinalizer(node, FOREGROUND_FINALIZER);
    }
  }

  /** The owner as the API server has it now (upstream verifies every absent owner with a live GET). */
  private async readOwner(dependent: KubeObject, ref: OwnerReference): Promise<OwnerState> {
    const r = ownerResource(ref)!;
    if (r.namespaced && !dependent.metadata.namespace) return 'absent'; // a cluster-scoped object cannot have a namespaced owner
    try {
      const owner = await this.client.get(r.plural, r.namespaced ? dependent.metadata.namespace : undefined, ref.name);
      if (owner.metadata.uid === ref.uid) return isWaitingForDependents(owner) ? 'waiting' : 'solid';
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
    this.graph.markAbsent(ref.uid);
    return 'absent';
  }

  /**
   * Strategic merge patches that name what goes (upstream's collector does
   * the same): no resourceVersion precondition, so status churn on the object
   * cannot make them fail with 409 until the retries run out.
   */
  private async removeOwnerRefs(node: GraphNode, uids: string[]): Promise<void> {
    await this.patchMetadata(node, { ownerReferences: uids.map((uid) => ({ uid, $patch: 'delete' })) });
  }

  /** The last finalizer gone, the API server removes the marked object. */
  private async removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    await this.patchMetadata(node, { '$deleteFromPrimitiveList/finalizers': [finalizer] });
  }

  private async patchMetadata(node: GraphNode, metadata: Record<string, unknown>): Promise<void> {
    const m = node.obj.metadata;
    try {
      await this.client.patch(node.resource.plural, m.namespace, m.name!, { metadata }, { patchType: 'strategic' });
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }

  private async deleteObject(node: GraphNode, foreground: boolean): Promise<void> {
    const m = node.obj.metadata;
    try {
      await this.client.delete(node.resource.plural, m.namespace, m.name!, { preconditions: { uid: m.uid! }, ...(foreground ? { propagationPolicy: 'Foreground' as const } : {}) });
    } catch (err) {
      // NotFound: already gone; Conflict: the name now belongs to a new object
      if (!isApiError(err, 'NotFound') && !isApiError(err, 'Conflict')) throw err;
    }
  }
}
