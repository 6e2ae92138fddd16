// `kubectl describe node` (describe.go describeNode, describeNodeResource).
// podnet has no node Leases, so the Lease section is left out; pod resource
// totals are computed from the Pods the caller passes.

import type { Container, Event, Node, Pod } from '../../api/types.js';
import { ageSince, rfc1123z, type Instant } from './age.js';
import {
  describeEvents, type DescribeRelated, LEVEL_0, LEVEL_1, PrefixWriter, printAnnotationsMultiline, printLabelsMultiline, untyped,
} from './describe-writer.js';
import { formatMilli, parseMilli } from '../../api/quantity.js';
import { nodeRoles } from './table.js';

type Taint = { key: string; value?: string; effect?: string };
type Resources = { limits?: Record<string, string>; requests?: Record<string, string> };

function taintText(t: Taint): string {
  let s = t.key;
  if (t.value) s += `=${t.value}`;
  if (t.effect) s += `:${t.effect}`;
  return s;
}

/** Sum of the pods' container requests/limits for one resource, in milli-units. */
function podResource(pod: Pod, kind: 'requests' | 'limits', name: string): number {
  let total = 0;
  for (const c of pod.spec?.containers ?? []) {
    const r = (c as Container)['resources'] as Resources | undefined;
    const v = parseMilli(r?.[kind]?.[name]);
    if (!Number.isNaN(v)) total += v;
  }
  return total;
}

function percentOf(value: number, total: number): number {
  return total > 0 ? Math.trunc((value / total) * 100) : 0;
}

function describeNodeResources(node: Node, pods: readonly Pod[], w: PrefixWriter, now: Instant): void {
  const onNode = pods.filter((p) => p.spec?.nodeName === node.metadata.name && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  const alloc = Object.keys(node.status?.allocatable ?? {}).length > 0 ? node.status!.allocatable! : node.status?.capacity ?? {};
  const cpuAlloc = parseMilli(alloc['cpu']) || 0;
  const memAlloc = parseMilli(alloc['memory']) || 0;
  const storageAlloc = parseMilli(alloc['ephemeral-storage']) || 0;
  const cell = (v: number, total: number, bytes: boolean): string => `${formatMilli(v, bytes)} (${percentOf(v, total)}%)`;
  w.write(LEVEL_0, `Non-terminated Pods:\t(${onNode.length} in total)\n`);
  w.write(LEVEL_1, 'Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n');
  w.write(LEVEL_1, '---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n');
  const totals = { cpuReq: 0, cpuLim: 0, memReq: 0, memLim: 0, stReq: 0, stLim: 0 };
  for (const p of onNode) {
    const cpuReq = podResource(p, 'requests', 'cpu');
    const cpuLim = podResource(p, 'limits', 'cpu');
    const memReq = podResource(p, 'requests', 'memory');
    const memLim = podResource(p, 'limits', 'memory');
    totals.cpuReq += cpuReq; totals.cpuLim += cpuLim; totals.memReq += memReq; totals.memLim += memLim;
    totals.stReq += podResource(p, 'requests', 'ephemeral-storage');
    totals.stLim += podResource(p, 'limits', 'ephemeral-storage');
    w.write(LEVEL_1, `${p.metadata.namespace ?? ''}\t${p.metadata.name ?? ''}\t\t${cell(cpuReq, cpuAlloc, false)}\t${cell(cpuLim, cpuAlloc, false)}\t${cell(memReq, memAlloc, true)}\t${cell(memLim, memAlloc, true)}\t${ageSince(p.metadata.creationTimestamp, now)}\n`);
  }
  w.write(LEVEL_0, 'Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n');
  w.write(LEVEL_1, 'Resource\tRequests\tLimits\n');
  w.write(LEVEL_1, '--------\t--------\t------\n');
  w.write(LEVEL_1, `cpu\t${cell(totals.cpuReq, cpuAlloc, false)}\t${cell(totals.cpuLim, cpuAlloc, false)}\n`);
  w.write(LEVEL_1, `memory\t${cell(totals.memReq, memAlloc, true)}\t${cell(totals.memLim, memAlloc, true)}\n`);
  w.write(LEVEL_1, `ephemeral-storage\t${cell(totals.stReq, storageAlloc, true)}\t${cell(totals.stLim, storageAlloc, true)}\n`);
}

export function describeNode(node: Node, events: readonly Event[] | undefined, related: DescribeRelated, now: Instant): string {
  const w = new PrefixWriter();
  const status = node.status ?? {};
  const info = status.nodeInfo ?? {};
  w.write(LEVEL_0, `Name:\t${node.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Roles:\t${nodeRoles(node).join(',') || '<none>'}\n`);
  printLabelsMultiline(w, 'Labels', node.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', node.metadata.annotations);
  w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(node.metadata.creationTimestamp)}\n`);
  const taints = [...(untyped<Taint[]>(node.spec, 'taints') ?? [])]
    .sort((a, b) => { const ka = `${a.effect ?? ''},${a.key}`; const kb = `${b.effect ?? ''},${b.key}`; return ka < kb ? -1 : ka > kb ? 1 : 0; });
  w.write(LEVEL_0, 'Taints:\t');
  if (taints.length === 0) w.writeLine('<none>');
  taints.forEach((t, i) => w.write(LEVEL_0, `${i !== 0 ? '\t' : ''}${taintText(t)}\n`));
  w.write(LEVEL_0, `Unschedulable:\t${!!node.spec?.unschedulable}\n`);
  if ((status.conditions ?? []).length > 0) {
    w.write(LEVEL_0, 'Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n');
    w.write(LEVEL_1, '----\t------\t-----------------\t------------------\t------\t-------\n');
    for (const c of status.conditions!) {
      w.write(LEVEL_1, `${c.type} \t${c.status} \t${rfc1123z(c.lastHeartbeatTime)} \t${rfc1123z(c.lastTransitionTime)} \t${c.reason ?? ''} \t${c.message ?? ''}\n`);
    }
  }
  w.write(LEVEL_0, 'Addresses:\n');
  for (const a of status.addresses ?? []) w.write(LEVEL_1, `${a.type}:\t${a.address}\n`);
  for (const [title, list] of [['Capacity', status.capacity], ['Allocatable', status.allocatable]] as const) {
    const names = Object.keys(list ?? {}).sort();
    if (names.length === 0) continue;
    w.write(LEVEL_0, `${title}:\n`);
    for (const n of names) w.write(LEVEL_0, `  ${n}:\t${list![n]}\n`);
  }
  w.write(LEVEL_0, 'System Info:\n');
  for (const [label, key] of [
    ['Machine ID', 'machineID'], ['System UUID', 'systemUUID'], ['Boot ID', 'bootID'], ['Kernel Version', 'kernelVersion'],
    ['OS Image', 'osImage'], ['Operating System', 'operatingSystem'], ['Architecture', 'architecture'],
    ['Container Runtime Version', 'containerRuntimeVersion'], ['Kubelet Version', 'kubeletVersion'], ['Kube-Proxy Version', 'kubeProxyVersion'],
  ] as const) {
    w.write(LEVEL_0, `  ${label}:\t${info[key] ?? ''}\n`);
  }
  if (node.spec?.podCIDR) w.write(LEVEL_0, `PodCIDR:\t${node.spec.podCIDR}\n`);
  if ((node.spec?.podCIDRs ?? []).length > 0) w.write(LEVEL_0, `PodCIDRs:\t${node.spec!.podCIDRs!.join(',')}\n`);
  const providerID = untyped<string>(node.spec, 'providerID');
  if (providerID) w.write(LEVEL_0, `ProviderID:\t${providerID}\n`);
  if (related.pods) describeNodeResources(node, related.pods, w, now);
  if (events) describeEvents(events, w, now);
  return w.toString();
}
