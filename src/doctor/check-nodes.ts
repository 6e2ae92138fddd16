// Nodes: each Ready and heartbeating, its network namespace there, its
// service proxy healthy (kube-proxy's /healthz), its conntrack table not full.

import { getCondition } from '../api/pod-helpers.js';
import { clusterOption } from '../cli/context.js';
import type { DoctorEvidence, NodeProbe } from './evidence.js';
import { ago, fail, ok, warn, type Finding } from './findings.js';

/** a full table drops new connections: warn before it is */
const CONNTRACK_WARN_FRACTION = 0.8;

export function checkNodes(e: DoctorEvidence): Finding[] {
  const out: Finding[] = [];
  const ready: string[] = [];
  for (const node of e.objects.nodes) {
    const name = node.metadata.name!;
    const cond = getCondition(node.status?.conditions, 'Ready');
    const beat = cond?.lastHeartbeatTime ? ` (last heartbeat ${ago(e.now, cond.lastHeartbeatTime)})` : '';
    if (cond?.status === 'True') ready.push(name);
    else out.push(fail('Nodes', `node ${name} is not Ready: ${cond?.reason ?? 'no Ready condition'}${cond?.message ? ` (${cond.message})` : ''}${beat}`,
      `its agent's log ${e.logs.agents.get(name) ?? ''} says why it stopped; the daemon restarts a node agent that exits`));
  }
  if (ready.length > 0) out.push(ok('Nodes', `${ready.length === 1 ? 'node' : `${ready.length} nodes`} Ready: ${ready.join(', ')}`));
  for (const probe of e.nodes) out.push(...nodeProbe(probe, e));
  return out;
}

function nodeProbe(p: NodeProbe, e: DoctorEvidence): Finding[] {
  const cluster = e.cluster;
  if (!p.netns) {
    return [fail('Nodes', `node ${p.name} has no network namespace (pn-${cluster}-${p.name}): its pods and rules are gone with it`,
      `podnet down${clusterOption(cluster)} and podnet up${clusterOption(cluster)} rebuild the network`)];
  }
  const out: Finding[] = [];
  if (!p.proxyHealth) {
    out.push(fail('Nodes', `node ${p.name}'s service proxy does not answer on :10256/healthz: its node agent is not running`, `its log ${e.logs.agents.get(p.name) ?? ''} says why`));
  } else if (p.proxyHealth.status !== 200 && !p.proxyHealth.lastUpdated) {
    out.push(warn('Nodes', `node ${p.name}'s service proxy has not loaded its first rules yet: its agent has just started`, `if this lasts, its log ${e.logs.agents.get(p.name) ?? ''} says why`));
  } else if (p.proxyHealth.status !== 200) {
    out.push(fail('Nodes', `node ${p.name}'s service proxy is unhealthy (/healthz ${p.proxyHealth.status}, last sync at ${p.proxyHealth.lastUpdated}): a change has waited too long for its rules`));
  }
  // a running agent whose recorder is not: refusals there go unrecorded (a stopped agent is named above)
  if (p.proxyHealth && p.recording === false) {
    out.push(warn('Nodes', `node ${p.name}'s refusal recorder is not running: its drops and rejects are not recorded, and podnet observe shows none there`, `its agent's log ${e.logs.agents.get(p.name) ?? ''} says why (it starts the recorder again by itself)`));
  }
  if (p.conntrack && p.conntrack.max > 0 && p.conntrack.count >= p.conntrack.max * CONNTRACK_WARN_FRACTION) {
    out.push(warn('Nodes', `node ${p.name}'s conntrack table holds ${p.conntrack.count} of ${p.conntrack.max} entries: when it is full, new connections are dropped`));
  }
  return out;
}
