// `kubectl describe` for claims, volumes and classes (describe.go:
// describePersistentVolumeClaim with printPersistentVolumeClaim and
// getPodsForPVC, describePersistentVolume, describeStorageClass). Pure: the
// caller passes a claim's namespace pods, for its "Used By" line.

import { isDefaultStorageClass, claimStorageClass, volumeStorageClass } from '../../api/default-storage-class.js';
import type { Event, PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from '../../api/types.js';
import { ageSince, rfc1123z, type Instant } from './age.js';
import { printHostPathSource } from './describe-pod.js';
import {
  describeEvents, type DescribeRelated, LEVEL_0, LEVEL_1, LEVEL_2, nsOf, PrefixWriter, printAnnotationsMultiline, printLabelsMultiline, untyped,
} from './describe-writer.js';
import { formatLabels } from './selectors.js';
import { accessModesText, storageText } from './table.js';

const NONE = '<none>';

interface SelectorRequirement { key: string; operator?: string; values?: string[] }
interface DataSource { apiGroup?: string; kind?: string; name?: string }

/** Go's %v of a []string: `[a b]`, `[]` for none. */
function goStringList(list: readonly string[] | undefined): string {
  return `[${(list ?? []).join(' ')}]`;
}

/** The Status line: the phase, or how long a claim or volume has been Terminating. */
function phaseOrTerminating(obj: PersistentVolume | PersistentVolumeClaim, now: Instant): string {
  const deleted = obj.metadata.deletionTimestamp;
  return deleted ? `Terminating (lasts ${ageSince(deleted, now)})` : obj.status?.phase ?? '';
}

/**
 * A title and its items, as printPodsMultilineWithIndent and the node and
 * topology selector term printers write them: the first item on the title's
 * line, the others under it, `<none>` for no item.
 */
function printMultiline(w: PrefixWriter, level: number, title: string, items: readonly string[]): void {
  w.write(level, `${title}:\t`);
  if (items.length === 0) {
    w.writeLine(NONE);
    return;
  }
  items.forEach((text, i) => {
    if (i !== 0) w.write(level, '\t');
    w.write(LEVEL_0, `${text}\n`);
  });
}

/** `key in [a, b]`: the operator lower-cased, the values as they are. */
function requirementText(r: SelectorRequirement, operator: string): string {
  const values = r.values ?? [];
  return values.length > 0 ? `${r.key} ${operator} [${values.join(', ')}]` : `${r.key} ${operator}`;
}

/** printVolumeNodeAffinity: each required term's match expressions (match fields are not shown). */
function printNodeAffinity(w: PrefixWriter, pv: PersistentVolume): void {
  w.write(LEVEL_0, 'Node Affinity:\t');
  const required = pv.spec.nodeAffinity?.required;
  if (!required) {
    w.writeLine(NONE);
    return;
  }
  w.writeLine('');
  w.write(LEVEL_1, 'Required Terms:\t');
  const terms = (required.nodeSelectorTerms ?? []) as { matchExpressions?: SelectorRequirement[] }[];
  if (terms.length === 0) {
    w.writeLine(NONE);
    return;
  }
  w.writeLine('');
  terms.forEach((term, i) => printMultiline(w, LEVEL_2, `Term ${i}`,
    (term.matchExpressions ?? []).map((r) => requirementText(r, (r.operator ?? '').toLowerCase()))));
}

/**
 * The volume's source, for the kinds podnet serves (hostPath, local) and
 * nfs; kubectl has a block for every other kind, which podnet prints as the
 * `<unknown>` line kubectl keeps for a source it does not know.
 */
function printVolumeSource(w: PrefixWriter, pv: PersistentVolume): void {
  const nfs = untyped<{ server?: string; path?: string; readOnly?: boolean }>(pv.spec, 'nfs');
  if (pv.spec.hostPath) {
    printHostPathSource(pv.spec.hostPath, w);
  } else if (nfs) {
    w.write(LEVEL_2, `Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t${nfs.server ?? ''}\n    Path:\t${nfs.path ?? ''}\n    ReadOnly:\t${!!nfs.readOnly}\n`);
  } else if (pv.spec.local) {
    w.write(LEVEL_2, `Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n    Path:\t${pv.spec.local.path}\n`);
  } else {
    w.write(LEVEL_1, '<unknown>\n');
  }
}

export function describePersistentVolume(pv: PersistentVolume, events: readonly Event[] | undefined, now: Instant): string {
  const w = new PrefixWriter();
  const ref = pv.spec.claimRef;
  w.write(LEVEL_0, `Name:\t${pv.metadata.name ?? ''}\n`);
  printLabelsMultiline(w, 'Labels', pv.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', pv.metadata.annotations);
  w.write(LEVEL_0, `Finalizers:\t${goStringList(pv.metadata.finalizers)}\n`);
  w.write(LEVEL_0, `StorageClass:\t${volumeStorageClass(pv)}\n`);
  w.write(LEVEL_0, `Status:\t${phaseOrTerminating(pv, now)}\n`);
  w.write(LEVEL_0, `Claim:\t${ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : ''}\n`);
  w.write(LEVEL_0, `Reclaim Policy:\t${pv.spec.persistentVolumeReclaimPolicy ?? ''}\n`);
  w.write(LEVEL_0, `Access Modes:\t${accessModesText(pv.spec.accessModes)}\n`);
  if (pv.spec.volumeMode) w.write(LEVEL_0, `VolumeMode:\t${pv.spec.volumeMode}\n`);
  w.write(LEVEL_0, `Capacity:\t${storageText(pv.spec.capacity)}\n`);
  printNodeAffinity(w, pv);
  w.write(LEVEL_0, `Message:\t${pv.status?.message ?? ''}\n`);
  w.write(LEVEL_0, 'Source:\n');
  printVolumeSource(w, pv);
  if (events) describeEvents(events, w, now);
  return w.toString();
}

/**
 * getPodsForPVC: the pods that mount the claim, once per volume that names it
 * (as kubectl lists them), then a pod that owns it (a generic ephemeral
 * volume's claim) if not listed already.
 */
export function podsUsingClaim(pvc: PersistentVolumeClaim, pods: readonly Pod[]): Pod[] {
  const users = pods.flatMap((pod) => (pod.spec.volumes ?? [])
    .filter((v) => untyped<{ claimName?: string }>(v, 'persistentVolumeClaim')?.claimName === pvc.metadata.name)
    .map(() => pod));
  for (const ref of pvc.metadata.ownerReferences ?? []) {
    if (ref.kind !== 'Pod') continue;
    const owner = pods.find((p) => p.metadata.uid === ref.uid);
    if (owner && !users.some((p) => p.metadata.uid === owner.metadata.uid)) users.push(owner);
  }
  return users;
}

/** printPodsMultiline: the pods' names sorted, one a line, or <none>. */
function printPodNames(w: PrefixWriter, title: string, pods: readonly Pod[]): void {
  printMultiline(w, LEVEL_0, title, pods.map((p) => p.metadata.name ?? '').sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A claim's capacity and access modes are its volume's: blank until it names one. */
function printClaimCapacity(w: PrefixWriter, pvc: PersistentVolumeClaim): void {
  const bound = !!pvc.spec.volumeName;
  w.write(LEVEL_0, `Capacity:\t${bound ? storageText(pvc.status?.capacity) : ''}\n`);
  w.write(LEVEL_0, `Access Modes:\t${bound ? accessModesText(pvc.status?.accessModes) : ''}\n`);
}

export function describePersistentVolumeClaim(pvc: PersistentVolumeClaim, events: readonly Event[] | undefined, related: DescribeRelated, now: Instant): string {
  const w = new PrefixWriter();
  w.write(LEVEL_0, `Name:\t${pvc.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${nsOf(pvc)}\n`);
  w.write(LEVEL_0, `StorageClass:\t${claimStorageClass(pvc)}\n`);
  w.write(LEVEL_0, `Status:\t${phaseOrTerminating(pvc, now)}\n`);
  w.write(LEVEL_0, `Volume:\t${pvc.spec.volumeName ?? ''}\n`);
  printLabelsMultiline(w, 'Labels', pvc.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', pvc.metadata.annotations);
  w.write(LEVEL_0, `Finalizers:\t${goStringList(pvc.metadata.finalizers)}\n`);
  printClaimCapacity(w, pvc);
  if (pvc.spec.volumeMode) w.write(LEVEL_0, `VolumeMode:\t${pvc.spec.volumeMode}\n`);
  const dataSource = untyped<DataSource>(pvc.spec, 'dataSource');
  if (dataSource) {
    w.write(LEVEL_0, 'DataSource:\n');
    if (dataSource.apiGroup !== undefined) w.write(LEVEL_1, `APIGroup:\t${dataSource.apiGroup}\n`);
    w.write(LEVEL_1, `Kind:\t${dataSource.kind ?? ''}\n`);
    w.write(LEVEL_1, `Name:\t${dataSource.name ?? ''}\n`);
  }
  printPodNames(w, 'Used By', podsUsingClaim(pvc, related.pods ?? []));
  const conditions = pvc.status?.conditions ?? [];
  if (conditions.length > 0) {
    w.write(LEVEL_0, 'Conditions:\n');
    w.write(LEVEL_1, 'Type\tStatus\tLastProbeTime\tLastTransitionTime\tReason\tMessage\n');
    w.write(LEVEL_1, '----\t------\t-----------------\t------------------\t------\t-------\n');
    for (const c of conditions) {
      w.write(LEVEL_1, `${c.type} \t${c.status} \t${rfc1123z(c.lastProbeTime)} \t${rfc1123z(c.lastTransitionTime)} \t${c.reason ?? ''} \t${c.message ?? ''}\n`);
    }
  }
  if (events) describeEvents(events, w, now);
  return w.toString();
}

/** printBoolPtr: True, False, or <unset> for a field left out. */
function boolOrUnset(value: boolean | undefined): string {
  return value === undefined || value === null ? '<unset>' : value ? 'True' : 'False';
}

/** printAllowedTopologies: each term's label expressions, always `in`. */
function printAllowedTopologies(w: PrefixWriter, terms: readonly { matchLabelExpressions?: SelectorRequirement[] }[]): void {
  w.write(LEVEL_0, 'AllowedTopologies:\t');
  w.writeLine('');
  terms.forEach((term, i) => printMultiline(w, LEVEL_1, `Term ${i}`, (term.matchLabelExpressions ?? []).map((r) => requirementText(r, 'in'))));
}

export function describeStorageClass(sc: StorageClass, events: readonly Event[] | undefined, now: Instant): string {
  const w = new PrefixWriter();
  w.write(LEVEL_0, `Name:\t${sc.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `IsDefaultClass:\t${isDefaultStorageClass(sc) ? 'Yes' : 'No'}\n`);
  // on one line, as labels.FormatLabels prints them: the last-applied annotation included
  w.write(LEVEL_0, `Annotations:\t${formatLabels(sc.metadata.annotations)}\n`);
  w.write(LEVEL_0, `Provisioner:\t${sc.provisioner ?? ''}\n`);
  w.write(LEVEL_0, `Parameters:\t${formatLabels(sc.parameters)}\n`);
  w.write(LEVEL_0, `AllowVolumeExpansion:\t${boolOrUnset(sc.allowVolumeExpansion)}\n`);
  const options = sc.mountOptions ?? [];
  if (options.length === 0) w.write(LEVEL_0, `MountOptions:\t${NONE}\n`);
  else {
    w.write(LEVEL_0, 'MountOptions:\n');
    for (const option of options) w.write(LEVEL_1, `${option}\n`);
  }
  if (sc.reclaimPolicy !== undefined) w.write(LEVEL_0, `ReclaimPolicy:\t${sc.reclaimPolicy}\n`);
  if (sc.volumeBindingMode !== undefined) w.write(LEVEL_0, `VolumeBindingMode:\t${sc.volumeBindingMode}\n`);
  // an empty list is left out on the wire, so kubectl never sees one
  const topologies = (sc.allowedTopologies ?? []) as { matchLabelExpressions?: SelectorRequirement[] }[];
  if (topologies.length > 0) printAllowedTopologies(w, topologies);
  if (events) describeEvents(events, w, now);
  return w.toString();
}
