// NetworkPolicy: the packets each node's drop rules have counted since the
// rule was made, by the pod they protect and the policies that isolate it.
// A drop is a policy doing its work, or the reason a connection hangs:
// shown, not judged; with the last one's time when the node's refusal log
// holds it from the last 10 minutes (a counter alone may be an hour old).

import { plural } from '../trace/report.js';
import { RECENT_MS } from './check-events.js';
import type { DoctorEvidence } from './evidence.js';
import { ago, ok, warn, type Finding } from './findings.js';

/** how far back the refusal log was read for the last drop (src/cli/commands/doctor.ts), as observe's --since */
const RECENT_SINCE = `${RECENT_MS / 60_000}m`;

export function checkPolicy(e: DoctorEvidence): Finding[] {
  const policies = e.objects.policies.length;
  if (policies === 0) return [];
  const drops = e.nodes.flatMap((n) => [...n.policyDrops].filter(([, packets]) => packets > 0).map(([rule, packets]) => ({ node: n.name, rule, packets })));
  const last = (node: string, rule: string) => e.nodes.find((n) => n.name === node)?.policyDropLast?.get(rule);
  const out = drops.sort((a, b) => b.packets - a.packets).map((d) => {
    const at = last(d.node, d.rule);
    return warn('Network policy', `${d.rule} on ${d.node}: ${plural(d.packets, 'packet')} dropped${at !== undefined ? `, the last ${ago(e.now, at)}` : ''}`,
      at !== undefined ? `podnet observe --since ${RECENT_SINCE} --verdict DROPPED --node ${d.node} shows each, with its source` : undefined);
  });
  const dropping = drops.length > 0 ? `; the drops below are what they refused (a connection that hangs may be one)` : '; no packet dropped';
  out.unshift(ok('Network policy', `${policies} ${policies === 1 ? 'NetworkPolicy' : 'NetworkPolicies'} in the nodes' nftables${dropping}`));
  return out;
}
