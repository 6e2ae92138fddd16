// NetworkPolicy: the packets each node's drop rules have counted since the
// rule was made, by the pod they protect and the policies that isolate it.
// A drop is a policy doing its work, or the reason a connection hangs:
// shown, not judged.

import { plural } from '../trace/report.js';
import type { DoctorEvidence } from './evidence.js';
import { ok, warn, type Finding } from './findings.js';

export function checkPolicy(e: DoctorEvidence): Finding[] {
  const policies = e.objects.policies.length;
  if (policies === 0) return [];
  const drops = e.nodes.flatMap((n) => [...n.policyDrops].filter(([, packets]) => packets > 0).map(([rule, packets]) => ({ node: n.name, rule, packets })));
  const out = drops.sort((a, b) => b.packets - a.packets).map((d) => warn('Network policy', `${d.rule} on ${d.node}: ${plural(d.packets, 'packet')} dropped`));
  const dropping = drops.length > 0 ? `; the drops below are what they refused (a connection that hangs may be one)` : '; no packet dropped';
  out.unshift(ok('Network policy', `${policies} ${policies === 1 ? 'NetworkPolicy' : 'NetworkPolicies'} in the nodes' nftables${dropping}`));
  return out;
}
