// The pod network: every pod IP held by one pod only, inside its node's
// podCIDR and recorded by the IPAM; no IPAM address held for a pod that is
// gone; no network namespace of the cluster's that belongs to nothing.

import type { Pod } from '../api/types.js';
import { netnsNames } from '../config.js';
import { inCidr } from '../proxy/ipv4.js';
import { key } from '../trace/lookup.js';
import { plural } from '../trace/report.js';
import type { Allocation } from '../cni/ipam-store.js';
import type { DoctorEvidence, NodeProbe } from './evidence.js';
import { fail, ok, warn, type Finding } from './findings.js';

const SHOWN = 5;

/** the pods that hold an address of the pod network now */
function addressed(pods: Pod[]): Pod[] {
  return pods.filter((p) => !p.spec.hostNetwork && p.status?.podIP && p.status.phase !== 'Succeeded' && p.status.phase !== 'Failed');
}

/** The pod's IPAM owner: the agent hands podnet-cni the pod's uid without dashes as its container id. */
export const containerIdOf = (pod: Pod) => pod.metadata.uid!.replace(/-/g, '');

function allocationsByOwner(nodes: NodeProbe[]): Map<string, Allocation & { node: string }> {
  return new Map(nodes.flatMap((n) => n.allocations.map((a) => [a.containerId, { ...a, node: n.name }] as const)));
}

/** The pods holding an IP that no IPAM allocation of theirs records (doctor's gatherer looks at these again: a pod may have ended meanwhile). */
export function unrecordedPods(pods: Pod[], nodes: NodeProbe[]): Pod[] {
  const allocations = allocationsByOwner(nodes);
  return addressed(pods).filter((p) => !p.metadata.deletionTimestamp && allocations.get(containerIdOf(p))?.ip !== p.status!.podIP);
}

const listed = (items: string[]) => `${items.slice(0, SHOWN).join(', ')}${items.length > SHOWN ? `, … (${items.length})` : ''}`;

export function checkPodNetwork(e: DoctorEvidence): Finding[] {
  const out: Finding[] = [];
  const pods = addressed(e.objects.pods);
  const byIP = new Map<string, Pod[]>();
  for (const p of pods) byIP.set(p.status!.podIP!, [...(byIP.get(p.status!.podIP!) ?? []), p]);
  for (const [ip, holders] of byIP) {
    if (holders.length > 1) out.push(fail('Pod network', `${ip} is the IP of ${holders.length} pods: ${holders.map(key).join(', ')}`, 'delete all but one of them: each gets a new address'));
  }
  const cidrs = new Map(e.objects.nodes.map((n) => [n.metadata.name!, n.spec?.podCIDR]));
  for (const p of pods) {
    const cidr = cidrs.get(p.spec.nodeName ?? '');
    if (cidr && !inCidr(p.status!.podIP!, cidr)) out.push(fail('Pod network', `pod ${key(p)} has IP ${p.status!.podIP}, outside its node ${p.spec.nodeName}'s podCIDR ${cidr}: no route leads to it`));
  }

  const allocations = allocationsByOwner(e.nodes);
  const owners = new Set(e.objects.pods.map(containerIdOf));
  const unrecorded = unrecordedPods(e.objects.pods, e.nodes);
  if (unrecorded.length > 0) {
    out.push(fail('Pod network', `${plural(unrecorded.length, 'pod')} ${unrecorded.length === 1 ? 'holds' : 'hold'} an IP the IPAM has no record of, so it could be handed out again: ${listed(unrecorded.map((p) => `${key(p)} (${p.status!.podIP})`))}`,
      'delete those pods: their replacements get recorded addresses'));
  }
  const orphans = [...allocations.values()].filter((a) => !owners.has(a.containerId));
  if (orphans.length > 0) {
    out.push(warn('Pod network', `${orphans.length === 1 ? '1 address' : `${orphans.length} addresses`} held for pods that no longer exist: ${listed(orphans.map((a) => `${a.ip} on ${a.node}`))}`,
      "each node agent's IPAM garbage collection frees them; a lasting one means an agent that cannot run it"));
  }

  const expected = new Set([netnsNames.router(e.cluster), netnsNames.outside(e.cluster), netnsNames.extdns(e.cluster),
    ...e.objects.nodes.map((n) => netnsNames.node(e.cluster, n.metadata.name!)),
    ...e.objects.pods.map((p) => netnsNames.pod(e.cluster, p.metadata.uid!))]);
  const strays = e.netns.filter((n) => !expected.has(n));
  if (strays.length > 0) {
    out.push(warn('Pod network', `${plural(strays.length, 'network namespace')} of this cluster ${strays.length === 1 ? 'belongs' : 'belong'} to no node or pod: ${listed(strays)}`,
      'a pod being torn down leaves its namespace for a moment; one that stays was left by a crash: podnet down removes it'));
  }
  if (out.every((f) => f.level === 'ok')) {
    out.push(ok('Pod network', pods.length === 0 ? `no pod holds an IP yet; ${plural(e.netns.length, 'network namespace')}, each a node's or the outside world's` : `${plural(pods.length, 'pod IP')}, each held once, inside its node's podCIDR and recorded by the IPAM; ${plural(e.netns.length, 'network namespace')}, each a node's, a pod's or the outside world's`));
  }
  return out;
}
