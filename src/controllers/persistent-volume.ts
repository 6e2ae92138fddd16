// PersistentVolumeClaims and PersistentVolumes, as the kube-controller-manager's
// persistentvolume-binder and the pvc/pv-protection controllers keep them:
// a Pending claim is bound to the smallest Available volume that fits it
// (class, volume mode, access modes, size, selector), or, when none does and
// its StorageClass names podnet's provisioner, to a volume made for it: a
// directory of the cluster (kind's local-path does the same on its node). A
// volume whose claim is gone is Released, then deleted with its directory or
// kept, by its reclaim policy. A claim a pod still uses, and a volume still
// bound, keep their protection finalizer when deleted, as upstream. A bound
// claim asked for more storage is grown as the expand controller and CSI's
// external-resizer grow one, when its volume is a directory podnet made.

import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { claimHasClass, claimStorageClass, defaultStorageClass, volumeStorageClass } from '../api/default-storage-class.js';
import { matchesLabelSelector } from '../api/labels.js';
import { isTerminal, nowRFC3339 } from '../api/pod-helpers.js';
import { quantityValue } from '../api/quantity.js';
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from '../api/storage-protection.js';
import type { ObjectReference, PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from '../api/types.js';
import { canonicalQuantity } from '../api/validation/volumes.js';
import type { Client } from '../client/client.js';
import { deepEqual } from '../store/deep-equal.js';
import { isApiError } from '../errors.js';
import { Controller } from './controller.js';
import type { EventRecorder } from './events.js';
import { indexLookup, splitKey, type IndexLookup, type InformerSource, type Lister } from './informers.js';

/** the provisioner of podnet's StorageClass `standard`: a directory of the cluster per claim */
export const CLAIM_DIRECTORY_PROVISIONER = 'podnet.io/claim-directory';
const BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
const BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
/** the node the scheduler placed a WaitForFirstConsumer claim's first pod on */
const SELECTED_NODE = 'volume.kubernetes.io/selected-node';

/** pods by the claims they mount, `<namespace>/<claimName>` */
const CLAIM_INDEX = 'pvc-users';

/** the claim conditions resizing sets (PersistentVolumeClaimResizing, PersistentVolumeClaimFileSystemResizePending) */
const RESIZE_CONDITIONS: ReadonlySet<string> = new Set(['Resizing', 'FileSystemResizePending']);
/** the expand controller's event when no in-tree plugin expands the volume (hostPath and local have none) */
const EXTERNAL_EXPANDING = 'waiting for an external controller to expand this PVC';

type ClaimCondition = NonNullable<NonNullable<PersistentVolumeClaim['status']>['conditions']>[number];

/**
 * Whether a pod that names a claim may have it mounted: scheduled and not
 * finished, a terminating one included (its containers still run their grace
 * period), as upstream's pvc-protection podUsesPVC and VolumeRestrictions
 * count it; an unscheduled pod has mounted nothing.
 */
export function mountsClaim(p: Pod): boolean {
  return !!p.spec.nodeName && !isTerminal(p);
}

export function claimNamesOfPod(pod: Pod): string[] {
  return (pod.spec.volumes ?? []).flatMap((v) => {
    const claim = (v as { persistentVolumeClaim?: { claimName?: unknown } }).persistentVolumeClaim;
    return typeof claim?.claimName === 'string' ? [claim.claimName] : [];
  });
}

const modeOf = (o: { spec: { volumeMode?: string } }) => o.spec.volumeMode ?? 'Filesystem';
const storageOf = (resources: Record<string, string> | undefined) => quantityValue(resources?.storage ?? '0') ?? 0n;

/** Whether the volume's claimRef names this claim (by uid when it has one: a claim made again under the name is another). */
export function refersTo(ref: ObjectReference | undefined, claim: PersistentVolumeClaim): boolean {
  return !!ref && ref.namespace === claim.metadata.namespace && ref.name === claim.metadata.name && (!ref.uid || ref.uid === claim.metadata.uid);
}

/** Pure: why a volume cannot take this claim (upstream's checkVolumeSatisfyClaim, for a claim that names its volume), or undefined when it can. */
export function volumeMismatch(claim: PersistentVolumeClaim, pv: PersistentVolume): string | undefined {
  if (storageOf(pv.spec.capacity) < storageOf(claim.spec.resources?.requests)) return 'requested PV is too small';
  if (volumeStorageClass(pv) !== claimStorageClass(claim)) return 'storageClassName does not match';
  if (modeOf(pv) !== modeOf(claim)) return 'incompatible volumeMode';
  if (!(claim.spec.accessModes ?? []).every((m) => pv.spec.accessModes?.includes(m))) return 'incompatible accessMode';
  return undefined;
}

/**
 * Pure: the volume a Pending claim binds to, as upstream's FindMatchingVolume:
 * one pre-bound to it (its claimRef names the claim) wins, else the smallest
 * free one whose class and volume mode are the claim's, whose access modes
 * include the claim's, whose capacity covers the request and whose labels
 * match the claim's selector. None: undefined.
 */
export function matchVolume(claim: PersistentVolumeClaim, volumes: readonly PersistentVolume[]): PersistentVolume | undefined {
  const request = storageOf(claim.spec.resources?.requests);
  let best: PersistentVolume | undefined;
  // a volume already bound to this very claim (a bind cut short: the volume written, the claim not yet) is its own, whatever its phase
  const mine = volumes.find((pv) => !pv.metadata.deletionTimestamp && pv.spec.claimRef?.uid !== undefined && refersTo(pv.spec.claimRef, claim));
  if (mine) return mine;
  for (const pv of volumes) {
    if (pv.metadata.deletionTimestamp) continue;
    if (pv.spec.claimRef && !refersTo(pv.spec.claimRef, claim)) continue;
    if (pv.status?.phase && pv.status.phase !== 'Available' && pv.status.phase !== 'Pending') continue;
    if (volumeStorageClass(pv) !== claimStorageClass(claim) || modeOf(pv) !== modeOf(claim)) continue;
    if (!(claim.spec.accessModes ?? []).every((m) => pv.spec.accessModes?.includes(m))) continue;
    const capacity = storageOf(pv.spec.capacity);
    if (capacity < request) continue;
    if (pv.spec.claimRef) return pv;
    if (claim.spec.selector && !matchesLabelSelector(claim.spec.selector, pv.metadata.labels)) continue;
    if (!best || capacity < storageOf(best.spec.capacity)) best = pv;
  }
  return best;
}

/** Pure: a Bound claim that asks for more than it has (the expand controller's trigger, external-resizer's pvcNeedResize). */
export function claimNeedsResize(claim: PersistentVolumeClaim): boolean {
  return claim.status?.phase === 'Bound' && !!claim.spec.volumeName && storageOf(claim.spec.resources?.requests) > storageOf(claim.status?.capacity);
}

/**
 * Pure: MergeResizeConditionsOfPVC: conditions of other types stay; a resize
 * condition not wanted goes, one wanted with the status it has stays as it
 * was (its transition time kept), one whose status changes is replaced, and
 * wanted ones the claim lacks are added.
 */
export function mergeResizeConditions(current: readonly ClaimCondition[] | undefined, wanted: readonly ClaimCondition[]): ClaimCondition[] {
  const merged: ClaimCondition[] = [];
  const placed = new Set<string>();
  for (const c of current ?? []) {
    if (!RESIZE_CONDITIONS.has(c.type)) { merged.push(c); continue; }
    const next = wanted.find((w) => w.type === c.type);
    if (!next) continue;
    merged.push(next.status === c.status ? c : next);
    placed.add(c.type);
  }
  return [...merged, ...wanted.filter((w) => !placed.has(w.type))];
}

export function claimRef(claim: PersistentVolumeClaim): ObjectReference {
  return { kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, apiVersion: 'v1', resourceVersion: claim.metadata.resourceVersion };
}

/** Pure: the volume podnet's provisioner makes for a claim: its request, modes and class, a directory under `claimsDir`. */
export function provisionedVolume(claim: PersistentVolumeClaim, storageClass: StorageClass, claimsDir: string): PersistentVolume {
  const uid = claim.metadata.uid!;
  return {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name: `pvc-${uid}`, annotations: { [PROVISIONED_BY]: storageClass.provisioner } },
    spec: {
      capacity: { storage: claim.spec.resources?.requests?.storage ?? '0' },
      accessModes: claim.spec.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? 'Delete',
      storageClassName: storageClass.metadata.name!,
      volumeMode: modeOf(claim) as 'Filesystem' | 'Block',
      // local-path's naming: the claim is found on disk by its namespace and name
      hostPath: { path: path.join(claimsDir, `pvc-${uid}_${claim.metadata.namespace}_${claim.metadata.name}`), type: 'DirectoryOrCreate' },
      claimRef: claimRef(claim),
      ...(storageClass.mountOptions ? { mountOptions: storageClass.mountOptions } : {}),
    },
  };
}

const withoutFinalizer = (finalizers: string[] | undefined, f: string) => (finalizers ?? []).filter((x) => x !== f);

/** Who tells a claim about its resize: upstream, two components with names of their own. */
export interface ResizeRecorders {
  /** the kube-controller-manager's expand controller (`volume_expand`) */
  expander: EventRecorder;
  /** CSI's external-resizer sidecar (`external-resizer <driver>`) */
  resizer: EventRecorder;
}

export class PersistentVolumeController extends Controller {
  private readonly claims: Lister<PersistentVolumeClaim>;
  private readonly volumes: Lister<PersistentVolume>;
  private readonly classes: Lister<StorageClass>;
  private readonly podsByClaim: IndexLookup<Pod>;
  /** the last event per claim, so a claim that stays Pending is told once, not on every sync */
  private readonly told = new Map<string, string>();
  /** per claim, the request each resize event was given for: a sync from a cache not yet showing the last write tells nothing again */
  private readonly resizeTold = new Map<string, Map<string, string>>();

  constructor(
    informers: InformerSource, private readonly client: Client, private readonly events: EventRecorder, private readonly claimsDir: string,
    private readonly resizeEvents: ResizeRecorders = { expander: events, resizer: events },
  ) {
    super('persistentvolume-binder', 1);
    const claims = informers.informer<PersistentVolumeClaim>('persistentvolumeclaims');
    const volumes = informers.informer<PersistentVolume>('persistentvolumes');
    const classes = informers.informer<StorageClass>('storageclasses');
    const pods = informers.informer<Pod>('pods');
    this.claims = claims;
    this.volumes = volumes;
    this.classes = classes;
    this.podsByClaim = indexLookup(pods, CLAIM_INDEX, (p) => claimNamesOfPod(p).map((c) => `${p.metadata.namespace}/${c}`));
    const claimKey = (ns: string | undefined, name: string | undefined) => `pvc:${ns}/${name}`;
    const pendingClaims = () => { for (const c of this.claims.list()) if (!c.spec.volumeName || c.status?.phase !== 'Bound') this.enqueue(claimKey(c.metadata.namespace, c.metadata.name)); };
    claims.addHandlers({
      add: (c) => this.enqueue(claimKey(c.metadata.namespace, c.metadata.name)),
      update: (_o, c) => this.enqueue(claimKey(c.metadata.namespace, c.metadata.name)),
      delete: (c) => {
        this.told.delete(`${c.metadata.namespace}/${c.metadata.name}`);
        this.resizeTold.delete(`${c.metadata.namespace}/${c.metadata.name}`);
        if (c.spec.volumeName) this.enqueue(`pv:${c.spec.volumeName}`);
      },
    });
    // a volume that comes or frees up may be what a Pending claim waits for (upstream resyncs every 15 s)
    volumes.addHandlers({
      add: (v) => { this.enqueue(`pv:${v.metadata.name}`); pendingClaims(); },
      update: (_o, v) => { this.enqueue(`pv:${v.metadata.name}`); if (v.status?.phase === 'Available') pendingClaims(); },
      delete: (v) => { if (v.spec.claimRef) this.enqueue(claimKey(v.spec.claimRef.namespace, v.spec.claimRef.name)); },
    });
    classes.addHandlers({ add: pendingClaims, update: pendingClaims });
    // a pod going away may be the last user of a claim being deleted
    const users = (p: Pod) => { for (const c of claimNamesOfPod(p)) this.enqueue(claimKey(p.metadata.namespace, c)); };
    pods.addHandlers({ add: users, update: (o, p) => { if (mountsClaim(o) !== mountsClaim(p)) users(p); }, delete: users });
  }

  /** the pods that mount the claim (mountsClaim) */
  private claimUsers(claim: PersistentVolumeClaim): Pod[] {
    return this.podsByClaim.get(`${claim.metadata.namespace}/${claim.metadata.name}`).filter(mountsClaim);
  }

  protected async sync(key: string): Promise<void> {
    if (key.startsWith('pv:')) return this.syncVolume(key.slice(3));
    const [namespace, name] = splitKey(key.slice(4));
    const claim = this.claims.get(namespace, name);
    if (claim) await this.syncClaim(claim);
  }

  private tell(claim: PersistentVolumeClaim, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const k = `${claim.metadata.namespace}/${claim.metadata.name}`;
    if (this.told.get(k) === `${reason}:${message}`) return;
    this.told.set(k, `${reason}:${message}`);
    if (type === 'Normal') this.events.normal(claim, reason, message); else this.events.warning(claim, reason, message);
  }

  private async syncClaim(claim: PersistentVolumeClaim): Promise<void> {
    if (claim.metadata.deletionTimestamp) {
      // pvc-protection: the finalizer goes once no pod that is not done mounts the claim
      if (claim.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER) && this.claimUsers(claim).length === 0) {
        await this.client.update<PersistentVolumeClaim>({ ...claim, metadata: { ...claim.metadata, finalizers: withoutFinalizer(claim.metadata.finalizers, PVC_PROTECTION_FINALIZER) } });
      }
      return;
    }
    if (claim.spec.volumeName) {
      const pv = this.volumes.get(undefined, claim.spec.volumeName);
      if (!pv) {
        if (claim.status?.phase === 'Bound') {
          this.tell(claim, 'Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
          await this.setClaimStatus(claim, { phase: 'Lost' });
        }
        return;
      }
      if (pv.spec.claimRef && !refersTo(pv.spec.claimRef, claim)) {
        if (claim.status?.phase === 'Bound') {
          this.tell(claim, 'Warning', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
          await this.setClaimStatus(claim, { phase: 'Lost' });
        } else this.tell(claim, 'Warning', 'FailedBinding', `volume "${pv.metadata.name}" already bound to a different claim.`);
        return;
      }
      // a claim bound already keeps its volume; one that names it is checked first, as upstream
      const mismatch = claim.status?.phase === 'Bound' ? undefined : volumeMismatch(claim, pv);
      if (mismatch) {
        this.tell(claim, 'Warning', 'VolumeMismatch', `Cannot bind to requested volume "${pv.metadata.name}": ${mismatch}`);
        return;
      }
      const bound = await this.bind(claim, pv);
      return this.expand(bound.claim, bound.volume);
    }
    // a claim made while no class was default gets the default that came since (upstream's retroactive assignment)
    if (!claimHasClass(claim)) {
      const chosen = defaultStorageClass(this.classes.list());
      if (chosen) {
        await this.client.update<PersistentVolumeClaim>({ ...claim, spec: { ...claim.spec, storageClassName: chosen.metadata.name } });
        return;
      }
    }
    const pv = matchVolume(claim, this.volumes.list());
    if (pv) {
      await this.bind(claim, pv);
      return;
    }
    const className = claimStorageClass(claim);
    if (className === '') {
      this.tell(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      return;
    }
    const storageClass = this.classes.get(undefined, className);
    if (!storageClass) {
      this.tell(claim, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
      return;
    }
    if (storageClass.provisioner !== CLAIM_DIRECTORY_PROVISIONER) {
      this.tell(claim, 'Normal', 'ExternalProvisioning', `Waiting for a volume to be created either by the external provisioner '${storageClass.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`);
      return;
    }
    if (claim.spec.selector) {
      this.tell(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${className}": claim.Spec.Selector is not supported`);
      return;
    }
    if (storageClass.volumeBindingMode === 'WaitForFirstConsumer') {
      // the scheduler places the pod first; the claim is provisioned for its node
      const user = this.claimUsers(claim)[0];
      if (!user) {
        this.tell(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
        return;
      }
      if (claim.metadata.annotations?.[SELECTED_NODE] !== user.spec.nodeName) {
        await this.client.update<PersistentVolumeClaim>({ ...claim, metadata: { ...claim.metadata, annotations: { ...(claim.metadata.annotations ?? {}), [SELECTED_NODE]: user.spec.nodeName! } } });
        return;
      }
    }
    await this.provision(claim, storageClass);
  }

  private async provision(claim: PersistentVolumeClaim, storageClass: StorageClass): Promise<void> {
    const volume = provisionedVolume(claim, storageClass, this.claimsDir);
    mkdirSync(volume.spec.hostPath!.path, { recursive: true });
    // local-path's mode: any user of any pod may write (mkdir's mode is masked by the umask)
    chmodSync(volume.spec.hostPath!.path, 0o777);
    let created: PersistentVolume;
    try {
      created = await this.client.create(volume);
    } catch (err) {
      // made by an earlier sync whose cache had not shown it yet
      if (!isApiError(err, 'AlreadyExists')) throw err;
      created = await this.client.get<PersistentVolume>('persistentvolumes', undefined, volume.metadata.name!);
    }
    this.tell(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${created.metadata.name}`);
    await this.bind(claim, created);
  }

  /** The volume's claimRef, then the claim's volumeName, then both statuses: each step is safe to repeat. */
  private async bind(claim: PersistentVolumeClaim, volume: PersistentVolume): Promise<{ claim: PersistentVolumeClaim; volume: PersistentVolume }> {
    let pv = volume;
    if (!pv.spec.claimRef?.uid) {
      pv = await this.client.update<PersistentVolume>({
        ...pv,
        metadata: { ...pv.metadata, annotations: { ...(pv.metadata.annotations ?? {}), ...(pv.spec.claimRef ? {} : { [BOUND_BY_CONTROLLER]: 'yes' }) } },
        spec: { ...pv.spec, claimRef: claimRef(claim) },
      });
    }
    if (pv.status?.phase !== 'Bound') pv = await this.client.update<PersistentVolume>({ ...pv, status: { ...pv.status, phase: 'Bound' } }, { subresource: 'status' });
    let pvc = claim;
    if (pvc.spec.volumeName !== pv.metadata.name || pvc.metadata.annotations?.[BIND_COMPLETED] !== 'yes') {
      const byController: Record<string, string> = !pvc.spec.volumeName ? { [BOUND_BY_CONTROLLER]: 'yes' } : {};
      pvc = await this.client.update<PersistentVolumeClaim>({
        ...pvc,
        metadata: { ...pvc.metadata, annotations: { ...(pvc.metadata.annotations ?? {}), [BIND_COMPLETED]: 'yes', ...byController } },
        spec: { ...pvc.spec, volumeName: pv.metadata.name },
      });
    }
    // the capacity only when the claim becomes Bound, as upstream's updateClaimStatus: after that it is the resize's to change
    const capacity = pvc.status?.phase === 'Bound' ? {} : { capacity: pv.spec.capacity };
    pvc = await this.setClaimStatus(pvc, { phase: 'Bound', accessModes: pv.spec.accessModes, ...capacity });
    return { claim: pvc, volume: pv };
  }

  private async setClaimStatus(claim: PersistentVolumeClaim, status: NonNullable<PersistentVolumeClaim['status']>): Promise<PersistentVolumeClaim> {
    const next = { ...claim.status, ...status };
    if (deepEqual(next, claim.status ?? {})) return claim;
    return this.client.update<PersistentVolumeClaim>({ ...claim, status: next }, { subresource: 'status' });
  }

  /** Records a resize event once per claim and requested size. */
  private tellResize(claim: PersistentVolumeClaim, request: string, reason: string, record: () => void): void {
    const key = `${claim.metadata.namespace}/${claim.metadata.name}`;
    const told = this.resizeTold.get(key) ?? new Map<string, string>();
    this.resizeTold.set(key, told);
    if (told.get(reason) === request) return;
    told.set(reason, request);
    record();
  }

  /**
   * A bound claim asks for more than it has. The expand controller finds no
   * in-tree plugin that expands a hostPath or local volume and says it waits
   * for an external one (a Warning upstream, whose plugin lookup fails for
   * them). For a volume podnet's provisioner made, podnet is that resizer, as
   * CSI's external-resizer is for a driver with nothing to do on the node (a
   * directory has no size to grow): the claim is marked Resizing, the
   * volume's capacity becomes the request, then the claim's does and the
   * condition goes. Another volume keeps its size and the claim its
   * capacity, as upstream with no resizer running.
   */
  private async expand(claim: PersistentVolumeClaim, pv: PersistentVolume): Promise<void> {
    if (!claimNeedsResize(claim)) return;
    const asked = claim.spec.resources!.requests!['storage']!;
    const request = canonicalQuantity(asked) ?? asked;
    this.tellResize(claim, request, 'ExternalExpanding', () => this.resizeEvents.expander.warning(claim, 'ExternalExpanding', EXTERNAL_EXPANDING));
    if (!this.provisionedHere(pv)) return;
    const resizing = await this.setClaimStatus(claim, {
      conditions: mergeResizeConditions(claim.status?.conditions, [{ type: 'Resizing', status: 'True', lastTransitionTime: nowRFC3339() }]),
    });
    this.tellResize(claim, request, 'Resizing', () => this.resizeEvents.resizer.normal(resizing, 'Resizing', `External resizer is resizing volume ${pv.metadata.name}`));
    if (storageOf(pv.spec.capacity) !== storageOf({ storage: request })) {
      await this.client.update<PersistentVolume>({ ...pv, spec: { ...pv.spec, capacity: { ...pv.spec.capacity, storage: request } } });
    }
    const conditions = mergeResizeConditions(resizing.status?.conditions, []);
    await this.setClaimStatus(resizing, { capacity: { ...resizing.status?.capacity, storage: request }, conditions: conditions.length > 0 ? conditions : undefined });
    this.tellResize(claim, request, 'VolumeResizeSuccessful', () => this.resizeEvents.resizer.normal(resizing, 'VolumeResizeSuccessful', 'Resize volume succeeded'));
  }

  /** A volume podnet's provisioner made: its annotation, and its directory among the cluster's claims. */
  private provisionedHere(pv: PersistentVolume): boolean {
    return pv.metadata.annotations?.[PROVISIONED_BY] === CLAIM_DIRECTORY_PROVISIONER && !!pv.spec.hostPath && path.dirname(pv.spec.hostPath.path) === this.claimsDir;
  }

  private async syncVolume(name: string): Promise<void> {
    const pv = this.volumes.get(undefined, name);
    if (!pv) return;
    if (pv.metadata.deletionTimestamp) {
      // pv-protection: the finalizer goes once no claim is bound to the volume;
      // a bound one whose claim is gone is Released first (and its directory, if ours, removed)
      if (pv.status?.phase === 'Bound') {
        const ref = pv.spec.claimRef;
        const claim = ref ? this.claims.get(ref.namespace, ref.name!) : undefined;
        if (ref && claim && refersTo(ref, claim)) return;
        return this.reclaim(pv);
      }
      if (pv.metadata.finalizers?.includes(PV_PROTECTION_FINALIZER)) {
        await this.client.update<PersistentVolume>({ ...pv, metadata: { ...pv.metadata, finalizers: withoutFinalizer(pv.metadata.finalizers, PV_PROTECTION_FINALIZER) } });
      }
      return;
    }
    const ref = pv.spec.claimRef;
    if (!ref) return this.setVolumePhase(pv, 'Available');
    const claim = this.claims.get(ref.namespace, ref.name!);
    if (claim && refersTo(ref, claim)) {
      if (claim.spec.volumeName === pv.metadata.name) return this.setVolumePhase(pv, 'Bound');
      // the claim went to another volume (a bind cut short, then another match): upstream's syncVolume unbinds one it bound itself
      if (claim.spec.volumeName && pv.metadata.annotations?.[BOUND_BY_CONTROLLER] === 'yes') return this.unbind(pv);
      // pre-bound by its author: the claim's sync binds it
      this.enqueue(`pvc:${claim.metadata.namespace}/${claim.metadata.name}`);
      return this.setVolumePhase(pv, 'Available');
    }
    // pre-bound to a claim not made yet: free for that claim only
    if (!ref.uid) return this.setVolumePhase(pv, 'Available');
    await this.reclaim(pv);
  }

  private async unbind(pv: PersistentVolume): Promise<void> {
    const { [BOUND_BY_CONTROLLER]: _by, ...annotations } = pv.metadata.annotations ?? {};
    const { claimRef: _ref, ...spec } = pv.spec;
    const freed = await this.client.update<PersistentVolume>({ ...pv, metadata: { ...pv.metadata, annotations }, spec });
    await this.setVolumePhase(freed, 'Available');
  }

  /** The claim it was bound to is gone: Released, then deleted (with its directory, if podnet made it) or kept, by its reclaim policy. */
  private async reclaim(pv: PersistentVolume): Promise<void> {
    const policy = pv.spec.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy === 'Retain') return this.setVolumePhase(pv, 'Released');
    if (policy !== 'Delete') return this.setVolumePhase(pv, 'Failed', 'No recycler plugin found for the volume!');
    if (!this.provisionedHere(pv)) {
      // upstream's hostPath deleter, which removes only paths under /tmp
      const hostPath = pv.spec.hostPath?.path;
      const deletable = hostPath !== undefined && /^\/tmp\/.+/.test(hostPath) && path.resolve(hostPath).startsWith('/tmp/');
      if (!deletable) {
        const message = hostPath !== undefined ? `host_path deleter only supports /tmp/.+ but received provided ${hostPath}` : `error getting deleter volume plugin for volume "${pv.metadata.name}": no deletable volume plugin matched`;
        if (pv.status?.phase !== 'Failed' || pv.status.message !== message) this.events.warning(pv, 'VolumeFailedDelete', message);
        return this.setVolumePhase(pv, 'Failed', message);
      }
    }
    if (pv.status?.phase !== 'Released') await this.setVolumePhase(pv, 'Released');
    rmSync(pv.spec.hostPath!.path, { recursive: true, force: true });
    try {
      await this.client.delete('persistentvolumes', undefined, pv.metadata.name!, { preconditions: { uid: pv.metadata.uid! } });
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }

  private async setVolumePhase(pv: PersistentVolume, phase: NonNullable<PersistentVolume['status']>['phase'], message?: string): Promise<void> {
    if (pv.status?.phase === phase && pv.status?.message === message) return;
    const { message: _old, ...rest } = pv.status ?? {};
    await this.client.update<PersistentVolume>({ ...pv, status: { ...rest, phase, ...(message ? { message } : {}) } }, { subresource: 'status' });
  }
}

/**
 * Pure: why a pod cannot be placed yet because of its claims, in
 * kube-scheduler's words (VolumeBinding's PreFilter: a missing claim, one
 * being deleted, an Immediate one not bound yet; VolumeRestrictions: a
 * ReadWriteOncePod claim another scheduled pod uses), or undefined. A claim
 * of a WaitForFirstConsumer class waits for the pod instead: it is
 * provisioned once the pod has a node.
 */
export function claimsBlockScheduling(pod: Pod, claims: Pick<Lister<PersistentVolumeClaim>, 'get'>, lookups: {
  waitsForConsumer?: (claim: PersistentVolumeClaim) => boolean;
  users?: (claim: PersistentVolumeClaim) => Pod[];
} = {}): string | undefined {
  let unbound = false;
  for (const name of claimNamesOfPod(pod)) {
    const claim = claims.get(pod.metadata.namespace, name);
    if (!claim) return `persistentvolumeclaim "${name}" not found`;
    if (claim.metadata.deletionTimestamp) return `persistentvolumeclaim "${name}" is being deleted`;
    if (claim.spec.accessModes?.includes('ReadWriteOncePod') && (lookups.users?.(claim) ?? []).some((p) => p.metadata.uid !== pod.metadata.uid && mountsClaim(p))) {
      return 'node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode';
    }
    if ((!claim.spec.volumeName || claim.status?.phase !== 'Bound') && !lookups.waitsForConsumer?.(claim)) unbound = true;
  }
  return unbound ? 'pod has unbound immediate PersistentVolumeClaims' : undefined;
}

/** Whether a claim is bound only once a pod that mounts it has a node: unbound, of a WaitForFirstConsumer class. */
export function waitsForFirstConsumer(claim: PersistentVolumeClaim, classes: Pick<Lister<StorageClass>, 'get'>): boolean {
  if (claim.spec.volumeName) return false;
  const name = claimStorageClass(claim);
  return name !== '' && classes.get(undefined, name)?.volumeBindingMode === 'WaitForFirstConsumer';
}
