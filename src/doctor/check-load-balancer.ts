// The cloud load balancer: every LoadBalancer Service's address is a
// frontend of the router's, and each frontend has a node in service
// (lb-status.json, the LB agent's health view). With
// externalTrafficPolicy Local a node without a ready local endpoint fails
// its health check on purpose, so only a frontend with no node left counts.

import type { LbFrontendStatus } from '../cloud/lb-status.js';
import { key } from '../trace/lookup.js';
import { plural } from '../trace/report.js';
import type { DoctorEvidence } from './evidence.js';
import { fail, ok, warn, type Finding } from './findings.js';

function targetsText(f: LbFrontendStatus): string {
  return f.targets.map((t) => `${t.node} ${t.inService ? 'in service' : `${t.state} (${t.detail})`}`).join(', ');
}

export function checkLoadBalancer(e: DoctorEvidence): Finding[] {
  const out: Finding[] = [];
  const frontends = e.lb?.frontends ?? [];
  const good: string[] = [];
  for (const f of frontends) {
    const serving = f.targets.filter((t) => t.inService);
    if (serving.length === 0 && f.targets.some((t) => t.state === 'initial')) {
      out.push(warn('Load balancer', `${f.address} (Service ${f.service}) sends to no node yet: its health checks are still starting (${targetsText(f)})`));
    } else if (serving.length === 0) {
      out.push(fail('Load balancer', `${f.address} (Service ${f.service}) sends to no node: ${targetsText(f) || 'no node is a target'}`,
        f.externalTrafficPolicy === 'Local' ? 'externalTrafficPolicy Local: only nodes with a ready endpoint of the Service pass the health check' : "the health check asks each node's kube-proxy (/healthz on :10256): the Nodes check says which do not answer"));
    } else if (serving.length < f.targets.length && f.externalTrafficPolicy === 'Cluster') {
      out.push(warn('Load balancer', `${f.address} (Service ${f.service}) has nodes out of service: ${targetsText(f)}`));
    } else {
      good.push(`${f.address} → ${serving.map((t) => t.node).join(', ')}`);
    }
  }
  const programmed = new Set(frontends.map((f) => f.address.split(':')[0]));
  for (const svc of e.objects.services) {
    if (svc.spec.type !== 'LoadBalancer') continue;
    for (const ip of (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((x): x is string => !!x)) {
      if (!programmed.has(ip)) out.push(fail('Load balancer', `Service ${key(svc)} has the address ${ip}, which the router does not serve: the LB agent has not programmed it`, `its log ${e.logs.lbAgent} says why`));
    }
  }
  if (e.lbRecording === false && e.lb) {
    out.push(warn('Load balancer', 'the load balancer\'s refusal recorder is not running: its rejects and drops are not recorded, and podnet observe shows none there', `its log ${e.logs.lbAgent} says why`));
  }
  if (good.length > 0) out.unshift(ok('Load balancer', `${plural(good.length, 'frontend')} with ${good.length === 1 ? 'its' : 'their'} nodes in service: ${good.join('; ')}`));
  return out;
}
